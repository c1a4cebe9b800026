/* dirlock.h: a run folder is the run's alone. rs_dirlock takes an exclusive flock(2) on
 * DIR/.lock for as long as the process lives (or until rs_dirunlock), and writes the holder's
 * pid, host and start time into it, so a second run on the same folder can say who holds it. */
#ifndef RS_DIRLOCK_H
#define RS_DIRLOCK_H

#include <stddef.h>

enum { RS_DIRLOCK_OK = 0, RS_DIRLOCK_HELD = 1, RS_DIRLOCK_IO = 2 };

/* RS_DIRLOCK_OK with *fd set; RS_DIRLOCK_HELD with the holder's line ("pid N on host H
 * (started at T)") in msg; RS_DIRLOCK_IO with errno set when the lock file cannot be made. */
int rs_dirlock(const char *dir, int *fd, char *msg, size_t msg_size);
void rs_dirunlock(int fd);

#endif

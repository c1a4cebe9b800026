/* dirlock.c: the run folder's lock (dirlock.h). flock, not fcntl locks: a flock belongs to
 * the open file, so threads of the run share it and closing another descriptor of the file
 * does not drop it; the kernel drops it when the holder dies, so a killed run never leaves a
 * stale lock behind. */
#include "dirlock.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/file.h>
#include <time.h>
#include <unistd.h>

/* The holder's line, as the lock file holds it; "an unknown process" when it is empty (the
 * holder is between its flock and its write). */
static void read_holder(int fd, char *msg, size_t msg_size)
{
    char buf[256];
    ssize_t n = pread(fd, buf, sizeof buf - 1, 0);
    buf[n > 0 ? n : 0] = '\0';
    buf[strcspn(buf, "\n")] = '\0';
    snprintf(msg, msg_size, "%s", buf[0] ? buf : "an unknown process");
}

int rs_dirlock(const char *dir, int *fd, char *msg, size_t msg_size)
{
    char path[4200];
    snprintf(path, sizeof path, "%s/.lock", dir);
    int f = open(path, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0644);
    if (f < 0)
        return RS_DIRLOCK_IO;
    if (flock(f, LOCK_EX | LOCK_NB) != 0) {
        int e = errno;
        if (e == EWOULDBLOCK)
            read_holder(f, msg, msg_size);
        close(f);
        errno = e;
        return e == EWOULDBLOCK ? RS_DIRLOCK_HELD : RS_DIRLOCK_IO;
    }
    char host[256] = "unknown", stamp[64] = "", line[400];
    gethostname(host, sizeof host - 1);
    host[sizeof host - 1] = '\0';
    time_t now = time(NULL);
    strftime(stamp, sizeof stamp, "%Y-%m-%d %H:%M:%S", localtime(&now));
    int n = snprintf(line, sizeof line, "pid %ld on host %s (started at %s)\n", (long)getpid(),
                     host, stamp);
    if (ftruncate(f, 0) != 0 || pwrite(f, line, (size_t)n, 0) != n) {
        int e = errno;
        close(f);
        errno = e;
        return RS_DIRLOCK_IO;
    }
    *fd = f;
    return RS_DIRLOCK_OK;
}

void rs_dirunlock(int fd)
{
    if (fd >= 0)
        close(fd); /* the lock goes with the last descriptor of the open file */
}

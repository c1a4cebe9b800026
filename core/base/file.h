/* file.h: whole-file reads and folder creation. */
#ifndef RS_FILE_H
#define RS_FILE_H

#include <stddef.h>

/* Read a whole file; NULL with a message ("PATH: why") on failure. The caller frees it. */
char *rs_read_file(const char *path, char *err, size_t err_size);
/* mkdir -p: create path and its missing parents. 0 ok; -1 with errno set. */
int rs_mkdir_p(const char *path);

#endif

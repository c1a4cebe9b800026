/* file.h: whole-file reads and folder creation. */
#ifndef RS_FILE_H
#define RS_FILE_H

#include <stddef.h>
#include <stdio.h>

/* Read a whole file; NULL with a message ("PATH: why") on failure. The caller frees it. */
char *rs_read_file(const char *path, char *err, size_t err_size);
/* mkdir -p: create path and its missing parents. 0 ok; -1 with errno set. */
int rs_mkdir_p(const char *path);
/* A new temporary file beside path ("PATH.XXXXXX", made by mkstemp: created exclusively,
 * so a planted symlink or file is never written through); its name in tmp. NULL with errno
 * set on failure. Rename it onto path when complete. */
FILE *rs_create_temp(const char *path, char *tmp, size_t tmp_size);
/* fopen(path, "w") that refuses to follow a symlink at path (O_NOFOLLOW). */
FILE *rs_fopen_nofollow(const char *path);

#endif

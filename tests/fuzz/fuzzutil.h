/* fuzzutil.h: what the fuzz targets share. Each tests/fuzz/fuzz_<name>.c defines libFuzzer's
 * entry point for one parser; it is linked with libFuzzer (bench/fuzz.sh) or with
 * replay_main.c (ctest's fuzz.replay.<name>, every file of tests/fuzz/corpus/<name>/). */
#ifndef RS_FUZZUTIL_H
#define RS_FUZZUTIL_H

#include <stddef.h>
#include <stdint.h>

#include "registry.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* The built-in plugins (from $RULESET_PLUGIN_PATH or the build's plugin folder), made once. */
const rs_registry *fuzz_registry(void);
/* A malloc'd NUL-terminated copy of the input (it ends at its first NUL byte, as a file read
 * with rs_read_file would). */
char *fuzz_text(const uint8_t *data, size_t size);
/* A private folder for the files a target writes, made once and removed at exit. */
const char *fuzz_dir(void);
/* Write the input to fuzz_dir()/name; the path goes to out. Aborts on failure. */
void fuzz_write(const char *name, const uint8_t *data, size_t size, char *out, size_t out_size);
/* Write text to fuzz_dir()/name. Aborts on failure. */
void fuzz_write_text(const char *name, const char *text, char *out, size_t out_size);
/* A failed invariant: print it and abort, which libFuzzer and the replay count as a crash. */
void fuzz_fail(const char *what) __attribute__((noreturn));

#endif

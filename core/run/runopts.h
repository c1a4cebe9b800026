/* runopts.h: the flags that say how a run's jobs are executed, not what they compute:
 * --shard i/n (this process runs a deterministic slice), --isolate / --no-isolate (worker
 * processes, isolate.h) and --job-timeout SECONDS. None of them changes a number. */
#ifndef RS_RUNOPTS_H
#define RS_RUNOPTS_H

#include "isolate.h"

typedef struct rs_runopts {
    size_t shard, n_shards; /* n_shards 0 = the whole run */
    rs_isolate_mode isolate;
    double job_timeout;     /* seconds; 0 = none */
} rs_runopts;

#define RS_RUNOPTS_USAGE "[--shard I/N] [--isolate|--no-isolate] [--job-timeout SECONDS]"

/* Consume the flags above from argv (compacting it, as rs_cli_registry does). 0 ok; -1 after
 * printing one line on a bad value. */
int rs_runopts_parse(int *argc, char **argv, rs_runopts *o);
/* Parse "i/n" with 0 <= i < n; 0 ok. */
int rs_shard_parse(const char *text, size_t *i, size_t *n);

#endif

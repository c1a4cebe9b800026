/* task_data.h: data sets read once per process and shared read-only by every job.
 *
 * A task with a load callback (ABI 1.1) gets its data through host->task_shared(ctx, params):
 * the first call for a (task plugin, resolved parameter values) pair calls load and keeps the
 * result in a per-process cache; every later call, from any thread, answers the same pointer.
 * `ruleset compare` creates each task once while planning, in the main process, so every data
 * set is loaded (and bad data refused) before any job runs and before worker processes are
 * forked: the workers inherit the pages, which nothing writes, so they are never copied. MPI
 * ranks load once each. Lookups take no lock (a worker forked while another thread held it
 * must not block); loads are serialised by a mutex. */
#ifndef RS_TASK_DATA_H
#define RS_TASK_DATA_H

#include <stdio.h>

#include <ruleset/plugin.h>

/* Does task descriptor d (const rs_task_desc *) have `field`? Callbacks appended after 1.0
 * exist only in descriptors compiled large enough (read them only through this). */
#define RS_TASK_HAS(d, field) \
    ((d)->head.abi_minor >= 1 \
     && (d)->head.struct_size >= offsetof(rs_task_desc, field) + sizeof((d)->field))
#define RS_TASK_FN(d, field) (RS_TASK_HAS(d, field) ? (d)->field : NULL)

/* The host table the data set tasks' callbacks are given (the loader sets it with each
 * registry). */
void rs_task_data_set_host(const rs_host *host);
/* host->task_shared: the cached data for params (loading it on first use), or NULL with the
 * message recorded in ctx. */
const void *rs_task_data_shared(rs_ctx *ctx, const rs_params *params);
/* One line per loaded data set: "ruleset: data: fashion_mnist: 60000 train + 10000 test
 * examples, 219.5 MB". Nothing when none is loaded. */
void rs_task_data_print(FILE *f);
/* Total bytes held by every loaded data set. */
uint64_t rs_task_data_bytes(void);
/* Call every unload and forget the cache; before the plugins' files are closed. */
void rs_task_data_unload_all(void);

#endif

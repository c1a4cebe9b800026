/* idx_task.h: loading the IDX tasks (idx_task.c) and the descriptors of every data set task
 * (idx_tasks.c; csv's in csv_task.c, digits' in digits_task.c). */
#ifndef IDX_TASK_H
#define IDX_TASK_H

#include <ruleset/plugin.h>

/* Read train images, train labels, test images, test labels (paths[0..3]) and build the data
 * set the parameters ask for. Labels must be < n_classes (at most 256). hint: appended to the
 * message of a missing file. */
rs_status idx_load_files(const rs_host *host, rs_ctx *ctx, const rs_params *p,
                         const char *const paths[4], const char *hint, uint32_t n_classes,
                         void **shared_out, uint64_t *bytes_out);

extern const rs_task_desc ds_idx_task, ds_fashion_mnist_task, ds_mnist_task, ds_csv_task,
    ds_digits_task;

#endif

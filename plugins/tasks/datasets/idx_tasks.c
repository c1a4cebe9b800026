/* idx_tasks.c: the descriptors of idx, fashion_mnist and mnist, where their files are looked
 * for, and the file's entry point (csv's descriptor is in csv_task.c, digits' in
 * digits_task.c). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ds_data.h"
#include "idx_task.h"

static const char *const std_names[4] = {
    "train-images-idx3-ubyte.gz", "train-labels-idx1-ubyte.gz",
    "t10k-images-idx3-ubyte.gz", "t10k-labels-idx1-ubyte.gz",
};

#define IDX_COMMON_PARAMS                                                                     \
    { .name = "scale", .type = RS_PARAM_CHOICE, .def_str = "unit", .choices = "unit|standard", \
      .help = "unit: pixels / 255; standard: every pixel to zero mean, unit variance (training "\
              "statistics)" },                                                                \
    { .name = "train_limit", .type = RS_PARAM_INT, .def = 0, .lo = 0, .hi = 1e9,              \
      .help = "use the first N training examples (of the chosen classes); 0 = all" },         \
    { .name = "test_limit", .type = RS_PARAM_INT, .def = 0, .lo = 0, .hi = 1e9,               \
      .help = "use the first N test examples (of the chosen classes); 0 = all" },             \
    { .name = "classes", .type = RS_PARAM_STR, .def_str = "",                                 \
      .help = "a subset such as \"0,1,2\", relabelled 0..k-1 in that order; \"\" = all" },     \
    { .name = "valid", .type = RS_PARAM_INT, .def = 0, .lo = 0, .hi = 1e9,                    \
      .help = "hold out the last N training examples as the evaluation set (for tuning; the "  \
              "test files are then not read); 0 = evaluate on the test set" },                 \
    { .name = "target_acc", .type = RS_PARAM_REAL, .def = 0.85, .lo = 0, .hi = 1,             \
      .help = "solved = evaluation accuracy at least this" }

static const rs_param_spec idx_params[] = {
    { .name = "train_images", .type = RS_PARAM_STR, .def_str = "",
      .help = "IDX file of the training images (gzip'd or not)" },
    { .name = "train_labels", .type = RS_PARAM_STR, .def_str = "",
      .help = "IDX file of the training labels" },
    { .name = "test_images", .type = RS_PARAM_STR, .def_str = "",
      .help = "IDX file of the test images" },
    { .name = "test_labels", .type = RS_PARAM_STR, .def_str = "",
      .help = "IDX file of the test labels" },
    { .name = "n_classes", .type = RS_PARAM_INT, .def = 10, .lo = 2, .hi = 256,
      .help = "labels are 0..n_classes-1" },
    IDX_COMMON_PARAMS,
    { 0 }
};

static const rs_param_spec dir_params[] = {
    { .name = "dir", .type = RS_PARAM_STR, .def_str = "",
      .help = "folder of the four IDX files; \"\" = $RULESET_DATA/<name>, else the default" },
    IDX_COMMON_PARAMS,
    { 0 }
};

static rs_status idx_load(const rs_host *host, rs_ctx *ctx, const rs_params *p,
                          void **shared_out, uint64_t *bytes_out)
{
    static const char *const keys[4] = { "train_images", "train_labels", "test_images",
                                         "test_labels" };
    const char *paths[4];
    for (int i = 0; i < 4; i++)
        if (!(paths[i] = host->param_str(p, keys[i]))[0] && (i < 2 || !host->param_int(p, "valid")))
            return host->fail(ctx, RS_ERR_PARAM, "idx: give %s=FILE (and train_images, "
                              "train_labels, test_images, test_labels: IDX files, gzip'd or "
                              "not)", keys[i]);
    return idx_load_files(host, ctx, p, paths, "", (uint32_t)host->param_int(p, "n_classes"),
                          shared_out, bytes_out);
}

/* The folder of a named data set: dir=, else $RULESET_DATA/<sub>, else fallback ("" = none). */
static rs_status named_load(const rs_host *host, rs_ctx *ctx, const rs_params *p,
                            const char *sub, const char *fallback, const char *how,
                            void **shared_out, uint64_t *bytes_out)
{
    char dir[1024], paths[4][1200], hint[1400];
    const char *env = getenv("RULESET_DATA");
    if (host->param_str(p, "dir")[0])
        snprintf(dir, sizeof dir, "%s", host->param_str(p, "dir"));
    else if (env && env[0])
        snprintf(dir, sizeof dir, "%s/%s", env, sub);
    else if (fallback[0])
        snprintf(dir, sizeof dir, "%s", fallback);
    else
        return host->fail(ctx, RS_ERR_IO, "%s: no folder given: put %s, %s, %s and %s in a "
                          "folder DIR and give dir=DIR, or put them in $RULESET_DATA/%s; %s",
                          sub, std_names[0], std_names[1], std_names[2], std_names[3], sub, how);
    snprintf(hint, sizeof hint, "; %s needs %s, %s, %s and %s in %s (or give dir=FOLDER, or "
             "set $RULESET_DATA to a folder holding %s/); %s", sub, std_names[0], std_names[1],
             std_names[2], std_names[3], dir, sub, how);
    const char *pp[4];
    for (int i = 0; i < 4; i++) {
        snprintf(paths[i], sizeof paths[i], "%s/%s", dir, std_names[i]);
        pp[i] = paths[i];
        FILE *f = fopen(paths[i], "rb");
        if (f) {
            fclose(f);
            continue;
        }
        paths[i][strlen(paths[i]) - 3] = '\0'; /* the file gunzipped: its name without .gz */
        if ((f = fopen(paths[i], "rb")) != NULL)
            fclose(f);
        else /* neither: the message names the .gz */
            snprintf(paths[i], sizeof paths[i], "%s/%s", dir, std_names[i]);
    }
    return idx_load_files(host, ctx, p, pp, hint, 10, shared_out, bytes_out);
}

static rs_status fashion_load(const rs_host *host, rs_ctx *ctx, const rs_params *p,
                              void **shared_out, uint64_t *bytes_out)
{
    return named_load(host, ctx, p, "fashion-mnist", "/usr/share/datasets/fashion-mnist",
                      "on Debian: apt-get install dataset-fashion-mnist", shared_out, bytes_out);
}

static rs_status mnist_load(const rs_host *host, rs_ctx *ctx, const rs_params *p,
                            void **shared_out, uint64_t *bytes_out)
{
    return named_load(host, ctx, p, "mnist", "",
                      "Debian does not package MNIST: download the four files of "
                      "http://yann.lecun.com/exdb/mnist/ (or a mirror)", shared_out, bytes_out);
}

#define DS_CALLBACKS                                                                 \
    .create = ds_create, .batch = ds_batch, .eval_set = ds_eval_set, .solved = ds_solved, \
    .destroy = ds_destroy, .unload = ds_unload, .gather = ds_gather

const rs_task_desc ds_idx_task = {
    RS_PLUGIN_HEAD(rs_task_desc, RS_KIND_TASK),
    .head.name = "idx", .head.version = "1.0.0",
    .head.summary = "image classification from IDX files (the MNIST format), gzip'd or not",
    .head.citation = "LeCun et al. (1998) Gradient-based learning applied to document "
                     "recognition", .head.params = idx_params,
    .load = idx_load, DS_CALLBACKS,
};

const rs_task_desc ds_fashion_mnist_task = {
    RS_PLUGIN_HEAD(rs_task_desc, RS_KIND_TASK),
    .head.name = "fashion_mnist", .head.version = "1.0.0",
    .head.summary = "Fashion-MNIST: 28x28 clothing images, 10 classes, 60000 + 10000",
    .head.citation = "Xiao, Rasul & Vollgraf (2017) Fashion-MNIST, arXiv:1708.07747",
    .head.params = dir_params,
    .load = fashion_load, DS_CALLBACKS,
};

const rs_task_desc ds_mnist_task = {
    RS_PLUGIN_HEAD(rs_task_desc, RS_KIND_TASK),
    .head.name = "mnist", .head.version = "1.0.0",
    .head.summary = "MNIST: 28x28 handwritten digits, 10 classes, 60000 + 10000",
    .head.citation = "LeCun et al. (1998) Gradient-based learning applied to document "
                     "recognition", .head.params = dir_params,
    .load = mnist_load, DS_CALLBACKS,
};

RS_EXPORT const rs_plugin_head *rs_plugin_entry(const rs_host *host, uint32_t index)
{
    (void)host;
    static const rs_task_desc *const all[] = { &ds_idx_task, &ds_fashion_mnist_task,
                                               &ds_mnist_task, &ds_csv_task, &ds_digits_task };
    return index < sizeof all / sizeof all[0] ? &all[index]->head : NULL;
}

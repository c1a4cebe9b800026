/* bench_epoch.c: epochs of Fashion-MNIST (Xiao, Rasul & Vollgraf 2017, arXiv:1708.07747) through
 * the `backprop` rule plugin (or --rule's), the path a `ruleset compare` job takes (rule.step on
 * host-owned networks), one thread: the ruleset side of bench/epoch.sh and of the faithfulness
 * check against bench/torch_fashion.py, which does the same in plain PyTorch.
 *
 * The recipe (the same on both sides; see torch_fashion.py's header):
 *   data      the four IDX files, pixels / 255 (no mean/std normalisation), labels one-hot
 *   network   784-256-10 (--hidden), ReLU, biases, PyTorch's default init (kaiming_uniform
 *             a=sqrt(5): U(+-1/sqrt(fan_in)) for W and b)
 *   training  softmax cross-entropy averaged over the batch, plain SGD lr 0.1 (--lr), momentum 0,
 *             no weight decay, batch 128, the last batch of an epoch the 96 left over
 *             (60000 = 468 x 128 + 96: 469 steps), a fresh shuffle each epoch
 *   seed      the network's init and every shuffle come from the job stream of --seed
 *
 * Timed: only the rule's steps of each epoch. Not timed: reading and decompressing the files
 * (zlib), shuffling and cutting the epoch into feature-major batches, the test evaluation.
 *
 * Usage: bench_epoch [--data DIR] [--epochs N] [--seed S] [--hidden H] [--lr LR]
 *                    [--rule NAME [--params P]]
 * --rule times another rule on the same epochs: its parameters are P (default none: its
 * defaults, found as `ruleset compare` finds them, e.g. lstm_synapse's shipped weights under
 * ./rules), and --lr is backprop's alone.
 * Output (TSV): one line "epoch  seconds  cpu_seconds  train_loss" per epoch (wall clock, and
 * the CPU time the process got, which leaves out other load on a shared core), then "test_acc  A" with the
 * accuracy on the 10000 test images after the last epoch. Pin it: taskset -c 1. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#include "bench_util.h"
#include "ctx.h"

#define BATCH 128
#define N_CLASSES 10
#define N_PIXELS 784

typedef struct dataset {
    uint32_t n;
    rs_real *x;     /* (n, 784) example-major, pixels / 255 */
    uint8_t *label; /* (n) */
} dataset;

static uint32_t be32(const unsigned char *p)
{
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

/* Reads a gzipped IDX file (magic 0x0801 labels or 0x0803 images of 28 x 28) into *out, and
 * its item count into *n. Exits with a one-line message naming the file on any mismatch. */
static uint8_t *read_idx(const char *dir, const char *name, int images, uint32_t *n)
{
    char path[1024];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    gzFile f = gzopen(path, "rb");
    if (!f) {
        fprintf(stderr, "bench_epoch: cannot open %s; install dataset-fashion-mnist or pass "
                        "--data DIR\n", path);
        exit(3);
    }
    unsigned char head[16];
    const int head_len = images ? 16 : 8;
    if (gzread(f, head, (unsigned)head_len) != head_len
        || be32(head) != (images ? 0x803u : 0x801u)
        || (images && (be32(head + 8) != 28 || be32(head + 12) != 28))) {
        fprintf(stderr, "bench_epoch: %s is not an IDX %s file\n", path,
                images ? "28x28 image" : "label");
        exit(3);
    }
    *n = be32(head + 4);
    size_t bytes = (size_t)*n * (images ? N_PIXELS : 1);
    uint8_t *buf = malloc(bytes);
    if (!buf || gzread(f, buf, (unsigned)bytes) != (int)bytes) {
        fprintf(stderr, "bench_epoch: %s: truncated (expected %zu bytes of data)\n", path, bytes);
        exit(3);
    }
    gzclose(f);
    return buf;
}

static dataset load(const char *dir, const char *images, const char *labels)
{
    dataset d;
    uint32_t n_lab;
    uint8_t *px = read_idx(dir, images, 1, &d.n);
    d.label = read_idx(dir, labels, 0, &n_lab);
    if (n_lab != d.n) {
        fprintf(stderr, "bench_epoch: %s has %u images, %s %u labels\n", images, d.n, labels,
                n_lab);
        exit(3);
    }
    d.x = malloc((size_t)d.n * N_PIXELS * sizeof(rs_real));
    for (size_t i = 0; i < (size_t)d.n * N_PIXELS; i++)
        d.x[i] = (rs_real)px[i] / 255;
    free(px);
    for (uint32_t i = 0; i < d.n; i++)
        if (d.label[i] >= N_CLASSES) {
            fprintf(stderr, "bench_epoch: %s: label %u of item %u is not 0..9\n", labels,
                    d.label[i], i);
            exit(3);
        }
    return d;
}

/* Examples idx[0..n) of d as one feature-major batch: x (784, n), y one-hot (10, n). */
static void gather(const dataset *d, const uint32_t *idx, uint32_t n, rs_real *x, rs_real *y)
{
    for (uint32_t b = 0; b < n; b++) {
        const rs_real *src = d->x + (size_t)idx[b] * N_PIXELS;
        for (uint32_t i = 0; i < N_PIXELS; i++)
            x[(size_t)i * n + b] = src[i];
        for (uint32_t c = 0; c < N_CLASSES; c++)
            y[(size_t)c * n + b] = d->label[idx[b]] == c;
    }
}

/* Fisher-Yates over 0..n-1 from the job stream. */
static void shuffle(uint32_t *perm, uint32_t n, rs_rng *rng)
{
    for (uint32_t i = 0; i < n; i++)
        perm[i] = i;
    for (uint32_t i = n - 1; i > 0; i--) {
        uint32_t j = (uint32_t)(rs_rng_u64(rng) % (i + 1));
        uint32_t t = perm[i];
        perm[i] = perm[j];
        perm[j] = t;
    }
}

static double test_accuracy(rs_net *net, const dataset *test, rs_real *x, rs_real *y)
{
    uint32_t *idx = malloc(test->n * sizeof *idx), right = 0;
    for (uint32_t i = 0; i < test->n; i++)
        idx[i] = i;
    for (uint32_t s = 0; s < test->n; s += BATCH) {
        uint32_t n = test->n - s < BATCH ? test->n - s : BATCH;
        gather(test, idx + s, n, x, y);
        rs_net_forward(net, x, n);
        const rs_real *out = net->a[net->n_layers];
        for (uint32_t b = 0; b < n; b++) {
            uint32_t best = 0;
            for (uint32_t c = 1; c < N_CLASSES; c++)
                if (out[(size_t)c * n + b] > out[(size_t)best * n + b])
                    best = c;
            right += best == test->label[s + b];
        }
    }
    free(idx);
    return (double)right / test->n;
}

typedef struct options {
    const char *data;
    int epochs;
    uint64_t seed;
    uint32_t hidden;
    const char *lr;
    const char *rule, *params; /* params NULL: backprop's "lr=LR,loss=ce" */
} options;

static options parse(int argc, char **argv)
{
    options o = { "/usr/share/datasets/fashion-mnist", 1, 0, 256, "0.1", "backprop", NULL };
    for (int i = 1; i + 1 < argc; i += 2) {
        if (strcmp(argv[i], "--data") == 0)
            o.data = argv[i + 1];
        else if (strcmp(argv[i], "--epochs") == 0)
            o.epochs = atoi(argv[i + 1]);
        else if (strcmp(argv[i], "--seed") == 0)
            o.seed = strtoull(argv[i + 1], NULL, 10);
        else if (strcmp(argv[i], "--hidden") == 0)
            o.hidden = (uint32_t)atoi(argv[i + 1]);
        else if (strcmp(argv[i], "--lr") == 0)
            o.lr = argv[i + 1];
        else if (strcmp(argv[i], "--rule") == 0)
            o.rule = argv[i + 1];
        else if (strcmp(argv[i], "--params") == 0)
            o.params = argv[i + 1];
        else
            break;
    }
    if ((argc - 1) % 2 || o.epochs < 1 || o.hidden < 1) {
        fprintf(stderr, "usage: bench_epoch [--data DIR] [--epochs N>=1] [--seed S] "
                        "[--hidden H>=1] [--lr LR] [--rule NAME [--params P]]\n");
        exit(2);
    }
    return o;
}

/* One epoch's batches, cut after a fresh shuffle: xs[k] (784, n_k), ys[k] (10, n_k). */
static uint32_t cut_epoch(const dataset *train, uint32_t *perm, rs_rng *rng, rs_real **xs,
                          rs_real **ys, uint32_t *ns)
{
    shuffle(perm, train->n, rng);
    uint32_t k = 0;
    for (uint32_t s = 0; s < train->n; s += BATCH, k++) {
        ns[k] = train->n - s < BATCH ? train->n - s : BATCH;
        gather(train, perm + s, ns[k], xs[k], ys[k]);
    }
    return k;
}

int main(int argc, char **argv)
{
    bench_one_blas_thread();
    options o = parse(argc, argv);
    dataset train = load(o.data, "train-images-idx3-ubyte.gz", "train-labels-idx1-ubyte.gz");
    dataset test = load(o.data, "t10k-images-idx3-ubyte.gz", "t10k-labels-idx1-ubyte.gz");
    rs_registry *reg = rs_registry_create();
    rs_registry_discover(reg, NULL, 0, NULL, 0);
    const rs_rule_desc *rd = (const rs_rule_desc *)bench_need(reg, RS_KIND_RULE, o.rule);
    const rs_host *host = rs_host_get();
    rs_ctx *ctx = rs_ctx_create(o.seed, 0);
    const uint32_t sizes[3] = { N_PIXELS, o.hidden, N_CLASSES };
    const rs_act *acts[2];
    rs_net *net = bench_net(reg, sizes, 2, "relu", "identity", 1, BATCH, &ctx->rng, acts);
    char rule_text[64];
    snprintf(rule_text, sizeof rule_text, "lr=%s,loss=ce", o.lr);
    rs_params *rp = bench_params(&rd->head, o.params ? o.params
                                 : strcmp(o.rule, "backprop") == 0 ? rule_text : "");
    rs_task_info info = { .struct_size = sizeof info, .loss = RS_LOSS_SOFTMAX_CE };
    void *rule = NULL;
    if (rd->create(host, ctx, rp, net, &info, &rule) != RS_OK) {
        fprintf(stderr, "bench_epoch: %s\n", ctx->err);
        return 1;
    }
    const uint32_t n_batches = (train.n + BATCH - 1) / BATCH;
    rs_real **xs = malloc(n_batches * sizeof *xs), **ys = malloc(n_batches * sizeof *ys);
    uint32_t *ns = malloc(n_batches * sizeof *ns), *perm = malloc(train.n * sizeof *perm);
    for (uint32_t k = 0; k < n_batches; k++) {
        xs[k] = malloc((size_t)N_PIXELS * BATCH * sizeof(rs_real));
        ys[k] = malloc((size_t)N_CLASSES * BATCH * sizeof(rs_real));
    }
    printf("epoch\tseconds\tcpu_seconds\ttrain_loss\n");
    for (int e = 1; e <= o.epochs; e++) {
        cut_epoch(&train, perm, &ctx->rng, xs, ys, ns);
        double loss_sum = 0, t0 = bench_now(), c0 = bench_cpu_now();
        for (uint32_t k = 0; k < n_batches; k++) {
            rs_batch batch = { .n = ns[k], .n_in = N_PIXELS, .n_out = N_CLASSES,
                               .loss = info.loss, .x = xs[k], .y = ys[k] };
            rs_step_stats stats = { 0 };
            if (rd->step(rule, ctx, net, &batch, &stats) != RS_OK) {
                fprintf(stderr, "bench_epoch: step %u: %s\n", k, ctx->err);
                return 1;
            }
            loss_sum += stats.loss;
        }
        double secs = bench_now() - t0, cpu = bench_cpu_now() - c0;
        printf("%d\t%.4f\t%.4f\t%.4f\n", e, secs, cpu, loss_sum / n_batches);
        fflush(stdout);
    }
    printf("test_acc\t%.4f\n", test_accuracy(net, &test, xs[0], ys[0]));
    for (uint32_t k = 0; k < n_batches; k++)
        free(xs[k]), free(ys[k]);
    free(xs), free(ys), free(ns), free(perm);
    rd->destroy(rule, ctx);
    rs_params_destroy(rp);
    bench_net_destroy(net, 2, acts);
    rs_ctx_destroy(ctx);
    rs_registry_destroy(reg);
    free(train.x), free(train.label), free(test.x), free(test.label);
    return 0;
}

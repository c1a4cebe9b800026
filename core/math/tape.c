/* tape.c: see tape.h. Layout: the arena, nodes and errors; the scalar functions and the two
 * instantiations of tape_kernels.inc (double, float); then each op's recording (shape checks,
 * a node, the forward kernel of the tape's precision) and finally the backward sweep, which
 * calls each op's backward kernel. */
#include "tape.h"

#include <cblas.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ctx.h"

enum {
    OP_LEAF, OP_MATMUL, OP_ADD, OP_SUB, OP_MUL, OP_SCALE, OP_SIGMOID, OP_TANH, OP_RELU, OP_EXP,
    OP_LOG, OP_SQUARE, OP_SOFTPLUS, OP_LEAKY, OP_LOGSOFTMAX, OP_CLIP, OP_SUM, OP_MEAN,
    OP_BROADCAST, OP_RESHAPE, OP_CONCAT, OP_SLICE, OP_STOP, OP_LSTM_C, OP_LSTM_H
};

typedef struct tnode {
    uint8_t op;
    uint8_t needs;         /* depends on a param leaf: gets a gradient */
    uint32_t rows, cols;
    void *val, *grad;      /* (rows, cols) of the tape's element; grad NULL without recording */
    void *aux;             /* op scratch kept for backward (LSTM gates, tanh(c)) */
    double *val_d, *grad_d; /* float tape: the double copies tape_value/tape_grad handed out */
    rs_tv in[2];
    int32_t ia, ib;        /* int arguments: transposes, axis, start, concat list offset/count */
    double pa, pb;         /* real arguments: scale, clip bounds, slope */
} tnode;

typedef struct chunk {
    unsigned char *val, *grad; /* (cap) bytes each; grad NULL without recording */
    size_t cap, used;
} chunk;

struct rs_tape {
    int record;
    int f32;               /* RS_TAPE_FLOAT: values and gradients are float */
    size_t elem;           /* sizeof(double) or sizeof(float) */
    chunk *chunks;
    size_t n_chunks, cap_chunks;
    tnode *nodes;
    size_t n_nodes, cap_nodes;
    rs_tv *list;           /* concat input lists */
    size_t n_list, cap_list;
    long n_alloc;          /* arena blocks allocated so far */
    void *scratch;         /* a transposed matmul operand */
    size_t scratch_bytes;
    int backward_done;
    char err[256];
};

#define MIN_CHUNK 32768 /* bytes */
/* Below this many multiply-adds a float matmul runs the tape's own loops: OpenBLAS's call and
 * packing cost more than the product on the tape's small matrices (kernels.c's threshold). */
#define TAPE_BLAS_MIN_MACS 1024

/* ---- arena, nodes, errors ------------------------------------------------------------- */

rs_tape *rs_tape_create_prec(rs_ctx *ctx, int record, int precision)
{
    rs_tape *t = rs_alloc(ctx, sizeof *t);
    if (t) {
        t->record = record != 0;
        t->f32 = precision == RS_TAPE_FLOAT;
        t->elem = t->f32 ? sizeof(float) : sizeof(double);
    }
    return t;
}

rs_tape *rs_tape_create(rs_ctx *ctx, int record)
{
    return rs_tape_create_prec(ctx, record, RS_TAPE_DOUBLE);
}

int rs_tape_precision(const rs_tape *t) { return t->f32 ? RS_TAPE_FLOAT : RS_TAPE_DOUBLE; }

static void free_chunks(rs_tape *t)
{
    for (size_t c = 0; c < t->n_chunks; c++) {
        free(t->chunks[c].val);
        free(t->chunks[c].grad);
    }
    t->n_chunks = 0;
}

void rs_tape_destroy(rs_ctx *ctx, rs_tape *t)
{
    if (!t)
        return;
    free_chunks(t);
    free(t->chunks);
    free(t->nodes);
    free(t->list);
    free(t->scratch);
    rs_free(ctx, t);
}

static int add_chunk(rs_tape *t, size_t cap)
{
    if (t->n_chunks == t->cap_chunks) {
        size_t nc = t->cap_chunks ? 2 * t->cap_chunks : 4;
        chunk *p = realloc(t->chunks, nc * sizeof *p);
        if (!p)
            return -1;
        t->chunks = p;
        t->cap_chunks = nc;
    }
    chunk c = { malloc(cap), t->record ? malloc(cap) : NULL, cap, 0 };
    if (!c.val || (t->record && !c.grad)) {
        free(c.val);
        free(c.grad);
        return -1;
    }
    t->chunks[t->n_chunks++] = c;
    t->n_alloc++;
    return 0;
}

void rs_tape_reset(rs_tape *t)
{
    /* Coalesce: a computation that needed several blocks gets one block big enough for all of
     * them, so its next repetition allocates nothing. */
    if (t->n_chunks > 1) {
        size_t total = 0;
        for (size_t c = 0; c < t->n_chunks; c++)
            total += t->chunks[c].cap;
        free_chunks(t);
        if (add_chunk(t, total) != 0)
            t->n_chunks = 0; /* the next op retries and reports out-of-memory */
    }
    for (size_t c = 0; c < t->n_chunks; c++)
        t->chunks[c].used = 0;
    t->n_nodes = 0;
    t->n_list = 0;
    t->backward_done = 0;
    t->err[0] = '\0';
}

const char *rs_tape_error(const rs_tape *t) { return t->err[0] ? t->err : NULL; }
int rs_tape_recording(const rs_tape *t) { return t->record; }
long rs_tape_allocations(const rs_tape *t) { return t->n_alloc; }

rs_tv rs_tape_fail(rs_tape *t, const char *fmt, ...)
{
    if (!t->err[0]) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(t->err, sizeof t->err, fmt, ap);
        va_end(ap);
        if (!t->err[0])
            snprintf(t->err, sizeof t->err, "tape error");
    }
    return RS_TV_NONE;
}

/* bytes from the arena (value and, when recording, gradient at the same offset), rounded up
 * to 8 so that every block is aligned for a double (a double tape's layout is unchanged). */
static void *arena(rs_tape *t, size_t bytes, void **grad)
{
    bytes = (bytes + 7) & ~(size_t)7;
    chunk *c = t->n_chunks ? &t->chunks[t->n_chunks - 1] : NULL;
    if (!c || c->cap - c->used < bytes) {
        size_t cap = c ? 2 * c->cap : MIN_CHUNK;
        if (cap < bytes)
            cap = bytes;
        if (add_chunk(t, cap) != 0)
            return NULL;
        c = &t->chunks[t->n_chunks - 1];
    }
    void *v = c->val + c->used;
    if (grad)
        *grad = c->grad ? c->grad + c->used : NULL;
    c->used += bytes;
    return v;
}

/* The node of handle v, or NULL (recording an error unless one is already there). */
static tnode *get(rs_tape *t, rs_tv v, const char *op)
{
    if (v >= 0 && (size_t)v < t->n_nodes)
        return &t->nodes[v];
    if (v != RS_TV_NONE || !t->err[0])
        rs_tape_fail(t, "%s: %s tensor handle %d", op, v == RS_TV_NONE ? "no" : "invalid", v);
    return NULL;
}

/* A new node of shape (rows, cols) with its value (and gradient) storage and aux_count
 * elements of scratch; needs = any input needs a gradient. Returns its handle or NONE. */
static rs_tv node(rs_tape *t, int op, uint32_t rows, uint32_t cols, rs_tv in0, rs_tv in1,
                  size_t aux_count)
{
    if (t->n_nodes == t->cap_nodes) {
        size_t nc = t->cap_nodes ? 2 * t->cap_nodes : 256;
        tnode *p = realloc(t->nodes, nc * sizeof *p);
        if (!p)
            return rs_tape_fail(t, "out of memory for %zu tape nodes", nc);
        t->nodes = p;
        t->cap_nodes = nc;
    }
    tnode n = { .op = (uint8_t)op, .rows = rows, .cols = cols, .in = { in0, in1 } };
    n.needs = (in0 >= 0 && t->nodes[in0].needs) || (in1 >= 0 && t->nodes[in1].needs);
    if (op != OP_RESHAPE) {
        n.val = arena(t, (size_t)rows * cols * t->elem, &n.grad);
        if (!n.val)
            return rs_tape_fail(t, "out of memory for a %u x %u tensor", rows, cols);
    }
    if (aux_count && !(n.aux = arena(t, aux_count * t->elem, NULL)))
        return rs_tape_fail(t, "out of memory for tape scratch");
    t->nodes[t->n_nodes] = n;
    return (rs_tv)t->n_nodes++;
}

static size_t size_of(const tnode *n) { return (size_t)n->rows * n->cols; }

void rs_tape_shape(const rs_tape *t, rs_tv v, uint32_t *rows, uint32_t *cols)
{
    int ok = v >= 0 && (size_t)v < t->n_nodes;
    *rows = ok ? t->nodes[v].rows : 0;
    *cols = ok ? t->nodes[v].cols : 0;
}

/* A float tensor's double copy, made once in the arena and kept in *copy until the reset. The
 * tape is logically const here: what it computed does not change, it only remembers the copy
 * (a tape belongs to one thread, tape.h). NULL on no memory. */
static const double *double_copy(const rs_tape *ct, const float *src, size_t len, double **copy)
{
    if (!*copy) {
        double *d = arena((rs_tape *)ct, len * sizeof(double), NULL);
        if (!d)
            return NULL;
        for (size_t i = 0; i < len; i++)
            d[i] = src[i];
        *copy = d;
    }
    return *copy;
}

const double *rs_tape_value(const rs_tape *t, rs_tv v)
{
    if (v < 0 || (size_t)v >= t->n_nodes)
        return NULL;
    tnode *n = &((rs_tape *)t)->nodes[v];
    return t->f32 ? double_copy(t, n->val, size_of(n), &n->val_d) : n->val;
}

const double *rs_tape_grad(const rs_tape *t, rs_tv v)
{
    if (v < 0 || (size_t)v >= t->n_nodes || !t->backward_done || !t->nodes[v].needs)
        return NULL;
    tnode *n = &((rs_tape *)t)->nodes[v];
    return t->f32 ? double_copy(t, n->grad, size_of(n), &n->grad_d) : n->grad;
}

/* ---- the kernels, in double and in float ------------------------------------------------ */

static double sigmoid_d(double x)
{
    double e = exp(-fabs(x)); /* in (0, 1]: no overflow for any x */
    return x >= 0 ? 1 / (1 + e) : e / (1 + e);
}

static float sigmoid_f(float x)
{
    float e = expf(-fabsf(x));
    return x >= 0 ? 1 / (1 + e) : e / (1 + e);
}

/* tanh from one exp (glibc's tanh goes through expm1, twice the cost, and the LSTM calls it
 * for every unit of every synapse): 1 - 2 / (e^{2|x|} + 1) with the sign restored, and the
 * Taylor series below |x| = 0.01, where the subtraction would cancel. Relative error < 1e-13. */
static double tanh_d(double x)
{
    const double ax = fabs(x);
    if (ax < 0.01) {
        const double x2 = x * x;
        return x * (1 - x2 * (1.0 / 3 - x2 * (2.0 / 15)));
    }
    const double r = 1 - 2 / (exp(2 * ax) + 1);
    return x < 0 ? -r : r;
}

/* The same formula in float, where the subtraction loses digits sooner: the Taylor series to
 * x^9 below |x| = 0.3 (its first omitted term is < 2e-8 relative there), 1 - 2 / (e^{2|x|} + 1)
 * above, whose cancellation costs at most 2e-7 relative at 0.3: a few float ulps throughout.
 * (expm1f would be exact but costs as much as the rest of the float tape's unary ops.) */
static float tanh_f(float x)
{
    const float ax = fabsf(x);
    if (ax < 0.3f) {
        const float x2 = x * x;
        return x * (1 - x2 * (1.0f / 3 - x2 * (2.0f / 15 - x2 * (17.0f / 315
                                                                - x2 * (62.0f / 2835)))));
    }
    const float r = 1 - 2 / (expf(2 * ax) + 1);
    return x < 0 ? -r : r;
}

/* A float product of at least TAPE_BLAS_MIN_MACS multiply-adds by cblas_sgemm: C = op(A)
 * op(B); backward dA += dC op(B)^T and dB += op(A)^T dC, each written in A's and B's stored
 * layout (so a transposed operand's gradient is the transposed product). */
static void sgemm_fwd(tnode *o, const tnode *na, const tnode *nb, size_t m, size_t n, size_t k)
{
    cblas_sgemm(CblasRowMajor, o->ia ? CblasTrans : CblasNoTrans,
                o->ib ? CblasTrans : CblasNoTrans, (int)m, (int)n, (int)k, 1.0f, na->val,
                (int)na->cols, nb->val, (int)nb->cols, 0.0f, o->val, (int)n);
}

static void sgemm_bwd(tnode *o, tnode *na, tnode *nb, size_t m, size_t n, size_t k)
{
    const int ca = (int)na->cols, cb = (int)nb->cols;
    const CBLAS_TRANSPOSE NO = CblasNoTrans, TR = CblasTrans;
    if (na->needs && !o->ia) /* dA (m, k) += dC op(B)^T */
        cblas_sgemm(CblasRowMajor, NO, o->ib ? NO : TR, (int)m, (int)k, (int)n, 1.0f, o->grad,
                    (int)n, nb->val, cb, 1.0f, na->grad, ca);
    else if (na->needs) /* A stored (k, m): dA += op(B) dC^T */
        cblas_sgemm(CblasRowMajor, o->ib ? TR : NO, TR, (int)k, (int)m, (int)n, 1.0f, nb->val, cb,
                    o->grad, (int)n, 1.0f, na->grad, ca);
    if (nb->needs && !o->ib) /* dB (k, n) += op(A)^T dC */
        cblas_sgemm(CblasRowMajor, o->ia ? NO : TR, NO, (int)k, (int)n, (int)m, 1.0f, na->val, ca,
                    o->grad, (int)n, 1.0f, nb->grad, cb);
    else if (nb->needs) /* B stored (n, k): dB += dC^T op(A) */
        cblas_sgemm(CblasRowMajor, TR, o->ia ? TR : NO, (int)n, (int)k, (int)m, 1.0f, o->grad,
                    (int)n, na->val, ca, 1.0f, nb->grad, cb);
}

#define T double
#define SFX _d
#define SIGMOID sigmoid_d
#define TANH tanh_d
#define EXP exp
#define LOG log
#define LOG1P log1p
#define MM_BLAS(m, n, k) 0
#define MM_BLAS_FWD(o, na, nb, m, n, k) (void)0
#define MM_BLAS_BWD(o, na, nb, m, n, k) (void)0
#include "tape_kernels.inc" /* it #undefs the macros above at its end */

#define T float
#define SFX _f
#define SIGMOID sigmoid_f
#define TANH tanh_f
#define EXP expf
#define LOG logf
#define LOG1P log1pf
#define MM_BLAS(m, n, k) ((m) * (n) * (k) >= TAPE_BLAS_MIN_MACS)
#define MM_BLAS_FWD sgemm_fwd
#define MM_BLAS_BWD sgemm_bwd
#include "tape_kernels.inc" /* it #undefs the macros above at its end */

/* The kernel `name` of the tape's precision. */
#define KERNEL(t, name) ((t)->f32 ? name##_f : name##_d)

/* ---- leaves ------------------------------------------------------------------------------ */

static rs_tv leaf(rs_tape *t, uint32_t rows, uint32_t cols, int needs)
{
    if (rows == 0 || cols == 0)
        return rs_tape_fail(t, "leaf: empty shape %u x %u", rows, cols);
    rs_tv v = node(t, OP_LEAF, rows, cols, RS_TV_NONE, RS_TV_NONE, 0);
    if (v >= 0)
        t->nodes[v].needs = (uint8_t)needs;
    return v;
}

/* A leaf holding `values` (zeros when NULL), rounded to float on a float tape; `needs` = it
 * takes a gradient. */
static rs_tv leaf_with(rs_tape *t, uint32_t rows, uint32_t cols, const double *values, int needs)
{
    rs_tv v = leaf(t, rows, cols, needs);
    if (v >= 0) {
        tnode *n = &t->nodes[v];
        if (!values)
            memset(n->val, 0, size_of(n) * t->elem);
        else
            KERNEL(t, leaf_set)(n, values);
    }
    return v;
}

rs_tv rs_tape_param(rs_tape *t, uint32_t rows, uint32_t cols, const double *values)
{
    return leaf_with(t, rows, cols, values, 1);
}

rs_tv rs_tape_const(rs_tape *t, uint32_t rows, uint32_t cols, const double *values)
{
    return leaf_with(t, rows, cols, values, 0);
}

rs_tv rs_tape_const_real(rs_tape *t, uint32_t rows, uint32_t cols, const rs_real *values)
{
    rs_tv v = leaf(t, rows, cols, 0);
    if (v >= 0)
        KERNEL(t, leaf_set_real)(&t->nodes[v], values);
    return v;
}

rs_tv rs_tape_fill(rs_tape *t, uint32_t rows, uint32_t cols, double value)
{
    rs_tv v = leaf(t, rows, cols, 0);
    if (v >= 0)
        KERNEL(t, leaf_fill)(&t->nodes[v], value);
    return v;
}

rs_tv rs_tape_argmax_mask(rs_tape *t, rs_tv y)
{
    if (!get(t, y, "argmax_mask"))
        return RS_TV_NONE;
    const uint32_t r = t->nodes[y].rows, c = t->nodes[y].cols;
    rs_tv v = rs_tape_fill(t, r, c, 0.0);
    const double *yv = rs_tape_value(t, y); /* after the fill: the node array may have moved */
    if (v < 0)
        return v;
    if (!yv)
        return rs_tape_fail(t, "out of memory for a copy of a %u x %u tensor", r, c);
    tnode *n = &t->nodes[v];
    for (uint32_t j = 0; j < c; j++) {
        uint32_t cls = 0;
        for (uint32_t i = 1; i < r; i++)
            if (yv[(size_t)i * c + j] > yv[(size_t)cls * c + j])
                cls = i;
        if (t->f32)
            ((float *)n->val)[(size_t)cls * c + j] = 1;
        else
            ((double *)n->val)[(size_t)cls * c + j] = 1;
    }
    return v;
}

/* ---- matmul -------------------------------------------------------------------------------- */

/* Room for a transposed (k, n) copy in t->scratch; on no memory the general loop runs. */
static void scratch_reserve(rs_tape *t, size_t bytes)
{
    if (bytes <= t->scratch_bytes)
        return;
    void *p = realloc(t->scratch, bytes);
    if (p) {
        t->scratch = p;
        t->scratch_bytes = bytes;
    }
}

rs_tv rs_tape_matmul(rs_tape *t, rs_tv a, int trans_a, rs_tv b, int trans_b)
{
    tnode *na = get(t, a, "matmul"), *nb = get(t, b, "matmul");
    if (!na || !nb)
        return RS_TV_NONE;
    uint32_t m = trans_a ? na->cols : na->rows, k = trans_a ? na->rows : na->cols;
    uint32_t k2 = trans_b ? nb->cols : nb->rows, n = trans_b ? nb->rows : nb->cols;
    if (k != k2)
        return rs_tape_fail(t, "matmul: op(a) is %u x %u but op(b) is %u x %u", m, k, k2, n);
    rs_tv v = node(t, OP_MATMUL, m, n, a, b, 0);
    if (v < 0)
        return v;
    tnode *o = &t->nodes[v];
    o->ia = trans_a != 0;
    o->ib = trans_b != 0;
    scratch_reserve(t, ((size_t)k * n > (size_t)m * k ? (size_t)k * n : (size_t)m * k) * t->elem);
    KERNEL(t, matmul_fwd)(t, o, &t->nodes[a], &t->nodes[b]);
    return v;
}

/* ---- elementwise binary with broadcasting -------------------------------------------------- */

static rs_tv binary(rs_tape *t, int op, rs_tv a, rs_tv b, const char *name)
{
    tnode *na = get(t, a, name), *nb = get(t, b, name);
    if (!na || !nb)
        return RS_TV_NONE;
    uint32_t r = na->rows > nb->rows ? na->rows : nb->rows;
    uint32_t c = na->cols > nb->cols ? na->cols : nb->cols;
    if ((na->rows != r && na->rows != 1) || (nb->rows != r && nb->rows != 1)
        || (na->cols != c && na->cols != 1) || (nb->cols != c && nb->cols != 1))
        return rs_tape_fail(t, "%s: shapes %u x %u and %u x %u do not broadcast", name,
                            na->rows, na->cols, nb->rows, nb->cols);
    rs_tv v = node(t, op, r, c, a, b, 0);
    if (v >= 0)
        KERNEL(t, binary_fwd)(&t->nodes[v], &t->nodes[a], &t->nodes[b]);
    return v;
}

rs_tv rs_tape_add(rs_tape *t, rs_tv a, rs_tv b) { return binary(t, OP_ADD, a, b, "add"); }
rs_tv rs_tape_sub(rs_tape *t, rs_tv a, rs_tv b) { return binary(t, OP_SUB, a, b, "sub"); }
rs_tv rs_tape_mul(rs_tape *t, rs_tv a, rs_tv b) { return binary(t, OP_MUL, a, b, "mul"); }

/* ---- elementwise unary ----------------------------------------------------------------------- */

static rs_tv unary(rs_tape *t, int op, rs_tv a, double pa, double pb, const char *name)
{
    tnode *na = get(t, a, name);
    if (!na)
        return RS_TV_NONE;
    rs_tv v = node(t, op, na->rows, na->cols, a, RS_TV_NONE, 0);
    if (v < 0)
        return v;
    tnode *o = &t->nodes[v];
    o->pa = pa;
    o->pb = pb;
    if (op == OP_STOP)
        o->needs = 0;
    KERNEL(t, unary_fwd)(o, &t->nodes[a]);
    return v;
}

rs_tv rs_tape_scale(rs_tape *t, rs_tv a, double s) { return unary(t, OP_SCALE, a, s, 0, "scale"); }
rs_tv rs_tape_sigmoid(rs_tape *t, rs_tv a) { return unary(t, OP_SIGMOID, a, 0, 0, "sigmoid"); }
rs_tv rs_tape_tanh(rs_tape *t, rs_tv a) { return unary(t, OP_TANH, a, 0, 0, "tanh"); }
rs_tv rs_tape_relu(rs_tape *t, rs_tv a) { return unary(t, OP_RELU, a, 0, 0, "relu"); }
rs_tv rs_tape_exp(rs_tape *t, rs_tv a) { return unary(t, OP_EXP, a, 0, 0, "exp"); }
rs_tv rs_tape_log(rs_tape *t, rs_tv a) { return unary(t, OP_LOG, a, 0, 0, "log"); }
rs_tv rs_tape_square(rs_tape *t, rs_tv a) { return unary(t, OP_SQUARE, a, 0, 0, "square"); }
rs_tv rs_tape_softplus(rs_tape *t, rs_tv a) { return unary(t, OP_SOFTPLUS, a, 0, 0, "softplus"); }
rs_tv rs_tape_stop_gradient(rs_tape *t, rs_tv a) { return unary(t, OP_STOP, a, 0, 0, "stop_gradient"); }

rs_tv rs_tape_leaky_relu(rs_tape *t, rs_tv a, double slope)
{
    return unary(t, OP_LEAKY, a, slope, 0, "leaky_relu");
}

rs_tv rs_tape_clip(rs_tape *t, rs_tv a, double lo, double hi)
{
    if (!(lo <= hi))
        return rs_tape_fail(t, "clip: lo %g above hi %g", lo, hi);
    return unary(t, OP_CLIP, a, lo, hi, "clip");
}

/* ---- log softmax over the rows of every column ------------------------------------------- */

rs_tv rs_tape_log_softmax(rs_tape *t, rs_tv a)
{
    tnode *na = get(t, a, "log_softmax");
    if (!na)
        return RS_TV_NONE;
    rs_tv v = node(t, OP_LOGSOFTMAX, na->rows, na->cols, a, RS_TV_NONE, 0);
    if (v >= 0)
        KERNEL(t, log_softmax_fwd)(&t->nodes[v], &t->nodes[a]);
    return v;
}

/* ---- reductions and broadcast --------------------------------------------------------------- */

static rs_tv reduce(rs_tape *t, int op, rs_tv a, int axis, const char *name)
{
    tnode *na = get(t, a, name);
    if (!na)
        return RS_TV_NONE;
    if (axis < -1 || axis > 1)
        return rs_tape_fail(t, "%s: axis %d; use -1 (all), 0 (over rows) or 1 (over columns)",
                            name, axis);
    const uint32_t r = na->rows, c = na->cols;
    rs_tv v = node(t, op, axis == 1 ? r : 1, axis == 0 ? c : 1, a, RS_TV_NONE, 0);
    if (v < 0)
        return v;
    t->nodes[v].ia = axis;
    KERNEL(t, reduce_fwd)(&t->nodes[v], &t->nodes[a]);
    return v;
}

rs_tv rs_tape_sum(rs_tape *t, rs_tv a, int axis) { return reduce(t, OP_SUM, a, axis, "sum"); }
rs_tv rs_tape_mean(rs_tape *t, rs_tv a, int axis) { return reduce(t, OP_MEAN, a, axis, "mean"); }

rs_tv rs_tape_broadcast(rs_tape *t, rs_tv a, uint32_t rows, uint32_t cols)
{
    tnode *na = get(t, a, "broadcast");
    if (!na)
        return RS_TV_NONE;
    if ((na->rows != rows && na->rows != 1) || (na->cols != cols && na->cols != 1) || !rows
        || !cols)
        return rs_tape_fail(t, "broadcast: %u x %u cannot be repeated to %u x %u", na->rows,
                            na->cols, rows, cols);
    rs_tv v = node(t, OP_BROADCAST, rows, cols, a, RS_TV_NONE, 0);
    if (v >= 0)
        KERNEL(t, broadcast_fwd)(&t->nodes[v], &t->nodes[a]);
    return v;
}

/* ---- shapes: reshape, concat, slice ----------------------------------------------------- */

rs_tv rs_tape_reshape(rs_tape *t, rs_tv a, uint32_t rows, uint32_t cols)
{
    tnode *na = get(t, a, "reshape");
    if (!na)
        return RS_TV_NONE;
    if ((size_t)rows * cols != size_of(na))
        return rs_tape_fail(t, "reshape: %u x %u has %zu values, not %u x %u", na->rows,
                            na->cols, size_of(na), rows, cols);
    rs_tv v = node(t, OP_RESHAPE, rows, cols, a, RS_TV_NONE, 0);
    if (v < 0)
        return v;
    /* An alias: same values, same gradient storage, so its backward is nothing at all. */
    t->nodes[v].val = t->nodes[a].val;
    t->nodes[v].grad = t->nodes[a].grad;
    return v;
}

rs_tv rs_tape_concat(rs_tape *t, const rs_tv *parts, uint32_t n, int axis)
{
    if (n == 0 || (axis != 0 && axis != 1))
        return rs_tape_fail(t, "concat: %u parts along axis %d; give >= 1 part, axis 0 or 1",
                            n, axis);
    uint32_t rows = 0, cols = 0;
    for (uint32_t k = 0; k < n; k++) {
        tnode *p = get(t, parts[k], "concat");
        if (!p)
            return RS_TV_NONE;
        uint32_t keep = axis == 1 ? p->rows : p->cols, grow = axis == 1 ? p->cols : p->rows;
        if (k > 0 && keep != (axis == 1 ? rows : cols))
            return rs_tape_fail(t, "concat: part %u is %u x %u, unlike part 0 along axis %d", k,
                                p->rows, p->cols, axis);
        if (axis == 1) {
            rows = keep;
            cols += grow;
        } else {
            cols = keep;
            rows += grow;
        }
    }
    if (t->n_list + n > t->cap_list) {
        size_t nc = (t->cap_list + n) * 2;
        rs_tv *p = realloc(t->list, nc * sizeof *p);
        if (!p)
            return rs_tape_fail(t, "out of memory for a concat list");
        t->list = p;
        t->cap_list = nc;
    }
    rs_tv v = node(t, OP_CONCAT, rows, cols, RS_TV_NONE, RS_TV_NONE, 0);
    if (v < 0)
        return v;
    tnode *o = &t->nodes[v];
    o->ia = (int32_t)t->n_list;
    o->ib = (int32_t)n;
    o->pa = axis;
    memcpy(t->list + t->n_list, parts, n * sizeof *parts);
    t->n_list += n;
    uint32_t off = 0;
    for (uint32_t k = 0; k < n; k++) {
        tnode *p = &t->nodes[parts[k]];
        o->needs |= p->needs;
        KERNEL(t, place)(o, p, axis, off, 0);
        off += axis == 1 ? p->cols : p->rows;
    }
    return v;
}

static void concat_backward(rs_tape *t, tnode *o)
{
    const int axis = (int)o->pa;
    uint32_t off = 0;
    for (int32_t k = 0; k < o->ib; k++) {
        tnode *p = &t->nodes[t->list[o->ia + k]];
        if (p->needs)
            KERNEL(t, place)(o, p, axis, off, 1);
        off += axis == 1 ? p->cols : p->rows;
    }
}

rs_tv rs_tape_slice(rs_tape *t, rs_tv a, int axis, uint32_t start, uint32_t len)
{
    tnode *na = get(t, a, "slice");
    if (!na)
        return RS_TV_NONE;
    uint32_t extent = axis == 0 ? na->rows : na->cols;
    if ((axis != 0 && axis != 1) || len == 0 || start > extent || len > extent - start)
        return rs_tape_fail(t, "slice: [%u, %u) along axis %d of a %u x %u tensor", start,
                            start + len, axis, na->rows, na->cols);
    rs_tv v = node(t, OP_SLICE, axis == 0 ? len : na->rows, axis == 1 ? len : na->cols, a,
                   RS_TV_NONE, 0);
    if (v < 0)
        return v;
    t->nodes[v].ia = axis;
    t->nodes[v].ib = (int32_t)start;
    KERNEL(t, slice_fwd)(&t->nodes[v], &t->nodes[a]);
    return v;
}

/* ---- the fused LSTM cell -------------------------------------------------------------------- */
/* Two nodes: C (inputs z, c_prev; aux = the activated gates i f g o, (n, 4H)) and H (inputs C,
 * z; aux = tanh(c), (n, H)). H is recorded after C, so the reverse sweep meets H first and
 * adds its share to dC before C's backward runs. */

rs_tv rs_tape_lstm_cell(rs_tape *t, rs_tv z, rs_tv c_prev, rs_tv *c_out)
{
    *c_out = RS_TV_NONE;
    tnode *nz = get(t, z, "lstm_cell"), *nc = get(t, c_prev, "lstm_cell");
    if (!nz || !nc)
        return RS_TV_NONE;
    const uint32_t n = nz->rows, hid = nc->cols;
    if (nc->rows != n || nz->cols != 4 * hid)
        return rs_tape_fail(t, "lstm_cell: z is %u x %u, c_prev %u x %u; z must be n x 4H for "
                            "c_prev n x H", nz->rows, nz->cols, nc->rows, nc->cols);
    rs_tv vc = node(t, OP_LSTM_C, n, hid, z, c_prev, (size_t)n * 4 * hid);
    if (vc < 0)
        return vc;
    rs_tv vh = node(t, OP_LSTM_H, n, hid, vc, z, (size_t)n * hid);
    if (vh < 0)
        return vh;
    KERNEL(t, lstm_fwd)(&t->nodes[vc], &t->nodes[vh], &t->nodes[z], &t->nodes[c_prev]);
    *c_out = vc;
    return vh;
}

/* ---- backward ----------------------------------------------------------------------------- */

static void backward_node(rs_tape *t, tnode *o)
{
    tnode *na = o->in[0] >= 0 ? &t->nodes[o->in[0]] : NULL;
    tnode *nb = o->in[1] >= 0 ? &t->nodes[o->in[1]] : NULL;
    switch (o->op) {
    case OP_LEAF: case OP_RESHAPE: case OP_STOP: break;
    case OP_MATMUL: KERNEL(t, matmul_bwd)(t, o, na, nb); break;
    case OP_ADD: case OP_SUB: case OP_MUL: KERNEL(t, binary_bwd)(o, na, nb); break;
    case OP_LOGSOFTMAX: if (na->needs) KERNEL(t, log_softmax_bwd)(o, na); break;
    case OP_SUM: case OP_MEAN: if (na->needs) KERNEL(t, reduce_bwd)(o, na); break;
    case OP_BROADCAST: if (na->needs) KERNEL(t, broadcast_bwd)(o, na); break;
    case OP_CONCAT: concat_backward(t, o); break;
    case OP_SLICE: if (na->needs) KERNEL(t, slice_bwd)(o, na); break;
    case OP_LSTM_C: KERNEL(t, lstm_c_bwd)(o, na, nb); break;
    case OP_LSTM_H: KERNEL(t, lstm_h_bwd)(o, na, nb); break;
    default: if (na->needs) KERNEL(t, unary_bwd)(o, na); break;
    }
}

rs_status rs_tape_backward(rs_tape *t, rs_tv loss)
{
    if (t->err[0])
        return RS_ERR_PARAM;
    if (!t->record) {
        rs_tape_fail(t, "backward: this tape was created with record = 0 (values only)");
        return RS_ERR_UNSUPPORTED;
    }
    tnode *nl = get(t, loss, "backward");
    if (!nl)
        return RS_ERR_PARAM;
    if (nl->rows != 1 || nl->cols != 1) {
        rs_tape_fail(t, "backward: the loss must be 1 x 1, got %u x %u", nl->rows, nl->cols);
        return RS_ERR_SHAPE;
    }
    for (size_t c = 0; c < t->n_chunks; c++)
        memset(t->chunks[c].grad, 0, t->chunks[c].used);
    for (size_t v = 0; t->f32 && v < t->n_nodes; v++)
        t->nodes[v].grad_d = NULL; /* copies of an earlier sweep's gradients are stale */
    t->backward_done = 1;
    if (!nl->needs)
        return RS_OK; /* nothing depends on a parameter: every gradient is zero */
    if (t->f32)
        ((float *)nl->grad)[0] = 1;
    else
        ((double *)nl->grad)[0] = 1;
    for (rs_tv v = loss; v >= 0; v--) {
        tnode *o = &t->nodes[v];
        if (o->needs)
            backward_node(t, o);
    }
    return RS_OK;
}

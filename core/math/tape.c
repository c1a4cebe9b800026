/* tape.c: see tape.h. Layout: the arena, nodes and errors; then each op as a forward (in its
 * rs_tape_* function) and a backward (a case of `backward_node`), kept in the same order. */
#include "tape.h"

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
    double *val, *grad;    /* (rows, cols); grad NULL on a tape that does not record */
    double *aux;           /* op scratch kept for backward (LSTM gates, tanh(c)) */
    rs_tv in[2];
    int32_t ia, ib;        /* int arguments: transposes, axis, start, concat list offset/count */
    double pa, pb;         /* real arguments: scale, clip bounds, slope */
} tnode;

typedef struct chunk {
    double *val, *grad;    /* (cap) each; grad NULL without recording */
    size_t cap, used;
} chunk;

struct rs_tape {
    int record;
    chunk *chunks;
    size_t n_chunks, cap_chunks;
    tnode *nodes;
    size_t n_nodes, cap_nodes;
    rs_tv *list;           /* concat input lists */
    size_t n_list, cap_list;
    long n_alloc;          /* arena blocks allocated so far */
    double *scratch;       /* a transposed matmul operand */
    size_t cap_scratch;
    int backward_done;
    char err[256];
};

#define MIN_CHUNK 4096 /* doubles */

/* ---- arena, nodes, errors ------------------------------------------------------------- */

rs_tape *rs_tape_create(rs_ctx *ctx, int record)
{
    rs_tape *t = rs_alloc(ctx, sizeof *t);
    if (t)
        t->record = record != 0;
    return t;
}

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
    chunk c = { malloc(cap * sizeof(double)), t->record ? malloc(cap * sizeof(double)) : NULL,
                cap, 0 };
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

/* count doubles from the arena (value and, when recording, gradient at the same offset). */
static double *arena(rs_tape *t, size_t count, double **grad)
{
    chunk *c = t->n_chunks ? &t->chunks[t->n_chunks - 1] : NULL;
    if (!c || c->cap - c->used < count) {
        size_t cap = c ? 2 * c->cap : MIN_CHUNK;
        if (cap < count)
            cap = count;
        if (add_chunk(t, cap) != 0)
            return NULL;
        c = &t->chunks[t->n_chunks - 1];
    }
    double *v = c->val + c->used;
    if (grad)
        *grad = c->grad ? c->grad + c->used : NULL;
    c->used += count;
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
 * doubles of scratch; needs = any input needs a gradient. Returns its handle or NONE. */
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
        n.val = arena(t, (size_t)rows * cols, &n.grad);
        if (!n.val)
            return rs_tape_fail(t, "out of memory for a %u x %u tensor", rows, cols);
    }
    if (aux_count && !(n.aux = arena(t, aux_count, NULL)))
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

const double *rs_tape_value(const rs_tape *t, rs_tv v)
{
    return v >= 0 && (size_t)v < t->n_nodes ? t->nodes[v].val : NULL;
}

const double *rs_tape_grad(const rs_tape *t, rs_tv v)
{
    if (v < 0 || (size_t)v >= t->n_nodes || !t->backward_done || !t->nodes[v].needs)
        return NULL;
    return t->nodes[v].grad;
}

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

/* A leaf holding `values` (zeros when NULL); `needs` = it takes a gradient. */
static rs_tv leaf_with(rs_tape *t, uint32_t rows, uint32_t cols, const double *values, int needs)
{
    rs_tv v = leaf(t, rows, cols, needs);
    if (v >= 0) {
        tnode *n = &t->nodes[v];
        if (values)
            memcpy(n->val, values, size_of(n) * sizeof(double));
        else
            memset(n->val, 0, size_of(n) * sizeof(double));
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
    if (v >= 0) {
        tnode *n = &t->nodes[v];
        for (size_t i = 0; i < size_of(n); i++)
            n->val[i] = values ? (double)values[i] : 0.0;
    }
    return v;
}

rs_tv rs_tape_fill(rs_tape *t, uint32_t rows, uint32_t cols, double value)
{
    rs_tv v = leaf(t, rows, cols, 0);
    if (v >= 0)
        for (size_t i = 0; i < size_of(&t->nodes[v]); i++)
            t->nodes[v].val[i] = value;
    return v;
}

/* ---- matmul -------------------------------------------------------------------------------- */

/* c[i ci + j cj] += sum_p a[i ai + p ap] b[p bp + j bj] for i < m, j < n, p < k, every sum
 * in p order. The loops are arranged so the innermost one runs along contiguous memory
 * (gcc vectorises it; a dot product would not vectorise without reassociation): directly when
 * b's and c's rows are contiguous, on the transposed product when a's and c's columns are,
 * else after copying b into the tape's scratch in row-major order. */
static void mm_acc(rs_tape *t, size_t m, size_t n, size_t k, const double *a, size_t ai,
                   size_t ap, const double *b, size_t bp, size_t bj, double *c, size_t ci,
                   size_t cj);

static void mm_axpy(size_t m, size_t n, size_t k, const double *a, size_t ai, size_t ap,
                    const double *b, size_t bp, double *c, size_t ci)
{
    for (size_t i = 0; i < m; i++) { /* b's rows (stride bp) and c's rows are contiguous */
        double *restrict crow = c + i * ci;
        for (size_t p = 0; p < k; p++) {
            const double aip = a[i * ai + p * ap];
            const double *restrict brow = b + p * bp;
            for (size_t j = 0; j < n; j++)
                crow[j] += aip * brow[j];
        }
    }
}

static void mm_acc(rs_tape *t, size_t m, size_t n, size_t k, const double *a, size_t ai,
                   size_t ap, const double *b, size_t bp, size_t bj, double *c, size_t ci,
                   size_t cj)
{
    if (bj == 1 && cj == 1) {
        mm_axpy(m, n, k, a, ai, ap, b, bp, c, ci);
        return;
    }
    if (ai == 1 && ci == 1) { /* c^T (n, m) += b^T a^T: a's and c's columns contiguous */
        mm_axpy(n, m, k, b, bj, bp, a, ap, c, cj);
        return;
    }
    if (cj == 1 && n * k <= t->cap_scratch) { /* b copied to row-major (k, n) */
        for (size_t p = 0; p < k; p++)
            for (size_t j = 0; j < n; j++)
                t->scratch[p * n + j] = b[p * bp + j * bj];
        mm_axpy(m, n, k, a, ai, ap, t->scratch, n, c, ci);
        return;
    }
    for (size_t i = 0; i < m; i++) /* the general case: dot products */
        for (size_t j = 0; j < n; j++) {
            double s = 0;
            for (size_t p = 0; p < k; p++)
                s += a[i * ai + p * ap] * b[p * bp + j * bj];
            c[i * ci + j * cj] += s;
        }
}

/* Room for a (k, n) copy in t->scratch; on no memory the general loop runs instead. */
static void scratch_reserve(rs_tape *t, size_t count)
{
    if (count <= t->cap_scratch)
        return;
    double *p = realloc(t->scratch, count * sizeof *p);
    if (p) {
        t->scratch = p;
        t->cap_scratch = count;
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
    na = &t->nodes[a];
    nb = &t->nodes[b];
    o->ia = trans_a != 0;
    o->ib = trans_b != 0;
    memset(o->val, 0, size_of(o) * sizeof(double));
    const size_t ca = na->cols, cb = nb->cols;
    scratch_reserve(t, (size_t)k * n > (size_t)m * k ? (size_t)k * n : (size_t)m * k);
    mm_acc(t, m, n, k, na->val, trans_a ? 1 : ca, trans_a ? ca : 1, nb->val, trans_b ? 1 : cb,
           trans_b ? cb : 1, o->val, n, 1);
    return v;
}

static void matmul_backward(rs_tape *t, tnode *o, tnode *na, tnode *nb)
{
    const size_t m = o->rows, n = o->cols, k = o->ia ? na->rows : na->cols;
    const size_t ca = na->cols, cb = nb->cols;
    const size_t ai = o->ia ? 1 : ca, ap = o->ia ? ca : 1; /* op(a)(i, p) strides */
    const size_t bp = o->ib ? 1 : cb, bj = o->ib ? cb : 1; /* op(b)(p, j) strides */
    if (na->needs) /* d op(a) (m, k) += dC (m, n) op(b)^T, written where op(a)(i, p) lives */
        mm_acc(t, m, k, n, o->grad, n, 1, nb->val, bj, bp, na->grad, ai, ap);
    if (nb->needs) /* d op(b) (k, n) += op(a)^T (k, m) dC (m, n) */
        mm_acc(t, k, n, m, na->val, ap, ai, o->grad, n, 1, nb->grad, bp, bj);
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
    if (v < 0)
        return v;
    tnode *o = &t->nodes[v];
    na = &t->nodes[a];
    nb = &t->nodes[b];
    const double *x = na->val, *y = nb->val;
    if (na->rows == r && na->cols == c && nb->rows == r && nb->cols == c) { /* same shapes */
        const size_t len = size_of(o);
        if (op == OP_ADD)
            for (size_t i = 0; i < len; i++) o->val[i] = x[i] + y[i];
        else if (op == OP_SUB)
            for (size_t i = 0; i < len; i++) o->val[i] = x[i] - y[i];
        else
            for (size_t i = 0; i < len; i++) o->val[i] = x[i] * y[i];
        return v;
    }
    for (uint32_t i = 0; i < r; i++)
        for (uint32_t j = 0; j < c; j++) {
            double p = x[(na->rows == 1 ? 0 : i) * na->cols + (na->cols == 1 ? 0 : j)];
            double q = y[(nb->rows == 1 ? 0 : i) * nb->cols + (nb->cols == 1 ? 0 : j)];
            o->val[(size_t)i * c + j] = op == OP_ADD ? p + q : op == OP_SUB ? p - q : p * q;
        }
    return v;
}

rs_tv rs_tape_add(rs_tape *t, rs_tv a, rs_tv b) { return binary(t, OP_ADD, a, b, "add"); }
rs_tv rs_tape_sub(rs_tape *t, rs_tv a, rs_tv b) { return binary(t, OP_SUB, a, b, "sub"); }
rs_tv rs_tape_mul(rs_tape *t, rs_tv a, rs_tv b) { return binary(t, OP_MUL, a, b, "mul"); }

static void binary_backward(tnode *o, tnode *na, tnode *nb)
{
    const uint32_t r = o->rows, c = o->cols;
    if (na->rows == r && na->cols == c && nb->rows == r && nb->cols == c) { /* same shapes */
        const size_t len = size_of(o);
        const double *g = o->grad;
        if (o->op == OP_MUL) {
            if (na->needs) for (size_t i = 0; i < len; i++) na->grad[i] += g[i] * nb->val[i];
            if (nb->needs) for (size_t i = 0; i < len; i++) nb->grad[i] += g[i] * na->val[i];
        } else {
            if (na->needs) for (size_t i = 0; i < len; i++) na->grad[i] += g[i];
            if (nb->needs && o->op == OP_SUB) for (size_t i = 0; i < len; i++) nb->grad[i] -= g[i];
            else if (nb->needs) for (size_t i = 0; i < len; i++) nb->grad[i] += g[i];
        }
        return;
    }
    for (uint32_t i = 0; i < r; i++)
        for (uint32_t j = 0; j < c; j++) {
            const size_t ia = (size_t)(na->rows == 1 ? 0 : i) * na->cols + (na->cols == 1 ? 0 : j);
            const size_t ib = (size_t)(nb->rows == 1 ? 0 : i) * nb->cols + (nb->cols == 1 ? 0 : j);
            const double g = o->grad[(size_t)i * c + j];
            if (o->op == OP_MUL) {
                if (na->needs) na->grad[ia] += g * nb->val[ib];
                if (nb->needs) nb->grad[ib] += g * na->val[ia];
            } else {
                if (na->needs) na->grad[ia] += g;
                if (nb->needs) nb->grad[ib] += o->op == OP_SUB ? -g : g;
            }
        }
}

/* ---- elementwise unary ----------------------------------------------------------------------- */

static double sigmoid(double x)
{
    double e = exp(-fabs(x)); /* in (0, 1]: no overflow for any x */
    return x >= 0 ? 1 / (1 + e) : e / (1 + e);
}

/* tanh from one exp (glibc's tanh goes through expm1, twice the cost, and the LSTM calls it
 * for every unit of every synapse): 1 - 2 / (e^{2|x|} + 1) with the sign restored, and the
 * Taylor series below |x| = 0.01, where the subtraction would cancel. Relative error < 1e-13. */
static double tanh_fast(double x)
{
    const double ax = fabs(x);
    if (ax < 0.01) {
        const double x2 = x * x;
        return x * (1 - x2 * (1.0 / 3 - x2 * (2.0 / 15)));
    }
    const double r = 1 - 2 / (exp(2 * ax) + 1);
    return x < 0 ? -r : r;
}

static rs_tv unary(rs_tape *t, int op, rs_tv a, double pa, double pb, const char *name)
{
    tnode *na = get(t, a, name);
    if (!na)
        return RS_TV_NONE;
    rs_tv v = node(t, op, na->rows, na->cols, a, RS_TV_NONE, 0);
    if (v < 0)
        return v;
    tnode *o = &t->nodes[v];
    na = &t->nodes[a];
    o->pa = pa;
    o->pb = pb;
    const double *x = na->val;
    double *y = o->val;
    const size_t len = size_of(o);
    switch (op) {
    case OP_SCALE: for (size_t i = 0; i < len; i++) y[i] = pa * x[i]; break;
    case OP_SIGMOID: for (size_t i = 0; i < len; i++) y[i] = sigmoid(x[i]); break;
    case OP_TANH: for (size_t i = 0; i < len; i++) y[i] = tanh_fast(x[i]); break;
    case OP_RELU: for (size_t i = 0; i < len; i++) y[i] = x[i] > 0 ? x[i] : 0; break;
    case OP_EXP: for (size_t i = 0; i < len; i++) y[i] = exp(x[i]); break;
    case OP_LOG: for (size_t i = 0; i < len; i++) y[i] = log(x[i]); break;
    case OP_SQUARE: for (size_t i = 0; i < len; i++) y[i] = x[i] * x[i]; break;
    case OP_SOFTPLUS:
        for (size_t i = 0; i < len; i++) y[i] = x[i] > 20 ? x[i] : log1p(exp(x[i]));
        break;
    case OP_LEAKY: for (size_t i = 0; i < len; i++) y[i] = x[i] >= 0 ? x[i] : pa * x[i]; break;
    case OP_CLIP:
        for (size_t i = 0; i < len; i++) y[i] = x[i] < pa ? pa : x[i] > pb ? pb : x[i];
        break;
    case OP_STOP: memcpy(y, x, len * sizeof(double)); o->needs = 0; break;
    }
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

static void unary_backward(tnode *o, tnode *na)
{
    const double *x = na->val, *y = o->val, *g = o->grad;
    double *d = na->grad;
    const size_t len = size_of(o);
    switch (o->op) {
    case OP_SCALE: for (size_t i = 0; i < len; i++) d[i] += o->pa * g[i]; break;
    case OP_SIGMOID: for (size_t i = 0; i < len; i++) d[i] += g[i] * y[i] * (1 - y[i]); break;
    case OP_TANH: for (size_t i = 0; i < len; i++) d[i] += g[i] * (1 - y[i] * y[i]); break;
    case OP_RELU: for (size_t i = 0; i < len; i++) d[i] += x[i] > 0 ? g[i] : 0; break;
    case OP_EXP: for (size_t i = 0; i < len; i++) d[i] += g[i] * y[i]; break;
    case OP_LOG: for (size_t i = 0; i < len; i++) d[i] += g[i] / x[i]; break;
    case OP_SQUARE: for (size_t i = 0; i < len; i++) d[i] += 2 * x[i] * g[i]; break;
    case OP_SOFTPLUS:
        for (size_t i = 0; i < len; i++) d[i] += x[i] > 20 ? g[i] : g[i] * sigmoid(x[i]);
        break;
    case OP_LEAKY: for (size_t i = 0; i < len; i++) d[i] += x[i] > 0 ? g[i] : o->pa * g[i]; break;
    case OP_CLIP:
        for (size_t i = 0; i < len; i++) d[i] += x[i] >= o->pa && x[i] <= o->pb ? g[i] : 0;
        break;
    }
}

/* ---- log softmax over the rows of every column ------------------------------------------- */

rs_tv rs_tape_log_softmax(rs_tape *t, rs_tv a)
{
    tnode *na = get(t, a, "log_softmax");
    if (!na)
        return RS_TV_NONE;
    rs_tv v = node(t, OP_LOGSOFTMAX, na->rows, na->cols, a, RS_TV_NONE, 0);
    if (v < 0)
        return v;
    tnode *o = &t->nodes[v];
    na = &t->nodes[a];
    const uint32_t r = o->rows, c = o->cols;
    for (uint32_t j = 0; j < c; j++) {
        double mx = na->val[j];
        for (uint32_t i = 1; i < r; i++)
            mx = fmax(mx, na->val[(size_t)i * c + j]);
        double z = 0;
        for (uint32_t i = 0; i < r; i++)
            z += exp(na->val[(size_t)i * c + j] - mx);
        const double lz = log(z) + mx;
        for (uint32_t i = 0; i < r; i++)
            o->val[(size_t)i * c + j] = na->val[(size_t)i * c + j] - lz;
    }
    return v;
}

static void log_softmax_backward(tnode *o, tnode *na)
{
    const uint32_t r = o->rows, c = o->cols;
    for (uint32_t j = 0; j < c; j++) { /* dx_i = g_i - softmax_i * sum_k g_k */
        double gs = 0;
        for (uint32_t i = 0; i < r; i++)
            gs += o->grad[(size_t)i * c + j];
        for (uint32_t i = 0; i < r; i++)
            na->grad[(size_t)i * c + j] += o->grad[(size_t)i * c + j]
                                         - exp(o->val[(size_t)i * c + j]) * gs;
    }
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
    tnode *o = &t->nodes[v];
    na = &t->nodes[a];
    o->ia = axis;
    memset(o->val, 0, size_of(o) * sizeof(double));
    for (uint32_t i = 0; i < r; i++)
        for (uint32_t j = 0; j < c; j++)
            o->val[axis == -1 ? 0 : axis == 0 ? j : i] += na->val[(size_t)i * c + j];
    if (op == OP_MEAN) {
        const double k = axis == -1 ? (double)r * c : axis == 0 ? r : c;
        for (size_t i = 0; i < size_of(o); i++)
            o->val[i] /= k;
    }
    return v;
}

rs_tv rs_tape_sum(rs_tape *t, rs_tv a, int axis) { return reduce(t, OP_SUM, a, axis, "sum"); }
rs_tv rs_tape_mean(rs_tape *t, rs_tv a, int axis) { return reduce(t, OP_MEAN, a, axis, "mean"); }

static void reduce_backward(tnode *o, tnode *na)
{
    const uint32_t r = na->rows, c = na->cols;
    const int axis = o->ia;
    double k = 1;
    if (o->op == OP_MEAN)
        k = axis == -1 ? (double)r * c : axis == 0 ? r : c;
    for (uint32_t i = 0; i < r; i++)
        for (uint32_t j = 0; j < c; j++)
            na->grad[(size_t)i * c + j] += o->grad[axis == -1 ? 0 : axis == 0 ? j : i] / k;
}

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
    if (v < 0)
        return v;
    tnode *o = &t->nodes[v];
    na = &t->nodes[a];
    for (uint32_t i = 0; i < rows; i++)
        for (uint32_t j = 0; j < cols; j++)
            o->val[(size_t)i * cols + j] =
                na->val[(size_t)(na->rows == 1 ? 0 : i) * na->cols + (na->cols == 1 ? 0 : j)];
    return v;
}

static void broadcast_backward(tnode *o, tnode *na)
{
    for (uint32_t i = 0; i < o->rows; i++)
        for (uint32_t j = 0; j < o->cols; j++)
            na->grad[(size_t)(na->rows == 1 ? 0 : i) * na->cols + (na->cols == 1 ? 0 : j)] +=
                o->grad[(size_t)i * o->cols + j];
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
        const tnode *p = &t->nodes[parts[k]];
        o->needs |= p->needs;
        for (uint32_t i = 0; i < p->rows; i++)
            for (uint32_t j = 0; j < p->cols; j++) {
                size_t dst = axis == 1 ? (size_t)i * cols + off + j : (size_t)(off + i) * cols + j;
                o->val[dst] = p->val[(size_t)i * p->cols + j];
            }
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
            for (uint32_t i = 0; i < p->rows; i++)
                for (uint32_t j = 0; j < p->cols; j++) {
                    size_t src = axis == 1 ? (size_t)i * o->cols + off + j
                                           : (size_t)(off + i) * o->cols + j;
                    p->grad[(size_t)i * p->cols + j] += o->grad[src];
                }
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
    tnode *o = &t->nodes[v];
    na = &t->nodes[a];
    o->ia = axis;
    o->ib = (int32_t)start;
    for (uint32_t i = 0; i < o->rows; i++)
        for (uint32_t j = 0; j < o->cols; j++)
            o->val[(size_t)i * o->cols + j] = axis == 0 ? na->val[(size_t)(start + i) * na->cols + j]
                                                        : na->val[(size_t)i * na->cols + start + j];
    return v;
}

static void slice_backward(tnode *o, tnode *na)
{
    const uint32_t start = (uint32_t)o->ib;
    for (uint32_t i = 0; i < o->rows; i++)
        for (uint32_t j = 0; j < o->cols; j++) {
            size_t dst = o->ia == 0 ? (size_t)(start + i) * na->cols + j
                                    : (size_t)i * na->cols + start + j;
            na->grad[dst] += o->grad[(size_t)i * o->cols + j];
        }
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
    tnode *oc = &t->nodes[vc], *oh = &t->nodes[vh];
    const double *zv = t->nodes[z].val, *cp = t->nodes[c_prev].val;
    for (uint32_t r = 0; r < n; r++) {
        const double *zr = zv + (size_t)r * 4 * hid;
        double *gr = oc->aux + (size_t)r * 4 * hid;
        for (uint32_t k = 0; k < hid; k++) {
            const double ig = sigmoid(zr[k]), fg = sigmoid(zr[hid + k]);
            const double gg = tanh_fast(zr[2 * hid + k]), og = sigmoid(zr[3 * hid + k]);
            gr[k] = ig;
            gr[hid + k] = fg;
            gr[2 * hid + k] = gg;
            gr[3 * hid + k] = og;
            const size_t at = (size_t)r * hid + k;
            const double c = fg * cp[at] + ig * gg, tc = tanh_fast(c);
            oc->val[at] = c;
            oh->aux[at] = tc;
            oh->val[at] = og * tc;
        }
    }
    *c_out = vc;
    return vh;
}

static void lstm_h_backward(tnode *oh, tnode *oc, tnode *nz)
{
    const uint32_t n = oh->rows, hid = oh->cols;
    for (uint32_t r = 0; r < n; r++)
        for (uint32_t k = 0; k < hid; k++) {
            const size_t at = (size_t)r * hid + k;
            const double og = oc->aux[(size_t)r * 4 * hid + 3 * hid + k], tc = oh->aux[at];
            const double dh = oh->grad[at];
            if (nz->needs)
                nz->grad[(size_t)r * 4 * hid + 3 * hid + k] += dh * tc * og * (1 - og);
            if (oc->needs)
                oc->grad[at] += dh * og * (1 - tc * tc);
        }
}

static void lstm_c_backward(tnode *oc, tnode *nz, tnode *nc)
{
    const uint32_t n = oc->rows, hid = oc->cols;
    for (uint32_t r = 0; r < n; r++)
        for (uint32_t k = 0; k < hid; k++) {
            const size_t at = (size_t)r * hid + k;
            const double *gr = oc->aux + (size_t)r * 4 * hid;
            const double ig = gr[k], fg = gr[hid + k], gg = gr[2 * hid + k];
            const double dc = oc->grad[at];
            if (nz->needs) {
                double *dz = nz->grad + (size_t)r * 4 * hid;
                dz[k] += dc * gg * ig * (1 - ig);
                dz[hid + k] += dc * nc->val[at] * fg * (1 - fg);
                dz[2 * hid + k] += dc * ig * (1 - gg * gg);
            }
            if (nc->needs)
                nc->grad[at] += dc * fg;
        }
}

/* ---- backward ----------------------------------------------------------------------------- */

static void backward_node(rs_tape *t, tnode *o)
{
    tnode *na = o->in[0] >= 0 ? &t->nodes[o->in[0]] : NULL;
    tnode *nb = o->in[1] >= 0 ? &t->nodes[o->in[1]] : NULL;
    switch (o->op) {
    case OP_LEAF: case OP_RESHAPE: case OP_STOP: break;
    case OP_MATMUL: matmul_backward(t, o, na, nb); break;
    case OP_ADD: case OP_SUB: case OP_MUL: binary_backward(o, na, nb); break;
    case OP_LOGSOFTMAX: if (na->needs) log_softmax_backward(o, na); break;
    case OP_SUM: case OP_MEAN: if (na->needs) reduce_backward(o, na); break;
    case OP_BROADCAST: if (na->needs) broadcast_backward(o, na); break;
    case OP_CONCAT: concat_backward(t, o); break;
    case OP_SLICE: if (na->needs) slice_backward(o, na); break;
    case OP_LSTM_C: lstm_c_backward(o, na, nb); break;
    case OP_LSTM_H: lstm_h_backward(o, na, nb); break;
    default: if (na->needs) unary_backward(o, na); break;
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
        memset(t->chunks[c].grad, 0, t->chunks[c].used * sizeof(double));
    t->backward_done = 1;
    if (!nl->needs)
        return RS_OK; /* nothing depends on a parameter: every gradient is zero */
    nl->grad[0] = 1;
    for (rs_tv v = loss; v >= 0; v--) {
        tnode *o = &t->nodes[v];
        if (o->needs)
            backward_node(t, o);
    }
    return RS_OK;
}

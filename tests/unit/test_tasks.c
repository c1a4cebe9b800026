/* test_tasks.c: the built-in tasks gates, parity and circuits (plugins/tasks/), loaded from
 * the build's plugin folder and driven through their descriptors with the real host table. */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "testutil.h"

static rs_registry *reg; /* loaded once before the forked tests run */

static void setup(void) { reg = rs_test_registry(); }
static void teardown(void) { rs_registry_destroy(reg); }

/* One task instance and everything it needs. */
typedef struct task_run {
    const rs_task_desc *d;
    rs_ctx *ctx;
    rs_params *p;
    void *s;
    rs_task_info info;
} task_run;

/* Create task `name` with params "k=v,..."; returns the create status (state NULL unless OK). */
static rs_status task_try(task_run *t, const char *name, const char *params, uint64_t seed)
{
    memset(t, 0, sizeof *t);
    t->d = (const rs_task_desc *)rs_test_plugin(reg, RS_KIND_TASK, name);
    ck_assert_uint_eq(t->d->head.struct_size, sizeof(rs_task_desc));
    t->ctx = rs_ctx_create(seed, 1);
    ck_assert_ptr_nonnull(t->ctx);
    t->p = rs_test_params(&t->d->head, params);
    t->s = (void *)&t->info; /* must be overwritten: create sets *state_out on every path */
    rs_status st = t->d->create(rs_host_get(), t->ctx, t->p, &t->info, &t->s);
    if (st != RS_OK)
        ck_assert_msg(t->s == NULL, "%s: failed create left a state behind", name);
    return st;
}

static void task_open(task_run *t, const char *name, const char *params, uint64_t seed)
{
    rs_status st = task_try(t, name, params, seed);
    ck_assert_msg(st == RS_OK, "%s(%s): %s", name, params, rs_ctx_error(t->ctx));
    ck_assert_ptr_nonnull(t->s);
    ck_assert_uint_eq(t->info.struct_size, sizeof(rs_task_info));
}

/* Destroy and check that the task freed everything it allocated. */
static void task_close(task_run *t)
{
    if (t->s)
        t->d->destroy(t->s, t->ctx);
    ck_assert_msg(t->ctx->n_alloc == 0, "%ld allocations leaked", t->ctx->n_alloc);
    rs_params_destroy(t->p);
    rs_ctx_destroy(t->ctx);
}

static void eval_set(task_run *t, const rs_real **x, const rs_real **y, uint32_t *n)
{
    ck_assert_int_eq(t->d->eval_set(t->s, t->ctx, x, y, n), RS_OK);
}

/* ---- gates -------------------------------------------------------------------------------- */

static const struct {
    const char *params; /* gate=... */
    const char *table;  /* expected outputs for (0,0), (0,1), (1,0), (1,1) */
} gate_cases[] = {
    { "gate=and", "0001" },  { "gate=or", "0111" },   { "gate=xor", "0110" },
    { "gate=nand", "1110" }, { "gate=nor", "1000" },  { "gate=xnor", "1001" },
    { "gate=table,table=1001", "1001" }, { "gate=table,table=0010", "0010" },
    { "", "0110" }, /* the default is xor */
};
#define N_GATE_CASES (sizeof gate_cases / sizeof gate_cases[0])

/* loop index -> (case, coding, outputs) */
START_TEST(test_gates_truth_tables)
{
    const size_t c = (size_t)_i / 4;
    const int pm1 = _i & 1, onehot = (_i >> 1) & 1;
    char params[128];
    snprintf(params, sizeof params, "%s%scoding=%s,outputs=%s", gate_cases[c].params,
             gate_cases[c].params[0] ? "," : "", pm1 ? "pm1" : "01", onehot ? "onehot" : "one");
    task_run t;
    task_open(&t, "gates", params, 7);
    const rs_real lo = pm1 ? -1 : 0, hi = 1;
    ck_assert_uint_eq(t.info.n_in, 2);
    ck_assert_uint_eq(t.info.n_out, onehot ? 2 : 1);
    ck_assert_uint_eq(t.info.n_full, 4);
    ck_assert_uint_eq(t.info.loss, RS_LOSS_MSE);
    ck_assert(t.info.lo == lo && t.info.hi == hi);

    const rs_real *x, *y;
    uint32_t n;
    eval_set(&t, &x, &y, &n);
    ck_assert_uint_eq(n, 4);
    for (uint32_t r = 0; r < 4; r++) {
        const rs_real want = gate_cases[c].table[r] == '1' ? hi : lo;
        ck_assert_msg(x[r] == ((r >> 1) ? hi : lo) && x[4 + r] == ((r & 1) ? hi : lo),
                      "%s: row %u inputs (%g, %g)", params, r, (double)x[r], (double)x[4 + r]);
        if (onehot) {
            ck_assert_msg(y[4 + r] == want && y[r] == (want == hi ? lo : hi),
                          "%s: row %u one-hot (%g, %g)", params, r, (double)y[r],
                          (double)y[4 + r]);
        } else {
            ck_assert_msg(y[r] == want, "%s: row %u target %g, want %g", params, r,
                          (double)y[r], (double)want);
        }
    }

    /* a batch of n_full is the whole table in order */
    rs_real bx[2 * 4], by[2 * 4];
    ck_assert_int_eq(t.d->batch(t.s, t.ctx, 4, bx, by), RS_OK);
    ck_assert_mem_eq(bx, x, sizeof(rs_real) * 2 * 4);
    ck_assert_mem_eq(by, y, sizeof(rs_real) * t.info.n_out * 4);
    task_close(&t);
}
END_TEST

START_TEST(test_gates_random_batches)
{
    const int onehot = _i & 1, pm1 = (_i >> 1) & 1;
    char params[96];
    snprintf(params, sizeof params, "gate=table,table=1101,coding=%s,outputs=%s",
             pm1 ? "pm1" : "01", onehot ? "onehot" : "one");
    task_run t;
    task_open(&t, "gates", params, 11);
    const rs_real *ex, *ey;
    uint32_t en;
    eval_set(&t, &ex, &ey, &en);
    const uint32_t n_out = t.info.n_out;
    enum { N = 64, DRAWS = 50 };
    rs_real x[2 * N], y[2 * N];
    unsigned count[4] = { 0 };
    for (int draw = 0; draw < DRAWS; draw++) {
        ck_assert_int_eq(t.d->batch(t.s, t.ctx, N, x, y), RS_OK);
        for (uint32_t b = 0; b < N; b++) {
            int row = -1;
            for (uint32_t r = 0; r < 4; r++)
                if (x[b] == ex[r] && x[N + b] == ex[4 + r])
                    row = (int)r;
            ck_assert_msg(row >= 0, "example %u has inputs (%g, %g), not a table row", b,
                          (double)x[b], (double)x[N + b]);
            for (uint32_t i = 0; i < n_out; i++)
                ck_assert_msg(y[i * N + b] == ey[i * 4 + (uint32_t)row],
                              "example %u (row %d) has the wrong target", b, row);
            count[row]++;
        }
    }
    /* uniform: each row about 1/4 of 3200 draws; +-0.05 is more than 6 standard deviations */
    for (int r = 0; r < 4; r++) {
        double frac = count[r] / (double)(N * DRAWS);
        ck_assert_msg(fabs(frac - 0.25) < 0.05, "row %d drawn %.3f of the time", r, frac);
    }
    task_close(&t);
}
END_TEST

/* solved() on exact targets, on targets nudged toward the threshold, and with one row flipped */
START_TEST(test_gates_solved)
{
    const int onehot = _i & 1, pm1 = (_i >> 1) & 1;
    char params[96];
    snprintf(params, sizeof params, "gate=xor,coding=%s,outputs=%s", pm1 ? "pm1" : "01",
             onehot ? "onehot" : "one");
    task_run t;
    task_open(&t, "gates", params, 3);
    const rs_real *x, *y;
    uint32_t n;
    eval_set(&t, &x, &y, &n);
    const uint32_t n_out = t.info.n_out;
    const rs_real lo = t.info.lo, hi = t.info.hi, mid = (lo + hi) / 2;
    rs_real pred[2 * 4];

    memcpy(pred, y, sizeof(rs_real) * n_out * n);
    ck_assert_msg(t.d->solved(t.s, pred, y, n, 0.0), "%s: exact targets not solved", params);

    /* a tenth of the way from the threshold still counts */
    for (uint32_t k = 0; k < n_out * n; k++)
        pred[k] = mid + (y[k] - mid) * 0.1f;
    ck_assert_msg(t.d->solved(t.s, pred, y, n, 0.2), "%s: near targets not solved", params);

    if (n_out == 1) { /* the threshold itself counts as lo: hi means pred > (lo + hi) / 2 */
        for (uint32_t r = 0; r < n; r++)
            pred[r] = y[r] == hi ? hi : mid;
        ck_assert_msg(t.d->solved(t.s, pred, y, n, 0.1), "%s: lo rows at mid not solved", params);
        for (uint32_t r = 0; r < n; r++)
            pred[r] = y[r] == hi ? mid : lo;
        ck_assert_msg(!t.d->solved(t.s, pred, y, n, 0.1), "%s: hi rows at mid solved", params);
    }

    for (uint32_t r = 0; r < n; r++) {
        memcpy(pred, y, sizeof(rs_real) * n_out * n);
        for (uint32_t i = 0; i < n_out; i++) /* flip row r: lo <-> hi in every unit */
            pred[i * n + r] = pred[i * n + r] == hi ? lo : hi;
        ck_assert_msg(!t.d->solved(t.s, pred, y, n, 0.0), "%s: row %u flipped but solved",
                      params, r);
        memcpy(pred, y, sizeof(rs_real) * n_out * n);
        pred[r] = NAN;
        ck_assert_msg(!t.d->solved(t.s, pred, y, n, NAN), "%s: NaN in row %u but solved",
                      params, r);
    }
    task_close(&t);
}
END_TEST

START_TEST(test_gates_loss_choice)
{
    task_run t;
    task_open(&t, "gates", "loss=ce,outputs=onehot,coding=pm1", 1);
    ck_assert_uint_eq(t.info.loss, RS_LOSS_SOFTMAX_CE);
    task_close(&t);
    task_open(&t, "gates", "loss=bce", 1);
    ck_assert_uint_eq(t.info.loss, RS_LOSS_BCE);
    task_close(&t);

    /* combinations whose loss would be meaningless are refused with a message */
    static const char *const bad[] = { "loss=bce,coding=pm1", "loss=ce,outputs=one" };
    for (int k = 0; k < 2; k++) {
        ck_assert_int_eq(task_try(&t, "gates", bad[k], 1), RS_ERR_PARAM);
        ck_assert_msg(rs_ctx_error(t.ctx)[0] != '\0', "%s refused without a message", bad[k]);
        task_close(&t);
    }
}
END_TEST

START_TEST(test_gates_bad_table)
{
    static const char *const bad[] = { "012", "01101", "01a0", "", "0 10" };
    for (size_t k = 0; k < sizeof bad / sizeof bad[0]; k++) {
        char params[64];
        snprintf(params, sizeof params, "gate=table,table=%s", bad[k]);
        task_run t;
        ck_assert_int_eq(task_try(&t, "gates", params, 1), RS_ERR_PARAM);
        const char *msg = rs_ctx_error(t.ctx);
        ck_assert_msg(strstr(msg, "table") != NULL, "table '%s': message '%s'", bad[k], msg);
        task_close(&t); /* checks nothing leaked */
    }
}
END_TEST

/* ---- parity ------------------------------------------------------------------------------- */

START_TEST(test_parity_table)
{
    task_run t;
    task_open(&t, "parity", "", 5); /* bits = 3 by default */
    ck_assert_uint_eq(t.info.n_in, 3);
    ck_assert_uint_eq(t.info.n_out, 1);
    ck_assert_uint_eq(t.info.n_full, 8);
    const rs_real *x, *y;
    uint32_t n;
    eval_set(&t, &x, &y, &n);
    ck_assert_uint_eq(n, 8);
    static const rs_real want_x[3][8] = {
        { 0, 0, 0, 0, 1, 1, 1, 1 }, { 0, 0, 1, 1, 0, 0, 1, 1 }, { 0, 1, 0, 1, 0, 1, 0, 1 },
    };
    static const rs_real want_y[8] = { 0, 1, 1, 0, 1, 0, 0, 1 };
    ck_assert_mem_eq(x, want_x, sizeof want_x);
    ck_assert_mem_eq(y, want_y, sizeof want_y);
    rs_real bx[3 * 8], by[8];
    ck_assert_int_eq(t.d->batch(t.s, t.ctx, 8, bx, by), RS_OK);
    ck_assert_mem_eq(bx, want_x, sizeof want_x);
    ck_assert_mem_eq(by, want_y, sizeof want_y);
    ck_assert(t.d->solved(t.s, y, y, n, 0));
    task_close(&t);

    /* parity of two bits is xor, in pm1 one-hot coding too */
    task_run g;
    task_open(&t, "parity", "bits=2,coding=pm1,outputs=onehot", 5);
    task_open(&g, "gates", "gate=xor,coding=pm1,outputs=onehot", 5);
    const rs_real *gx, *gy;
    uint32_t gn;
    eval_set(&t, &x, &y, &n);
    eval_set(&g, &gx, &gy, &gn);
    ck_assert_uint_eq(n, gn);
    ck_assert_mem_eq(x, gx, sizeof(rs_real) * 2 * 4);
    ck_assert_mem_eq(y, gy, sizeof(rs_real) * 2 * 4);
    task_close(&g);
    task_close(&t);

    /* the largest: 16 bits, 65536 rows, half of them odd */
    task_open(&t, "parity", "bits=16", 5);
    ck_assert_uint_eq(t.info.n_full, 65536);
    eval_set(&t, &x, &y, &n);
    double sum = 0;
    for (uint32_t r = 0; r < n; r++)
        sum += y[r];
    ck_assert(sum == 32768 && y[65535] == 0 && y[1] == 1 && x[15 * n + 1] == 1 && x[1] == 0);
    task_close(&t);
}
END_TEST

/* ---- circuits ----------------------------------------------------------------------------- */

static const struct {
    const char *fn;
    uint32_t n_in;
} circuit_cases[] = {
    { "identity", 1 }, { "negate", 1 }, { "abs", 1 }, { "add", 2 },
    { "sub", 2 },      { "min", 2 },    { "max", 2 },
};

static double circuit_want(const char *fn, double x0, double x1)
{
    if (!strcmp(fn, "identity"))
        return x0;
    if (!strcmp(fn, "negate"))
        return -x0;
    if (!strcmp(fn, "abs"))
        return fabs(x0);
    if (!strcmp(fn, "add"))
        return x0 + x1;
    if (!strcmp(fn, "sub"))
        return x0 - x1;
    if (!strcmp(fn, "min"))
        return fmin(x0, x1);
    return fmax(x0, x1);
}

/* targets of a batch and of the evaluation set, for each function */
START_TEST(test_circuits_targets)
{
    const char *fn = circuit_cases[_i].fn;
    char params[64];
    snprintf(params, sizeof params, "fn=%s", fn);
    task_run t;
    task_open(&t, "circuits", params, 9);
    const uint32_t n_in = circuit_cases[_i].n_in;
    ck_assert_uint_eq(t.info.n_in, n_in);
    ck_assert_uint_eq(t.info.n_out, 1);
    ck_assert_uint_eq(t.info.n_full, 0);
    ck_assert_uint_eq(t.info.loss, RS_LOSS_MSE);
    ck_assert(t.info.lo == -1 && t.info.hi == 1);

    enum { N = 257 };
    rs_real x[2 * N], y[N];
    ck_assert_int_eq(t.d->batch(t.s, t.ctx, N, x, y), RS_OK);
    double lo = 1, hi = -1;
    for (uint32_t b = 0; b < N; b++) {
        double x0 = x[b], x1 = n_in == 2 ? x[N + b] : 0;
        ck_assert(x0 >= -1 && x0 <= 1 && x1 >= -1 && x1 <= 1);
        lo = fmin(lo, x0);
        hi = fmax(hi, x0);
        ck_assert_msg(fabs(y[b] - circuit_want(fn, x0, x1)) <= 1e-6,
                      "%s(%g, %g) = %g", fn, x0, x1, (double)y[b]);
    }
    ck_assert_msg(lo < -0.9 && hi > 0.9, "inputs span only [%g, %g]", lo, hi);

    const rs_real *ex, *ey;
    uint32_t n;
    eval_set(&t, &ex, &ey, &n);
    ck_assert_uint_eq(n, 1000);
    for (uint32_t b = 0; b < n; b++) {
        double x0 = ex[b], x1 = n_in == 2 ? ex[n + b] : 0;
        ck_assert(fabs(ey[b] - circuit_want(fn, x0, x1)) <= 1e-6);
    }
    /* each batch is fresh */
    rs_real x2[2 * N], y2[N];
    ck_assert_int_eq(t.d->batch(t.s, t.ctx, N, x2, y2), RS_OK);
    ck_assert(memcmp(x, x2, sizeof(rs_real) * n_in * N) != 0);
    task_close(&t);
}
END_TEST

START_TEST(test_circuits_eval_set)
{
    task_run a, b, c;
    task_open(&a, "circuits", "fn=min,test_n=37", 42);
    task_open(&b, "circuits", "fn=min,test_n=37", 42);
    task_open(&c, "circuits", "fn=min,test_n=37", 43);
    const rs_real *ax, *ay, *bx, *by, *cx, *cy;
    uint32_t an, bn, cn;
    eval_set(&a, &ax, &ay, &an);
    eval_set(&b, &bx, &by, &bn);
    eval_set(&c, &cx, &cy, &cn);
    ck_assert_uint_eq(an, 37);
    ck_assert_uint_eq(bn, 37);
    ck_assert_uint_eq(cn, 37);
    ck_assert_mem_eq(ax, bx, sizeof(rs_real) * 2 * 37);
    ck_assert_mem_eq(ay, by, sizeof(rs_real) * 37);
    ck_assert(memcmp(ax, cx, sizeof(rs_real) * 2 * 37) != 0);
    /* the set is fixed: training batches do not move it */
    rs_real x[2 * 16], y[16];
    ck_assert_int_eq(a.d->batch(a.s, a.ctx, 16, x, y), RS_OK);
    const rs_real *ax2, *ay2;
    eval_set(&a, &ax2, &ay2, &an);
    ck_assert_mem_eq(ax2, bx, sizeof(rs_real) * 2 * 37);
    task_close(&a);
    task_close(&b);
    task_close(&c);
}
END_TEST

START_TEST(test_circuits_solved)
{
    task_run t;
    task_open(&t, "circuits", "", 1);
    const rs_real *x, *y;
    uint32_t n;
    eval_set(&t, &x, &y, &n);
    ck_assert(t.d->solved(t.s, y, y, n, 2e-7));
    ck_assert(!t.d->solved(t.s, y, y, n, 0.05));
    ck_assert(!t.d->solved(t.s, y, y, n, 1e-3)); /* "below" the threshold, not at it */
    ck_assert(!t.d->solved(t.s, y, y, n, NAN));
    task_close(&t);
    task_open(&t, "circuits", "threshold=0.1", 1);
    eval_set(&t, &x, &y, &n);
    ck_assert(t.d->solved(t.s, y, y, n, 0.05));
    task_close(&t);
}
END_TEST

/* ---- every task: allocation failure leaves nothing behind --------------------------------- */

START_TEST(test_create_alloc_failure)
{
    static const char *const cases[][2] = {
        { "gates", "outputs=onehot" }, { "parity", "bits=5" }, { "circuits", "fn=add" },
    };
    for (size_t c = 0; c < 3; c++) {
        int ok = 0;
        for (long k = 0; k < 16 && !ok; k++) {
            task_run t;
            memset(&t, 0, sizeof t);
            t.d = (const rs_task_desc *)rs_test_plugin(reg, RS_KIND_TASK, cases[c][0]);
            t.ctx = rs_ctx_create(1, 1);
            t.p = rs_test_params(&t.d->head, cases[c][1]);
            t.ctx->alloc_fail_at = k; /* the k-th allocation fails */
            rs_status st = t.d->create(rs_host_get(), t.ctx, t.p, &t.info, &t.s);
            if (st == RS_OK) {
                ok = 1;
            } else {
                ck_assert_msg(st == RS_ERR_NOMEM, "%s, alloc %ld failing: %s", cases[c][0], k,
                              rs_status_str(st));
                ck_assert_ptr_null(t.s);
            }
            task_close(&t);
        }
        ck_assert_msg(ok, "%s never created", cases[c][0]);
    }
}
END_TEST

static Suite *tasks_suite(void)
{
    Suite *s = suite_create("tasks");
    TCase *tc = tcase_create("builtin");
    tcase_add_unchecked_fixture(tc, setup, teardown);
    tcase_add_loop_test(tc, test_gates_truth_tables, 0, (int)N_GATE_CASES * 4);
    tcase_add_loop_test(tc, test_gates_random_batches, 0, 4);
    tcase_add_loop_test(tc, test_gates_solved, 0, 4);
    tcase_add_test(tc, test_gates_loss_choice);
    tcase_add_test(tc, test_gates_bad_table);
    tcase_add_test(tc, test_parity_table);
    tcase_add_loop_test(tc, test_circuits_targets, 0,
                        (int)(sizeof circuit_cases / sizeof circuit_cases[0]));
    tcase_add_test(tc, test_circuits_eval_set);
    tcase_add_test(tc, test_circuits_solved);
    tcase_add_test(tc, test_create_alloc_failure);
    suite_add_tcase(s, tc);
    return s;
}

int main(void) { return rs_test_run(tasks_suite()); }

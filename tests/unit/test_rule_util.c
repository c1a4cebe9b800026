/* test_rule_util.c: the SDK's lifecycle helpers (include/ruleset/rule_util.h), and every
 * built-in rule's create and destroy through them.
 *
 *   1. A block: every buffer aligned, in declaration order, disjoint, zeroed; the template
 *      copied into the head; one allocation, freed by rs_rule_destroy.
 *   2. Failures: no memory and too many buffers give NULL, the job's error and no leak.
 *   3. rs_rule_layered_only's messages.
 *   4. Every built-in rule creates on the deepest network a spec allows (16 hidden layers),
 *      frees everything, and leaks nothing whichever allocation of its create fails. */
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <ruleset/rule_util.h>

#include "act.h"
#include "network.h"
#include "testutil.h"

static rs_registry *reg; /* loaded once before the forked tests run */

static void setup(void) { reg = rs_test_registry(); }
static void teardown(void) { rs_registry_destroy(reg); }

typedef struct demo_state {
    rs_rule_base base;
    int tag;
    rs_real *a;
    double *d;
    void *raw;
    rs_real *layer[4];
} demo_state;

START_TEST(test_block_layout)
{
    const rs_host *host = rs_host_get();
    rs_ctx *ctx = rs_ctx_create(1, 1);
    demo_state t = { .base.host = host, .tag = 42 };
    rs_block b;
    rs_block_init(&b, sizeof t);
    rs_block_reals(&b, &t.a, 3);
    rs_block_doubles(&b, &t.d, 5);
    rs_block_bytes(&b, &t.raw, 7);
    for (int l = 0; l < 4; l++)
        rs_block_reals(&b, &t.layer[l], (size_t)100 * (l + 1));
    demo_state *s = rs_block_alloc(host, ctx, &b, &t, sizeof t, "demo");
    ck_assert_ptr_nonnull(s);
    ck_assert_int_eq(ctx->n_alloc, 1);
    ck_assert_int_eq(s->tag, 42);
    ck_assert_ptr_eq(s->base.host, host);
    ck_assert_ptr_null(s->base.opt);
    const char *parts[] = { (char *)s, (char *)s->a, (char *)s->d, (char *)s->raw,
                            (char *)s->layer[0], (char *)s->layer[1], (char *)s->layer[2],
                            (char *)s->layer[3] };
    const size_t bytes[] = { sizeof t, 3 * sizeof(rs_real), 5 * sizeof(double), 7,
                             100 * sizeof(rs_real), 200 * sizeof(rs_real),
                             300 * sizeof(rs_real), 400 * sizeof(rs_real) };
    for (int k = 1; k < 8; k++) {
        ck_assert_msg((uintptr_t)parts[k] % RS_BLOCK_ALIGN == 0, "buffer %d not aligned", k);
        ck_assert_msg(parts[k] >= parts[k - 1] + bytes[k - 1], "buffer %d overlaps %d", k, k - 1);
        for (size_t i = 0; i < bytes[k]; i++)
            ck_assert_msg(parts[k][i] == 0, "buffer %d byte %zu not zero", k, i);
    }
    ck_assert_uint_le((size_t)(parts[7] + bytes[7] - parts[0]), b.size);
    rs_rule_destroy(s, ctx);
    rs_rule_destroy(NULL, ctx);
    ck_assert_int_eq(ctx->n_alloc, 0);
    rs_ctx_destroy(ctx);
}
END_TEST

START_TEST(test_block_failures)
{
    const rs_host *host = rs_host_get();
    demo_state t = { .base.host = host };
    rs_block b;
    rs_ctx *ctx = rs_ctx_create(1, 1); /* no memory */
    ctx->alloc_fail_at = 0;
    rs_block_init(&b, sizeof t);
    rs_block_reals(&b, &t.a, 10);
    ck_assert_ptr_null(rs_block_alloc(host, ctx, &b, &t, sizeof t, "demo"));
    ck_assert_msg(strstr(rs_ctx_error(ctx), "no memory for demo's state"), "message: %s",
                  rs_ctx_error(ctx));
    ck_assert_int_eq(ctx->n_alloc, 0);
    rs_ctx_destroy(ctx);
    ctx = rs_ctx_create(1, 1); /* one buffer too many: nothing is allocated */
    rs_real *slot;
    rs_block_init(&b, sizeof t);
    for (int k = 0; k <= RS_BLOCK_MAX_PARTS; k++)
        rs_block_reals(&b, &slot, 1);
    ck_assert_ptr_null(rs_block_alloc(host, ctx, &b, &t, sizeof t, "demo"));
    char want[96];
    snprintf(want, sizeof want, "demo declares more than %d buffers", RS_BLOCK_MAX_PARTS);
    ck_assert_msg(strstr(rs_ctx_error(ctx), want), "message: %s", rs_ctx_error(ctx));
    ck_assert_int_eq(ctx->n_alloc, 0);
    rs_ctx_destroy(ctx);
}
END_TEST

START_TEST(test_layered_only)
{
    const rs_host *host = rs_host_get();
    rs_ctx *ctx = rs_ctx_create(1, 1);
    rs_net rec = { .kind = RS_NET_RECURRENT };
    ck_assert_int_eq(rs_rule_layered_only(host, ctx, &rec, "demo", 0), RS_ERR_UNSUPPORTED);
    ck_assert_msg(strstr(rs_ctx_error(ctx), "demo runs on layered networks only"), "message: %s",
                  rs_ctx_error(ctx));
    rs_ctx_destroy(ctx);
    ctx = rs_ctx_create(1, 1);
    rs_net deep = { .kind = RS_NET_LAYERED, .n_layers = 3 };
    ck_assert_int_eq(rs_rule_layered_only(host, ctx, &deep, "demo", 2), RS_ERR_SHAPE);
    ck_assert_str_eq(rs_ctx_error(ctx), "3 weight layers; demo handles at most 2");
    ck_assert_int_eq(rs_rule_layered_only(host, ctx, &deep, "demo", 3), RS_OK);
    ck_assert_int_eq(rs_rule_layered_only(host, ctx, &deep, "demo", 0), RS_OK);
    rs_ctx_destroy(ctx);
}
END_TEST

/* ---- every built-in rule ------------------------------------------------------------------- */

#define DEEP 17 /* weight layers: 16 hidden layers, the most a spec allows */

/* Defaults, except the meta-learned rules' weights file ("" = their initial values: the test
 * must not depend on the working directory). */
static rs_params *rule_params(const rs_plugin_head *h)
{
    for (const rs_param_spec *p = h->params; p && p->name; p++)
        if (!strcmp(p->name, "weights"))
            return rs_test_params(h, "weights=");
    return rs_test_params(h, "");
}

/* Create each rule of the registry (the built-in folder) on net, then destroy it, with allocation k failing for k = 0, 1,
 * ... until create succeeds; each failure must be RS_ERR_NOMEM and leak nothing. */
static void create_all(const rs_net *net, const char *what)
{
    rs_task_info info = { .struct_size = sizeof info, .n_in = net->sizes[0],
                          .n_out = net->sizes[net->n_layers], .n_full = 4, .lo = -1, .hi = 1 };
    size_t n_rules = 0;
    for (size_t i = 0; i < reg->n_plugins; i++) {
        const rs_plugin_rec *r = &reg->plugins[i];
        if (r->head->kind != RS_KIND_RULE)
            continue;
        const rs_rule_desc *d = (const rs_rule_desc *)r->head;
        rs_params *p = rule_params(r->head);
        n_rules++;
        for (long k = 0;; k++) {
            rs_ctx *ctx = rs_ctx_create(1, 1);
            ctx->alloc_fail_at = k;
            void *s = NULL;
            rs_status st = d->create(rs_host_get(), ctx, p, net, &info, &s);
            if (st == RS_OK) {
                d->destroy(s, ctx);
                ck_assert_msg(ctx->n_alloc == 0, "%s on %s: %ld leaked by destroy",
                              r->head->name, what, ctx->n_alloc);
                rs_ctx_destroy(ctx);
                break;
            }
            /* a failure must be the injected one: allocation k was reached */
            ck_assert_msg(st == RS_ERR_NOMEM && ctx->alloc_count > k, "%s on %s: create "
                          "failed: %s", r->head->name, what, rs_ctx_error(ctx));
            ck_assert_ptr_null(s);
            ck_assert_msg(ctx->n_alloc == 0, "%s on %s: %ld leaked when allocation %ld failed",
                          r->head->name, what, ctx->n_alloc, k);
            rs_ctx_destroy(ctx);
        }
        rs_params_destroy(p);
    }
    ck_assert_uint_ge(n_rules, 15); /* the built-in rules */
}

START_TEST(test_every_rule_on_deepest_and_small_nets)
{
    char err[256];
    rs_act *tanh_act = rs_act_create(reg, "tanh", err, sizeof err);
    ck_assert_msg(tanh_act != NULL, "%s", err);
    const rs_act *acts[DEEP];
    uint32_t sizes[DEEP + 1];
    for (int l = 0; l < DEEP; l++)
        acts[l] = tanh_act;
    sizes[0] = 2;
    for (int l = 1; l < DEEP; l++)
        sizes[l] = 2;
    sizes[DEEP] = 1;
    rs_net *deep = rs_net_create(sizes, DEEP, acts, 1, 4);
    ck_assert_ptr_nonnull(deep);
    create_all(deep, "2-(2 x 16)-1");
    rs_net_destroy(deep);
    const uint32_t small[] = { 2, 3, 1 };
    rs_net *net = rs_net_create(small, 2, acts, 1, 4);
    create_all(net, "2-3-1");
    rs_net_destroy(net);
    rs_act_destroy(tanh_act);
}
END_TEST

static Suite *rule_util_suite(void)
{
    Suite *s = suite_create("rule_util");
    TCase *tc = tcase_create("lifecycle");
    tcase_add_unchecked_fixture(tc, setup, teardown);
    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, test_block_layout);
    tcase_add_test(tc, test_block_failures);
    tcase_add_test(tc, test_layered_only);
    tcase_add_test(tc, test_every_rule_on_deepest_and_small_nets);
    suite_add_tcase(s, tc);
    return s;
}

int main(void) { return rs_test_run(rule_util_suite()); }

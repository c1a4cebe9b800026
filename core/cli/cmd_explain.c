/* cmd_explain.c: `ruleset explain WEIGHTS.json`: read a meta-trained rule as a formula.
 *
 * The rule named in the weights file is created on the network it was meta-trained on (the
 * file's meta_training.spec: first task, first network) with the file's parameters and values.
 * Its local_update callback gives Δw for synapses with given local signals (pre, post, w, m)
 * held for K steps from a fresh state; over a grid of those signals (pre, post, m in [-1, 1],
 * w in [-2, 2]) Δw is fitted by least squares with every monomial of degree <= 3 in the four
 * signals (35 terms, the Volterra/Taylor expansion a polynomial rule like Confavreux et al.
 * 2020's is written in). Printed: the fit's R², the terms ordered by their contribution
 * (|coefficient| x rms of the term over the grid), and the R² of refits on the first k of them
 * - so "pre·m alone explains 90%" reads off directly, beside the delta rule (-η pre·m),
 * Hebb (η pre·post) and Oja (η post (pre - post·w)). */
#include <cjson/cJSON.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "act.h"
#include "cmds.h"
#include "ctx.h"
#include "network.h"
#include "polyfit.h"
#include "spec.h"
#include "weights.h"

#define N_SIG 4
#define MAX_TERMS 35 /* monomials of degree <= 3 in four signals */

static const char *const sig_names[N_SIG] = { "pre", "post", "w", "m" };

typedef struct ranked { int term; double weight, coef; } ranked;

static int by_weight(const void *x, const void *y)
{
    double a = ((const ranked *)x)->weight, b = ((const ranked *)y)->weight;
    return a < b ? 1 : a > b ? -1 : 0;
}

/* The grid of signals (n, 4): pre, post, m over [-1, 1], w over [-2, 2]. */
static double *make_grid(int grid, size_t *n_out)
{
    size_t n = 1;
    for (int s = 0; s < N_SIG; s++)
        n *= (size_t)grid;
    double *sig = malloc(n * N_SIG * sizeof *sig);
    for (size_t i = 0; sig && i < n; i++) {
        size_t r = i;
        for (int s = N_SIG - 1; s >= 0; s--) {
            double u = -1 + 2.0 * (double)(r % (size_t)grid) / (grid - 1);
            sig[i * N_SIG + s] = s == 2 ? 2 * u : u;
            r /= (size_t)grid;
        }
    }
    *n_out = n;
    return sig;
}

/* The terms of the full fit ranked by contribution: |coefficient| x rms of the term. */
static void rank_terms(const double *sig, size_t n, const rs_monomial *terms, int n_terms,
                       const double *c, ranked *rk)
{
    for (int j = 0; j < n_terms; j++) {
        double t2 = 0;
        for (size_t i = 0; i < n; i++) {
            double v = rs_poly_value(&terms[j], N_SIG, sig + i * N_SIG);
            t2 += v * v / n;
        }
        rk[j] = (ranked){ j, fabs(c[j]) * sqrt(t2), c[j] };
    }
    qsort(rk, (size_t)n_terms, sizeof *rk, by_weight);
}

/* The fit of dw (n) over the grid, printed. */
static void explain_block(const double *sig, size_t n, const double *dw, uint32_t steps, int show)
{
    rs_monomial terms[MAX_TERMS];
    const int n_terms = rs_poly_terms(N_SIG, 3, sig_names, terms, MAX_TERMS);
    double rms = 0;
    for (size_t i = 0; i < n; i++)
        rms += dw[i] * dw[i] / n;
    rms = sqrt(rms);
    int all[MAX_TERMS];
    double c[MAX_TERMS];
    for (int j = 0; j < n_terms; j++)
        all[j] = j;
    double r2 = rs_poly_fit(sig, n, N_SIG, terms, all, n_terms, dw, c);
    ranked rk[MAX_TERMS];
    rank_terms(sig, n, terms, n_terms, c, rk);
    printf("  Δw after %u step%s with the signals held, from rest: rms %.4g; cubic fit (%d "
           "terms) R² = %.4f\n", steps, steps == 1 ? "" : "s", rms, n_terms, r2);
    printf("    %-18s %12s %12s %14s\n", "term", "coefficient", "contribution", "R² of top k");
    for (int k = 0; k < show && k < n_terms; k++) {
        if (rk[k].weight <= 1e-9 * rms) /* the rest is rounding noise */
            break;
        int idx[MAX_TERMS];
        double ck[MAX_TERMS];
        for (int j = 0; j <= k; j++)
            idx[j] = rk[j].term;
        double r2k = rs_poly_fit(sig, n, N_SIG, terms, idx, k + 1, dw, ck);
        const char *name = terms[rk[k].term].name;
        int width = 0; /* display columns: "·" is two bytes, one column */
        for (const char *q = name; *q; q++)
            width += (*q & 0xC0) != 0x80;
        printf("    %s%*s %12.4g %12.4g %14.4f\n", name, 18 - width, "", rk[k].coef,
               rk[k].weight, r2k);
    }
}

static const char usage[] =
    "usage: ruleset explain WEIGHTS.json [flags]\n"
    "  a meta-trained rule's weight change over a grid of local signals (pre, post, w, m),\n"
    "  fitted with a cubic polynomial: the fit's R^2 and its largest terms\n"
    "      --steps K[,K...]     signals held K steps from rest (default 1,20)\n"
    "      --grid N             points per signal (default 7)\n"
    "      --terms N            terms shown (default 8)\n"
    "      --plugin FILE.so, --plugin-dir DIR   more plugins\n";

typedef struct explain {
    const char *file, *steps_text;
    long grid, show;
    rs_registry *reg;
    cJSON *root;
    char where[4200];
    const char *rule;
    rs_spec *spec;
    rs_params *params;
    rs_ctx *ctx;
    void *tstate, *rstate;
    const rs_task_desc *td;
    const rs_rule_desc *rd;
    const rs_act *acts[RS_MAX_LAYERS + 1];
    uint32_t L, sizes[RS_MAX_LAYERS + 2];
    rs_net *net;
    uint32_t steps[16];
    int n_steps;
    char err[8192];
} explain;

/* 0 ok, -1 after --help, else the exit code. */
static int parse_flags(int argc, char **argv, explain *x)
{
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
        if (!strcmp(a, "-h") || !strcmp(a, "--help")) {
            fputs(usage, stdout);
            return -1;
        } else if (a[0] != '-' && !x->file) {
            x->file = a;
        } else if (v && !strcmp(a, "--steps")) {
            x->steps_text = argv[++i];
        } else if (v && (!strcmp(a, "--grid") || !strcmp(a, "--terms"))) {
            char *end;
            long n = strtol(v, &end, 10);
            if (*end || n < 2 || n > (a[2] == 'g' ? 15 : MAX_TERMS)) {
                fprintf(stderr, "ruleset: explain: %s takes a whole number in [2, %d], got '%s'\n",
                        a, a[2] == 'g' ? 15 : MAX_TERMS, v);
                return RS_EXIT_INPUT;
            }
            *(a[2] == 'g' ? &x->grid : &x->show) = n;
            i++;
        } else {
            fprintf(stderr, "ruleset: explain: unexpected '%s'\n%s", a, usage);
            return RS_EXIT_INPUT;
        }
    }
    if (!x->file) {
        fprintf(stderr, "ruleset: explain: give a weights file (ruleset meta-train -o)\n%s", usage);
        return RS_EXIT_INPUT;
    }
    return 0;
}

/* The rule's parameters: the file's, and the file itself as the weights. */
static int rule_params(explain *x, const rs_plugin_head *head)
{
    /* one reader of a weights file's "params", with one verdict, for explain and compare */
    if (!(x->params = rs_weights_file_params(x->root, x->where, head->params, head->name,
                                             x->err, sizeof x->err))) {
        fprintf(stderr, "ruleset: %s\n", x->err);
        return RS_EXIT_INPUT;
    }
    cJSON *wv = cJSON_CreateString(x->where);
    int bad = !x->params || rs_params_set_json(x->params, "weights", wv, x->err,
                                               sizeof x->err) != RS_OK;
    cJSON_Delete(wv);
    if (bad) {
        fprintf(stderr, "ruleset: %s: %s\n", x->where, x->params ? x->err : "out of memory");
        return RS_EXIT_INPUT;
    }
    return 0;
}

/* The weights file, its rule (with local_update) and its meta-training spec. */
static int load_rule(explain *x)
{
    if (!(x->root = rs_weights_read(x->file, x->where, sizeof x->where, x->err, sizeof x->err))) {
        fprintf(stderr, "ruleset: %s\n", x->err);
        return RS_EXIT_INPUT;
    }
    x->rule = cJSON_GetObjectItemCaseSensitive(x->root, "rule")->valuestring;
    const rs_plugin_head *head = rs_registry_find(x->reg, RS_KIND_RULE, x->rule);
    if (!head) {
        fprintf(stderr, "ruleset: %s: rule '%s' is not loaded (ruleset list shows the plugins)\n",
                x->where, x->rule);
        return RS_EXIT_INPUT;
    }
    x->rd = (const rs_rule_desc *)head;
    if (!RS_RULE_FN(x->rd, local_update)) {
        fprintf(stderr, "ruleset: rule '%s' has no local_update callback, so it cannot be read "
                "as a function of local signals\n", x->rule);
        return RS_EXIT_INPUT;
    }
    int rc = rule_params(x, head);
    if (rc)
        return rc;
    const cJSON *mt = cJSON_GetObjectItemCaseSensitive(x->root, "meta_training");
    const cJSON *sj = mt ? cJSON_GetObjectItemCaseSensitive(mt, "spec") : NULL;
    char *stext = cJSON_IsObject(sj) ? cJSON_Print(sj) : NULL;
    if (!stext) {
        fprintf(stderr, "ruleset: %s: no meta_training.spec, so the network it was trained on is "
                "unknown\n", x->where);
        return RS_EXIT_INPUT;
    }
    x->spec = rs_spec_parse(stext, x->where, x->reg, x->err, sizeof x->err);
    free(stext);
    if (!x->spec) {
        fprintf(stderr, "ruleset: %s: its meta-training spec: %s\n", x->where, x->err);
        return RS_EXIT_INPUT;
    }
    return 0;
}

/* The network it was trained on (the spec's first task and network) and the rule on it. */
static int build_rule(explain *x)
{
    const rs_item *task = &x->spec->tasks[0];
    const rs_netspec *ns = &x->spec->nets[task->net_count ? task->net_first : 0];
    x->td = (const rs_task_desc *)task->head;
    x->ctx = rs_ctx_create(x->spec->seed, 0);
    rs_task_info info = { .struct_size = sizeof info };
    if (!x->ctx || x->td->create(rs_host_get(), x->ctx, task->params, &info, &x->tstate) != RS_OK) {
        fprintf(stderr, "ruleset: task '%s': %s\n", task->label, x->ctx ? x->ctx->err : "no memory");
        return RS_EXIT_INTERNAL;
    }
    uint32_t L = x->L = ns->n_hidden + 1;
    x->sizes[0] = info.n_in;
    for (uint32_t h = 0; h < ns->n_hidden; h++)
        x->sizes[h + 1] = ns->hidden[h];
    x->sizes[L] = info.n_out;
    for (uint32_t l = 1; l <= L; l++)
        if (!(x->acts[l - 1] = rs_act_create(x->reg, rs_netspec_act(ns, l, L), x->err,
                                             sizeof x->err))) {
            fprintf(stderr, "ruleset: network: %s\n", x->err);
            return RS_EXIT_INTERNAL;
        }
    if (!(x->net = rs_net_create(x->sizes, L, x->acts, ns->bias, 1))) {
        fprintf(stderr, "ruleset: out of memory\n");
        return RS_EXIT_INTERNAL;
    }
    if (x->rd->create(rs_host_get(), x->ctx, x->params, x->net, &info, &x->rstate) != RS_OK) {
        fprintf(stderr, "ruleset: rule '%s': %s\n", x->rule, x->ctx->err);
        return RS_EXIT_INPUT;
    }
    return 0;
}

static void print_header(const explain *x)
{
    const cJSON *mt = cJSON_GetObjectItemCaseSensitive(x->root, "meta_training");
    const cJSON *it = mt ? cJSON_GetObjectItemCaseSensitive(mt, "iterations") : NULL;
    const cJSON *l0 = mt ? cJSON_GetObjectItemCaseSensitive(mt, "initial_meta_loss") : NULL;
    const cJSON *l1 = mt ? cJSON_GetObjectItemCaseSensitive(mt, "final_meta_loss") : NULL;
    const cJSON *win = mt ? cJSON_GetObjectItemCaseSensitive(mt, "final_meta_loss_window") : NULL;
    /* the first value is one meta-step's draw of episodes, the last a mean over a window:
     * said so, since the two are not the same kind of number */
    printf("%s: rule %s, meta-trained %g meta-steps on %s (meta-loss %.4g at the first meta-step, "
           "%.4g the mean of the last %g)\n", x->where, x->rule,
           cJSON_IsNumber(it) ? it->valuedouble : NAN, x->spec->name,
           cJSON_IsNumber(l0) ? l0->valuedouble : NAN, cJSON_IsNumber(l1) ? l1->valuedouble : NAN,
           cJSON_IsNumber(win) ? win->valuedouble : NAN);
    printf("signals: pre, post, m in [-1, 1], w in [-2, 2] (m: the rule's modulatory signal at "
           "the post unit); %ld^4 = %ld grid points\n", x->grid,
           x->grid * x->grid * x->grid * x->grid);
    printf("for reference: delta rule Δw = -η pre·m; Hebb Δw = η pre·post; Oja Δw = η (pre·post "
           "- post·post·w)\n");
}

/* --steps K[,K...] */
static int parse_steps(explain *x)
{
    char copy[128];
    snprintf(copy, sizeof copy, "%s", x->steps_text);
    char *save = NULL;
    for (char *tok = strtok_r(copy, ",", &save); tok && x->n_steps < 16;
         tok = strtok_r(NULL, ",", &save)) {
        long k = strtol(tok, NULL, 10);
        if (k < 1 || k > 10000) {
            fprintf(stderr, "ruleset: explain: --steps takes counts in [1, 10000], got '%s'\n",
                    tok);
            return RS_EXIT_INPUT;
        }
        x->steps[x->n_steps++] = (uint32_t)k;
    }
    return 0;
}

/* Every layer's Δw over the grid, fitted; a layer whose rule equals an earlier one's (a shared
 * LSTM) says so. */
static int explain_layers(explain *x, const double *sig, size_t n, double *dw)
{
    size_t per_layer = (size_t)x->n_steps * n;
    for (uint32_t layer = 1; layer <= x->L; layer++) {
        double *mine = dw + (size_t)(layer - 1) * per_layer;
        for (int k = 0; k < x->n_steps; k++)
            if (x->rd->local_update(x->rstate, x->ctx, layer, sig, (uint32_t)n, x->steps[k],
                                    mine + k * n) != RS_OK) {
                fprintf(stderr, "ruleset: rule '%s' could not evaluate: %s\n", x->rule,
                        x->ctx->err);
                return RS_EXIT_INTERNAL;
            }
        uint32_t same = 0;
        for (uint32_t prev = 1; prev < layer && !same; prev++)
            if (!memcmp(mine, dw + (size_t)(prev - 1) * per_layer, per_layer * sizeof *dw))
                same = prev;
        printf("\nlayer %u (%u -> %u units)", layer, x->sizes[layer - 1], x->sizes[layer]);
        if (same) {
            printf(": the same rule as layer %u\n", same);
            continue;
        }
        printf(":\n");
        for (int k = 0; k < x->n_steps; k++)
            explain_block(sig, n, mine + k * n, x->steps[k], (int)x->show);
    }
    return 0;
}

static int run(explain *x)
{
    int rc;
    if ((rc = load_rule(x)) || (rc = build_rule(x)))
        return rc;
    print_header(x);
    if ((rc = parse_steps(x)))
        return rc;
    size_t n;
    double *sig = make_grid((int)x->grid, &n);
    double *dw = sig ? malloc(x->L * (size_t)x->n_steps * n * sizeof *dw) : NULL;
    if (!dw) {
        fprintf(stderr, "ruleset: out of memory\n");
        rc = RS_EXIT_INTERNAL;
    } else
        rc = explain_layers(x, sig, n, dw);
    free(sig);
    free(dw);
    return rc;
}

int rs_cmd_explain(int argc, char **argv)
{
    explain x = { .steps_text = "1,20", .grid = 7, .show = 8 };
    if (!(x.reg = rs_cli_registry(&argc, argv)))
        return RS_EXIT_INTERNAL;
    int rc = parse_flags(argc, argv, &x);
    if (rc == 0)
        rc = run(&x);
    if (x.rstate)
        x.rd->destroy(x.rstate, x.ctx);
    if (x.tstate)
        x.td->destroy(x.tstate, x.ctx);
    rs_net_destroy(x.net);
    for (uint32_t l = 0; l < x.L; l++)
        rs_act_destroy((rs_act *)x.acts[l]);
    rs_ctx_destroy(x.ctx);
    rs_params_destroy(x.params);
    rs_spec_destroy(x.spec);
    cJSON_Delete(x.root);
    rs_registry_destroy(x.reg);
    return rc < 0 ? RS_EXIT_OK : rc;
}

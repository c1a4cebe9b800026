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
#include "spec.h"
#include "weights.h"

#define N_SIG 4
#define MAX_TERMS 35

static const char *const sig_names[N_SIG] = { "pre", "post", "w", "m" };

typedef struct term { int pow[N_SIG]; char name[48]; } term;

/* Every monomial of degree <= 3 in the four signals, constant first, by degree. */
static int make_terms(term *t)
{
    int n = 0;
    for (int deg = 0; deg <= 3; deg++)
        for (int a = deg; a >= 0; a--)
            for (int b = deg - a; b >= 0; b--)
                for (int c = deg - a - b; c >= 0; c--) {
                    int d = deg - a - b - c;
                    term *x = &t[n++];
                    int p[N_SIG] = { a, b, c, d };
                    memcpy(x->pow, p, sizeof p);
                    x->name[0] = '\0';
                    size_t used = 0;
                    for (int s = 0; s < N_SIG; s++)
                        for (int k = 0; k < p[s]; k++)
                            used += (size_t)snprintf(x->name + used, sizeof x->name - used, "%s%s",
                                                     used ? "·" : "", sig_names[s]);
                    if (!used)
                        snprintf(x->name, sizeof x->name, "1");
                }
    return n;
}

static double term_value(const term *t, const double *sig)
{
    double v = 1;
    for (int s = 0; s < N_SIG; s++)
        for (int k = 0; k < t->pow[s]; k++)
            v *= sig[s];
    return v;
}

/* Least squares min |A c - y| for A (n, p) column-major in a (overwritten), by Householder QR;
 * c (p). Columns that are (numerically) dependent get c = 0. Returns the residual sum of
 * squares. */
static double lsq(double *a, size_t n, int p, const double *y_in, double *c)
{
    double *y = malloc(n * sizeof *y), *diag = calloc((size_t)p, sizeof *diag);
    memcpy(y, y_in, n * sizeof *y);
    for (int j = 0; j < p; j++) {
        double *col = a + (size_t)j * n, norm = 0;
        for (size_t i = (size_t)j; i < n; i++)
            norm += col[i] * col[i];
        norm = sqrt(norm);
        if (norm < 1e-12) {
            diag[j] = 0;
            continue;
        }
        double alpha = col[j] > 0 ? -norm : norm;
        col[j] -= alpha; /* v = x - alpha e1, kept in place */
        double vv = 0;
        for (size_t i = (size_t)j; i < n; i++)
            vv += col[i] * col[i];
        for (int k = j + 1; k < p; k++) { /* apply H = I - 2 v v^T / v^T v */
            double *ck = a + (size_t)k * n, s = 0;
            for (size_t i = (size_t)j; i < n; i++)
                s += col[i] * ck[i];
            s = 2 * s / vv;
            for (size_t i = (size_t)j; i < n; i++)
                ck[i] -= s * col[i];
        }
        double s = 0;
        for (size_t i = (size_t)j; i < n; i++)
            s += col[i] * y[i];
        s = 2 * s / vv;
        for (size_t i = (size_t)j; i < n; i++)
            y[i] -= s * col[i];
        diag[j] = alpha;
    }
    for (int j = p - 1; j >= 0; j--) { /* back substitution on R */
        if (fabs(diag[j]) < 1e-12) {
            c[j] = 0;
            continue;
        }
        double s = y[j];
        for (int k = j + 1; k < p; k++)
            s -= a[(size_t)k * n + (size_t)j] * c[k];
        c[j] = s / diag[j];
    }
    double rss = 0;
    for (size_t i = (size_t)p; i < n; i++)
        rss += y[i] * y[i];
    free(y);
    free(diag);
    return rss;
}

/* R² of the fit of y on the terms listed in idx (k of them); coefficients into c. */
static double fit(const double *sig, size_t n, const term *terms, const int *idx, int k,
                  const double *y, double *c)
{
    double *a = malloc(n * (size_t)k * sizeof *a);
    for (int j = 0; j < k; j++)
        for (size_t i = 0; i < n; i++)
            a[(size_t)j * n + i] = term_value(&terms[idx[j]], sig + i * N_SIG);
    double rss = lsq(a, n, k, y, c);
    free(a);
    double mean = 0, tss = 0;
    for (size_t i = 0; i < n; i++)
        mean += y[i] / n;
    for (size_t i = 0; i < n; i++)
        tss += (y[i] - mean) * (y[i] - mean);
    return tss > 0 ? 1 - rss / tss : 1;
}

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

/* The fit of dw (n) over the grid, printed. */
static void explain_block(const double *sig, size_t n, const double *dw, uint32_t steps, int show)
{
    term terms[MAX_TERMS];
    const int n_terms = make_terms(terms);
    double rms = 0;
    for (size_t i = 0; i < n; i++)
        rms += dw[i] * dw[i] / n;
    rms = sqrt(rms);
    int all[MAX_TERMS];
    double c[MAX_TERMS];
    for (int j = 0; j < n_terms; j++)
        all[j] = j;
    double r2 = fit(sig, n, terms, all, n_terms, dw, c);
    ranked rk[MAX_TERMS];
    for (int j = 0; j < n_terms; j++) {
        double t2 = 0;
        for (size_t i = 0; i < n; i++) {
            double v = term_value(&terms[j], sig + i * N_SIG);
            t2 += v * v / n;
        }
        rk[j] = (ranked){ j, fabs(c[j]) * sqrt(t2), c[j] };
    }
    qsort(rk, (size_t)n_terms, sizeof *rk, by_weight);
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
        double r2k = fit(sig, n, terms, idx, k + 1, dw, ck);
        const char *name = terms[rk[k].term].name;
        int width = 0; /* display columns: "·" is two bytes, one column */
        for (const char *q = name; *q; q++)
            width += (*q & 0xC0) != 0x80;
        printf("    %s%*s %12.4g %12.4g %14.4f\n", name, 18 - width, "", rk[k].coef,
               rk[k].weight, r2k);
    }
}

static const char usage[] =
    "usage: ruleset explain WEIGHTS.json [--steps K[,K...]] [--grid N] [--terms N] "
    "[--plugin FILE] [--plugin-dir DIR]\n";

int rs_cmd_explain(int argc, char **argv)
{
    rs_registry *reg = rs_cli_registry(&argc, argv);
    if (!reg)
        return RS_EXIT_INTERNAL;
    const char *file = NULL, *steps_text = "1,20";
    long grid = 7, show = 8;
    int rc = RS_EXIT_INPUT;
    cJSON *root = NULL;
    rs_spec *spec = NULL;
    rs_params *params = NULL;
    rs_ctx *ctx = NULL;
    void *tstate = NULL, *rstate = NULL;
    const rs_task_desc *td = NULL;
    const rs_rule_desc *rd = NULL;
    const rs_act *acts[RS_MAX_LAYERS + 1] = { 0 };
    uint32_t L = 0;
    rs_net *net = NULL;
    char err[8192], where[4200];
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
        if (!strcmp(a, "-h") || !strcmp(a, "--help")) {
            fputs(usage, stdout);
            rc = RS_EXIT_OK;
            goto out;
        } else if (a[0] != '-' && !file) {
            file = a;
        } else if (v && !strcmp(a, "--steps")) {
            steps_text = argv[++i];
        } else if (v && (!strcmp(a, "--grid") || !strcmp(a, "--terms"))) {
            char *end;
            long n = strtol(v, &end, 10);
            if (*end || n < 2 || n > (a[2] == 'g' ? 15 : MAX_TERMS)) {
                fprintf(stderr, "ruleset: explain: %s takes a whole number in [2, %d], got '%s'\n",
                        a, a[2] == 'g' ? 15 : MAX_TERMS, v);
                goto out;
            }
            *(a[2] == 'g' ? &grid : &show) = n;
            i++;
        } else {
            fprintf(stderr, "ruleset: explain: unexpected '%s'\n%s", a, usage);
            goto out;
        }
    }
    if (!file) {
        fprintf(stderr, "ruleset: explain: give a weights file (ruleset meta-train -o)\n%s", usage);
        goto out;
    }
    if (!(root = rs_weights_read(file, where, sizeof where, err, sizeof err))) {
        fprintf(stderr, "ruleset: %s\n", err);
        goto out;
    }
    const char *rule = cJSON_GetObjectItemCaseSensitive(root, "rule")->valuestring;
    const rs_plugin_head *head = rs_registry_find(reg, RS_KIND_RULE, rule);
    if (!head) {
        fprintf(stderr, "ruleset: %s: rule '%s' is not loaded (ruleset list shows the plugins)\n",
                where, rule);
        goto out;
    }
    rd = (const rs_rule_desc *)head;
    if (!RS_RULE_FN(rd, local_update)) {
        fprintf(stderr, "ruleset: rule '%s' has no local_update callback, so it cannot be read "
                "as a function of local signals\n", rule);
        goto out;
    }
    /* the rule's parameters: the file's, and the file itself as the weights */
    if (!(params = rs_weights_file_params(root, where, head->params, head->name, err,
                                          sizeof err))) {
        fprintf(stderr, "ruleset: %s\n", err);
        goto out;
    }
    cJSON *wv = cJSON_CreateString(where);
    if (!params || rs_params_set_json(params, "weights", wv, err, sizeof err) != RS_OK) {
        cJSON_Delete(wv);
        fprintf(stderr, "ruleset: %s: %s\n", where, params ? err : "out of memory");
        goto out;
    }
    cJSON_Delete(wv);
    /* the network it was trained on: the spec's first task and network */
    const cJSON *mt = cJSON_GetObjectItemCaseSensitive(root, "meta_training");
    const cJSON *sj = mt ? cJSON_GetObjectItemCaseSensitive(mt, "spec") : NULL;
    char *stext = cJSON_IsObject(sj) ? cJSON_Print(sj) : NULL;
    if (!stext) {
        fprintf(stderr, "ruleset: %s: no meta_training.spec, so the network it was trained on is "
                "unknown\n", where);
        goto out;
    }
    spec = rs_spec_parse(stext, where, reg, err, sizeof err);
    free(stext);
    if (!spec) {
        fprintf(stderr, "ruleset: %s: its meta-training spec: %s\n", where, err);
        goto out;
    }
    rc = RS_EXIT_INTERNAL;
    const rs_item *task = &spec->tasks[0];
    const rs_netspec *ns = &spec->nets[task->net_count ? task->net_first : 0];
    td = (const rs_task_desc *)task->head;
    ctx = rs_ctx_create(spec->seed, 0);
    rs_task_info info = { .struct_size = sizeof info };
    if (!ctx || td->create(rs_host_get(), ctx, task->params, &info, &tstate) != RS_OK) {
        fprintf(stderr, "ruleset: task '%s': %s\n", task->label, ctx ? ctx->err : "no memory");
        goto out;
    }
    uint32_t sizes[RS_MAX_LAYERS + 2];
    L = ns->n_hidden + 1;
    sizes[0] = info.n_in;
    for (uint32_t h = 0; h < ns->n_hidden; h++)
        sizes[h + 1] = ns->hidden[h];
    sizes[L] = info.n_out;
    for (uint32_t l = 1; l <= L; l++)
        if (!(acts[l - 1] = rs_act_create(reg, rs_netspec_act(ns, l, L), err, sizeof err))) {
            fprintf(stderr, "ruleset: network: %s\n", err);
            goto out;
        }
    if (!(net = rs_net_create(sizes, L, acts, ns->bias, 1))) {
        fprintf(stderr, "ruleset: out of memory\n");
        goto out;
    }
    if (rd->create(rs_host_get(), ctx, params, net, &info, &rstate) != RS_OK) {
        fprintf(stderr, "ruleset: rule '%s': %s\n", rule, ctx->err);
        rc = RS_EXIT_INPUT;
        goto out;
    }
    char lab[256];
    rs_params_label(params, lab, sizeof lab);
    const cJSON *it = mt ? cJSON_GetObjectItemCaseSensitive(mt, "iterations") : NULL;
    const cJSON *l0 = mt ? cJSON_GetObjectItemCaseSensitive(mt, "initial_meta_loss") : NULL;
    const cJSON *l1 = mt ? cJSON_GetObjectItemCaseSensitive(mt, "final_meta_loss") : NULL;
    printf("%s: rule %s, meta-trained %g meta-steps on %s (meta-loss %.4g -> %.4g)\n", where,
           rule, cJSON_IsNumber(it) ? it->valuedouble : NAN, spec->name,
           cJSON_IsNumber(l0) ? l0->valuedouble : NAN, cJSON_IsNumber(l1) ? l1->valuedouble : NAN);
    printf("signals: pre, post, m in [-1, 1], w in [-2, 2] (m: the rule's modulatory signal at "
           "the post unit); %ld^4 = %ld grid points\n", grid, grid * grid * grid * grid);
    printf("for reference: delta rule Δw = -η pre·m; Hebb Δw = η pre·post; Oja Δw = η (pre·post "
           "- post·post·w)\n");
    uint32_t steps[16];
    int n_steps = 0;
    char copy[128];
    snprintf(copy, sizeof copy, "%s", steps_text);
    char *save = NULL;
    for (char *tok = strtok_r(copy, ",", &save); tok && n_steps < 16;
         tok = strtok_r(NULL, ",", &save)) {
        long k = strtol(tok, NULL, 10);
        if (k < 1 || k > 10000) {
            fprintf(stderr, "ruleset: explain: --steps takes counts in [1, 10000], got '%s'\n",
                    tok);
            rc = RS_EXIT_INPUT;
            goto out;
        }
        steps[n_steps++] = (uint32_t)k;
    }
    size_t n;
    double *sig = make_grid((int)grid, &n);
    double *dw = sig ? malloc(L * (size_t)n_steps * n * sizeof *dw) : NULL;
    if (!dw) {
        free(sig);
        fprintf(stderr, "ruleset: out of memory\n");
        goto out;
    }
    /* every layer; a layer whose rule equals an earlier one's (a shared LSTM) says so */
    for (uint32_t layer = 1; layer <= L; layer++) {
        double *mine = dw + (size_t)(layer - 1) * n_steps * n;
        for (int k = 0; k < n_steps; k++)
            if (rd->local_update(rstate, ctx, layer, sig, (uint32_t)n, steps[k], mine + k * n)
                != RS_OK) {
                fprintf(stderr, "ruleset: rule '%s' could not evaluate: %s\n", rule, ctx->err);
                free(sig);
                free(dw);
                goto out;
            }
        uint32_t same = 0;
        for (uint32_t prev = 1; prev < layer && !same; prev++)
            if (!memcmp(mine, dw + (size_t)(prev - 1) * n_steps * n, n_steps * n * sizeof *dw))
                same = prev;
        printf("\nlayer %u (%u -> %u units)", layer, sizes[layer - 1], sizes[layer]);
        if (same) {
            printf(": the same rule as layer %u\n", same);
            continue;
        }
        printf(":\n");
        for (int k = 0; k < n_steps; k++)
            explain_block(sig, n, mine + k * n, steps[k], (int)show);
    }
    free(sig);
    free(dw);
    rc = RS_EXIT_OK;
out:
    if (rstate)
        rd->destroy(rstate, ctx);
    if (tstate)
        td->destroy(tstate, ctx);
    rs_net_destroy(net);
    for (uint32_t l = 0; l < L; l++)
        rs_act_destroy((rs_act *)acts[l]);
    rs_ctx_destroy(ctx);
    rs_params_destroy(params);
    rs_spec_destroy(spec);
    cJSON_Delete(root);
    rs_registry_destroy(reg);
    return rc;
}

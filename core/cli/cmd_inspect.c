/* cmd_inspect.c: `ruleset inspect RUNDIR|SPEC.json|NET.json [--rule R] [--task T] [--net N]
 * [--replicate K] [--diff X:Y]... [--truth] [--tsv]`: look inside a trained network, as
 * notebook 003 does with forward hooks.
 *
 *   RUNDIR     a finished run: the network of one job is read from RUNDIR/nets.jsonl
 *   SPEC.json  a spec: the chosen job is trained first, exactly as compare would train it
 *   NET.json   one saved (or hand-written) network; its task from the file or --task
 *
 * For the chosen job it prints the truth table (prediction against target on the task's
 * evaluation set), then each layer's pre- and post-activation (z and a; for a recurrent net u
 * and s after every round) for every input of the evaluation set, the difference between two
 * inputs (--diff 0,0:1,0 is the activations at 1,0 minus those at 0,0; any input values, in or
 * out of the set), and the weights. --truth prints, for every chosen rule x task x net, the
 * truth table over all replicates instead. --tsv writes the same numbers as one tidy table
 * (docs/RULES.md, "ruleset inspect"). */
#include <cjson/cJSON.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "cmds.h"
#include "ctx.h"
#include "netio.h"
#include "recurrent.h"
#include "report.h"
#include "runview.h"
#include "truth.h"

#define MAX_DIFFS 16

#define DEFAULT_ROWS 8       /* evaluation inputs shown when the set is larger than ... */
#define ALL_ROWS_UP_TO 32    /* ... this many (a truth table of 5 bits is shown whole) */
#define MAX_UNIT_COLUMNS 16  /* units per line of the activation tables (784 inputs: 16) */
#define MAX_INPUT_VALUES 8   /* inputs written out in a label; wider: "row 17" */

static const char usage[] =
    "usage: ruleset inspect RUNDIR|SPEC.json|NET.json [flags]\n"
    "  one trained network on its task's evaluation set: the truth table, every layer's\n"
    "  activations for each input, differences between inputs, the weights\n"
    "      --rule R, --task T, --net N   which rule x task x network of a run or spec (a\n"
    "                           label or a unique part of one; needed when several match)\n"
    "      --replicate K        which replicate (default 0)\n"
    "      --rows N, --head N   the first N evaluation inputs in the truth table and the\n"
    "                           activations (default: all up to 32 inputs, else the first 8;\n"
    "                           --tsv: all); 0 = all\n"
    "      --diff X:Y           also the activations at Y minus those at X, e.g. 0,0:1,0\n"
    "                           (repeatable)\n"
    "      --truth              (RUNDIR) the truth tables over all replicates instead\n"
    "      --tsv                tidy TSV: what, input, layer, unit, from, value\n"
    "      --plugin FILE.so, --plugin-dir DIR   more plugins\n"
    "  Inputs wider than 8 values (a data set's images) are named by their row, and\n"
    "  activation tables show the first 16 units of a layer.\n";

typedef struct iopts {
    const char *target, *rule, *task, *net;
    long replicate; /* -1: not given */
    long rows;      /* --rows: -1 not given, 0 all */
    const char *diff[MAX_DIFFS];
    int n_diff, truth, tsv;
} iopts;

/* ---- numbers and inputs ----------------------------------------------------------------- */

/* "0,0:1,0" into two inputs of n_in values. 0, or a message. */
static int parse_diff(const char *text, uint32_t n_in, rs_real *from, rs_real *to, char *err,
                      size_t err_size)
{
    const char *colon = strchr(text, ':');
    for (int side = 0; side < 2; side++) {
        const char *p = side ? (colon ? colon + 1 : "") : text;
        rs_real *dst = side ? to : from;
        for (uint32_t i = 0; i < n_in; i++) {
            char *end;
            double v = strtod(p, &end);
            if (end == p || !isfinite(v)) {
                snprintf(err, err_size, "--diff '%s': expected two inputs of %u numbers, e.g. "
                         "--diff 0,0:1,0 (the activations at 1,0 minus those at 0,0)", text, n_in);
                return 1;
            }
            dst[i] = (rs_real)v;
            p = end;
            if (i + 1 < n_in && *p++ != ',')
                p = ""; /* too few numbers: the next strtod fails */
        }
        if (side == 0 ? *p != ':' : *p != '\0') {
            snprintf(err, err_size, "--diff '%s': expected two inputs of %u numbers, e.g. "
                     "--diff 0,0:1,0 (the activations at 1,0 minus those at 0,0)", text, n_in);
            return 1;
        }
    }
    return 0;
}

/* ---- the network's levels: layers 0..L, or rounds 0..R -------------------------------- */

static uint32_t n_levels(const rs_net *net)
{
    return net->kind == RS_NET_RECURRENT ? net->rounds + 1 : net->n_layers + 1;
}

static uint32_t level_units(const rs_net *net, uint32_t l)
{
    return net->kind == RS_NET_RECURRENT ? net->n_nodes : net->sizes[l];
}

/* pre (NULL at level 0) and post of a level, (units, net->n) */
static const rs_real *level_pre(const rs_net *net, uint32_t l)
{
    return net->kind == RS_NET_RECURRENT ? net->u[l] : net->z[l];
}

static const rs_real *level_post(const rs_net *net, uint32_t l)
{
    return net->kind == RS_NET_RECURRENT ? net->s[l] : net->a[l];
}

static void level_name(const rs_net *net, uint32_t l, char *buf, size_t size)
{
    if (net->kind == RS_NET_RECURRENT)
        snprintf(buf, size, "round %u", l);
    else if (l == 0)
        snprintf(buf, size, "0 input");
    else
        snprintf(buf, size, "%u %s", l, rs_act_name(net->layers[l - 1].act));
}

static void unit_name(const rs_net *net, uint32_t i, char *buf, size_t size)
{
    if (net->kind == RS_NET_RECURRENT)
        rs_rnet_label(net, i, buf, size);
    else
        snprintf(buf, size, "%u", i);
}

static void describe(const rs_net *net, char *buf, size_t size)
{
    if (net->kind == RS_NET_RECURRENT) {
        const rs_recspec *rs = rs_rnet_spec(net);
        size_t used = (size_t)snprintf(buf, size, "recurrent: %u nodes%s, %u rounds, %s, sign %s",
                                       rs->nodes, rs->bias_node ? " + bias node" : "",
                                       rs->rounds, rs_act_name(net->node_act),
                                       rs->sign == RS_SIGN_FREE ? "free"
                                       : rs->sign == RS_SIGN_NONNEG ? "nonnegative"
                                                                    : "nonpositive");
        if (rs->has_budget && used < size)
            snprintf(buf + used, size - used, ", budget %g (%s), ||A||_%g = %.6g", rs->budget,
                     rs->penalty > 0 ? "soft" : rs->strict ? "strict" : "scale down only",
                     rs->norm_p, rs_rnet_norm_a(net));
        return;
    }
    size_t used = (size_t)snprintf(buf, size, "layered %u", net->sizes[0]);
    for (uint32_t l = 1; l <= net->n_layers && used < size; l++)
        used += (size_t)snprintf(buf + used, size - used, "-%u", net->sizes[l]);
    for (uint32_t l = 0; l < net->n_layers && used < size; l++)
        used += (size_t)snprintf(buf + used, size - used, "%s%s", l ? ", " : ": ",
                                 rs_act_name(net->layers[l].act));
    if (used < size)
        snprintf(buf + used, size - used, "%s", net->layers[0].b ? ", biases" : ", no biases");
}

/* ---- printing one job ------------------------------------------------------------------- */

typedef struct view {
    rs_net *net;
    const rs_evalset *es;
    uint32_t m;       /* columns forwarded: the evaluation set, then the --diff pairs */
    rs_real *x;       /* (n_in, m) */
    FILE *out;
    int tsv;
    uint32_t rows;    /* evaluation inputs shown */
} view;

/* Target column b of y (n_out, stride): its values, or "class k" (the argmax) when wide. */
static void target_label(const rs_real *y, size_t stride, uint32_t n_out, uint32_t b,
                         char *buf, size_t size)
{
    if (n_out <= MAX_INPUT_VALUES) {
        rs_vec_text(y + b, stride, n_out, buf, size);
        return;
    }
    uint32_t k = 0;
    for (uint32_t i = 1; i < n_out; i++)
        if (y[i * stride + b] > y[k * stride + b])
            k = i;
    snprintf(buf, size, "class %u", k);
}

/* Input column b of x (n_in, stride) as text: its values, or "row b" when there are too many
 * to read (a data set's 784 pixels). */
static void input_label(const rs_real *x, size_t stride, uint32_t n_in, uint32_t b, char *buf,
                        size_t size)
{
    if (n_in > MAX_INPUT_VALUES)
        snprintf(buf, size, "row %u", b);
    else
        rs_vec_text(x + b, stride, n_in, buf, size);
}

static double post_at(const view *w, uint32_t l, uint32_t i, uint32_t b)
{
    return level_post(w->net, l)[(size_t)i * w->m + b];
}

static double pre_at(const view *w, uint32_t l, uint32_t i, uint32_t b)
{
    return l ? level_pre(w->net, l)[(size_t)i * w->m + b] : NAN;
}

static const char *right_text(const rs_task_info *ti, double pred, double y)
{
    double mid = ((double)ti->lo + ti->hi) / 2;
    return (pred > mid) == (y > mid) ? "yes" : "no";
}

static void print_truth_one(const view *w)
{
    const rs_evalset *es = w->es;
    const rs_task_info *ti = &es->info;
    const rs_real *pred = w->net->a[w->net->n_layers];
    double mid = ((double)ti->lo + ti->hi) / 2;
    if (w->tsv) {
        for (uint32_t b = 0; b < w->rows; b++)
            for (uint32_t k = 0; k < ti->n_out; k++) {
                char in[256];
                rs_vec_text(es->x + b, es->n, ti->n_in, in, sizeof in);
                fprintf(w->out, "target\t%s\t\t%u\t\t%.9g\n", in, k, (double)es->y[k * es->n + b]);
                fprintf(w->out, "pred\t%s\t\t%u\t\t%.9g\n", in, k, (double)pred[k * w->m + b]);
            }
        return;
    }
    int width = 5; /* the input column as wide as its widest entry: float inputs align */
    for (uint32_t b = 0; b < w->rows; b++) {
        char in[256];
        input_label(es->x, es->n, ti->n_in, b, in, sizeof in);
        width = (int)strlen(in) > width ? (int)strlen(in) : width;
    }
    fprintf(w->out, "\ntruth table (prediction against target; binary = prediction > %g)\n", mid);
    fprintf(w->out, "  %-*s %-6s %10s %6s %6s  %s\n", width, "input", "output", "pred", "binary",
            "target", "right");
    for (uint32_t b = 0; b < w->rows; b++)
        for (uint32_t k = 0; k < ti->n_out; k++) {
            char in[256];
            input_label(es->x, es->n, ti->n_in, b, in, sizeof in);
            double p = pred[k * w->m + b], y = es->y[k * es->n + b];
            fprintf(w->out, "  %-*s %-6u %10.4f %6d %6g  %s\n", width, in, k, p, p > mid, y,
                    right_text(ti, p, y));
        }
    if (es->n > w->rows)
        fprintf(w->out, "  ... the first %u of %u inputs (--rows N shows more, --tsv all)\n",
                w->rows, es->n);
}

/* The pre/post rows of one input column b (or of b2 minus b when b2 >= 0). */
static void print_column(const view *w, uint32_t b, long b2, const char *title)
{
    const rs_net *net = w->net;
    int rec = net->kind == RS_NET_RECURRENT;
    char in[256];
    snprintf(in, sizeof in, "%s", title);
    for (uint32_t l = 0; l < n_levels(net); l++) {
        uint32_t nu = level_units(net, l);
        char lname[128];
        level_name(net, l, lname, sizeof lname);
        if (w->tsv) {
            for (int which = l ? 0 : 1; which < 2; which++)
                for (uint32_t i = 0; i < nu; i++) {
                    double v = which ? post_at(w, l, i, b) : pre_at(w, l, i, b);
                    if (b2 >= 0)
                        v = (which ? post_at(w, l, i, (uint32_t)b2) : pre_at(w, l, i, (uint32_t)b2)) - v;
                    fprintf(w->out, "%s%s\t%s\t%u\t%u\t\t%.9g\n", b2 >= 0 ? "d" : "",
                            which ? "post" : "pre", in, l, i, v);
                }
            continue;
        }
        if (l == 0 || rec) { /* a header row of unit names: once (layered) or per round */
            if (l == 0) {
                fprintf(w->out, "  %-18s %-5s", rec ? "round" : "layer", rec ? "node:" : "unit:");
                uint32_t nh = level_units(net, rec ? 0 : n_levels(net) - 1);
                if (!rec) /* the widest layer decides how many unit columns there are */
                    for (uint32_t k = 0; k < n_levels(net); k++)
                        nh = level_units(net, k) > nh ? level_units(net, k) : nh;
                if (nh > MAX_UNIT_COLUMNS)
                    nh = MAX_UNIT_COLUMNS;
                for (uint32_t i = 0; i < nh; i++) {
                    char un[32];
                    unit_name(net, i, un, sizeof un);
                    fprintf(w->out, " %11s", un);
                }
                fputc('\n', w->out);
            }
        }
        for (int which = l ? 0 : 1; which < 2; which++) {
            fprintf(w->out, "  %-18s %-5s", which == 1 && l ? "" : lname,
                    b2 >= 0 ? (which ? "dpost" : "dpre") : which ? (rec ? "s" : "a")
                                                                 : (rec ? "u" : "z"));
            for (uint32_t i = 0; i < nu && i < MAX_UNIT_COLUMNS; i++) {
                double v = which ? post_at(w, l, i, b) : pre_at(w, l, i, b);
                if (b2 >= 0)
                    v = (which ? post_at(w, l, i, (uint32_t)b2) : pre_at(w, l, i, (uint32_t)b2)) - v;
                fprintf(w->out, " %11.5g", v);
            }
            if (nu > MAX_UNIT_COLUMNS)
                fprintf(w->out, "  ... %u units (--tsv has every one)", nu);
            fputc('\n', w->out);
        }
    }
}

static void print_weights(const view *w)
{
    const rs_net *net = w->net;
    FILE *o = w->out;
    if (net->kind == RS_NET_RECURRENT) {
        uint32_t N = net->n_nodes;
        if (w->tsv) {
            for (uint32_t i = 0; i < N; i++)
                for (uint32_t j = 0; j < N; j++)
                    fprintf(o, "weight\t\t1\t%u\t%u\t%.9g\n", i, j, (double)net->adj[i * N + j]);
            return;
        }
        fprintf(o, "\nadjacency A (row: the node an edge goes into; column: the node it comes "
                   "from)\n  %-8s", "");
        char lab[32];
        for (uint32_t j = 0; j < N; j++) {
            rs_rnet_label(net, j, lab, sizeof lab);
            fprintf(o, " %11s", lab);
        }
        fputc('\n', o);
        for (uint32_t i = 0; i < N; i++) {
            rs_rnet_label(net, i, lab, sizeof lab);
            fprintf(o, "  %-8s", lab);
            for (uint32_t j = 0; j < N; j++)
                fprintf(o, " %11.5g", (double)net->adj[i * N + j]);
            fputc('\n', o);
        }
        return;
    }
    if (!w->tsv)
        fprintf(o, "\nweights (W_l row i: unit i of layer l; column j: unit j of layer l-1)\n");
    for (uint32_t l = 1; l <= net->n_layers; l++) {
        const rs_layer *ly = &net->layers[l - 1];
        if (w->tsv) {
            for (uint32_t i = 0; i < ly->n_out; i++) {
                for (uint32_t j = 0; j < ly->n_in; j++)
                    fprintf(o, "weight\t\t%u\t%u\t%u\t%.9g\n", l, i, j,
                            (double)ly->w[i * ly->n_in + j]);
                if (ly->b)
                    fprintf(o, "bias\t\t%u\t%u\t\t%.9g\n", l, i, (double)ly->b[i]);
            }
            continue;
        }
        for (uint32_t i = 0; i < ly->n_out; i++) {
            char name[16];
            snprintf(name, sizeof name, "W%u", l);
            fprintf(o, "  %-8s", i ? "" : name);
            for (uint32_t j = 0; j < ly->n_in; j++)
                fprintf(o, " %11.5g", (double)ly->w[i * ly->n_in + j]);
            if (ly->b)
                fprintf(o, "   | b %11.5g", (double)ly->b[i]);
            fputc('\n', o);
        }
    }
}

/* Forward the evaluation set and the --diff inputs through ln, print everything. */
static int inspect_one(rs_loaded_net *ln, const rs_evalset *es, const iopts *o, const char *from,
                       FILE *out)
{
    rs_net *net = ln->net;
    uint32_t n_in = es->info.n_in;
    if (net->sizes[0] != n_in || net->sizes[net->n_layers] != es->info.n_out) {
        fprintf(stderr, "ruleset: inspect: the network takes %u inputs and gives %u outputs; "
                "task '%s' has %u and %u\n", net->sizes[0], net->sizes[net->n_layers],
                es->label, n_in, es->info.n_out);
        return RS_EXIT_INPUT;
    }
    view w = { .net = net, .es = es, .m = es->n + 2 * (uint32_t)o->n_diff, .out = out,
               .tsv = o->tsv, .rows = es->n };
    if (o->rows > 0 && (unsigned long)o->rows < es->n)
        w.rows = (uint32_t)o->rows;
    else if (o->rows < 0 && !o->tsv && es->n > ALL_ROWS_UP_TO)
        w.rows = DEFAULT_ROWS;
    w.x = calloc((size_t)n_in * w.m, sizeof(rs_real));
    rs_real *a = calloc(2 * (size_t)n_in + 1, sizeof(rs_real)), *bv = a + n_in;
    if (!w.x || !a) {
        free(w.x);
        free(a);
        fprintf(stderr, "ruleset: out of memory\n");
        return RS_EXIT_INTERNAL;
    }
    for (uint32_t i = 0; i < n_in; i++)
        for (uint32_t b = 0; b < es->n; b++)
            w.x[(size_t)i * w.m + b] = es->x[(size_t)i * es->n + b];
    for (int d = 0; d < o->n_diff; d++) {
        char msg[512];
        if (parse_diff(o->diff[d], n_in, a, bv, msg, sizeof msg)) {
            fprintf(stderr, "ruleset: inspect: %s\n", msg);
            free(w.x);
            free(a);
            return RS_EXIT_INPUT;
        }
        for (uint32_t i = 0; i < n_in; i++) {
            w.x[(size_t)i * w.m + es->n + 2 * d] = a[i];
            w.x[(size_t)i * w.m + es->n + 2 * d + 1] = bv[i];
        }
    }
    free(a);
    rs_net_forward(net, w.x, w.m);
    char desc[512];
    describe(net, desc, sizeof desc);
    const rs_netmeta *m = &ln->meta;
    if (o->tsv) {
        fprintf(out, "what\tinput\tlayer\tunit\tfrom\tvalue\n");
    } else {
        fprintf(out, "network  %s\ntask     %s\n", desc, es->label);
        if (m->rule[0])
            fprintf(out, "rule     %s\nreplica  %ld: %s, %s, final loss %.6g after %ld steps\n",
                    m->rule, m->replicate, m->status, m->solved ? "solved" : "not solved",
                    m->final_loss, m->steps);
        fprintf(out, "from     %s\n", from);
    }
    print_truth_one(&w);
    if (!o->tsv)
        fprintf(out, "\nactivations (%s = pre-activation, %s = post-activation)\n",
                net->kind == RS_NET_RECURRENT ? "u = A s" : "z = W a + b",
                net->kind == RS_NET_RECURRENT ? "s = f(u)" : "a = f(z)");
    for (uint32_t b = 0; b < w.rows; b++) {
        char in[256], title[300];
        if (o->tsv)
            rs_vec_text(w.x + b, w.m, n_in, in, sizeof in);
        else
            input_label(w.x, w.m, n_in, b, in, sizeof in);
        if (!o->tsv) {
            char tg[256];
            target_label(es->y, es->n, es->info.n_out, b, tg, sizeof tg);
            fprintf(out, "input %s (target %s)\n", in, tg);
        }
        snprintf(title, sizeof title, "%s", in);
        print_column(&w, b, -1, title);
    }
    if (!o->tsv && w.rows < es->n)
        fprintf(out, "... the first %u of %u inputs (--rows N shows more, --tsv all)\n", w.rows,
                es->n);
    for (int d = 0; d < o->n_diff; d++) {
        uint32_t b0 = es->n + 2 * (uint32_t)d;
        char x0[128], x1[128], title[300];
        rs_vec_text(w.x + b0, w.m, n_in, x0, sizeof x0);
        rs_vec_text(w.x + b0 + 1, w.m, n_in, x1, sizeof x1);
        snprintf(title, sizeof title, "%s->%s", x0, x1);
        if (!o->tsv)
            fprintf(out, "\ndifference: the activations at %s minus those at %s\n", x1, x0);
        print_column(&w, b0, b0 + 1, title);
    }
    print_weights(&w);
    free(w.x);
    return RS_EXIT_OK;
}

/* ---- the command -------------------------------------------------------------------------- */

static int is_dir(const char *p)
{
    struct stat st;
    return stat(p, &st) == 0 && S_ISDIR(st.st_mode);
}

/* A run folder or a spec: choose the job, read or train its network, inspect it. */
static int inspect_run(const rs_registry *reg, const iopts *o, const char *spec_path,
                       const char *dir, FILE *out)
{
    rs_runview v;
    char err[4096];
    if (rs_runview_open(&v, reg, spec_path, dir, err, sizeof err)) {
        fprintf(stderr, "ruleset: %s\n", err);
        rs_runview_close(&v);
        return RS_EXIT_INPUT;
    }
    size_t *groups = NULL, ng = 0;
    int rc = RS_EXIT_INPUT;
    if (rs_runview_select(&v, o->rule, o->task, o->net, &groups, &ng, err, sizeof err)) {
        fprintf(stderr, "ruleset: inspect: %s\n", err);
        goto done;
    }
    if (o->replicate >= 0 && (size_t)o->replicate >= v.run.n_reps) {
        fprintf(stderr, "ruleset: inspect: --replicate %ld: the run has replicates 0..%zu\n",
                o->replicate, v.run.n_reps - 1);
        goto done;
    }
    if (o->truth) {
        rc = rs_truth_run(&v, groups, ng, o->replicate, o->tsv, !*dir, out);
        goto done;
    }
    if (ng > 1) {
        fprintf(stderr, "ruleset: inspect: %zu rule x task x network combinations match; "
                "choose one with --rule, --task and --net:\n", ng);
        for (size_t i = 0; i < ng && i < 12; i++) {
            char flags[700];
            rs_runview_group_flags(&v, groups[i], flags, sizeof flags);
            fprintf(stderr, "  %s\n", flags);
        }
        goto done;
    }
    size_t j = groups[0] * v.run.n_reps + (size_t)(o->replicate >= 0 ? o->replicate : 0);
    rs_evalset es;
    rs_loaded_net ln;
    if (rs_evalset_job(&es, &v, j, err, sizeof err)) {
        fprintf(stderr, "ruleset: inspect: %s\n", err);
        rs_evalset_close(&es);
        goto done;
    }
    uint32_t cap = es.n + 2 * (uint32_t)o->n_diff;
    int lr = *dir ? rs_runview_load(&v, j, cap, &ln, err, sizeof err)
                  : rs_runview_train(&v, j, cap, &ln, err, sizeof err);
    if (lr) {
        fprintf(stderr, "ruleset: inspect: %s\n", err);
        rs_evalset_close(&es);
        goto done;
    }
    char from[4400], path[4200];
    rs_run_nets_path(&v.run, path, sizeof path);
    if (*dir)
        snprintf(from, sizeof from, "%s, job %zu", path, j);
    else
        snprintf(from, sizeof from, "%s, trained now", spec_path);
    rc = inspect_one(&ln, &es, o, from, out);
    rs_netio_free(&ln);
    rs_evalset_close(&es);
done:
    free(groups);
    rs_runview_close(&v);
    return rc;
}

static int inspect_file(const rs_registry *reg, const iopts *o, const char *path,
                        const char *text, FILE *out)
{
    char err[2048];
    rs_loaded_net ln;
    rs_evalset es;
    memset(&es, 0, sizeof es);
    /* the task first: its evaluation set sizes the network's buffers */
    cJSON *probe = cJSON_Parse(text);
    const cJSON *t = probe ? cJSON_GetObjectItemCaseSensitive(probe, "task") : NULL;
    char task[512] = "";
    if (o->task)
        snprintf(task, sizeof task, "%s", o->task);
    else if (cJSON_IsString(t))
        snprintf(task, sizeof task, "%s", t->valuestring);
    cJSON_Delete(probe);
    if (!task[0]) {
        fprintf(stderr, "ruleset: inspect: %s names no task; give one, e.g. --task "
                "gates:gate=xor\n", path);
        return RS_EXIT_INPUT;
    }
    if (rs_evalset_text(&es, reg, task, err, sizeof err)) {
        fprintf(stderr, "ruleset: inspect: %s\n", err);
        rs_evalset_close(&es);
        return RS_EXIT_INPUT;
    }
    if (rs_netio_load(text, path, reg, es.n + 2 * (uint32_t)o->n_diff, &ln, err, sizeof err)) {
        fprintf(stderr, "ruleset: inspect: %s\n", err);
        rs_evalset_close(&es);
        return RS_EXIT_INPUT;
    }
    int rc = inspect_one(&ln, &es, o, path, out);
    rs_netio_free(&ln);
    rs_evalset_close(&es);
    return rc;
}

/* A flag with its value v at argv[*i] (*i advances); 0 ok, else 2 after one line. */
static int parse_valued(iopts *o, const char *a, const char *v)
{
    if (!strcmp(a, "--rule") || !strcmp(a, "--task") || !strcmp(a, "--net")) {
        *(a[2] == 'r' ? &o->rule : a[2] == 't' ? &o->task : &o->net) = v;
    } else if (!strcmp(a, "--diff")) {
        if (o->n_diff == MAX_DIFFS) {
            fprintf(stderr, "ruleset: inspect: at most %d --diff\n", MAX_DIFFS);
            return RS_EXIT_INPUT;
        }
        o->diff[o->n_diff++] = v;
    } else if (!strcmp(a, "--rows") || !strcmp(a, "--head")) {
        char *end;
        o->rows = strtol(v, &end, 10);
        if (end == v || *end || o->rows < 0) {
            fprintf(stderr, "ruleset: inspect: %s takes a whole number >= 0 (0 = all), got "
                    "'%s'\n", a, v);
            return RS_EXIT_INPUT;
        }
    } else if (!strcmp(a, "--replicate")) {
        char *end;
        o->replicate = strtol(v, &end, 10);
        if (end == v || *end || o->replicate < 0) {
            fprintf(stderr, "ruleset: inspect: --replicate takes a whole number >= 0, got "
                    "'%s'\n", v);
            return RS_EXIT_INPUT;
        }
    } else {
        fprintf(stderr, "ruleset: inspect: unknown flag '%s'\n%s", a, usage);
        return RS_EXIT_INPUT;
    }
    return 0;
}

/* 0 ok, -1 after --help, else the exit code. */
static int parse_flags(int argc, char **argv, iopts *o)
{
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
        if (!strcmp(a, "-h") || !strcmp(a, "--help")) {
            fputs(usage, stdout);
            return -1;
        } else if (!strcmp(a, "--truth")) {
            o->truth = 1;
        } else if (!strcmp(a, "--tsv")) {
            o->tsv = 1;
        } else if (a[0] != '-') {
            if (o->target) {
                fprintf(stderr, "ruleset: inspect: one run, spec or network at a time ('%s' and "
                        "'%s')\n", o->target, a);
                return RS_EXIT_INPUT;
            }
            o->target = a;
        } else if (!v) {
            fprintf(stderr, "ruleset: inspect: %s needs a value\n%s", a, usage);
            return RS_EXIT_INPUT;
        } else if (parse_valued(o, a, v)) {
            return RS_EXIT_INPUT;
        } else
            i++;
    }
    if (!o->target) {
        fprintf(stderr, "ruleset: inspect: give a run folder, a spec or a network file\n%s",
                usage);
        return RS_EXIT_INPUT;
    }
    return 0;
}

/* The target: a run folder, a spec, or one saved network. */
static int inspect_target(const rs_registry *reg, const iopts *o)
{
    if (is_dir(o->target)) {
        char dir[4096], spec_path[4200];
        snprintf(dir, sizeof dir, "%s", o->target);
        for (size_t n = strlen(dir); n > 1 && dir[n - 1] == '/';)
            dir[--n] = '\0';
        snprintf(spec_path, sizeof spec_path, "%s/spec.json", dir);
        return inspect_run(reg, o, spec_path, dir, stdout);
    }
    char err[1024], *text = rs_read_file(o->target, err, sizeof err);
    if (!text) {
        fprintf(stderr, "ruleset: inspect: %s\n", err);
        return RS_EXIT_INPUT;
    }
    int rc = RS_EXIT_INPUT;
    const char *first = strstr(text, "\"" RS_NETIO_FORMAT "\"");
    if (first && strstr(first + 1, "\"" RS_NETIO_FORMAT "\""))
        fprintf(stderr, "ruleset: inspect: %s holds several networks; give its run folder, and "
                "choose one with --rule, --task, --net and --replicate\n", o->target);
    else if (first && (o->truth || o->rule || o->net || o->replicate >= 0))
        fprintf(stderr, "ruleset: inspect: %s is one network: --rule, --net, --replicate and "
                "--truth are for runs and specs\n", o->target);
    else if (first) /* one network */
        rc = inspect_file(reg, o, o->target, text, stdout);
    else
        rc = inspect_run(reg, o, o->target, "", stdout);
    free(text);
    return rc;
}

int rs_cmd_inspect(int argc, char **argv)
{
    rs_registry *reg = rs_cli_registry(&argc, argv);
    if (!reg)
        return RS_EXIT_INTERNAL;
    iopts o = { .replicate = -1, .rows = -1 };
    int rc = parse_flags(argc, argv, &o);
    if (rc == 0)
        rc = inspect_target(reg, &o);
    rs_registry_destroy(reg);
    return rc < 0 ? RS_EXIT_OK : rc;
}

/* plot_nets.c: the network figures of `ruleset plot RUNDIR` (see plot_nets.h), drawn from the
 * trained networks in RUNDIR/nets.jsonl. One figure per (rule, network) pair, one panel per task,
 * the replicate chosen with --replicate:
 *
 *   adjacency-NAME.png  recurrent: A as a heatmap (scripts/adjacency.gp)
 *   netgraph-NAME.png   recurrent: A as a directed graph; layered: the network as a graph, its
 *                       nodes coloured by their activation for one input of the task's
 *                       evaluation set (--input ROW, default the last row) (scripts/netgraph.gp)
 *
 * NAME says what the figure shows: RULE-TASK-NET-repK, without TASK when the figure has a
 * panel for each of several tasks (NET is then "netK", the spec's K-th network, when its sizes
 * differ from task to task); each part as a file name (plot_label.h), a "-2" added
 * should two figures' names meet. C writes the numbers (STEM-NAME.tsv: one gnuplot block per
 * panel)
 * and passes labels and scales with -e; the scripts hold the layout and every drawing
 * decision, as in the rest of `plot`. */
#include "plot_nets.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "cmds.h" /* RS_EXIT_* */
#include "file.h"
#include "gnuplot.h"
#include "plot_label.h"
#include "recurrent.h"
#include "runview.h"

/* A network figure: a rule and a network spec, one panel per group (task). */
typedef struct figure {
    size_t rule, net;
    size_t *groups;
    size_t n;
} figure;

typedef struct panel {
    rs_loaded_net ln;
    int loaded;
    rs_evalset es;
    int have_es;
    uint32_t row;         /* layered: the input shown */
    char title[512];
} panel;

/* ---- the data files ------------------------------------------------------------------------ */

/* Recurrent layout (netgraph.gp): column 0 the inputs in input order, then the bias node;
 * column 1 the hidden nodes; column 2 the outputs in output order. */
static int rec_col(char role) { return role == 'i' || role == 'b' ? 0 : role == 'h' ? 1 : 2; }

static void rec_place(const rs_net *net, uint32_t node, int *col, uint32_t *idx, uint32_t *cnt)
{
    char role = rs_rnet_role(net, node);
    *col = rec_col(role);
    *idx = *cnt = 0;
    uint32_t pos = 0;
    if (role == 'i' || role == 'o') { /* in input (output) order */
        const uint32_t *list = role == 'i' ? net->in_nodes : net->out_nodes;
        while (list[pos] != node)
            pos++;
    } else if (role == 'b') {
        pos = net->sizes[0];
    } else {
        for (uint32_t i = 0; i < node; i++)
            pos += rs_rnet_role(net, i) == 'h';
    }
    for (uint32_t i = 0; i < net->n_nodes; i++)
        *cnt += rec_col(rs_rnet_role(net, i)) == *col;
    *idx = pos;
}

static int kind_code(char role) { return role == 'i' ? 0 : role == 'h' ? 1 : role == 'o' ? 2 : 3; }

static void write_rec_graph(FILE *f, const rs_net *net)
{
    uint32_t N = net->n_nodes;
    for (uint32_t i = 0; i < N; i++) {
        int c;
        uint32_t idx, cnt;
        rec_place(net, i, &c, &idx, &cnt);
        char lab[32];
        rs_rnet_label(net, i, lab, sizeof lab);
        fprintf(f, "%d\t%u\t%u\t%d\t0\t%s\n", c, idx, cnt, kind_code(rs_rnet_role(net, i)), lab);
    }
    fprintf(f, "\n\n");
    fprintf(f, "0\t0\t1\t0\t0\t1\tnan\t0\n"); /* never an empty block */
    for (uint32_t i = 0; i < N; i++)
        for (uint32_t j = 0; j < N; j++) {
            double w = net->adj[(size_t)i * N + j];
            if (i == j || w == 0)
                continue;
            int c0, c1;
            uint32_t i0, n0, i1, n1;
            rec_place(net, j, &c0, &i0, &n0);
            rec_place(net, i, &c1, &i1, &n1);
            int bend = fabs((double)net->adj[(size_t)j * N + i]) >= 0.01 && fabs(w) >= 0.01;
            fprintf(f, "%d\t%u\t%u\t%d\t%u\t%u\t%.9g\t%d\n", c0, i0, n0, c1, i1, n1, w, bend);
        }
    fprintf(f, "\n\n");
}

static void write_layered_graph(FILE *f, const rs_net *net)
{
    uint32_t L = net->n_layers;
    for (uint32_t l = 0; l <= L; l++)
        for (uint32_t i = 0; i < net->sizes[l]; i++)
            fprintf(f, "%u\t%u\t%u\t%d\t%.9g\t%u\n", l, i, net->sizes[l],
                    l == 0 ? 0 : l == L ? 2 : 1, (double)net->a[l][i], i);
    fprintf(f, "\n\n");
    fprintf(f, "0\t0\t1\t0\t0\t1\tnan\t0\n");
    for (uint32_t l = 1; l <= L; l++) {
        const rs_layer *ly = &net->layers[l - 1];
        for (uint32_t i = 0; i < ly->n_out; i++)
            for (uint32_t j = 0; j < ly->n_in; j++)
                fprintf(f, "%u\t%u\t%u\t%u\t%u\t%u\t%.9g\t0\n", l - 1, j, ly->n_in, l, i,
                        ly->n_out, (double)ly->w[(size_t)i * ly->n_in + j]);
    }
    fprintf(f, "\n\n");
}

/* ---- one figure ---------------------------------------------------------------------------- */

/* What the panels of one figure share: the colour scales and the layout's size. */
typedef struct fig_scale {
    double absmax, amax;     /* largest |weight| (or |A|), largest |activation| */
    uint32_t ncols, maxcnt;  /* layout columns, most nodes in one column */
    size_t shown;            /* panels loaded */
    char netl[128];
} fig_scale;

static void measure_rec(panel *q, fig_scale *sc)
{
    rs_net *net = q->ln.net;
    rs_rnet_refresh_adj(net);
    for (size_t i = 0; i < net->n_params; i++)
        sc->absmax = fmax(sc->absmax, fabs((double)net->adj[i]));
    uint32_t count[3] = { 0, 0, 0 };
    for (uint32_t i = 0; i < net->n_nodes; i++) {
        int c;
        uint32_t idx, cnt;
        rec_place(net, i, &c, &idx, &cnt);
        count[c] = cnt;
    }
    for (int c = 0; c < 3; c++)
        sc->maxcnt = count[c] > sc->maxcnt ? count[c] : sc->maxcnt;
    snprintf(q->title, sizeof q->title, "%s (%s)", q->ln.meta.task,
             q->ln.meta.solved ? "solved" : "not solved");
}

/* Run the chosen input row through the layered network; its activations colour the nodes. */
static int measure_layered(panel *q, const rs_plot_env *e, fig_scale *sc)
{
    rs_net *net = q->ln.net;
    const rs_netmeta *m = &q->ln.meta;
    uint32_t n = q->es.n, row = e->input_row >= 0 ? (uint32_t)e->input_row : n - 1;
    if (row >= n) {
        fprintf(stderr, "ruleset: plot: --input %u: task '%s' has rows 0..%u; showing row %u\n",
                row, m->task, n - 1, n - 1);
        row = n - 1;
    }
    q->row = row;
    rs_real *x = calloc(q->es.info.n_in, sizeof *x);
    if (!x) {
        fprintf(stderr, "ruleset: out of memory\n");
        return RS_PLOT_NETS_NOMEM;
    }
    for (uint32_t i = 0; i < q->es.info.n_in; i++)
        x[i] = q->es.x[(size_t)i * n + row];
    rs_net_forward(net, x, 1);
    char in[256] = "";
    size_t used = 0;
    for (uint32_t i = 0; i < q->es.info.n_in && used < sizeof in; i++)
        used += (size_t)snprintf(in + used, sizeof in - used, "%s%g", i ? "," : "", (double)x[i]);
    free(x);
    for (uint32_t l = 1; l <= net->n_layers; l++) {
        const rs_layer *ly = &net->layers[l - 1];
        for (size_t i = 0; i < (size_t)ly->n_out * ly->n_in; i++)
            sc->absmax = fmax(sc->absmax, fabs((double)ly->w[i]));
    }
    for (uint32_t l = 0; l <= net->n_layers; l++) {
        sc->maxcnt = net->sizes[l] > sc->maxcnt ? net->sizes[l] : sc->maxcnt;
        for (uint32_t i = 0; i < net->sizes[l]; i++)
            sc->amax = fmax(sc->amax, fabs((double)net->a[l][i]));
    }
    sc->ncols = net->n_layers + 1 > sc->ncols ? net->n_layers + 1 : sc->ncols;
    snprintf(q->title, sizeof q->title, "%s (%s), input %s", m->task,
             m->solved ? "solved" : "not solved", in);
    return 0;
}

/* Each panel's evaluation set and network; a panel that cannot be loaded is left out. */
static int load_panels(rs_runview *v, const figure *fg, panel *pn, size_t rep, int rec,
                       const rs_plot_env *e, fig_scale *sc)
{
    char err[2048];
    for (size_t p = 0; p < fg->n; p++) {
        panel *q = &pn[p];
        size_t j = fg->groups[p] * v->run.n_reps + rep;
        if (rs_evalset_job(&q->es, v, j, err, sizeof err)) {
            fprintf(stderr, "ruleset: plot: %s\n", err);
            rs_evalset_close(&q->es);
            continue;
        }
        q->have_es = 1;
        if (rs_runview_load(v, j, q->es.n ? q->es.n : 1, &q->ln, err, sizeof err)) {
            if (!e->quiet)
                fprintf(stderr, "ruleset: plot: no network figure panel: %s\n", err);
            continue;
        }
        q->loaded = 1;
        sc->shown++;
        snprintf(sc->netl, sizeof sc->netl, "%s", q->ln.meta.net);
        if (rec)
            measure_rec(q, sc);
        else if (measure_layered(q, e, sc))
            return RS_PLOT_NETS_NOMEM;
    }
    return 0;
}

/* The data blocks of every loaded panel into f (fig 0: A as a matrix; 1: the graph), their
 * titles into vb; returns the first loaded network. */
static const rs_net *write_panels(FILE *f, rs_gpvars *vb, const panel *pn, size_t n, int fig,
                                  int rec)
{
    size_t np = 0;
    const rs_net *first = NULL;
    for (size_t p = 0; p < n; p++) {
        if (!pn[p].loaded)
            continue;
        const rs_net *net = pn[p].ln.net;
        first = first ? first : net;
        char name[32];
        snprintf(name, sizeof name, "title%zu", ++np);
        rs_gp_str(vb, name, pn[p].title);
        if (fig == 0) {
            uint32_t N = net->n_nodes;
            for (uint32_t i = 0; i < N; i++)
                for (uint32_t jj = 0; jj < N; jj++)
                    fprintf(f, "%u\t%u\t%.9g\n", i, jj, (double)net->adj[(size_t)i * N + jj]);
            fprintf(f, "\n\n");
        } else if (rec) {
            write_rec_graph(f, net);
        } else {
            write_layered_graph(f, net);
        }
    }
    rs_sb_printf(&vb->b, "npanels=%zu; ", np);
    return first;
}

/* The layout variables: node labels for the heatmap, columns and sizes for the graph. */
static void layout_vars(rs_gpvars *vb, const rs_net *first, int fig, int rec,
                        const fig_scale *sc)
{
    if (fig == 0) {
        rs_sb_printf(&vb->b, "n=%u; ", first->n_nodes);
        for (uint32_t i = 0; i < first->n_nodes; i++) {
            char name[32], lab[32];
            snprintf(name, sizeof name, "lab%u", i + 1);
            rs_rnet_label(first, i, lab, sizeof lab);
            rs_gp_str(vb, name, lab);
        }
    } else {
        rs_gp_str(vb, "mode", rec ? "recurrent" : "layered");
        rs_sb_printf(&vb->b, "ncols=%u; maxcnt=%u; ", rec ? 3 : sc->ncols, sc->maxcnt);
    }
}

/* Figure `fig` (0 adjacency, 1 netgraph) named STEM-NAME: its data file, then one gnuplot run. */
static int draw_one(const figure *fg, const panel *pn, const char *name, int fig, int rec,
                    const char *rule, size_t rep, const fig_scale *sc, const rs_plot_env *e)
{
    const char *stem = fig == 0 ? "adjacency" : "netgraph";
    char data[4400], out[4400], heading[1024], rule_short[128];
    snprintf(data, sizeof data, "%s/%s-%s.tsv", e->rundir, stem, name);
    snprintf(out, sizeof out, "%s/%s-%s.%s", e->rundir, stem, name, e->ext);
    FILE *f = rs_fopen_nofollow(data); /* a symlink planted there is not written through */
    if (!f) {
        fprintf(stderr, "ruleset: plot: %s: cannot write (%s)\n", data, strerror(errno));
        return RS_PLOT_NETS_IO;
    }
    rs_gpvars vb = { 0 };
    rs_gp_str(&vb, "infile", data);
    rs_gp_str(&vb, "outfile", out);
    rs_gp_str(&vb, "term", e->gpterm);
    snprintf(heading, sizeof heading, "%s   net %s   replicate %zu",
             rs_plot_short(rule, 60, rule_short, sizeof rule_short), sc->netl, rep);
    rs_gp_str(&vb, "heading", heading);
    rs_sb_printf(&vb.b, "absmax=%.9g; amax=%.9g; ", sc->absmax, sc->amax);
    layout_vars(&vb, write_panels(f, &vb, pn, fg->n, fig, rec), fig, rec, sc);
    int bad = ferror(f);
    bad |= fclose(f) != 0;
    int rc = RS_PLOT_NETS_IO;
    if (bad || vb.b.oom)
        fprintf(stderr, "ruleset: plot: %s: cannot write\n", data);
    else if (!(rc = rs_gp_run(e->gnuplot, vb.b.s, e->scripts, fig == 0 ? "adjacency.gp"
                                                                      : "netgraph.gp"))
             && !e->quiet)
        printf("wrote %s (%s, %s)\n", out, rule, sc->netl);
    rs_sb_free(&vb.b);
    return rc;
}

/* The names of the figures drawn so far, so that no two share one. */
typedef struct fig_names {
    char (*s)[200];
    size_t n;
} fig_names;

/* RULE-TASK-NET-repK (TASK only when the figure shows one), unique among names->s. */
static void figure_name(const rs_runview *v, const figure *fg, const char *netl, size_t rep,
                        fig_names *names, char *out, size_t size)
{
    const rs_spec *s = v->spec;
    char rule[64], task[64] = "", net[32];
    const rs_netspec *ns = &s->nets[fg->net];
    rs_plot_slug(s->rules[fg->rule].label, 48, rule, sizeof rule);
    if (fg->n == 1)
        rs_plot_slug(s->tasks[v->run.groups[fg->groups[0]].task].label, 48, task, sizeof task);
    /* a layered network's sizes follow each task's inputs and outputs: over several tasks
     * without a label of its own, it is the spec's network k */
    if (fg->n == 1 || ns->label[0] || ns->kind == RS_NET_RECURRENT)
        rs_plot_slug(netl, 24, net, sizeof net);
    else
        snprintf(net, sizeof net, "net%zu", fg->net + 1);
    snprintf(out, size, "%s%s%s-%s-rep%zu", rule, *task ? "-" : "", task, net, rep);
    size_t base = strlen(out);
    for (int k = 2;; k++) {
        size_t i = 0;
        while (i < names->n && strcmp(names->s[i], out) != 0)
            i++;
        if (i == names->n)
            break;
        snprintf(out + base, size - base, "-%d", k);
    }
    snprintf(names->s[names->n++], sizeof names->s[0], "%s", out);
}

static int draw_figure(rs_runview *v, const figure *fg, fig_names *names, const rs_plot_env *e)
{
    const rs_spec *s = v->spec;
    size_t rep = (size_t)(e->replicate >= 0 ? e->replicate : 0);
    panel *pn = calloc(fg->n, sizeof *pn);
    if (!pn) {
        fprintf(stderr, "ruleset: out of memory\n");
        return RS_PLOT_NETS_NOMEM;
    }
    int rec = s->nets[fg->net].kind == RS_NET_RECURRENT;
    fig_scale sc = { .maxcnt = 1 };
    int rc = load_panels(v, fg, pn, rep, rec, e, &sc);
    if (!rc && sc.shown && !rec && sc.maxcnt > 40) {
        if (!e->quiet)
            fprintf(stderr, "ruleset: plot: network %s has a layer of %u units; no graph drawn "
                    "(inspect --tsv has every number)\n", sc.netl, sc.maxcnt);
    } else if (!rc && sc.shown) {
        sc.absmax = sc.absmax > 0 ? sc.absmax : 1;
        sc.amax = sc.amax > 0 ? sc.amax : 1;
        char name[200];
        figure_name(v, fg, sc.netl, rep, names, name, sizeof name);
        for (int fig = rec ? 0 : 1; fig < 2 && !rc; fig++)
            rc = draw_one(fg, pn, name, fig, rec, s->rules[fg->rule].label, rep, &sc, e);
    }
    for (size_t p = 0; p < fg->n; p++) {
        if (pn[p].loaded)
            rs_netio_free(&pn[p].ln);
        if (pn[p].have_es)
            rs_evalset_close(&pn[p].es);
    }
    free(pn);
    return rc;
}

static void free_figures(figure *figs, size_t nf)
{
    for (size_t f = 0; figs && f < nf; f++)
        free(figs[f].groups);
    free(figs);
}

/* One figure per (rule, network) pair, its panels the groups (tasks) that share them; NULL
 * when out of memory. */
static figure *group_figures(const rs_runview *v, size_t *nf)
{
    figure *figs = calloc(v->run.n_groups + 1, sizeof *figs);
    for (size_t g = 0; figs && g < v->run.n_groups; g++) {
        const rs_group *gr = &v->run.groups[g];
        size_t f = 0;
        while (f < *nf && (figs[f].rule != gr->rule || figs[f].net != gr->net))
            f++;
        if (f == *nf) {
            figs[f].rule = gr->rule;
            figs[f].net = gr->net;
            if (!(figs[f].groups = calloc(v->run.n_groups, sizeof(size_t)))) {
                free_figures(figs, *nf);
                *nf = 0;
                return NULL;
            }
            ++*nf;
        }
        figs[f].groups[figs[f].n++] = g;
    }
    return figs;
}

int rs_plot_nets(const rs_plot_env *e)
{
    char path[4200], err[4096];
    struct stat st;
    snprintf(path, sizeof path, "%s/nets.jsonl", e->rundir);
    if (stat(path, &st) != 0 || !S_ISREG(st.st_mode))
        return 0; /* a run that kept no networks: nothing to draw */
    snprintf(path, sizeof path, "%s/spec.json", e->rundir);
    rs_runview v;
    int rc = 0;
    figure *figs = NULL;
    size_t nf = 0;
    fig_names names = { 0 };
    if (rs_runview_open(&v, e->reg, path, e->rundir, err, sizeof err)) {
        fprintf(stderr, "ruleset: plot: no network figures: %s\n", err);
        goto done;
    }
    if (e->replicate >= 0 && (size_t)e->replicate >= v.run.n_reps) {
        fprintf(stderr, "ruleset: plot: --replicate %ld: the run has replicates 0..%zu\n",
                e->replicate, v.run.n_reps - 1);
        rc = RS_PLOT_NETS_INPUT;
        goto done;
    }
    if (!(figs = group_figures(&v, &nf)) || !(names.s = calloc(nf + 1, sizeof names.s[0]))) {
        fprintf(stderr, "ruleset: out of memory\n");
        rc = RS_PLOT_NETS_NOMEM;
        goto done;
    }
    for (size_t f = 0; f < nf && !rc; f++)
        rc = draw_figure(&v, &figs[f], &names, e);
done:
    free(names.s);
    free_figures(figs, nf);
    rs_runview_close(&v);
    return rc;
}

/* plot_nets.c: the network figures of `ruleset plot RUNDIR` (see plot_nets.h), drawn from the
 * trained networks in RUNDIR/nets.jsonl. One figure per (rule, network) pair, one panel per task,
 * the replicate chosen with --replicate:
 *
 *   adjacency-<k>.png  recurrent: A as a heatmap (scripts/adjacency.gp)
 *   netgraph-<k>.png   recurrent: A as a directed graph; layered: the network as a graph, its
 *                      nodes coloured by their activation for one input of the task's
 *                      evaluation set (--input ROW, default the last row) (scripts/netgraph.gp)
 *
 * C writes the numbers (adjacency-<k>.tsv, netgraph-<k>.tsv: one gnuplot block per panel)
 * and passes labels and scales with -e; the scripts hold the layout and every drawing
 * decision, as in the rest of `plot`. */
#include "plot_nets.h"

#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "recurrent.h"
#include "runview.h"

typedef struct vbuf {
    char *s;
    size_t len, cap;
    int oom;
} vbuf;

static void vb_printf(vbuf *b, const char *fmt, ...) RS_PRINTF(2, 3);
static void vb_printf(vbuf *b, const char *fmt, ...)
{
    for (int tries = 0; tries < 2 && !b->oom; tries++) {
        va_list ap;
        va_start(ap, fmt);
        int need = vsnprintf(b->s ? b->s + b->len : NULL, b->s ? b->cap - b->len : 0, fmt, ap);
        va_end(ap);
        if (need < 0) {
            b->oom = 1;
            return;
        }
        if (b->s && (size_t)need < b->cap - b->len) {
            b->len += (size_t)need;
            return;
        }
        size_t nc = (b->cap + (size_t)need + 1) * 2;
        char *p = realloc(b->s, nc);
        if (!p) {
            b->oom = 1;
            return;
        }
        b->s = p;
        b->cap = nc;
    }
}

/* name='value' with ' doubled (gnuplot's single-quoted strings take the rest literally) */
static void vb_str(vbuf *b, const char *name, const char *val)
{
    vb_printf(b, "%s='", name);
    for (const char *p = val; *p; p++)
        vb_printf(b, "%s", *p == '\'' ? "''" : (char[]){ *p, 0 });
    vb_printf(b, "'; ");
}

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

static int draw_figure(rs_runview *v, const figure *fg, size_t k, const rs_plot_nets_opts *o)
{
    const rs_spec *s = v->spec;
    size_t n_reps = v->run.n_reps, rep = (size_t)(o->replicate >= 0 ? o->replicate : 0);
    panel *pn = calloc(fg->n, sizeof *pn);
    if (!pn) {
        fprintf(stderr, "ruleset: out of memory\n");
        return RS_PLOT_NETS_NOMEM;
    }
    int rc = 0, rec = s->nets[fg->net].kind == RS_NET_RECURRENT;
    size_t shown = 0;
    double absmax = 0, amax = 0;
    uint32_t ncols = 0, maxcnt = 1;
    char err[2048], netl[128] = "";
    for (size_t p = 0; p < fg->n; p++) {
        panel *q = &pn[p];
        size_t j = fg->groups[p] * n_reps + rep;
        if (rs_evalset_job(&q->es, v, j, err, sizeof err)) {
            fprintf(stderr, "ruleset: plot: %s\n", err);
            rs_evalset_close(&q->es);
            continue;
        }
        q->have_es = 1;
        if (rs_runview_load(v, j, q->es.n ? q->es.n : 1, &q->ln, err, sizeof err)) {
            if (!o->quiet)
                fprintf(stderr, "ruleset: plot: no network figure panel: %s\n", err);
            continue;
        }
        q->loaded = 1;
        shown++;
        rs_net *net = q->ln.net;
        const rs_netmeta *m = &q->ln.meta;
        snprintf(netl, sizeof netl, "%s", m->net);
        if (rec) {
            rs_rnet_refresh_adj(net);
            for (size_t i = 0; i < net->n_params; i++)
                absmax = fmax(absmax, fabs((double)net->adj[i]));
            uint32_t count[3] = { 0, 0, 0 };
            for (uint32_t i = 0; i < net->n_nodes; i++) {
                int c;
                uint32_t idx, cnt;
                rec_place(net, i, &c, &idx, &cnt);
                count[c] = cnt;
            }
            for (int c = 0; c < 3; c++)
                maxcnt = count[c] > maxcnt ? count[c] : maxcnt;
            snprintf(q->title, sizeof q->title, "%s (%s)", m->task,
                     m->solved ? "solved" : "not solved");
        } else {
            uint32_t n = q->es.n, row = o->input_row >= 0 ? (uint32_t)o->input_row : n - 1;
            if (row >= n) {
                fprintf(stderr, "ruleset: plot: --input %u: task '%s' has rows 0..%u; showing "
                        "row %u\n", row, m->task, n - 1, n - 1);
                row = n - 1;
            }
            q->row = row;
            rs_real *x = calloc(q->es.info.n_in, sizeof *x);
            if (!x) {
                fprintf(stderr, "ruleset: out of memory\n");
                rc = RS_PLOT_NETS_NOMEM;
                goto done;
            }
            for (uint32_t i = 0; i < q->es.info.n_in; i++)
                x[i] = q->es.x[(size_t)i * n + row];
            rs_net_forward(net, x, 1);
            char in[256] = "";
            size_t used = 0;
            for (uint32_t i = 0; i < q->es.info.n_in && used < sizeof in; i++)
                used += (size_t)snprintf(in + used, sizeof in - used, "%s%g", i ? "," : "",
                                         (double)x[i]);
            free(x);
            for (uint32_t l = 1; l <= net->n_layers; l++) {
                const rs_layer *ly = &net->layers[l - 1];
                for (size_t i = 0; i < (size_t)ly->n_out * ly->n_in; i++)
                    absmax = fmax(absmax, fabs((double)ly->w[i]));
            }
            for (uint32_t l = 0; l <= net->n_layers; l++) {
                maxcnt = net->sizes[l] > maxcnt ? net->sizes[l] : maxcnt;
                for (uint32_t i = 0; i < net->sizes[l]; i++)
                    amax = fmax(amax, fabs((double)net->a[l][i]));
            }
            ncols = net->n_layers + 1 > ncols ? net->n_layers + 1 : ncols;
            snprintf(q->title, sizeof q->title, "%s (%s), input %s", m->task,
                     m->solved ? "solved" : "not solved", in);
        }
    }
    if (!shown)
        goto done;
    if (!rec && maxcnt > 40) {
        if (!o->quiet)
            fprintf(stderr, "ruleset: plot: network %s has a layer of %u units; no graph drawn "
                    "(inspect --tsv has every number)\n", netl, maxcnt);
        goto done;
    }
    absmax = absmax > 0 ? absmax : 1;
    amax = amax > 0 ? amax : 1;
    /* the data files, then one gnuplot run per figure */
    const char *stems[2] = { "adjacency", "netgraph" };
    for (int fig = rec ? 0 : 1; fig < 2; fig++) {
        char data[4400], out[4400];
        snprintf(data, sizeof data, "%s/%s-%zu.tsv", o->rundir, stems[fig], k);
        snprintf(out, sizeof out, "%s/%s-%zu.%s", o->rundir, stems[fig], k, o->ext);
        FILE *f = fopen(data, "w");
        if (!f) {
            fprintf(stderr, "ruleset: plot: %s: cannot write (%s)\n", data, strerror(errno));
            rc = RS_PLOT_NETS_IO;
            goto done;
        }
        vbuf vb = { 0 };
        vb_str(&vb, "infile", data);
        vb_str(&vb, "outfile", out);
        vb_str(&vb, "term", o->gpterm);
        char heading[1024];
        snprintf(heading, sizeof heading, "%s   net %s   replicate %zu", s->rules[fg->rule].label,
                 netl, rep);
        vb_str(&vb, "heading", heading);
        vb_printf(&vb, "absmax=%.9g; amax=%.9g; ", absmax, amax);
        size_t np = 0;
        const rs_net *first = NULL;
        for (size_t p = 0; p < fg->n; p++) {
            if (!pn[p].loaded)
                continue;
            rs_net *net = pn[p].ln.net;
            first = first ? first : net;
            char name[32];
            snprintf(name, sizeof name, "title%zu", ++np);
            vb_str(&vb, name, pn[p].title);
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
        vb_printf(&vb, "npanels=%zu; ", np);
        if (fig == 0) {
            vb_printf(&vb, "n=%u; ", first->n_nodes);
            for (uint32_t i = 0; i < first->n_nodes; i++) {
                char name[32], lab[32];
                snprintf(name, sizeof name, "lab%u", i + 1);
                rs_rnet_label(first, i, lab, sizeof lab);
                vb_str(&vb, name, lab);
            }
        } else {
            vb_str(&vb, "mode", rec ? "recurrent" : "layered");
            vb_printf(&vb, "ncols=%u; maxcnt=%u; ", rec ? 3 : ncols, maxcnt);
        }
        int bad = ferror(f);
        bad |= fclose(f) != 0;
        if (bad || vb.oom) {
            fprintf(stderr, "ruleset: plot: %s: cannot write\n", data);
            free(vb.s);
            rc = RS_PLOT_NETS_IO;
            goto done;
        }
        int grc = o->run(o->gnuplot, vb.s, o->scripts, fig == 0 ? "adjacency.gp" : "netgraph.gp");
        free(vb.s);
        if (grc) {
            rc = grc;
            goto done;
        }
        if (!o->quiet)
            printf("wrote %s (%s, %s)\n", out, s->rules[fg->rule].label, netl);
    }
done:
    for (size_t p = 0; p < fg->n; p++) {
        if (pn[p].loaded)
            rs_netio_free(&pn[p].ln);
        if (pn[p].have_es)
            rs_evalset_close(&pn[p].es);
    }
    free(pn);
    return rc;
}

int rs_plot_nets(const rs_plot_nets_opts *o)
{
    char path[4200], err[4096];
    struct stat st;
    snprintf(path, sizeof path, "%s/nets.jsonl", o->rundir);
    if (stat(path, &st) != 0 || !S_ISREG(st.st_mode))
        return 0; /* a run that kept no networks: nothing to draw */
    rs_registry *reg = rs_registry_create();
    if (!reg)
        return RS_PLOT_NETS_NOMEM;
    rs_registry_discover(reg, NULL, 0, NULL, 0);
    snprintf(path, sizeof path, "%s/spec.json", o->rundir);
    rs_runview v;
    int rc = 0;
    figure *figs = NULL;
    size_t nf = 0;
    if (rs_runview_open(&v, reg, path, o->rundir, err, sizeof err)) {
        fprintf(stderr, "ruleset: plot: no network figures: %s\n", err);
        goto done;
    }
    if (o->replicate >= 0 && (size_t)o->replicate >= v.run.n_reps) {
        fprintf(stderr, "ruleset: plot: --replicate %ld: the run has replicates 0..%zu\n",
                o->replicate, v.run.n_reps - 1);
        rc = RS_PLOT_NETS_INPUT;
        goto done;
    }
    figs = calloc(v.run.n_groups + 1, sizeof *figs);
    for (size_t g = 0; figs && g < v.run.n_groups; g++) {
        const rs_group *gr = &v.run.groups[g];
        size_t f = 0;
        while (f < nf && (figs[f].rule != gr->rule || figs[f].net != gr->net))
            f++;
        if (f == nf) {
            figs[nf].rule = gr->rule;
            figs[nf].net = gr->net;
            if (!(figs[nf++].groups = calloc(v.run.n_groups, sizeof(size_t)))) {
                fprintf(stderr, "ruleset: out of memory\n");
                rc = RS_PLOT_NETS_NOMEM;
                goto done;
            }
        }
        figs[f].groups[figs[f].n++] = g;
    }
    if (!figs) {
        fprintf(stderr, "ruleset: out of memory\n");
        rc = RS_PLOT_NETS_NOMEM;
        goto done;
    }
    for (size_t f = 0; f < nf && !rc; f++)
        rc = draw_figure(&v, &figs[f], f + 1, o);
done:
    for (size_t f = 0; figs && f < nf; f++)
        free(figs[f].groups);
    free(figs);
    rs_runview_close(&v);
    rs_registry_destroy(reg);
    return rc;
}

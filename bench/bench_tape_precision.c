/* bench_tape_precision.c: how far the float tape's meta-gradient is from the double tape's on a
 * meta-training spec's own episodes (is meta.tape "float" accurate enough there?).
 *
 * The episodes of the spec's first meta-step (streams rs_meta_stream(0, e), e < meta.episodes:
 * the tasks, networks and batches meta-training draws), each run on a double and on a float
 * tape with the same meta-parameters: the spec's initial ones, or a weights file's. Printed per
 * episode and for the meta-step's mean gradient (what Adam sees): the cosine of the two
 * gradients (as 1 - cosine), the norm ratio float / double, the relative distance |g_f - g_d| / |g_d|, and the
 * relative difference of the meta-losses.
 *
 * Usage: bench_tape_precision SPEC.json [WEIGHTS.json]   (from the build folder, or with
 * RULESET_PLUGIN_PATH set). */
#include <cblas.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ctx.h"
#include "file.h"
#include "meta.h"
#include "registry.h"
#include "tape.h"
#include "weights.h"

typedef struct cmp { double cosine, ratio, dist; } cmp;

static cmp compare(const double *gf, const double *gd, size_t n)
{
    double dot = 0, ff = 0, dd = 0, diff = 0;
    for (size_t i = 0; i < n; i++) {
        dot += gf[i] * gd[i];
        ff += gf[i] * gf[i];
        dd += gd[i] * gd[i];
        diff += (gf[i] - gd[i]) * (gf[i] - gd[i]);
    }
    return (cmp){ dot / sqrt(ff * dd), sqrt(ff / dd), sqrt(diff / dd) };
}

static void open_or_die(rs_meta *m, const rs_spec *spec, rs_registry *reg, rs_meta_cfg cfg,
                        int precision)
{
    char err[1024];
    cfg.tape_precision = precision;
    if (rs_meta_open(m, spec, reg, &cfg, 1, err, sizeof err)) {
        fprintf(stderr, "bench_tape_precision: %s\n", err);
        exit(2);
    }
}

/* One episode on both tapes: its gradients into gd, gf; returns the meta-losses' difference. */
static double episode_pair(rs_meta *md, rs_meta *mf, const double *phi, long e, double *gd,
                           double *gf)
{
    rs_episode ed = { .stream = rs_meta_stream(0, e), .task = -1 }, ef = ed;
    memset(gd, 0, md->n_phi * sizeof *gd);
    memset(gf, 0, md->n_phi * sizeof *gf);
    if (rs_meta_episode(md, phi, &ed, gd) || rs_meta_episode(mf, phi, &ef, gf)) {
        fprintf(stderr, "bench_tape_precision: episode %ld: %s%s\n", e, ed.err, ef.err);
        exit(3);
    }
    return fabs(ef.meta_loss - ed.meta_loss) / fabs(ed.meta_loss);
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        fprintf(stderr, "usage: bench_tape_precision SPEC.json [WEIGHTS.json]\n");
        return 2;
    }
    openblas_set_num_threads(1);
    char err[1024];
    rs_registry *reg = rs_registry_create();
    rs_registry_discover(reg, NULL, 0, NULL, 0);
    char *text = rs_read_file(argv[1], err, sizeof err);
    rs_spec *spec = text ? rs_spec_parse(text, argv[1], reg, err, sizeof err) : NULL;
    rs_meta_cfg cfg;
    if (!spec || rs_meta_cfg_parse(text, argv[1], &cfg, err, sizeof err)) {
        fprintf(stderr, "bench_tape_precision: %s\n", err);
        return 2;
    }
    rs_meta md, mf;
    open_or_die(&md, spec, reg, cfg, RS_TAPE_DOUBLE);
    open_or_die(&mf, spec, reg, cfg, RS_TAPE_FLOAT);
    const size_t n = md.n_phi;
    double *phi = malloc(n * sizeof *phi), *gd = malloc(n * sizeof *gd);
    double *gf = malloc(n * sizeof *gf), *sd = calloc(n, sizeof *sd), *sf = calloc(n, sizeof *sf);
    memcpy(phi, md.phi, n * sizeof *phi);
    if (argc > 2) {
        rs_ctx *ctx = rs_ctx_create(1, 0);
        if (rs_weights_load(ctx, argv[2], md.params, md.shapes, md.n_shapes, phi) != RS_OK) {
            fprintf(stderr, "bench_tape_precision: %s\n", ctx->err);
            return 2;
        }
        rs_ctx_destroy(ctx);
    }
    printf("%s, meta-parameters %s, %zu of them\nepisode\t1 - cosine\tnorm f/d\t|gf-gd|/|gd|\t"
           "meta-loss rel. diff\n", argv[1], argc > 2 ? argv[2] : "initial", n);
    double worst_cos = 1, worst_ratio = 0, worst_dist = 0;
    for (long e = 0; e < cfg.episodes; e++) {
        const double dl = episode_pair(&md, &mf, phi, e, gd, gf);
        const cmp c = compare(gf, gd, n);
        printf("%ld\t%.1e\t%.6f\t%.1e\t%.1e\n", e, 1 - c.cosine, c.ratio, c.dist, dl);
        for (size_t i = 0; i < n; i++) {
            sd[i] += gd[i] / (double)cfg.episodes;
            sf[i] += gf[i] / (double)cfg.episodes;
        }
        worst_cos = fmin(worst_cos, c.cosine);
        worst_ratio = fmax(worst_ratio, fabs(c.ratio - 1));
        worst_dist = fmax(worst_dist, c.dist);
    }
    const cmp c = compare(sf, sd, n);
    printf("mean\t%.1e\t%.6f\t%.1e\n", 1 - c.cosine, c.ratio, c.dist);
    printf("worst episode: 1 - cosine %.1e, norm ratio off by %.1e, distance %.1e\n", 1 - worst_cos,
           worst_ratio, worst_dist);
    free(phi), free(gd), free(gf), free(sd), free(sf);
    rs_meta_close(&md);
    rs_meta_close(&mf);
    rs_spec_destroy(spec);
    free(text);
    rs_registry_destroy(reg);
    return 0;
}

/* meta.h: meta-training of a rule that provides dstep (plugin.h's dstep contract).
 *
 * An episode: a task drawn from the training family, one of its networks with fresh random
 * weights, the rule created fresh (its random feedback drawn), then K inner steps of
 * task.batch -> rule.dstep recorded on the tape, each followed by the task loss on the task's
 * evaluation set through the updated network. The episode's meta-loss is the mean of those K
 * losses, each divided by the loss before training when cfg.normalize is set (so easy and hard
 * tasks weigh alike; docs/RULES.md), plus final_weight times the last one. Backprop runs
 * every `truncation` inner steps (truncated BPTT: the weights and the rule's recurrent state are
 * carried forward as constants, the gradient is not).
 *
 * A meta-step: `episodes` episodes (spread over threads, one tape each), their gradients summed
 * in episode order and averaged, the global norm clipped to cfg.clip, one Adam step on the
 * meta-parameters (double). Every episode's randomness is derived from (seed, meta-step,
 * episode), so the results do not depend on the thread count, and a resumed run continues
 * exactly as an uninterrupted one. */
#ifndef RS_META_H
#define RS_META_H

#include "spec.h"

#define RS_META_MAX_HELD 32
#define RS_META_MAX_SHAPES 64

typedef struct rs_meta_cfg {
    long iterations;         /* meta-steps */
    long episodes;           /* episodes per meta-step (the meta-batch) */
    long truncation;         /* inner steps per backprop window; 0 = the whole unroll */
    double lr, beta1, beta2, eps; /* Adam on the meta-parameters */
    double clip;             /* global-norm clip of the meta-gradient; 0 = none */
    double final_weight;     /* extra weight of the last inner step's loss */
    int normalize;           /* divide an episode's losses by its loss before training */
    int log_loss;            /* the mean of log(loss / loss before training) instead */
    double log_floor;        /* log_loss: losses below log_floor x the first count as it */
    long checkpoint_every;   /* meta-steps between checkpoints (and log lines) */
    long validation;         /* episodes per held-out task at each checkpoint; 0 = none */
    int tape_precision;      /* RS_TAPE_DOUBLE (0, the default) or RS_TAPE_FLOAT (tape.h) */
    char held_out[RS_META_MAX_HELD][128]; /* tasks whose label contains one are held out */
    size_t n_held_out;
} rs_meta_cfg;

/* One episode: in, the stream and (optionally) the task; out, what happened. */
typedef struct rs_episode {
    uint64_t stream;         /* in: its random stream id */
    long task;               /* in: spec task index, or -1 = draw from the training family */
    double meta_loss;        /* out: this episode's share of the meta-loss */
    double loss0, final_loss, final_acc;
    int solved;              /* at the last inner step */
    size_t task_used, net_used;
    long steps;              /* K */
    double *curve;           /* in: (max_steps) or NULL; out: loss after each inner step */
    int failed;
    char err[512];
} rs_episode;

typedef struct rs_meta_step_stats {
    double meta_loss, grad_norm, final_acc, solved, final_loss;
    int clipped, skipped;    /* the norm was above clip; the step was not taken */
    long failed;             /* episodes that failed (diverged or errors) */
} rs_meta_step_stats;

typedef struct rs_meta_worker rs_meta_worker;

typedef struct rs_meta {
    const rs_spec *spec;
    const rs_registry *reg;
    rs_meta_cfg cfg;
    int threads;
    const rs_rule_desc *rule;
    rs_params *params;        /* the rule's, with weights = "" */
    size_t *train, n_train;   /* spec task indices of the training family */
    size_t *held, n_held;     /* the held-out ones */
    rs_meta_shape shapes[RS_META_MAX_SHAPES];
    uint32_t n_shapes;
    size_t n_phi;
    double *phi, *adam_m, *adam_v; /* (n_phi) */
    long adam_t;
    long done;                /* meta-steps done */
    long max_steps;           /* the largest K of any task */
    double *curve;            /* (max_steps) mean inner loss of the last meta-step */
    rs_meta_worker *workers;  /* (threads) */
    double *ep_grad;          /* (episodes, n_phi) */
    rs_episode *eps;          /* (episodes) */
    double *ep_curves;        /* (episodes, max_steps) */
} rs_meta;

/* Prepare: the family, the meta-parameter shapes (checked alike for every network), their
 * initial values (meta_init, from the seed), workers. 0 ok, else one line in err. */
int rs_meta_open(rs_meta *m, const rs_spec *spec, const rs_registry *reg, const rs_meta_cfg *cfg,
                 int threads, char *err, size_t err_size);
void rs_meta_close(rs_meta *m);

/* Run n episodes with meta-parameters phi on the workers; grads (n, n_phi), if not NULL,
 * receive each episode's meta-gradient. */
void rs_meta_run_episodes(rs_meta *m, const double *phi, rs_episode *eps, size_t n,
                          double *grads);
/* One episode on worker 0's tape (tests). grad (n_phi) or NULL. 0 ok. */
int rs_meta_episode(rs_meta *m, const double *phi, rs_episode *ep, double *grad);
/* Stream id of episode e of meta-step it, and of validation episode k of held-out task h. */
uint64_t rs_meta_stream(long it, long e);
uint64_t rs_meta_validation_stream(size_t h, long k);

/* The "meta" object of a meta-training spec's text (meta_config.c): defaults for missing keys;
 * 0, or -1 with one line in err naming the key. */
int rs_meta_cfg_parse(const char *text, const char *file, rs_meta_cfg *c, char *err,
                      size_t size);
/* One meta-step; m->done advances by one (a skipped step too: the next draws new episodes). */
void rs_meta_step(rs_meta *m, rs_meta_step_stats *out);

#endif

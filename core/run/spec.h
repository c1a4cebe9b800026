/* spec.h: a comparison spec: what to run. Parsed from JSON (a file, the embedded default, or
 * the inline flags turned into JSON), validated against every plugin's parameter table; list
 * values of parameters are sweeps and expand into one item each. */
#ifndef RS_SPEC_H
#define RS_SPEC_H

#include <ruleset/plugin.h>

#include "file.h"
#include "network.h"
#include "params.h"
#include "recurrent.h"
#include "registry.h"

struct cJSON;

#define RS_MAX_LAYERS 16
#define RS_MAX_WIDTH 1000000        /* units in one layer of a layered network */

typedef struct rs_item {            /* one rule or task instance */
    const rs_plugin_head *head;
    rs_params *params;
    char label[256];                /* "backprop[lr=0.1]", "gates:gate=xor" */
    long steps, batch, eval_every;  /* overrides; -1 = the spec's (rule beats task) */
    size_t net_first, net_count;    /* tasks: their own networks in spec->nets; 0 = global */
} rs_item;

typedef struct rs_netspec {
    int kind;                       /* RS_NET_LAYERED or RS_NET_RECURRENT */
    rs_recspec rec;                 /* recurrent only; its activation is act[0] */
    uint32_t n_hidden;
    uint32_t hidden[RS_MAX_LAYERS];
    uint32_t n_act;                 /* 1 = all layers; 2 with more layers = hidden, output */
    char act[RS_MAX_LAYERS][64];
    int bias;
    char init_text[64];             /* the first layer's init when given per layer */
    rs_init init;
    uint32_t n_init;                /* 1, or one per weight layer: layer_init[l - 1] */
    rs_init layer_init[RS_MAX_LAYERS + 1];
    char label[128];                /* explicit label, or "" for the sizes */
} rs_netspec;

typedef struct rs_spec {
    char name[64];
    uint64_t seed;
    long replicates, steps, batch, eval_every; /* batch 0 = the task's full set */
    long epochs;                    /* > 0: train by epochs (this beats every "steps") */
    int eval_epoch;                 /* eval_every "epoch": evaluate after every epoch */
    int alignment;                  /* record cos(dW, -grad) per layer at evaluation points */
    rs_item *rules, *tasks;
    size_t n_rules, n_tasks;
    rs_netspec *nets;               /* the global networks, then the tasks' own */
    size_t n_nets, n_global_nets;
    char *json;                     /* the resolved spec, as written to spec.json */
    int save_nets;                  /* write every trained network to nets/ (default 1) */
    int truth_table;                /* compare prints the truth tables at the end */
} rs_spec;

/* Parse `text` (named `file` in messages). On error returns NULL and writes one line:
 * "FILE:LINE:COL: what; what to do" or "FILE:LINE: json.path: what". */
rs_spec *rs_spec_parse(const char *text, const char *file, const rs_registry *reg, char *err,
                       size_t err_size);
void rs_spec_destroy(rs_spec *spec);
/* The item's canonical text (streams.c): its plugin's name, then "[k=v,...]" (rules) or
 * ":k=v,..." (tasks) of the values that differ from the defaults (rs_params_canonical). */
void rs_item_canonical(const rs_item *it, rs_strbuf *b);
/* The net's shape for a task: "2-2-1", "rec-n4-r2" ("rec-n4b-r2" with a bias node). */
void rs_netspec_shape(const rs_netspec *ns, uint32_t n_in, uint32_t n_out, char *buf,
                      size_t size);
/* The net's label for a task with n_in inputs and n_out outputs: "2-2-1" unless given. */
void rs_netspec_label(const rs_netspec *ns, uint32_t n_in, uint32_t n_out, char *buf,
                      size_t size);
/* The recurrent form of a network object (spec_recurrent.c): every key but "kind", "act",
 * "init", "label" and "comment", which parse_net reads. 0, or one line in msg. */
int rs_recspec_parse(const struct cJSON *obj, rs_recspec *rs, char *msg, size_t msg_size);
/* The activation text of weight layer l (1..n_layers). */
const char *rs_netspec_act(const rs_netspec *ns, uint32_t l, uint32_t n_layers);

#endif

/* netio.h: trained networks as JSON ("ruleset-net", version 1; docs/RULES.md, "Saved
 * networks"). The runner appends one per finished job, on one line, to RUNDIR/nets.jsonl;
 * `ruleset inspect` and `ruleset plot` read them back. Numbers are written with 9 significant
 * digits, which gives every float back exactly.
 *
 *   {"format": "ruleset-net", "version": 1,
 *    "job": {"index": 4, "key": ..., "rule": ..., "task": ..., "net": ..., "replicate": 0,
 *            "status": "ok", "solved": true, "final_loss": ..., "steps": ...},
 *    "task": "gates:gate=xor",
 *    "kind": "layered", "sizes": [2, 2, 1], "act": ["relu", "sigmoid"], "bias": true,
 *    "layers": [{"w": [[...], [...]], "b": [...]}, {"w": [[...]], "b": [...]}]}
 *
 * A recurrent net has "kind": "recurrent", the keys of its spec form (nodes, rounds, act,
 * inputs, outputs, labels, sign, budget, ...), "raw": P and "adjacency": A (N rows of N). A
 * file written by hand may spread over lines, leave out "job" and "task", and give only
 * "adjacency": A is then used as it is (free sign, no budget). */
#ifndef RS_NETIO_H
#define RS_NETIO_H

#include <ruleset/net.h>

#include "act.h"
#include "spec.h"

#define RS_NETIO_FORMAT "ruleset-net"
#define RS_NETIO_VERSION 1

typedef struct rs_netmeta {
    char rule[256], task[256], net[128], key[1024];
    char task_text[512]; /* "plugin:k=v,..." the task to rebuild the evaluation set from */
    char status[16];     /* ok, diverged */
    long index, replicate, steps;   /* index: the job's number in its run */
    int solved;
    double final_loss;
} rs_netmeta;

/* The JSON text (malloc'd) of a network; meta may be NULL. NULL on no memory. */
char *rs_netio_dump(const rs_net *net, const rs_netmeta *meta);

typedef struct rs_loaded_net {
    rs_net *net;
    rs_act *acts[RS_MAX_LAYERS + 1]; /* owned */
    uint32_t n_acts;
    rs_netmeta meta;                 /* "" and -1 where the file has none */
} rs_loaded_net;

/* Build a network (able to forward max_batch examples) from JSON text; `name` is the file for
 * messages. 0 ok; else one line in err. */
int rs_netio_load(const char *text, const char *name, const rs_registry *reg, uint32_t max_batch,
                  rs_loaded_net *out, char *err, size_t err_size);
void rs_netio_free(rs_loaded_net *ln);

#endif

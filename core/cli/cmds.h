/* cmds.h: the CLI's commands; each takes argv from its own name on and returns the exit code:
 * 0 ok, 1 some jobs failed, 2 bad input (spec, flags, plugin), 3 internal or I/O error,
 * 130 interrupted. */
#ifndef RS_CMDS_H
#define RS_CMDS_H

#include <stdio.h>

#include "registry.h"

enum { RS_EXIT_OK = 0, RS_EXIT_JOBS = 1, RS_EXIT_INPUT = 2, RS_EXIT_INTERNAL = 3,
       RS_EXIT_INTERRUPTED = 130 };

int rs_cmd_compare(int argc, char **argv);
int rs_cmd_list(int argc, char **argv);
int rs_cmd_info(int argc, char **argv);
int rs_cmd_check_plugin(int argc, char **argv);
int rs_cmd_plot(int argc, char **argv);
int rs_cmd_merge(int argc, char **argv);
int rs_cmd_new(int argc, char **argv);
int rs_cmd_inspect(int argc, char **argv);
int rs_cmd_meta_train(int argc, char **argv);
int rs_cmd_explain(int argc, char **argv);

/* Plugin discovery flags shared by every command: --plugin FILE, --plugin-dir DIR. Consumes
 * them from argv (compacting it); returns the registry or NULL (message printed). */
rs_registry *rs_cli_registry(int *argc, char **argv);

/* The flags of `ruleset compare` with their defaults: its --help and the top-level one. */
#define RS_COMPARE_FLAGS \
    "      --task T, --rule R   inline items, repeatable: NAME or NAME:key=value,... (a sweep:\n" \
    "                           key=[a,b,c]); with no spec file, at least one of each;\n" \
    "                           with one, --task replaces the spec's tasks (--rule, --net,\n" \
    "                           --act are inline only)\n" \
    "      --net 2-2-1          a network's layer sizes, repeatable (inline default 1-2-1)\n" \
    "      --act A[,B]          hidden (and output) activations, e.g. relu,sigmoid\n" \
    "      --replicates N       seeds per rule x task x network (default: the spec's, else 10)\n" \
    "      --steps N            training steps per job (default: the spec's, else 1000)\n" \
    "      --epochs N           train by epochs instead: every training example once per\n" \
    "                           epoch, in shuffled batches (beats steps; not with --steps)\n" \
    "      --batch N|full       examples per step (default: the spec's, else full)\n" \
    "      --eval-every N|epoch steps between evaluations, or after every epoch (default:\n" \
    "                           the spec's, else steps/50, at least 1); a curve point is the\n" \
    "                           evaluation-set loss and accuracy at that step, and a rule's\n" \
    "                           metrics from that step's update (train_loss: the mean over\n" \
    "                           the interval)\n" \
    "      --alignment          per layer, the cosine of each rule's weight change with the\n" \
    "                           backprop gradient of the same batch, in curves.tsv\n" \
    "      --seed S             the run's seed (default: the spec's, else 1)\n" \
    "      --max-memory SIZE    refuse jobs that together would need more (4G, 512M; default:\n" \
    "                           the memory this machine has available)\n" \
    "      --threads N          jobs at once (default: every core, shared among MPI ranks)\n" \
    "      -o DIR, --out DIR    the run folder (default runs/NAME-YYYYmmdd-HHMMSS)\n" \
    "      --resume             finish the run folder -o DIR: only the jobs not in journal.tsv\n" \
    "      --quiet, -q          no table, no progress bar\n" \
    "      --no-plot            no figures at the end\n" \
    "      --save-nets, --no-save-nets   keep every trained network in nets.jsonl (default:\n" \
    "                           the spec's \"save_nets\", else on)\n" \
    "      --shard I/N          run every N-th job from the I-th (ruleset merge the folders)\n" \
    "      --isolate, --no-isolate   every job in a worker process, or none (default: jobs\n" \
    "                           of plugins from outside the built-in folder)\n" \
    "      --job-timeout S      end a worker job after S seconds (default: none)\n" \
    "      --plugin FILE.so, --plugin-dir DIR   more plugins (every command takes them)\n"

/* The embedded rules/default.json. */
extern const char rs_default_spec[];

#endif

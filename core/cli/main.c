/* main.c: the ruleset command line: argument dispatch only. */
#include <cblas.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>

#include "cmds.h"
#include "paths.h"

static const char help[] =
    "ruleset " RS_VERSION ": compare learning rules on small networks\n"
    "\n"
    "  ruleset compare [SPEC.json] [flags]   run a comparison (no spec: the built-in default;\n"
    "                                        a name alone: a ready-made spec, e.g. xor-mlp)\n"
    RS_COMPARE_FLAGS
    "      mpirun -np N ruleset compare ...  split the jobs across MPI ranks, one folder\n"
    "  ruleset plot RUNDIR [--term png|svg|pdf|dumb]   curves, accuracy, alignment, success with gnuplot\n"
    "  ruleset merge DIR... [-o OUT]         join the folders of --shard runs into one\n"
    "  ruleset new rule|task|activation NAME   write NAME.c, a working plugin to start from\n"
    "  ruleset new cmake                     write CMakeLists.txt building every .c into rules/\n"
    "  ruleset inspect RUNDIR|SPEC|NET.json [--rule R --task T --net N --replicate K]\n"
    "                  [--diff X:Y] [--truth] [--tsv]   activations, differences, weights\n"
    "  ruleset meta-train SPEC.json -o NAME.weights.json   meta-train a rule that has dstep\n"
    "  ruleset explain WEIGHTS.json          a meta-trained rule read as a polynomial\n"
    "  ruleset list                          every plugin found, and every file refused\n"
    "  ruleset info NAME                     a plugin's parameters\n"
    "  ruleset check-plugin FILE.so          validate a plugin file\n"
    "\n"
    "`ruleset CMD --help` prints a command's flags and their defaults.\n"
    "Every command takes --plugin FILE.so and --plugin-dir DIR; $RULESET_PLUGIN_PATH adds more.\n"
    "Exit codes: 0 ok, 1 some jobs failed, 2 bad input, 3 internal or I/O error, 130 interrupted.\n";

int main(int argc, char **argv)
{
    /* Parallelism is across jobs; a threaded BLAS inside a job would only fight for cores
     * (and sums split differently by thread count would break determinism). */
    openblas_set_num_threads(1);
    /* Past a file-size limit a write should fail with EFBIG, which we report like a full disk,
     * rather than kill the process and lose the table. */
    signal(SIGXFSZ, SIG_IGN);
    if (argc < 2 || !strcmp(argv[1], "-h") || !strcmp(argv[1], "--help") || !strcmp(argv[1], "help")) {
        fputs(help, argc < 2 ? stderr : stdout);
        return argc < 2 ? RS_EXIT_INPUT : RS_EXIT_OK;
    }
    if (!strcmp(argv[1], "--version")) {
        printf("ruleset %s (plugin ABI %d.%d)\n", RS_VERSION, RS_ABI_MAJOR, RS_ABI_MINOR);
        char dir[4200]; /* where this binary finds its own files (paths.h) */
        printf("plugins: %s\n", rs_builtin_plugin_dir(dir, sizeof dir) == 0 ? dir : "(none)");
        printf("specs:   %s\n", rs_data_dir("rules", "default.json", "RULESET_RULES_DIR", dir,
                                                 sizeof dir)
                                     ? dir : "(none)");
#ifdef RS_HAVE_MPI
        printf("mpi:     on (mpirun -np N ruleset compare ... splits a run across N ranks)\n");
#else
        printf("mpi:     off (built without RULESET_MPI)\n");
#endif
        printf("scripts: %s\n", rs_data_dir("scripts", "curves.gp", "RULESET_SCRIPTS_DIR", dir,
                                             sizeof dir) ? dir : "(none)");
        return RS_EXIT_OK;
    }
    static const struct { const char *name; int (*fn)(int, char **); } cmds[] = {
        { "compare", rs_cmd_compare }, { "plot", rs_cmd_plot }, { "inspect", rs_cmd_inspect },
        { "list", rs_cmd_list },
        { "info", rs_cmd_info }, { "check-plugin", rs_cmd_check_plugin },
        { "merge", rs_cmd_merge }, { "new", rs_cmd_new },
        { "meta-train", rs_cmd_meta_train }, { "explain", rs_cmd_explain },
    };
    for (size_t i = 0; i < sizeof cmds / sizeof *cmds; i++)
        if (!strcmp(argv[1], cmds[i].name))
            return cmds[i].fn(argc - 1, argv + 1);
    fprintf(stderr, "ruleset: unknown command '%s'\n\n%s", argv[1], help);
    return RS_EXIT_INPUT;
}

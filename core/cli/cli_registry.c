/* cli_registry.c: the one registry every command makes, with the discovery flags they all
 * take (cmds.h: rs_cli_registry). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmds.h"

rs_registry *rs_cli_registry(int *argc, char **argv)
{
    char **files = calloc((size_t)*argc + 1, sizeof *files);
    char **dirs = calloc((size_t)*argc + 1, sizeof *dirs);
    size_t nf = 0, nd = 0;
    int out = 0;
    for (int i = 0; i < *argc; i++) {
        if ((!strcmp(argv[i], "--plugin") || !strcmp(argv[i], "--plugin-dir")) && i + 1 < *argc) {
            if (argv[i][8] == '-')
                dirs[nd++] = argv[++i];
            else
                files[nf++] = argv[++i];
        } else {
            argv[out++] = argv[i];
        }
    }
    *argc = out;
    argv[out] = NULL;
    rs_registry *reg = rs_registry_create();
    if (reg) {
        rs_registry_discover(reg, files, nf, dirs, nd);
        for (size_t i = 0; i < reg->n_notes; i++) /* refusals no command may keep silent */
            fprintf(stderr, "ruleset: %s\n", reg->notes[i]);
    }
    free(files);
    free(dirs);
    if (!reg)
        fprintf(stderr, "ruleset: out of memory\n");
    return reg;
}

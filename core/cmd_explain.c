/* cmd_explain.c: placeholder until the explain command lands. */
#include <stdio.h>

#include "cmds.h"

int rs_cmd_explain(int argc, char **argv)
{
    (void)argc, (void)argv;
    fprintf(stderr, "ruleset: explain: not yet\n");
    return RS_EXIT_INTERNAL;
}

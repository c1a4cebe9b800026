/* gnuplot.h: running gnuplot on ruleset's scripts. C only chooses a script and passes
 * variables with -e (labels as quoted gnuplot strings, numbers as numbers); every plotting
 * decision is in the scripts (scripts/NAME.gp), whose headers list the variables they receive. */
#ifndef RS_GNUPLOT_H
#define RS_GNUPLOT_H

#include <stddef.h>

#include "strbuf.h"

/* The -e assignments for one script run, in chunks separated by '\n' (see rs_gp_next). */
typedef struct rs_gpvars {
    rs_strbuf b;
    size_t mark; /* where the current chunk starts */
} rs_gpvars;

/* Linux caps one argument at 128 KiB: after each complete assignment, start a new chunk once
 * the current one passes 60 000 bytes. rs_gp_str and rs_gp_int call it. */
void rs_gp_next(rs_gpvars *v);
/* name='value' with ' doubled: gnuplot's single-quoted strings take everything else literally. */
void rs_gp_str(rs_gpvars *v, const char *name, const char *val);
void rs_gp_int(rs_gpvars *v, const char *name, long value);
/* Empty v for the next script (keeps its memory). */
void rs_gp_reset(rs_gpvars *v);

/* "dir/name", malloc'd; NULL when out of memory. */
char *rs_join_path(const char *dir, const char *name);
/* The first executable "gnuplot" on $PATH, malloc'd; NULL when none. */
char *rs_gp_find(void);
/* The folder of the gnuplot scripts: $RULESET_SCRIPTS_DIR, else this binary's (paths.h).
 * NULL after printing one line, with *rc the exit code. */
const char *rs_gp_scripts(int *rc);
/* gnuplot -d -e CHUNK1 [-e CHUNK2 ...] DIR/NAME, no shell in between; vars (the text of an
 * rs_gpvars) is split in place. 0, or prints one line and returns 3. */
int rs_gp_run(const char *gnuplot, char *vars, const char *dir, const char *name);

#endif

/* plot_label.h: how every figure shortens a long label (plot_label.c), so a rule or task reads
 * the same in panel titles, axis tics, headings and file names; the keys show the full label. */
#ifndef RS_PLOT_LABEL_H
#define RS_PLOT_LABEL_H

#include <stddef.h>

/* LABEL itself when it has at most MAX characters, else its first and last characters with
 * "..." between (the head and the tail of a sweep label both tell rows apart). OUT of SIZE
 * bytes; returns OUT. */
char *rs_plot_short(const char *label, size_t max, char *out, size_t size);
/* LABEL for a file name: letters, digits and . = + - kept, every other run of characters one
 * '_', shortened as rs_plot_short to MAX with "~" for "..."; never empty ("x"). */
char *rs_plot_slug(const char *label, size_t max, char *out, size_t size);

#endif

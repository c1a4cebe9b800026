/* numfmt.h: numbers as text without printf, byte for byte what printf writes. A run writes a
 * few hundred numbers per job (journal, curves, networks); printf's general-purpose formatting
 * was most of a small job's cost. */
#ifndef RS_NUMFMT_H
#define RS_NUMFMT_H

#include <stddef.h>

/* Room for any number these write, with its NUL. */
#define RS_FMT_MAX 40

/* v as printf("%.*g", prec, v) writes it (prec 1..17; "inf", "-nan", "-0" as glibc writes them),
 * into out (RS_FMT_MAX bytes); returns its length. %.17g reads back as the same double, %.9g of
 * a float's value as the same float. */
int rs_fmt_g(char *out, double v, int prec);
/* Whole numbers as %lld and %llu write them. */
int rs_fmt_i(char *out, long long v);
int rs_fmt_u(char *out, unsigned long long v);

#endif

/* polyfit.h: least squares with polynomial features: y over samples of a few variables fitted
 * with every monomial up to a degree (a Volterra/Taylor expansion), by Householder QR. */
#ifndef RS_POLYFIT_H
#define RS_POLYFIT_H

#include <stddef.h>

#define RS_POLY_MAX_VARS 8

typedef struct rs_monomial {
    int pow[RS_POLY_MAX_VARS];
    char name[48];           /* "pre·m", "1" for the constant */
} rs_monomial;

/* Every monomial of degree <= degree in n_vars variables, constant first, by degree, and within
 * a degree by descending powers of the first variable, then the second...; names from `names`
 * joined by "·". Writes at most max; returns how many there are. */
int rs_poly_terms(int n_vars, int degree, const char *const *names, rs_monomial *out, int max);
/* The monomial at the point x (n_vars values). */
double rs_poly_value(const rs_monomial *t, int n_vars, const double *x);
/* min |A c - y| for A (n, p) column-major in a (overwritten), by Householder QR; c (p).
 * Columns that are (numerically) dependent get c = 0. Returns the residual sum of squares, or
 * NaN when out of memory. */
double rs_lsq(double *a, size_t n, int p, const double *y, double *c);
/* R² of the least-squares fit of y (n) on the k monomials terms[idx[0..k)] at the points x
 * (n, n_vars); their coefficients into c (k). NaN when out of memory. */
double rs_poly_fit(const double *x, size_t n, int n_vars, const rs_monomial *terms,
                   const int *idx, int k, const double *y, double *c);

#endif

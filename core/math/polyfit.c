/* polyfit.c: see polyfit.h. */
#include "polyfit.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Powers for variables v..n_vars-1 summing to `left`, highest power of v first. */
static void enumerate(int v, int n_vars, int left, int *pow, const char *const *names,
                      rs_monomial *out, int max, int *n)
{
    if (v == n_vars - 1) {
        pow[v] = left;
        if (*n < max) {
            rs_monomial *t = &out[*n];
            memset(t, 0, sizeof *t);
            memcpy(t->pow, pow, (size_t)n_vars * sizeof *pow);
            size_t used = 0;
            for (int s = 0; s < n_vars; s++)
                for (int k = 0; k < pow[s]; k++)
                    used += (size_t)snprintf(t->name + used, sizeof t->name - used, "%s%s",
                                             used ? "·" : "", names[s]);
            if (!used)
                snprintf(t->name, sizeof t->name, "1");
        }
        ++*n;
        return;
    }
    for (int p = left; p >= 0; p--) {
        pow[v] = p;
        enumerate(v + 1, n_vars, left - p, pow, names, out, max, n);
    }
}

int rs_poly_terms(int n_vars, int degree, const char *const *names, rs_monomial *out, int max)
{
    int pow[RS_POLY_MAX_VARS] = { 0 }, n = 0;
    for (int deg = 0; deg <= degree; deg++)
        enumerate(0, n_vars, deg, pow, names, out, max, &n);
    return n;
}

double rs_poly_value(const rs_monomial *t, int n_vars, const double *x)
{
    double v = 1;
    for (int s = 0; s < n_vars; s++)
        for (int k = 0; k < t->pow[s]; k++)
            v *= x[s];
    return v;
}

/* Householder QR (Golub & Van Loan, Matrix Computations, 4th ed., sections 5.2 and 5.3): column j
 * is reflected onto alpha e_j by H = I - 2 v v^T / v^T v, the same H applied to the later
 * columns and to y; R's diagonal is kept apart, then R c = Q^T y is solved upwards. */
double rs_lsq(double *a, size_t n, int p, const double *y_in, double *c)
{
    double *y = malloc(n * sizeof *y), *diag = calloc((size_t)p, sizeof *diag);
    if (!y || !diag) {
        free(y);
        free(diag);
        return NAN;
    }
    memcpy(y, y_in, n * sizeof *y);
    for (int j = 0; j < p; j++) {
        double *col = a + (size_t)j * n, norm = 0;
        for (size_t i = (size_t)j; i < n; i++)
            norm += col[i] * col[i];
        norm = sqrt(norm);
        if (norm < 1e-12) {
            diag[j] = 0;
            continue;
        }
        double alpha = col[j] > 0 ? -norm : norm;
        col[j] -= alpha; /* v = x - alpha e1, kept in place */
        double vv = 0;
        for (size_t i = (size_t)j; i < n; i++)
            vv += col[i] * col[i];
        for (int k = j + 1; k < p; k++) { /* apply H = I - 2 v v^T / v^T v */
            double *ck = a + (size_t)k * n, s = 0;
            for (size_t i = (size_t)j; i < n; i++)
                s += col[i] * ck[i];
            s = 2 * s / vv;
            for (size_t i = (size_t)j; i < n; i++)
                ck[i] -= s * col[i];
        }
        double s = 0;
        for (size_t i = (size_t)j; i < n; i++)
            s += col[i] * y[i];
        s = 2 * s / vv;
        for (size_t i = (size_t)j; i < n; i++)
            y[i] -= s * col[i];
        diag[j] = alpha;
    }
    for (int j = p - 1; j >= 0; j--) { /* back substitution on R */
        if (fabs(diag[j]) < 1e-12) {
            c[j] = 0;
            continue;
        }
        double s = y[j];
        for (int k = j + 1; k < p; k++)
            s -= a[(size_t)k * n + (size_t)j] * c[k];
        c[j] = s / diag[j];
    }
    double rss = 0;
    for (size_t i = (size_t)p; i < n; i++)
        rss += y[i] * y[i];
    free(y);
    free(diag);
    return rss;
}

double rs_poly_fit(const double *x, size_t n, int n_vars, const rs_monomial *terms,
                   const int *idx, int k, const double *y, double *c)
{
    double *a = malloc(n * (size_t)k * sizeof *a);
    if (!a)
        return NAN;
    for (int j = 0; j < k; j++)
        for (size_t i = 0; i < n; i++)
            a[(size_t)j * n + i] = rs_poly_value(&terms[idx[j]], n_vars, x + i * (size_t)n_vars);
    double rss = rs_lsq(a, n, k, y, c);
    free(a);
    double mean = 0, tss = 0;
    for (size_t i = 0; i < n; i++)
        mean += y[i] / n;
    for (size_t i = 0; i < n; i++)
        tss += (y[i] - mean) * (y[i] - mean);
    return tss > 0 ? 1 - rss / tss : 1;
}

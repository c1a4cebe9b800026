/* kernels.h: the dense math under networks and the host table. Feature-major activations
 * (units, n): every inner loop runs along the batch, so gcc vectorises it and tiny layers pay
 * no per-element call. Reductions use a fixed 16-way split, so sums do not depend on the
 * vector width the compiler picks. Large products go to the CBLAS. */
#ifndef RS_KERNELS_H
#define RS_KERNELS_H

#include <ruleset/abi.h>

/* sum_b x[b] y[b], in a fixed order */
rs_real rs_dot(const rs_real *x, const rs_real *y, size_t n);
rs_real rs_sum(const rs_real *x, size_t n);
void rs_axpy(size_t n, rs_real alpha, const rs_real *x, rs_real *y);
/* Row-major C = alpha op(A) op(B) + beta C (see host.h). */
void rs_gemm(int trans_a, int trans_b, size_t m, size_t n, size_t k, rs_real alpha,
             const rs_real *a, size_t lda, const rs_real *b, size_t ldb, rs_real beta,
             rs_real *c, size_t ldc);
/* z (n_out, n) = W (n_out, n_in) a (n_in, n) + b (n_out; may be NULL) */
void rs_dense_forward(rs_real *z, const rs_real *w, const rs_real *b, const rs_real *a,
                      size_t n_out, size_t n_in, size_t n);
/* dW (n_out, n_in) = delta (n_out, n) a^T;  db (n_out) = row sums of delta (if db);
 * da (n_in, n) = W^T delta (if da). All OVERWRITE. */
void rs_dense_backward(rs_real *dw, rs_real *db, rs_real *da, const rs_real *delta,
                       const rs_real *w, const rs_real *a, size_t n_out, size_t n_in, size_t n);
/* Loss of pred against y, both (n_out, n); d_pred (may be NULL) gets dLoss/dpred. */
double rs_loss(uint32_t kind, const rs_real *pred, const rs_real *y, uint32_t n_out, uint32_t n,
               rs_real *d_pred);

#endif

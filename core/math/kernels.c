/* kernels.c: see kernels.h. */
#include "kernels.h"

#include <cblas.h>
#include <math.h>

#include <ruleset/net.h>

#define LANES 16
/* Products with at least this many multiply-adds go to the CBLAS; below it the call and its
 * packing cost more than the loops. */
#define BLAS_MIN_MACS (64 * 64 * 32)

rs_real rs_dot(const rs_real *x, const rs_real *y, size_t n)
{
    rs_real acc[LANES] = { 0 };
    size_t b = 0;
    for (; b + LANES <= n; b += LANES)
        for (int k = 0; k < LANES; k++)
            acc[k] += x[b + k] * y[b + k];
    for (int k = 0; b < n; b++, k++)
        acc[k] += x[b] * y[b];
    rs_real s = 0;
    for (int k = 0; k < LANES; k++)
        s += acc[k];
    return s;
}

rs_real rs_sum(const rs_real *x, size_t n)
{
    rs_real acc[LANES] = { 0 };
    size_t b = 0;
    for (; b + LANES <= n; b += LANES)
        for (int k = 0; k < LANES; k++)
            acc[k] += x[b + k];
    for (int k = 0; b < n; b++, k++)
        acc[k] += x[b];
    rs_real s = 0;
    for (int k = 0; k < LANES; k++)
        s += acc[k];
    return s;
}

void rs_axpy(size_t n, rs_real alpha, const rs_real *restrict x, rs_real *restrict y)
{
    for (size_t i = 0; i < n; i++)
        y[i] += alpha * x[i];
}

void rs_gemm(int trans_a, int trans_b, size_t m, size_t n, size_t k, rs_real alpha,
             const rs_real *a, size_t lda, const rs_real *b, size_t ldb, rs_real beta,
             rs_real *c, size_t ldc)
{
    if (m * n * k >= BLAS_MIN_MACS) {
        cblas_sgemm(CblasRowMajor, trans_a ? CblasTrans : CblasNoTrans,
                    trans_b ? CblasTrans : CblasNoTrans, (int)m, (int)n, (int)k, alpha, a,
                    (int)lda, b, (int)ldb, beta, c, (int)ldc);
        return;
    }
    for (size_t i = 0; i < m; i++) {
        rs_real *ci = c + i * ldc;
        if (beta == 0)
            for (size_t j = 0; j < n; j++)
                ci[j] = 0;
        else if (beta != 1)
            for (size_t j = 0; j < n; j++)
                ci[j] *= beta;
        for (size_t p = 0; p < k; p++) {
            rs_real aip = alpha * (trans_a ? a[p * lda + i] : a[i * lda + p]);
            if (!trans_b) {
                rs_axpy(n, aip, b + p * ldb, ci);
            } else {
                for (size_t j = 0; j < n; j++)
                    ci[j] += aip * b[j * ldb + p];
            }
        }
    }
}

void rs_dense_forward(rs_real *z, const rs_real *w, const rs_real *b, const rs_real *a,
                      size_t n_out, size_t n_in, size_t n)
{
    if (n_out * n_in * n >= BLAS_MIN_MACS) {
        for (size_t i = 0; i < n_out; i++)
            for (size_t t = 0; t < n; t++)
                z[i * n + t] = b ? b[i] : 0;
        cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, (int)n_out, (int)n, (int)n_in,
                    1.0f, w, (int)n_in, a, (int)n, 1.0f, z, (int)n);
        return;
    }
    if (n == 1) { /* one example: plain dot products, the same sums in the same order */
        for (size_t i = 0; i < n_out; i++) {
            rs_real s = b ? b[i] : 0;
            for (size_t j = 0; j < n_in; j++)
                s += w[i * n_in + j] * a[j];
            z[i] = s;
        }
        return;
    }
    for (size_t i = 0; i < n_out; i++) {
        rs_real *restrict zi = z + i * n;
        const rs_real bi = b ? b[i] : 0;
        for (size_t t = 0; t < n; t++)
            zi[t] = bi;
        for (size_t j = 0; j < n_in; j++)
            rs_axpy(n, w[i * n_in + j], a + j * n, zi);
    }
}

void rs_dense_backward(rs_real *dw, rs_real *db, rs_real *da, const rs_real *delta,
                       const rs_real *w, const rs_real *a, size_t n_out, size_t n_in, size_t n)
{
    if (n_out * n_in * n >= BLAS_MIN_MACS) {
        cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, (int)n_out, (int)n_in, (int)n, 1.0f,
                    delta, (int)n, a, (int)n, 0.0f, dw, (int)n_in);
        if (da)
            cblas_sgemm(CblasRowMajor, CblasTrans, CblasNoTrans, (int)n_in, (int)n, (int)n_out,
                        1.0f, w, (int)n_in, delta, (int)n, 0.0f, da, (int)n);
    } else if (n == 1) { /* one example: outer product and W^T delta, same order as below */
        for (size_t i = 0; i < n_out; i++)
            for (size_t j = 0; j < n_in; j++)
                dw[i * n_in + j] = delta[i] * a[j];
        if (da) {
            for (size_t j = 0; j < n_in; j++)
                da[j] = 0;
            for (size_t i = 0; i < n_out; i++)
                for (size_t j = 0; j < n_in; j++)
                    da[j] += w[i * n_in + j] * delta[i];
        }
        if (db)
            for (size_t i = 0; i < n_out; i++)
                db[i] = delta[i];
        return;
    } else {
        for (size_t i = 0; i < n_out; i++)
            for (size_t j = 0; j < n_in; j++)
                dw[i * n_in + j] = rs_dot(delta + i * n, a + j * n, n);
        if (da) {
            for (size_t j = 0; j < n_in; j++) {
                rs_real *restrict daj = da + j * n;
                for (size_t t = 0; t < n; t++)
                    daj[t] = 0;
                for (size_t i = 0; i < n_out; i++)
                    rs_axpy(n, w[i * n_in + j], delta + i * n, daj);
            }
        }
    }
    if (db)
        for (size_t i = 0; i < n_out; i++)
            db[i] = rs_sum(delta + i * n, n);
}

double rs_loss(uint32_t kind, const rs_real *pred, const rs_real *y, uint32_t n_out, uint32_t n,
               rs_real *d_pred)
{
    size_t total = (size_t)n_out * n;
    double loss = 0;
    if (kind == RS_LOSS_MSE) {
        const rs_real scale = 2.0f / (rs_real)total;
        for (size_t i = 0; i < total; i++) {
            double e = (double)pred[i] - y[i];
            loss += e * e;
            if (d_pred)
                d_pred[i] = scale * (pred[i] - y[i]);
        }
        return loss / (double)total;
    }
    if (kind == RS_LOSS_BCE) {
        /* torch.nn.BCELoss: mean of -(y log p + (1-y) log(1-p)), each log clamped at -100 */
        for (size_t i = 0; i < total; i++) {
            double p = pred[i], t = y[i];
            double lp = p > 0 ? fmax(log(p), -100.0) : -100.0;
            double lq = p < 1 ? fmax(log1p(-p), -100.0) : -100.0;
            loss -= t * lp + (1 - t) * lq;
            if (d_pred) {
                double den = fmax(p * (1 - p), 1e-12);
                d_pred[i] = (rs_real)((p - t) / den / (double)total);
            }
        }
        return loss / (double)total;
    }
    /* softmax cross-entropy over the n_out units of each example; the class is argmax(y) */
    for (uint32_t b = 0; b < n; b++) {
        uint32_t cls = 0;
        double mx = pred[b];
        for (uint32_t i = 1; i < n_out; i++) {
            if (y[(size_t)i * n + b] > y[(size_t)cls * n + b])
                cls = i;
            if (pred[(size_t)i * n + b] > mx)
                mx = pred[(size_t)i * n + b];
        }
        double z = 0;
        for (uint32_t i = 0; i < n_out; i++)
            z += exp(pred[(size_t)i * n + b] - mx);
        loss += log(z) + mx - pred[(size_t)cls * n + b];
        if (d_pred)
            for (uint32_t i = 0; i < n_out; i++) {
                double s = exp(pred[(size_t)i * n + b] - mx) / z;
                d_pred[(size_t)i * n + b] = (rs_real)((s - (i == cls)) / n);
            }
    }
    return loss / n;
}

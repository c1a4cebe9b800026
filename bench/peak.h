/* peak.h: this core's single-precision peak, measured in the same run as the figures quoted
 * against it, two ways:
 *
 *   fma_gflops    FMA_CHAINS independent chains of 256-bit fused multiply-adds kept in
 *                 registers (2 x 8 flops each): no memory traffic, enough chains to cover the
 *                 FMA latency on every x86-64 with two FMA pipes; the arithmetic ceiling.
 *                 Written with intrinsics because the project builds with -ffp-contract=off.
 *   sgemm_gflops  a 1024^3 cblas_sgemm through OpenBLAS on one thread: what the library the
 *                 networks use reaches on a large square product (packing included).
 *
 * Each is the best of the samples a bench takes (the least disturbed by other load), timed on
 * the process's CPU clock like the figures quoted against them. */
#ifndef RS_BENCH_PEAK_H
#define RS_BENCH_PEAK_H

#include <cblas.h>
#include <stdlib.h>

#include "bench_util.h"

#if defined(__FMA__) && defined(__AVX__)
#include <immintrin.h>
#endif

char *openblas_get_corename(void);

typedef struct bench_peak {
    double fma_gflops;   /* NAN when built without FMA (-march=native off) */
    double sgemm_gflops;
    const char *blas_core; /* the kernel set OpenBLAS picked for this CPU */
} bench_peak;

#define FMA_CHAINS 12

static inline double bench_fma_gflops(long iters)
{
#if defined(__FMA__) && defined(__AVX__)
    __m256 acc[FMA_CHAINS];
    const __m256 x = _mm256_set1_ps(0.9999999f), y = _mm256_set1_ps(1e-7f);
    for (int i = 0; i < FMA_CHAINS; i++)
        acc[i] = _mm256_set1_ps((float)i);
    double t = bench_cpu_now();
    for (long k = 0; k < iters; k++)
        for (int i = 0; i < FMA_CHAINS; i++) /* unrolled at -O3: all chains in registers */
            acc[i] = _mm256_fmadd_ps(acc[i], x, y);
    t = bench_cpu_now() - t;
    __m256 s = acc[0];
    for (int i = 1; i < FMA_CHAINS; i++)
        s = _mm256_add_ps(s, acc[i]);
    float out[8];
    _mm256_storeu_ps(out, s);
    if (out[0] != out[0]) /* keeps the chains live; never true */
        return 0;
    return (double)iters * FMA_CHAINS * 8 * 2 / t / 1e9;
#else
    (void)iters;
    return NAN;
#endif
}

static inline double bench_sgemm_gflops(double seconds)
{
    const int n = 1024;
    float *a = malloc(sizeof(float) * n * n), *b = malloc(sizeof(float) * n * n),
          *c = malloc(sizeof(float) * n * n);
    if (!a || !b || !c) {
        free(a), free(b), free(c);
        return NAN;
    }
    for (long i = 0; i < (long)n * n; i++) {
        a[i] = 1e-3f * (float)(i % 7);
        b[i] = 1e-3f * (float)(i % 5);
    }
    int reps = 0;
    double t = bench_cpu_now(), el;
    do {
        cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, n, n, n, 1, a, n, b, n, 0, c, n);
        reps++;
    } while ((el = bench_cpu_now() - t) < seconds);
    free(a), free(b), free(c);
    return 2.0 * n * n * n * reps / el / 1e9;
}

/* One sample of both peaks (about `seconds` of sgemm and a few ms of FMA); pk keeps the best
 * seen. Benches call it between their own timings, so the peak is taken under the same
 * conditions as the figures quoted against it. Start from bench_peak pk = { 0 }. */
static inline void bench_peak_sample(bench_peak *pk, double seconds)
{
    if (!pk->blas_core) {
        pk->blas_core = openblas_get_corename();
        pk->fma_gflops = NAN;
        bench_sgemm_gflops(seconds); /* warm-up: pages, clocks */
    }
    double f = bench_fma_gflops(5000000), g = bench_sgemm_gflops(seconds);
    if (f > pk->fma_gflops || pk->fma_gflops != pk->fma_gflops)
        pk->fma_gflops = f;
    if (g > pk->sgemm_gflops)
        pk->sgemm_gflops = g;
}

#endif

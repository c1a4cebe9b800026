/* rng.c: see rng.h. */
#include "rng.h"

#include <math.h>

uint64_t rs_splitmix64(uint64_t *state)
{
    uint64_t z = (*state += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
}

uint64_t rs_hash_str(uint64_t h, const char *s)
{
    if (h == 0)
        h = 0xcbf29ce484222325ULL;
    for (; *s; s++) {
        h ^= (unsigned char)*s;
        h *= 0x100000001b3ULL;
    }
    return h;
}

void rs_rng_init(rs_rng *r, uint64_t seed, uint64_t stream)
{
    uint64_t sm = seed ^ (stream * 0xd1342543de82ef95ULL);
    rs_splitmix64(&sm);
    for (int i = 0; i < 4; i++)
        r->s[i] = rs_splitmix64(&sm);
    for (int k = 0; k < RS_RNG_LANES; k++) {
        uint64_t a = rs_splitmix64(&sm), b = rs_splitmix64(&sm);
        r->lane[0][k] = (uint32_t)a;
        r->lane[1][k] = (uint32_t)(a >> 32);
        r->lane[2][k] = (uint32_t)b;
        r->lane[3][k] = (uint32_t)(b >> 32) | 1u; /* never the all-zero state */
    }
    r->has_spare = 0;
    r->spare_normal = 0.0;
}

static inline uint64_t rotl64(uint64_t x, int k) { return (x << k) | (x >> (64 - k)); }

uint64_t rs_rng_u64(rs_rng *r)
{
    uint64_t *s = r->s;
    uint64_t result = rotl64(s[1] * 5, 7) * 9;
    uint64_t t = s[1] << 17;
    s[2] ^= s[0];
    s[3] ^= s[1];
    s[1] ^= s[2];
    s[0] ^= s[3];
    s[2] ^= t;
    s[3] = rotl64(s[3], 45);
    return result;
}

double rs_rng_uniform(rs_rng *r) { return (double)(rs_rng_u64(r) >> 11) * 0x1.0p-53; }

double rs_rng_normal(rs_rng *r)
{
    if (r->has_spare) {
        r->has_spare = 0;
        return r->spare_normal;
    }
    double u1, u2;
    do
        u1 = rs_rng_uniform(r);
    while (u1 <= 0.0);
    u2 = rs_rng_uniform(r);
    double rad = sqrt(-2.0 * log(u1)), th = 6.283185307179586 * u2;
    r->spare_normal = rad * sin(th);
    r->has_spare = 1;
    return rad * cos(th);
}

/* One round of the sixteen xoshiro128+ lanes: out[k] gets 24 random bits as a float in [0,1). */
static inline void lanes_next(uint32_t (*st)[RS_RNG_LANES], float *out)
{
    for (int k = 0; k < RS_RNG_LANES; k++) {
        uint32_t s0 = st[0][k], s1 = st[1][k], s2 = st[2][k], s3 = st[3][k];
        uint32_t result = s0 + s3;
        uint32_t t = s1 << 9;
        s2 ^= s0;
        s3 ^= s1;
        s1 ^= s2;
        s0 ^= s3;
        s2 ^= t;
        s3 = (s3 << 11) | (s3 >> 21);
        st[0][k] = s0;
        st[1][k] = s1;
        st[2][k] = s2;
        st[3][k] = s3;
        out[k] = (float)(result >> 8) * 0x1.0p-24f;
    }
}

void rs_rng_fill_uniform(rs_rng *r, rs_real *dst, size_t n, rs_real lo, rs_real hi)
{
    float u[RS_RNG_LANES];
    rs_real span = hi - lo;
    size_t i = 0;
    for (; i + RS_RNG_LANES <= n; i += RS_RNG_LANES) {
        lanes_next(r->lane, u);
        for (int k = 0; k < RS_RNG_LANES; k++)
            dst[i + k] = lo + span * (rs_real)u[k];
    }
    if (i < n) {
        lanes_next(r->lane, u);
        for (int k = 0; i < n; k++, i++)
            dst[i] = lo + span * (rs_real)u[k];
    }
}

void rs_rng_fill_normal(rs_rng *r, rs_real *dst, size_t n, rs_real mean, rs_real sd)
{
    for (size_t i = 0; i < n; i++)
        dst[i] = mean + sd * (rs_real)rs_rng_normal(r);
}

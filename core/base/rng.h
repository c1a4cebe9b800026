/* rng.h: the job's random streams. xoshiro256** for scalars; sixteen interleaved xoshiro128+
 * lanes for bulk fills, so a fill of n numbers vectorises and yields the same numbers on every
 * CPU (the lane count is fixed here, not by the vector width). Seeds are expanded with
 * splitmix64, so (seed, stream id) pairs give independent-looking streams. */
#ifndef RS_RNG_H
#define RS_RNG_H

#include <ruleset/abi.h>

#define RS_RNG_LANES 16

typedef struct rs_rng {
    uint64_t s[4];                       /* xoshiro256** */
    uint32_t lane[4][RS_RNG_LANES];      /* xoshiro128+ lanes, state word-major */
    double spare_normal;                 /* Box-Muller's second value */
    int has_spare;
} rs_rng;

uint64_t rs_splitmix64(uint64_t *state);
/* A stream for `seed` and a stream id (hash of what the stream is for). */
void rs_rng_init(rs_rng *r, uint64_t seed, uint64_t stream);
uint64_t rs_rng_u64(rs_rng *r);
double rs_rng_uniform(rs_rng *r);     /* [0, 1), 53 bits */
double rs_rng_normal(rs_rng *r);
void rs_rng_fill_uniform(rs_rng *r, rs_real *dst, size_t n, rs_real lo, rs_real hi);
void rs_rng_fill_normal(rs_rng *r, rs_real *dst, size_t n, rs_real mean, rs_real sd);
/* FNV-1a of a string, to turn labels into stream ids. */
uint64_t rs_hash_str(uint64_t h, const char *s);

#endif

/* A small seeded random-number generator whose whole state is four
 * integers, so a fit can checkpoint it and resume bit for bit.
 *
 * xoshiro256** 1.0 (Blackman and Vigna, "Scrambled linear pseudorandom number
 * generators", ACM TOMS 2021), its state filled from the seed by splitmix64
 * as the authors recommend. Written from the published description. */
#ifndef MF_CORE_RNG_H
#define MF_CORE_RNG_H

#include <stdint.h>

typedef struct mf_rng {
    uint64_t s[4];
} mf_rng;

/* Fills the state from a 64-bit seed (any value, 0 included). */
void mf_rng_seed(mf_rng *r, uint64_t seed);
/* Sets the state directly (as restored from a checkpoint); an all-zero state
 * is replaced by the seed-0 state, since xoshiro never leaves zero. */
void mf_rng_set_state(mf_rng *r, const uint64_t s[4]);

/* One splitmix64 step: advances *x and returns the next output. */
uint64_t mf_splitmix64(uint64_t *x);

/* The next 64 random bits. */
uint64_t mf_rng_next(mf_rng *r);
/* Uniform in [0, 1) with 53 random bits. */
double mf_rng_uniform(mf_rng *r);
/* Uniform integer in [0, n) without modulo bias; n == 0 returns 0. */
uint64_t mf_rng_below(mf_rng *r, uint64_t n);
/* Standard normal (Marsaglia's polar method; no cached second value, so
 * the state stays four integers). */
double mf_rng_normal(mf_rng *r);

#endif

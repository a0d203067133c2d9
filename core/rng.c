#include "rng.h"

#include <math.h>

uint64_t mf_splitmix64(uint64_t *x)
{
    uint64_t z = (*x += UINT64_C(0x9E3779B97F4A7C15));
    z = (z ^ (z >> 30)) * UINT64_C(0xBF58476D1CE4E5B9);
    z = (z ^ (z >> 27)) * UINT64_C(0x94D049BB133111EB);
    return z ^ (z >> 31);
}

void mf_rng_seed(mf_rng *r, uint64_t seed)
{
    uint64_t x = seed;
    for (int i = 0; i < 4; i++)
        r->s[i] = mf_splitmix64(&x);
}

void mf_rng_set_state(mf_rng *r, const uint64_t s[4])
{
    if ((s[0] | s[1] | s[2] | s[3]) == 0) {
        mf_rng_seed(r, 0);
        return;
    }
    for (int i = 0; i < 4; i++)
        r->s[i] = s[i];
}

static inline uint64_t rotl(uint64_t x, int k)
{
    return (x << k) | (x >> (64 - k));
}

uint64_t mf_rng_next(mf_rng *r)
{
    uint64_t *s = r->s;
    uint64_t result = rotl(s[1] * 5, 7) * 9;
    uint64_t t = s[1] << 17;
    s[2] ^= s[0];
    s[3] ^= s[1];
    s[1] ^= s[2];
    s[0] ^= s[3];
    s[2] ^= t;
    s[3] = rotl(s[3], 45);
    return result;
}

double mf_rng_uniform(mf_rng *r)
{
    return (double)(mf_rng_next(r) >> 11) * 0x1.0p-53;
}

uint64_t mf_rng_below(mf_rng *r, uint64_t n)
{
    if (n == 0)
        return 0;
    /* Reject the top partial block of 2^64 so every residue is equally likely. */
    uint64_t limit = UINT64_MAX - (UINT64_MAX % n + 1) % n;
    uint64_t x;
    do
        x = mf_rng_next(r);
    while (x > limit);
    return x % n;
}

double mf_rng_normal(mf_rng *r)
{
    double u, v, s;
    do {
        u = 2.0 * mf_rng_uniform(r) - 1.0;
        v = 2.0 * mf_rng_uniform(r) - 1.0;
        s = u * u + v * v;
    } while (s >= 1.0 || s == 0.0);
    return u * sqrt(-2.0 * log(s) / s);
}

/* mf_exp: the exponential of the engine, one definition for both backends.
 *
 * Why our own exp. The interpreter (interp.c) and the native kernels
 * (codegen_c.c) must compute the same bits, and the native kernels must
 * vectorise their exp loops. glibc's scalar exp does not vectorise, and its
 * vector variant (libmvec) rounds differently in the last bit; the HH
 * dynamics amplify last-bit differences to ~1e-10 relative over 10^4 steps.
 * So both backends use this function: the interpreter includes this header,
 * and the native backend prints this file's text at the top of every
 * generated kernel (core/CMakeLists.txt embeds it into the library at build
 * time, so an installed library needs no header at run time, and a change
 * here changes every kernel's source hash, hence its cache key).
 *
 * Bit-identical results need the same operations in the same order: this
 * file uses only +, -, *, comparisons, selects and integer shifts, which
 * IEEE 754 defines exactly, and must be compiled without -ffast-math and
 * without floating-point contraction (ISO C mode, or -ffp-contract=off), in
 * the default rounding mode (round to nearest even). It has no branches, no
 * tables and no calls, so GCC vectorises it inside `omp simd` loops (SSE2
 * and wider; it never needs double <-> int64 conversions).
 *
 * Method (Cody and Waite, "Software Manual for the Elementary Functions",
 * 1980; the error terms follow Tang, "Table-driven implementation of the
 * exponential function in IEEE floating-point arithmetic", ACM TOMS 15,
 * 1989, and Muller, "Elementary Functions", 3rd ed., 2016, ch. 11):
 *   1. Clamp x to [-746, 710]. Beyond these exp(x) already rounds to 0 or
 *      overflows to +inf, so the clamp changes no result and keeps every
 *      later integer in range. NaN fails both comparisons and passes.
 *   2. n = the integer nearest to x/ln2, by the shifter: adding 1.5 * 2^52
 *      to a double of magnitude < 2^51 rounds it to an integer (round to
 *      nearest), and subtracting it back is exact.
 *   3. r = x - n*ln2 with ln2 = LN2_HI + LN2_LO, LN2_HI having 42
 *      significant bits: n*LN2_HI is exact for |n| < 2^11 and x - n*LN2_HI
 *      is exact (Sterbenz), so r = rhi - rlo carries one rounding, whose
 *      error rc is recovered exactly (Fast2Sum, |rhi| >= |rlo|) and added
 *      back later. |r| <= ln2/2 (plus 1e-13 from the rounding of x/ln2).
 *   4. exp(r) ~ 1 + r + r^2 q(r), q of degree 10: the minimax (Remez)
 *      polynomial for the relative error of exp on |r| <= ln2/2 (1 + 2^-20),
 *      computed in 200-bit arithmetic (mpmath) and rounded to doubles; its
 *      error is 0.0064 ulp (2^-53 relative) with the rounded coefficients,
 *      against 0.1 ulp for degree 9. 1 + r is split into hi + lo exactly
 *      (Fast2Sum), so the only large rounding is the final sum
 *      hi + (lo + rc + r^2 q): about 0.5 ulp plus a few hundredths.
 *   5. exp(x) = 2^n exp(r), with 2^n built from its exponent bits. n ranges
 *      over [-1076, 1024], beyond the normal exponents, so 2^n is applied
 *      as 2^n1 * 2^n2 with n1 = n/2 rounded and n2 = n - n1 (both normal):
 *      the first product is exact, the second rounds once, to a normal
 *      result, to +inf on overflow, or to a correctly placed subnormal
 *      (gradual underflow, not flushed to zero).
 * Special values: exp(NaN) = NaN, exp(+inf) = +inf, exp(-inf) = +0,
 * exp(+-0) = 1, exp(x) = +inf for x > 709.782712893384, +0 for
 * x < -745.1332191019412, subnormals in between as IEEE 754 says. errno is
 * never set and no floating-point exception flag is promised.
 *
 * Measured (tests/core/test_mf_exp.c): at most 0.51 ulp from the exact
 * value (expl, correctly rounded to double), at most 1 ulp from glibc's exp,
 * over ~10^7 points spread over the whole range. */
#ifndef MF_CORE_MF_EXP_H
#define MF_CORE_MF_EXP_H

#include <math.h>
#include <stdint.h>

/* 2^n for an integer-valued double n in [-1022, 1023], from its bits:
 * n + 1.5*2^52 + 1023 holds n + 1023 in its low mantissa bits; shifted left
 * by 52 they become the biased exponent of 2^n (the mantissa is zero). */
static inline double mf_exp_pow2i(double n)
{
    union {
        double d;
        uint64_t u;
    } t;
    t.d = n + (0x1.8p52 + 1023.0);
    t.u <<= 52;
    return t.d;
}

static inline double mf_exp(double x)
{
    const double shift = 0x1.8p52;            /* 1.5 * 2^52 */
    const double inv_ln2 = 0x1.71547652b82fep0; /* 1/ln2 */
    const double ln2_hi = 0x1.62e42fefa3800p-1; /* ln2, 42 significant bits */
    const double ln2_lo = 0x1.ef35793c76730p-45; /* ln2 - ln2_hi */
    /* Step 1: clamp to [-746, 746] (NaN fails the comparison and passes).
     * One comparison on |x|: two chained ones are not vectorised by GCC
     * under its default -ftrapping-math (the second becomes conditional). */
    x = fabs(x) > 746.0 ? copysign(746.0, x) : x;
    /* Step 2: n = round(x / ln2). */
    double n = (x * inv_ln2 + shift) - shift;
    /* Step 3: r + rc = x - n ln2. */
    double rhi = x - n * ln2_hi;
    double rlo = n * ln2_lo;
    double r = rhi - rlo;
    double rc = (rhi - r) - rlo;
    /* Step 4: exp(r) = 1 + r + r^2 q(r), Horner. */
    double q = 0x1.1e3d3776b6756p-29;
    q = q * r + 0x1.af6bda8c38beap-26;
    q = q * r + 0x1.27e5b4328ab26p-22;
    q = q * r + 0x1.71ddf02850692p-19;
    q = q * r + 0x1.a01a0136a006bp-16;
    q = q * r + 0x1.a01a01b37b46cp-13;
    q = q * r + 0x1.6c16c16c30438p-10;
    q = q * r + 0x1.111111110ec65p-7;
    q = q * r + 0x1.5555555555503p-5;
    q = q * r + 0x1.555555555555bp-3;
    q = q * r + 0x1.0000000000000p-1;
    double hi = 1.0 + r;
    double lo = (1.0 - hi) + r;
    double p = hi + (lo + (rc + (r * r) * q));
    /* Step 5: times 2^n = 2^n1 * 2^n2. */
    double n1 = (n * 0.5 + shift) - shift;
    double n2 = n - n1;
    return (p * mf_exp_pow2i(n1)) * mf_exp_pow2i(n2);
}

#endif

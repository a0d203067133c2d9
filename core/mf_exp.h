/* mf_exp: the exponential of the engine, one definition for both backends.
 *
 * Why our own exp. The interpreter (interp.c) and the native kernels
 * (codegen_c.c) must compute the same bits, and the native kernels must
 * vectorise their exp loops. glibc's scalar exp does not vectorise, and its
 * vector variant (libmvec) rounds differently in the last bit; the HH
 * dynamics amplify last-bit differences to ~2e-10 relative over 10^4 steps.
 * So both backends use this function: the interpreter includes this header,
 * and the native backend prints this file's text at the top of every
 * generated kernel (core/CMakeLists.txt embeds it into the library when the
 * build is configured, so an installed library needs no header at run time,
 * and a change here changes every kernel's source, hence its cache key).
 *
 * Same bits everywhere. The function uses +, -, *, fma(), comparisons,
 * selects, fabs, copysign and integer shifts, all of which IEEE 754 and C
 * define exactly, in a fixed order; so it must be compiled without
 * -ffast-math and without contraction of a*b + c (ISO C mode, or
 * -ffp-contract=off), in the default rounding mode (to nearest). fma() is
 * one instruction where the CPU has FMA (the kernels are built with
 * -march=native; interp.c has an AVX2+FMA copy of its exp loop chosen at
 * run time) and a correctly rounded libm call elsewhere: the same result,
 * slower, and such a loop does not vectorise. FMA makes the function ~1.6x
 * faster than the same accuracy with separate multiplies and adds. NaN
 * results are NaN; their sign and payload are unspecified (IEEE 754 leaves
 * them so). No branches, no tables, no double <-> int64 conversions: GCC
 * vectorises it inside `omp simd` loops.
 *
 * Method (Cody and Waite, "Software Manual for the Elementary Functions",
 * 1980; error terms as in Tang, "Table-driven implementation of the
 * exponential function in IEEE floating-point arithmetic", ACM TOMS 15,
 * 1989, and Muller, "Elementary Functions", 3rd ed., 2016, ch. 11):
 *   1. Clamp x to [-746, 746]. Beyond these exp(x) rounds to 0 or
 *      overflows to +inf anyway, so the clamp changes no result and keeps
 *      every later integer in range. NaN fails the comparison and passes.
 *   2. n = the integer nearest to x/ln2, by the shifter: adding 1.5 * 2^52
 *      to a double of magnitude < 2^51 rounds it to an integer (to
 *      nearest), and subtracting it back is exact.
 *   3. r = x - n ln2 with ln2 = LN2_HI + LN2_LO, LN2_HI having 42
 *      significant bits: x - n LN2_HI is exact (|n| < 2^11, Sterbenz), so
 *      r = rhi - n LN2_LO carries one rounding, whose error rc is recovered
 *      by a second fma and added back later. |r| <= ln2/2 (+ 1e-13 from the
 *      rounding of x/ln2).
 *   4. exp(r) ~ 1 + r + r^2 q(r), q of degree 9 (exp of degree 11): the
 *      minimax (Remez) polynomial for the relative error on
 *      |r| <= ln2/2 (1 + 2^-20), computed in 200-bit arithmetic (mpmath)
 *      and rounded to doubles: 0.10 ulp (2^-53 relative) of approximation
 *      error (degree 10 would give 0.006 ulp for one more fma, ~4% of the
 *      HH kernel's time). 1 + r is split into hi + lo exactly (Fast2Sum),
 *      so the only large rounding is the last sum hi + (lo + r^2 q + rc):
 *      0.5 ulp plus the approximation and the tail's roundings.
 *   5. exp(x) = 2^n exp(r), 2^n built from exponent bits. n ranges over
 *      [-1076, 1076], beyond the normal exponents, so 2^n is applied as
 *      2^n1 2^n2 with n1 = floor(n/2), n2 = n - n1 (both normal): the first
 *      product is exact, the second rounds once, to a normal result, to
 *      +inf on overflow, or to a subnormal (gradual underflow, not flushed
 *      to zero; that rounding may add up to ~0.3 ulp of the subnormal
 *      spacing to the error of exp(r)).
 * Special values: exp(NaN) = NaN, exp(+inf) = +inf, exp(-inf) = +0,
 * exp(+-0) = 1, exp(x) = +inf for x > 709.782712893384, +0 for
 * x < -745.1332191019412, subnormal results in between. errno is never set
 * and no floating-point exception flag is promised.
 *
 * Measured (tests/core/test_mf_exp.c, 4 million points over the whole
 * range, dense near 0 and the edges): at most 0.70 ulp from the exact
 * value (expl) for normal results (0.72 over 2 * 10^7 other points), 0.77
 * ulp of the subnormal spacing for subnormal ones; at most 1 ulp from
 * glibc's exp. */
#ifndef MF_CORE_MF_EXP_H
#define MF_CORE_MF_EXP_H

#include <math.h>
#include <stdint.h>

typedef union mf_exp_bits {
    double d;
    uint64_t u;
} mf_exp_bits;

/* Always inlined (GCC, clang): its loops vectorise only inlined, and the
 * heuristics at -O2 would keep a function of this size out of line. */
#if defined(__GNUC__)
#define MF_EXP_INLINE static inline __attribute__((always_inline))
#else
#define MF_EXP_INLINE static inline
#endif

MF_EXP_INLINE double mf_exp(double x)
{
    const double shift = 0x1.8p52;               /* 1.5 * 2^52 */
    const double inv_ln2 = 0x1.71547652b82fep0;  /* 1/ln2 */
    const double ln2_hi = 0x1.62e42fefa3800p-1;  /* ln2, 42 significant bits */
    const double ln2_lo = 0x1.ef35793c76730p-45; /* ln2 - ln2_hi */
    /* Step 1: clamp to [-746, 746]; NaN fails the comparison and passes.
     * One comparison on |x|: GCC does not vectorise two chained ones under
     * its default -ftrapping-math (the second becomes conditional). */
    x = fabs(x) > 746.0 ? copysign(746.0, x) : x;
    /* Step 2: n = round(x/ln2); kd's low bits hold n (two's complement). */
    mf_exp_bits kd;
    kd.d = fma(x, inv_ln2, shift);
    double n = kd.d - shift;
    /* Step 3: r + rc = x - n ln2; rhi is exact, rc is r's rounding error. */
    double rhi = fma(-n, ln2_hi, x);
    double r = fma(-n, ln2_lo, rhi);
    double rc = fma(-n, ln2_lo, rhi - r);
    /* Step 4: exp(r) = 1 + r + r^2 q(r), q by Horner's rule. */
    double q = 0x1.ad7f754cee86ap-26;
    q = fma(q, r, 0x1.28ad68af958e1p-22);
    q = fma(q, r, 0x1.71df253d8f312p-19);
    q = fma(q, r, 0x1.a0199a16d5e8ep-16);
    q = fma(q, r, 0x1.a01a012a684f4p-13);
    q = fma(q, r, 0x1.6c16c18426709p-10);
    q = fma(q, r, 0x1.1111111127b9fp-7);
    q = fma(q, r, 0x1.555555555088cp-5);
    q = fma(q, r, 0x1.55555555554fap-3);
    q = fma(q, r, 0x1.000000000000ap-1);
    double hi = 1.0 + r;
    double lo = (1.0 - hi) + r;
    double p = hi + (lo + fma(r * r, q, rc));
    /* Step 5: times 2^n1 * 2^n2, n1 = floor(n/2), n2 = n - n1, built in
     * the integers from kd's bits (kd = C + n with C = 0x4338 << 48, whose
     * low 13 bits are zero, so C vanishes from the exponent fields). */
    uint64_t h = kd.u >> 1;
    mf_exp_bits s1, s2;
    s1.u = (h + 1023) << 52;
    s2.u = (kd.u - h + 1023) << 52;
    return (p * s1.d) * s2.d;
}

#endif

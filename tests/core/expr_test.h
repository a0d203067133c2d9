/* Helpers shared by the expression tests (static, header only): values
 * looked up by symbol index, a deterministic generator for random points,
 * and the HH tutorial's threshold constant VT. */
#ifndef MF_TEST_EXPR_TEST_H
#define MF_TEST_EXPR_TEST_H

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "expr.h"

/* The dimension of a volt: m^2 kg s^-3 A^-1. */
static inline mf_dim et_volt(void)
{
    mf_dim d = {{2, 1, -3, -1, 0, 0, 0}};
    return d;
}

/* mf_expr_eval's lookup: ctx is the array of values by symbol index. */
static inline double et_lookup(void *ctx, const mf_expr *name)
{
    const double *vals = ctx;
    return vals[name->sym_index];
}

/* xorshift64*: a small deterministic generator for the test points. */
static inline double et_uniform(uint64_t *s, double lo, double hi)
{
    *s ^= *s >> 12;
    *s ^= *s << 25;
    *s ^= *s >> 27;
    uint64_t r = *s * 2685821657736338717ull;
    return lo + (hi - lo) * ((double)(r >> 11) / 9007199254740992.0);
}

/* Resolves the threshold constant VT (a voltage of this value); false for
 * any other name. */
static inline bool et_resolve_vt(const char *name, double value, mf_symbol *out)
{
    if (strcmp(name, "VT") != 0)
        return false;
    out->kind = MF_SYM_CONST;
    out->index = -1;
    out->dim = et_volt();
    out->value = value;
    return true;
}

#endif

/* Symbolic derivative d e / d x by the chain rule, then simplified. New
 * nodes get their dims from mf_expr_make, so a derivative of a checked tree
 * is itself consistent: dim(de/dx) = dim(e) / dim(x). Piecewise functions
 * (abs, clip, sign, floor, ceil, int) get their derivative where it exists,
 * written with comparisons (1.0/0.0) so it evaluates and compiles. */
#include "error.h"
#include "expr.h"

typedef struct differ {
    const char *x;
    mf_dim xdim;
} differ;

#define C(e)         mf_expr_clone(e)
#define MK(k, a, b)  mf_expr_make((k), (a), (b))
#define CALL1(fn, a) mf_expr_make_call((fn), (a), NULL, NULL)

static mf_expr *num(double v)
{
    return mf_expr_num(v);
}

static mf_expr *zero(const differ *d, const mf_expr *e)
{
    return mf_expr_num_dim(0.0, mf_dim_div(e->dim, d->xdim));
}

static mf_expr *diff(const differ *d, const mf_expr *e);

/* d(a/b) = da/b - a*db/b**2, or just da/b when b does not depend on x. */
static mf_expr *diff_div(const differ *d, const mf_expr *a, const mf_expr *b)
{
    mf_expr *first = MK(MF_EX_DIV, diff(d, a), C(b));
    if (!mf_expr_uses(b, d->x))
        return first;
    mf_expr *second =
        MK(MF_EX_DIV, MK(MF_EX_MUL, C(a), diff(d, b)), MK(MF_EX_POW, C(b), num(2)));
    return MK(MF_EX_SUB, first, second);
}

/* d(a**b): b*a**(b - 1)*da for b free of x, else a**b*(db*log(a) + b*da/a). */
static mf_expr *diff_pow(const differ *d, const mf_expr *e)
{
    const mf_expr *a = e->arg[0], *b = e->arg[1];
    if (!mf_expr_uses(b, d->x)) {
        mf_expr *p = MK(MF_EX_POW, C(a), MK(MF_EX_SUB, C(b), num(1)));
        return MK(MF_EX_MUL, MK(MF_EX_MUL, C(b), p), diff(d, a));
    }
    mf_expr *via_b = MK(MF_EX_MUL, diff(d, b), CALL1(MF_FN_LOG, C(a)));
    mf_expr *via_a = MK(MF_EX_DIV, MK(MF_EX_MUL, C(b), diff(d, a)), C(a));
    return MK(MF_EX_MUL, C(e), MK(MF_EX_ADD, via_b, via_a));
}

/* clip(u, lo, hi)' = u' inside (lo, hi), lo' below, hi' above. */
static mf_expr *diff_clip(const differ *d, const mf_expr *e)
{
    const mf_expr *u = e->arg[0], *lo = e->arg[1], *hi = e->arg[2];
    mf_expr *inside = MK(MF_EX_MUL, MK(MF_EX_GT, C(u), C(lo)), MK(MF_EX_LT, C(u), C(hi)));
    mf_expr *sum = MK(MF_EX_MUL, diff(d, u), inside);
    if (mf_expr_uses(lo, d->x))
        sum = MK(MF_EX_ADD, sum, MK(MF_EX_MUL, diff(d, lo), MK(MF_EX_LE, C(u), C(lo))));
    if (mf_expr_uses(hi, d->x))
        sum = MK(MF_EX_ADD, sum, MK(MF_EX_MUL, diff(d, hi), MK(MF_EX_GE, C(u), C(hi))));
    return sum;
}

/* 1 - a**2, the radicand of the arcsin/arccos derivatives. */
static mf_expr *one_minus_square(const mf_expr *a)
{
    return MK(MF_EX_SUB, num(1), MK(MF_EX_POW, C(a), num(2)));
}

static mf_expr *diff_call(const differ *d, const mf_expr *e)
{
    const mf_expr *a = e->arg[0];
    if (e->fn == MF_FN_CLIP)
        return diff_clip(d, e);
    mf_expr *da = diff(d, a);
    switch (e->fn) {
    case MF_FN_EXP: return MK(MF_EX_MUL, C(e), da);
    case MF_FN_LOG: return MK(MF_EX_DIV, da, C(a));
    case MF_FN_LOG10:
        return MK(MF_EX_DIV, da, MK(MF_EX_MUL, C(a), num(2.30258509299404568402) /* ln 10 */));
    case MF_FN_SQRT: return MK(MF_EX_DIV, da, MK(MF_EX_MUL, num(2), C(e)));
    case MF_FN_SIN: return MK(MF_EX_MUL, CALL1(MF_FN_COS, C(a)), da);
    case MF_FN_COS: return MK(MF_EX_NEG, MK(MF_EX_MUL, CALL1(MF_FN_SIN, C(a)), da), NULL);
    case MF_FN_TAN: return MK(MF_EX_DIV, da, MK(MF_EX_POW, CALL1(MF_FN_COS, C(a)), num(2)));
    case MF_FN_SINH: return MK(MF_EX_MUL, CALL1(MF_FN_COSH, C(a)), da);
    case MF_FN_COSH: return MK(MF_EX_MUL, CALL1(MF_FN_SINH, C(a)), da);
    case MF_FN_TANH:
        return MK(MF_EX_MUL, da, MK(MF_EX_SUB, num(1), MK(MF_EX_POW, C(e), num(2))));
    case MF_FN_ARCSIN: return MK(MF_EX_DIV, da, CALL1(MF_FN_SQRT, one_minus_square(a)));
    case MF_FN_ARCCOS:
        return MK(MF_EX_NEG, MK(MF_EX_DIV, da, CALL1(MF_FN_SQRT, one_minus_square(a))), NULL);
    case MF_FN_ARCTAN:
        return MK(MF_EX_DIV, da, MK(MF_EX_ADD, num(1), MK(MF_EX_POW, C(a), num(2))));
    case MF_FN_ABS: return MK(MF_EX_MUL, CALL1(MF_FN_SIGN, C(a)), da);
    default: /* sign, floor, ceil, int: piecewise constant */
        mf_expr_free(da);
        return zero(d, e);
    }
}

static mf_expr *diff(const differ *d, const mf_expr *e)
{
    if (!mf_expr_uses(e, d->x))
        return zero(d, e);
    const mf_expr *a = e->arg[0], *b = e->arg[1];
    switch (e->kind) {
    case MF_EX_NAME: return num(1);
    case MF_EX_NEG: return MK(MF_EX_NEG, diff(d, a), NULL);
    case MF_EX_ADD:
    case MF_EX_SUB: return MK(e->kind, diff(d, a), diff(d, b));
    case MF_EX_MUL:
        return MK(MF_EX_ADD, MK(MF_EX_MUL, diff(d, a), C(b)), MK(MF_EX_MUL, C(a), diff(d, b)));
    case MF_EX_DIV: return diff_div(d, a, b);
    case MF_EX_POW: return diff_pow(d, e);
    case MF_EX_CALL: return diff_call(d, e);
    default: return zero(d, e); /* comparisons and logic: 0 where defined */
    }
}

mf_expr *mf_expr_diff(const mf_expr *e, const char *name, mf_error *err)
{
    if (!e || !name) {
        mf_error_set(err, MF_ERR_INVALID, "mf_expr_diff: no expression or variable");
        return NULL;
    }
    /* dim(x) comes from the tree; when x is absent the derivative is 0 and
     * keeps dim(e) (the caller knows the true dim(x) if it matters). */
    const mf_expr *xnode = mf_expr_find_name(e, name);
    differ d = {name, xnode ? xnode->dim : mf_dim_none()};
    mf_expr *r = mf_expr_simplify(diff(&d, e));
    if (!r)
        mf_error_set(err, MF_ERR_NOMEM, "out of memory differentiating an expression");
    return r;
}

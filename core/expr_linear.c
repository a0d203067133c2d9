/* Brian's conditionally linear split for exponential Euler.
 *
 * Brian (stateupdaters/exponential_euler.py, get_conditionally_linear_system)
 * does `sympy.collect(expr.expand(), x, evaluate=False)` and accepts the
 * result when it has a key x and at most one other key. We reach the same
 * split without a computer-algebra system: the expression is turned into a
 * polynomial in x whose coefficients are trees free of "bare" x. Bare means
 * x outside any function call; x inside exp(), log(), a comparison, or the
 * exponent of a base that is free of x is opaque, as sympy's collect treats
 * it, and may stay in B. Products distribute over the polynomial (that is
 * the expand step) and division by a monomial c*x**k shifts powers.
 *
 * A denominator, or a base raised to a negative or non-integer power, that
 * is a sum in x (1/(x + 1), a/(b + x), sqrt(x + 1)) is an opaque factor for
 * sympy too: expand leaves it whole and collect files it under x**0. We do
 * the same, so -x/tau + a/(b + x) splits into A = -1/tau, B = a/(b + x).
 *
 * Refused: any power of x other than 0 and 1 (x**2, x**-1, sqrt(x), x**y),
 * x in the exponent of a base with bare x, and a coefficient of x that
 * depends on x (x*exp(x), x/(x + 1)). Brian is looser in three places that
 * we do not follow, because exponential Euler's premise (x entering
 * linearly with an x-free rate) would not hold: it accepts A depending on x
 * (x*exp(x) gives A = exp(x)), it silently drops a third key when there is
 * no x-free term (x + x**2 gives B = 0), and x**y or sqrt(x*y) land in B.
 * Without a term linear in x, x may only be absent: exp(x) or 1/(x + 1)
 * alone is refused as Brian refuses it (collect has no key x). */
#include "error.h"
#include "expr.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Powers -MAXP..MAXP of x; intermediate powers may exceed 1 and cancel
 * (x*x/x), anything outside the range is certainly not linear. */
#define MAXP 8
#define NPOW (2 * MAXP + 1)

typedef struct poly {
    mf_expr *c[NPOW]; /* c[MAXP + k]: coefficient of x**k, NULL for 0 */
} poly;

typedef struct splitter {
    const char *x;
    mf_error *err;
    mf_status status; /* MF_OK until the first failure */
} splitter;

static void poly_free(poly *p)
{
    for (int i = 0; i < NPOW; i++) {
        mf_expr_free(p->c[i]);
        p->c[i] = NULL;
    }
}

static bool fail(splitter *s, mf_status st, const char *why)
{
    if (s->status == MF_OK) {
        s->status = st;
        if (st == MF_ERR_NOMEM)
            mf_error_set(s->err, st, "out of memory splitting an expression");
        else
            mf_error_set(s->err, st, "the expression is not linear in %s (%s)", s->x, why);
    }
    return false;
}

/* Sets coefficient i to t, simplified; a coefficient that folds to 0 is
 * dropped so that cancelled powers (x + 1 - x) do not count. */
static bool put_coef(splitter *s, poly *p, int i, mf_expr *t)
{
    if (!t)
        return fail(s, MF_ERR_NOMEM, "");
    t = mf_expr_simplify(t);
    if (!t)
        return fail(s, MF_ERR_NOMEM, "");
    if (t->kind == MF_EX_NUM && t->num == 0.0 && !t->is_bool) {
        mf_expr_free(t);
        t = NULL;
    }
    p->c[i] = t;
    return true;
}

/* Adds t into (or subtracts it from) coefficient i. */
static bool add_coef(splitter *s, poly *p, int i, mf_expr *t, bool sub)
{
    if (!t)
        return fail(s, MF_ERR_NOMEM, "");
    mf_expr *old = p->c[i];
    p->c[i] = NULL;
    if (old)
        t = mf_expr_make(sub ? MF_EX_SUB : MF_EX_ADD, old, t);
    else if (sub)
        t = mf_expr_make(MF_EX_NEG, t, NULL);
    return put_coef(s, p, i, t);
}

/* True when e contains x outside every opaque context. */
static bool has_bare(const mf_expr *e, const char *x)
{
    switch (e->kind) {
    case MF_EX_NUM: return false;
    case MF_EX_NAME: return strcmp(e->name, x) == 0;
    case MF_EX_CALL: return e->fn == MF_FN_SQRT && has_bare(e->arg[0], x);
    case MF_EX_POW: return has_bare(e->arg[0], x); /* a**x with a free of x: opaque */
    case MF_EX_NEG:
    case MF_EX_ADD:
    case MF_EX_SUB:
    case MF_EX_MUL:
    case MF_EX_DIV:
        for (int i = 0; i < e->nargs; i++)
            if (has_bare(e->arg[i], x))
                return true;
        return false;
    default: return false; /* comparisons, logic: opaque */
    }
}

static bool to_poly(splitter *s, const mf_expr *e, poly *out);

/* out = a + b or a - b; takes the coefficients of a and b. */
static bool poly_addsub(splitter *s, poly *a, poly *b, bool sub, poly *out)
{
    for (int i = 0; i < NPOW; i++) {
        out->c[i] = a->c[i];
        a->c[i] = NULL;
        mf_expr *t = b->c[i];
        b->c[i] = NULL;
        if (t && !add_coef(s, out, i, t, sub))
            return false;
    }
    return true;
}

static bool poly_mul(splitter *s, const poly *a, const poly *b, poly *out)
{
    for (int i = 0; i < NPOW; i++) {
        for (int j = 0; j < NPOW && a->c[i]; j++) {
            if (!b->c[j])
                continue;
            int k = i + j - MAXP;
            if (k < 0 || k >= NPOW)
                return fail(s, MF_ERR_INVALID, "a high power of it");
            mf_expr *t =
                mf_expr_make(MF_EX_MUL, mf_expr_clone(a->c[i]), mf_expr_clone(b->c[j]));
            if (!add_coef(s, out, k, t, false))
                return false;
        }
    }
    return true;
}

/* The single power present in p, or -1 when p has several (or none). */
static int monomial_index(const poly *p)
{
    int found = -1;
    for (int i = 0; i < NPOW; i++) {
        if (!p->c[i])
            continue;
        if (found >= 0)
            return -1;
        found = i;
    }
    return found;
}

/* Stores the whole of e as an x**0 coefficient: sympy's opaque factor. */
static bool opaque(splitter *s, const mf_expr *e, poly *out)
{
    mf_expr *c = mf_expr_clone(e);
    return c ? put_coef(s, out, MAXP, c) : fail(s, MF_ERR_NOMEM, "");
}

/* out = a/den for a divisor den that is a sum in x: den stays whole, so
 * every power of a keeps its place (sympy: expand distributes the
 * numerator over a denominator it cannot split). */
static bool poly_div_opaque(splitter *s, const poly *a, const mf_expr *den, poly *out)
{
    for (int i = 0; i < NPOW; i++) {
        if (!a->c[i])
            continue;
        mf_expr *t = mf_expr_make(MF_EX_DIV, mf_expr_clone(a->c[i]), mf_expr_clone(den));
        if (!add_coef(s, out, i, t, false))
            return false;
    }
    return true;
}

static bool poly_div(splitter *s, const poly *a, const poly *b, poly *out)
{
    int m = monomial_index(b);
    if (m < 0)
        return fail(s, MF_ERR_INTERNAL, "division by a sum");
    for (int i = 0; i < NPOW; i++) {
        if (!a->c[i])
            continue;
        int k = i - (m - MAXP);
        if (k < 0 || k >= NPOW)
            return fail(s, MF_ERR_INVALID, "a high power of it");
        mf_expr *t = mf_expr_make(MF_EX_DIV, mf_expr_clone(a->c[i]), mf_expr_clone(b->c[m]));
        if (!add_coef(s, out, k, t, false))
            return false;
    }
    return true;
}

/* acc = base**n for 0 <= n <= MAXP, by repeated products. */
static bool poly_ipow(splitter *s, const poly *base, int n, poly *acc)
{
    bool ok = put_coef(s, acc, MAXP, mf_expr_num(1.0));
    for (int i = 0; ok && i < n; i++) {
        poly next = {{0}};
        ok = poly_mul(s, acc, base, &next);
        poly_free(acc);
        *acc = next;
    }
    return ok;
}

/* base**expo for a base with bare x (sqrt passes expo NULL, meaning 1/2).
 * A positive integer power is expanded; any other power of a sum in x is
 * an opaque factor; of a monomial c*x**k it shifts (negative integer) or is
 * refused (fractional or variable: a power of x that sympy keeps apart). */
static bool poly_pow(splitter *s, const mf_expr *e, const mf_expr *expo, poly *out)
{
    poly base = {{0}}, acc = {{0}};
    if (!to_poly(s, e->arg[0], &base)) {
        poly_free(&base);
        return false;
    }
    double n = 0.5;
    if (expo)
        n = mf_expr_is_const(expo) ? mf_expr_eval(expo, NULL, NULL) : NAN;
    bool integer = n == trunc(n);
    int m = monomial_index(&base);
    bool ok;
    if (integer && n >= 0 && n <= MAXP) {
        ok = poly_ipow(s, &base, (int)n, &acc);
        if (ok) {
            *out = acc;
            acc = (poly){{0}};
        }
    } else if (integer && n > MAXP) { /* sympy would expand it */
        char why[64];
        snprintf(why, sizeof why, "it is raised to the power %g", n);
        ok = fail(s, MF_ERR_INVALID, why);
    } else if (m < 0 || (m == MAXP && !(integer && n < 0))) {
        ok = opaque(s, e, out);
    } else if (expo && mf_expr_uses(expo, s->x)) {
        ok = fail(s, MF_ERR_INVALID, "it appears in an exponent");
    } else if (!integer) {
        ok = fail(s, MF_ERR_INVALID,
                  expo ? "it is raised to a non-integer or variable power"
                       : "it appears inside sqrt()");
    } else if (fabs(n) > MAXP) {
        char why[64];
        snprintf(why, sizeof why, "it is raised to the power %g", n);
        ok = fail(s, MF_ERR_INVALID, why);
    } else { /* negative integer power of a monomial */
        poly one = {{0}};
        ok = poly_ipow(s, &base, (int)-n, &acc) && put_coef(s, &one, MAXP, mf_expr_num(1.0)) &&
             poly_div(s, &one, &acc, out);
        poly_free(&one);
    }
    poly_free(&base);
    poly_free(&acc);
    return ok;
}

static bool to_poly(splitter *s, const mf_expr *e, poly *out)
{
    if (!has_bare(e, s->x)) {
        mf_expr *c = mf_expr_clone(e);
        return c ? put_coef(s, out, MAXP, c) : fail(s, MF_ERR_NOMEM, "");
    }
    if (e->kind == MF_EX_NAME)
        return put_coef(s, out, MAXP + 1, mf_expr_num(1.0));
    if (e->kind == MF_EX_CALL) /* sqrt: a power 1/2 in sympy */
        return poly_pow(s, e, NULL, out);
    if (e->kind == MF_EX_POW)
        return poly_pow(s, e, e->arg[1], out);
    poly a = {{0}}, b = {{0}};
    bool ok = to_poly(s, e->arg[0], &a);
    if (ok && e->kind != MF_EX_NEG)
        ok = to_poly(s, e->arg[1], &b);
    if (ok) {
        switch (e->kind) {
        case MF_EX_NEG: ok = poly_addsub(s, &b, &a, true, out); break;
        case MF_EX_ADD: ok = poly_addsub(s, &a, &b, false, out); break;
        case MF_EX_SUB: ok = poly_addsub(s, &a, &b, true, out); break;
        case MF_EX_MUL: ok = poly_mul(s, &a, &b, out); break;
        case MF_EX_DIV:
            ok = monomial_index(&b) >= 0 ? poly_div(s, &a, &b, out)
                                         : poly_div_opaque(s, &a, e->arg[1], out);
            break;
        default: ok = fail(s, MF_ERR_INTERNAL, "unexpected node");
        }
    }
    poly_free(&a);
    poly_free(&b);
    return ok;
}

/* After the split: only powers 0 and 1, and A free of x. */
static bool check_linear(splitter *s, const poly *p)
{
    char why[160];
    for (int i = NPOW - 1; i >= 0; i--) { /* name the highest power */
        int k = i - MAXP;
        if (!p->c[i] || k == 0 || k == 1)
            continue;
        snprintf(why, sizeof why, "it appears as %s**%d", s->x, k);
        return fail(s, MF_ERR_INVALID, why);
    }
    const mf_expr *a = p->c[MAXP + 1];
    if (a && mf_expr_uses(a, s->x)) {
        char *text = mf_expr_to_string(a);
        snprintf(why, sizeof why, "its coefficient '%.100s' depends on %s", text ? text : "?",
                 s->x);
        free(text);
        return fail(s, MF_ERR_INVALID, why);
    }
    /* Brian refuses x inside opaque factors when no term is linear in x
     * (sympy's collect then has no key x); we do the same. */
    const mf_expr *b = p->c[MAXP];
    if (!a && b && mf_expr_uses(b, s->x))
        return fail(s, MF_ERR_INVALID,
                    "it appears only inside functions or denominators, with no linear term");
    return true;
}

mf_status mf_expr_split_linear(const mf_expr *e, const char *x, mf_expr **A, mf_expr **B,
                               mf_error *err)
{
    if (!e || !x || !A || !B)
        return mf_error_set(err, MF_ERR_INVALID, "mf_expr_split_linear: missing argument");
    *A = *B = NULL;
    splitter s = {x, err, MF_OK};
    poly p = {{0}};
    if (!to_poly(&s, e, &p) || !check_linear(&s, &p)) {
        poly_free(&p);
        return s.status;
    }
    /* A missing coefficient is a 0 of the right unit: dim(A) = dim(e)/dim(x). */
    const mf_expr *xnode = mf_expr_find_name(e, x);
    mf_dim xdim = xnode ? xnode->dim : mf_dim_none();
    *A = p.c[MAXP + 1] ? p.c[MAXP + 1] : mf_expr_num_dim(0.0, mf_dim_div(e->dim, xdim));
    *B = p.c[MAXP] ? p.c[MAXP] : mf_expr_num_dim(0.0, e->dim);
    if (!*A || !*B) {
        mf_expr_free(*A);
        mf_expr_free(*B);
        *A = *B = NULL;
        return mf_error_set(err, MF_ERR_NOMEM, "out of memory splitting an expression");
    }
    return MF_OK;
}

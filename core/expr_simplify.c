/* Constant folding and the handful of algebraic identities that keep
 * derivatives and the exponential-Euler coefficients readable. Rewrites are
 * done in place on the consumed tree; dims stay as mf_expr_check set them. */
#include "expr.h"

#include <math.h>
#include <stdlib.h>

/* Turns e into the number v in place (children freed, position kept). */
static mf_expr *become_num(mf_expr *e, double v, mf_dim dim)
{
    for (int i = 0; i < e->nargs; i++) {
        mf_expr_free(e->arg[i]);
        e->arg[i] = NULL;
    }
    free(e->name);
    e->name = NULL;
    e->kind = MF_EX_NUM;
    e->nargs = 0;
    e->num = v;
    e->dim = dim;
    e->sym_kind = MF_SYM_UNRESOLVED;
    e->sym_index = -1;
    return e;
}

/* Keeps child i of e and frees the rest of e. */
static mf_expr *take(mf_expr *e, int i)
{
    mf_expr *keep = e->arg[i];
    e->arg[i] = NULL;
    mf_expr_free(e);
    return keep;
}

static bool all_args_numbers(const mf_expr *e)
{
    if (e->nargs == 0)
        return false;
    for (int i = 0; i < e->nargs; i++)
        if (e->arg[i]->kind != MF_EX_NUM)
            return false;
    return true;
}

/* Evaluates a node whose arguments are all numbers. A NaN result (log(-1))
 * is left as written, so printing never produces "nan". */
static mf_expr *fold_node(mf_expr *e)
{
    if (!all_args_numbers(e))
        return e;
    double v = mf_expr_eval(e, NULL, NULL);
    if (isnan(v))
        return e;
    return become_num(e, v, e->dim);
}

mf_expr *mf_expr_fold(mf_expr *e)
{
    if (!e)
        return NULL;
    for (int i = 0; i < e->nargs; i++)
        e->arg[i] = mf_expr_fold(e->arg[i]);
    if (e->kind == MF_EX_NAME && e->sym_kind == MF_SYM_CONST) {
        e->is_bool = false;
        return become_num(e, e->sym_value, e->dim);
    }
    return fold_node(e);
}

static bool is_num(const mf_expr *e, double v)
{
    return e->kind == MF_EX_NUM && !e->is_bool && e->num == v;
}

/* A dimensionless 1 (a folded "1000*mV" is 1 but has a unit). */
static bool is_plain(const mf_expr *e, double v)
{
    return is_num(e, v) && mf_dim_is_none(e->dim);
}

static mf_expr *negate(mf_expr *a)
{
    mf_expr *n = mf_expr_unary(MF_EX_NEG, a);
    if (n)
        n->dim = a->dim;
    return n;
}

static mf_expr *simplify_add_sub(mf_expr *e)
{
    mf_expr *a = e->arg[0], *b = e->arg[1];
    bool add = e->kind == MF_EX_ADD;
    if (is_num(b, 0))
        return take(e, 0);
    if (is_num(a, 0))
        return add ? take(e, 1) : negate(take(e, 1));
    if (!add && a->kind != MF_EX_NUM && mf_expr_equal(a, b))
        return become_num(e, 0.0, e->dim);
    if (b->kind == MF_EX_NEG) { /* a + -c -> a - c, a - -c -> a + c */
        e->arg[1] = take(b, 0);
        e->kind = add ? MF_EX_SUB : MF_EX_ADD;
    } else if (add && a->kind == MF_EX_NEG) { /* -a + c -> c - a */
        e->arg[0] = b;
        e->arg[1] = take(a, 0);
        e->kind = MF_EX_SUB;
    }
    return e;
}

/* (-a)*b, a*(-b), (-a)/b, a/(-b) -> -(a*b), -(a/b): the sign moves out
 * where + and - can absorb it. */
static mf_expr *pull_sign(mf_expr *e)
{
    bool na = e->arg[0]->kind == MF_EX_NEG, nb = e->arg[1]->kind == MF_EX_NEG;
    if (na)
        e->arg[0] = take(e->arg[0], 0);
    if (nb)
        e->arg[1] = take(e->arg[1], 0);
    return na != nb ? negate(e) : e;
}

static mf_expr *simplify_mul(mf_expr *e)
{
    mf_expr *a = e->arg[0], *b = e->arg[1];
    if (is_num(a, 0) || is_num(b, 0))
        return become_num(e, 0.0, e->dim);
    if (a->kind == MF_EX_NEG || b->kind == MF_EX_NEG)
        return pull_sign(e);
    if (b->kind == MF_EX_DIV && is_plain(b->arg[0], 1)) { /* a*(1/c) -> a/c */
        e->arg[1] = take(b, 1);
        e->kind = MF_EX_DIV;
        return e;
    }
    if (is_plain(a, 1))
        return take(e, 1);
    if (is_plain(b, 1))
        return take(e, 0);
    if (is_plain(a, -1))
        return negate(take(e, 1));
    if (is_plain(b, -1))
        return negate(take(e, 0));
    return e;
}

static mf_expr *simplify_div(mf_expr *e)
{
    mf_expr *a = e->arg[0], *b = e->arg[1];
    if (is_num(a, 0) && !is_num(b, 0))
        return become_num(e, 0.0, e->dim);
    if (is_plain(b, 1))
        return take(e, 0);
    if (a->kind == MF_EX_NEG || b->kind == MF_EX_NEG)
        return pull_sign(e);
    /* Numbers were folded already; 0/0 and inf/inf stay NaN. */
    if (a->kind != MF_EX_NUM && mf_expr_equal(a, b) && !a->is_bool)
        return become_num(e, 1.0, mf_dim_none());
    return e;
}

static mf_expr *simplify_pow(mf_expr *e)
{
    if (is_num(e->arg[1], 1))
        return take(e, 0);
    if (is_num(e->arg[1], 0))
        return become_num(e, 1.0, mf_dim_none());
    return e;
}

static mf_expr *simplify_node(mf_expr *e)
{
    e = fold_node(e);
    switch (e->kind) {
    case MF_EX_NEG:
        if (e->arg[0]->kind == MF_EX_NEG)
            return take(take(e, 0), 0);
        return e;
    case MF_EX_NOT:
        if (e->arg[0]->kind == MF_EX_NOT && e->arg[0]->arg[0]->is_bool)
            return take(take(e, 0), 0);
        return e;
    case MF_EX_ADD:
    case MF_EX_SUB: return simplify_add_sub(e);
    case MF_EX_MUL: return simplify_mul(e);
    case MF_EX_DIV: return simplify_div(e);
    case MF_EX_POW: return simplify_pow(e);
    default: return e;
    }
}

mf_expr *mf_expr_simplify(mf_expr *e)
{
    if (!e)
        return NULL;
    for (int i = 0; i < e->nargs; i++) {
        e->arg[i] = mf_expr_simplify(e->arg[i]);
        if (!e->arg[i]) { /* out of memory inside a child */
            mf_expr_free(e);
            return NULL;
        }
    }
    /* A rewrite can expose another (0 - -x -> 0 + x -> x); repeat to rest. */
    for (int round = 0; round < 4; round++) {
        mf_expr *before = e;
        mf_expr_kind kind = e->kind;
        e = simplify_node(e);
        if (!e || (e == before && e->kind == kind))
            break;
    }
    return e;
}

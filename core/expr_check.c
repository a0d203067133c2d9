/* Name resolution and Brian's unit rules for expressions. Every message
 * names the parts that disagree and their units, as Brian's
 * DimensionMismatchError does, so the user can see which term is wrong. */
#include "error.h"
#include "expr.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct checker {
    mf_resolve_fn resolve;
    void *ctx;
    const char *source;
    mf_error *err;
} checker;

/* A subexpression as text for a message, shortened when long. */
static const char *snippet(const mf_expr *e, char *buf, size_t n)
{
    char *s = mf_expr_to_string(e);
    if (!s) {
        snprintf(buf, n, "...");
        return buf;
    }
    size_t len = strlen(s);
    if (len < n && len <= 60)
        snprintf(buf, n, "%s", s);
    else
        snprintf(buf, n, "%.57s...", s);
    free(s);
    return buf;
}

static const char *unit_text(mf_dim d, char *buf, size_t n)
{
    return mf_dim_format(d, buf, n);
}

/* --- names ---------------------------------------------------------------- */

static bool builtin_constant(const char *name, double *value)
{
    if (strcmp(name, "pi") == 0)
        *value = 3.14159265358979323846;
    else if (strcmp(name, "e") == 0)
        *value = 2.71828182845904523536;
    else if (strcmp(name, "inf") == 0)
        *value = INFINITY;
    else
        return false;
    return true;
}

static void set_const(mf_expr *e, double value, mf_dim dim)
{
    e->sym_kind = MF_SYM_CONST;
    e->sym_index = -1;
    e->sym_value = value;
    e->dim = dim;
    e->is_bool = false;
}

static mf_status check_name(checker *c, mf_expr *e)
{
    mf_symbol s;
    memset(&s, 0, sizeof s);
    s.dim = mf_dim_none();
    s.index = -1;
    double value, scale;
    mf_dim dim;
    if (c->resolve && c->resolve(c->ctx, e->name, &s)) {
        e->sym_kind = s.kind;
        e->sym_index = s.index;
        e->sym_value = s.value;
        e->dim = s.dim;
        e->is_bool = s.is_bool;
    } else if (builtin_constant(e->name, &value)) {
        set_const(e, value, mf_dim_none());
    } else if (mf_unit_lookup(e->name, &scale, &dim)) {
        set_const(e, scale, dim);
    } else if (mf_func_lookup(e->name, NULL, NULL)) {
        return mf_error_at(c->err, MF_ERR_NAME, c->source, e->line, e->col,
                           "'%s' is a function; call it as %s(...)", e->name, e->name);
    } else {
        return mf_error_at(c->err, MF_ERR_NAME, c->source, e->line, e->col, "unknown name '%s'",
                           e->name);
    }
    return MF_OK;
}

/* --- operators ------------------------------------------------------------ */

/* The two sides of +, - or a comparison (e->kind) disagree in units. */
static mf_status mismatch(checker *c, const mf_expr *e)
{
    const mf_expr *a = e->arg[0], *b = e->arg[1];
    char ta[80], tb[80], ua[64], ub[64];
    snippet(a, ta, sizeof ta);
    snippet(b, tb, sizeof tb);
    unit_text(a->dim, ua, sizeof ua);
    unit_text(b->dim, ub, sizeof ub);
    if (e->kind == MF_EX_SUB)
        return mf_error_at(c->err, MF_ERR_UNITS, c->source, e->line, e->col,
                           "cannot subtract '%s' (unit %s) from '%s' (unit %s)", tb, ub, ta,
                           ua);
    if (e->kind == MF_EX_ADD)
        return mf_error_at(c->err, MF_ERR_UNITS, c->source, e->line, e->col,
                           "cannot add '%s' (unit %s) and '%s' (unit %s)", ta, ua, tb, ub);
    return mf_error_at(c->err, MF_ERR_UNITS, c->source, e->line, e->col,
                       "cannot compare '%s' (unit %s) with '%s' (unit %s)", ta, ua, tb, ub);
}

static mf_status need_bool(checker *c, const char *op, const mf_expr *a)
{
    if (a->is_bool)
        return MF_OK;
    char ta[80], ua[64], what[96];
    snippet(a, ta, sizeof ta);
    if (mf_dim_is_none(a->dim))
        snprintf(what, sizeof what, "a number");
    else
        snprintf(what, sizeof what, "a value with unit %s", unit_text(a->dim, ua, sizeof ua));
    return mf_error_at(c->err, MF_ERR_UNITS, c->source, a->line, a->col,
                       "'%s' needs a boolean (a comparison, True or False), but '%s' is %s", op,
                       ta, what);
}

/* a ** b: b dimensionless; b constant when a has a dimension (Brian
 * evaluates the exponent to raise the unit). */
static mf_status check_pow(checker *c, mf_expr *e)
{
    mf_expr *a = e->arg[0], *b = e->arg[1];
    char ta[80], tb[80], ua[64];
    if (!mf_dim_is_none(b->dim)) {
        unit_text(b->dim, ua, sizeof ua);
        return mf_error_at(c->err, MF_ERR_UNITS, c->source, b->line, b->col,
                           "the exponent '%s' of '%s' must be dimensionless, but has unit %s",
                           snippet(b, tb, sizeof tb), snippet(e, ta, sizeof ta), ua);
    }
    if (mf_dim_is_none(a->dim)) {
        e->dim = mf_dim_none();
        return MF_OK;
    }
    if (!mf_expr_is_const(b)) {
        unit_text(a->dim, ua, sizeof ua);
        return mf_error_at(c->err, MF_ERR_UNITS, c->source, b->line, b->col,
                           "the exponent '%s' must be a constant because its base '%s' has "
                           "unit %s",
                           snippet(b, tb, sizeof tb), snippet(a, ta, sizeof ta), ua);
    }
    e->dim = mf_dim_pow(a->dim, mf_expr_eval(b, NULL, NULL));
    return MF_OK;
}

static mf_status check_binary(checker *c, mf_expr *e)
{
    mf_expr *a = e->arg[0], *b = e->arg[1];
    e->is_bool = false;
    switch (e->kind) {
    case MF_EX_ADD:
    case MF_EX_SUB:
        if (!mf_dim_eq(a->dim, b->dim))
            return mismatch(c, e);
        e->dim = a->dim;
        return MF_OK;
    case MF_EX_MUL: e->dim = mf_dim_mul(a->dim, b->dim); return MF_OK;
    case MF_EX_DIV: e->dim = mf_dim_div(a->dim, b->dim); return MF_OK;
    case MF_EX_POW: return check_pow(c, e);
    case MF_EX_AND:
    case MF_EX_OR: {
        const char *op = e->kind == MF_EX_AND ? "and" : "or";
        mf_status st = need_bool(c, op, a);
        if (st == MF_OK)
            st = need_bool(c, op, b);
        e->dim = mf_dim_none();
        e->is_bool = true;
        return st;
    }
    default: /* comparisons */
        if (!mf_dim_eq(a->dim, b->dim))
            return mismatch(c, e);
        e->dim = mf_dim_none();
        e->is_bool = true;
        return MF_OK;
    }
}

/* --- functions ------------------------------------------------------------ */

static mf_status check_call(checker *c, mf_expr *e)
{
    mf_expr *a = e->arg[0];
    const char *fname = mf_func_name(e->fn);
    char ta[80], tb[80], ua[64], ub[64];
    e->is_bool = false;
    switch (e->fn) {
    case MF_FN_ABS:
    case MF_FN_FLOOR:
    case MF_FN_CEIL: e->dim = a->dim; return MF_OK;
    case MF_FN_SIGN: e->dim = mf_dim_none(); return MF_OK;
    case MF_FN_SQRT: e->dim = mf_dim_pow(a->dim, 0.5); return MF_OK;
    case MF_FN_CLIP:
        for (int i = 1; i < 3; i++) {
            mf_expr *b = e->arg[i];
            if (!mf_dim_eq(a->dim, b->dim))
                return mf_error_at(
                    c->err, MF_ERR_UNITS, c->source, b->line, b->col,
                    "clip() needs its three arguments in the same unit, but '%s' has unit "
                    "%s and '%s' has unit %s",
                    snippet(a, ta, sizeof ta), unit_text(a->dim, ua, sizeof ua),
                    snippet(b, tb, sizeof tb), unit_text(b->dim, ub, sizeof ub));
        }
        e->dim = a->dim;
        return MF_OK;
    default: /* exp, log, trig, hyperbolic, int: dimensionless in and out */
        if (!mf_dim_is_none(a->dim))
            return mf_error_at(c->err, MF_ERR_UNITS, c->source, a->line, a->col,
                               "%s() needs a dimensionless argument, but '%s' has unit %s",
                               fname, snippet(a, ta, sizeof ta),
                               unit_text(a->dim, ua, sizeof ua));
        e->dim = mf_dim_none();
        return MF_OK;
    }
}

static mf_status check_node(checker *c, mf_expr *e)
{
    for (int i = 0; i < e->nargs; i++) {
        mf_status st = check_node(c, e->arg[i]);
        if (st != MF_OK)
            return st;
    }
    switch (e->kind) {
    case MF_EX_NUM: return MF_OK; /* dim none from the parser, a unit once folded */
    case MF_EX_NAME: return check_name(c, e);
    case MF_EX_NEG:
        e->dim = e->arg[0]->dim;
        e->is_bool = false;
        return MF_OK;
    case MF_EX_NOT:
        e->dim = mf_dim_none();
        e->is_bool = true;
        return need_bool(c, "not", e->arg[0]);
    case MF_EX_CALL: return check_call(c, e);
    default: return check_binary(c, e);
    }
}

mf_status mf_expr_check(mf_expr *e, mf_resolve_fn resolve, void *ctx, const char *source,
                        mf_error *err)
{
    if (!e)
        return mf_error_set(err, MF_ERR_INVALID, "mf_expr_check: no expression");
    checker c = {resolve, ctx, source, err};
    return check_node(&c, e);
}

/* Expression trees: construction, copying, freeing, structural queries and
 * the table of Brian's built-in functions. */
#include "expr.h"

#include <stdlib.h>
#include <string.h>

/* Brian's default functions, all with one argument except clip(x, lo, hi). */
static const struct {
    const char *name;
    int nargs;
} mf_func_table[MF_FN_COUNT] = {
    [MF_FN_EXP] = {"exp", 1},       [MF_FN_LOG] = {"log", 1},
    [MF_FN_LOG10] = {"log10", 1},   [MF_FN_SQRT] = {"sqrt", 1},
    [MF_FN_SIN] = {"sin", 1},       [MF_FN_COS] = {"cos", 1},
    [MF_FN_TAN] = {"tan", 1},       [MF_FN_SINH] = {"sinh", 1},
    [MF_FN_COSH] = {"cosh", 1},     [MF_FN_TANH] = {"tanh", 1},
    [MF_FN_ARCSIN] = {"arcsin", 1}, [MF_FN_ARCCOS] = {"arccos", 1},
    [MF_FN_ARCTAN] = {"arctan", 1}, [MF_FN_ABS] = {"abs", 1},
    [MF_FN_SIGN] = {"sign", 1},     [MF_FN_FLOOR] = {"floor", 1},
    [MF_FN_CEIL] = {"ceil", 1},     [MF_FN_CLIP] = {"clip", 3},
    [MF_FN_INT] = {"int", 1},
};

const char *mf_func_name(mf_func fn)
{
    if ((int)fn < 0 || fn >= MF_FN_COUNT)
        return "?";
    return mf_func_table[fn].name;
}

bool mf_func_lookup(const char *name, mf_func *fn, int *nargs)
{
    for (int i = 0; i < MF_FN_COUNT; i++) {
        if (strcmp(name, mf_func_table[i].name) == 0) {
            if (fn)
                *fn = (mf_func)i;
            if (nargs)
                *nargs = mf_func_table[i].nargs;
            return true;
        }
    }
    return false;
}

static mf_expr *node_new(mf_expr_kind kind)
{
    mf_expr *e = calloc(1, sizeof *e);
    if (!e)
        return NULL;
    e->kind = kind;
    e->dim = mf_dim_none();
    e->sym_kind = MF_SYM_UNRESOLVED;
    e->sym_index = -1;
    return e;
}

mf_expr *mf_expr_num(double v)
{
    mf_expr *e = node_new(MF_EX_NUM);
    if (e)
        e->num = v;
    return e;
}

mf_expr *mf_expr_name(const char *name)
{
    mf_expr *e = node_new(MF_EX_NAME);
    if (!e)
        return NULL;
    e->name = strdup(name ? name : "");
    if (!e->name) {
        free(e);
        return NULL;
    }
    return e;
}

mf_expr *mf_expr_unary(mf_expr_kind kind, mf_expr *a)
{
    if (!a)
        return NULL;
    mf_expr *e = node_new(kind);
    if (!e) {
        mf_expr_free(a);
        return NULL;
    }
    e->nargs = 1;
    e->arg[0] = a;
    e->line = a->line;
    e->col = a->col;
    return e;
}

mf_expr *mf_expr_binary(mf_expr_kind kind, mf_expr *a, mf_expr *b)
{
    mf_expr *e = (a && b) ? node_new(kind) : NULL;
    if (!e) {
        mf_expr_free(a);
        mf_expr_free(b);
        return NULL;
    }
    e->nargs = 2;
    e->arg[0] = a;
    e->arg[1] = b;
    e->line = a->line;
    e->col = a->col;
    return e;
}

mf_expr *mf_expr_call(mf_func fn, int nargs, mf_expr **args)
{
    bool ok = nargs >= 0 && nargs <= 3;
    for (int i = 0; ok && i < nargs; i++)
        ok = args[i] != NULL;
    mf_expr *e = ok ? node_new(MF_EX_CALL) : NULL;
    if (!e) {
        for (int i = 0; i < nargs && i < 3; i++)
            mf_expr_free(args[i]);
        return NULL;
    }
    e->fn = fn;
    e->nargs = nargs;
    for (int i = 0; i < nargs; i++)
        e->arg[i] = args[i];
    return e;
}

mf_expr *mf_expr_clone(const mf_expr *e)
{
    if (!e)
        return NULL;
    mf_expr *c = malloc(sizeof *c);
    if (!c)
        return NULL;
    *c = *e;
    c->name = NULL;
    for (int i = 0; i < 3; i++)
        c->arg[i] = NULL;
    bool ok = true;
    if (e->name) {
        c->name = strdup(e->name);
        ok = c->name != NULL;
    }
    for (int i = 0; ok && i < e->nargs; i++) {
        c->arg[i] = mf_expr_clone(e->arg[i]);
        ok = c->arg[i] != NULL;
    }
    if (!ok) {
        mf_expr_free(c);
        return NULL;
    }
    return c;
}

void mf_expr_free(mf_expr *e)
{
    if (!e)
        return;
    for (int i = 0; i < e->nargs && i < 3; i++)
        mf_expr_free(e->arg[i]);
    free(e->name);
    free(e);
}

bool mf_expr_equal(const mf_expr *a, const mf_expr *b)
{
    if (a == b)
        return true;
    if (!a || !b || a->kind != b->kind || a->nargs != b->nargs)
        return false;
    if (a->kind == MF_EX_NUM && a->num != b->num)
        return false;
    if (a->kind == MF_EX_NAME && strcmp(a->name, b->name) != 0)
        return false;
    if (a->kind == MF_EX_CALL && a->fn != b->fn)
        return false;
    for (int i = 0; i < a->nargs; i++)
        if (!mf_expr_equal(a->arg[i], b->arg[i]))
            return false;
    return true;
}

bool mf_expr_uses(const mf_expr *e, const char *name)
{
    if (!e)
        return false;
    if (e->kind == MF_EX_NAME)
        return strcmp(e->name, name) == 0;
    for (int i = 0; i < e->nargs; i++)
        if (mf_expr_uses(e->arg[i], name))
            return true;
    return false;
}

bool mf_expr_is_const(const mf_expr *e)
{
    if (!e)
        return true;
    if (e->kind == MF_EX_NAME)
        return e->sym_kind == MF_SYM_CONST;
    for (int i = 0; i < e->nargs; i++)
        if (!mf_expr_is_const(e->arg[i]))
            return false;
    return true;
}

void mf_expr_visit_names(const mf_expr *e, void (*fn)(void *ctx, const mf_expr *name),
                         void *ctx)
{
    if (!e)
        return;
    if (e->kind == MF_EX_NAME)
        fn(ctx, e);
    for (int i = 0; i < e->nargs; i++)
        mf_expr_visit_names(e->arg[i], fn, ctx);
}

/* --- builders that keep dims ------------------------------------------- */

mf_expr *mf_expr_num_dim(double v, mf_dim dim)
{
    mf_expr *e = mf_expr_num(v);
    if (e)
        e->dim = dim;
    return e;
}

/* The dimension of a ** b as mf_expr_check sets it. */
static mf_dim pow_dim(const mf_expr *a, const mf_expr *b)
{
    if (mf_dim_is_none(a->dim) || !mf_expr_is_const(b))
        return mf_dim_none();
    return mf_dim_pow(a->dim, mf_expr_eval(b, NULL, NULL));
}

mf_expr *mf_expr_make(mf_expr_kind kind, mf_expr *a, mf_expr *b)
{
    bool unary = kind == MF_EX_NEG || kind == MF_EX_NOT;
    mf_expr *e = unary ? mf_expr_unary(kind, a) : mf_expr_binary(kind, a, b);
    if (!e)
        return NULL;
    switch (kind) {
    case MF_EX_NEG:
    case MF_EX_ADD:
    case MF_EX_SUB: e->dim = a->dim; break;
    case MF_EX_MUL: e->dim = mf_dim_mul(a->dim, b->dim); break;
    case MF_EX_DIV: e->dim = mf_dim_div(a->dim, b->dim); break;
    case MF_EX_POW: e->dim = pow_dim(a, b); break;
    case MF_EX_NUM:
    case MF_EX_NAME:
    case MF_EX_CALL: break;
    default: e->is_bool = true; break; /* not, and, or, comparisons */
    }
    return e;
}

mf_expr *mf_expr_make_call(mf_func fn, mf_expr *a, mf_expr *b, mf_expr *c)
{
    mf_expr *args[3] = {a, b, c};
    int n = fn == MF_FN_CLIP ? 3 : 1;
    if (n == 1) {
        mf_expr_free(b);
        mf_expr_free(c);
    }
    mf_expr *e = mf_expr_call(fn, n, args);
    if (!e)
        return NULL;
    e->line = a->line;
    e->col = a->col;
    switch (fn) {
    case MF_FN_ABS:
    case MF_FN_FLOOR:
    case MF_FN_CEIL:
    case MF_FN_CLIP: e->dim = a->dim; break;
    case MF_FN_SQRT: e->dim = mf_dim_pow(a->dim, 0.5); break;
    default: e->dim = mf_dim_none(); break;
    }
    return e;
}

const mf_expr *mf_expr_find_name(const mf_expr *e, const char *name)
{
    if (!e)
        return NULL;
    if (e->kind == MF_EX_NAME)
        return strcmp(e->name, name) == 0 ? e : NULL;
    for (int i = 0; i < e->nargs; i++) {
        const mf_expr *found = mf_expr_find_name(e->arg[i], name);
        if (found)
            return found;
    }
    return NULL;
}

/* Expression trees and abstract code to bytecode values (see lower.h). */
#include "lower.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void mf_lower_init(mf_lower *L, const mf_model *m, mf_bc_builder *b, double dt)
{
    memset(L, 0, sizeof *L);
    L->m = m;
    L->b = b;
    L->dt = dt;
}

void mf_lower_done(mf_lower *L)
{
    for (int i = 0; i < L->n_tmp; i++)
        free(L->tmp_name[i]);
    free(L->tmp_name);
    free(L->tmp_val);
    L->tmp_name = NULL;
    L->tmp_val = NULL;
    L->n_tmp = L->cap_tmp = 0;
}

static void fail(mf_lower *L, const char *name)
{
    if (!L->failed)
        snprintf(L->failed_name, sizeof L->failed_name, "%s", name ? name : "?");
    L->failed = true;
}

void mf_lower_define(mf_lower *L, const char *name, int value)
{
    for (int i = 0; i < L->n_tmp; i++) {
        if (strcmp(L->tmp_name[i], name) == 0) {
            L->tmp_val[i] = value;
            return;
        }
    }
    if (L->n_tmp == L->cap_tmp) {
        int nc = L->cap_tmp ? 2 * L->cap_tmp : 16;
        char **nn = realloc(L->tmp_name, (size_t)nc * sizeof *nn);
        if (nn)
            L->tmp_name = nn;
        int *nv = realloc(L->tmp_val, (size_t)nc * sizeof *nv);
        if (nv)
            L->tmp_val = nv;
        if (!nn || !nv) {
            fail(L, "(out of memory)");
            return;
        }
        L->cap_tmp = nc;
    }
    L->tmp_name[L->n_tmp] = strdup(name);
    if (!L->tmp_name[L->n_tmp]) {
        fail(L, "(out of memory)");
        return;
    }
    L->tmp_val[L->n_tmp++] = value;
}

static int lookup_tmp(const mf_lower *L, const char *name)
{
    for (int i = L->n_tmp - 1; i >= 0; i--)
        if (strcmp(L->tmp_name[i], name) == 0)
            return L->tmp_val[i];
    return -1;
}

static int time_value(mf_lower *L)
{
    int t = mf_bc_time(L->b);
    if (L->t_offset == 0)
        return t;
    return mf_bc_binop(L->b, MF_OP_ADD, t, mf_bc_const(L->b, L->t_offset * L->dt));
}

static int lower_name(mf_lower *L, const mf_expr *e)
{
    const mf_model *m = L->m;
    switch (e->sym_kind) {
    case MF_SYM_CONST: return mf_bc_const(L->b, e->sym_value);
    case MF_SYM_TIME: return time_value(L);
    case MF_SYM_DT: return mf_bc_const(L->b, L->dt);
    case MF_SYM_INPUT: return mf_bc_input(L->b, e->sym_index, mf_input_offset(L->t_offset));
    case MF_SYM_EXTRA:
        if (e->sym_index < m->n_targets)
            return mf_bc_input(L->b, m->n_inputs + e->sym_index, mf_input_offset(L->t_offset));
        return mf_bc_scalar(L->b, e->sym_index - m->n_targets);
    case MF_SYM_SUBEXPR: {
        /* No depth guard: equations_check.c rejects cyclic subexpressions,
         * so this recursion ends. */
        const mf_expr *s = mf_model_subexpr(m, e);
        if (!s) {
            fail(L, e->name);
            return 0;
        }
        return mf_lower_expr(L, s);
    }
    case MF_SYM_UNRESOLVED: {
        int t = lookup_tmp(L, e->name);
        if (t >= 0)
            return t;
        if (strcmp(e->name, "t") == 0)
            return time_value(L);
        if (strcmp(e->name, "dt") == 0)
            return mf_bc_const(L->b, L->dt);
        break;
    }
    default: break;
    }
    int v = mf_model_var_of(m, e);
    if (v < 0) {
        fail(L, e->name);
        return 0;
    }
    return mf_bc_fixed(L->b, v);
}

static mf_op func_op(mf_func f)
{
    switch (f) {
    case MF_FN_EXP: return MF_OP_EXP;
    case MF_FN_LOG: return MF_OP_LOG;
    case MF_FN_LOG10: return MF_OP_LOG10;
    case MF_FN_SQRT: return MF_OP_SQRT;
    case MF_FN_SIN: return MF_OP_SIN;
    case MF_FN_COS: return MF_OP_COS;
    case MF_FN_TAN: return MF_OP_TAN;
    case MF_FN_SINH: return MF_OP_SINH;
    case MF_FN_COSH: return MF_OP_COSH;
    case MF_FN_TANH: return MF_OP_TANH;
    case MF_FN_ARCSIN: return MF_OP_ASIN;
    case MF_FN_ARCCOS: return MF_OP_ACOS;
    case MF_FN_ARCTAN: return MF_OP_ATAN;
    case MF_FN_ABS: return MF_OP_ABS;
    case MF_FN_SIGN: return MF_OP_SIGN;
    case MF_FN_FLOOR: return MF_OP_FLOOR;
    case MF_FN_CEIL: return MF_OP_CEIL;
    case MF_FN_CLIP: return MF_OP_CLIP;
    case MF_FN_INT: return MF_OP_TRUNC;
    default: return MF_OP_NOP;
    }
}

static mf_op binary_op(mf_expr_kind k)
{
    switch (k) {
    case MF_EX_ADD: return MF_OP_ADD;
    case MF_EX_SUB: return MF_OP_SUB;
    case MF_EX_MUL: return MF_OP_MUL;
    case MF_EX_DIV: return MF_OP_DIV;
    case MF_EX_POW: return MF_OP_POW;
    case MF_EX_LT: return MF_OP_LT;
    case MF_EX_LE: return MF_OP_LE;
    case MF_EX_GT: return MF_OP_GT;
    case MF_EX_GE: return MF_OP_GE;
    case MF_EX_EQ: return MF_OP_EQ;
    case MF_EX_NE: return MF_OP_NE;
    case MF_EX_AND: return MF_OP_AND;
    case MF_EX_OR: return MF_OP_OR;
    default: return MF_OP_NOP;
    }
}

static int lower(mf_lower *L, const mf_expr *e)
{
    if (!e) {
        fail(L, "(missing expression)");
        return 0;
    }
    switch (e->kind) {
    case MF_EX_NUM: return mf_bc_const(L->b, e->num);
    case MF_EX_NAME: return lower_name(L, e);
    case MF_EX_NEG: return mf_bc_unop(L->b, MF_OP_NEG, lower(L, e->arg[0]));
    case MF_EX_NOT: return mf_bc_unop(L->b, MF_OP_NOT, lower(L, e->arg[0]));
    case MF_EX_CALL: {
        int a[3] = {-1, -1, -1};
        for (int i = 0; i < e->nargs && i < 3; i++)
            a[i] = lower(L, e->arg[i]);
        mf_op op = func_op(e->fn);
        if (op == MF_OP_NOP) {
            fail(L, mf_func_name(e->fn));
            return 0;
        }
        return mf_bc_op(L->b, op, a[0], a[1], a[2]);
    }
    default: {
        mf_op op = binary_op(e->kind);
        if (op == MF_OP_NOP) {
            fail(L, "(unknown operation)");
            return 0;
        }
        int a = lower(L, e->arg[0]);
        int b = lower(L, e->arg[1]);
        return mf_bc_binop(L->b, op, a, b);
    }
    }
}

int mf_lower_expr(mf_lower *L, const mf_expr *e)
{
    return lower(L, e);
}

void mf_lower_code(mf_lower *L, const mf_code *c)
{
    const mf_model *m = L->m;
    int nr = m->v_not_refractory >= 0 ? mf_bc_fixed(L->b, m->v_not_refractory) : -1;
    for (int i = 0; i < c->n; i++) {
        const mf_code_line *l = &c->line[i];
        L->t_offset = l->t_offset;
        int v = mf_lower_expr(L, l->expr);
        L->t_offset = 0;
        bool masked = l->unless_refractory && nr >= 0;
        if (l->var >= 0) {
            if (masked)
                v = mf_bc_op(L->b, MF_OP_SEL, nr, v, mf_bc_fixed(L->b, l->var));
            mf_bc_store(L->b, l->var, v);
        } else {
            if (masked)
                v = mf_bc_op(L->b, MF_OP_SEL, nr, v, mf_bc_const(L->b, 0.0));
            mf_lower_define(L, l->target, v);
        }
    }
    mf_bc_flush(L->b);
}

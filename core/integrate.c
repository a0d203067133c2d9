/* The explicit state-update schemes (see integrate.h), in the forms of
 * Brian 2's state updaters (brian2/stateupdaters/explicit.py and
 * exponential_euler.py):
 *   euler:  x' = x + dt*f(x, t)
 *   rk2:    k = dt*f(x, t);  x' = x + dt*f(x + k/2, t + dt/2)
 *   rk4:    k1 = dt*f(x, t); k2 = dt*f(x + k1/2, t + dt/2);
 *           k3 = dt*f(x + k2/2, t + dt/2); k4 = dt*f(x + k3, t + dt);
 *           x' = k1/6 + k2/3 + k3/3 + k4/6 + x
 *   exponential Euler, with dx/dt = A*x + B (A, B at the step start):
 *           x' = -B/A + (B/A + x)*exp(dt*A);  x' = x + dt*B when A is 0;
 *           x' = x*exp(dt*A) when B is 0.
 * The sums are written in Brian's printed order so that rounding is as close
 * to Brian's as the different algebra allows. */
#include "integrate.h"

#include "error.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void mf_code_free(mf_code *c)
{
    if (!c)
        return;
    for (int i = 0; i < c->n; i++) {
        free(c->line[i].target);
        mf_expr_free(c->line[i].expr);
    }
    free(c->line);
    free(c);
}

int mf_input_offset(double t_offset)
{
    return (int)floor(t_offset + 1.0 / 16.0);
}

/* --- building trees ------------------------------------------------------- */

static mf_expr *bin(mf_expr_kind k, mf_expr *a, mf_expr *b)
{
    if (!a || !b) {
        mf_expr_free(a);
        mf_expr_free(b);
        return NULL;
    }
    return mf_expr_binary(k, a, b);
}

static mf_expr *num(double v)
{
    return mf_expr_num(v);
}

static mf_expr *named(const char *name, mf_sym_kind kind, int index)
{
    mf_expr *e = mf_expr_name(name);
    if (e) {
        e->sym_kind = kind;
        e->sym_index = index;
    }
    return e;
}

static mf_expr *var_ref(const mf_model *m, int v)
{
    return named(m->var[v].name, MF_SYM_STATE, m->var[v].eq);
}

static mf_expr *tmp_ref(const char *prefix, const mf_model *m, int v)
{
    char buf[256];
    snprintf(buf, sizeof buf, "%s%s", prefix, m->var[v].name);
    return named(buf, MF_SYM_UNRESOLVED, -1);
}

static mf_expr *dt_ref(void)
{
    return named("dt", MF_SYM_DT, -1);
}

/* Replaces, in a copy of e, every state variable v with repl[v] (when not
 * NULL). */
static bool subst_below(const mf_model *m, mf_expr *e, mf_expr *const *repl)
{
    for (int i = 0; i < e->nargs; i++) {
        mf_expr *a = e->arg[i];
        int v =
            a->kind == MF_EX_NAME && a->sym_kind == MF_SYM_STATE ? mf_model_var_of(m, a) : -1;
        if (v >= 0 && v < m->n_state && repl[v]) {
            mf_expr *r = mf_expr_clone(repl[v]);
            if (!r)
                return false;
            mf_expr_free(a);
            e->arg[i] = r;
        } else if (!subst_below(m, a, repl)) {
            return false;
        }
    }
    return true;
}

static mf_expr *subst(const mf_model *m, const mf_expr *e, mf_expr *const *repl)
{
    int v = e->kind == MF_EX_NAME && e->sym_kind == MF_SYM_STATE ? mf_model_var_of(m, e) : -1;
    if (v >= 0 && v < m->n_state && repl[v])
        return mf_expr_clone(repl[v]);
    mf_expr *c = mf_expr_clone(e);
    if (c && !subst_below(m, c, repl)) {
        mf_expr_free(c);
        return NULL;
    }
    return c;
}

/* --- code lists ----------------------------------------------------------- */

static bool add_line(mf_code *c, const char *target, int var, mf_expr *expr, double t_offset,
                     bool unless)
{
    if (!expr)
        return false;
    mf_code_line *l = realloc(c->line, ((size_t)c->n + 1) * sizeof *l);
    char *t = strdup(target);
    if (!l || !t) {
        free(l == c->line ? NULL : l);
        free(t);
        mf_expr_free(expr);
        return false;
    }
    c->line = l;
    c->line[c->n++] = (mf_code_line){t, var, expr, t_offset, unless};
    return true;
}

static bool add_tmp(mf_code *c, const char *prefix, const mf_model *m, int v, mf_expr *expr,
                    double t_offset, bool unless)
{
    char buf[256];
    snprintf(buf, sizeof buf, "%s%s", prefix, m->var[v].name);
    return add_line(c, buf, -1, expr, t_offset, unless);
}

static bool add_store(mf_code *c, const mf_model *m, int v, mf_expr *expr)
{
    return add_line(c, m->var[v].name, v, expr, 0, m->var[v].unless_refractory);
}

/* --- the schemes ---------------------------------------------------------- */

static bool euler(const mf_model *m, mf_code *c)
{
    for (int v = 0; v < m->n_state; v++) {
        mf_expr *f = mf_expr_clone(m->rhs[v]);
        if (!add_store(c, m, v, bin(MF_EX_ADD, var_ref(m, v), bin(MF_EX_MUL, dt_ref(), f))))
            return false;
    }
    return true;
}

/* k<stage>_x = dt*f(x + scale*k<prev>_x, t + t_offset*dt) for every x. */
static bool rk_stage(const mf_model *m, mf_code *c, const char *prefix, const char *prev,
                     double scale, double t_offset)
{
    mf_expr **repl = calloc((size_t)m->n_state + 1, sizeof *repl);
    if (!repl)
        return false;
    bool ok = true;
    for (int v = 0; prev && v < m->n_state && ok; v++) {
        mf_expr *k = tmp_ref(prev, m, v);
        if (scale != 1.0)
            k = bin(MF_EX_DIV, k, num(1.0 / scale));
        repl[v] = bin(MF_EX_ADD, var_ref(m, v), k);
        ok = repl[v] != NULL;
    }
    for (int v = 0; v < m->n_state && ok; v++) {
        mf_expr *f = subst(m, m->rhs[v], repl);
        ok = add_tmp(c, prefix, m, v, bin(MF_EX_MUL, dt_ref(), f), t_offset,
                     m->var[v].unless_refractory);
    }
    for (int v = 0; v < m->n_state; v++)
        mf_expr_free(repl[v]);
    free(repl);
    return ok;
}

static bool rk2(const mf_model *m, mf_code *c)
{
    if (!rk_stage(m, c, "_k_", NULL, 0, 0) || !rk_stage(m, c, "_k2_", "_k_", 0.5, 0.5))
        return false;
    for (int v = 0; v < m->n_state; v++)
        if (!add_store(c, m, v, bin(MF_EX_ADD, var_ref(m, v), tmp_ref("_k2_", m, v))))
            return false;
    return true;
}

static bool rk4(const mf_model *m, mf_code *c)
{
    if (!rk_stage(m, c, "__k_1_", NULL, 0, 0) ||
        !rk_stage(m, c, "__k_2_", "__k_1_", 0.5, 0.5) ||
        !rk_stage(m, c, "__k_3_", "__k_2_", 0.5, 0.5) ||
        !rk_stage(m, c, "__k_4_", "__k_3_", 1.0, 1.0))
        return false;
    for (int v = 0; v < m->n_state; v++) {
        mf_expr *s = bin(MF_EX_DIV, tmp_ref("__k_1_", m, v), num(6));
        s = bin(MF_EX_ADD, s, bin(MF_EX_DIV, tmp_ref("__k_2_", m, v), num(3)));
        s = bin(MF_EX_ADD, s, bin(MF_EX_DIV, tmp_ref("__k_3_", m, v), num(3)));
        s = bin(MF_EX_ADD, s, bin(MF_EX_DIV, tmp_ref("__k_4_", m, v), num(6)));
        if (!add_store(c, m, v, bin(MF_EX_ADD, s, var_ref(m, v))))
            return false;
    }
    return true;
}

static bool is_zero(const mf_expr *e)
{
    return e->kind == MF_EX_NUM && e->num == 0.0;
}

static bool exponential_euler(const mf_model *m, mf_code *c)
{
    for (int v = 0; v < m->n_state; v++) {
        const mf_expr *A = m->lin_A[v], *B = m->lin_B[v];
        mf_expr *upd;
        if (is_zero(A)) {
            upd = bin(MF_EX_ADD, var_ref(m, v), bin(MF_EX_MUL, dt_ref(), mf_expr_clone(B)));
        } else if (is_zero(B)) {
            mf_expr *ex = bin(MF_EX_MUL, dt_ref(), mf_expr_clone(A));
            upd = bin(MF_EX_MUL, var_ref(m, v),
                      ex ? mf_expr_call(MF_FN_EXP, 1, (mf_expr *[]){ex}) : NULL);
        } else {
            if (!add_tmp(c, "_BA_", m, v, bin(MF_EX_DIV, mf_expr_clone(B), mf_expr_clone(A)), 0,
                         false))
                return false;
            mf_expr *ex = bin(MF_EX_MUL, dt_ref(), mf_expr_clone(A));
            mf_expr *e = ex ? mf_expr_call(MF_FN_EXP, 1, (mf_expr *[]){ex}) : NULL;
            mf_expr *ba = tmp_ref("_BA_", m, v);
            upd = bin(MF_EX_ADD, mf_expr_unary(MF_EX_NEG, ba),
                      bin(MF_EX_MUL, bin(MF_EX_ADD, tmp_ref("_BA_", m, v), var_ref(m, v)), e));
        }
        if (!add_store(c, m, v, upd))
            return false;
    }
    return true;
}

mf_status mf_integrate_code(const mf_model *m, mf_code **out, mf_error *err)
{
    *out = NULL;
    mf_code *c = calloc(1, sizeof *c);
    if (!c)
        return mf_error_nomem(err, "the update code", sizeof *c);
    bool ok;
    switch (m->method) {
    case MF_METHOD_EULER: ok = euler(m, c); break;
    case MF_METHOD_RK2: ok = rk2(m, c); break;
    case MF_METHOD_RK4: ok = rk4(m, c); break;
    case MF_METHOD_EXPONENTIAL_EULER: ok = m->lin_A && exponential_euler(m, c); break;
    default:
        mf_code_free(c);
        return mf_error_set(err, MF_ERR_INVALID,
                            "method %s has no update code (it is integrated adaptively)",
                            mf_method_name(m->method));
    }
    if (!ok) {
        mf_code_free(c);
        return mf_error_set(err, MF_ERR_NOMEM,
                            "out of memory building the %s update code of %d state variables "
                            "(expression trees of a few kB)",
                            mf_method_name(m->method), m->n_state);
    }
    *out = c;
    return MF_OK;
}

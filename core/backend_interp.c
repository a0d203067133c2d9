/* The interpreter backend: the model's step compiled to bytecode programs
 *   preamble   loop-invariant values (per block, once)
 *   refractory not_refractory for this step
 *   update     the explicit scheme's abstract code (integrate.c)
 *   threshold  _spike = condition [and not_refractory]
 *   reset      lastspike = t, not_refractory = 0, then the statements, each
 *              applied only where _spike (a select: the others keep their value)
 *   deriv      (GSL methods) dx/dt for one lane, into registers after the
 *              variables, called by GSL's driver at the times it chooses.
 * The reset program runs only for blocks with a spike in the step. */
#include "engine_exec.h"
#include "integrate_gsl.h"
#include "lower.h"

#include "error.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

typedef struct interp_prog {
    const mf_model *m;
    double dt;
    mf_engine_options opt;
    mf_bc_module mod;
    int p_refr, p_update, p_thresh, p_reset, p_deriv; /* 0: absent */
    bool gsl;
} interp_prog;

typedef struct interp_block {
    interp_prog *p;
    int capacity;
    double **reg;      /* n_regs pointers */
    double *scratch;   /* registers after the variables */
    double **lane_reg; /* GSL: the register table shifted to one lane */
    const mf_block *b;
    long k;
    mf_gsl_lanes *gsl;
    double *y;
} interp_block;

/* --- programs --------------------------------------------------------------- */

static void build_refractory(interp_prog *p, mf_lower *L)
{
    const mf_model *m = p->m;
    mf_bc_builder *b = L->b;
    p->p_refr = mf_bc_begin(b);
    int nr;
    if (m->refractory_kind == MF_REFRACTORY_TIME) {
        /* timestep(x) = int((x + 1e-3*dt)/dt), Brian's rounding of times to
         * whole steps. */
        double eps = 1e-3 * p->dt;
        int since = mf_bc_binop(b, MF_OP_SUB, mf_bc_time(b), mf_bc_fixed(b, m->v_lastspike));
        int n_since = mf_bc_unop(
            b, MF_OP_TRUNC,
            mf_bc_binop(b, MF_OP_DIV, mf_bc_binop(b, MF_OP_ADD, since, mf_bc_const(b, eps)),
                        mf_bc_const(b, p->dt)));
        int r = mf_lower_expr(L, m->refractory);
        int n_refr = mf_bc_unop(b, MF_OP_TRUNC,
                                mf_bc_binop(b, MF_OP_DIV,
                                            mf_bc_binop(b, MF_OP_ADD, r, mf_bc_const(b, eps)),
                                            mf_bc_const(b, p->dt)));
        nr = mf_bc_binop(b, MF_OP_GE, n_since, n_refr);
    } else {
        /* Brian latches a condition: it can only end refractoriness. */
        int cond = mf_lower_expr(L, m->refractory);
        nr = mf_bc_binop(b, MF_OP_OR, mf_bc_fixed(b, m->v_not_refractory),
                         mf_bc_unop(b, MF_OP_NOT, cond));
    }
    mf_bc_store(b, m->v_not_refractory, nr);
    mf_bc_flush(b);
}

static void build_threshold(interp_prog *p, mf_lower *L)
{
    const mf_model *m = p->m;
    mf_bc_builder *b = L->b;
    p->p_thresh = mf_bc_begin(b);
    int c = mf_lower_expr(L, m->threshold);
    if (m->v_not_refractory >= 0)
        c = mf_bc_binop(b, MF_OP_AND, c, mf_bc_fixed(b, m->v_not_refractory));
    mf_bc_store(b, m->v_spike, c);
    mf_bc_flush(b);
}

static void build_reset(interp_prog *p, mf_lower *L)
{
    const mf_model *m = p->m;
    mf_bc_builder *b = L->b;
    p->p_reset = mf_bc_begin(b);
    int spike = mf_bc_fixed(b, m->v_spike);
    if (m->v_lastspike >= 0) {
        mf_bc_store(b, m->v_lastspike,
                    mf_bc_op(b, MF_OP_SEL, spike, mf_bc_time(b), m->v_lastspike));
        mf_bc_store(b, m->v_not_refractory,
                    mf_bc_op(b, MF_OP_SEL, spike, mf_bc_const(b, 0.0), m->v_not_refractory));
        mf_bc_flush(b);
    }
    for (int i = 0; m->reset && i < m->reset->n; i++) {
        const mf_statement *st = &m->reset->st[i];
        int x = mf_bc_fixed(b, st->var);
        int v = mf_lower_expr(L, st->expr);
        static const mf_op ops[] = {MF_OP_NOP, MF_OP_ADD, MF_OP_SUB, MF_OP_MUL, MF_OP_DIV};
        if (st->op != MF_ASSIGN_SET)
            v = mf_bc_binop(b, ops[st->op], x, v);
        mf_bc_store(b, st->var, mf_bc_op(b, MF_OP_SEL, spike, v, x));
        mf_bc_flush(b); /* the next statement sees this one's result */
    }
}

static void build_deriv(interp_prog *p, mf_lower *L)
{
    const mf_model *m = p->m;
    mf_bc_builder *b = L->b;
    p->p_deriv = mf_bc_begin(b);
    for (int v = 0; v < m->n_state; v++) {
        int d = mf_lower_expr(L, m->rhs[v]);
        if (m->var[v].unless_refractory && m->v_not_refractory >= 0)
            d = mf_bc_op(b, MF_OP_SEL, m->v_not_refractory, d, mf_bc_const(b, 0.0));
        mf_bc_store(b, m->n_var + v, d);
    }
    mf_bc_flush(b);
}

static mf_status build_update(interp_prog *p, mf_lower *L, mf_error *err)
{
    mf_code *code = NULL;
    mf_status rc = mf_integrate_code(p->m, &code, err);
    if (rc != MF_OK)
        return rc;
    p->p_update = mf_bc_begin(L->b);
    mf_lower_code(L, code);
    mf_code_free(code);
    return MF_OK;
}

static mf_status build_all(interp_prog *p, mf_bc_builder *b, mf_error *err)
{
    const mf_model *m = p->m;
    mf_lower L;
    mf_lower_init(&L, m, b, p->dt);
    mf_status rc = MF_OK;
    if (m->refractory_kind != MF_REFRACTORY_NONE)
        build_refractory(p, &L);
    if (p->gsl)
        build_deriv(p, &L);
    else
        rc = build_update(p, &L, err);
    if (rc == MF_OK && m->threshold) {
        build_threshold(p, &L);
        build_reset(p, &L);
    }
    if (rc == MF_OK && L.failed)
        rc = mf_error_set(err, MF_ERR_INTERNAL, "cannot compile the name '%s' of the model",
                          L.failed_name);
    mf_lower_done(&L);
    return rc;
}

static void interp_release(void *prog)
{
    interp_prog *p = prog;
    if (!p)
        return;
    mf_bc_module_free(&p->mod);
    free(p);
}

static mf_status interp_prepare(const mf_model *m, double dt, const mf_engine_options *opt,
                                void **out, mf_error *err)
{
    *out = NULL;
    interp_prog *p = calloc(1, sizeof *p);
    if (!p)
        return mf_error_nomem(err, "the interpreter's program", sizeof *p);
    p->m = m;
    p->dt = dt;
    p->opt = *opt;
    p->gsl = m->method == MF_METHOD_GSL_RKF45 || m->method == MF_METHOD_GSL_RK8PD;
    if (p->gsl)
        mf_gsl_prepare(); /* here, not in the blocks' threads */
    int n_fixed = m->n_var + (p->gsl ? m->n_state : 0);
    /* Parameters are never assigned: what is computed from them alone is
     * computed once per block (the preamble). */
    bool *inv = calloc((size_t)n_fixed + 1, sizeof *inv);
    if (!inv) {
        interp_release(p);
        return mf_error_nomem(err, "the interpreter's table of invariants",
                              ((size_t)n_fixed + 1) * sizeof *inv);
    }
    for (int v = 0; v < m->n_var; v++)
        inv[v] = m->var[v].kind == MF_VAR_PARAM;
    mf_bc_builder *b = mf_bc_builder_new(n_fixed, inv);
    free(inv);
    if (!b) {
        interp_release(p);
        return mf_error_nomem(err, "a bytecode builder", ((size_t)n_fixed + 1) * sizeof(bool));
    }
    mf_status rc = build_all(p, b, err);
    if (rc == MF_OK)
        rc = mf_bc_finish(b, &p->mod, err);
    mf_bc_builder_free(b);
    if (rc != MF_OK) {
        interp_release(p);
        return rc;
    }
    *out = p;
    return MF_OK;
}

/* --- blocks ------------------------------------------------------------------ */

static void interp_block_free(void *scratch)
{
    interp_block *s = scratch;
    if (!s)
        return;
    mf_gsl_lanes_free(s->gsl);
    free(s->y);
    free(s->reg);
    free(s->lane_reg);
    free(s->scratch);
    free(s);
}

static void gsl_deriv(void *ctx, int lane, double t, const double *y, double *dydt);

static void *interp_block_new(void *prog, int capacity)
{
    interp_prog *p = prog;
    interp_block *s = calloc(1, sizeof *s);
    if (!s)
        return NULL;
    s->p = p;
    s->capacity = capacity;
    int n_regs = p->mod.n_regs > 0 ? p->mod.n_regs : 1;
    int n_own = n_regs - p->m->n_var;
    s->reg = calloc((size_t)n_regs, sizeof *s->reg);
    s->lane_reg = calloc((size_t)n_regs, sizeof *s->lane_reg);
    size_t bytes = ((size_t)(n_own > 0 ? n_own : 1) * (size_t)capacity) * sizeof(double);
    bytes = (bytes + 63) / 64 * 64;
    s->scratch = aligned_alloc(64, bytes);
    if (!s->reg || !s->lane_reg || !s->scratch) {
        interp_block_free(s);
        return NULL;
    }
    memset(s->scratch, 0, bytes);
    if (p->gsl) {
        const mf_model *m = p->m;
        double abs_tol = p->opt.abs_tol > 0 ? p->opt.abs_tol : 1e-6;
        double rel_tol = p->opt.rel_tol > 0 ? p->opt.rel_tol : 0.0;
        s->gsl = mf_gsl_lanes_new(m->method, m->n_state, capacity, p->dt, abs_tol, rel_tol,
                                  gsl_deriv, s);
        s->y = calloc((size_t)m->n_state + 1, sizeof *s->y);
        if (!s->gsl || !s->y) {
            interp_block_free(s);
            return NULL;
        }
    }
    return s;
}

static mf_status interp_begin(void *prog, void *scratch, const mf_block *b, mf_error *err)
{
    (void)err;
    interp_prog *p = prog;
    interp_block *s = scratch;
    const mf_model *m = p->m;
    s->b = b;
    for (int v = 0; v < m->n_var; v++)
        s->reg[v] = b->var[v];
    for (int r = m->n_var; r < p->mod.n_regs; r++)
        s->reg[r] = s->scratch + (size_t)(r - m->n_var) * (size_t)s->capacity;
    if (p->mod.n_regs == 0)
        s->reg[0] = s->scratch;
    mf_bc_exec x = mf_block_exec(b, s->reg, 0);
    mf_bc_run(&p->mod.prog[0], &x);
    return MF_OK;
}

/* GSL's right-hand side for one lane: the deriv program over a register
 * table shifted to that lane, with n = 1. */
static void gsl_deriv(void *ctx, int lane, double t, const double *y, double *dydt)
{
    interp_block *s = ctx;
    interp_prog *p = s->p;
    const mf_model *m = p->m;
    const mf_block *b = s->b;
    for (int v = 0; v < m->n_state; v++)
        b->var[v][lane] = y[v];
    for (int r = 0; r < p->mod.n_regs; r++)
        s->lane_reg[r] = s->reg[r] + lane;
    /* The input at time t is Brian's TimedArray sample floor(t/dt + 1/16). */
    long idx = (long)floor(t / p->dt + 1.0 / 16.0);
    mf_bc_exec x = mf_block_exec(b, s->reg, idx);
    x.reg = s->lane_reg;
    x.n = 1;
    x.t = t;
    x.trace = b->trace + lane;
    mf_bc_run(&p->mod.prog[p->p_deriv], &x);
    for (int v = 0; v < m->n_state; v++)
        dydt[v] = s->reg[m->n_var + v][lane];
}

static mf_status gsl_update(interp_block *s, const mf_block *b, long k, mf_error *err)
{
    const mf_model *m = s->p->m;
    for (int l = 0; l < b->n; l++) {
        for (int v = 0; v < m->n_state; v++)
            s->y[v] = b->var[v][l];
        mf_status rc = mf_gsl_lanes_step(s->gsl, l, b->first_lane + l, k, s->y, err);
        if (rc != MF_OK)
            return rc;
        for (int v = 0; v < m->n_state; v++)
            b->var[v][l] = s->y[v];
    }
    return MF_OK;
}

static mf_status interp_step(void *prog, void *scratch, const mf_block *b, long k,
                             mf_error *err)
{
    interp_prog *p = prog;
    interp_block *s = scratch;
    mf_bc_exec x = mf_block_exec(b, s->reg, k);
    if (p->p_refr)
        mf_bc_run(&p->mod.prog[p->p_refr], &x);
    if (p->gsl) {
        mf_status rc = gsl_update(s, b, k, err);
        if (rc != MF_OK)
            return rc;
    } else {
        mf_bc_run(&p->mod.prog[p->p_update], &x);
    }
    if (p->p_thresh)
        mf_bc_run(&p->mod.prog[p->p_thresh], &x);
    return MF_OK;
}

static mf_status interp_reset(void *prog, void *scratch, const mf_block *b, long k,
                              mf_error *err)
{
    (void)err;
    interp_prog *p = prog;
    interp_block *s = scratch;
    mf_bc_exec x = mf_block_exec(b, s->reg, k);
    if (p->p_reset)
        mf_bc_run(&p->mod.prog[p->p_reset], &x);
    return MF_OK;
}

static const mf_backend interp_backend = {
    .name = "interpreter",
    .prepare = interp_prepare,
    .release = interp_release,
    .block_new = interp_block_new,
    .block_free = interp_block_free,
    .begin = interp_begin,
    .step = interp_step,
    .reset = interp_reset,
};

const mf_backend *mf_backend_interp(void)
{
    return &interp_backend;
}

void mf_interp_code_of(const void *prog, mf_interp_code *out)
{
    const interp_prog *p = prog;
    *out = (mf_interp_code){&p->mod, p->p_refr, p->p_update, p->p_thresh, p->p_reset, p->gsl};
}

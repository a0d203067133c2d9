/* Subexpression programs for the engine's recording (see engine_subexpr.h).
 * Register layout: [0, n_var) the block's variables (borrowed), n_var + i
 * the value of subexpression i, then the builder's pinned invariants and
 * temporaries (owned by the block). */
#include "engine_subexpr.h"
#include "engine_exec.h"

#include "error.h"
#include "lower.h"

#include <stdlib.h>
#include <string.h>

struct mf_subexpr_code {
    mf_bc_module mod;
    int n_var;
    int *prog; /* per subexpression: its program in mod */
};

struct mf_subexpr_block {
    const mf_subexpr_code *c;
    int capacity;
    double **reg;
    double *mem;
};

void mf_subexpr_code_free(mf_subexpr_code *c)
{
    if (!c)
        return;
    mf_bc_module_free(&c->mod);
    free(c->prog);
    free(c);
}

static mf_status build(mf_subexpr_code *c, const mf_model *m, double dt, mf_bc_builder *b,
                       mf_error *err)
{
    mf_lower L;
    mf_lower_init(&L, m, b, dt);
    for (int i = 0; i < m->n_sub; i++) {
        c->prog[i] = mf_bc_begin(b);
        int v = mf_lower_expr(&L, m->eqs->eq[m->sub_eq[i]].expr);
        mf_bc_store(b, m->n_var + i, v);
        mf_bc_flush(b);
    }
    mf_status rc =
        L.failed ? mf_error_set(err, MF_ERR_INTERNAL,
                                "cannot compile the name '%s' of the model", L.failed_name)
                 : MF_OK;
    mf_lower_done(&L);
    return rc;
}

mf_status mf_subexpr_code_new(const mf_model *m, double dt, mf_subexpr_code **out,
                              mf_error *err)
{
    *out = NULL;
    mf_subexpr_code *c = calloc(1, sizeof *c);
    int n_fixed = m->n_var + m->n_sub;
    bool *inv = calloc((size_t)n_fixed + 1, sizeof *inv);
    if (c)
        c->prog = calloc((size_t)m->n_sub + 1, sizeof *c->prog);
    if (!c || !inv || !c->prog) {
        free(inv);
        mf_subexpr_code_free(c);
        return mf_error_nomem(err, "the subexpressions' programs",
                              sizeof *c + ((size_t)n_fixed + 1) * sizeof *inv +
                                  ((size_t)m->n_sub + 1) * sizeof *c->prog);
    }
    c->n_var = m->n_var;
    /* Parameters never change during a run: what depends on them alone is
     * computed once per block (the preamble). */
    for (int v = 0; v < m->n_var; v++)
        inv[v] = m->var[v].kind == MF_VAR_PARAM;
    mf_bc_builder *b = mf_bc_builder_new(n_fixed, inv);
    free(inv);
    mf_status rc =
        b ? build(c, m, dt, b, err)
          : mf_error_nomem(err, "a bytecode builder", ((size_t)n_fixed + 1) * sizeof(bool));
    if (rc == MF_OK)
        rc = mf_bc_finish(b, &c->mod, err);
    mf_bc_builder_free(b);
    if (rc != MF_OK) {
        mf_subexpr_code_free(c);
        return rc;
    }
    *out = c;
    return MF_OK;
}

void mf_subexpr_block_free(mf_subexpr_block *s)
{
    if (!s)
        return;
    free(s->reg);
    free(s->mem);
    free(s);
}

mf_subexpr_block *mf_subexpr_block_new(const mf_subexpr_code *c, int capacity)
{
    mf_subexpr_block *s = calloc(1, sizeof *s);
    if (!s)
        return NULL;
    s->c = c;
    s->capacity = capacity;
    int n_own = c->mod.n_regs - c->n_var;
    s->reg = calloc((size_t)c->mod.n_regs + 1, sizeof *s->reg);
    s->mem = calloc((size_t)(n_own > 0 ? n_own : 1) * (size_t)capacity, sizeof *s->mem);
    if (!s->reg || !s->mem) {
        mf_subexpr_block_free(s);
        return NULL;
    }
    for (int r = c->n_var; r < c->mod.n_regs; r++)
        s->reg[r] = s->mem + (size_t)(r - c->n_var) * (size_t)capacity;
    return s;
}

void mf_subexpr_begin(mf_subexpr_block *s, const mf_block *b)
{
    for (int v = 0; v < s->c->n_var; v++)
        s->reg[v] = b->var[v];
    mf_bc_exec x = mf_block_exec(b, s->reg, 0);
    mf_bc_run(&s->c->mod.prog[0], &x);
}

const double *mf_subexpr_eval(mf_subexpr_block *s, const mf_block *b, long k, int i)
{
    mf_bc_exec x = mf_block_exec(b, s->reg, k);
    mf_bc_run(&s->c->mod.prog[s->c->prog[i]], &x);
    return s->reg[s->c->n_var + i];
}

/* Forward sensitivity equations for refine's exact gradients.
 *
 * For state variables x_i with dx_i/dt = f_i(x, p) and a fitted parameter
 * p_j, S_ij = dx_i/dp_j follows
 *     dS_ij/dt = sum_k (df_i/dx_k) S_kj + df_i/dp_j,
 * integrated with the model by the same method. The derivatives are the
 * expression module's symbolic ones (mf_expr_diff), taken through
 * subexpressions by the chain rule, and printed back as Brian equations
 * (`dS_v_gl/dt = ... : V/S`) appended to the model text, so the model
 * compiler checks their units and the engine runs them like any equation.
 * A subexpression output o gets S_o_j = sum_k (do/dx_k) S_kj + do/dp_j.
 * S starts at d(init)/dp_j (the partial derivative of a param_init
 * expression), else 0.
 *
 * Limits (as brian2modelfitting's sensitivities): a reset's jump is not
 * propagated into S, and the penalty has no sensitivity (refine with a
 * penalty uses finite differences). */
#include "fitter.h"

#include <math.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

/* A growing string. */
typedef struct text {
    char *s;
    size_t n, cap;
    bool bad;
} text;

static void add(text *t, const char *fmt, ...) MF_PRINTF(2, 3);
static void add(text *t, const char *fmt, ...)
{
    for (int pass = 0; pass < 2 && !t->bad; pass++) {
        va_list ap;
        va_start(ap, fmt);
        int w = vsnprintf(t->s ? t->s + t->n : NULL, t->s ? t->cap - t->n : 0, fmt, ap);
        va_end(ap);
        if (w < 0) {
            t->bad = true;
            return;
        }
        if (t->s && t->n + (size_t)w < t->cap) {
            t->n += (size_t)w;
            return;
        }
        size_t cap = t->cap ? t->cap : 1024;
        while (cap <= t->n + (size_t)w)
            cap *= 2;
        char *s = realloc(t->s, cap);
        if (!s) {
            t->bad = true;
            return;
        }
        t->s = s;
        t->cap = cap;
    }
}

/* A dimension as a Brian unit expression over base units:
 * "metre**2*kilogram/second**3/amp", "1" when dimensionless. */
static void unit_expr(mf_dim d, text *t)
{
    static const char *base[MF_NDIM] = {"metre",  "kilogram", "second", "amp",
                                        "kelvin", "mole",     "candela"};
    int k = 0;
    for (int i = 0; i < MF_NDIM; i++)
        if (d.e[i] > 0)
            add(t, d.e[i] == 1 ? "%s%s" : "%s%s**%.17g", k++ ? "*" : "", base[i], d.e[i]);
    if (k == 0)
        add(t, "1");
    for (int i = 0; i < MF_NDIM; i++)
        if (d.e[i] < 0)
            add(t, d.e[i] == -1 ? "/%s" : "/%s**%.17g", base[i], -d.e[i]);
}

static bool is_zero(const mf_expr *e)
{
    return e->kind == MF_EX_NUM && e->num == 0;
}

typedef struct subs {
    int idx[64];
    int n;
} subs;

static void find_subexprs(void *p, const mf_expr *name)
{
    subs *s = p;
    if (name->sym_kind != MF_SYM_SUBEXPR || s->n >= 64)
        return;
    for (int i = 0; i < s->n; i++)
        if (s->idx[i] == name->sym_index)
            return;
    s->idx[s->n++] = name->sym_index;
}

/* d e / d y through subexpressions (chain rule); NULL with err set on
 * failure. */
static mf_expr *total_diff(const mf_equations *eqs, const mf_expr *e, const char *y,
                           mf_error *err)
{
    mf_expr *d = mf_expr_diff(e, y, err);
    subs s = {.n = 0};
    mf_expr_visit_names(e, find_subexprs, &s);
    for (int i = 0; d && i < s.n; i++) {
        const mf_equation *q = &eqs->eq[s.idx[i]];
        mf_expr *outer = mf_expr_diff(e, q->name, err);
        mf_expr *inner = outer ? total_diff(eqs, q->expr, y, err) : NULL;
        if (!outer || !inner) {
            mf_expr_free(outer);
            mf_expr_free(inner);
            mf_expr_free(d);
            return NULL;
        }
        d = mf_expr_make(MF_EX_ADD, d, mf_expr_make(MF_EX_MUL, outer, inner));
    }
    return d ? mf_expr_simplify(d) : NULL;
}

static const char *param_name(const mf_fitter *f, int j)
{
    return f->model->var[f->param_var[j]].name;
}

/* Appends " + (d)*S_<x>_<p>" (or "(d)" for the parameter's own term). */
static void add_term(text *t, int *n_terms, const mf_expr *d, const char *s_name)
{
    char *str = mf_expr_to_string(d);
    if (!str) {
        t->bad = true;
        return;
    }
    add(t, "%s(%s)%s%s", (*n_terms)++ ? " + " : "", str, s_name ? "*" : "",
        s_name ? s_name : "");
    free(str);
}

/* The right-hand side sum_k (de/dx_k) S_kj + de/dp_j into t; *n_terms
 * counts the non-zero terms. */
static mf_status sens_rhs(const mf_fitter *f, const mf_expr *e, int j, text *t, int *n_terms,
                          mf_error *err)
{
    const mf_model *m = f->model;
    *n_terms = 0;
    for (int k = 0; k <= m->n_state; k++) {
        const char *y = k < m->n_state ? m->var[k].name : param_name(f, j);
        mf_expr *d = total_diff(m->eqs, e, y, err);
        if (!d)
            return MF_ERR_UNSUPPORTED;
        if (!is_zero(d)) {
            char s_name[256];
            snprintf(s_name, sizeof s_name, "S_%s_%s", y, param_name(f, j));
            add_term(t, n_terms, d, k < m->n_state ? s_name : NULL);
        }
        mf_expr_free(d);
    }
    return MF_OK;
}

static mf_status state_equations(const mf_fitter *f, text *t, mf_error *err)
{
    const mf_model *m = f->model;
    for (int i = 0; i < m->n_state; i++) {
        const mf_equation *q = &m->eqs->eq[m->var[i].eq];
        for (int j = 0; j < f->n_params; j++) {
            const mf_model_var *p = &m->var[f->param_var[j]];
            text rhs = {0};
            int n;
            mf_status rc = sens_rhs(f, q->expr, j, &rhs, &n, err);
            if (rc == MF_OK && n > 0)
                add(t, "dS_%s_%s/dt = %s : ", q->name, p->name, rhs.s);
            else if (rc == MF_OK) /* never moves from 0: a per-lane variable */
                add(t, "S_%s_%s : ", q->name, p->name);
            free(rhs.s);
            if (rc != MF_OK)
                return rc;
            unit_expr(mf_dim_div(q->dim, p->dim), t);
            add(t, "%s\n",
                q->flags & MF_EQFLAG_UNLESS_REFRACTORY ? " (unless refractory)" : "");
        }
    }
    return MF_OK;
}

static mf_status output_equations(const mf_fitter *f, text *t, mf_error *err)
{
    for (int o = 0; o < f->n_out; o++) {
        const fit_output *out = &f->out[o];
        const mf_expr *sub = mf_model_quantity_expr(f->model, out->q);
        if (!sub && out->q >= f->model->n_state)
            return mf_error_set(err, MF_ERR_UNSUPPORTED,
                                "exact gradients need outputs that are state variables or "
                                "subexpressions; '%s' is neither",
                                out->name);
        if (!sub)
            continue;
        for (int j = 0; j < f->n_params; j++) {
            const mf_model_var *p = &f->model->var[f->param_var[j]];
            mf_dim dim = mf_dim_div(out->dim, p->dim);
            text rhs = {0};
            int n;
            mf_status rc = sens_rhs(f, sub, j, &rhs, &n, err);
            if (rc != MF_OK) {
                free(rhs.s);
                return rc;
            }
            add(t, "S_%s_%s = %s", out->name, p->name, n > 0 ? rhs.s : "0");
            if (n == 0 && !mf_dim_is_none(dim)) {
                add(t, "*");
                unit_expr(dim, t);
            }
            add(t, " : ");
            unit_expr(dim, t);
            add(t, "\n");
            free(rhs.s);
        }
    }
    return MF_OK;
}

/* S's initial values: the partial derivative of a param_init expression. */
typedef struct inits {
    char **names, **values;
    int n;
} inits;

static void inits_free(inits *in)
{
    for (int i = 0; i < in->n; i++) {
        free(in->names[i]);
        free(in->values[i]);
    }
    free(in->names);
    free(in->values);
}

static mf_status sens_inits(const mf_fitter *f, inits *in, mf_error *err)
{
    const mf_model *m = f->model;
    size_t cap = (size_t)m->n_state * (size_t)f->n_params + 1;
    in->names = calloc(cap, sizeof *in->names);
    in->values = calloc(cap, sizeof *in->values);
    if (!in->names || !in->values)
        return mf_error_nomem(err, "the sensitivity equations' initial values",
                              2 * cap * sizeof *in->names);
    for (int i = 0; i < m->n_state; i++)
        for (int j = 0; m->var[i].init && j < f->n_params; j++) {
            mf_expr *d = mf_expr_diff(m->var[i].init, param_name(f, j), err);
            if (!d)
                return MF_ERR_UNSUPPORTED;
            if (!is_zero(d)) {
                char name[256];
                snprintf(name, sizeof name, "S_%s_%s", m->var[i].name, param_name(f, j));
                in->names[in->n] = strdup(name);
                in->values[in->n] = mf_expr_to_string(d);
                if (!in->names[in->n] || !in->values[in->n]) {
                    mf_expr_free(d);
                    return mf_error_nomem(err, "a sensitivity variable's initial value",
                                          strlen(name) + 256);
                }
                in->n++;
            }
            mf_expr_free(d);
        }
    return MF_OK;
}

/* The model text with the sensitivity equations appended. */
static mf_status sens_text(const mf_fitter *f, char **out, mf_error *err)
{
    text t = {0};
    add(&t, "%s\n# sensitivity equations (refine's exact gradients)\n", f->spec->model);
    mf_status rc = state_equations(f, &t, err);
    if (rc == MF_OK)
        rc = output_equations(f, &t, err);
    if (rc == MF_OK && t.bad)
        rc = mf_error_nomem(err, "the sensitivity equations' text", t.cap ? t.cap * 2 : 1024);
    if (rc != MF_OK) {
        free(t.s);
        return rc;
    }
    *out = t.s;
    return MF_OK;
}

/* --- the sensitivity model ----------------------------------------------------- */

void mf_fit_sens_free(fit_sens *s)
{
    if (!s)
        return;
    for (int i = 0; s->store && i < s->n_probes; i++)
        free(s->store[i]);
    free(s->store);
    free(s->probes);
    free(s->param_var);
    mf_engine_free(s->e);
    mf_model_free(s->m);
    free(s);
}

static mf_status find_probes(const mf_fitter *f, fit_sens *s, mf_error *err)
{
    s->n_probes = f->n_out * (1 + f->n_params);
    size_t n = (size_t)s->n_probes, len = (size_t)f->n_traces * (size_t)f->n_steps;
    s->probes = calloc(n, sizeof *s->probes);
    s->store = calloc(n, sizeof *s->store);
    s->param_var = calloc((size_t)f->n_params, sizeof *s->param_var);
    if (!s->probes || !s->store || !s->param_var)
        return mf_error_nomem(err, "the sensitivity probes",
                              n * (sizeof *s->probes + sizeof *s->store) +
                                  (size_t)f->n_params * sizeof *s->param_var);
    for (int j = 0; j < f->n_params; j++)
        s->param_var[j] = mf_model_find_var(s->m, param_name(f, j));
    for (int k = 0; k < s->n_probes; k++) {
        int o = k % f->n_out, j = k / f->n_out - 1;
        char name[256];
        if (j < 0)
            snprintf(name, sizeof name, "%s", f->out[o].name);
        else
            snprintf(name, sizeof name, "S_%s_%s", f->out[o].name, param_name(f, j));
        mf_dim dim;
        mf_status rc = mf_fit_find(s->m, name, &s->probes[k], &dim, err);
        if (rc != MF_OK)
            return rc;
        if (!(s->store[k] = malloc(len * sizeof(double))))
            return mf_error_nomem(err, "a sensitivity trace", len * sizeof(double));
    }
    return MF_OK;
}

mf_status mf_fit_sens_new(const mf_fitter *f, fit_sens **out, mf_error *err)
{
    *out = NULL;
    if (f->has_penalty)
        return mf_error_set(err, MF_ERR_UNSUPPORTED,
                            "refine: exact gradients do not cover the penalty; refine without "
                            "MF_REFINE_EXACT_GRADIENT");
    fit_sens *s = calloc(1, sizeof *s);
    if (!s)
        return mf_error_nomem(err, "the sensitivity model", sizeof *s);
    char *eqs = NULL;
    inits in = {0};
    mf_status rc = sens_text(f, &eqs, err);
    if (rc == MF_OK)
        rc = sens_inits(f, &in, err);
    if (rc == MF_OK) {
        rc = mf_fitter_compile(f, eqs, in.n, (const char *const *)in.names,
                               (const char *const *)in.values, &s->m, err);
        if (rc != MF_OK)
            mf_error_prefix(err, "refine: the sensitivity equations");
    }
    if (rc == MF_OK) {
        mf_engine_options opt = mf_engine_options_for(f->ctx);
        opt.block_size = 8;
        rc = mf_engine_new(s->m, f->dt, &opt, &s->e, err);
    }
    if (rc == MF_OK)
        rc = find_probes(f, s, err);
    free(eqs);
    inits_free(&in);
    if (rc != MF_OK) {
        mf_fit_sens_free(s);
        return rc;
    }
    *out = s;
    return MF_OK;
}

mf_status mf_fit_sens_run(const mf_fitter *f, fit_sens *s, const double *x, double iteration,
                          mf_error *err)
{
    const double **values = calloc((size_t)s->m->n_var + 1, sizeof *values);
    if (!values)
        return mf_error_nomem(err, "the table of parameter values",
                              ((size_t)s->m->n_var + 1) * sizeof *values);
    for (int j = 0; j < f->n_params; j++)
        values[s->param_var[j]] = &x[j];
    fit_run r = {
        .m = s->m,
        .e = s->e,
        .n_traces = f->n_traces,
        .n_rows = 1,
        .n_steps = f->n_steps,
        .series = f->series,
        .values = values,
        .iteration = iteration,
        .n_probes = s->n_probes,
        .probes = s->probes,
        .store = s->store,
    };
    mf_status rc = mf_fit_run(&r, err);
    free(values);
    return rc;
}

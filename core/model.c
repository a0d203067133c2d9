/* Compiling a model (see model.h): equations, then the namespace of inputs,
 * targets and constants, then threshold, reset, refractory and param_init
 * resolved against the same names, then the integration method checked. */
#include "model.h"

#include "error.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* --- methods ----------------------------------------------------------- */

static const struct {
    const char *name;
    mf_method m;
} method_table[] = {
    {"euler", MF_METHOD_EULER},
    {"rk2", MF_METHOD_RK2},
    {"rk4", MF_METHOD_RK4},
    {"exponential_euler", MF_METHOD_EXPONENTIAL_EULER},
    {"gsl_rkf45", MF_METHOD_GSL_RKF45},
    {"gsl_rk8pd", MF_METHOD_GSL_RK8PD},
};

mf_status mf_method_parse(const char *name, mf_method *out, mf_error *err)
{
    *out = MF_METHOD_DEFAULT;
    if (!name || !*name)
        return MF_OK;
    for (size_t i = 0; i < sizeof method_table / sizeof method_table[0]; i++) {
        if (strcmp(name, method_table[i].name) == 0) {
            *out = method_table[i].m;
            return MF_OK;
        }
    }
    if (strcmp(name, "exact") == 0 || strcmp(name, "linear") == 0)
        return mf_error_set(err, MF_ERR_UNSUPPORTED,
                            "integration method '%s' is not supported: use "
                            "exponential_euler (the same update for a linear equation "
                            "whose input is held over the step)",
                            name);
    return mf_error_set(err, MF_ERR_INVALID,
                        "unknown integration method '%s': use euler, rk2, rk4, "
                        "exponential_euler, gsl_rkf45 or gsl_rk8pd",
                        name);
}

const char *mf_method_name(mf_method m)
{
    for (size_t i = 0; i < sizeof method_table / sizeof method_table[0]; i++)
        if (method_table[i].m == m)
            return method_table[i].name;
    return "default";
}

/* --- freeing ------------------------------------------------------------- */

static void free_defs(mf_name_def *d, int n)
{
    if (!d)
        return;
    for (int i = 0; i < n; i++)
        free((char *)d[i].name);
    free(d);
}

static void free_expr_array(mf_expr **a, int n)
{
    if (!a)
        return;
    for (int i = 0; i < n; i++)
        mf_expr_free(a[i]);
    free(a);
}

void mf_model_free(mf_model *m)
{
    if (!m)
        return;
    for (int i = 0; i < m->n_var; i++) {
        free(m->var[i].name);
        mf_expr_free(m->var[i].init);
    }
    free(m->var);
    free(m->var_of_eq);
    free_defs(m->constants, m->n_constants);
    free_defs(m->inputs, m->n_inputs);
    free_defs(m->extras, m->n_extras);
    free_expr_array(m->rhs, m->n_state);
    free_expr_array(m->lin_A, m->n_state);
    free_expr_array(m->lin_B, m->n_state);
    mf_expr_free(m->threshold);
    mf_statements_free(m->reset);
    mf_expr_free(m->refractory);
    free(m->init_order);
    free(m->sub_eq);
    mf_equations_free(m->eqs);
    free(m);
}

/* --- lookups ----------------------------------------------------------- */

int mf_model_find_var(const mf_model *m, const char *name)
{
    for (int i = 0; i < m->n_var; i++)
        if (strcmp(m->var[i].name, name) == 0)
            return i;
    return -1;
}

int mf_model_var_of(const mf_model *m, const mf_expr *e)
{
    if (e->kind != MF_EX_NAME)
        return -1;
    if (e->sym_kind == MF_SYM_STATE || e->sym_kind == MF_SYM_PARAM) {
        if (e->sym_index >= 0 && e->sym_index < m->eqs->n + 2)
            return m->var_of_eq[e->sym_index];
        return -1;
    }
    if (e->sym_kind == MF_SYM_UNRESOLVED)
        return mf_model_find_var(m, e->name);
    return -1;
}

const mf_expr *mf_model_subexpr(const mf_model *m, const mf_expr *e)
{
    if (e->kind != MF_EX_NAME)
        return NULL;
    int i = -1;
    if (e->sym_kind == MF_SYM_SUBEXPR)
        i = e->sym_index;
    else if (e->sym_kind == MF_SYM_UNRESOLVED)
        i = mf_equations_index(m->eqs, e->name);
    if (i < 0 || i >= m->eqs->n || m->eqs->eq[i].kind != MF_EQ_SUBEXPR)
        return NULL;
    return m->eqs->eq[i].expr;
}

int mf_model_n_quantities(const mf_model *m)
{
    return m->n_var + m->n_sub;
}

int mf_model_find_quantity(const mf_model *m, const char *name)
{
    if (!name)
        return -1;
    int v = mf_model_find_var(m, name);
    if (v >= 0)
        return m->var[v].kind == MF_VAR_SPIKE ? -1 : v;
    for (int i = 0; i < m->n_sub; i++)
        if (strcmp(m->eqs->eq[m->sub_eq[i]].name, name) == 0)
            return m->n_var + i;
    return -1;
}

const char *mf_model_quantity_name(const mf_model *m, int q)
{
    if (q >= 0 && q < m->n_var)
        return m->var[q].name;
    if (q >= m->n_var && q < m->n_var + m->n_sub)
        return m->eqs->eq[m->sub_eq[q - m->n_var]].name;
    return NULL;
}

mf_dim mf_model_quantity_dim(const mf_model *m, int q)
{
    if (q >= 0 && q < m->n_var)
        return m->var[q].dim;
    if (q >= m->n_var && q < m->n_var + m->n_sub)
        return m->eqs->eq[m->sub_eq[q - m->n_var]].dim;
    return mf_dim_none();
}

const mf_expr *mf_model_quantity_expr(const mf_model *m, int q)
{
    if (q >= m->n_var && q < m->n_var + m->n_sub)
        return m->eqs->eq[m->sub_eq[q - m->n_var]].expr;
    return NULL;
}

/* --- the resolver for threshold, reset, refractory and param_init -------- */

static bool resolve_def(const mf_name_def *d, int n, const char *name, mf_sym_kind kind,
                        mf_symbol *out)
{
    for (int i = 0; i < n; i++) {
        if (strcmp(d[i].name, name) == 0) {
            out->kind = kind;
            out->index = i;
            out->dim = d[i].dim;
            out->value = d[i].value;
            out->is_bool = false;
            return true;
        }
    }
    return false;
}

static bool model_resolve(void *ctx, const char *name, mf_symbol *out)
{
    const mf_model *m = ctx;
    memset(out, 0, sizeof *out);
    int i = mf_equations_index(m->eqs, name);
    if (i >= 0) {
        const mf_equation *q = &m->eqs->eq[i];
        out->kind = q->kind == MF_EQ_DIFF      ? MF_SYM_STATE
                    : q->kind == MF_EQ_SUBEXPR ? MF_SYM_SUBEXPR
                                               : MF_SYM_PARAM;
        out->index = i;
        out->dim = q->dim;
        return true;
    }
    if (strcmp(name, "t") == 0 || strcmp(name, "dt") == 0) {
        out->kind = name[0] == 't' ? MF_SYM_TIME : MF_SYM_DT;
        out->dim = mf_dim_base(MF_DIM_S);
        return true;
    }
    if (m->v_lastspike >= 0 && strcmp(name, "lastspike") == 0) {
        out->kind = MF_SYM_PARAM;
        out->index = m->eqs->n;
        out->dim = mf_dim_base(MF_DIM_S);
        return true;
    }
    if (m->v_not_refractory >= 0 && strcmp(name, "not_refractory") == 0) {
        out->kind = MF_SYM_PARAM;
        out->index = m->eqs->n + 1;
        out->dim = mf_dim_none();
        out->is_bool = true;
        return true;
    }
    return resolve_def(m->inputs, m->n_inputs, name, MF_SYM_INPUT, out) ||
           resolve_def(m->extras, m->n_extras, name, MF_SYM_EXTRA, out) ||
           resolve_def(m->constants, m->n_constants, name, MF_SYM_CONST, out);
}

/* --- substitution of subexpressions -------------------------------------- */

static bool is_subexpr_name(const mf_expr *e)
{
    return e->kind == MF_EX_NAME && e->sym_kind == MF_SYM_SUBEXPR;
}

/* Replaces, in place, every subexpression name below e by a copy of its
 * substituted definition sub[eq index]. */
static bool substitute_below(mf_expr *e, mf_expr *const *sub)
{
    for (int i = 0; i < e->nargs; i++) {
        mf_expr *a = e->arg[i];
        if (is_subexpr_name(a)) {
            mf_expr *r = mf_expr_clone(sub[a->sym_index]);
            if (!r)
                return false;
            mf_expr_free(a);
            e->arg[i] = r;
        } else if (!substitute_below(a, sub)) {
            return false;
        }
    }
    return true;
}

static mf_expr *substitute(const mf_expr *e, mf_expr *const *sub)
{
    if (is_subexpr_name(e))
        return mf_expr_clone(sub[e->sym_index]);
    mf_expr *c = mf_expr_clone(e);
    if (c && !substitute_below(c, sub)) {
        mf_expr_free(c);
        return NULL;
    }
    return c;
}

/* sub[i] = the definition of subexpression i with the subexpressions it uses
 * substituted (in dependency order); NULL for other equations. */
static mf_expr **substituted_subexprs(const mf_equations *eqs)
{
    mf_expr **sub = calloc((size_t)eqs->n + 1, sizeof *sub);
    if (!sub)
        return NULL;
    for (int j = 0; j < eqs->n_subexpr; j++) {
        int i = eqs->subexpr_order[j];
        sub[i] = substitute(eqs->eq[i].expr, sub);
        if (!sub[i]) {
            free_expr_array(sub, eqs->n);
            return NULL;
        }
    }
    return sub;
}

/* --- pieces of compilation ------------------------------------------------ */

/* An expression tree: many small nodes, its size unknown up front. */
static mf_status tree_nomem(mf_error *err, const char *what)
{
    return mf_error_set(err, MF_ERR_NOMEM, "out of memory building %s (an expression tree)",
                        what);
}

static mf_status copy_defs(const mf_name_def *src, int n, mf_name_def **dst, mf_error *err)
{
    *dst = calloc((size_t)n + 1, sizeof **dst);
    if (!*dst)
        return mf_error_nomem(err, "a table of names", ((size_t)n + 1) * sizeof **dst);
    for (int i = 0; i < n; i++) {
        (*dst)[i] = src[i];
        (*dst)[i].name = strdup(src[i].name ? src[i].name : "");
        if (!(*dst)[i].name)
            return mf_error_nomem(err, "a name", strlen(src[i].name ? src[i].name : "") + 1);
    }
    return MF_OK;
}

/* <out>_target for every output (a variable or a subexpression, whose
 * target has its declared unit), then iteration. */
static mf_status make_extras(mf_model *m, const mf_model_spec *s, mf_error *err)
{
    m->extras = calloc((size_t)s->n_outputs + 2, sizeof *m->extras);
    if (!m->extras)
        return mf_error_nomem(err, "the table of targets",
                              ((size_t)s->n_outputs + 2) * sizeof *m->extras);
    for (int i = 0; i < s->n_outputs; i++) {
        const mf_equation *q = mf_equations_find(m->eqs, s->outputs[i]);
        if (!q)
            return mf_error_set(err, MF_ERR_NAME,
                                "output '%s' is not a variable or subexpression of the model",
                                s->outputs[i]);
        size_t len = strlen(s->outputs[i]) + sizeof "_target";
        char *name = malloc(len);
        if (!name)
            return mf_error_nomem(err, "a target's name", len);
        snprintf(name, len, "%s_target", s->outputs[i]);
        m->extras[m->n_extras++] = (mf_name_def){name, 0, q->dim};
    }
    m->n_targets = m->n_extras;
    if (s->n_outputs > 0 || s->iteration) {
        char *name = strdup("iteration");
        if (!name)
            return mf_error_nomem(err, "a name", sizeof "iteration");
        m->extras[m->n_extras++] = (mf_name_def){name, 0, mf_dim_none()};
    }
    return MF_OK;
}

static mf_status add_var(mf_model *m, const char *name, mf_var_kind kind, mf_dim dim, int eq,
                         mf_error *err)
{
    mf_model_var *v = &m->var[m->n_var];
    memset(v, 0, sizeof *v);
    v->name = strdup(name);
    if (!v->name)
        return mf_error_nomem(err, "a variable's name", strlen(name) + 1);
    v->kind = kind;
    v->dim = dim;
    v->eq = eq;
    m->n_var++;
    return MF_OK;
}

static bool has_text(const char *s)
{
    if (!s)
        return false;
    for (; *s; s++)
        if (*s != ' ' && *s != '\t' && *s != '\n' && *s != '\r')
            return true;
    return false;
}

static mf_status make_vars(mf_model *m, const mf_model_spec *s, mf_error *err)
{
    const mf_equations *eqs = m->eqs;
    m->var = calloc((size_t)eqs->n + 4, sizeof *m->var);
    m->var_of_eq = malloc(((size_t)eqs->n + 2) * sizeof(int));
    if (!m->var || !m->var_of_eq)
        return mf_error_nomem(err, "the model's variables",
                              ((size_t)eqs->n + 4) * sizeof *m->var +
                                  ((size_t)eqs->n + 2) * sizeof(int));
    for (int i = 0; i < eqs->n + 2; i++)
        m->var_of_eq[i] = -1;
    mf_status rc = MF_OK;
    for (int pass = 0; pass < 2 && rc == MF_OK; pass++) {
        for (int i = 0; i < eqs->n && rc == MF_OK; i++) {
            const mf_equation *q = &eqs->eq[i];
            if ((pass == 0) != (q->kind == MF_EQ_DIFF) || q->kind == MF_EQ_SUBEXPR)
                continue;
            m->var_of_eq[i] = m->n_var;
            mf_var_kind k = q->kind == MF_EQ_DIFF                  ? MF_VAR_STATE
                            : (q->flags & MF_EQFLAG_CONSTANT) != 0 ? MF_VAR_PARAM
                                                                   : MF_VAR_LANE;
            rc = add_var(m, q->name, k, q->dim, i, err);
            m->var[m->n_var - 1].unless_refractory =
                (q->flags & MF_EQFLAG_UNLESS_REFRACTORY) != 0;
        }
        if (pass == 0)
            m->n_state = m->n_var;
    }
    m->v_lastspike = m->v_not_refractory = m->v_spike = -1;
    if (rc == MF_OK && has_text(s->refractory)) {
        m->v_lastspike = m->n_var;
        m->var_of_eq[eqs->n] = m->n_var;
        rc = add_var(m, "lastspike", MF_VAR_LASTSPIKE, mf_dim_base(MF_DIM_S), -1, err);
        if (rc == MF_OK) {
            m->v_not_refractory = m->n_var;
            m->var_of_eq[eqs->n + 1] = m->n_var;
            rc = add_var(m, "not_refractory", MF_VAR_NOT_REFRACTORY, mf_dim_none(), -1, err);
        }
    }
    if (rc == MF_OK && has_text(s->threshold)) {
        m->v_spike = m->n_var;
        rc = add_var(m, "_spike", MF_VAR_SPIKE, mf_dim_none(), -1, err);
    }
    if (rc == MF_OK && !(m->sub_eq = calloc((size_t)eqs->n + 1, sizeof *m->sub_eq)))
        rc = mf_error_nomem(err, "the table of subexpressions",
                            ((size_t)eqs->n + 1) * sizeof *m->sub_eq);
    for (int i = 0; rc == MF_OK && i < eqs->n; i++)
        if (eqs->eq[i].kind == MF_EQ_SUBEXPR)
            m->sub_eq[m->n_sub++] = i;
    return rc;
}

/* Parses and checks one expression of the user's (threshold, refractory,
 * an initial value), with subexpressions substituted and constants folded. */
static mf_status user_expr(mf_model *m, mf_expr *const *sub, const char *text,
                           const char *source, mf_expr **out, mf_error *err)
{
    *out = NULL;
    mf_expr *e = mf_expr_parse(text, source, 1, 1, err);
    if (!e)
        return err && err->status != MF_OK ? err->status : MF_ERR_PARSE;
    mf_status rc = mf_expr_check(e, model_resolve, m, source, err);
    if (rc != MF_OK) {
        mf_expr_free(e);
        return rc;
    }
    mf_expr *s = substitute(e, sub);
    mf_expr_free(e);
    if (!s)
        return tree_nomem(err, "an expression with its subexpressions substituted");
    *out = mf_expr_fold(s);
    return *out ? MF_OK : tree_nomem(err, "a folded expression");
}

static mf_status compile_threshold(mf_model *m, const mf_model_spec *s, mf_expr *const *sub,
                                   mf_error *err)
{
    if (!has_text(s->threshold))
        return MF_OK;
    mf_status rc = user_expr(m, sub, s->threshold, "threshold", &m->threshold, err);
    if (rc == MF_OK && !m->threshold->is_bool)
        rc = mf_error_at(err, MF_ERR_INVALID, "threshold", 1, 1,
                         "the threshold must be a condition, e.g. 'v > -50*mV', not '%s'",
                         s->threshold);
    return rc;
}

static mf_status compile_refractory(mf_model *m, const mf_model_spec *s, mf_expr *const *sub,
                                    mf_error *err)
{
    if (!has_text(s->refractory))
        return MF_OK;
    mf_status rc = user_expr(m, sub, s->refractory, "refractory", &m->refractory, err);
    if (rc != MF_OK)
        return rc;
    if (m->refractory->is_bool) {
        m->refractory_kind = MF_REFRACTORY_CONDITION;
        return MF_OK;
    }
    if (mf_dim_eq(m->refractory->dim, mf_dim_base(MF_DIM_S))) {
        m->refractory_kind = MF_REFRACTORY_TIME;
        return MF_OK;
    }
    char u[64];
    mf_dim_format(m->refractory->dim, u, sizeof u);
    return mf_error_at(err, MF_ERR_UNITS, "refractory", 1, 1,
                       "the refractory period must be a time (e.g. '2*ms'), a time-valued "
                       "expression or a condition; '%s' has unit %s",
                       s->refractory, u);
}

static mf_status check_reset_target(mf_model *m, mf_statement *st, mf_error *err)
{
    const char *src = m->reset->source;
    int v = mf_model_find_var(m, st->target);
    const mf_equation *q = mf_equations_find(m->eqs, st->target);
    if (q && q->kind == MF_EQ_SUBEXPR)
        return mf_error_at(err, MF_ERR_NAME, src, st->line, st->col,
                           "the reset assigns '%s', which is a subexpression; only state "
                           "variables and per-neuron variables can be assigned",
                           st->target);
    if (v < 0 || m->var[v].kind == MF_VAR_SPIKE)
        return mf_error_at(err, MF_ERR_NAME, src, st->line, st->col,
                           "the reset assigns '%s', which is not a variable of the model",
                           st->target);
    if (m->var[v].kind == MF_VAR_PARAM)
        return mf_error_at(err, MF_ERR_NAME, src, st->line, st->col,
                           "the reset assigns '%s', which is a (constant) parameter",
                           st->target);
    st->var = v;
    return MF_OK;
}

static mf_status check_reset_units(mf_model *m, const mf_statement *st, mf_error *err)
{
    mf_dim want = m->var[st->var].dim;
    if (st->op == MF_ASSIGN_MUL || st->op == MF_ASSIGN_DIV)
        want = mf_dim_none();
    if (st->expr->is_bool && m->var[st->var].kind != MF_VAR_NOT_REFRACTORY)
        return mf_error_at(err, MF_ERR_UNITS, m->reset->source, st->line, st->col,
                           "'%s %s ...' assigns a condition to a number", st->target,
                           mf_assign_op_text(st->op));
    if (mf_dim_eq(st->expr->dim, want))
        return MF_OK;
    char a[128], b[64];
    if (mf_dim_is_none(want)) {
        snprintf(a, sizeof a, "a dimensionless right-hand side");
    } else {
        char u[64];
        mf_dim_format(want, u, sizeof u);
        snprintf(a, sizeof a, "a right-hand side in %s", u);
    }
    mf_dim_format(st->expr->dim, b, sizeof b);
    return mf_error_at(err, MF_ERR_UNITS, m->reset->source, st->line, st->col,
                       "'%s %s ...' needs %s but it has unit %s", st->target,
                       mf_assign_op_text(st->op), a, b);
}

static mf_status compile_reset(mf_model *m, const mf_model_spec *s, mf_expr *const *sub,
                               mf_error *err)
{
    if (!has_text(s->reset))
        return MF_OK;
    if (!m->threshold)
        return mf_error_set(err, MF_ERR_INVALID,
                            "a reset needs a threshold: without one no neuron ever spikes");
    mf_status rc = mf_statements_parse(s->reset, "reset", &m->reset, err);
    for (int i = 0; rc == MF_OK && m->reset && i < m->reset->n; i++) {
        mf_statement *st = &m->reset->st[i];
        rc = check_reset_target(m, st, err);
        if (rc == MF_OK)
            rc = mf_expr_check(st->expr, model_resolve, m, "reset", err);
        if (rc == MF_OK)
            rc = check_reset_units(m, st, err);
        if (rc == MF_OK) {
            mf_expr *e = substitute(st->expr, sub);
            if (!e)
                return tree_nomem(err, "a reset statement with its subexpressions substituted");
            mf_expr_free(st->expr);
            st->expr = mf_expr_fold(e);
            if (!st->expr)
                return tree_nomem(err, "a folded reset statement");
        }
    }
    return rc;
}

/* --- param_init ---------------------------------------------------------- */

typedef struct init_scan {
    const mf_model *m;
    const char *var;
    bool bad;
    const char *bad_name;
    bool *uses; /* per variable */
} init_scan;

static void init_visit(void *ctx, const mf_expr *e)
{
    init_scan *sc = ctx;
    if (e->sym_kind == MF_SYM_INPUT || e->sym_kind == MF_SYM_EXTRA) {
        if (!sc->bad)
            sc->bad_name = e->name;
        sc->bad = true;
        return;
    }
    int v = mf_model_var_of(sc->m, e);
    if (v >= 0)
        sc->uses[v] = true;
}

static mf_status init_one(mf_model *m, mf_expr *const *sub, const char *name, const char *text,
                          mf_error *err)
{
    int v = mf_model_find_var(m, name);
    if (v < 0 || m->var[v].kind == MF_VAR_SPIKE)
        return mf_error_set(err, MF_ERR_NAME,
                            "param_init sets '%s', which is not a variable of the model", name);
    if (m->var[v].kind == MF_VAR_PARAM)
        return mf_error_set(err, MF_ERR_NAME,
                            "param_init sets '%s', which is a (constant) parameter: give "
                            "its value with the parameters instead",
                            name);
    if (m->var[v].init)
        return mf_error_set(err, MF_ERR_NAME, "param_init sets '%s' twice", name);
    char source[128];
    snprintf(source, sizeof source, "param_init %s", name);
    mf_expr *e = NULL;
    mf_status rc = user_expr(m, sub, text, source, &e, err);
    if (rc != MF_OK)
        return rc;
    m->var[v].init = e;
    if (!mf_dim_eq(e->dim, m->var[v].dim)) {
        char a[64], b[64];
        mf_dim_format(m->var[v].dim, a, sizeof a);
        mf_dim_format(e->dim, b, sizeof b);
        return mf_error_set(err, MF_ERR_UNITS,
                            "param_init: %s has unit %s but its initial value '%s' has unit %s",
                            name, a, text, b);
    }
    return MF_OK;
}

/* Depth-first order over the "init of x uses y" graph; state: 0 new, 1 on
 * the stack, 2 done. */
static mf_status init_dfs(mf_model *m, bool *uses, int v, char *state, mf_error *err)
{
    if (state[v] == 2)
        return MF_OK;
    if (state[v] == 1)
        return mf_error_set(err, MF_ERR_INVALID,
                            "param_init has a cycle through '%s': initial values cannot "
                            "depend on each other in a circle",
                            m->var[v].name);
    state[v] = 1;
    bool *u = uses + (size_t)v * (size_t)m->n_var;
    for (int w = 0; w < m->n_var; w++) {
        if (u[w] && m->var[w].init && w != v) {
            mf_status rc = init_dfs(m, uses, w, state, err);
            if (rc != MF_OK)
                return rc;
        } else if (u[w] && w == v) {
            return mf_error_set(err, MF_ERR_INVALID,
                                "param_init: the initial value of '%s' uses '%s' itself",
                                m->var[v].name, m->var[v].name);
        }
    }
    state[v] = 2;
    m->init_order[m->n_init++] = v;
    return MF_OK;
}

static mf_status compile_init(mf_model *m, const mf_model_spec *s, mf_expr *const *sub,
                              mf_error *err)
{
    for (int i = 0; i < s->n_init; i++) {
        mf_status rc = init_one(m, sub, s->init_names[i], s->init_exprs[i], err);
        if (rc != MF_OK)
            return rc;
    }
    size_t nv = (size_t)m->n_var;
    bool *uses = calloc(nv * nv + 1, sizeof *uses);
    char *state = calloc(nv + 1, 1);
    m->init_order = calloc(nv + 1, sizeof(int));
    if (!uses || !state || !m->init_order) {
        free(uses);
        free(state);
        return mf_error_nomem(err, "the initial values' dependency tables",
                              (nv * nv + 1) * sizeof *uses + (nv + 1) * (1 + sizeof(int)));
    }
    mf_status rc = MF_OK;
    for (int v = 0; v < m->n_var && rc == MF_OK; v++) {
        if (!m->var[v].init)
            continue;
        init_scan sc = {m, m->var[v].name, false, NULL, uses + (size_t)v * nv};
        mf_expr_visit_names(m->var[v].init, init_visit, &sc);
        if (sc.bad)
            rc = mf_error_set(err, MF_ERR_NAME,
                              "param_init: the initial value of '%s' uses '%s', which is "
                              "not defined before the simulation starts",
                              m->var[v].name, sc.bad_name ? sc.bad_name : "?");
    }
    for (int v = 0; v < m->n_var && rc == MF_OK; v++)
        if (m->var[v].init)
            rc = init_dfs(m, uses, v, state, err);
    free(uses);
    free(state);
    return rc;
}

/* --- integration method -------------------------------------------------- */

static mf_status split_all(mf_model *m, bool report, bool *ok, mf_error *err)
{
    *ok = true;
    m->lin_A = calloc((size_t)m->n_state + 1, sizeof(mf_expr *));
    m->lin_B = calloc((size_t)m->n_state + 1, sizeof(mf_expr *));
    if (!m->lin_A || !m->lin_B)
        return mf_error_nomem(err, "the linear parts of the equations",
                              2 * ((size_t)m->n_state + 1) * sizeof(mf_expr *));
    for (int i = 0; i < m->n_state; i++) {
        mf_error e2;
        mf_error_clear(&e2);
        mf_status rc =
            mf_expr_split_linear(m->rhs[i], m->var[i].name, &m->lin_A[i], &m->lin_B[i], &e2);
        if (rc == MF_ERR_NOMEM)
            return tree_nomem(err, "the linear split of an equation");
        if (rc != MF_OK) {
            *ok = false;
            if (!report)
                return MF_OK;
            const mf_equation *q = &m->eqs->eq[m->var[i].eq];
            /* The splitter's reason, without its own "error: " prefix. */
            const char *why = strstr(e2.message, "error: ");
            why = why ? why + 7 : e2.message;
            return mf_error_at(err, MF_ERR_INVALID, m->eqs->source, q->line, q->col,
                               "exponential_euler cannot integrate d%s/dt: %s; use method "
                               "'euler', 'rk2' or 'rk4'",
                               m->var[i].name, why);
        }
    }
    return MF_OK;
}

static void drop_split(mf_model *m)
{
    free_expr_array(m->lin_A, m->n_state);
    free_expr_array(m->lin_B, m->n_state);
    m->lin_A = m->lin_B = NULL;
}

static mf_status compile_method(mf_model *m, const mf_model_spec *s, mf_error *err)
{
    mf_status rc = mf_method_parse(s->method, &m->method, err);
    if (rc != MF_OK)
        return rc;
    if (m->method == MF_METHOD_EXPONENTIAL_EULER) {
        bool ok;
        return split_all(m, true, &ok, err);
    }
    if (m->method != MF_METHOD_DEFAULT)
        return MF_OK;
    bool ok;
    rc = split_all(m, false, &ok, err);
    if (rc != MF_OK)
        return rc;
    if (ok) {
        m->method = MF_METHOD_EXPONENTIAL_EULER;
    } else {
        drop_split(m);
        m->method = MF_METHOD_EULER;
    }
    return MF_OK;
}

static mf_status compile_rhs(mf_model *m, mf_expr *const *sub, mf_error *err)
{
    m->rhs = calloc((size_t)m->n_state + 1, sizeof(mf_expr *));
    if (!m->rhs)
        return mf_error_nomem(err, "the table of right sides",
                              ((size_t)m->n_state + 1) * sizeof(mf_expr *));
    for (int i = 0; i < m->n_state; i++) {
        mf_expr *e = substitute(m->eqs->eq[m->var[i].eq].expr, sub);
        if (!e)
            return tree_nomem(err, "a right side with its subexpressions substituted");
        m->rhs[i] = mf_expr_fold(e);
        if (!m->rhs[i])
            return tree_nomem(err, "a folded right side");
    }
    return MF_OK;
}

/* --- the whole compile ---------------------------------------------------- */

static mf_status compile_equations(mf_model *m, const mf_model_spec *s, mf_error *err)
{
    mf_status rc = mf_equations_parse(s->equations ? s->equations : "",
                                      s->source ? s->source : "model", &m->eqs, err);
    if (rc != MF_OK)
        return rc;
    rc = copy_defs(s->constants, s->n_constants, &m->constants, err);
    if (rc == MF_OK)
        m->n_constants = s->n_constants;
    if (rc == MF_OK)
        rc = copy_defs(s->inputs, s->n_inputs, &m->inputs, err);
    if (rc == MF_OK)
        m->n_inputs = s->n_inputs;
    if (rc == MF_OK)
        rc = make_extras(m, s, err);
    if (rc != MF_OK)
        return rc;
    mf_namespace ns = {m->constants, m->n_constants, m->inputs,
                       m->n_inputs,  m->extras,      m->n_extras};
    return mf_equations_check(m->eqs, &ns, err);
}

mf_status mf_model_compile(const mf_model_spec *s, mf_model **out, mf_error *err)
{
    *out = NULL;
    mf_model *m = calloc(1, sizeof *m);
    if (!m)
        return mf_error_nomem(err, "a model", sizeof *m);
    m->v_lastspike = m->v_not_refractory = m->v_spike = -1;
    mf_status rc = compile_equations(m, s, err);
    if (rc == MF_OK)
        rc = make_vars(m, s, err);
    mf_expr **sub = NULL;
    if (rc == MF_OK) {
        sub = substituted_subexprs(m->eqs);
        if (!sub)
            rc = tree_nomem(err, "the subexpressions, substituted into each other");
    }
    if (rc == MF_OK)
        rc = compile_rhs(m, sub, err);
    if (rc == MF_OK)
        rc = compile_method(m, s, err);
    if (rc == MF_OK)
        rc = compile_threshold(m, s, sub, err);
    if (rc == MF_OK)
        rc = compile_refractory(m, s, sub, err);
    if (rc == MF_OK)
        rc = compile_reset(m, s, sub, err);
    if (rc == MF_OK)
        rc = compile_init(m, s, sub, err);
    if (sub)
        free_expr_array(sub, m->eqs->n);
    if (rc != MF_OK) {
        mf_model_free(m);
        return rc;
    }
    *out = m;
    return MF_OK;
}

/* Checking parsed equations against the caller's namespace: every name is
 * resolved (model, t and dt, inputs, extras, constants, then built-ins and
 * units), every definition obeys Brian's unit rules, and subexpressions get
 * an evaluation order in which each comes after those it uses. */
#include "equations.h"
#include "error.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Messages quote at most this much of a right-hand side. */
enum { MF_EQ_QUOTE_MAX = 240 };

typedef struct eq_named {
    const char *name;
    int index;
} eq_named;

typedef struct eq_resolver {
    const mf_equations *eqs;
    const mf_namespace *ns;
    eq_named *by_name; /* the model's names, sorted, for lookups in big models */
    mf_error *err;
    mf_status st; /* the first problem found while visiting names */
    const mf_equation *current;
} eq_resolver;

static int compare_named(const void *a, const void *b)
{
    const eq_named *x = a, *y = b;
    return strcmp(x->name, y->name);
}

static int find_model_name(const eq_resolver *r, const char *name)
{
    eq_named key = {name, -1};
    const eq_named *hit =
        bsearch(&key, r->by_name, (size_t)r->eqs->n, sizeof key, compare_named);
    return hit ? hit->index : -1;
}

static int find_def(const mf_name_def *defs, int n, const char *name)
{
    for (int i = 0; i < n; i++)
        if (defs[i].name && strcmp(defs[i].name, name) == 0)
            return i;
    return -1;
}

static mf_sym_kind sym_kind_of(mf_eq_kind kind)
{
    switch (kind) {
    case MF_EQ_DIFF: return MF_SYM_STATE;
    case MF_EQ_SUBEXPR: return MF_SYM_SUBEXPR;
    case MF_EQ_PARAM: break;
    }
    return MF_SYM_PARAM;
}

/* The resolution order of equations.h. */
static bool resolve(void *ctx, const char *name, mf_symbol *out)
{
    const eq_resolver *r = ctx;
    const mf_namespace *ns = r->ns;
    *out = (mf_symbol){0};
    int i = find_model_name(r, name);
    if (i >= 0) {
        *out = (mf_symbol){sym_kind_of(r->eqs->eq[i].kind), i, r->eqs->eq[i].dim, 0, false};
        return true;
    }
    if (strcmp(name, "t") == 0 || strcmp(name, "dt") == 0) {
        out->kind = name[0] == 't' ? MF_SYM_TIME : MF_SYM_DT;
        out->dim = mf_dim_base(MF_DIM_S);
        return true;
    }
    if ((i = find_def(ns->inputs, ns->n_inputs, name)) >= 0) {
        *out = (mf_symbol){MF_SYM_INPUT, i, ns->inputs[i].dim, 0, false};
        return true;
    }
    if ((i = find_def(ns->extras, ns->n_extras, name)) >= 0) {
        *out = (mf_symbol){MF_SYM_EXTRA, i, ns->extras[i].dim, 0, false};
        return true;
    }
    if ((i = find_def(ns->constants, ns->n_constants, name)) >= 0) {
        *out =
            (mf_symbol){MF_SYM_CONST, i, ns->constants[i].dim, ns->constants[i].value, false};
        return true;
    }
    return false;
}

/* ---------------------------------------------------------------------- */
/* The namespace                                                           */

static mf_status check_ns_list(const mf_name_def *defs, int n, const char *what, mf_error *err)
{
    char why[160];
    for (int i = 0; i < n; i++) {
        if (!defs[i].name)
            return mf_error_set(err, MF_ERR_INVALID, "%s %d has no name", what, i + 1);
        if (mf_equations_name_problem(defs[i].name, true, why, sizeof why))
            return mf_error_set(err, MF_ERR_NAME, "%s %.64s: %s", what, defs[i].name, why);
    }
    return MF_OK;
}

/* A name may be given once: as a constant, an input or an extra. */
static mf_status check_ns_unique(const mf_namespace *ns, mf_error *err)
{
    const struct {
        const mf_name_def *defs;
        int n;
        const char *what;
    } lists[3] = {{ns->constants, ns->n_constants, "a constant"},
                  {ns->inputs, ns->n_inputs, "an input"},
                  {ns->extras, ns->n_extras, "a fitter variable"}};
    for (int a = 0; a < 3; a++)
        for (int i = 0; i < lists[a].n; i++)
            for (int b = a; b < 3; b++) {
                int j = find_def(lists[b].defs, b == a ? i : lists[b].n, lists[a].defs[i].name);
                if (j >= 0)
                    return mf_error_set(err, MF_ERR_NAME,
                                        "%.64s is given twice: as %s and as %s",
                                        lists[a].defs[i].name, lists[b].what, lists[a].what);
            }
    return MF_OK;
}

static mf_status check_namespace(const mf_equations *eqs, const mf_namespace *ns, mf_error *err)
{
    mf_status st = check_ns_list(ns->constants, ns->n_constants, "constant", err);
    if (!st)
        st = check_ns_list(ns->inputs, ns->n_inputs, "input", err);
    if (!st)
        st = check_ns_list(ns->extras, ns->n_extras, "fitter variable", err);
    if (!st)
        st = check_ns_unique(ns, err);
    for (int i = 0; !st && i < eqs->n; i++) {
        const mf_equation *eq = &eqs->eq[i];
        const char *as = find_def(ns->constants, ns->n_constants, eq->name) >= 0 ? "a constant"
                         : find_def(ns->inputs, ns->n_inputs, eq->name) >= 0     ? "an input"
                         : find_def(ns->extras, ns->n_extras, eq->name) >= 0
                             ? "a variable the fitter provides"
                             : NULL;
        if (as)
            st = mf_error_at(err, MF_ERR_NAME, eqs->source, eq->line, eq->col,
                             "%.64s is defined by the model and also given as %s; "
                             "remove one of the two",
                             eq->name, as);
    }
    return st;
}

/* ---------------------------------------------------------------------- */
/* Names in expressions                                                    */

static bool is_builtin_name(const char *name)
{
    static const char *const names[] = {"pi", "e", "inf", "True", "False"};
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
        if (strcmp(name, names[i]) == 0)
            return true;
    double scale;
    mf_dim dim;
    return mf_unit_lookup(name, &scale, &dim);
}

static void visit_name(void *ctx, const mf_expr *node)
{
    eq_resolver *r = ctx;
    if (r->st)
        return;
    const char *name = node->name;
    const char *src = r->eqs->source;
    mf_symbol sym;
    if (strcmp(name, "xi") == 0 || strncmp(name, "xi_", 3) == 0) {
        r->st = mf_error_at(r->err, MF_ERR_UNSUPPORTED, src, node->line, node->col,
                            "stochastic equations are not supported (%.64s is white noise "
                            "in Brian)",
                            name);
        return;
    }
    if (resolve(r, name, &sym) || is_builtin_name(name))
        return;
    const char *reserved = mf_equations_reserved(name);
    if (reserved)
        r->st = mf_error_at(r->err, MF_ERR_UNSUPPORTED, src, node->line, node->col,
                            "'%s' (%s in Brian) is not available in modelfit models", name,
                            reserved);
    else
        r->st = mf_error_at(r->err, MF_ERR_NAME, src, node->line, node->col,
                            "unknown name '%.64s' in the equation of %.64s: not defined by "
                            "the model, and not a constant, input or unit",
                            name, r->current->name);
}

/* ---------------------------------------------------------------------- */
/* Units                                                                   */

static void lhs_text(const mf_equation *eq, char *buf, size_t n)
{
    if (eq->kind == MF_EQ_DIFF)
        snprintf(buf, n, "d%.64s/dt", eq->name);
    else
        snprintf(buf, n, "%.64s", eq->name);
}

static mf_status check_units(const mf_equations *eqs, const mf_equation *eq, mf_error *err)
{
    mf_dim want = eq->dim;
    if (eq->kind == MF_EQ_DIFF)
        want = mf_dim_div(eq->dim, mf_dim_base(MF_DIM_S));
    char lhs[80], u_want[64], u_got[64];
    lhs_text(eq, lhs, sizeof lhs);
    mf_dim_format(want, u_want, sizeof u_want);
    int len = (int)strlen(eq->expr_text);
    int shown = len > MF_EQ_QUOTE_MAX ? MF_EQ_QUOTE_MAX : len;
    const char *more = len > MF_EQ_QUOTE_MAX ? "..." : "";
    if (eq->expr->is_bool)
        return mf_error_at(err, MF_ERR_UNITS, eqs->source, eq->expr_line, eq->expr_col,
                           "%s = %.*s%s is a condition (true or false), not a quantity "
                           "of unit %s",
                           lhs, shown, eq->expr_text, more, u_want);
    if (mf_dim_eq(eq->expr->dim, want))
        return MF_OK;
    mf_dim_format(eq->expr->dim, u_got, sizeof u_got);
    return mf_error_at(err, MF_ERR_UNITS, eqs->source, eq->expr_line, eq->expr_col,
                       "%s = %.*s%s has unit %s but the right-hand side has unit %s", lhs,
                       shown, eq->expr_text, more, u_want, u_got);
}

static mf_status check_expressions(eq_resolver *r)
{
    const mf_equations *eqs = r->eqs;
    for (int i = 0; i < eqs->n; i++) {
        const mf_equation *eq = &eqs->eq[i];
        if (!eq->expr)
            continue;
        r->current = eq;
        mf_expr_visit_names(eq->expr, visit_name, r);
        if (r->st)
            return r->st;
        mf_status st = mf_expr_check(eq->expr, resolve, r, eqs->source, r->err);
        if (st)
            return st;
        if ((st = check_units(eqs, eq, r->err)))
            return st;
    }
    return MF_OK;
}

/* ---------------------------------------------------------------------- */
/* Subexpression order                                                     */

typedef struct eq_deps {
    int *v;
    int n, cap;
} eq_deps;

typedef struct eq_dep_ctx {
    eq_deps *d;
    bool nomem;
} eq_dep_ctx;

static void collect_dep(void *ctx, const mf_expr *node)
{
    eq_dep_ctx *c = ctx;
    if (node->sym_kind != MF_SYM_SUBEXPR || c->nomem)
        return;
    eq_deps *d = c->d;
    for (int i = 0; i < d->n; i++)
        if (d->v[i] == node->sym_index)
            return;
    if (d->n == d->cap) {
        int cap = d->cap ? 2 * d->cap : 4;
        int *grown = realloc(d->v, (size_t)cap * sizeof *grown);
        if (!grown) {
            c->nomem = true;
            return;
        }
        d->v = grown;
        d->cap = cap;
    }
    d->v[d->n++] = node->sym_index;
}

static mf_status cycle_error(const mf_equations *eqs, const int *stack, int from, int top,
                             mf_error *err)
{
    const mf_equation *first = &eqs->eq[stack[from]];
    if (from == top)
        return mf_error_at(err, MF_ERR_NAME, eqs->source, first->line, first->col,
                           "subexpression %.64s refers to itself", first->name);
    char path[640];
    size_t n = 0;
    for (int k = from; k <= top + 1 && n < sizeof path; k++) {
        const char *name = eqs->eq[stack[k <= top ? k : from]].name;
        int w = snprintf(path + n, sizeof path - n, "%s%.64s", k > from ? " -> " : "", name);
        n += w > 0 ? (size_t)w : 0;
    }
    return mf_error_at(err, MF_ERR_NAME, eqs->source, first->line, first->col,
                       "subexpressions depend on each other in a cycle: %s", path);
}

/* Depth-first search with an explicit stack, so a long chain of
 * subexpressions cannot overflow the C stack; the post-order puts every
 * subexpression after the ones it uses. */
static mf_status order_from(mf_equations *eqs, const eq_deps *deps, int root, char *state,
                            int *stack, int *next, mf_error *err)
{
    int top = 0;
    stack[0] = root;
    next[0] = 0;
    state[root] = 1;
    while (top >= 0) {
        int u = stack[top];
        if (next[top] < deps[u].n) {
            int v = deps[u].v[next[top]++];
            if (state[v] == 1) {
                int from = top;
                while (stack[from] != v)
                    from--;
                return cycle_error(eqs, stack, from, top, err);
            }
            if (state[v] == 0) {
                state[v] = 1;
                stack[++top] = v;
                next[top] = 0;
            }
            continue;
        }
        state[u] = 2;
        eqs->subexpr_order[eqs->n_subexpr++] = u;
        top--;
    }
    return MF_OK;
}

static mf_status order_subexpressions(mf_equations *eqs, mf_error *err)
{
    size_t n = (size_t)eqs->n;
    eq_deps *deps = calloc(n, sizeof *deps);
    char *state = calloc(n, 1);
    int *stack = malloc(n * sizeof *stack);
    int *next = malloc(n * sizeof *next);
    eqs->subexpr_order = malloc(n * sizeof *eqs->subexpr_order);
    mf_status st = MF_OK;
    if (!deps || !state || !stack || !next || !eqs->subexpr_order)
        st = mf_error_nomem(err, "the subexpressions' dependency tables",
                            n * (sizeof *deps + 1 + 3 * sizeof *stack));
    for (int i = 0; !st && i < eqs->n; i++) {
        eq_dep_ctx c = {&deps[i], false};
        if (eqs->eq[i].kind == MF_EQ_SUBEXPR)
            mf_expr_visit_names(eqs->eq[i].expr, collect_dep, &c);
        if (c.nomem)
            st = mf_error_nomem(err, "a subexpression's list of dependencies",
                                (size_t)(deps[i].cap ? 2 * deps[i].cap : 4) * sizeof(int));
    }
    for (int i = 0; !st && i < eqs->n; i++)
        if (eqs->eq[i].kind == MF_EQ_SUBEXPR && state[i] == 0)
            st = order_from(eqs, deps, i, state, stack, next, err);
    for (int i = 0; deps && i < eqs->n; i++)
        free(deps[i].v);
    free(deps);
    free(state);
    free(stack);
    free(next);
    return st;
}

/* ---------------------------------------------------------------------- */

mf_status mf_equations_check(mf_equations *eqs, const mf_namespace *ns, mf_error *err)
{
    mf_error_clear(err);
    if (!eqs)
        return mf_error_set(err, MF_ERR_INVALID, "mf_equations_check: NULL equations");
    static const mf_namespace empty = {0};
    if (!ns)
        ns = &empty;
    free(eqs->subexpr_order);
    eqs->subexpr_order = NULL;
    eqs->n_subexpr = 0;
    eqs->checked = false;
    eq_resolver r = {.eqs = eqs, .ns = ns, .err = err};
    mf_status st = check_namespace(eqs, ns, err);
    if (!st && !(r.by_name = malloc((size_t)eqs->n * sizeof *r.by_name + 1)))
        st = mf_error_nomem(err, "the table of names", (size_t)eqs->n * sizeof *r.by_name + 1);
    if (!st) {
        for (int i = 0; i < eqs->n; i++)
            r.by_name[i] = (eq_named){eqs->eq[i].name, i};
        qsort(r.by_name, (size_t)eqs->n, sizeof *r.by_name, compare_named);
        st = check_expressions(&r);
    }
    if (!st)
        st = order_subexpressions(eqs, err);
    free(r.by_name);
    if (st) {
        free(eqs->subexpr_order);
        eqs->subexpr_order = NULL;
        eqs->n_subexpr = 0;
        return st;
    }
    eqs->checked = true;
    return MF_OK;
}

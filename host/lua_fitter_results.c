/* What a fit gathered: fitter:best_params(), best_error(), results{},
 * save_results(file), generate{} and plot(file). */
#include "lua_fitter.h"
#include "plot.h"

#include <ctype.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>

enum { TEXT_MAX = 128 };

static const double no_dim[7] = {0};

static void trains_free_fn(void *p)
{
    mf_spike_trains_free(p);
}

/* ---- results ------------------------------------------------------------------ */

int mf_lua_fitter_best_params(lua_State *L)
{
    lua_fitter *u = mf_lua_fitter_check(L, 1);
    mf_lua_fitter_push_best(L, u->f);
    lua_pop(L, 1);
    return 1;
}

int mf_lua_fitter_best_error(lua_State *L)
{
    lua_fitter *u = mf_lua_fitter_check(L, 1);
    mf_lua_fitter_push_best(L, u->f);
    return 1;
}

static void push_output_errors(lua_State *L, const mf_fitter *f, long i, bool normalized)
{
    int n = mf_fitter_n_outputs(f);
    lua_createtable(L, 0, n);
    for (int o = 0; o < n; o++) {
        mf_quantity unit = mf_fitter_output_error_unit(f, o, normalized);
        mf_lua_push_quantity(
            L, mf_lua_fitter_quantity(mf_fitter_history_output_error(f, i, o, normalized),
                                      unit.dim));
        lua_setfield(L, -2, mf_fitter_output_name(f, o));
    }
}

/* One row: {round = r, error = e, name = value, ...} (and with several
 * outputs objective_errors and objective_errors_normalized). */
static void push_row(lua_State *L, const mf_fitter *f, long i)
{
    int n = mf_fitter_n_params(f);
    lua_createtable(L, 0, n + 4);
    const double *x = mf_fitter_history_point(f, i);
    for (int p = 0; p < n; p++) {
        mf_lua_push_quantity(L, mf_lua_fitter_quantity(x[p], mf_fitter_param_unit(f, p).dim));
        lua_setfield(L, -2, mf_fitter_param_name(f, p));
    }
    lua_pushinteger(L, mf_fitter_history_round(f, i) + 1);
    lua_setfield(L, -2, "round");
    mf_lua_fitter_push_error(L, f, mf_fitter_history_error(f, i));
    lua_setfield(L, -2, "error");
    if (mf_fitter_n_outputs(f) > 1) {
        push_output_errors(L, f, i, false);
        lua_setfield(L, -2, "objective_errors");
        push_output_errors(L, f, i, true);
        lua_setfield(L, -2, "objective_errors_normalized");
    }
}

/* A 1 x n array column of the history, filled by get(f, i). */
static void push_column(lua_State *L, const mf_fitter *f, const double dim[7], int col,
                        double (*get)(const mf_fitter *, long, int))
{
    long n = mf_fitter_history_size(f);
    mf_lua_array *a = mf_lua_new_array(L, 1, (size_t)n, dim);
    double *v = mf_array_data(a->a);
    for (long i = 0; i < n; i++)
        v[i] = get(f, i, col);
}

static double get_param(const mf_fitter *f, long i, int p)
{
    return mf_fitter_history_point(f, i)[p];
}

static double get_error(const mf_fitter *f, long i, int unused)
{
    (void)unused;
    return mf_fitter_history_error(f, i);
}

static double get_round(const mf_fitter *f, long i, int unused)
{
    (void)unused;
    return mf_fitter_history_round(f, i) + 1;
}

static double get_raw(const mf_fitter *f, long i, int o)
{
    return mf_fitter_history_output_error(f, i, o, false);
}

static double get_norm(const mf_fitter *f, long i, int o)
{
    return mf_fitter_history_output_error(f, i, o, true);
}

static void push_output_columns(lua_State *L, const mf_fitter *f, bool normalized)
{
    lua_newtable(L);
    for (int o = 0; o < mf_fitter_n_outputs(f); o++) {
        push_column(L, f, mf_fitter_output_error_unit(f, o, normalized).dim, o,
                    normalized ? get_norm : get_raw);
        lua_setfield(L, -2, mf_fitter_output_name(f, o));
    }
}

/* {round = array, error = array, name = array...}: 1 x n arrays. */
static void push_columns(lua_State *L, const mf_fitter *f)
{
    lua_newtable(L);
    for (int p = 0; p < mf_fitter_n_params(f); p++) {
        push_column(L, f, mf_fitter_param_unit(f, p).dim, p, get_param);
        lua_setfield(L, -2, mf_fitter_param_name(f, p));
    }
    push_column(L, f, no_dim, 0, get_round);
    lua_setfield(L, -2, "round");
    push_column(L, f, mf_fitter_error_unit(f).dim, 0, get_error);
    lua_setfield(L, -2, "error");
    if (mf_fitter_n_outputs(f) > 1) {
        push_output_columns(L, f, false);
        lua_setfield(L, -2, "objective_errors");
        push_output_columns(L, f, true);
        lua_setfield(L, -2, "objective_errors_normalized");
    }
}

/* fitter:results([{format = "list" | "dict"}]) */
int mf_lua_fitter_results(lua_State *L)
{
    static const char *const valid[] = {"format", NULL};
    lua_fitter *u = mf_lua_fitter_check(L, 1);
    mf_lua_fitter_table_arg(L, 2, "fitter:results");
    mf_lua_check_fields(L, 2, "fitter:results", valid);
    const char *format = "list";
    if (mf_lua_field(L, 2, "format") != LUA_TNIL) {
        if (lua_type(L, -1) != LUA_TSTRING)
            return luaL_error(L, "fitter:results: format must be \"list\" or \"dict\"");
        format = lua_tostring(L, -1);
    }
    if (strcmp(format, "dict") == 0) {
        push_columns(L, u->f);
        return 1;
    }
    if (strcmp(format, "list") != 0)
        return luaL_error(L, "fitter:results: unknown format '%s' (valid: list, dict)", format);
    long n = mf_fitter_history_size(u->f);
    lua_createtable(L, n > 0x7fffffff ? 0 : (int)n, 0);
    for (long i = 0; i < n; i++) {
        push_row(L, u->f, i);
        lua_rawseti(L, -2, (lua_Integer)i + 1);
    }
    return 1;
}

static bool ends_with(const char *s, const char *tail)
{
    size_t n = strlen(s), m = strlen(tail);
    if (n < m)
        return false;
    for (size_t i = 0; i < m; i++)
        if (tolower((unsigned char)s[n - m + i]) != tail[i])
            return false;
    return true;
}

/* fitter:save_results("x.csv" | "x.json") */
int mf_lua_fitter_save_results(lua_State *L)
{
    lua_fitter *u = mf_lua_fitter_check(L, 1);
    const char *path = luaL_checkstring(L, 2);
    mf_error err;
    if (ends_with(path, ".csv"))
        mf_lua_fitter_ok(L, mf_fitter_write_csv(u->f, path, &err), &err);
    else if (ends_with(path, ".json"))
        mf_lua_fitter_ok(L, mf_fitter_write_json(u->f, path, &err), &err);
    else
        return luaL_error(L, "fitter:save_results: %s: the name must end in .csv or .json",
                          path);
    return 0;
}

/* ---- fitter:generate{...} ------------------------------------------------------ */

/* Generated traces until an array userdata owns them. */
typedef struct owned_arrays {
    int n;
    mf_array *a[];
} owned_arrays;

static void arrays_free_fn(void *p)
{
    owned_arrays *o = p;
    for (int i = 0; i < o->n; i++)
        mf_array_free(o->a[i]);
    free(o);
}

/* output_var at idx (nil: the outputs; a name; a list of names) as a list
 * of names pushed on the stack. */
static void push_output_vars(lua_State *L, int idx, const mf_fitter *f)
{
    if (lua_istable(L, idx)) {
        lua_pushvalue(L, idx);
        return;
    }
    lua_newtable(L);
    if (lua_type(L, idx) == LUA_TSTRING) {
        lua_pushvalue(L, idx);
        lua_rawseti(L, -2, 1);
    } else if (!lua_isnil(L, idx))
        luaL_error(L, "fitter:generate: output_var must be a name or a list of names, not a %s",
                   luaL_typename(L, idx));
    else if (mf_fitter_get_kind(f) == MF_FITTER_SPIKES) {
        lua_pushliteral(L, "spikes");
        lua_rawseti(L, -2, 1);
    } else
        for (int o = 0; o < mf_fitter_n_outputs(f); o++) {
            lua_pushstring(L, mf_fitter_output_name(f, o));
            lua_rawseti(L, -2, o + 1);
        }
}

/* The unit of a generated variable: the model's declaration, or an input's. */
static void variable_dim(lua_State *L, int fitter, const char *name, double dim[7])
{
    mf_lua_fitter_state(L, fitter, "model");
    mf_error err;
    mf_status st = mf_model_variable_dim(lua_tostring(L, -1), name, dim, &err);
    lua_pop(L, 1);
    if (st == MF_OK)
        return;
    memset(dim, 0, 7 * sizeof *dim);
    mf_lua_fitter_state(L, fitter, "dims");
    mf_quantity q;
    if (lua_getfield(L, -1, name) != LUA_TNIL && mf_lua_to_quantity(L, -1, &q, name))
        memcpy(dim, q.dim, sizeof q.dim);
    lua_pop(L, 2);
}

typedef struct inits {
    int n;
    const char **names, **values;
    char (*exprs)[MF_LUA_EXPR_MAX];
} inits;

static void read_inits(lua_State *L, int t, inits *in)
{
    memset(in, 0, sizeof *in);
    if (mf_lua_field(L, t, "param_init") == LUA_TNIL)
        return;
    int tab = lua_gettop(L);
    size_t n = mf_lua_count_names(L, tab, "fitter:generate: param_init");
    size_t m = n ? n : 1;
    in->names = lua_newuserdatauv(L, m * sizeof *in->names, 0);
    in->values = lua_newuserdatauv(L, m * sizeof *in->values, 0);
    in->exprs = lua_newuserdatauv(L, m * sizeof *in->exprs, 0);
    lua_pushnil(L);
    while (lua_next(L, tab)) {
        in->names[in->n] = lua_tostring(L, -2);
        char what[TEXT_MAX];
        snprintf(what, sizeof what, "fitter:generate: param_init.%s", in->names[in->n]);
        in->values[in->n] = mf_lua_check_expr(L, -1, NULL, in->exprs[in->n], what);
        in->n++;
        lua_pop(L, 1);
    }
}

/* Simulates params (NULL: the best) and pushes a table name -> array (or
 * spike trains for "spikes") of the variables in the list at `vars`. */
static void generate(lua_State *L, lua_fitter *u, const double *params, const inits *in,
                     double iteration, int vars)
{
    int n = (int)lua_rawlen(L, vars), n_traces = 0;
    bool spikes = false;
    const char **names = lua_newuserdatauv(L, (size_t)(n ? n : 1) * sizeof *names, 0);
    for (int i = 1; i <= n; i++) {
        if (lua_rawgeti(L, vars, i) != LUA_TSTRING)
            luaL_error(L, "fitter:generate: output_var[%d] is not a name", i);
        const char *name = lua_tostring(L, -1);
        lua_pop(L, 1); /* the list keeps the string */
        if (strcmp(name, "spikes") == 0)
            spikes = true;
        else
            names[n_traces++] = name;
    }
    void **slot = mf_lua_box(L, arrays_free_fn);
    owned_arrays *owned = calloc(1, sizeof *owned + (size_t)n_traces * sizeof(mf_array *));
    if (!owned)
        luaL_error(L, "fitter:generate: out of memory");
    *slot = owned;
    owned->n = n_traces;
    mf_array **traces = owned->a;
    void **trains_slot = mf_lua_box(L, trains_free_fn);
    mf_spike_trains *trains = NULL;
    mf_error err;
    mf_status st = mf_fitter_generate(u->f, params, in->n, in->names, in->values, iteration,
                                      n_traces, names, traces, spikes ? &trains : NULL, &err);
    *trains_slot = trains;
    mf_lua_fitter_ok(L, st, &err);
    lua_newtable(L);
    for (int i = 0; i < n_traces; i++) {
        double dim[7];
        variable_dim(L, 1, names[i], dim);
        mf_lua_push_array(L, traces[i], dim);
        traces[i] = NULL; /* the array userdata owns it now */
        lua_setfield(L, -2, names[i]);
    }
    if (spikes) {
        mf_lua_push_spike_trains(L, trains);
        lua_setfield(L, -2, "spikes");
    }
}

/* fitter:generate{params = ..., output_var = "v" | {...}, param_init = {...},
 * iteration = n}: one value for one name, else a table by name. */
int mf_lua_fitter_generate(lua_State *L)
{
    static const char *const valid[] = {"params", "output_var", "param_init", "iteration",
                                        NULL};
    lua_fitter *u = mf_lua_fitter_idle(L, "generate");
    mf_lua_fitter_table_arg(L, 2, "fitter:generate");
    mf_lua_check_fields(L, 2, "fitter:generate", valid);
    const double *params =
        mf_lua_fitter_param_values(L, 2, "params", u->f, "fitter:generate: params");
    inits in;
    read_inits(L, 2, &in);
    double iteration =
        mf_lua_field(L, 2, "iteration") == LUA_TNIL ? NAN : luaL_checknumber(L, -1);
    mf_lua_field(L, 2, "output_var");
    push_output_vars(L, lua_gettop(L), u->f);
    int vars = lua_gettop(L);
    generate(L, u, params, &in, iteration, vars);
    if (lua_rawlen(L, vars) == 1) {
        lua_rawgeti(L, vars, 1);
        lua_gettable(L, -2);
    }
    return 1;
}

/* ---- fitter:plot(file [, {...}]) ----------------------------------------------- */

/* The best error after each round (the running minimum). */
static double *best_per_round(lua_State *L, const mf_fitter *f, size_t *n_out)
{
    long n = mf_fitter_history_size(f);
    int rounds = n > 0 ? mf_fitter_history_round(f, n - 1) + 1 : 0;
    double *best = lua_newuserdatauv(L, (size_t)(rounds ? rounds : 1) * sizeof *best, 0);
    double so_far = NAN;
    long i = 0;
    for (int r = 0; r < rounds; r++) {
        for (; i < n && mf_fitter_history_round(f, i) == r; i++) {
            double e = mf_fitter_history_error(f, i);
            if (isfinite(e) && !(so_far <= e))
                so_far = e;
        }
        best[r] = so_far;
    }
    *n_out = (size_t)rounds;
    return best;
}

/* The power p with error = trace^p (0 for a normalized, dimensionless one). */
static int error_power(const double *err_dim, const double *dim)
{
    double p = 0;
    for (int i = 0; i < 7; i++)
        if (dim[i] != 0) {
            p = err_dim[i] / dim[i];
            break;
        }
    for (int i = 0; i < 7; i++)
        if (fabs(p * dim[i] - err_dim[i]) > 1e-9)
            return 0;
    return p == round(p) ? (int)p : 0;
}

/* "gl = 10.2 nS, g_na = 19.9 uS" pushed as a string. */
static const char *push_title(lua_State *L, const mf_fitter *f, const double *x)
{
    luaL_Buffer b;
    luaL_buffinit(L, &b);
    for (int p = 0; x && p < mf_fitter_n_params(f); p++) {
        char q[TEXT_MAX];
        mf_quantity_to_string(mf_lua_fitter_quantity(x[p], mf_fitter_param_unit(f, p).dim), q,
                              sizeof q);
        luaL_addstring(&b, p ? ", " : "");
        luaL_addstring(&b, mf_fitter_param_name(f, p));
        luaL_addstring(&b, " = ");
        luaL_addstring(&b, q);
    }
    luaL_pushresult(&b);
    return lua_tostring(L, -1);
}

/* Fills the traces of output `name` (target and the fitted simulation). */
static void plot_traces(lua_State *L, lua_fitter *u, const char *name, const double *params,
                        mf_plot_traces *p)
{
    if (mf_lua_fitter_state(L, 1, "targets") == LUA_TNIL ||
        lua_getfield(L, -1, name) == LUA_TNIL)
        luaL_error(L, "fitter:plot: '%s' is not a traced output of the fitter", name);
    mf_lua_array *target = mf_lua_test_array(L, -1);
    lua_newtable(L);
    lua_pushstring(L, name);
    lua_rawseti(L, -2, 1);
    inits none = {0};
    generate(L, u, params, &none, NAN, lua_gettop(L));
    lua_getfield(L, -1, name);
    mf_lua_array *fitted = mf_lua_test_array(L, -1);
    p->n_traces = mf_array_rows(target->a);
    p->n_steps = mf_array_cols(target->a);
    p->targets = mf_array_cdata(target->a);
    p->fitted = mf_array_cdata(fitted->a);
    memcpy(p->dim, target->dim, sizeof p->dim);
    p->dt = mf_fitter_dt(u->f);
    p->variable = name;
}

int mf_lua_fitter_plot(lua_State *L)
{
    static const char *const valid[] = {"params", "output", "title", NULL};
    lua_fitter *u = mf_lua_fitter_idle(L, "plot");
    const char *file = luaL_checkstring(L, 2);
    mf_lua_fitter_table_arg(L, 3, "fitter:plot");
    mf_lua_check_fields(L, 3, "fitter:plot", valid);
    const double *params =
        mf_lua_fitter_param_values(L, 3, "params", u->f, "fitter:plot: params");
    int n = mf_fitter_n_params(u->f);
    double *best = lua_newuserdatauv(L, (size_t)(n ? n : 1) * sizeof *best, 0);
    mf_error err;
    if (!params && mf_fitter_best(u->f, best, NULL, &err) != MF_OK)
        return luaL_error(L, "fitter:plot: nothing to plot yet: fit first (or give params)");
    mf_plot_traces p;
    memset(&p, 0, sizeof p);
    p.errors = best_per_round(L, u->f, &p.n_errors);
    if (mf_lua_fitter_state(L, 1, "error_name") == LUA_TSTRING &&
        strcmp(lua_tostring(L, -1), "mse") != 0)
        p.error_name = lua_tostring(L, -1);
    else
        p.error_name = u->kind == MF_FITTER_SPIKES ? "gamma error" : "MSE";
    const char *title =
        mf_lua_field(L, 3, "title") == LUA_TNIL ? NULL : luaL_checkstring(L, -1);
    p.title = title ? title : push_title(L, u->f, params ? params : best);
    if (u->kind != MF_FITTER_SPIKES && mf_fitter_n_outputs(u->f) > 0) {
        const char *output = mf_lua_field(L, 3, "output") == LUA_TNIL
                                 ? mf_fitter_output_name(u->f, 0)
                                 : luaL_checkstring(L, -1);
        plot_traces(L, u, output, params, &p);
        p.error_power = error_power(mf_fitter_error_unit(u->f).dim, p.dim);
    } else if (mf_lua_field(L, 3, "output") != LUA_TNIL)
        return luaL_error(L, "fitter:plot: the spike fitter has no traced output to plot");
    char msg[512];
    if (mf_plot_traces_write(file, &p, msg, sizeof msg) != 0)
        return luaL_error(L, "%s", msg);
    return 0;
}

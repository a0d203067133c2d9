/* mf.simulate{...}: runs a model without fitting, over the public
 * <modelfit/simulate.h>, and returns the recorded traces as arrays with
 * units (neurons x steps), the spike trains and a little information:
 *
 *   local traces, spikes, info = mf.simulate{
 *       model = eqs, constants = {El = -65*u.mV}, input = {I = current},
 *       dt = 0.01*u.ms, method = "exponential_euler", threshold = "v > -50*mV",
 *       reset = "v = -70*mV", refractory = 2*u.ms, param_init = {v = "El"},
 *       params = {gl = {10*u.nS, 20*u.nS}}, record = {"v"}}
 *
 * Neuron i is driven by input trace i % n_traces with parameter set
 * i / n_traces, as in brian2modelfitting. */
#include "lua_host.h"

#include "modelfit/simulate.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

enum { TEXT_MAX = 96 };

static const mf_quantity second = {1.0, {0, 0, 1, 0, 0, 0, 0}};

static void sim_free_fn(void *p)
{
    mf_sim_free(p);
}

static void result_free_fn(void *p)
{
    mf_sim_result_free(p);
}

static void check(lua_State *L, mf_status st, const mf_error *err)
{
    if (st != MF_OK)
        mf_lua_raise(L, err);
}

/* What the entry setters below need. */
typedef struct sim_build {
    mf_sim *s;
    const char *model;
} sim_build;

static void add_constant(lua_State *L, const char *name, int value, void *user)
{
    sim_build *b = user;
    char what[TEXT_MAX];
    snprintf(what, sizeof what, "mf.simulate: constants.%s", name);
    mf_error err;
    check(L, mf_sim_set_constant(b->s, name, mf_lua_check_quantity(L, value, what), &err),
          &err);
}

static void add_input(lua_State *L, const char *name, int value, void *user)
{
    sim_build *b = user;
    char what[TEXT_MAX];
    snprintf(what, sizeof what, "mf.simulate: input.%s", name);
    mf_lua_array *a = mf_lua_check_array(L, value, what);
    mf_quantity unit = {1.0, {0}};
    memcpy(unit.dim, a->dim, sizeof unit.dim);
    mf_error err;
    check(L,
          mf_sim_set_input(b->s, name, unit, (int)mf_array_rows(a->a),
                           (long)mf_array_cols(a->a), mf_array_cdata(a->a), &err),
          &err);
}

static void add_init(lua_State *L, const char *name, int value, void *user)
{
    sim_build *b = user;
    char what[TEXT_MAX], expr[MF_LUA_EXPR_MAX];
    snprintf(what, sizeof what, "mf.simulate: param_init.%s", name);
    const char *text = mf_lua_check_expr(L, value, NULL, expr, what);
    mf_error err;
    check(L, mf_sim_set_init(b->s, name, text, &err), &err);
}

/* The values of one parameter (a quantity, or a list or array of them, one
 * per parameter set) into a scratch userdata, checked against the unit the
 * model declares. Returns the count; the scratch stays on the stack. */
static int param_values(lua_State *L, int v, const char *model, const char *name, double **out)
{
    mf_quantity unit = {1.0, {0}};
    mf_error err;
    char what[TEXT_MAX];
    snprintf(what, sizeof what, "mf.simulate: params.%s", name);
    mf_status st = mf_model_variable_dim(model, name, unit.dim, &err);
    if (st == MF_ERR_NAME)
        luaL_error(L, "%s: the model has no parameter '%s'", what, name);
    check(L, st, &err);
    if (lua_type(L, v) != LUA_TTABLE && !mf_lua_test_array(L, v)) {
        *out = lua_newuserdatauv(L, sizeof(double), 0);
        (*out)[0] = mf_lua_check_si(L, v, what, unit);
        return 1;
    }
    mf_lua_array *a = mf_lua_check_array(L, v, what);
    size_t n = mf_array_rows(a->a) * mf_array_cols(a->a);
    if (n == 0)
        luaL_error(L, "%s: the list of values is empty", what);
    if (!mf_lua_same_dim(a->dim, unit.dim)) {
        char want[TEXT_MAX], got[TEXT_MAX];
        mf_quantity_unit_string(unit.dim, want, sizeof want);
        mf_quantity_unit_string(a->dim, got, sizeof got);
        luaL_error(L, "%s must have unit %s, got values of unit %s", what, want, got);
    }
    *out = lua_newuserdatauv(L, n * sizeof(double), 0);
    memcpy(*out, mf_array_cdata(a->a), n * sizeof(double));
    return (int)n;
}

static void add_param(lua_State *L, const char *name, int value, void *user)
{
    sim_build *b = user;
    double *values;
    int n = param_values(L, value, b->model, name, &values);
    mf_error err;
    check(L, mf_sim_set_param(b->s, name, n, values, &err), &err);
}

/* Field `key` of the table at t, a table of name = value entries, entry by
 * entry (sorted by name) to fn. */
static void set_entries(lua_State *L, int t, const char *key, mf_lua_entry_fn fn, sim_build *b)
{
    if (mf_lua_field(L, t, key) != LUA_TNIL) {
        char what[TEXT_MAX];
        snprintf(what, sizeof what, "mf.simulate: %s", key);
        if (!lua_istable(L, -1))
            luaL_error(L, "%s must be a table of name = value entries, not a %s", what,
                       luaL_typename(L, -1));
        mf_lua_each_sorted(L, lua_gettop(L), what, fn, b);
    }
    lua_pop(L, 1);
}

/* record = "v" or {"v", "m"}: pushes a list of names. */
static void push_record_list(lua_State *L, int t)
{
    int type = mf_lua_field(L, t, "record");
    if (type == LUA_TNIL || type == LUA_TSTRING) {
        lua_createtable(L, 1, 0);
        if (type == LUA_TSTRING) {
            lua_pushvalue(L, -2);
            lua_rawseti(L, -2, 1);
        }
        lua_remove(L, -2);
        return;
    }
    luaL_checktype(L, -1, LUA_TTABLE);
}

static void set_strings(lua_State *L, int t, mf_sim *s)
{
    mf_error err;
    if (mf_lua_field(L, t, "method") != LUA_TNIL)
        check(L, mf_sim_set_method(s, luaL_checkstring(L, -1), &err), &err);
    if (mf_lua_field(L, t, "threshold") != LUA_TNIL)
        check(L, mf_sim_set_threshold(s, luaL_checkstring(L, -1), &err), &err);
    if (mf_lua_field(L, t, "reset") != LUA_TNIL)
        check(L, mf_sim_set_reset(s, luaL_checkstring(L, -1), &err), &err);
    if (mf_lua_field(L, t, "refractory") != LUA_TNIL) {
        char expr[MF_LUA_EXPR_MAX];
        const char *r = mf_lua_check_expr(L, -1, &second, expr, "mf.simulate: refractory");
        check(L, mf_sim_set_refractory(s, r, &err), &err);
    }
    lua_pop(L, 4);
}

static void set_numbers(lua_State *L, int t, mf_sim *s)
{
    mf_error err;
    if (mf_lua_field(L, t, "dt") == LUA_TNIL)
        luaL_error(L, "mf.simulate: dt (the time step) is required, e.g. dt = 0.01*u.ms");
    check(L, mf_sim_set_dt(s, mf_lua_check_si(L, -1, "mf.simulate: dt", second), &err), &err);
    if (mf_lua_field(L, t, "n_steps") != LUA_TNIL)
        check(L, mf_sim_set_steps(s, (long)luaL_checkinteger(L, -1), &err), &err);
    int has_abs = mf_lua_field(L, t, "abs_tol") != LUA_TNIL;
    int has_rel = mf_lua_field(L, t, "rel_tol") != LUA_TNIL;
    if (has_abs || has_rel)
        check(L,
              mf_sim_set_tolerance(s, has_abs ? luaL_checknumber(L, -2) : 1e-6,
                                   has_rel ? luaL_checknumber(L, -1) : 0.0, &err),
              &err);
    lua_pop(L, 4);
}

/* The traces table: name -> neurons x steps array in the variable's unit. */
static void push_traces(lua_State *L, int record, const mf_sim_result *r, const char *model)
{
    long neurons = mf_sim_result_neurons(r), steps = mf_sim_result_steps(r);
    lua_newtable(L);
    for (lua_Integer i = 1; i <= (lua_Integer)lua_rawlen(L, record); i++) {
        lua_rawgeti(L, record, i);
        const char *name = lua_tostring(L, -1);
        const double *v = mf_sim_result_trace(r, name);
        double dim[7] = {0};
        mf_error err;
        if (mf_model_variable_dim(model, name, dim, &err) != MF_OK)
            memset(dim, 0, sizeof dim); /* t, or an input: the library knows */
        mf_lua_array *a = mf_lua_new_array(L, (size_t)neurons, (size_t)steps, dim);
        if (v && neurons * steps > 0)
            memcpy(mf_array_data(a->a), v, (size_t)(neurons * steps) * sizeof(double));
        lua_setfield(L, -3, name);
        lua_pop(L, 1);
    }
}

static void push_spikes(lua_State *L, const mf_sim_result *r)
{
    long neurons = mf_sim_result_neurons(r);
    lua_createtable(L, (int)neurons, 0);
    for (long i = 0; i < neurons; i++) {
        long n = 0;
        const double *t = mf_sim_result_spikes(r, i, &n);
        lua_createtable(L, (int)n, 0);
        for (long k = 0; k < n; k++) {
            mf_quantity q = second;
            q.value = t[k];
            mf_lua_push_quantity(L, q);
            lua_rawseti(L, -2, (lua_Integer)k + 1);
        }
        lua_rawseti(L, -2, (lua_Integer)i + 1);
    }
}

static void push_info(lua_State *L, const mf_sim_result *r)
{
    lua_createtable(L, 0, 4);
    lua_pushstring(L, mf_sim_result_method(r));
    lua_setfield(L, -2, "method");
    mf_quantity dt = second;
    dt.value = mf_sim_result_dt(r);
    mf_lua_push_quantity(L, dt);
    lua_setfield(L, -2, "dt");
    lua_pushinteger(L, mf_sim_result_neurons(r));
    lua_setfield(L, -2, "neurons");
    lua_pushinteger(L, mf_sim_result_steps(r));
    lua_setfield(L, -2, "steps");
}

static int l_simulate(lua_State *L)
{
    static const char *const valid[] = {"model",      "constants", "input",  "dt",
                                        "method",     "threshold", "reset",  "refractory",
                                        "param_init", "params",    "record", "n_steps",
                                        "abs_tol",    "rel_tol",   NULL};
    luaL_checktype(L, 1, LUA_TTABLE);
    lua_settop(L, 1);
    mf_lua_check_fields(L, 1, "mf.simulate", valid);
    if (mf_lua_field(L, 1, "model") != LUA_TSTRING)
        return luaL_error(L, "mf.simulate: model (the equations, a string) is required");
    const char *model = lua_tostring(L, 2);
    void **sim = mf_lua_box(L, sim_free_fn);
    mf_sim *s = NULL;
    mf_error err;
    mf_status st = mf_sim_new(mf_lua_context(L), model, &s, &err);
    *sim = s;
    check(L, st, &err);
    int base = lua_gettop(L);
    sim_build b = {s, model};
    set_entries(L, 1, "constants", add_constant, &b);
    set_entries(L, 1, "input", add_input, &b);
    set_entries(L, 1, "param_init", add_init, &b);
    set_entries(L, 1, "params", add_param, &b);
    set_strings(L, 1, s);
    set_numbers(L, 1, s);
    lua_settop(L, base);
    push_record_list(L, 1);
    int record = lua_gettop(L);
    for (lua_Integer i = 1; i <= (lua_Integer)lua_rawlen(L, record); i++) {
        lua_rawgeti(L, record, i);
        check(L, mf_sim_record(s, luaL_checkstring(L, -1), &err), &err);
        lua_pop(L, 1);
    }
    void **res = mf_lua_box(L, result_free_fn);
    mf_sim_result *r = NULL;
    st = mf_sim_run(s, &r, &err);
    *res = r;
    check(L, st, &err);
    push_traces(L, record, r, model);
    push_spikes(L, r);
    push_info(L, r);
    return 3;
}

void mf_lua_open_simulate(lua_State *L)
{
    lua_pushcfunction(L, l_simulate);
    lua_setfield(L, -2, "simulate");
}

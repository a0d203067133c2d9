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

enum { EXPR_MAX = 256 };

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

/* A quantity as a Brian expression the library parses back exactly:
 * "-0.065*metre**2*kilogram*second**-3*amp**-1" for -65 mV. */
static void quantity_expr(mf_quantity q, char *buf, size_t n)
{
    static const char *const base[7] = {"metre",  "kilogram", "second", "amp",
                                        "kelvin", "mole",     "candle"};
    size_t pos = (size_t)snprintf(buf, n, "%.17g", q.value);
    for (int i = 0; i < 7 && pos < n; i++) {
        if (q.dim[i] == 0)
            continue;
        if (q.dim[i] == 1)
            pos += (size_t)snprintf(buf + pos, n - pos, "*%s", base[i]);
        else
            pos += (size_t)snprintf(buf + pos, n - pos, "*%s**%.17g", base[i], q.dim[i]);
    }
}

/* A string field, or a quantity turned into its expression. */
static const char *text_or_quantity(lua_State *L, int idx, char *buf, size_t n,
                                    const char *what)
{
    if (lua_type(L, idx) == LUA_TSTRING)
        return lua_tostring(L, idx);
    quantity_expr(mf_lua_check_quantity(L, idx, what), buf, n);
    return buf;
}

/* The key of a name = value table being traversed (a string: converting a
 * number key in place would break lua_next). */
static const char *key_name(lua_State *L)
{
    if (lua_type(L, -2) != LUA_TSTRING)
        luaL_error(L, "mf.simulate: expected name = value entries, found a %s key",
                   luaL_typename(L, -2));
    return lua_tostring(L, -2);
}

static void set_constants(lua_State *L, int t, mf_sim *s)
{
    if (mf_lua_field(L, t, "constants") == LUA_TNIL)
        return;
    luaL_checktype(L, -1, LUA_TTABLE);
    int c = lua_gettop(L);
    lua_pushnil(L);
    while (lua_next(L, c)) {
        const char *name = key_name(L);
        char what[96];
        snprintf(what, sizeof what, "mf.simulate: constants.%s", name);
        mf_error err;
        check(L, mf_sim_set_constant(s, name, mf_lua_check_quantity(L, -1, what), &err), &err);
        lua_pop(L, 1);
    }
}

static void set_inputs(lua_State *L, int t, mf_sim *s)
{
    if (mf_lua_field(L, t, "input") == LUA_TNIL)
        return;
    luaL_checktype(L, -1, LUA_TTABLE);
    int c = lua_gettop(L);
    lua_pushnil(L);
    while (lua_next(L, c)) {
        const char *name = key_name(L);
        char what[96];
        snprintf(what, sizeof what, "mf.simulate: input.%s", name);
        mf_lua_array *a = mf_lua_check_array(L, -1, what);
        mf_quantity unit = {1.0, {0}};
        memcpy(unit.dim, a->dim, sizeof unit.dim);
        mf_error err;
        check(L,
              mf_sim_set_input(s, name, unit, (int)mf_array_rows(a->a),
                               (long)mf_array_cols(a->a), mf_array_cdata(a->a), &err),
              &err);
        lua_pop(L, 1);
    }
}

static void set_inits(lua_State *L, int t, mf_sim *s)
{
    if (mf_lua_field(L, t, "param_init") == LUA_TNIL)
        return;
    luaL_checktype(L, -1, LUA_TTABLE);
    int c = lua_gettop(L);
    lua_pushnil(L);
    while (lua_next(L, c)) {
        const char *name = key_name(L);
        char what[96], expr[EXPR_MAX];
        snprintf(what, sizeof what, "mf.simulate: param_init.%s", name);
        const char *value = text_or_quantity(L, -1, expr, sizeof expr, what);
        mf_error err;
        check(L, mf_sim_set_init(s, name, value, &err), &err);
        lua_pop(L, 1);
    }
}

/* The values of one parameter (a quantity, or a list or array of them, one
 * per parameter set) into a scratch userdata, checked against the unit the
 * model declares. Returns the count; the scratch stays on the stack. */
static int param_values(lua_State *L, int v, const char *model, const char *name, double **out)
{
    mf_quantity unit = {1.0, {0}};
    mf_error err;
    char what[96];
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
        char want[96], got[96];
        mf_quantity_unit_string(unit.dim, want, sizeof want);
        mf_quantity_unit_string(a->dim, got, sizeof got);
        luaL_error(L, "%s must have unit %s, got values of unit %s", what, want, got);
    }
    *out = lua_newuserdatauv(L, n * sizeof(double), 0);
    memcpy(*out, mf_array_cdata(a->a), n * sizeof(double));
    return (int)n;
}

static void set_params(lua_State *L, int t, mf_sim *s, const char *model)
{
    if (mf_lua_field(L, t, "params") == LUA_TNIL)
        return;
    luaL_checktype(L, -1, LUA_TTABLE);
    int c = lua_gettop(L);
    lua_pushnil(L);
    while (lua_next(L, c)) {
        const char *name = key_name(L);
        double *values;
        int n = param_values(L, lua_gettop(L), model, name, &values);
        mf_error err;
        check(L, mf_sim_set_param(s, name, n, values, &err), &err);
        lua_pop(L, 2);
    }
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
        char expr[EXPR_MAX];
        const char *r = lua_type(L, -1) == LUA_TSTRING ? lua_tostring(L, -1) : NULL;
        if (!r) {
            mf_quantity q = {mf_lua_check_si(L, -1, "mf.simulate: refractory", second), {0}};
            q.dim[2] = 1;
            quantity_expr(q, expr, sizeof expr);
            r = expr;
        }
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
    set_constants(L, 1, s);
    set_inputs(L, 1, s);
    set_inits(L, 1, s);
    set_params(L, 1, s, model);
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

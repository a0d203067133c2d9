/* The fitters from Lua: mf.TraceFitter{}, mf.SpikeFitter{},
 * mf.OnlineTraceFitter{}, a thin layer over <modelfit/fitter.h> with
 * brian2modelfitting's names:
 *
 *   local fitter = mf.TraceFitter{model = eqs, input = {I = current},
 *       output = {v = voltage}, dt = 0.01*u.ms, n_samples = 30,
 *       method = "exponential_euler", param_init = {v = "El"},
 *       constants = {El = -65*u.mV}}
 *
 * This file makes fitters (every field checked, tables read in name order
 * so outputs and messages never depend on Lua's hashing), defines the
 * fitter type and its read-only fields, and holds the helpers the methods
 * share (lua_fitter.h). */
#include "lua_fitter.h"

#include <stdio.h>
#include <stdlib.h>

enum { TEXT_MAX = 128 };

static const mf_quantity second = {1.0, {0, 0, 1, 0, 0, 0, 0}};

static const char *kind_name(mf_fitter_kind kind)
{
    return kind == MF_FITTER_SPIKES   ? "SpikeFitter"
           : kind == MF_FITTER_ONLINE ? "OnlineTraceFitter"
                                      : "TraceFitter";
}

static void spec_free_fn(void *p)
{
    mf_fitter_spec_free(p);
}

void mf_lua_fitter_ok(lua_State *L, mf_status st, const mf_error *err)
{
    if (st != MF_OK)
        mf_lua_raise(L, err);
}

/* ---- the constructors -------------------------------------------------------- */

typedef struct build {
    mf_fitter_spec *spec;
    const char *kind; /* "mf.TraceFitter" */
    int state;        /* the user value table */
} build;

static void add_constant(lua_State *L, const char *name, int value, void *user)
{
    build *b = user;
    char what[TEXT_MAX];
    snprintf(what, sizeof what, "%s: constants.%s", b->kind, name);
    mf_error err;
    mf_quantity q = mf_lua_check_quantity(L, value, what);
    mf_lua_fitter_ok(L, mf_fitter_spec_set_constant(b->spec, name, q, &err), &err);
}

static void add_input(lua_State *L, const char *name, int value, void *user)
{
    build *b = user;
    char what[TEXT_MAX];
    snprintf(what, sizeof what, "%s: input.%s", b->kind, name);
    mf_lua_array *a = mf_lua_check_array(L, value, what);
    mf_error err;
    mf_lua_fitter_ok(L,
                     mf_fitter_spec_set_input(b->spec, name, mf_lua_fitter_quantity(1, a->dim),
                                              (int)mf_array_rows(a->a),
                                              (long)mf_array_cols(a->a), mf_array_cdata(a->a),
                                              &err),
                     &err);
    lua_getfield(L, b->state, "dims");
    mf_lua_push_quantity(L, mf_lua_fitter_quantity(1, a->dim));
    lua_setfield(L, -2, name);
    lua_pop(L, 1);
}

static void add_output(lua_State *L, const char *name, int value, void *user)
{
    build *b = user;
    char what[TEXT_MAX];
    snprintf(what, sizeof what, "%s: output.%s", b->kind, name);
    mf_lua_array *a = mf_lua_check_array(L, value, what);
    size_t rows = mf_array_rows(a->a), cols = mf_array_cols(a->a);
    mf_error err;
    mf_lua_fitter_ok(L,
                     mf_fitter_spec_set_output(b->spec, name, mf_lua_fitter_quantity(1, a->dim),
                                               (int)rows, (long)cols, mf_array_cdata(a->a),
                                               &err),
                     &err);
    /* A copy for fitter:plot, safe from later changes to the script's array. */
    lua_getfield(L, b->state, "targets");
    mf_lua_array *copy = mf_lua_new_array(L, rows, cols, a->dim);
    if (rows * cols > 0)
        memcpy(mf_array_data(copy->a), mf_array_cdata(a->a), rows * cols * sizeof(double));
    lua_setfield(L, -2, name);
    lua_pop(L, 1);
}

/* param_init values: a string expression ("El") or a quantity. */
static void add_init(lua_State *L, const char *name, int value, void *user)
{
    build *b = user;
    char what[TEXT_MAX], expr[MF_LUA_EXPR_MAX];
    snprintf(what, sizeof what, "%s: param_init.%s", b->kind, name);
    const char *text = mf_lua_check_expr(L, value, NULL, expr, what);
    mf_error err;
    mf_lua_fitter_ok(L, mf_fitter_spec_set_init(b->spec, name, text, &err), &err);
}

static void set_table(lua_State *L, build *b, const char *key, mf_lua_entry_fn fn)
{
    if (mf_lua_field(L, 1, key) != LUA_TNIL) {
        char what[TEXT_MAX];
        snprintf(what, sizeof what, "%s: %s", b->kind, key);
        if (!lua_istable(L, -1))
            luaL_error(L, "%s must be a table of name = value entries, not a %s", what,
                       luaL_typename(L, -1));
        mf_lua_each_sorted(L, lua_gettop(L), what, fn, b);
    }
    lua_pop(L, 1);
}

/* The spike fitter's targets: a list of trains, or {spikes = trains}. */
static void set_output_spikes(lua_State *L, build *b)
{
    if (mf_lua_field(L, 1, "output") == LUA_TNIL)
        luaL_error(L, "%s: output (the target spike trains, one per input trace) is required",
                   b->kind);
    if (lua_istable(L, -1)) {
        if (lua_getfield(L, -1, "spikes") != LUA_TNIL)
            lua_remove(L, -2);
        else
            lua_pop(L, 1);
    }
    char what[TEXT_MAX];
    snprintf(what, sizeof what, "%s: output", b->kind);
    mf_spike_trains *s = mf_lua_check_spike_trains(L, lua_gettop(L), what);
    mf_error err;
    mf_lua_fitter_ok(L, mf_fitter_spec_set_output_spikes(b->spec, s, &err), &err);
    lua_pop(L, 2);
}

/* A string field passed to a spec setter; a quantity (refractory) is turned
 * into its expression. */
static void set_text(lua_State *L, build *b, const char *key,
                     mf_status (*setter)(mf_fitter_spec *, const char *, mf_error *))
{
    if (mf_lua_field(L, 1, key) != LUA_TNIL) {
        char what[TEXT_MAX], expr[MF_LUA_EXPR_MAX];
        snprintf(what, sizeof what, "%s: %s", b->kind, key);
        if (lua_type(L, -1) != LUA_TSTRING && strcmp(key, "refractory") != 0)
            luaL_error(L, "%s must be a string, not a %s", what, luaL_typename(L, -1));
        const char *text = mf_lua_check_expr(L, -1, &second, expr, what);
        mf_error err;
        mf_lua_fitter_ok(L, setter(b->spec, text, &err), &err);
    }
    lua_pop(L, 1);
}

static void set_scalars(lua_State *L, build *b)
{
    mf_error err;
    char what[TEXT_MAX];
    if (mf_lua_field(L, 1, "dt") == LUA_TNIL)
        luaL_error(L,
                   "%s: dt (the time step of the recordings) is required, e.g. dt = 0.01*u.ms",
                   b->kind);
    snprintf(what, sizeof what, "%s: dt", b->kind);
    mf_lua_fitter_ok(
        L, mf_fitter_spec_set_dt(b->spec, mf_lua_check_si(L, -1, what, second), &err), &err);
    if (mf_lua_field(L, 1, "n_samples") != LUA_TNIL) {
        if (!lua_isinteger(L, -1))
            luaL_error(L, "%s: n_samples must be an integer", b->kind);
        lua_Integer n = lua_tointeger(L, -1);
        if (n < 1 || n > 1000000000)
            luaL_error(L, "%s: n_samples must be at least 1, not %d", b->kind, (int)n);
        mf_lua_fitter_ok(L, mf_fitter_spec_set_n_samples(b->spec, (int)n, &err), &err);
    }
    lua_pop(L, 2);
    set_text(L, b, "method", mf_fitter_spec_set_method);
    set_text(L, b, "threshold", mf_fitter_spec_set_threshold);
    set_text(L, b, "reset", mf_fitter_spec_set_reset);
    set_text(L, b, "refractory", mf_fitter_spec_set_refractory);
    set_text(L, b, "penalty", mf_fitter_spec_set_penalty);
}

static void set_model(lua_State *L, build *b)
{
    if (mf_lua_field(L, 1, "model") != LUA_TSTRING)
        luaL_error(L,
                   "%s: model (the equations, a string; mf.read_text(\"x.eqs\")) is required",
                   b->kind);
    mf_error err;
    mf_lua_fitter_ok(L, mf_fitter_spec_set_model(b->spec, lua_tostring(L, -1), "model", &err),
                     &err);
    lua_setfield(L, b->state, "model");
}

/* The fitters a script made so far, plus one: a fitter's number names its
 * default checkpoint (signals.h), the same in a rerun of the same script. */
static int next_serial(lua_State *L)
{
    lua_getfield(L, LUA_REGISTRYINDEX, "modelfit.fitters_made");
    int n = (int)lua_tointeger(L, -1) + 1;
    lua_pop(L, 1);
    lua_pushinteger(L, n);
    lua_setfield(L, LUA_REGISTRYINDEX, "modelfit.fitters_made");
    return n;
}

static int new_fitter(lua_State *L, mf_fitter_kind kind)
{
    static const char *const valid[] = {
        "model", "input",      "output",     "dt",        "n_samples", "method", "threshold",
        "reset", "refractory", "param_init", "constants", "penalty",   NULL};
    char kind_text[64];
    snprintf(kind_text, sizeof kind_text, "mf.%s", kind_name(kind));
    luaL_checktype(L, 1, LUA_TTABLE);
    lua_settop(L, 1);
    luaL_checkstack(L, 48, kind_text);
    mf_lua_check_fields(L, 1, kind_text, valid);
    void **slot = mf_lua_box(L, spec_free_fn);
    build b = {NULL, kind_text, 0};
    mf_error err;
    mf_status st = mf_fitter_spec_new(kind, &b.spec, &err);
    *slot = b.spec;
    mf_lua_fitter_ok(L, st, &err);
    lua_createtable(L, 0, 6);
    b.state = lua_gettop(L);
    static const char *const subtables[] = {"targets", "dims", "keep"};
    for (int i = 0; i < 3; i++) {
        lua_newtable(L);
        lua_setfield(L, b.state, subtables[i]);
    }
    set_model(L, &b);
    set_table(L, &b, "constants", add_constant);
    if (mf_lua_field(L, 1, "input") == LUA_TNIL)
        luaL_error(L, "%s: input (e.g. input = {I = current}) is required", kind_text);
    lua_pop(L, 1);
    set_table(L, &b, "input", add_input);
    if (kind == MF_FITTER_SPIKES)
        set_output_spikes(L, &b);
    else {
        if (mf_lua_field(L, 1, "output") == LUA_TNIL)
            luaL_error(L, "%s: output (e.g. output = {v = voltage}) is required", kind_text);
        lua_pop(L, 1);
        set_table(L, &b, "output", add_output);
    }
    set_table(L, &b, "param_init", add_init);
    set_scalars(L, &b);
    lua_fitter *u = lua_newuserdatauv(L, sizeof *u, 1);
    memset(u, 0, sizeof *u);
    u->kind = kind;
    luaL_setmetatable(L, MF_LUA_FITTER);
    lua_pushvalue(L, b.state);
    lua_setiuservalue(L, -2, 1);
    mf_lua_fitter_ok(L, mf_fitter_new(mf_lua_context(L), b.spec, &u->f, &err), &err);
    u->serial = next_serial(L);
    return 1;
}

static int l_trace_fitter(lua_State *L)
{
    return new_fitter(L, MF_FITTER_TRACES);
}

static int l_spike_fitter(lua_State *L)
{
    return new_fitter(L, MF_FITTER_SPIKES);
}

static int l_online_fitter(lua_State *L)
{
    return new_fitter(L, MF_FITTER_ONLINE);
}

/* ---- shared by the methods ----------------------------------------------------- */

lua_fitter *mf_lua_fitter_check(lua_State *L, int idx)
{
    lua_fitter *u = luaL_checkudata(L, idx, MF_LUA_FITTER);
    if (!u->f)
        luaL_error(L, "the fitter was released");
    /* The methods keep their temporaries on the stack (a few dozen). */
    luaL_checkstack(L, 48, "fitter");
    return u;
}

/* A fitter inside fit or refine may be read (results, best_params) from a
 * callback, not run again. */
lua_fitter *mf_lua_fitter_idle(lua_State *L, const char *method)
{
    lua_fitter *u = mf_lua_fitter_check(L, 1);
    if (u->busy)
        luaL_error(L,
                   "fitter:%s cannot run inside a callback of the same fitter's fit or refine",
                   method);
    return u;
}

/* Makes slot idx the method's table argument: nil becomes {}, anything
 * else but a table is an error in the script's terms. Drops what follows. */
void mf_lua_fitter_table_arg(lua_State *L, int idx, const char *what)
{
    lua_settop(L, idx);
    if (lua_isnil(L, idx)) {
        lua_newtable(L);
        lua_replace(L, idx);
    }
    if (!lua_istable(L, idx))
        luaL_error(L, "%s: expected a table of named fields ({...}), not a %s", what,
                   luaL_typename(L, idx));
}

/* Pushes field `key` of the fitter's user value. */
int mf_lua_fitter_state(lua_State *L, int fitter, const char *key)
{
    lua_getiuservalue(L, fitter, 1);
    int type = lua_getfield(L, -1, key);
    lua_remove(L, -2);
    return type;
}

void mf_lua_fitter_push_error(lua_State *L, const mf_fitter *f, double e)
{
    mf_lua_push_quantity(L, mf_lua_fitter_quantity(e, mf_fitter_error_unit(f).dim));
}

/* {name = quantity} of a parameter vector. */
void mf_lua_fitter_push_params(lua_State *L, const mf_fitter *f, const double *x)
{
    int n = mf_fitter_n_params(f);
    lua_createtable(L, 0, n);
    for (int p = 0; p < n; p++) {
        mf_lua_push_quantity(L, mf_lua_fitter_quantity(x[p], mf_fitter_param_unit(f, p).dim));
        lua_setfield(L, -2, mf_fitter_param_name(f, p));
    }
}

int mf_lua_fitter_param_index(const mf_fitter *f, const char *name)
{
    for (int p = 0; p < mf_fitter_n_params(f); p++)
        if (strcmp(mf_fitter_param_name(f, p), name) == 0)
            return p;
    return -1;
}

/* "gl, g_na, g_kd, Cm" pushed as a string. */
const char *mf_lua_fitter_param_list(lua_State *L, const mf_fitter *f)
{
    luaL_Buffer b;
    luaL_buffinit(L, &b);
    for (int p = 0; p < mf_fitter_n_params(f); p++) {
        if (p)
            luaL_addstring(&b, ", ");
        luaL_addstring(&b, mf_fitter_param_name(f, p));
    }
    luaL_pushresult(&b);
    return lua_tostring(L, -1);
}

/* A full parameter vector from {name = quantity} at idx into x. */
static void check_param_values(lua_State *L, int idx, const mf_fitter *f, const char *what,
                               double *x)
{
    luaL_checktype(L, idx, LUA_TTABLE);
    int n = mf_fitter_n_params(f);
    lua_pushnil(L);
    while (lua_next(L, idx)) {
        lua_pop(L, 1);
        if (lua_type(L, -1) != LUA_TSTRING ||
            mf_lua_fitter_param_index(f, lua_tostring(L, -1)) < 0) {
            const char *key = luaL_tolstring(L, -1, NULL);
            luaL_error(L, "%s: '%s' is not a fitted parameter (the parameters: %s)", what, key,
                       mf_lua_fitter_param_list(L, f));
        }
    }
    for (int p = 0; p < n; p++) {
        const char *name = mf_fitter_param_name(f, p);
        char item[TEXT_MAX];
        snprintf(item, sizeof item, "%s.%s", what, name);
        if (lua_getfield(L, idx, name) == LUA_TNIL)
            luaL_error(L, "%s: no value for '%s' (every parameter needs one: %s)", what, name,
                       mf_lua_fitter_param_list(L, f));
        x[p] = mf_lua_check_si(L, -1, item, mf_fitter_param_unit(f, p));
        lua_pop(L, 1);
    }
}

/* The parameters of field `key` of the table at t, or NULL when absent:
 * a scratch vector that lives in a userdata left on the stack. */
double *mf_lua_fitter_param_values(lua_State *L, int t, const char *key, const mf_fitter *f,
                                   const char *what)
{
    int n = mf_fitter_n_params(f);
    double *x = lua_newuserdatauv(L, (size_t)(n ? n : 1) * sizeof *x, 0);
    if (mf_lua_field(L, t, key) == LUA_TNIL) {
        lua_pop(L, 1);
        return NULL;
    }
    check_param_values(L, lua_gettop(L), f, what, x);
    lua_pop(L, 1);
    return x;
}

/* ---- the type --------------------------------------------------------------------- */

static int f_gc(lua_State *L)
{
    lua_fitter *u = luaL_checkudata(L, 1, MF_LUA_FITTER);
    mf_fitter_free(u->f);
    u->f = NULL;
    return 0;
}

static int f_tostring(lua_State *L)
{
    lua_fitter *u = mf_lua_fitter_check(L, 1);
    lua_pushfstring(L, "%s (%d traces x %d steps, %d samples per round; parameters %s)",
                    kind_name(u->kind), mf_fitter_n_traces(u->f), (int)mf_fitter_n_steps(u->f),
                    mf_fitter_n_samples(u->f), mf_lua_fitter_param_list(L, u->f));
    return 1;
}

static void push_name_list(lua_State *L, int n, const char *(*name)(const mf_fitter *, int),
                           const mf_fitter *f)
{
    lua_createtable(L, n, 0);
    for (int i = 0; i < n; i++) {
        lua_pushstring(L, name(f, i));
        lua_rawseti(L, -2, i + 1);
    }
}

/* Read-only fields: kind, n_samples, n_traces, n_steps, dt, params (the
 * names), outputs, error_unit, iteration, stop_reason. */
static bool push_field(lua_State *L, const mf_fitter *f, const char *key)
{
    if (strcmp(key, "kind") == 0)
        lua_pushstring(L, kind_name(mf_fitter_get_kind(f)));
    else if (strcmp(key, "n_samples") == 0)
        lua_pushinteger(L, mf_fitter_n_samples(f));
    else if (strcmp(key, "n_traces") == 0)
        lua_pushinteger(L, mf_fitter_n_traces(f));
    else if (strcmp(key, "n_steps") == 0)
        lua_pushinteger(L, mf_fitter_n_steps(f));
    else if (strcmp(key, "dt") == 0)
        mf_lua_push_quantity(L, mf_lua_fitter_quantity(mf_fitter_dt(f), second.dim));
    else if (strcmp(key, "params") == 0)
        push_name_list(L, mf_fitter_n_params(f), mf_fitter_param_name, f);
    else if (strcmp(key, "outputs") == 0)
        push_name_list(L, mf_fitter_n_outputs(f), mf_fitter_output_name, f);
    else if (strcmp(key, "error_unit") == 0)
        mf_lua_push_quantity(L, mf_fitter_error_unit(f));
    else if (strcmp(key, "iteration") == 0)
        lua_pushinteger(L, mf_fitter_iteration(f));
    else if (strcmp(key, "stop_reason") == 0) {
        const char *why = mf_fitter_stop_reason(f);
        if (why)
            lua_pushstring(L, why);
        else
            lua_pushnil(L);
    } else
        return false;
    return true;
}

static int f_index(lua_State *L)
{
    lua_fitter *u = mf_lua_fitter_check(L, 1);
    const char *key = luaL_checkstring(L, 2);
    if (lua_getfield(L, lua_upvalueindex(1), key) != LUA_TNIL)
        return 1;
    if (push_field(L, u->f, key))
        return 1;
    return luaL_error(L,
                      "a fitter has no field '%s' (methods: fit, refine, results, best_params, "
                      "best_error, generate, save_results, plot; fields: kind, n_samples, "
                      "n_traces, n_steps, dt, params, outputs, error_unit, iteration, "
                      "stop_reason)",
                      key);
}

void mf_lua_open_fitter(lua_State *L)
{
    static const luaL_Reg methods[] = {{"fit", mf_lua_fitter_fit},
                                       {"refine", mf_lua_fitter_refine},
                                       {"results", mf_lua_fitter_results},
                                       {"best_params", mf_lua_fitter_best_params},
                                       {"best_error", mf_lua_fitter_best_error},
                                       {"generate", mf_lua_fitter_generate},
                                       {"save_results", mf_lua_fitter_save_results},
                                       {"plot", mf_lua_fitter_plot},
                                       {NULL, NULL}};
    luaL_newmetatable(L, MF_LUA_FITTER);
    luaL_newlib(L, methods);
    lua_pushcclosure(L, f_index, 1);
    lua_setfield(L, -2, "__index");
    lua_pushcfunction(L, f_gc);
    lua_setfield(L, -2, "__gc");
    lua_pushcfunction(L, f_tostring);
    lua_setfield(L, -2, "__tostring");
    lua_pushliteral(L, "fitter");
    lua_setfield(L, -2, "__name");
    lua_pop(L, 1);
    static const luaL_Reg funcs[] = {{"TraceFitter", l_trace_fitter},
                                     {"SpikeFitter", l_spike_fitter},
                                     {"OnlineTraceFitter", l_online_fitter},
                                     {NULL, NULL}};
    luaL_setfuncs(L, funcs, 0);
}

/* Fuzzes the Lua-facing option conversion of the host: tables of Lua
 * values turned into the library's settings by
 *   mf.optimizer(name, options) and mf.metric(name, options)  (lua_plugins.c:
 *       Lua values -> mf_options, validated against the plugin's table),
 *   fitter:fit{...}  (lua_fitter_fit.c, lua_fitter_guard.c: bounds,
 *       handles, n_rounds, callback, checkpoint, resume, history_file ...),
 *   mf.TraceFitter{...}  (lua_fitter.c: dt, n_samples, method, param_init,
 *       constants ...).
 * The input is not Lua source (that would fuzz Lua's parser): it is decoded
 * into Lua values (numbers with NaN, inf and extreme integers, strings from
 * a dictionary of quantities and option words or raw bytes, quantities with
 * units, lists, nested tables) under keys from the plugins' option tables
 * and the methods' field names.
 *
 * Kept safe and bounded: plugin names come from a fixed list (a name with
 * '/' would load a file), file names for checkpoint, resume and
 * history_file are replaced by files in $TMPDIR, n_rounds is at most 2 and
 * n_samples at most 8, printing callbacks become "none".
 *
 * Promises checked beyond the sanitizers: every call either succeeds or
 * raises an error whose message is a non-empty string; the Lua stack is
 * balanced afterwards. */
#include "fuzz_util.h"
#include "lua_host.h"

#include <lualib.h>

#include <math.h>

static lua_State *L;
static int mf_ref; /* the modelfit module table */
static char tmp_files[2][4096];

/* ---- the decoder ---------------------------------------------------------- */

typedef struct input {
    const uint8_t *p;
    size_t n, at;
} input;

static unsigned byte(input *in)
{
    return in->at < in->n ? in->p[in->at++] : 0;
}

static bool more(const input *in)
{
    return in->at < in->n;
}

static const char *const WORDS[] = {
    "0.5",
    "1",
    "-1",
    "0",
    "1e400",
    "nan",
    "inf",
    "true",
    "false",
    "5*ms",
    "-65*mV",
    "2*nS",
    "0.1*ms",
    "1*mV",
    "3*second",
    "1/ms",
    "mV",
    "ms**2",
    "10*Mohm",
    "abc",
    "",
    " ",
    "rand1",
    "best1",
    "currenttobest1",
    "El,tau",
    "El",
    "tau",
    "euler",
    "rk4",
    "exponential_euler",
    "gsl_rkf45",
    "text",
    "progressbar",
    "none",
    "v > -50*mV",
    "v = -70*mV",
    "2*ms",
    "El*2",
    "v*v",
    "*",
    "1e-320",
    "mse",
    "gamma",
    "de",
    "random",
    "grid",
    "9223372036854775807",
};
enum { N_WORDS = sizeof WORDS / sizeof WORDS[0] };

/* Option names of every plugin found, then the methods' fields. */
static const char *keys[256];
static int n_keys;

static const char *const FIELDS[] = {
    "optimizer",
    "metric",
    "n_rounds",
    "callback",
    "restart",
    "start_iteration",
    "params",
    "checkpoint",
    "checkpoint_every",
    "resume",
    "history_file",
    "El",
    "tau",
    "model",
    "input",
    "output",
    "dt",
    "n_samples",
    "method",
    "threshold",
    "reset",
    "refractory",
    "param_init",
    "constants",
    "penalty",
    "v",
    "I",
    "R",
    "seed",
    "foo",
};

static const char *const UNITS[] = {"ms", "mV", "nS", "volt", "second", "Mohm", "nA", "pF"};

static void push_value(input *in, int depth);

static void push_number(input *in, bool integer)
{
    static const int64_t INTS[] = {0, 1, -1, 2, 7, 1000000001, INT32_MAX, INT64_MAX, INT64_MIN};
    static const double REALS[] = {0.0, -0.0, 0.5, 1e-3, -2.5, 1e308, 1e-310, 1e9};
    unsigned k = byte(in);
    if (integer) {
        lua_pushinteger(L, k < 200 ? (lua_Integer)(int8_t)k : INTS[k % 9]);
        return;
    }
    if (k < 200) {
        lua_pushnumber(L, REALS[k % 8] * (k / 8 + 1));
        return;
    }
    double special[] = {NAN, INFINITY, -INFINITY, 0x1p-1074, 1.5};
    lua_pushnumber(L, special[k % 5]);
}

static void push_string(input *in)
{
    unsigned k = byte(in);
    if (k < 200) {
        lua_pushstring(L, WORDS[k % N_WORDS]);
        return;
    }
    size_t len = byte(in) % 24;
    char buf[24];
    for (size_t i = 0; i < len; i++)
        buf[i] = (char)byte(in);
    lua_pushlstring(L, buf, len);
}

/* mf.units[u] * x */
static void push_quantity(input *in)
{
    lua_rawgeti(L, LUA_REGISTRYINDEX, mf_ref);
    lua_getfield(L, -1, "units");
    lua_getfield(L, -1, UNITS[byte(in) % 8]);
    lua_replace(L, -3);
    lua_pop(L, 1);
    push_number(in, false);
    lua_arith(L, LUA_OPMUL);
}

static void push_table(input *in, int depth, bool keyed)
{
    int n = (int)(byte(in) % 5);
    lua_createtable(L, keyed ? 0 : n, keyed ? n : 0);
    for (int i = 0; i < n && more(in); i++) {
        if (keyed)
            lua_pushstring(L, keys[byte(in) % n_keys]);
        push_value(in, depth + 1);
        if (keyed)
            lua_rawset(L, -3);
        else
            lua_rawseti(L, -2, i + 1);
    }
}

static void push_value(input *in, int depth)
{
    switch (byte(in) % (depth < 3 ? 9 : 7)) {
    case 0: lua_pushboolean(L, byte(in) & 1); break;
    case 1: push_number(in, true); break;
    case 2: push_number(in, false); break;
    case 3: push_string(in); break;
    case 4: push_quantity(in); break;
    case 5: lua_pushnil(L); break;
    case 6: lua_newtable(L); break;
    case 7: push_table(in, depth, false); break;
    default: push_table(in, depth, true); break;
    }
}

/* ---- the calls ---------------------------------------------------------------- */

/* Lua: local mf, kind, opts = ...; runs one conversion. The fitter's data
 * are tiny: 1 trace of 10 steps. */
static const char *const DRIVER =
    "local mf, kind, a, b = ...\n"
    "local u = mf.units\n"
    "if kind == 0 then return mf.optimizer(a, b) end\n"
    "if kind == 1 then return mf.metric(a, b) end\n"
    "local input, target = mf.zeros(1, 10) * u.nA, mf.zeros(1, 10) * u.volt\n"
    "if kind == 2 then\n"
    "  local f = mf.TraceFitter{model = 'dv/dt = (El - v + R*I)/tau : volt\\n"
    "El : volt (constant)\\ntau : second (constant)', constants = {R = 100*u.Mohm},\n"
    "    input = {I = input}, output = {v = target}, dt = 0.1*u.ms, n_samples = 4}\n"
    "  if b.optimizer == nil then b.optimizer = mf.optimizer('random', {seed = 1}) end\n"
    "  if b.params == nil then b.params = {El = {-90*u.mV, -50*u.mV}, tau = {1*u.ms, 50*u.ms}} "
    "end\n"
    "  return f:fit(b)\n"
    "end\n"
    "local args = {model = 'dv/dt = (El - v)/tau : volt\\nEl : volt (constant)\\n"
    "tau : second (constant)', output = {v = target}, dt = 0.1*u.ms}\n"
    "for k, v in pairs(b) do args[k] = v end\n"
    "return mf.TraceFitter(args)\n";
static int driver_ref;

/* Makes the fuzzed table safe to run (see the header). */
static void tame(int t)
{
    static const char *const files[] = {"checkpoint", "history_file", "resume"};
    for (int i = 0; i < 3; i++) {
        lua_getfield(L, t, files[i]);
        if (lua_type(L, -1) == LUA_TSTRING && lua_rawlen(L, -1) > 0) {
            lua_pushstring(L, tmp_files[i % 2]);
            lua_setfield(L, t, files[i]);
        }
        lua_pop(L, 1);
    }
    lua_getfield(L, t, "n_rounds");
    if (lua_isinteger(L, -1) && lua_tointeger(L, -1) > 2) {
        lua_pushinteger(L, 2);
        lua_setfield(L, t, "n_rounds");
    }
    lua_pop(L, 1);
    lua_getfield(L, t, "n_samples");
    if (lua_isinteger(L, -1) && lua_tointeger(L, -1) > 8) {
        lua_pushinteger(L, 8);
        lua_setfield(L, t, "n_samples");
    }
    lua_pop(L, 1);
    lua_getfield(L, t, "callback");
    if (lua_type(L, -1) == LUA_TSTRING || lua_isnil(L, -1)) {
        const char *s = lua_tostring(L, -1);
        if (!s || strcmp(s, "text") == 0 || strncmp(s, "progress", 8) == 0) {
            lua_pushliteral(L, "none");
            lua_setfield(L, t, "callback");
        }
    }
    lua_pop(L, 1);
}

static void collect_keys(mf_context *ctx)
{
    size_t n = 0;
    mf_error e;
    if (mf_plugins_count(ctx, &n, &e) != MF_OK)
        abort();
    for (size_t i = 0; i < n; i++) {
        const mf_plugin *d = mf_plugin_info_descriptor(mf_plugins_at(ctx, i));
        const char *opt = (const char *)d->options;
        for (uint32_t j = 0; j < d->n_options && n_keys < 200; j++)
            keys[n_keys++] = ((const mf_option_spec *)(opt + (size_t)j * d->option_size))->name;
    }
    for (size_t i = 0; i < sizeof FIELDS / sizeof FIELDS[0]; i++)
        keys[n_keys++] = FIELDS[i];
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc, (void)argv;
    mf_context *ctx;
    mf_error e;
    if (mf_context_new(&ctx, &e) != MF_OK || mf_context_set_backend(ctx, "interp", &e) != MF_OK)
        abort();
    mf_context_set_threads(ctx, 1);
    collect_keys(ctx);
    const char *dir = getenv("TMPDIR");
    for (int i = 0; i < 2; i++)
        snprintf(tmp_files[i], sizeof tmp_files[i], "%s/mf-fuzz-lua-%ld-%d",
                 dir && *dir ? dir : "/tmp", (long)getpid(), i);
    L = luaL_newstate();
    if (!L)
        abort();
    /* Only the libraries the driver needs: no io, no os. */
    luaL_requiref(L, LUA_GNAME, luaopen_base, 1);
    luaL_requiref(L, LUA_LOADLIBNAME, luaopen_package, 1);
    lua_settop(L, 0);
    mf_lua_preload(L, ctx);
    lua_getglobal(L, "require");
    lua_pushliteral(L, "modelfit");
    if (lua_pcall(L, 1, 1, 0) != LUA_OK)
        abort();
    mf_ref = luaL_ref(L, LUA_REGISTRYINDEX);
    if (luaL_loadstring(L, DRIVER) != LUA_OK) {
        fprintf(stderr, "driver: %s\n", lua_tostring(L, -1));
        abort();
    }
    driver_ref = luaL_ref(L, LUA_REGISTRYINDEX);
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const char *const OPTIMIZERS[] = {"random", "grid", "de", "nosuch"};
    static const char *const METRICS[] = {"mse", "gamma", "nosuch"};
    input in = {data, size, 0};
    int kind = (int)(byte(&in) % 4);
    lua_rawgeti(L, LUA_REGISTRYINDEX, driver_ref);
    lua_rawgeti(L, LUA_REGISTRYINDEX, mf_ref);
    lua_pushinteger(L, kind);
    lua_pushstring(L, kind == 0 ? OPTIMIZERS[byte(&in) % 4] : METRICS[byte(&in) % 3]);
    if (byte(&in) % 8 == 0) {
        push_value(&in, 0); /* sometimes not a table at all */
    } else {
        lua_newtable(L);
        while (more(&in)) {
            lua_pushstring(L, keys[byte(&in) % n_keys]);
            push_value(&in, 0);
            lua_rawset(L, -3);
        }
    }
    if (lua_istable(L, -1))
        tame(lua_gettop(L));
    if (lua_pcall(L, 4, LUA_MULTRET, 0) != LUA_OK) {
        FUZZ_CHECK(lua_type(L, -1) == LUA_TSTRING, "error value is a %s", luaL_typename(L, -1));
        FUZZ_CHECK(lua_rawlen(L, -1) > 0, "empty error message");
    }
    lua_settop(L, 0);
    /* Collect now, so a leak shows up at exit and finalizers run here. */
    lua_gc(L, LUA_GCCOLLECT);
    unlink(tmp_files[0]);
    unlink(tmp_files[1]);
    return 0;
}

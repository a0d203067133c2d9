/* Plugins from Lua: mf.optimizer(name_or_path, options), mf.metric(...),
 * mf.plugins(). Options are converted to an mf_options bag and validated
 * by the library against the plugin's table, so its messages (an unknown
 * option with the valid ones, a wrong unit) reach the script unchanged. */
#include "lua_host.h"

#include <string.h>

typedef struct lua_optimizer {
    mf_optimizer *opt;
} lua_optimizer;

typedef struct lua_metric {
    mf_metric *metric;
} lua_metric;

static void options_free_fn(void *p)
{
    mf_options_free(p);
}

/* Sets one option from the value on the stack top. */
static void set_option(lua_State *L, mf_options *o, const char *name, const char *what)
{
    mf_error err;
    mf_status st;
    mf_quantity q;
    int type = lua_type(L, -1);
    if (type == LUA_TBOOLEAN)
        st = mf_options_set_bool(o, name, lua_toboolean(L, -1), &err);
    else if (type == LUA_TNUMBER && lua_isinteger(L, -1))
        st = mf_options_set_int(o, name, (int64_t)lua_tointeger(L, -1), &err);
    else if (type == LUA_TNUMBER)
        st = mf_options_set_double(o, name, lua_tonumber(L, -1), &err);
    else if (type == LUA_TSTRING)
        st = mf_options_set_string(o, name, lua_tostring(L, -1), &err);
    else if (type == LUA_TUSERDATA && luaL_testudata(L, -1, MF_LUA_QUANTITY)) {
        mf_lua_to_quantity(L, -1, &q, what);
        st = mf_options_set_quantity(o, name, q.value, q.dim, &err);
    } else if (type == LUA_TTABLE || mf_lua_test_array(L, -1) ||
               luaL_testudata(L, -1, MF_LUA_ROW)) {
        mf_lua_array *a = mf_lua_check_array(L, -1, name);
        st = mf_options_set_array(o, name, mf_array_cdata(a->a),
                                  mf_array_rows(a->a) * mf_array_cols(a->a), &err);
    } else {
        luaL_error(L,
                   "%s: option '%s' is a %s; options are numbers, booleans, strings, "
                   "quantities or lists of numbers",
                   what, name, luaL_typename(L, -1));
        return;
    }
    if (st != MF_OK)
        mf_lua_raise(L, &err);
}

mf_options *mf_lua_check_options(lua_State *L, int idx, const char *what)
{
    idx = lua_absindex(L, idx);
    if (!lua_isnoneornil(L, idx) && !lua_istable(L, idx))
        luaL_error(L, "%s: options must be a table (e.g. {seed = 1}), not a %s", what,
                   luaL_typename(L, idx));
    bool given = !lua_isnoneornil(L, idx);
    void **slot = mf_lua_box(L, options_free_fn);
    mf_options *o = NULL;
    mf_error err;
    mf_status st = mf_options_new(&o, &err);
    *slot = o;
    if (st != MF_OK)
        mf_lua_raise(L, &err);
    if (!given)
        return o;
    lua_pushnil(L);
    while (lua_next(L, idx)) {
        if (lua_type(L, -2) != LUA_TSTRING)
            luaL_error(L, "%s: option names must be strings (name = value)", what);
        set_option(L, o, lua_tostring(L, -2), what);
        lua_pop(L, 1);
    }
    return o;
}

/* ---- handles ----------------------------------------------------------------- */

mf_optimizer *mf_lua_check_optimizer(lua_State *L, int idx)
{
    lua_optimizer *u = luaL_checkudata(L, idx, MF_LUA_OPTIMIZER);
    if (!u->opt)
        luaL_error(L, "the optimizer was released");
    return u->opt;
}

mf_metric *mf_lua_check_metric(lua_State *L, int idx)
{
    lua_metric *u = luaL_checkudata(L, idx, MF_LUA_METRIC);
    if (!u->metric)
        luaL_error(L, "the metric was released");
    return u->metric;
}

static int optimizer_gc(lua_State *L)
{
    lua_optimizer *u = luaL_checkudata(L, 1, MF_LUA_OPTIMIZER);
    mf_optimizer_free(u->opt);
    u->opt = NULL;
    return 0;
}

static int metric_gc(lua_State *L)
{
    lua_metric *u = luaL_checkudata(L, 1, MF_LUA_METRIC);
    mf_metric_free(u->metric);
    u->metric = NULL;
    return 0;
}

/* Fields every plugin handle has: name, file, version, summary. */
static bool push_plugin_field(lua_State *L, const mf_plugin_info *info, const char *key)
{
    const mf_plugin *d = mf_plugin_info_descriptor(info);
    if (strcmp(key, "name") == 0)
        lua_pushstring(L, d->name);
    else if (strcmp(key, "file") == 0)
        lua_pushstring(L, mf_plugin_info_file(info));
    else if (strcmp(key, "version") == 0)
        lua_pushstring(L, d->version ? d->version : "");
    else if (strcmp(key, "summary") == 0)
        lua_pushstring(L, d->summary ? d->summary : "");
    else
        return false;
    return true;
}

static int optimizer_index(lua_State *L)
{
    mf_optimizer *opt = mf_lua_check_optimizer(L, 1);
    const char *key = luaL_checkstring(L, 2);
    if (push_plugin_field(L, mf_optimizer_plugin(opt), key))
        return 1;
    return luaL_error(L, "an optimizer has no field '%s' (name, file, version, summary)", key);
}

static int metric_index(lua_State *L)
{
    mf_metric *m = mf_lua_check_metric(L, 1);
    const char *key = luaL_checkstring(L, 2);
    if (push_plugin_field(L, mf_metric_plugin(m), key))
        return 1;
    if (strcmp(key, "kind") == 0) {
        lua_pushstring(L, mf_metric_kind(m) == MF_METRIC_SPIKES ? "spikes" : "traces");
        return 1;
    }
    if (strcmp(key, "error_power") == 0) {
        lua_pushinteger(L, mf_metric_error_power(m));
        return 1;
    }
    return luaL_error(
        L, "a metric has no field '%s' (name, file, version, summary, kind, error_power)", key);
}

static int optimizer_tostring(lua_State *L)
{
    mf_optimizer *opt = mf_lua_check_optimizer(L, 1);
    lua_pushfstring(L, "optimizer %s (%s)", mf_optimizer_name(opt),
                    mf_plugin_info_file(mf_optimizer_plugin(opt)));
    return 1;
}

static int metric_tostring(lua_State *L)
{
    mf_metric *m = mf_lua_check_metric(L, 1);
    lua_pushfstring(L, "metric %s (%s)", mf_metric_name(m),
                    mf_plugin_info_file(mf_metric_plugin(m)));
    return 1;
}

/* ---- module functions ----------------------------------------------------- */

/* mf.optimizer(name_or_path [, options]) */
static int l_optimizer(lua_State *L)
{
    const char *name = luaL_checkstring(L, 1);
    mf_options *o = mf_lua_check_options(L, 2, "mf.optimizer");
    lua_optimizer *u = lua_newuserdatauv(L, sizeof *u, 0);
    u->opt = NULL;
    luaL_setmetatable(L, MF_LUA_OPTIMIZER);
    mf_error err;
    if (mf_optimizer_new(mf_lua_context(L), name, o, &u->opt, &err) != MF_OK)
        return mf_lua_raise(L, &err);
    return 1;
}

/* mf.metric(name_or_path [, options]) */
static int l_metric(lua_State *L)
{
    const char *name = luaL_checkstring(L, 1);
    mf_options *o = mf_lua_check_options(L, 2, "mf.metric");
    lua_metric *u = lua_newuserdatauv(L, sizeof *u, 0);
    u->metric = NULL;
    luaL_setmetatable(L, MF_LUA_METRIC);
    mf_error err;
    if (mf_metric_new(mf_lua_context(L), name, o, &u->metric, &err) != MF_OK)
        return mf_lua_raise(L, &err);
    return 1;
}

static void push_option_spec(lua_State *L, const mf_option_spec *s)
{
    char def[128];
    lua_createtable(L, 0, 6);
    lua_pushstring(L, s->name);
    lua_setfield(L, -2, "name");
    lua_pushstring(L, mf_plugin_option_type_name(s->type));
    lua_setfield(L, -2, "type");
    lua_pushstring(L, mf_plugin_option_default(s, def, sizeof def));
    lua_setfield(L, -2, "default");
    if (s->unit) {
        lua_pushstring(L, s->unit);
        lua_setfield(L, -2, "unit");
    }
    if (s->choices) {
        lua_pushstring(L, s->choices);
        lua_setfield(L, -2, "choices");
    }
    lua_pushstring(L, s->help ? s->help : "");
    lua_setfield(L, -2, "help");
}

static void push_plugin_entry(lua_State *L, const mf_plugin_info *info)
{
    const mf_plugin *d = mf_plugin_info_descriptor(info);
    lua_createtable(L, 0, 8);
    static const char *const fields[] = {"name", "file", "version", "summary"};
    for (size_t i = 0; i < sizeof fields / sizeof fields[0]; i++) {
        push_plugin_field(L, info, fields[i]);
        lua_setfield(L, -2, fields[i]);
    }
    lua_pushstring(L, mf_plugin_kind_name(d->kind));
    lua_setfield(L, -2, "kind");
    lua_pushfstring(L, "%d.%d", (int)(d->abi_version >> 16), (int)(d->abi_version & 0xffff));
    lua_setfield(L, -2, "abi");
    lua_pushboolean(L, mf_plugin_info_shadowed(info));
    lua_setfield(L, -2, "shadowed");
    lua_createtable(L, (int)d->n_options, 0);
    for (uint32_t i = 0; i < d->n_options; i++) {
        push_option_spec(L, &d->options[i]);
        lua_rawseti(L, -2, (lua_Integer)i + 1);
    }
    lua_setfield(L, -2, "options");
}

/* mf.plugins(): every plugin found, in discovery order, as tables {name,
 * kind, version, abi, file, summary, shadowed, options = {{name, type,
 * default, unit, choices, help}, ...}}. */
static int l_plugins(lua_State *L)
{
    mf_context *ctx = mf_lua_context(L);
    size_t n;
    mf_error err;
    if (mf_plugins_count(ctx, &n, &err) != MF_OK)
        return mf_lua_raise(L, &err);
    lua_createtable(L, (int)n, 0);
    for (size_t i = 0; i < n; i++) {
        push_plugin_entry(L, mf_plugins_at(ctx, i));
        lua_rawseti(L, -2, (lua_Integer)i + 1);
    }
    return 1;
}

static void new_handle_type(lua_State *L, const char *tname, const char *shown,
                            lua_CFunction gc, lua_CFunction index, lua_CFunction tostring)
{
    luaL_newmetatable(L, tname);
    lua_pushcfunction(L, gc);
    lua_setfield(L, -2, "__gc");
    lua_pushcfunction(L, index);
    lua_setfield(L, -2, "__index");
    lua_pushcfunction(L, tostring);
    lua_setfield(L, -2, "__tostring");
    lua_pushstring(L, shown);
    lua_setfield(L, -2, "__name");
    lua_pop(L, 1);
}

void mf_lua_open_plugins(lua_State *L)
{
    new_handle_type(L, MF_LUA_OPTIMIZER, "optimizer", optimizer_gc, optimizer_index,
                    optimizer_tostring);
    new_handle_type(L, MF_LUA_METRIC, "metric", metric_gc, metric_index, metric_tostring);
    static const luaL_Reg funcs[] = {
        {"optimizer", l_optimizer}, {"metric", l_metric}, {"plugins", l_plugins}, {NULL, NULL}};
    luaL_setfuncs(L, funcs, 0);
}

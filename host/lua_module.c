/* `require "modelfit"`: the module table, the context it is bound to, and
 * the error conversion every binding uses. */
#include "lua_fitter.h"
#include "lua_host.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Registry key: the address of this constant is unique. */
static const char context_key = 'c';

/* mf.set_backend(name): the context's backend for every later simulate,
 * fit, refine and generate (mf_context_set_backend). */
static int set_backend(lua_State *L)
{
    mf_error err;
    if (mf_context_set_backend(mf_lua_context(L), luaL_checkstring(L, 1), &err) != MF_OK)
        return mf_lua_raise(L, &err);
    return 0;
}

/* mf.backend(): the name set, "auto" by default. */
static int get_backend(lua_State *L)
{
    lua_pushstring(L, mf_context_backend(mf_lua_context(L)));
    return 1;
}

/* Hides the host's metatables from scripts: getmetatable(x) returns the
 * type's name instead, so a script cannot call __gc by hand and free an
 * object that a fitter still uses (a crash, not a Lua error). The debug
 * library stays as unsafe as it always is. */
static void seal_metatables(lua_State *L)
{
    static const char *const names[] = {MF_LUA_QUANTITY,  MF_LUA_ARRAY,  MF_LUA_ROW,
                                        MF_LUA_OPTIMIZER, MF_LUA_METRIC, MF_LUA_PROGRESS,
                                        MF_LUA_FITTER};
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
        if (luaL_getmetatable(L, names[i]) == LUA_TTABLE) {
            lua_pushstring(L, names[i]);
            lua_setfield(L, -2, "__metatable");
        }
        lua_pop(L, 1);
    }
}

static int open_module(lua_State *L)
{
    lua_newtable(L);
    mf_lua_open_quantity(L);
    mf_lua_open_array(L);
    mf_lua_open_spikes(L);
    mf_lua_open_data(L);
    mf_lua_open_plugins(L);
    mf_lua_open_simulate(L);
    mf_lua_open_plot(L);
    mf_lua_open_progress(L);
    mf_lua_open_fitter(L);
    /* Later bindings add their opener here. */
    seal_metatables(L);
    lua_pushcfunction(L, set_backend);
    lua_setfield(L, -2, "set_backend");
    lua_pushcfunction(L, get_backend);
    lua_setfield(L, -2, "backend");
    lua_pushstring(L, mf_version());
    lua_setfield(L, -2, "version");
    return 1;
}

void mf_lua_preload(lua_State *L, mf_context *ctx)
{
    lua_pushlightuserdata(L, ctx);
    lua_rawsetp(L, LUA_REGISTRYINDEX, &context_key);
    luaL_getsubtable(L, LUA_REGISTRYINDEX, LUA_PRELOAD_TABLE);
    lua_pushcfunction(L, open_module);
    lua_setfield(L, -2, "modelfit");
    lua_pop(L, 1);
}

mf_context *mf_lua_context(lua_State *L)
{
    lua_rawgetp(L, LUA_REGISTRYINDEX, &context_key);
    mf_context *ctx = lua_touserdata(L, -1);
    lua_pop(L, 1);
    if (!ctx)
        luaL_error(L, "the modelfit module has no context (internal error)");
    return ctx;
}

char *mf_lua_clean_message(const char *message, char *buf, size_t n)
{
    if (n == 0)
        return buf;
    const char *word = "error: ";
    size_t wlen = strlen(word);
    const char *cut = NULL;
    if (strncmp(message, word, wlen) == 0)
        cut = message;
    else {
        /* "place: error: text": the word right after the library's place. */
        const char *p = strstr(message, ": error: ");
        if (p)
            cut = p + 2;
    }
    size_t j = 0;
    for (const char *s = message; *s && j + 1 < n; s++) {
        if (s == cut) {
            s += wlen - 1;
            continue;
        }
        buf[j++] = (*s == '\n' || *s == '\r') ? ' ' : *s;
    }
    buf[j] = '\0';
    return buf;
}

int mf_lua_raise(lua_State *L, const mf_error *err)
{
    char clean[MF_ERROR_MESSAGE_MAX];
    mf_lua_clean_message(err->message[0] ? err->message : mf_status_string(err->status), clean,
                         sizeof clean);
    return luaL_error(L, "%s", clean);
}

int mf_lua_field(lua_State *L, int t, const char *key)
{
    return lua_getfield(L, t, key);
}

void mf_lua_check_fields(lua_State *L, int t, const char *kind, const char *const *valid)
{
    lua_pushnil(L);
    while (lua_next(L, t)) {
        lua_pop(L, 1);
        if (lua_type(L, -1) != LUA_TSTRING)
            continue;
        const char *key = lua_tostring(L, -1);
        bool known = false;
        for (const char *const *v = valid; *v && !known; v++)
            known = strcmp(*v, key) == 0;
        if (known)
            continue;
        luaL_Buffer b;
        luaL_buffinit(L, &b);
        for (const char *const *v = valid; *v; v++) {
            if (v != valid)
                luaL_addstring(&b, ", ");
            luaL_addstring(&b, *v);
        }
        luaL_pushresult(&b);
        luaL_error(L, "%s: unknown field '%s' (valid: %s)", kind, key, lua_tostring(L, -1));
    }
}

static int compare_names(const void *a, const void *b)
{
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* The keys are collected, checked and sorted first; the table keeps them
 * alive while fn runs. */
size_t mf_lua_count_names(lua_State *L, int t, const char *what)
{
    if (!lua_istable(L, t))
        luaL_error(L, "%s must be a table of name = value entries, not a %s", what,
                   luaL_typename(L, t));
    size_t n = 0;
    lua_pushnil(L);
    while (lua_next(L, t)) {
        lua_pop(L, 1);
        if (lua_type(L, -1) != LUA_TSTRING)
            luaL_error(L, "%s: expected name = value entries, found a %s key", what,
                       luaL_typename(L, -1));
        n++;
    }
    return n;
}

void mf_lua_each_sorted(lua_State *L, int t, const char *what, mf_lua_entry_fn fn, void *user)
{
    size_t n = mf_lua_count_names(L, t, what);
    const char **names = lua_newuserdatauv(L, (n ? n : 1) * sizeof *names, 0);
    int names_slot = lua_gettop(L);
    size_t i = 0;
    lua_pushnil(L);
    while (lua_next(L, t)) {
        lua_pop(L, 1);
        names[i++] = lua_tostring(L, -1);
    }
    qsort(names, n, sizeof *names, compare_names);
    for (i = 0; i < n; i++) {
        lua_getfield(L, t, names[i]);
        fn(L, names[i], lua_gettop(L), user);
        lua_settop(L, names_slot);
    }
    lua_pop(L, 1);
}

/* Data files from Lua: mf.read_csv, mf.read_npy, mf.write_csv,
 * mf.read_spikes (over the library's readers, whose messages name the file
 * and place) and mf.read_text. */
#include "lua_host.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* A model or text file is small; refuse to read something huge by mistake. */
enum { MAX_TEXT_BYTES = 64 << 20 };

static mf_csv_layout check_layout(lua_State *L, int opts)
{
    static const char *const valid[] = {"layout", NULL};
    if (lua_isnoneornil(L, opts))
        return MF_CSV_AUTO;
    luaL_checktype(L, opts, LUA_TTABLE);
    mf_lua_check_fields(L, opts, "mf.read_csv options", valid);
    mf_lua_field(L, opts, "layout");
    const char *layout = lua_isnil(L, -1) ? "auto" : luaL_checkstring(L, -1);
    lua_pop(L, 1);
    if (strcmp(layout, "auto") == 0)
        return MF_CSV_AUTO;
    if (strcmp(layout, "plain") == 0)
        return MF_CSV_PLAIN;
    if (strcmp(layout, "pandas") == 0)
        return MF_CSV_PANDAS;
    return luaL_error(L, "mf.read_csv: unknown layout '%s' (valid: auto, plain, pandas)",
                      layout);
}

/* mf.read_csv(path [, {layout = "auto" | "plain" | "pandas"}]): an array
 * without unit, one row a line. */
static int l_read_csv(lua_State *L)
{
    const char *path = luaL_checkstring(L, 1);
    mf_csv_layout layout = check_layout(L, 2);
    mf_lua_array *u = mf_lua_push_array(L, NULL, NULL);
    mf_error err;
    if (mf_read_csv(path, layout, &u->a, &err) != MF_OK)
        return mf_lua_raise(L, &err);
    return 1;
}

/* mf.read_npy(path): float64 or float32, 1-D (one row) or 2-D. */
static int l_read_npy(lua_State *L)
{
    const char *path = luaL_checkstring(L, 1);
    mf_lua_array *u = mf_lua_push_array(L, NULL, NULL);
    mf_error err;
    if (mf_read_npy(path, &u->a, &err) != MF_OK)
        return mf_lua_raise(L, &err);
    return 1;
}

/* The header option: a string written as is, or a list of column names
 * joined with commas. Pushes the text (or nil). */
static void push_header(lua_State *L, int opts)
{
    int type = mf_lua_field(L, opts, "header");
    if (type == LUA_TNIL || type == LUA_TSTRING)
        return;
    if (type != LUA_TTABLE)
        luaL_error(L, "mf.write_csv: header must be a string or a list of names, not a %s",
                   lua_typename(L, type));
    int t = lua_gettop(L);
    luaL_Buffer b;
    luaL_buffinit(L, &b);
    for (lua_Integer i = 1; i <= (lua_Integer)lua_rawlen(L, t); i++) {
        if (i > 1)
            luaL_addchar(&b, ',');
        lua_rawgeti(L, t, i);
        if (!lua_isstring(L, -1))
            luaL_error(L, "mf.write_csv: header entry %d is a %s, not a name", (int)i,
                       luaL_typename(L, -1));
        luaL_addvalue(&b);
    }
    luaL_pushresult(&b);
    lua_remove(L, t);
}

/* The array at idx in the `unit` option (the file's numbers are in that
 * unit; without one, an array with a unit is written in SI). May push a
 * converted copy. */
static mf_lua_array *in_unit(lua_State *L, int idx, int opts)
{
    mf_lua_array *u = mf_lua_check_array(L, idx, "mf.write_csv's array");
    if (!opts)
        return u;
    if (mf_lua_field(L, opts, "unit") == LUA_TNIL) {
        lua_pop(L, 1);
        return u;
    }
    mf_quantity unit = mf_lua_check_quantity(L, -1, "mf.write_csv's unit");
    lua_pop(L, 1);
    if (!mf_lua_same_dim(unit.dim, u->dim)) {
        char a[96], b[96];
        mf_quantity_unit_string(u->dim, a, sizeof a);
        mf_quantity_unit_string(unit.dim, b, sizeof b);
        luaL_error(L, "mf.write_csv: the array has unit %s but the unit option has unit %s", a,
                   b);
    }
    size_t n = mf_array_rows(u->a) * mf_array_cols(u->a);
    mf_lua_array *out = mf_lua_new_array(L, mf_array_rows(u->a), mf_array_cols(u->a), NULL);
    for (size_t i = 0; i < n; i++)
        mf_array_data(out->a)[i] = mf_array_cdata(u->a)[i] / unit.value;
    return out;
}

/* mf.write_csv(path, array [, {header = "a,b" or {"a", "b"}, unit = u.mV}]) */
static int l_write_csv(lua_State *L)
{
    static const char *const valid[] = {"header", "unit", NULL};
    const char *path = luaL_checkstring(L, 1);
    lua_settop(L, 3);
    int opts = 0;
    if (!lua_isnil(L, 3)) {
        luaL_checktype(L, 3, LUA_TTABLE);
        mf_lua_check_fields(L, 3, "mf.write_csv options", valid);
        opts = 3;
    }
    mf_lua_array *u = in_unit(L, 2, opts);
    const char *header = NULL;
    if (opts) {
        push_header(L, opts);
        header = lua_tostring(L, -1);
    }
    mf_error err;
    if (mf_write_csv(path, u->a, header, &err) != MF_OK)
        return mf_lua_raise(L, &err);
    return 0;
}

static void spike_trains_free_fn(void *p)
{
    mf_spike_trains_free(p);
}

/* mf.read_spikes(path): one train a line; a list of lists of times. */
static int l_read_spikes(lua_State *L)
{
    const char *path = luaL_checkstring(L, 1);
    void **slot = mf_lua_box(L, spike_trains_free_fn);
    mf_spike_trains *s = NULL;
    mf_error err;
    mf_status st = mf_read_spike_csv(path, &s, &err);
    *slot = s;
    if (st != MF_OK)
        return mf_lua_raise(L, &err);
    mf_lua_push_spike_trains(L, s);
    return 1;
}

static void file_free_fn(void *p)
{
    fclose(p);
}

/* mf.read_text(path): the whole file as a string (a model's equations). */
static int l_read_text(lua_State *L)
{
    const char *path = luaL_checkstring(L, 1);
    void **slot = mf_lua_box(L, file_free_fn);
    FILE *f = fopen(path, "rb");
    if (!f)
        return luaL_error(L, "%s: cannot open: %s", path, strerror(errno));
    *slot = f;
    luaL_Buffer b;
    luaL_buffinit(L, &b);
    size_t total = 0, got;
    do {
        char *p = luaL_prepbuffer(&b);
        got = fread(p, 1, LUAL_BUFFERSIZE, f);
        luaL_addsize(&b, got);
        total += got;
        if (total > MAX_TEXT_BYTES)
            return luaL_error(L, "%s: larger than %d MiB, not a text file for a script", path,
                              MAX_TEXT_BYTES >> 20);
    } while (got == LUAL_BUFFERSIZE);
    if (ferror(f))
        return luaL_error(L, "%s: cannot read: %s", path, strerror(errno));
    luaL_pushresult(&b);
    return 1;
}

void mf_lua_open_data(lua_State *L)
{
    static const luaL_Reg funcs[] = {{"read_csv", l_read_csv},   {"read_npy", l_read_npy},
                                     {"write_csv", l_write_csv}, {"read_spikes", l_read_spikes},
                                     {"read_text", l_read_text}, {NULL, NULL}};
    luaL_setfuncs(L, funcs, 0);
}

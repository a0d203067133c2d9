/* mf.progress{total = n, tty = nil | true | false, stream = "stderr"}: the
 * fit's progress printer (progress.c) from Lua, for scripts with their
 * own loops and for testing the printer. p:update(done, best_error),
 * p:finish(). The fitter binding calls progress.c directly. */
#include "lua_host.h"
#include "progress.h"

#include <string.h>

static int p_update(lua_State *L)
{
    mf_progress *p = luaL_checkudata(L, 1, MF_LUA_PROGRESS);
    int done = (int)luaL_checkinteger(L, 2);
    const char *best = lua_isnoneornil(L, 3) ? NULL : luaL_tolstring(L, 3, NULL);
    if (lua_isnoneornil(L, 4))
        mf_progress_update(p, done, best);
    else
        mf_progress_update_at(p, done, best, luaL_checknumber(L, 4));
    return 0;
}

static int p_finish(lua_State *L)
{
    mf_progress_finish(luaL_checkudata(L, 1, MF_LUA_PROGRESS));
    return 0;
}

static int l_progress(lua_State *L)
{
    static const char *const valid[] = {"total", "tty", "stream", NULL};
    luaL_checktype(L, 1, LUA_TTABLE);
    mf_lua_check_fields(L, 1, "mf.progress", valid);
    mf_lua_field(L, 1, "total");
    int total = (int)luaL_optinteger(L, -1, 0);
    int tty = mf_lua_field(L, 1, "tty") == LUA_TNIL ? -1 : lua_toboolean(L, -1);
    mf_lua_field(L, 1, "stream");
    const char *stream = luaL_optstring(L, -1, "stderr");
    if (strcmp(stream, "stderr") != 0 && strcmp(stream, "stdout") != 0)
        return luaL_error(L, "mf.progress: stream must be \"stdout\" or \"stderr\"");
    mf_progress *p = lua_newuserdatauv(L, sizeof *p, 0);
    mf_progress_start(p, stream[3] == 'o' ? stdout : stderr, total, tty);
    luaL_setmetatable(L, MF_LUA_PROGRESS);
    return 1;
}

void mf_lua_open_progress(lua_State *L)
{
    static const luaL_Reg methods[] = {
        {"update", p_update}, {"finish", p_finish}, {NULL, NULL}};
    luaL_newmetatable(L, MF_LUA_PROGRESS);
    luaL_newlib(L, methods);
    lua_setfield(L, -2, "__index");
    lua_pop(L, 1);
    lua_pushcfunction(L, l_progress);
    lua_setfield(L, -2, "progress");
}

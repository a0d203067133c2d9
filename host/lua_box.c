/* A userdata that owns one C pointer and frees it when collected: the way
 * host code keeps a library object alive across calls that may raise a Lua
 * error (a longjmp), without leaking it. */
#include "lua_host.h"

typedef struct box {
    void *p;
    void (*free_fn)(void *);
} box;

static int box_gc(lua_State *L)
{
    box *b = luaL_checkudata(L, 1, MF_LUA_BOX);
    if (b->p && b->free_fn)
        b->free_fn(b->p);
    b->p = NULL;
    return 0;
}

void **mf_lua_box(lua_State *L, void (*free_fn)(void *))
{
    box *b = lua_newuserdatauv(L, sizeof *b, 0);
    b->p = NULL;
    b->free_fn = free_fn;
    if (luaL_newmetatable(L, MF_LUA_BOX)) {
        lua_pushcfunction(L, box_gc);
        lua_setfield(L, -2, "__gc");
        lua_pushcfunction(L, box_gc);
        lua_setfield(L, -2, "__close");
    }
    lua_setmetatable(L, -2);
    return &b->p;
}

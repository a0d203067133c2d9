/* fitter:fit's fields for fits that survive (docs/lua-api.md, "Checkpoints
 * and interruption"): checkpoint, checkpoint_every, resume, history_file,
 * turned into the library's settings (modelfit/fitter.h), and the signal
 * handling around the fit (signals.h). */
#include "lua_fitter.h"
#include "signals.h"

#include <unistd.h>

/* Field key of the table at t: nil or a non-empty string. */
static const char *opt_path(lua_State *L, int t, const char *key)
{
    int type = mf_lua_field(L, t, key);
    if (type == LUA_TNIL)
        return NULL;
    if (type != LUA_TSTRING || lua_rawlen(L, -1) == 0)
        luaL_error(L, "fitter:fit: %s must be a file name (a non-empty string), not %s", key,
                   type == LUA_TSTRING ? "\"\"" : luaL_typename(L, -1));
    const char *s = lua_tostring(L, -1);
    if (strlen(s) != lua_rawlen(L, -1))
        luaL_error(L, "fitter:fit: %s must not contain a zero byte", key);
    return s;
}

static int opt_every(lua_State *L, int t, const char *ckpt)
{
    if (mf_lua_field(L, t, "checkpoint_every") == LUA_TNIL)
        return 1;
    if (!lua_isinteger(L, -1) || lua_tointeger(L, -1) < 1 || lua_tointeger(L, -1) > 1000000000)
        luaL_error(L, "fitter:fit: checkpoint_every must be an integer >= 1 (rounds)");
    if (!ckpt)
        luaL_error(L, "fitter:fit: checkpoint_every needs checkpoint = \"file\"");
    return (int)lua_tointeger(L, -1);
}

/* The checkpoint to resume from, or NULL: resume = "path", or resume =
 * true (or `modelfit run --resume`) with the checkpoint's file when it
 * exists (a first run has none and starts afresh). */
static const char *resume_from(lua_State *L, int t, const char *ckpt)
{
    int type = mf_lua_field(L, t, "resume");
    if (type == LUA_TSTRING)
        return opt_path(L, t, "resume");
    if (type != LUA_TNIL && type != LUA_TBOOLEAN)
        luaL_error(L,
                   "fitter:fit: resume must be true, false or a checkpoint file name, not a %s",
                   luaL_typename(L, -1));
    bool want = type == LUA_TNIL ? mf_host_resume() : lua_toboolean(L, -1);
    if (type == LUA_TBOOLEAN && want && !ckpt)
        luaL_error(L, "fitter:fit: resume = true needs checkpoint = \"file\" (the file to "
                      "resume from), or give resume = \"file\"");
    return want && ckpt && access(ckpt, F_OK) == 0 ? ckpt : NULL;
}

void mf_lua_fitter_guard_options(lua_State *L, int t, lua_fitter *u)
{
    int top = lua_gettop(L);
    const char *ckpt = opt_path(L, t, "checkpoint");
    int every = opt_every(L, t, ckpt);
    const char *hist = opt_path(L, t, "history_file");
    const char *from = resume_from(L, t, ckpt);
    mf_error err;
    mf_lua_fitter_ok(L, mf_fitter_set_checkpoint(u->f, ckpt, every, &err), &err);
    mf_lua_fitter_ok(L, mf_fitter_set_history_file(u->f, hist, &err), &err);
    mf_lua_fitter_ok(L, mf_fitter_resume(u->f, from, &err), &err);
    mf_fitter_set_stop_flag(u->f, mf_host_stop_flag());
    mf_host_note_checkpoint(ckpt != NULL);
    lua_settop(L, top);
}

void mf_lua_fitter_guard_begin(void)
{
    mf_host_signals_arm();
}

void mf_lua_fitter_guard_end(void)
{
    mf_host_signals_disarm();
}

void mf_lua_fitter_guard_check(lua_State *L)
{
    /* A signal that came after the last round's check still ends the script. */
    if (mf_host_caught_signal())
        luaL_error(L, "fitter:fit: interrupted as the fit ended (its checkpoint, if any, is "
                      "written)");
}

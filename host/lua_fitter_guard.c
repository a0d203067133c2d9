/* fitter:fit's fields for fits that survive (docs/lua-api.md, "Checkpoints
 * and interruption"): checkpoint, checkpoint_every, resume, history_file,
 * turned into the library's settings (modelfit/fitter.h), and the signal
 * handling around the fit (signals.h). */
#include "lua_fitter.h"
#include "signals.h"

#include <stdio.h>
#include <unistd.h>

enum { DEFAULT_NAME_MAX = 4096 };

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
 * exists (a first run has none and starts afresh). Without a checkpoint
 * field, `--resume` looks for the fitter's default checkpoint, the one
 * the host writes on an interruption (signals.h). */
static const char *resume_from(lua_State *L, int t, const char *ckpt, const lua_fitter *u)
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
    if (want && !ckpt && type == LUA_TNIL) {
        char dflt[DEFAULT_NAME_MAX];
        mf_host_default_file(u->serial, "ckpt", dflt, sizeof dflt);
        if (access(dflt, F_OK) != 0)
            return NULL;
        lua_pushstring(L, dflt); /* kept on the stack until used */
        return lua_tostring(L, -1);
    }
    return want && ckpt && access(ckpt, F_OK) == 0 ? ckpt : NULL;
}

void mf_lua_fitter_guard_options(lua_State *L, int t, lua_fitter *u)
{
    int top = lua_gettop(L);
    const char *ckpt = opt_path(L, t, "checkpoint");
    int every = opt_every(L, t, ckpt);
    const char *hist = opt_path(L, t, "history_file");
    const char *from = resume_from(L, t, ckpt, u);
    mf_error err;
    mf_lua_fitter_ok(L, mf_fitter_set_checkpoint(u->f, ckpt, every, &err), &err);
    mf_lua_fitter_ok(L, mf_fitter_set_history_file(u->f, hist, &err), &err);
    mf_lua_fitter_ok(L, mf_fitter_resume(u->f, from, &err), &err);
    mf_fitter_set_stop_flag(u->f, mf_host_stop_flag());
    mf_host_note_checkpoint(ckpt != NULL);
    u->has_checkpoint = ckpt != NULL;
    lua_settop(L, top);
}

void mf_lua_fitter_guard_begin(void)
{
    mf_host_signals_arm();
}

/* Under mpirun only process 0 holds the optimizer's state and writes. */
static bool writes_files(const mf_fitter *f)
{
    const mf_group *g = mf_context_group(mf_fitter_context(f));
    return !g || mf_group_rank(g) == 0;
}

/* The interrupted fit had no checkpoint: so that nothing done is lost, the
 * host writes the default checkpoint (when the optimizer can save its
 * state) and always the results, and notes them for the interruption's
 * line (signals.h). */
static void save_defaults(const lua_fitter *u)
{
    char ckpt[DEFAULT_NAME_MAX], results[DEFAULT_NAME_MAX];
    char problem[MF_ERROR_MESSAGE_MAX + 64] = "";
    mf_host_default_file(u->serial, "ckpt", ckpt, sizeof ckpt);
    mf_host_default_file(u->serial, "results.csv", results, sizeof results);
    mf_error err;
    bool saved = mf_fitter_write_checkpoint(u->f, ckpt, &err) == MF_OK;
    if (!saved && err.status == MF_ERR_UNSUPPORTED) {
        /* A default checkpoint of an earlier run must not be resumed
         * instead of this fit. */
        remove(ckpt);
        snprintf(problem, sizeof problem,
                 "the fit cannot be resumed: its optimizer cannot save its state (de, random "
                 "and grid can)");
    } else if (!saved) {
        char clean[MF_ERROR_MESSAGE_MAX];
        snprintf(problem, sizeof problem, "the checkpoint was not written: %s",
                 mf_lua_clean_message(err.message, clean, sizeof clean));
    }
    bool wrote = mf_fitter_write_csv(u->f, results, &err) == MF_OK;
    if (!wrote) {
        char clean[MF_ERROR_MESSAGE_MAX];
        size_t used = strlen(problem);
        snprintf(problem + used, sizeof problem - used, "%sthe results were not written: %s",
                 used ? "; " : "", mf_lua_clean_message(err.message, clean, sizeof clean));
    }
    mf_host_note_saved(saved ? ckpt : NULL, wrote ? results : NULL,
                       problem[0] ? problem : NULL);
}

void mf_lua_fitter_guard_end(const lua_fitter *u)
{
    mf_host_signals_disarm();
    if (mf_host_caught_signal() && !u->has_checkpoint && writes_files(u->f))
        save_defaults(u);
}

void mf_lua_fitter_guard_check(lua_State *L, const lua_fitter *u, mf_status st,
                               const mf_error *err, int last_round, int n_rounds)
{
    bool interrupted = mf_host_caught_signal() && (st == MF_OK || st == MF_ERR_STOPPED);
    if (!interrupted || u->has_checkpoint)
        mf_lua_fitter_ok(L, st, err);
    if (!interrupted)
        return;
    /* With a checkpoint the library's message (raised above) says where
     * it is; a signal that came after the last round's check still ends
     * the script. Without one the host saved the defaults. */
    if (u->has_checkpoint)
        luaL_error(L, "fitter:fit: interrupted as the fit ended (its checkpoint is written)");
    if (last_round > 0)
        luaL_error(L, "fitter:fit: interrupted after round %d of %d", last_round, n_rounds);
    luaL_error(L, "fitter:fit: interrupted before its first round ended");
}

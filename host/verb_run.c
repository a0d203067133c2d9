/* modelfit run SCRIPT.lua [ARGS...]: runs a fit script in an embedded Lua
 * 5.4 with `require "modelfit"` preloaded and `arg` set as the standalone
 * `lua` sets it (arg[0] the script, arg[1..n] the arguments; they are also
 * the chunk's `...`). Any error (syntax, runtime, a library error raised by
 * the binding) ends the run with one line on stderr,
 * "modelfit: error: SCRIPT.lua:LINE: message", and exit status 1. A fit
 * interrupted by SIGINT/SIGTERM (signals.h) ends it with exit status 130 /
 * 143 and one line giving the command that resumes it (`--resume`). */
#include "lua_host.h"
#include "mpi_host.h"
#include "plot.h"
#include "signals.h"
#include "verbs.h"

#include <lualib.h>

#include <stdio.h>
#include <string.h>

typedef struct run_args {
    const char *script;
    int n_args;
    char **args;
    mf_context *ctx;
    char **argv_script; /* the script then its arguments (for the resume line) */
} run_args;

/* The library's warnings go to stderr, as the CLI's own messages. */
static void log_to_stderr(void *user, mf_log_level level, const char *message)
{
    (void)user;
    fprintf(stderr, "modelfit: %s: %s\n", level == MF_LOG_ERROR ? "error" : "warning", message);
}

static void set_arg_table(lua_State *L, const run_args *r)
{
    lua_createtable(L, r->n_args, 2);
    lua_pushliteral(L, "modelfit");
    lua_rawseti(L, -2, -1);
    lua_pushstring(L, r->script);
    lua_rawseti(L, -2, 0);
    for (int i = 0; i < r->n_args; i++) {
        lua_pushstring(L, r->args[i]);
        lua_rawseti(L, -2, i + 1);
    }
    lua_setglobal(L, "arg");
}

/* Everything runs inside one protected call, library setup included, so an
 * out-of-memory error during it is reported, not a panic. */
static int protected_main(lua_State *L)
{
    const run_args *r = lua_touserdata(L, 1);
    luaL_openlibs(L);
    mf_lua_preload(L, r->ctx);
    mf_host_mpi_lua(L);
    set_arg_table(L, r);
    if (luaL_loadfile(L, r->script) != LUA_OK)
        return lua_error(L);
    luaL_checkstack(L, r->n_args, "too many arguments to the script");
    for (int i = 0; i < r->n_args; i++)
        lua_pushstring(L, r->args[i]);
    lua_call(L, r->n_args, 0);
    return 0;
}

/* Runs under lua_pcall: the error object's __tostring, which may itself
 * raise (an error there must not become a Lua panic). */
static int call_tostring(lua_State *L)
{
    if (!luaL_callmeta(L, 1, "__tostring"))
        lua_pushnil(L);
    return 1;
}

/* The error object (the stack top) as one line of text. */
static const char *error_text(lua_State *L, char *buf, size_t n)
{
    int obj = lua_gettop(L);
    const char *msg = NULL;
    if (lua_type(L, obj) == LUA_TSTRING || lua_type(L, obj) == LUA_TNUMBER) {
        msg = lua_tostring(L, obj);
    } else {
        lua_pushcfunction(L, call_tostring);
        lua_pushvalue(L, obj);
        if (lua_pcall(L, 1, 1, 0) == LUA_OK && lua_type(L, -1) == LUA_TSTRING)
            msg = lua_tostring(L, -1);
    }
    if (!msg) {
        snprintf(buf, n, "(error object is a %s value)", luaL_typename(L, obj));
        return buf;
    }
    size_t j = 0;
    for (; *msg && j + 1 < n; msg++)
        buf[j++] = (*msg == '\n' || *msg == '\r') ? ' ' : *msg;
    buf[j] = '\0';
    return buf;
}

static int run(run_args *r)
{
    lua_State *L = luaL_newstate();
    if (!L)
        return mf_host_fail("error: cannot create the Lua state: out of memory");
    lua_pushcfunction(L, protected_main);
    lua_pushlightuserdata(L, r);
    int status = lua_pcall(L, 1, 0, 0);
    int code = status == LUA_OK ? 0 : 1;
    if (status != LUA_OK && mf_host_caught_signal()) {
        /* A fit stopped by SIGINT/SIGTERM: its checkpoint is written; say
         * how to go on and exit as the signal would have (128 + n). */
        char msg[4096], line[8192];
        error_text(L, msg, sizeof msg);
        fflush(stdout);
        mf_host_interrupt_line(msg, r->n_args + 1, r->argv_script, line, sizeof line);
        fprintf(stderr, "%s\n", line);
        code = 128 + mf_host_caught_signal();
    } else if (status != LUA_OK) {
        char msg[4096];
        error_text(L, msg, sizeof msg);
        fflush(stdout);
        mf_host_mpi_fail(msg); /* under mpirun: printed by rank 0 only */
    }
    fflush(stdout);
    /* Closing runs every finalizer (optimizers, metrics, arrays) while the
     * context they point into still exists. */
    lua_close(L);
    mf_plot_release_caches();
    return code;
}

int mf_verb_run(int argc, char **argv)
{
    if (argc >= 2 && strcmp(argv[1], "--resume") == 0) {
        mf_host_set_resume(true);
        argc--;
        argv++;
    }
    if (argc < 2)
        return mf_host_fail("error: usage: modelfit run SCRIPT.lua [ARGS...] (or run --resume "
                            "SCRIPT.lua [ARGS...] to resume its fits from their checkpoints)");
    mf_context *ctx;
    mf_error err;
    if (mf_context_new(&ctx, &err) != MF_OK)
        return mf_host_fail("%s", err.message);
    mf_context_set_log(ctx, log_to_stderr, NULL, MF_LOG_WARNING);
    if (mf_host_mpi_begin(ctx)) {
        mf_context_free(ctx);
        return 1;
    }
    mf_host_set_script(argv[1]);
    run_args r = {argv[1], argc - 2, argv + 2, ctx, argv + 1};
    int status = mf_host_mpi_end(ctx, run(&r));
    mf_context_free(ctx);
    return status;
}

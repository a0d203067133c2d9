/* The CLI under mpirun or srun (see mpi_host.h and docs/mpi.md).
 *
 * Every rank runs the whole script; the library makes each fit collective
 * (rank 0 owns the optimizer, the others evaluate their share of each
 * round and then mirror rank 0's history). What remains for the host:
 * starting and ending MPI, and keeping ranks > 0 quiet: their stdout and
 * stderr go to /dev/null and the Lua functions that write files do
 * nothing, so that K ranks on a shared file system do not print or write
 * the same things K times. Their errors go to rank 0, which prints them
 * once; a crash is reported by mpirun. */
#include "mpi_host.h"
#include "verbs.h"

#ifdef MF_HAVE_MPI

#include "lua_fitter.h"

#include <lauxlib.h>
#include <modelfit/mpi.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* MPI is process-wide: so is this host's view of it. */
static struct {
    bool on;
    int rank;
    mf_mpi *mpi;
    char message[MF_ERROR_MESSAGE_MAX];
} host_mpi;

/* Whether a launcher started us: Open MPI's mpirun, PMIx (srun
 * --mpi=pmix, prterun) or PMI-2 (srun --mpi=pmi2, MPICH's hydra). */
static bool launched(void)
{
    static const char *const vars[] = {"OMPI_COMM_WORLD_SIZE", "PMIX_RANK", "PMI_RANK",
                                       "PMI_SIZE"};
    for (size_t i = 0; i < sizeof vars / sizeof vars[0]; i++)
        if (getenv(vars[i]))
            return true;
    return false;
}

/* srun without an MPI plugin starts independent processes that know
 * nothing of each other: every task would run the whole fit and write the
 * same files. */
static int check_slurm(void)
{
    const char *tasks = getenv("SLURM_STEP_NUM_TASKS");
    if (tasks && atoi(tasks) > 1)
        return mf_host_fail("error: srun started %s tasks without an MPI plugin, so each would "
                            "run the whole fit alone: start modelfit with `srun --mpi=pmix` "
                            "(see `srun --mpi=list`) or with mpirun",
                            tasks);
    return 0;
}

/* --- quiet ranks ------------------------------------------------------------------ */

/* Ranks > 0 print nothing: their progress bars and printers (which replay
 * rank 0's rounds) would repeat rank 0's lines K - 1 times. Their errors
 * reach rank 0 through the group; MODELFIT_MPI_OUTPUT=all keeps their
 * stdout and stderr (to debug one rank). */
static int quiet_output(int rank)
{
    const char *keep = getenv("MODELFIT_MPI_OUTPUT");
    if (rank == 0 || (keep && strcmp(keep, "all") == 0))
        return 0;
    fflush(stdout);
    fflush(stderr);
    if (!freopen("/dev/null", "w", stdout) || !freopen("/dev/null", "w", stderr))
        return mf_host_fail("error: rank %d: cannot send its output to /dev/null", rank);
    return 0;
}

int mf_host_mpi_begin(mf_context *ctx)
{
    if (!launched())
        return check_slurm();
    int provided = 0;
    if (MPI_Init_thread(NULL, NULL, MPI_THREAD_FUNNELED, &provided) != MPI_SUCCESS)
        return mf_host_fail("error: MPI_Init_thread failed");
    host_mpi.on = true;
    int size = 1;
    MPI_Comm_rank(MPI_COMM_WORLD, &host_mpi.rank);
    MPI_Comm_size(MPI_COMM_WORLD, &size);
    if (size == 1)
        return 0;
    mf_error err;
    char clean[MF_ERROR_MESSAGE_MAX];
    if (mf_mpi_new(MPI_COMM_WORLD, &host_mpi.mpi, &err) != MF_OK)
        return mf_host_fail("error: %s",
                            mf_lua_clean_message(err.message, clean, sizeof clean));
    mf_context_set_group(ctx, mf_mpi_group(host_mpi.mpi));
    return quiet_output(host_mpi.rank);
}

static int nothing(lua_State *L)
{
    (void)L;
    return 0;
}

static int yes(lua_State *L)
{
    lua_pushboolean(L, 1);
    return 1;
}

/* io.open(name, mode): a writing mode opens /dev/null instead. Upvalue 1:
 * the real io.open. */
static int quiet_open(lua_State *L)
{
    const char *mode = luaL_optstring(L, 2, "r");
    lua_pushvalue(L, lua_upvalueindex(1));
    if (strpbrk(mode, "wa+"))
        lua_pushliteral(L, "/dev/null");
    else
        lua_pushvalue(L, 1);
    lua_pushstring(L, mode);
    lua_call(L, 2, LUA_MULTRET);
    return lua_gettop(L) - 2;
}

/* io.output(x): a file name becomes /dev/null. Upvalue 1: the real one. */
static int quiet_io_output(lua_State *L)
{
    lua_pushvalue(L, lua_upvalueindex(1));
    if (lua_type(L, 1) == LUA_TSTRING)
        lua_pushliteral(L, "/dev/null");
    else
        lua_pushvalue(L, 1);
    lua_call(L, lua_isnone(L, 1) ? 0 : 1, 1);
    return 1;
}

static void replace(lua_State *L, int table, const char *name, lua_CFunction fn, bool wrap)
{
    if (wrap) {
        lua_getfield(L, table, name);
        lua_pushcclosure(L, fn, 1);
    } else
        lua_pushcfunction(L, fn);
    lua_setfield(L, table, name);
}

static void quiet_std(lua_State *L)
{
    lua_getglobal(L, "io");
    if (lua_istable(L, -1)) {
        int io = lua_gettop(L);
        replace(L, io, "open", quiet_open, true);
        replace(L, io, "output", quiet_io_output, true);
    }
    lua_getglobal(L, "os");
    if (lua_istable(L, -1)) {
        replace(L, lua_gettop(L), "remove", yes, false);
        replace(L, lua_gettop(L), "rename", yes, false);
    }
    lua_pop(L, 2);
}

/* The fitter's methods live in the first upvalue of its __index. */
static void quiet_fitter(lua_State *L)
{
    int top = lua_gettop(L);
    luaL_getmetatable(L, MF_LUA_FITTER);
    if (lua_istable(L, -1) && lua_getfield(L, -1, "__index") == LUA_TFUNCTION &&
        lua_getupvalue(L, -1, 1) && lua_istable(L, -1)) {
        replace(L, lua_gettop(L), "save_results", nothing, false);
        replace(L, lua_gettop(L), "plot", nothing, false);
    }
    lua_settop(L, top);
}

/* The modelfit loader on ranks > 0: the real one, then the writers go. */
static int quiet_loader(lua_State *L)
{
    int top = lua_gettop(L);
    lua_pushvalue(L, lua_upvalueindex(1));
    lua_insert(L, 1);
    lua_call(L, top, 1);
    int module = lua_gettop(L);
    if (lua_istable(L, module)) {
        replace(L, module, "write_csv", nothing, false);
        replace(L, module, "plot_traces", nothing, false);
    }
    quiet_fitter(L);
    return 1;
}

void mf_host_mpi_lua(lua_State *L)
{
    if (!host_mpi.mpi || host_mpi.rank == 0)
        return;
    quiet_std(L);
    luaL_getsubtable(L, LUA_REGISTRYINDEX, LUA_PRELOAD_TABLE);
    lua_getfield(L, -1, "modelfit");
    lua_pushcclosure(L, quiet_loader, 1);
    lua_setfield(L, -2, "modelfit");
    lua_pop(L, 1);
}

/* --- the end ---------------------------------------------------------------------- */

void mf_host_mpi_fail(const char *message)
{
    if (host_mpi.rank == 0 || !host_mpi.mpi)
        mf_host_fail("error: %s", message);
    snprintf(host_mpi.message, sizeof host_mpi.message, "%s", message);
}

int mf_host_mpi_end(mf_context *ctx, int status)
{
    if (!host_mpi.on)
        return status;
    bool abort_all = false;
    if (host_mpi.mpi) {
        mf_group *g = mf_mpi_group(host_mpi.mpi);
        mf_error err;
        mf_status st =
            mf_group_finish(g, status ? MF_ERR_INVALID : MF_OK, host_mpi.message, &err);
        if (st != MF_OK && host_mpi.rank == 0) {
            char clean[MF_ERROR_MESSAGE_MAX];
            mf_host_fail("error: %s", mf_lua_clean_message(err.message, clean, sizeof clean));
            status = 1;
        }
        abort_all = mf_group_broken(g);
        mf_context_set_group(ctx, NULL);
        if (!abort_all)
            mf_mpi_free(host_mpi.mpi);
        host_mpi.mpi = NULL;
    }
    fflush(stdout);
    fflush(stderr);
    if (abort_all)
        MPI_Abort(MPI_COMM_WORLD, status ? status : 1);
    MPI_Finalize();
    host_mpi.on = false;
    return status;
}

#else /* built without MPI: one process */

#include <stdio.h>

int mf_host_mpi_begin(mf_context *ctx)
{
    (void)ctx;
    return 0;
}

void mf_host_mpi_lua(lua_State *L)
{
    (void)L;
}

void mf_host_mpi_fail(const char *message)
{
    mf_host_fail("error: %s", message);
}

int mf_host_mpi_end(mf_context *ctx, int status)
{
    (void)ctx;
    return status;
}

#endif

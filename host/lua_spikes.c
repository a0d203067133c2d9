/* Spike trains in Lua: a list (one entry a train, e.g. a neuron or a
 * recording) of lists of spike times as quantities in seconds, the form
 * mf.read_spikes and mf.simulate return and the spike fitter takes. */
#include "lua_host.h"

#include <stdio.h>
#include <string.h>

static const double no_dim[7] = {0};

void mf_lua_push_spike_trains(lua_State *L, const mf_spike_trains *s)
{
    int n = mf_spike_trains_count(s);
    lua_createtable(L, n, 0);
    for (int i = 0; i < n; i++) {
        int len = mf_spike_trains_len(s, i);
        const double *t = mf_spike_trains_times(s, i);
        lua_createtable(L, len, 0);
        for (int k = 0; k < len; k++) {
            mf_quantity q = {t[k], {0, 0, 1, 0, 0, 0, 0}};
            mf_lua_push_quantity(L, q);
            lua_rawseti(L, -2, k + 1);
        }
        lua_rawseti(L, -2, i + 1);
    }
}

static void spike_trains_free_fn(void *p)
{
    mf_spike_trains_free(p);
}

/* Train i (stack slot `train`) into times[]: a table of times or an array. */
static int train_times(lua_State *L, int train, int i, const char *what, double **times)
{
    static const mf_quantity second = {1.0, {0, 0, 1, 0, 0, 0, 0}};
    if (lua_type(L, train) != LUA_TTABLE) {
        mf_lua_array *u = mf_lua_check_array(L, train, what);
        if (!mf_lua_same_dim(u->dim, second.dim) && !mf_lua_same_dim(u->dim, no_dim))
            luaL_error(L, "%s: train %d must hold times", what, i + 1);
        size_t n = mf_array_rows(u->a) * mf_array_cols(u->a);
        *times = lua_newuserdatauv(L, (n ? n : 1) * sizeof(double), 0);
        if (n)
            memcpy(*times, mf_array_cdata(u->a), n * sizeof(double));
        return (int)n;
    }
    int n = (int)lua_rawlen(L, train);
    *times = lua_newuserdatauv(L, (size_t)(n ? n : 1) * sizeof(double), 0);
    for (int k = 0; k < n; k++) {
        lua_rawgeti(L, train, k + 1);
        char name[160];
        snprintf(name, sizeof name, "%s: spike %d of train %d", what, k + 1, i + 1);
        (*times)[k] = lua_type(L, -1) == LUA_TNUMBER ? lua_tonumber(L, -1)
                                                     : mf_lua_check_si(L, -1, name, second);
        lua_pop(L, 1);
    }
    return n;
}

mf_spike_trains *mf_lua_check_spike_trains(lua_State *L, int idx, const char *what)
{
    idx = lua_absindex(L, idx);
    luaL_checktype(L, idx, LUA_TTABLE);
    int n = (int)lua_rawlen(L, idx);
    /* Scratch memory as userdata: the collector frees it even on error. */
    int *lens = lua_newuserdatauv(L, (size_t)(n ? n : 1) * sizeof(int), 0);
    const double **times = lua_newuserdatauv(L, (size_t)(n ? n : 1) * sizeof(double *), 0);
    int keep = lua_gettop(L); /* the per-train buffers go above, kept till the end */
    for (int i = 0; i < n; i++) {
        lua_rawgeti(L, idx, i + 1);
        double *t;
        lens[i] = train_times(L, lua_gettop(L), i, what, &t);
        times[i] = t;
        lua_remove(L, -2); /* keep the buffer, drop the train */
    }
    void **slot = mf_lua_box(L, spike_trains_free_fn);
    mf_spike_trains *s = NULL;
    mf_error err;
    mf_status st = mf_spike_trains_new_from(n, lens, times, &s, &err);
    *slot = s;
    if (st != MF_OK)
        mf_lua_raise(L, &err);
    /* Leave only the box above the caller's values. */
    lua_replace(L, keep - 1);
    lua_settop(L, keep - 1);
    return s;
}

/* mf.spike_trains(trains): checks spike trains given as lists of times
 * (quantities, or numbers in seconds) or arrays with a time unit, and
 * returns them in the canonical form, lists of quantities. */
static int l_spike_trains(lua_State *L)
{
    lua_settop(L, 1);
    mf_spike_trains *s = mf_lua_check_spike_trains(L, 1, "mf.spike_trains");
    mf_lua_push_spike_trains(L, s);
    return 1;
}

void mf_lua_open_spikes(lua_State *L)
{
    lua_pushcfunction(L, l_spike_trains);
    lua_setfield(L, -2, "spike_trains");
}

/* mf.plot_traces{...}: the figure of plot.c from Lua. The fitter binding's
 * fitter:plot(file) fills the same mf_plot_traces from the fit's results. */
#include "lua_host.h"
#include "plot.h"

#include <math.h>
#include <string.h>

/* The array in field `key` (nil allowed), checked against the shape and
 * unit of `like` when that is given. The array stays in the field's slot. */
static mf_lua_array *trace_field(lua_State *L, int t, const char *key, const mf_lua_array *like)
{
    if (mf_lua_field(L, t, key) == LUA_TNIL)
        return NULL;
    char what[64];
    snprintf(what, sizeof what, "mf.plot_traces: %s", key);
    mf_lua_array *a = mf_lua_check_array(L, -1, what);
    if (!like)
        return a;
    if (mf_array_rows(a->a) != mf_array_rows(like->a) ||
        mf_array_cols(a->a) != mf_array_cols(like->a))
        luaL_error(L, "mf.plot_traces: fitted is %d x %d but targets is %d x %d",
                   (int)mf_array_rows(a->a), (int)mf_array_cols(a->a),
                   (int)mf_array_rows(like->a), (int)mf_array_cols(like->a));
    if (!mf_lua_same_dim(a->dim, like->dim)) {
        char x[96], y[96];
        mf_quantity_unit_string(a->dim, x, sizeof x);
        mf_quantity_unit_string(like->dim, y, sizeof y);
        luaL_error(L, "mf.plot_traces: fitted has unit %s but targets has unit %s", x, y);
    }
    return a;
}

/* The power p with error_dim = p * trace_dim, or raises. */
static int error_power_of(lua_State *L, const double *err_dim, const double *dim)
{
    double p = 0;
    for (int i = 0; i < 7; i++)
        if (dim[i] != 0) {
            p = err_dim[i] / dim[i];
            break;
        }
    double scaled[7];
    for (int i = 0; i < 7; i++)
        scaled[i] = p * dim[i];
    if (p != round(p) || !mf_lua_same_dim(scaled, err_dim)) {
        char e[96], d[96];
        mf_quantity_unit_string(err_dim, e, sizeof e);
        mf_quantity_unit_string(dim, d, sizeof d);
        luaL_error(L,
                   "mf.plot_traces: errors of unit %s are not a power of the traces' unit %s",
                   e, d);
    }
    return (int)p;
}

/* errors = {e1, e2, ...} (numbers in SI or quantities) or an array. Sets
 * the plot's errors (kept alive by the converted array left in the
 * field's slot) and their power. */
static void errors_field(lua_State *L, int t, mf_plot_traces *p)
{
    if (mf_lua_field(L, t, "errors") == LUA_TNIL)
        return;
    mf_lua_array *e = mf_lua_check_array(L, -1, "mf.plot_traces: errors");
    p->errors = mf_array_cdata(e->a);
    p->n_errors = mf_array_rows(e->a) * mf_array_cols(e->a);
    static const double none[7] = {0};
    if (!mf_lua_same_dim(e->dim, none))
        p->error_power = error_power_of(L, e->dim, p->dim);
    if (mf_lua_field(L, t, "error_power") != LUA_TNIL)
        p->error_power = (int)luaL_checkinteger(L, -1);
    lua_pop(L, 1);
}

static const char *string_field(lua_State *L, int t, const char *key)
{
    if (mf_lua_field(L, t, key) == LUA_TNIL)
        return NULL; /* the nil stays; strings stay alive in the table */
    return luaL_checkstring(L, -1);
}

/* mf.plot_traces{file = "fit.svg", dt = 0.01*u.ms, targets = array,
 * fitted = array, errors = {...}, title = "...", variable = "v",
 * error_name = "MSE", error_power = 2} */
static int l_plot_traces(lua_State *L)
{
    static const char *const valid[] = {"file",        "dt",    "targets",  "fitted",
                                        "errors",      "title", "variable", "error_name",
                                        "error_power", NULL};
    luaL_checktype(L, 1, LUA_TTABLE);
    lua_settop(L, 1);
    mf_lua_check_fields(L, 1, "mf.plot_traces", valid);
    mf_plot_traces p;
    memset(&p, 0, sizeof p);
    const char *file = string_field(L, 1, "file");
    if (!file)
        return luaL_error(L, "mf.plot_traces: file is required (e.g. file = \"fit.svg\")");
    mf_lua_array *targets = trace_field(L, 1, "targets", NULL);
    mf_lua_array *fitted = trace_field(L, 1, "fitted", targets);
    const mf_lua_array *shape = targets ? targets : fitted;
    if (shape) {
        p.n_traces = mf_array_rows(shape->a);
        p.n_steps = mf_array_cols(shape->a);
        memcpy(p.dim, shape->dim, sizeof p.dim);
        p.targets = targets ? mf_array_cdata(targets->a) : NULL;
        p.fitted = fitted ? mf_array_cdata(fitted->a) : NULL;
        static const mf_quantity second = {1.0, {0, 0, 1, 0, 0, 0, 0}};
        if (mf_lua_field(L, 1, "dt") == LUA_TNIL)
            return luaL_error(L, "mf.plot_traces: dt (the time step) is required with traces");
        p.dt = mf_lua_check_si(L, -1, "mf.plot_traces: dt", second);
    }
    errors_field(L, 1, &p);
    p.title = string_field(L, 1, "title");
    p.variable = string_field(L, 1, "variable");
    p.error_name = string_field(L, 1, "error_name");
    char msg[512];
    if (mf_plot_traces_write(file, &p, msg, sizeof msg) != 0)
        return luaL_error(L, "%s", msg);
    return 0;
}

void mf_lua_open_plot(lua_State *L)
{
    lua_pushcfunction(L, l_plot_traces);
    lua_setfield(L, -2, "plot_traces");
}

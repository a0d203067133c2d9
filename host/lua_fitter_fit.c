/* fitter:fit{...} and fitter:refine{...}: the bounds, the optimizer and
 * metric handles (kept alive in the fitter's user value, since the fitter
 * borrows them), and the per-round callbacks. A Lua callback runs under
 * lua_pcall inside the library's loop, so an error in it stops the fit
 * cleanly (the rounds done stay in the results) and is raised once
 * mf_fitter_fit has returned. */
#include "lua_fitter.h"
#include "progress.h"

#include <math.h>
#include <stdio.h>

enum { TEXT_MAX = 128 };

static void printer_free_fn(void *p)
{
    mf_printer_free(p);
}

/* ---- callbacks ------------------------------------------------------------------ */

enum { CB_NONE, CB_TEXT, CB_BAR, CB_LUA };

typedef struct fit_cb {
    int style;
    mf_printer *printer;
    mf_progress bar;
    lua_State *L;
    int fn;       /* CB_LUA: stack slot of the function */
    int err_slot; /* where an error of the function is kept */
    bool failed;
    bool refine;    /* the info table says iteration, not round */
    int last_round; /* the last round done (from 1; 0: none), of n_rounds */
    int n_rounds;
} fit_cb;

typedef struct cb_call {
    const mf_fitter *f;
    int round, n_rounds;
    const double *best;
    double best_error;
    int n_points;
    const double *points, *errors;
    bool refine;
    bool stop;
} cb_call;

/* Runs under lua_pcall: (function, cb_call). Builds the info table and
 * calls the script's function; a true result stops the fit. */
static int call_script(lua_State *L)
{
    cb_call *c = lua_touserdata(L, 2);
    const mf_fitter *f = c->f;
    int n_params = mf_fitter_n_params(f);
    lua_pushvalue(L, 1);
    lua_createtable(L, 0, 6);
    lua_pushinteger(L, c->round + 1);
    lua_setfield(L, -2, c->refine ? "iteration" : "round");
    lua_pushinteger(L, c->n_rounds);
    lua_setfield(L, -2, c->refine ? "max_iter" : "n_rounds");
    if (c->best) {
        mf_lua_fitter_push_params(L, f, c->best);
        lua_setfield(L, -2, "best_params");
        mf_lua_fitter_push_error(L, f, c->best_error);
        lua_setfield(L, -2, "best_error");
    }
    lua_createtable(L, c->n_points, 0);
    lua_createtable(L, c->n_points, 0);
    for (int i = 0; i < c->n_points; i++) {
        mf_lua_fitter_push_params(L, f, c->points + (size_t)i * (size_t)n_params);
        lua_rawseti(L, -3, i + 1);
        mf_lua_fitter_push_error(L, f, c->errors[i]);
        lua_rawseti(L, -2, i + 1);
    }
    lua_setfield(L, -3, "errors");
    lua_setfield(L, -2, "params");
    if (!c->refine) {
        int nan_points;
        long nan_lanes;
        mf_fitter_round_nan(f, &nan_points, &nan_lanes);
        lua_pushinteger(L, nan_points);
        lua_setfield(L, -2, "nan_points");
        lua_pushinteger(L, nan_lanes);
        lua_setfield(L, -2, "nan_lanes");
    }
    lua_call(L, 1, 1);
    c->stop = lua_toboolean(L, -1);
    return 0;
}

static int run_callback(void *user, const mf_fitter *f, int round, int n_rounds,
                        const double *best, double best_error, int n_points,
                        const double *points, const double *errors)
{
    fit_cb *cb = user;
    cb->last_round = round + 1;
    cb->n_rounds = n_rounds;
    if (cb->style == CB_TEXT)
        return mf_printer_callback(cb->printer, f, round, n_rounds, best, best_error, n_points,
                                   points, errors);
    if (cb->style == CB_BAR) {
        char text[TEXT_MAX];
        if (best)
            mf_quantity_to_string(
                mf_lua_fitter_quantity(best_error, mf_fitter_error_unit(f).dim), text,
                sizeof text);
        mf_progress_update(&cb->bar, round + 1, best ? text : NULL);
        return 0;
    }
    if (cb->style != CB_LUA)
        return 0;
    lua_State *L = cb->L;
    cb_call c = {f,        round,  n_rounds, best,       best_error,
                 n_points, points, errors,   cb->refine, false};
    if (!lua_checkstack(L, 4)) {
        lua_pushliteral(L, "the callback cannot run: the Lua stack is full");
        lua_replace(L, cb->err_slot);
        cb->failed = true;
        return 1;
    }
    lua_pushcfunction(L, call_script);
    lua_pushvalue(L, cb->fn);
    lua_pushlightuserdata(L, &c);
    if (lua_pcall(L, 2, 0, 0) != LUA_OK) {
        lua_replace(L, cb->err_slot);
        cb->failed = true;
        return 1;
    }
    return c.stop ? 1 : 0;
}

/* callback = nil or "text" (brian2modelfitting's default), "progressbar",
 * false or "none", or a function(info). Pushes one slot (the printer's
 * box, or nil) and one for an error of the function. */
static void setup_callback(lua_State *L, int t, fit_cb *cb, int total, const char *what)
{
    memset(cb, 0, sizeof *cb);
    cb->L = L;
    int type = mf_lua_field(L, t, "callback");
    const char *style = type == LUA_TNIL      ? "text"
                        : type == LUA_TSTRING ? lua_tostring(L, -1)
                                              : NULL;
    if (type == LUA_TFUNCTION) {
        cb->style = CB_LUA;
        cb->fn = lua_gettop(L);
    } else if (type == LUA_TBOOLEAN && !lua_toboolean(L, -1))
        cb->style = CB_NONE;
    else if (style && strcmp(style, "none") == 0)
        cb->style = CB_NONE;
    else if (style && (strcmp(style, "progressbar") == 0 || strcmp(style, "progress") == 0)) {
        cb->style = CB_BAR;
        mf_progress_start(&cb->bar, stderr, total, -1);
    } else if (style && strcmp(style, "text") == 0) {
        cb->style = CB_TEXT;
        void **slot = mf_lua_box(L, printer_free_fn);
        mf_error err;
        mf_status st = mf_printer_new("text", stdout, &cb->printer, &err);
        *slot = cb->printer;
        mf_lua_fitter_ok(L, st, &err);
    } else
        luaL_error(L,
                   "%s: callback must be \"text\", \"progressbar\", \"none\", false or a "
                   "function(info), not %s",
                   what, style ? style : luaL_typename(L, -1));
    lua_pushnil(L);
    cb->err_slot = lua_gettop(L);
}

/* After the C call: ends a bar's line and raises an error of the script's
 * function (the fit's own error, if any, comes second). */
static void finish_callback(lua_State *L, fit_cb *cb)
{
    if (cb->style == CB_BAR)
        mf_progress_finish(&cb->bar);
    if (cb->failed) {
        lua_pushvalue(L, cb->err_slot);
        lua_error(L);
    }
}

/* ---- fitter:fit{...} --------------------------------------------------------- */

/* Adds the handle at idx to the user value's keep set. */
static void keep_handle(lua_State *L, int fitter, int idx)
{
    idx = lua_absindex(L, idx);
    mf_lua_fitter_state(L, fitter, "keep");
    lua_pushvalue(L, idx);
    lua_pushboolean(L, 1);
    lua_rawset(L, -3);
    lua_pop(L, 1);
}

typedef struct bounds {
    int n;
    const char **names;
    double *lo, *hi;
} bounds;

static void read_bound(lua_State *L, const mf_fitter *f, const char *name, int value, bounds *b)
{
    char what[TEXT_MAX];
    snprintf(what, sizeof what, "fitter:fit: params.%s", name);
    if (!lua_istable(L, value) || lua_rawlen(L, value) != 2)
        luaL_error(L, "%s must be {low, high} (e.g. {1*u.nS, 100*u.nS})", what);
    int p = mf_lua_fitter_param_index(f, name);
    for (int k = 0; k < 2; k++) {
        lua_rawgeti(L, value, k + 1);
        double v = p >= 0 ? mf_lua_check_si(L, -1, what, mf_fitter_param_unit(f, p))
                          : mf_lua_check_quantity(L, -1, what).value;
        (k ? b->hi : b->lo)[b->n] = v;
        lua_pop(L, 1);
    }
    b->names[b->n++] = name;
}

/* params = {name = {lo, hi}}: the bounds, in buffers left on the stack
 * (the names live in the table). Unknown names go to the library, which
 * names the model's parameters. */
static void read_bounds(lua_State *L, int t, const mf_fitter *f, bounds *b)
{
    memset(b, 0, sizeof *b);
    if (mf_lua_field(L, t, "params") == LUA_TNIL)
        return;
    int params = lua_gettop(L);
    size_t n = mf_lua_count_names(L, params, "fitter:fit: params");
    size_t m = n ? n : 1;
    b->names = lua_newuserdatauv(L, m * sizeof *b->names, 0);
    b->lo = lua_newuserdatauv(L, m * sizeof *b->lo, 0);
    b->hi = lua_newuserdatauv(L, m * sizeof *b->hi, 0);
    lua_pushnil(L);
    while (lua_next(L, params)) {
        read_bound(L, f, lua_tostring(L, -2), lua_gettop(L), b);
        lua_pop(L, 1);
    }
}

/* The metric handle at idx, with a message in the script's terms. */
static mf_metric *check_metric(lua_State *L, int idx)
{
    if (!luaL_testudata(L, idx, MF_LUA_METRIC))
        luaL_error(L, "fitter:fit: metric must come from mf.metric(name, options), not be a %s",
                   luaL_typename(L, idx));
    return mf_lua_check_metric(L, idx);
}

/* metric = a metric, or {output = metric} with several outputs. Returns a
 * vector of n_outputs entries (NULL: the previous or default one) or NULL
 * when no metric is given; remembers the handles and the metric's name. */
static mf_metric **read_metrics(lua_State *L, int t, int fitter, const mf_fitter *f)
{
    if (mf_lua_field(L, t, "metric") == LUA_TNIL)
        return NULL;
    int value = lua_gettop(L);
    bool spikes = mf_fitter_get_kind(f) == MF_FITTER_SPIKES;
    int n = spikes ? 1 : mf_fitter_n_outputs(f);
    mf_metric **m = lua_newuserdatauv(L, (size_t)(n ? n : 1) * sizeof *m, 0);
    for (int i = 0; i < n; i++)
        m[i] = NULL;
    if (!lua_istable(L, value)) {
        for (int i = 0; i < n; i++)
            m[i] = check_metric(L, value);
        keep_handle(L, fitter, value);
    } else {
        lua_pushnil(L);
        while (lua_next(L, value)) {
            int i = 0;
            while (i < n && (lua_type(L, -2) != LUA_TSTRING ||
                             strcmp(lua_tostring(L, -2), mf_fitter_output_name(f, i)) != 0))
                i++;
            if (i == n)
                luaL_error(L, "fitter:fit: metric.%s: not an output of the fitter",
                           luaL_tolstring(L, -2, NULL));
            m[i] = check_metric(L, -1);
            keep_handle(L, fitter, -1);
            lua_pop(L, 1);
        }
    }
    if (m[0]) {
        lua_getiuservalue(L, fitter, 1);
        lua_pushstring(L, mf_metric_name(m[0]));
        lua_setfield(L, -2, "error_name");
        lua_pop(L, 1);
    }
    return m;
}

static mf_optimizer *read_optimizer(lua_State *L, int t, int fitter)
{
    if (mf_lua_field(L, t, "optimizer") == LUA_TNIL)
        return NULL;
    if (!luaL_testudata(L, -1, MF_LUA_OPTIMIZER))
        luaL_error(
            L, "fitter:fit: optimizer must come from mf.optimizer(name, options), not be a %s",
            luaL_typename(L, -1));
    mf_optimizer *opt = mf_lua_check_optimizer(L, -1);
    keep_handle(L, fitter, -1);
    return opt;
}

void mf_lua_fitter_push_best(lua_State *L, const mf_fitter *f)
{
    int n = mf_fitter_n_params(f);
    double *x = lua_newuserdatauv(L, (size_t)(n ? n : 1) * sizeof *x, 0);
    double e;
    mf_error err;
    if (mf_fitter_best(f, x, &e, &err) != MF_OK) {
        lua_pushnil(L);
        lua_pushnil(L);
        return;
    }
    mf_lua_fitter_push_params(L, f, x);
    mf_lua_fitter_push_error(L, f, e);
}

int mf_lua_fitter_fit(lua_State *L)
{
    static const char *const valid[] = {"optimizer", "metric",       "n_rounds",
                                        "callback",  "restart",      "start_iteration",
                                        "params",    "checkpoint",   "checkpoint_every",
                                        "resume",    "history_file", NULL};
    lua_fitter *u = mf_lua_fitter_idle(L, "fit");
    mf_lua_fitter_table_arg(L, 2, "fitter:fit");
    mf_lua_check_fields(L, 2, "fitter:fit", valid);
    mf_optimizer *opt = read_optimizer(L, 2, 1);
    mf_metric **metrics = read_metrics(L, 2, 1, u->f);
    mf_lua_field(L, 2, "n_rounds");
    if (!lua_isnil(L, -1) && (!lua_isinteger(L, -1) || lua_tointeger(L, -1) < 0 ||
                              lua_tointeger(L, -1) > 1000000000))
        luaL_error(L, "fitter:fit: n_rounds must be an integer >= 0");
    int n_rounds = (int)luaL_optinteger(L, -1, 1);
    bool restart = mf_lua_field(L, 2, "restart") != LUA_TNIL && lua_toboolean(L, -1);
    mf_lua_field(L, 2, "start_iteration");
    if (!lua_isnil(L, -1) && (!lua_isinteger(L, -1) || lua_tointeger(L, -1) < 0))
        luaL_error(L, "fitter:fit: start_iteration must be an integer >= 0");
    long start_iteration = lua_isnil(L, -1) ? -1 : (long)lua_tointeger(L, -1);
    bounds b;
    read_bounds(L, 2, u->f, &b);
    mf_lua_fitter_guard_options(L, 2, u);
    fit_cb cb;
    setup_callback(L, 2, &cb, n_rounds, "fitter:fit");
    mf_error err;
    u->busy = true;
    mf_lua_fitter_guard_begin();
    mf_status st = mf_fitter_fit(u->f, opt, metrics, n_rounds, b.n, b.names, b.lo, b.hi,
                                 run_callback, &cb, restart, start_iteration, &err);
    mf_lua_fitter_guard_end(u);
    u->busy = false;
    finish_callback(L, &cb);
    mf_lua_fitter_guard_check(L, u, st, &err, cb.last_round,
                              cb.last_round ? cb.n_rounds : n_rounds);
    mf_lua_fitter_push_best(L, u->f);
    return 2;
}

/* ---- fitter:refine{...} -------------------------------------------------------- */

/* info.uncertainty = {name = sd}, info.covariance = {a = {b = cov}}. */
static void push_covariance(lua_State *L, const mf_fitter *f, const double *cov)
{
    int n = mf_fitter_n_params(f);
    lua_createtable(L, 0, n);
    lua_createtable(L, 0, n);
    for (int i = 0; i < n; i++) {
        const double *di = mf_fitter_param_unit(f, i).dim;
        mf_lua_push_quantity(L, mf_lua_fitter_quantity(sqrt(fmax(cov[i * n + i], 0)), di));
        lua_setfield(L, -3, mf_fitter_param_name(f, i));
        lua_createtable(L, 0, n);
        for (int j = 0; j < n; j++) {
            mf_quantity q = mf_lua_fitter_quantity(cov[i * n + j], di);
            for (int d = 0; d < 7; d++)
                q.dim[d] += mf_fitter_param_unit(f, j).dim[d];
            mf_lua_push_quantity(L, q);
            lua_setfield(L, -2, mf_fitter_param_name(f, j));
        }
        lua_setfield(L, -2, mf_fitter_param_name(f, i));
    }
    lua_setfield(L, -3, "covariance");
    lua_setfield(L, -2, "uncertainty");
}

int mf_lua_fitter_refine(lua_State *L)
{
    static const char *const valid[] = {"params",    "max_iter",      "callback",
                                        "iteration", "calc_gradient", NULL};
    lua_fitter *u = mf_lua_fitter_idle(L, "refine");
    mf_lua_fitter_table_arg(L, 2, "fitter:refine");
    mf_lua_check_fields(L, 2, "fitter:refine", valid);
    const double *start =
        mf_lua_fitter_param_values(L, 2, "params", u->f, "fitter:refine: params");
    mf_lua_field(L, 2, "max_iter");
    if (!lua_isnil(L, -1) && (!lua_isinteger(L, -1) || lua_tointeger(L, -1) < 1 ||
                              lua_tointeger(L, -1) > 1000000000))
        luaL_error(L, "fitter:refine: max_iter must be an integer >= 1");
    int max_iter = (int)luaL_optinteger(L, -1, 100);
    double iteration =
        mf_lua_field(L, 2, "iteration") == LUA_TNIL ? NAN : luaL_checknumber(L, -1);
    unsigned flags = 0;
    if (mf_lua_field(L, 2, "calc_gradient") != LUA_TNIL && lua_toboolean(L, -1))
        flags |= MF_REFINE_EXACT_GRADIENT;
    int n = mf_fitter_n_params(u->f);
    size_t m = (size_t)(n ? n : 1);
    double *x = lua_newuserdatauv(L, m * sizeof *x, 0);
    double *cov = lua_newuserdatauv(L, m * m * sizeof *cov, 0);
    fit_cb cb;
    setup_callback(L, 2, &cb, max_iter, "fitter:refine");
    cb.refine = true;
    double e = NAN;
    mf_error err;
    u->busy = true;
    mf_status st = mf_fitter_refine(u->f, start, max_iter, flags, iteration, run_callback, &cb,
                                    x, &e, cov, &err);
    u->busy = false;
    finish_callback(L, &cb);
    mf_lua_fitter_ok(L, st, &err);
    mf_lua_fitter_push_params(L, u->f, x);
    lua_createtable(L, 0, 3);
    mf_lua_fitter_push_error(L, u->f, e);
    lua_setfield(L, -2, "error");
    push_covariance(L, u->f, cov);
    return 2;
}

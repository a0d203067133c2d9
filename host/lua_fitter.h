/* The fitter binding's internals, shared by its three files:
 *   lua_fitter.c          the constructors, the type and its fields, helpers
 *   lua_fitter_fit.c      fitter:fit and fitter:refine, with their callbacks
 *   lua_fitter_results.c  results, best, save_results, generate, plot
 * docs/lua-api.md is the user's reference. A fitter userdata has one user
 * value, a table: model (the equations), targets (output name -> a copy of
 * its target traces, for plots), dims (input name -> unit), keep (the set
 * of optimizer and metric handles the fitter borrows, kept alive with it)
 * and error_name (the metric's name, for plots). */
#ifndef MF_HOST_LUA_FITTER_H
#define MF_HOST_LUA_FITTER_H

#include "lua_host.h"

#include <string.h>

#define MF_LUA_FITTER "modelfit.fitter"

typedef struct lua_fitter {
    mf_fitter *f;
    mf_fitter_kind kind;
    bool busy;           /* inside fit or refine: a callback may not re-enter */
    int serial;          /* 1 for the script's first fitter, 2 for the second... */
    bool has_checkpoint; /* the last fit{} gave checkpoint = "file" */
} lua_fitter;

static inline mf_quantity mf_lua_fitter_quantity(double value, const double dim[7])
{
    mf_quantity q = {value, {0}};
    memcpy(q.dim, dim, sizeof q.dim);
    return q;
}

/* Raises the library's error unless st is MF_OK. */
void mf_lua_fitter_ok(lua_State *L, mf_status st, const mf_error *err);

/* The fitter at idx (raises when it is not one); mf_lua_fitter_idle also
 * refuses one that is inside its own fit or refine (method names the
 * caller in the message). */
lua_fitter *mf_lua_fitter_check(lua_State *L, int idx);
lua_fitter *mf_lua_fitter_idle(lua_State *L, const char *method);

/* Makes slot idx a method's table argument: nil becomes {}; anything but
 * a table is an error naming `what`. Drops the slots above idx. */
void mf_lua_fitter_table_arg(lua_State *L, int idx, const char *what);

/* Pushes field `key` of the user value of the fitter at `fitter`; returns
 * its type. */
int mf_lua_fitter_state(lua_State *L, int fitter, const char *key);

/* Pushes an error value (a quantity in the error's unit) or a parameter
 * vector as {name = quantity}. */
void mf_lua_fitter_push_error(lua_State *L, const mf_fitter *f, double e);
void mf_lua_fitter_push_params(lua_State *L, const mf_fitter *f, const double *x);

/* Pushes the best parameters and error, or nil, nil (3 slots: a scratch
 * vector below them). */
void mf_lua_fitter_push_best(lua_State *L, const mf_fitter *f);

/* The index of a fitted parameter, or -1; the names as "a, b, c" (pushed). */
int mf_lua_fitter_param_index(const mf_fitter *f, const char *name);
const char *mf_lua_fitter_param_list(lua_State *L, const mf_fitter *f);

/* Field `key` of the table at t as a full parameter vector (every
 * parameter, in its unit), or NULL when absent; the vector lives in a
 * userdata left on the stack. */
double *mf_lua_fitter_param_values(lua_State *L, int t, const char *key, const mf_fitter *f,
                                   const char *what);

/* fitter:fit's checkpoint, checkpoint_every, resume and history_file
 * fields of the table at t, set on the fitter (lua_fitter_guard.c);
 * guard_begin / guard_end bracket the library's fit (signal handlers).
 * guard_end also saves the default checkpoint and results of a fit that a
 * signal interrupted and that had no checkpoint (signals.h). */
void mf_lua_fitter_guard_options(lua_State *L, int t, lua_fitter *u);
void mf_lua_fitter_guard_begin(void);
void mf_lua_fitter_guard_end(const lua_fitter *u);
/* After the fit returned st (err): raises the library's error, or, when a
 * signal interrupted the fit, says so ("interrupted after round R of N",
 * R = last_round: the last round done, 0 for none). */
void mf_lua_fitter_guard_check(lua_State *L, const lua_fitter *u, mf_status st,
                               const mf_error *err, int last_round, int n_rounds);

/* The methods (self at stack slot 1). */
int mf_lua_fitter_fit(lua_State *L);
int mf_lua_fitter_refine(lua_State *L);
int mf_lua_fitter_best_params(lua_State *L);
int mf_lua_fitter_best_error(lua_State *L);
int mf_lua_fitter_results(lua_State *L);
int mf_lua_fitter_save_results(lua_State *L);
int mf_lua_fitter_generate(lua_State *L);
int mf_lua_fitter_plot(lua_State *L);

#endif

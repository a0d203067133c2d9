/* The Lua scripting host's internals: what the lua_*.c files share.
 *
 * `require "modelfit"` returns a table built by mf_lua_open_module(): each
 * lua_*.c file adds its functions and types to it through its
 * mf_lua_open_*() (one concept a file). A binding added later (the
 * fitters) writes its own lua_*.c with an opener and lists it in
 * lua_module.c, reusing the converters below: quantities, arrays with
 * units, spike trains, options, optimizer and metric handles, the plot and
 * the progress printer.
 *
 * Conventions: every function that takes a lua_State raises a Lua error
 * (never returns a status) when a value is wrong or the library fails; the
 * error text is the library's message, prefixed with the script's place
 * ("fit.lua:12: ") by luaL_where. C resources live in userdata with a __gc
 * (see mf_lua_box) before anything can raise, so a Lua error never leaks. */
#ifndef MF_HOST_LUA_HOST_H
#define MF_HOST_LUA_HOST_H

#include "modelfit/modelfit.h"

#include <lauxlib.h>
#include <lua.h>

#include <stdbool.h>
#include <stddef.h>

/* Metatable names (luaL_newmetatable keys) of the host's userdata. */
#define MF_LUA_QUANTITY  "modelfit.quantity"
#define MF_LUA_ARRAY     "modelfit.array"
#define MF_LUA_ROW       "modelfit.row"
#define MF_LUA_BOX       "modelfit.box"
#define MF_LUA_OPTIMIZER "modelfit.optimizer"
#define MF_LUA_METRIC    "modelfit.metric"
#define MF_LUA_PROGRESS  "modelfit.progress"

/* ---- the module and its context (lua_module.c) ------------------------- */

/* Makes `require "modelfit"` available in L (package.preload), bound to
 * ctx, which must outlive L (close L first, then free ctx). */
void mf_lua_preload(lua_State *L, mf_context *ctx);

/* The context given to mf_lua_preload. */
mf_context *mf_lua_context(lua_State *L);

/* Raises a Lua error with the library's message: "where: message", the
 * library's own place (file:line:col) kept and its "error: " word dropped
 * (the CLI prints "modelfit: error: " once). Does not return. */
int mf_lua_raise(lua_State *L, const mf_error *err);

/* Copies `message` into buf without the "error: " word the library puts
 * after its place ("x.csv:3:4: error: bad" -> "x.csv:3:4: bad") and with
 * newlines turned into spaces, so it fits on one line. Returns buf. */
char *mf_lua_clean_message(const char *message, char *buf, size_t n);

/* The openers: each adds its part to the module table on the stack top. */
void mf_lua_open_quantity(lua_State *L);
void mf_lua_open_array(lua_State *L);
void mf_lua_open_spikes(lua_State *L);
void mf_lua_open_data(lua_State *L);
void mf_lua_open_plugins(lua_State *L);
void mf_lua_open_simulate(lua_State *L);
void mf_lua_open_plot(lua_State *L);
void mf_lua_open_progress(lua_State *L);
void mf_lua_open_fitter(lua_State *L);

/* Reads field `key` of the table at t (an absolute index) into the stack
 * top and returns its type (LUA_TNIL when absent): a thin helper for the
 * brace-table arguments (mf.simulate{...}). */
int mf_lua_field(lua_State *L, int t, const char *key);

/* Raises "KIND: unknown field 'x' (valid: a, b, c)" when the table at t
 * has a string key not in the NULL-terminated list `valid`, so a typo in
 * a brace-table argument is not ignored. */
void mf_lua_check_fields(lua_State *L, int t, const char *kind, const char *const *valid);

/* The number of entries of the name = value table at t (an absolute
 * index), for sizing what is read from it. Raises "WHAT must be a table of
 * name = value entries, not a string" for a value that is no table, and
 * "WHAT: expected name = value entries, found a number key" for a key that
 * is not a string. */
size_t mf_lua_count_names(lua_State *L, int t, const char *what);

/* Calls fn(L, name, value_index, user) for every entry of the name = value
 * table at t (an absolute index), sorted by name, so that the order (of
 * outputs, of messages) never depends on Lua's hashing. A key that is not
 * a string raises "WHAT: expected name = value entries, found a number
 * key". fn may push; the stack is restored after each call. */
typedef void (*mf_lua_entry_fn)(lua_State *L, const char *name, int value, void *user);
void mf_lua_each_sorted(lua_State *L, int t, const char *what, mf_lua_entry_fn fn, void *user);

/* ---- owned C pointers (lua_box.c) --------------------------------------- */

/* Pushes a userdata that owns p and calls free_fn(p) when collected (or at
 * lua_close). Returns the slot so the pointer can be set after an
 * allocation that may fail: create the box first, then allocate into it. */
void **mf_lua_box(lua_State *L, void (*free_fn)(void *));

/* ---- quantities (lua_quantity.c) ---------------------------------------- */

/* Pushes q: a quantity userdata, or a plain number when q is dimensionless
 * (so u.mV / u.mV is 1, usable with math.* and loops). */
void mf_lua_push_quantity(lua_State *L, mf_quantity q);

/* True when the value at idx is a quantity userdata, a number or a string
 * that parses as a quantity; *q gets it. Never raises for a wrong type
 * (returns false) but does raise for a string that is not a quantity,
 * naming `what` (where the value came from, e.g. "mf.TraceFitter:
 * constants.El"; NULL: "a quantity string"), the string and the column:
 * `constants.El: "5*mX" at column 3: unknown name 'mX'`. */
bool mf_lua_to_quantity(lua_State *L, int idx, mf_quantity *q, const char *what);

/* The quantity at idx (quantity, number, or a string like "0.01*ms");
 * raises a Lua error naming `what` otherwise. */
mf_quantity mf_lua_check_quantity(lua_State *L, int idx, const char *what);

/* As mf_lua_check_quantity, and the dimension must equal `unit`'s (e.g.
 * dt must be a time): the error names what, the value and both units. */
double mf_lua_check_si(lua_State *L, int idx, const char *what, mf_quantity unit);

/* A quantity as a Brian expression the library parses back exactly:
 * "-0.065*metre**2*kilogram*second**-3*amp**-1" for -65 mV. */
#define MF_LUA_EXPR_MAX 256
void mf_lua_quantity_expr(mf_quantity q, char *buf, size_t n);

/* An expression argument (param_init values, refractory): a string is
 * returned as it is; a quantity (checked to have the dimension of *unit
 * unless unit is NULL) is written into buf (MF_LUA_EXPR_MAX bytes) as its
 * expression. Raises, naming `what`, for anything else. */
const char *mf_lua_check_expr(lua_State *L, int idx, const mf_quantity *unit, char *buf,
                              const char *what);

/* True when the two dimensions are equal (exponents within 1e-9). */
bool mf_lua_same_dim(const double a[7], const double b[7]);

/* ---- arrays with units (lua_array.c) ------------------------------------ */

/* A 2-D array of doubles in SI units and its dimension (all 0: plain
 * numbers). The userdata owns the mf_array. */
typedef struct mf_lua_array {
    mf_array *a;
    double dim[7];
} mf_lua_array;

/* Pushes a new array userdata taking ownership of a (which may be NULL
 * only transiently: set ->a right after). */
mf_lua_array *mf_lua_push_array(lua_State *L, mf_array *a, const double dim[7]);

/* Pushes a rows x cols array of zeros with dimension dim (NULL: none). */
mf_lua_array *mf_lua_new_array(lua_State *L, size_t rows, size_t cols, const double dim[7]);

/* The array at idx, or NULL when it is not an array userdata. */
mf_lua_array *mf_lua_test_array(lua_State *L, int idx);

/* The array at idx. A row view (a[i]) or a Lua table of numbers or
 * quantities ({1, 2, 3}: 1 x 3; {{1, 2}, {3, 4}}: 2 x 2; all of one unit)
 * is converted into a new array that replaces the value at idx, so it
 * stays alive as long as that stack slot. Raises, naming `what`, for any
 * other value, ragged rows or mixed units. */
mf_lua_array *mf_lua_check_array(lua_State *L, int idx, const char *what);

/* The metamethod of a binary operator op ('+', '-', '*', '/') whose
 * operands (stack slots 1 and 2) are arrays, quantities or numbers, at
 * least one an array: element-wise, with unit checks; pushes the result. */
int mf_lua_array_arith(lua_State *L, char op);

/* ---- spike trains (lua_spikes.c) ----------------------------------------- */

/* Pushes spike trains as a Lua list (one entry a train) of lists of time
 * quantities. */
void mf_lua_push_spike_trains(lua_State *L, const mf_spike_trains *s);

/* The spike trains at idx: a list of trains, each a list of times
 * (quantities in seconds or plain numbers taken as seconds) or an array
 * with a time unit. Returns a new object owned by a box pushed on the
 * stack. */
mf_spike_trains *mf_lua_check_spike_trains(lua_State *L, int idx, const char *what);

/* ---- plugins (lua_plugins.c) -------------------------------------------- */

/* The options table at idx (nil: none) as a new mf_options owned by a box
 * pushed on the stack. Values: integers, floats, booleans, strings,
 * quantities, arrays or lists of numbers. */
mf_options *mf_lua_check_options(lua_State *L, int idx, const char *what);

/* The optimizer / metric made by mf.optimizer / mf.metric at idx, still
 * owned by its userdata (keep a reference to the userdata while using it). */
mf_optimizer *mf_lua_check_optimizer(lua_State *L, int idx);
mf_metric *mf_lua_check_metric(lua_State *L, int idx);

#endif

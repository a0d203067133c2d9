/* <modelfit/plugin.h>: the modelfit plugin ABI, version 1.1.
 *
 * History: 1.0 the first; 1.1 appends metric_weights and
 * metric_normalization (trace metrics that are weighted sums of squares).
 *
 * The only header a plugin needs. A plugin includes nothing else of modelfit
 * and links nothing of ours: everything it needs from the host (its option
 * values, random numbers, logging, error reporting) comes through the
 * `const mf_host *` table handed to its create callback (the way SQLite hands
 * `sqlite3_api_routines` to a loadable extension).
 *
 * A plugin is a shared object exporting exactly one function:
 *
 *     MF_PLUGIN_EXPORT const mf_plugin *mf_plugin_entry(uint32_t index);
 *
 * It returns descriptor `index` (0, 1, 2, ...) or NULL past the last, so one
 * file may carry several plugins (LADSPA/LV2 style). It must have no side
 * effects and may be called any number of times; descriptors and everything
 * they point to are static data that live as long as the file is loaded.
 *
 * Versioning (the rules the host enforces when it loads a file):
 *   - Every descriptor starts with abi_version (MAJOR << 16 | MINOR) and
 *     struct_size (sizeof the mf_plugin the plugin was compiled with).
 *   - The host refuses another MAJOR, a newer MINOR than its own, a
 *     struct_size larger than the ABI version it claims can have, missing
 *     required callbacks, an empty name and an inconsistent option table;
 *     each refusal names the file (and, for versions, both versions).
 *   - The host copies min(struct_size, sizeof(mf_plugin)) bytes into a zeroed
 *     descriptor of its own (OBS style), so a plugin built against an older
 *     1.x header simply has the fields appended since then set to zero/NULL.
 *   - Structs in this header only ever grow at their end; no field is ever
 *     removed, reordered or retyped within a MAJOR version. Structs the host
 *     hands to a plugin (mf_host, mf_space, mf_targets, mf_lanes) start with
 *     struct_size too; a plugin reads only the fields it knows, and since the
 *     host refuses plugins newer than itself those fields are always there.
 *
 * Ownership: every pointer the host passes stays owned by the host and is
 * valid for the duration stated at that parameter (most often "during the
 * call"; targets and option strings: until destroy). A plugin's state
 * pointer (`void *state`, set by create) is owned by the plugin and released
 * by its destroy callback, which the host calls exactly once per successful
 * create, never after a failed one (create must clean up after itself).
 *
 * Threading: the host loads plugin files on one thread, before any parallel
 * work. An instance's callbacks are never called concurrently with each
 * other, with one exception: metric_error and metric_online_update may be
 * called concurrently from several threads on the same state, each call with
 * a disjoint set of lanes (disjoint output arrays and accumulators). Those two
 * must therefore treat the state as read-only. Different instances of one
 * plugin may be used from different threads at the same time: keep no
 * mutable global or static data.
 *
 * Errors: a callback that can fail returns MF_PLUGIN_OK (0) or another
 * mf_plugin_result, and first describes the problem with
 * host->set_error(err, "...") on the mf_plugin_err token it was given. The
 * host turns a failure into an MF_ERR_PLUGIN error naming the plugin, the
 * callback and the message. A plugin must never print, exit or abort.
 *
 * Units: every physical value crossing this ABI is in SI (seconds, volts,
 * amperes, ...): dt, target traces, spike times, quantity options. */
#ifndef MODELFIT_PLUGIN_H
#define MODELFIT_PLUGIN_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#define MF_PLUGIN_ABI_MAJOR   1
#define MF_PLUGIN_ABI_MINOR   1
#define MF_PLUGIN_ABI_VERSION ((uint32_t)((MF_PLUGIN_ABI_MAJOR << 16) | MF_PLUGIN_ABI_MINOR))

/* Marks the one exported symbol. Build plugins with -fvisibility=hidden so
 * that `nm -D --defined-only` shows mf_plugin_entry and nothing else. */
#if defined(_WIN32)
#define MF_PLUGIN_EXPORT __declspec(dllexport)
#elif defined(__GNUC__)
#define MF_PLUGIN_EXPORT __attribute__((visibility("default")))
#else
#define MF_PLUGIN_EXPORT
#endif

#if defined(__GNUC__)
#define MF_PLUGIN_PRINTF(a, b) __attribute__((format(printf, a, b)))
#else
#define MF_PLUGIN_PRINTF(a, b)
#endif

/* ------------------------------------------------------------------------
 * Enumerations. Struct fields holding these are uint32_t so their size does
 * not depend on the compiler's choice for enums. */

/* mf_plugin.kind */
enum { MF_PLUGIN_OPTIMIZER = 1, MF_PLUGIN_METRIC = 2 };

/* mf_plugin.metric_kind: what a metric compares. */
enum {
    MF_METRIC_TRACES = 1, /* recorded traces against target traces */
    MF_METRIC_SPIKES = 2  /* spike times against target spike trains */
};

/* Callback results. */
enum {
    MF_PLUGIN_OK = 0,
    MF_PLUGIN_FAILED = 1,   /* an error; set_error says which */
    MF_PLUGIN_EXHAUSTED = 2 /* optimizer_ask only: no points left (e.g. a
                               finished grid); the fit stops with the
                               set_error message, not as a failure */
};

/* Log levels for mf_host.log (the same numbers as the library's). */
enum {
    MF_PLUGIN_LOG_ERROR = 0,
    MF_PLUGIN_LOG_WARNING = 1,
    MF_PLUGIN_LOG_INFO = 2,
    MF_PLUGIN_LOG_DEBUG = 3
};

/* mf_option_spec.type */
enum {
    MF_OPT_DOUBLE = 1,      /* a dimensionless real number */
    MF_OPT_INT = 2,         /* a 64-bit integer */
    MF_OPT_BOOL = 3,        /* true or false */
    MF_OPT_STRING = 4,      /* text; see `choices` */
    MF_OPT_QUANTITY = 5,    /* a physical quantity; see `unit` */
    MF_OPT_DOUBLE_ARRAY = 6 /* a list of real numbers; defaults to empty */
};

/* mf_option_spec.flags */
enum {
    MF_OPT_REQUIRED = 1u, /* no default: the user must give it */
    MF_OPT_HAS_MIN = 2u,  /* numeric value (SI) must be >= min */
    MF_OPT_HAS_MAX = 4u   /* numeric value (SI) must be <= max */
};

/* ------------------------------------------------------------------------
 * Options. A plugin declares its options in a table; the host validates the
 * user's options against it before create (unknown name, wrong type, wrong
 * unit, out of range, not one of the choices: an error listing the valid
 * options), fills in defaults, and the plugin reads the values back with
 * mf_host.opt_*. `modelfit plugins NAME` prints the table without running
 * the plugin, so write `help` for a user. */
typedef struct mf_option_spec {
    const char *name; /* identifier: [A-Za-z_][A-Za-z0-9_]*, unique */
    uint32_t type;    /* MF_OPT_* */
    uint32_t flags;   /* MF_OPT_REQUIRED | MF_OPT_HAS_MIN | MF_OPT_HAS_MAX */
    /* The default of DOUBLE, INT (exact up to 2^53), BOOL (0 or 1) and
     * QUANTITY (in SI) options. Ignored with MF_OPT_REQUIRED. */
    double default_number;
    /* The default of STRING options (NULL means ""). */
    const char *default_string;
    /* QUANTITY only: the unit, as a Brian unit expression ("second", "volt",
     * "siemens/metre**2", "1" for dimensionless). Only its dimension counts:
     * values are always delivered in SI. NULL or "" accepts any dimension
     * (e.g. a normalization whose unit follows the fitted variable); a plain
     * number is then taken as dimensionless. */
    const char *unit;
    /* STRING only: the accepted values separated by '|' ("best1bin|rand1bin"),
     * or NULL for free text. */
    const char *choices;
    double min, max;  /* with MF_OPT_HAS_MIN / MF_OPT_HAS_MAX, in SI */
    const char *help; /* one or two sentences for `modelfit plugins NAME` */
} mf_option_spec;

/* ------------------------------------------------------------------------
 * Host services. */

/* One per plugin instance, created by the host before create and valid until
 * after destroy. Opaque. It carries the instance's validated options, its
 * random-number stream and its log destination. */
typedef struct mf_host_ctx mf_host_ctx;

/* One per callback call, owned by the host; valid during that call only. */
typedef struct mf_plugin_err mf_plugin_err;

typedef struct mf_host {
    uint32_t abi_version; /* the host's MF_PLUGIN_ABI_VERSION */
    uint32_t struct_size; /* sizeof(mf_host) in the host */

    /* Option values, validated and with defaults filled in. `name` must be
     * in the plugin's table with a matching type (DOUBLE reads DOUBLE and
     * QUANTITY options in SI; INT reads INT; BOOL reads BOOL); anything else
     * returns 0 / NULL. Strings and arrays stay valid until destroy. May be
     * called from any callback, concurrently. */
    double (*opt_double)(const mf_host_ctx *hc, const char *name);
    int64_t (*opt_int)(const mf_host_ctx *hc, const char *name);
    int (*opt_bool)(const mf_host_ctx *hc, const char *name);
    const char *(*opt_string)(const mf_host_ctx *hc, const char *name);
    const double *(*opt_array)(const mf_host_ctx *hc, const char *name, size_t *n);
    /* 1 when the user gave the option, 0 when it holds its default. */
    int (*opt_given)(const mf_host_ctx *hc, const char *name);

    /* The instance's random-number stream, seeded by the host (an optimizer's
     * `seed` option) and saved by the host with checkpoints, so a plugin that
     * draws all its randomness here is reproducible and resumable without
     * storing generator state itself. Not thread-safe: call only from the
     * non-concurrent callbacks. */
    uint64_t (*rng_u64)(mf_host_ctx *hc);               /* 64 uniform bits */
    double (*rng_uniform)(mf_host_ctx *hc);             /* uniform in [0, 1) */
    double (*rng_normal)(mf_host_ctx *hc);              /* standard normal */
    uint64_t (*rng_below)(mf_host_ctx *hc, uint64_t n); /* uniform in [0, n), n > 0 */

    /* A line for the user's log (prefixed with the plugin's name by the
     * host). Any callback, any thread. */
    void (*log)(const mf_host_ctx *hc, int level, const char *fmt, ...) MF_PLUGIN_PRINTF(3, 4);

    /* Describes why the current callback fails; call it before returning
     * MF_PLUGIN_FAILED (or MF_PLUGIN_EXHAUSTED). The last call wins. */
    void (*set_error)(mf_plugin_err *err, const char *fmt, ...) MF_PLUGIN_PRINTF(2, 3);
} mf_host;

/* ------------------------------------------------------------------------
 * What optimizers receive. */

/* The search space: a box. All arrays have n_dims entries and are valid
 * during optimizer_create only (copy what you keep). lo[i] < hi[i], both
 * finite. */
typedef struct mf_space {
    uint32_t struct_size;
    uint32_t n_dims;
    const char *const *names; /* parameter names, e.g. "g_na" */
    const double *lo;         /* lower bounds (SI) */
    const double *hi;         /* upper bounds (SI) */
} mf_space;

/* ------------------------------------------------------------------------
 * What metrics receive. */

/* The targets, given to metric_create. Valid (unchanged) until
 * metric_destroy, so a metric need not copy them. */
typedef struct mf_targets {
    uint32_t struct_size;
    uint32_t n_traces; /* >= 1 */
    uint32_t n_steps;  /* time steps per trace, >= 1 */
    double dt;         /* seconds, > 0 */
    /* MF_METRIC_TRACES: n_traces x n_steps values, row-major (trace k, step
     * s at values[k * n_steps + s]), SI. NULL for spike metrics. */
    const double *values;
    /* MF_METRIC_SPIKES: for each trace k, n_spikes[k] spike times in seconds,
     * ascending, at spikes[k]. NULL for trace metrics. */
    const double *const *spikes;
    const size_t *n_spikes;
} mf_targets;

/* A batch of lanes for metric_error. A lane is one simulation of one
 * parameter set against one input trace; trace[j] tells which (so its
 * target). Valid during the call. */
typedef struct mf_lanes {
    uint32_t struct_size;
    uint32_t n_lanes;
    const uint32_t *trace; /* trace index of lane j, < n_traces */
    /* MF_METRIC_TRACES: lane j's value at step s is values[j][s * stride]
     * (n_steps steps), so a recording stored lane-major (stride 1) or
     * step-major by block (stride = block size) is passed without copying.
     * May contain NaN or inf (a diverged simulation). */
    const double *const *values;
    size_t stride;
    /* MF_METRIC_SPIKES: lane j's n_spikes[j] spike times (seconds, ascending)
     * at spikes[j]. */
    const double *const *spikes;
    const size_t *n_spikes;
} mf_lanes;

/* ------------------------------------------------------------------------
 * The descriptor. */
typedef struct mf_plugin {
    uint32_t abi_version;          /* MF_PLUGIN_ABI_VERSION */
    uint32_t struct_size;          /* sizeof(mf_plugin) */
    const char *name;              /* non-empty, unique per kind: "de", "mse" */
    uint32_t kind;                 /* MF_PLUGIN_OPTIMIZER or MF_PLUGIN_METRIC */
    uint32_t option_size;          /* sizeof(mf_option_spec): the table's stride */
    const char *version;           /* the plugin's own version, e.g. "1.0.0" */
    const char *summary;           /* one line: what it does, which variant */
    const mf_option_spec *options; /* n_options entries (NULL when 0) */
    uint32_t n_options;

    /* ---- optimizers (kind == MF_PLUGIN_OPTIMIZER) ------------------------
     * Required: create, ask, tell, destroy. Optional: recommend; save and
     * load (both or neither; they make checkpoints possible).
     *
     * create: builds a fresh state for `space`. Called again for a restart
     *   (after destroy of the old state). host and hc stay valid until
     *   destroy: keep them in the state.
     * ask: writes n points, row-major (point i, dimension d at
     *   points[i * n_dims + d]), each inside [lo, hi] and finite; the host
     *   checks and fails the fit naming the plugin otherwise. The first ask
     *   fixes n for optimizers that need it (a DE population); a later ask
     *   with another n may fail. Return MF_PLUGIN_EXHAUSTED when no point is
     *   left.
     * tell: the errors of the points of the preceding ask, same n, same
     *   order (the host guarantees one tell per ask). errors[i] is a number
     *   >= 0 or +inf (the host turns a NaN error, e.g. of a diverged
     *   simulation, into +inf: worse than any number).
     * recommend: the plugin's best estimate so far and its error (NaN when
     *   unknown); the host otherwise uses the best point it was told.
     * save: serialises the state (not the rng: the host saves that). Called
     *   with buf == NULL to ask the size into *len, then with a buffer of
     *   *len bytes. The bytes must be portable between runs of the same
     *   build (no pointers).
     * load: restores a state saved by save into a state that create just
     *   made for the same space and options. */
    int (*optimizer_create)(const mf_host *host, mf_host_ctx *hc, const mf_space *space,
                            void **state, mf_plugin_err *err);
    int (*optimizer_ask)(void *state, uint32_t n, double *points, mf_plugin_err *err);
    int (*optimizer_tell)(void *state, uint32_t n, const double *points, const double *errors,
                          mf_plugin_err *err);
    int (*optimizer_recommend)(void *state, double *point, double *error, mf_plugin_err *err);
    int (*optimizer_save)(void *state, void *buf, size_t *len, mf_plugin_err *err);
    int (*optimizer_load)(void *state, const void *buf, size_t len, mf_plugin_err *err);
    void (*optimizer_destroy)(void *state);

    /* ---- metrics (kind == MF_PLUGIN_METRIC) ------------------------------
     * Required: metric_kind, create, error, destroy. Optional: the online
     * form (online_size > 0 and all three online callbacks).
     *
     * metric_error_power: the error's dimension is the fitted variable's
     *   dimension to this power (2 for a mean squared error of volts: V^2;
     *   0 for a dimensionless error such as the gamma factor), before any
     *   normalization by a quantity option.
     * create: checks the targets against the options (say what is wrong:
     *   "target train 2 has no spike") and prepares whatever error needs.
     * error: one error per lane, errors[j] for lane j; >= 0, or NaN when the
     *   lane's output is NaN (the host treats NaN as the worst error; a
     *   negative error is a plugin bug the host reports). The host averages
     *   the lanes of one parameter set over the traces. Concurrent calls on
     *   disjoint batches (see Threading).
     * online form (for fits that keep O(1) memory per lane): each lane owns
     *   an accumulator of online_size bytes (a multiple of 8, 8-aligned) in
     *   an array of n lanes (lane j's at (char *)acc + j * online_size).
     *   online_init zeroes/initialises n accumulators; online_update adds
     *   step `step` for n lanes given the model value model[j] and the
     *   target target[j] at that step (the target of lane j's trace), steps
     *   in increasing order from 0 to n_steps - 1; online_finish writes the
     *   n errors (same rules as error). online_update may run concurrently
     *   on disjoint accumulators. */
    uint32_t metric_kind; /* MF_METRIC_TRACES or MF_METRIC_SPIKES */
    int32_t metric_error_power;
    int (*metric_create)(const mf_host *host, mf_host_ctx *hc, const mf_targets *targets,
                         void **state, mf_plugin_err *err);
    int (*metric_error)(void *state, const mf_lanes *lanes, double *errors, mf_plugin_err *err);
    void (*metric_destroy)(void *state);
    uint32_t metric_online_size;
    void (*metric_online_init)(void *state, uint32_t n, void *acc);
    void (*metric_online_update)(void *state, uint32_t n, void *acc, uint32_t step,
                                 const double *model, const double *target);
    int (*metric_online_finish)(void *state, uint32_t n, void *acc, const uint32_t *trace,
                                double *errors, mf_plugin_err *err);
    /* ABI 1.0 ends here; fields added later go below, with the minor bumped. */

    /* ---- ABI 1.1: trace metrics that are weighted sums of squares --------
     * Optional (zero in a 1.0 plugin, which keeps working: the host then
     * only knows the error's value). A trace metric whose error of a lane is
     *     error = sum_s weights[s] * (model_s - target_s)^2 / N^2
     * says so with these two fields, and the host uses the structure: it
     * minimises the same error by least squares (refine's residuals
     * sqrt(weights[s]) * (model_s - target_s) / N) and reports the error
     * before normalization, error * N^2, in the output's unit squared.
     *
     * metric_weights: writes the n_steps weights of the prepared state (the
     *   same for every trace), each finite and >= 0 (0 ignores a step), not
     *   all 0 (mse's: 1/n_kept from t_start on, or t_weights / their sum).
     *   Only with metric_kind MF_METRIC_TRACES and metric_error_power 2 (the
     *   host refuses the file otherwise). Called after create, never
     *   concurrently with another callback of the same state.
     * metric_normalization: the name of the option (in `options`, of type
     *   MF_OPT_QUANTITY or MF_OPT_DOUBLE) whose value is N, or NULL for
     *   N = 1. The host reads the value and, for a quantity, its unit from
     *   the validated options, so a normalization in the output's unit
     *   (`1*mV` for volts) makes the error dimensionless and a plain number
     *   keeps the output's unit squared. Ignored without metric_weights. */
    int (*metric_weights)(void *state, double *weights, mf_plugin_err *err);
    const char *metric_normalization;
} mf_plugin;

/* The entry point every plugin file exports (see the top of this file). */
MF_PLUGIN_EXPORT const mf_plugin *mf_plugin_entry(uint32_t index);

#ifdef __cplusplus
}
#endif
#endif

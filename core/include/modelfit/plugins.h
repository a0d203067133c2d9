/* libmodelfit: plugins seen from the library's user (the fitter, the Lua
 * host, `modelfit plugins`, a C program).
 *
 * Three groups, all opaque handles:
 *   - the registry: every optimizer and metric plugin found for a context
 *     (MODELFIT_PLUGIN_PATH, then the installed directory, then the build
 *     tree's), for listing and lookup;
 *   - mf_options: a bag of named, typed values the user sets, validated
 *     against a plugin's option table when an instance is made;
 *   - instances: mf_optimizer and mf_metric, the objects a fit uses. They
 *     wrap a plugin's callbacks and guard against a misbehaving plugin: a
 *     failing callback, a point outside the bounds or NaN, a negative error
 *     become an MF_ERR_PLUGIN error naming the plugin, never a crash.
 *
 * Plugins are loaded on first use of the registry, on the calling thread:
 * do it (any call below taking an mf_context) before starting threads.
 * Objects made from a context keep pointers into its registry: free them
 * before the context. The plugin ABI itself is <modelfit/plugin.h>. */
#ifndef MODELFIT_PLUGINS_H
#define MODELFIT_PLUGINS_H

#include "modelfit/context.h"
#include "modelfit/plugin.h"
#include "modelfit/status.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Exponents of the 7 SI base units, in this order: metre, kilogram, second,
 * ampere, kelvin, mole, candela. {0, 0, 1, 0, 0, 0, 0} is a time. */
#define MF_N_BASE_UNITS 7

/* ------------------------------------------------------------------------
 * The registry. */

/* One plugin found (a descriptor of a loaded file). Owned by the context. */
typedef struct mf_plugin_info mf_plugin_info;

/* Loads the plugins (once per context; later calls do nothing) and reports
 * how many were found, shadowed ones included. Files that were refused are
 * not plugins: see mf_plugin_refusal. */
MF_API mf_status mf_plugins_count(mf_context *ctx, size_t *n, mf_error *err);
/* Plugin i in discovery order (MODELFIT_PLUGIN_PATH directories in order,
 * then installed, then build tree, each directory in file-name order);
 * NULL past the end or before the registry is loaded. */
MF_API const mf_plugin_info *mf_plugins_at(const mf_context *ctx, size_t i);

/* The plugin named `name` of `kind` (MF_PLUGIN_OPTIMIZER, MF_PLUGIN_METRIC,
 * or 0 for either), the first found when several share the name. A name
 * containing '/' or ending in ".so" is a file: it is loaded if it is not
 * yet, and its first plugin of `kind` is returned. Not found: MF_ERR_NAME
 * listing the available plugins of that kind; a refused file:
 * MF_ERR_PLUGIN with the reason. */
MF_API mf_status mf_plugins_find(mf_context *ctx, const char *name, uint32_t kind,
                                 const mf_plugin_info **out, mf_error *err);

/* What was found but is not used, with the reason: refused files and
 * descriptors (e.g. "/x/old.so: plugin #0 uses plugin ABI 2.0, but this
 * modelfit supports ABI 1.0 ...") and plugins shadowed by an earlier one of
 * the same name. mf_plugins_refusal returns NULL past the end. */
MF_API size_t mf_plugins_refusal_count(const mf_context *ctx);
MF_API const char *mf_plugins_refusal(const mf_context *ctx, size_t i);

/* The plugin's descriptor as the host sees it: zero-filled past the
 * plugin's struct_size, `options` pointing to n_options entries laid out as
 * this header's mf_option_spec (option_size == sizeof(mf_option_spec)). */
MF_API const mf_plugin *mf_plugin_info_descriptor(const mf_plugin_info *info);
/* The file it was loaded from (absolute or as given). */
MF_API const char *mf_plugin_info_file(const mf_plugin_info *info);
/* true when an earlier plugin of the same name and kind hides this one. */
MF_API bool mf_plugin_info_shadowed(const mf_plugin_info *info);
/* Formats an option's default for display ("0.5 ms", "10", "true",
 * "\"currenttobest1\"", "[]", "(required)"). Returns buf ("" for a NULL
 * spec). */
MF_API char *mf_plugin_option_default(const mf_option_spec *spec, char *buf, size_t n);
/* "double", "int", "bool", "string", "quantity", "double array". */
MF_API const char *mf_plugin_option_type_name(uint32_t type);
/* "optimizer", "metric". */
MF_API const char *mf_plugin_kind_name(uint32_t kind);

/* ------------------------------------------------------------------------
 * Options: name -> typed value. Setting a name again replaces its value.
 * Names are checked against a plugin's table only when an instance is made,
 * so one bag may be built before choosing the plugin. Conversions done then:
 * an int where a double is wanted; an integral double where an int is
 * wanted; a dimensionless quantity where a double is wanted; a string where
 * a number, bool or quantity is wanted ("0.5", "true", "5*ms"); a single
 * double where an array is wanted. */
typedef struct mf_options mf_options;

MF_API mf_status mf_options_new(mf_options **out, mf_error *err);
MF_API void mf_options_free(mf_options *opts);
MF_API mf_status mf_options_set_double(mf_options *opts, const char *name, double value,
                                       mf_error *err);
MF_API mf_status mf_options_set_int(mf_options *opts, const char *name, int64_t value,
                                    mf_error *err);
MF_API mf_status mf_options_set_bool(mf_options *opts, const char *name, bool value,
                                     mf_error *err);
/* A NULL value is the empty string. */
MF_API mf_status mf_options_set_string(mf_options *opts, const char *name, const char *value,
                                       mf_error *err);
/* A quantity: its value in SI and its dimension as base-unit exponents
 * (dims NULL: dimensionless). */
MF_API mf_status mf_options_set_quantity(mf_options *opts, const char *name, double value_si,
                                         const double dims[MF_N_BASE_UNITS], mf_error *err);
/* Copies n values (n may be 0: an empty array). */
MF_API mf_status mf_options_set_array(mf_options *opts, const char *name, const double *values,
                                      size_t n, mf_error *err);
MF_API size_t mf_options_count(const mf_options *opts);

/* ------------------------------------------------------------------------
 * Optimizers. */
typedef struct mf_optimizer mf_optimizer;

/* Makes an optimizer from the plugin `name` (or a file path, see
 * mf_plugins_find) with `opts` (NULL: all defaults), validated against the
 * plugin's table plus the host option every optimizer has:
 *   seed (int >= 0, default 0): seeds the optimizer's random-number stream;
 *   the same seed gives the same points.
 * An unknown option, a wrong type or unit, a value out of range: an error
 * naming the plugin and listing its valid options. The plugin's state is
 * made by mf_optimizer_start. */
MF_API mf_status mf_optimizer_new(mf_context *ctx, const char *name, const mf_options *opts,
                                  mf_optimizer **out, mf_error *err);
MF_API void mf_optimizer_free(mf_optimizer *opt);
/* The options the host adds to every optimizer's own (today: seed), for
 * listings. *n gets their number. */
MF_API const mf_option_spec *mf_optimizer_host_options(size_t *n);
MF_API const mf_plugin_info *mf_optimizer_plugin(const mf_optimizer *opt);
MF_API const char *mf_optimizer_name(const mf_optimizer *opt);

/* (Re)starts the search over the box lo < hi (n_dims parameters named
 * names[]): destroys any previous state and creates a fresh plugin state.
 * The random stream is seeded once, by mf_optimizer_new, and not reseeded
 * here: a restart explores new points, and a whole script stays
 * reproducible for a given seed. Arrays are copied. */
MF_API mf_status mf_optimizer_start(mf_optimizer *opt, uint32_t n_dims,
                                    const char *const *names, const double *lo,
                                    const double *hi, mf_error *err);
/* n points into points[n * n_dims] (row-major). Every coordinate is checked:
 * NaN or outside its bounds is MF_ERR_PLUGIN naming the plugin, the point
 * and the parameter. An exhausted optimizer (grid) gives MF_ERR_STOPPED with
 * its message. The plugin sees one tell per ask: an ask while the last
 * ask's points are not told yet (their evaluation failed, say) gives those
 * same points again for the same n (the plugin is not called; another n is
 * MF_ERR_INVALID). After points that failed the check the plugin still
 * waits for a tell the host will not give: ask, tell and save are then
 * refused (MF_ERR_INVALID) until mf_optimizer_start or mf_optimizer_load. */
MF_API mf_status mf_optimizer_ask(mf_optimizer *opt, uint32_t n, double *points, mf_error *err);
/* The errors of the n points of the last ask (points must be those points,
 * unchanged). NaN errors are passed to the plugin as +inf ("worst"); a
 * negative or -inf error is MF_ERR_INVALID. */
MF_API mf_status mf_optimizer_tell(mf_optimizer *opt, uint32_t n, const double *points,
                                   const double *errors, mf_error *err);
/* The plugin's recommendation (point[n_dims], error), or the best point told
 * since start when the plugin has no recommend. MF_ERR_INVALID before any
 * tell. */
MF_API mf_status mf_optimizer_recommend(mf_optimizer *opt, double *point, double *error,
                                        mf_error *err);
/* The dimensions given to start (0 before). */
MF_API uint32_t mf_optimizer_n_dims(const mf_optimizer *opt);

/* Checkpoints: the whole state (random stream, host bookkeeping and the
 * plugin's own bytes). buf NULL asks the size into *len; otherwise writes
 * at most cap bytes (MF_ERR_INVALID when too small) and sets *len; refused
 * (MF_ERR_INVALID) while a tell is due. MF_ERR_UNSUPPORTED when the plugin
 * has no save/load. load needs a started optimizer with the same space and
 * options; it loads into a fresh plugin state and replaces the current one
 * only when that succeeds, so a failed load leaves the optimizer as it
 * was. */
MF_API bool mf_optimizer_can_save(const mf_optimizer *opt);
MF_API mf_status mf_optimizer_save(mf_optimizer *opt, void *buf, size_t cap, size_t *len,
                                   mf_error *err);
MF_API mf_status mf_optimizer_load(mf_optimizer *opt, const void *buf, size_t len,
                                   mf_error *err);

/* ------------------------------------------------------------------------
 * Metrics. */
typedef struct mf_metric mf_metric;

/* Makes a metric from the plugin `name` (or a path) with `opts`, validated
 * like mf_optimizer_new's (no host options). Its state is made by
 * mf_metric_prepare_traces / _spikes. */
MF_API mf_status mf_metric_new(mf_context *ctx, const char *name, const mf_options *opts,
                               mf_metric **out, mf_error *err);
MF_API void mf_metric_free(mf_metric *metric);
MF_API const mf_plugin_info *mf_metric_plugin(const mf_metric *metric);
MF_API const char *mf_metric_name(const mf_metric *metric);
/* MF_METRIC_TRACES or MF_METRIC_SPIKES. */
MF_API uint32_t mf_metric_kind(const mf_metric *metric);
/* The error's dimension is the output variable's to this power (see
 * mf_plugin.metric_error_power). */
MF_API int mf_metric_error_power(const mf_metric *metric);

/* Gives the targets (copied) and creates the plugin state; calling it again
 * replaces both. targets: n_traces x n_steps row-major, SI. NaN in targets
 * is MF_ERR_NUMERIC naming the trace and step. A spike metric refuses
 * prepare_traces and vice versa. */
MF_API mf_status mf_metric_prepare_traces(mf_metric *metric, double dt, uint32_t n_traces,
                                          uint32_t n_steps, const double *targets,
                                          mf_error *err);
/* spikes[k]: n_spikes[k] ascending times (s) of trace k; n_steps * dt is the
 * recording's length. */
MF_API mf_status mf_metric_prepare_spikes(mf_metric *metric, double dt, uint32_t n_traces,
                                          uint32_t n_steps, const double *const *spikes,
                                          const size_t *n_spikes, mf_error *err);

/* One error per lane for a trace metric: lane j is trace trace[j], its value
 * at step s is values[j][s * stride]. errors[j] >= 0 or NaN (a NaN output);
 * a negative error from the plugin is MF_ERR_PLUGIN. Thread-safe for
 * disjoint batches on one prepared metric (own err each). */
MF_API mf_status mf_metric_errors(const mf_metric *metric, uint32_t n_lanes,
                                  const uint32_t *trace, const double *const *values,
                                  size_t stride, double *errors, mf_error *err);
/* The same for a spike metric: lane j's n_spikes[j] ascending times. */
MF_API mf_status mf_metric_errors_spikes(const mf_metric *metric, uint32_t n_lanes,
                                         const uint32_t *trace, const double *const *spikes,
                                         const size_t *n_spikes, double *errors, mf_error *err);
/* Per-sample errors of one round (DESIGN.md section 1): lane i is sample
 * i / n_traces against trace i % n_traces; sample_errors[s] is the mean over
 * the traces of its lanes' errors (NaN when any lane is NaN). */
MF_API void mf_metric_average_samples(uint32_t n_samples, uint32_t n_traces,
                                      const double *lane_errors, double *sample_errors);

/* A metric's options as it got them: validated against its table, defaults
 * filled in. _double reads DOUBLE, INT and BOOL options as numbers and
 * QUANTITY ones in SI; _quantity reads QUANTITY options with their
 * dimension (a DOUBLE one as dimensionless); _array reads DOUBLE_ARRAY
 * options (owned by the metric, NULL when empty). An option the metric does
 * not have is MF_ERR_NAME, another type MF_ERR_INVALID. */
MF_API mf_status mf_metric_option_double(const mf_metric *metric, const char *name,
                                         double *value, mf_error *err);
MF_API mf_status mf_metric_option_quantity(const mf_metric *metric, const char *name,
                                           double *value_si, double dims[MF_N_BASE_UNITS],
                                           mf_error *err);
MF_API mf_status mf_metric_option_array(const mf_metric *metric, const char *name,
                                        const double **values, size_t *n, mf_error *err);

/* A trace metric that describes itself as a weighted sum of squares
 * (plugin ABI 1.1, mf_plugin.metric_weights): per lane
 *     error = sum_s weights[s] * (model_s - target_s)^2 / N^2
 * with N its normalization. mf_metric_has_weights says whether it does.
 * mf_metric_weights writes the n_steps weights of the prepared targets:
 * MF_ERR_UNSUPPORTED when the metric does not describe itself so,
 * MF_ERR_INVALID before prepare, MF_ERR_PLUGIN when a weight is negative or
 * not finite or all are 0. mf_metric_normalization gives N in SI and its
 * dimension: the value of the option the plugin names, 1 and
 * dimensionless when it names none (or has no weights). */
MF_API bool mf_metric_has_weights(const mf_metric *metric);
MF_API mf_status mf_metric_weights(const mf_metric *metric, double *weights, mf_error *err);
MF_API void mf_metric_normalization(const mf_metric *metric, double *value_si,
                                    double dims[MF_N_BASE_UNITS]);

/* The online (streaming) form: 0 when the plugin has none, else the bytes
 * of one lane's accumulator (see mf_plugin.metric_online_size). init, then
 * update once per step 0..n_steps-1, then finish. update is thread-safe for
 * disjoint accumulators. */
MF_API size_t mf_metric_online_size(const mf_metric *metric);
MF_API void mf_metric_online_init(const mf_metric *metric, uint32_t n, void *acc);
MF_API void mf_metric_online_update(const mf_metric *metric, uint32_t n, void *acc,
                                    uint32_t step, const double *model, const double *target);
MF_API mf_status mf_metric_online_finish(const mf_metric *metric, uint32_t n, void *acc,
                                         const uint32_t *trace, double *errors, mf_error *err);

#ifdef __cplusplus
}
#endif
#endif

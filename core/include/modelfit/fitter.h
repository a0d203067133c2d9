/* Fitting a model to recordings: brian2modelfitting's TraceFitter,
 * SpikeFitter and OnlineTraceFitter (and their fit / refine / results /
 * generate) as a C API.
 *
 * A fitter is made in two steps: an mf_fitter_spec collects what
 * brian2modelfitting's constructors take (model, constants, inputs,
 * outputs, dt, n_samples, method, threshold, reset, refractory, param_init,
 * penalty) through setters that may come in any order (the last value
 * wins), then mf_fitter_new checks all of it at once and compiles the model.
 * The spec is copied: free it whenever you like.
 *
 * One round of mf_fitter_fit (DESIGN.md section 1): the optimizer proposes
 * n_samples parameter sets; each set is simulated against every input trace
 * (neuron i: set i / n_traces, trace i % n_traces); each output's metric
 * gives an error per set (mean over the traces); the set's error is the sum
 * of its outputs' errors plus the penalty; the optimizer is told.
 *
 * All values crossing this API are in SI units (volt, amp, second, ...);
 * an mf_quantity `unit` argument names a dimension and must be the SI unit
 * itself (value 1). Strings returned by accessors live as long as the
 * fitter. A fitter is used by one thread at a time (it runs the simulation
 * on the context's threads itself). */
#ifndef MODELFIT_FITTER_H
#define MODELFIT_FITTER_H

#include "modelfit/context.h"
#include "modelfit/data.h"
#include "modelfit/plugins.h"
#include "modelfit/quantity.h"
#include "modelfit/status.h"

#include <signal.h>
#include <stdbool.h>
#include <stdio.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef enum mf_fitter_kind {
    /* Targets are traces of one or more variables (or subexpressions); the
     * outputs are recorded in full and compared by trace metrics (mse). */
    MF_FITTER_TRACES = 1,
    /* Targets are spike trains, one per input trace; compared by a spike
     * metric (gamma). Needs a threshold. */
    MF_FITTER_SPIKES = 2,
    /* One traced output whose error is accumulated while the simulation
     * runs, through the metric's online form: memory per neuron does not
     * grow with the recording's length. */
    MF_FITTER_ONLINE = 3
} mf_fitter_kind;

/* ------------------------------------------------------------------------
 * The specification. */
typedef struct mf_fitter_spec mf_fitter_spec;

MF_API mf_status mf_fitter_spec_new(mf_fitter_kind kind, mf_fitter_spec **out, mf_error *err);
MF_API void mf_fitter_spec_free(mf_fitter_spec *spec);

/* The model's Brian equations. `source` names the text in messages (a file
 * name; NULL: "model"). */
MF_API mf_status mf_fitter_spec_set_model(mf_fitter_spec *spec, const char *text,
                                          const char *source, mf_error *err);
/* Reads the equations from a file (its name becomes the source). */
MF_API mf_status mf_fitter_spec_read_model(mf_fitter_spec *spec, const char *path,
                                           mf_error *err);
/* A name of Brian's namespace the equations use (El = -65 mV). */
MF_API mf_status mf_fitter_spec_set_constant(mf_fitter_spec *spec, const char *name,
                                             mf_quantity value, mf_error *err);
/* An input the equations use (I), n_traces rows of n_steps values (copied).
 * Every input and traced output must have the same shape, and the model
 * must use every input. */
MF_API mf_status mf_fitter_spec_set_input(mf_fitter_spec *spec, const char *name,
                                          mf_quantity unit, int n_traces, long n_steps,
                                          const double *values, mf_error *err);
/* A traced output: the target traces of a variable or subexpression of the
 * model (copied). `unit` must be the variable's. The model may read the
 * target at the current step as `<name>_target`, and the round's counter as
 * `iteration` (brian2modelfitting's names). Trace and online fitters. */
MF_API mf_status mf_fitter_spec_set_output(mf_fitter_spec *spec, const char *name,
                                           mf_quantity unit, int n_traces, long n_steps,
                                           const double *values, mf_error *err);
/* The target spike trains of the spike fitter, one train per input trace
 * (copied). */
MF_API mf_status mf_fitter_spec_set_output_spikes(mf_fitter_spec *spec,
                                                  const mf_spike_trains *targets,
                                                  mf_error *err);
/* The time step of the recordings, in seconds. Required. */
MF_API mf_status mf_fitter_spec_set_dt(mf_fitter_spec *spec, double dt, mf_error *err);
/* Parameter sets per round (default 30). */
MF_API mf_status mf_fitter_spec_set_n_samples(mf_fitter_spec *spec, int n_samples,
                                              mf_error *err);
/* As mf_sim_set_method etc. (simulate.h). NULL or "" clears. */
MF_API mf_status mf_fitter_spec_set_method(mf_fitter_spec *spec, const char *method,
                                           mf_error *err);
MF_API mf_status mf_fitter_spec_set_threshold(mf_fitter_spec *spec, const char *condition,
                                              mf_error *err);
MF_API mf_status mf_fitter_spec_set_reset(mf_fitter_spec *spec, const char *statements,
                                          mf_error *err);
MF_API mf_status mf_fitter_spec_set_refractory(mf_fitter_spec *spec, const char *refractory,
                                               mf_error *err);
/* param_init: the initial value of a variable ("-65*mV", "El", "b*v"). */
MF_API mf_status mf_fitter_spec_set_init(mf_fitter_spec *spec, const char *variable,
                                         const char *value, mf_error *err);
/* The name of a variable or subexpression whose value at the end of each
 * simulation is added to the error (mean over the traces of a parameter
 * set). It must have the unit of the error. NULL or "" clears. */
MF_API mf_status mf_fitter_spec_set_penalty(mf_fitter_spec *spec, const char *name,
                                            mf_error *err);

/* ------------------------------------------------------------------------
 * The fitter. */
typedef struct mf_fitter mf_fitter;

/* Checks everything up front and compiles the model: a missing model or
 * dt, shapes that disagree, an output unit that is not its variable's, an
 * input the model does not use, NaN or infinite data (naming the trace and
 * step), an unknown penalty, a spike fitter without threshold or spike
 * targets... ctx gives the plugins, the threads and the log; it must
 * outlive the fitter. */
MF_API mf_status mf_fitter_new(mf_context *ctx, const mf_fitter_spec *spec, mf_fitter **out,
                               mf_error *err);
MF_API void mf_fitter_free(mf_fitter *fitter);

/* Round numbers: the C API gives a round's index, from 0 (this
 * callback's `round`, mf_fitter_history_round), as every C index here;
 * everything the library writes for people or files (the printers below,
 * messages such as the stop reason, the CSV and JSON history) shows its
 * number, index + 1, so the first round is round 1 everywhere a user
 * reads one (the Lua API counts from 1 too, docs/lua-api.md).
 *
 * Called after every round of a fit: `round` is the index of the round
 * within this call, from 0 to n_rounds - 1; best_params (n_params values, NULL while no
 * finite error was seen) and best_error are the best since the last
 * (re)start; points (n_points x n_params, row-major) and errors are the
 * round's. Returning non-zero ends the fit after this round (not an error).
 * mf_fitter_refine calls it after each iteration with n_points 1. */
typedef int (*mf_fit_callback)(void *user, const mf_fitter *fitter, int round, int n_rounds,
                               const double *best_params, double best_error, int n_points,
                               const double *points, const double *errors);

/* Runs n_rounds rounds (0 only sets the fit up, e.g. before a refine).
 *
 *  optimizer  the optimizer instance; NULL: the one of the previous fit.
 *  metrics    NULL, or one metric per output in the order the outputs were
 *             set (the spike and online fitters have one); a NULL entry or
 *             array means the one of the previous fit, or on the first fit
 *             the default: mse for traces, gamma with delta = 2 ms for
 *             spikes. Each output needs its own instance: the fitter hands
 *             the metric its targets (mf_metric_prepare_*) at every call.
 *  bounds     n_bounds names with lo < hi (SI), one for every parameter
 *             `p : unit (constant)` of the model; n_bounds 0: those of the
 *             previous fit.
 *  restart    start over: fresh optimizer state, cleared history and best,
 *             iteration 0 (or start_iteration). Without it the optimizer,
 *             the metrics and the bounds are fixed between calls (DESIGN.md
 *             section 1): a change is refused with an error naming what
 *             changed, and the fitter's state is untouched.
 *  start_iteration  the value of the model's `iteration` in the first
 *             round; negative: 0 on the first fit and after a restart, else
 *             one more than the previous round's.
 *
 * The optimizer and metrics are borrowed: keep them alive while the fitter
 * may use them. A stopping callback or an exhausted optimizer (grid) ends
 * the fit early with MF_OK; mf_fitter_stop_reason says why.
 *
 * A round is atomic: its points enter the history and the optimizer (its
 * tell) together, or neither does. When a round's evaluation fails (a
 * plugin error, a process that fails in a distributed fit, ...) or the
 * optimizer refuses the tell, the fit returns that error with the rounds
 * before it in the history (and in a checkpoint written then); the next
 * call without restart redoes the round with the same points (the
 * optimizer gives them again, mf_optimizer_ask) and the same
 * `iteration`. */
MF_API mf_status mf_fitter_fit(mf_fitter *fitter, mf_optimizer *optimizer,
                               mf_metric *const *metrics, int n_rounds, int n_bounds,
                               const char *const *names, const double *lo, const double *hi,
                               mf_fit_callback callback, void *callback_user, bool restart,
                               long start_iteration, mf_error *err);

/* The best parameters (n_params values) and error since the last
 * (re)start: the lowest finite error (NaN never wins). MF_ERR_INVALID
 * before any finite error. Either pointer may be NULL. */
MF_API mf_status mf_fitter_best(const mf_fitter *fitter, double *params, double *error,
                                mf_error *err);
/* Why the last fit ended before n_rounds, or NULL. */
MF_API const char *mf_fitter_stop_reason(const mf_fitter *fitter);
/* The `iteration` value the last simulated round used (brian2modelfitting's
 * neurons.iteration); -1 before any round. */
MF_API long mf_fitter_iteration(const mf_fitter *fitter);

/* Description. For a NULL fitter these accessors and the history's give
 * 0 (the kind and counts), NULL, NaN (dt, errors), -1 (the iteration, a
 * round) or a dimensionless unit. */
MF_API mf_fitter_kind mf_fitter_get_kind(const mf_fitter *fitter);
MF_API mf_context *mf_fitter_context(const mf_fitter *fitter);
MF_API int mf_fitter_n_samples(const mf_fitter *fitter);
MF_API int mf_fitter_n_traces(const mf_fitter *fitter);
MF_API long mf_fitter_n_steps(const mf_fitter *fitter);
MF_API double mf_fitter_dt(const mf_fitter *fitter);
/* The fitted parameters: the model's `p : unit (constant)` in the order of
 * the equations. Their unit as an SI quantity of value 1. */
MF_API int mf_fitter_n_params(const mf_fitter *fitter);
MF_API const char *mf_fitter_param_name(const mf_fitter *fitter, int i);
MF_API mf_quantity mf_fitter_param_unit(const mf_fitter *fitter, int i);
/* The outputs ("spikes" for the spike fitter). */
MF_API int mf_fitter_n_outputs(const mf_fitter *fitter);
MF_API const char *mf_fitter_output_name(const mf_fitter *fitter, int i);
/* The unit of the error (known once a fit has set the metrics; else 1). */
MF_API mf_quantity mf_fitter_error_unit(const mf_fitter *fitter);

/* ------------------------------------------------------------------------
 * Results: every evaluated point since the last (re)start, in order. */
MF_API long mf_fitter_history_size(const mf_fitter *fitter);
/* n_params values; NULL when i is out of range. */
MF_API const double *mf_fitter_history_point(const mf_fitter *fitter, long i);
/* The point's error (NaN when its simulation diverged). */
MF_API double mf_fitter_history_error(const mf_fitter *fitter, long i);
/* The round's index (0 = the first since the last (re)start; files and
 * printers show it + 1). */
MF_API int mf_fitter_history_round(const mf_fitter *fitter, long i);
/* Output `output`'s error of point i: as the metric returned it
 * (normalized) or with the normalization undone (raw). For a metric that
 * is a weighted sum of squares (mse), the raw error is the same sum with
 * its per-step weights rescaled to sum 1, the weighted mean squared
 * difference; for other metrics it is the normalized error. */
MF_API double mf_fitter_history_output_error(const mf_fitter *fitter, long i, int output,
                                             bool normalized);
/* The unit of an output's raw or normalized error: raw is the output's
 * unit to the metric's error power (V^2 for mse on volts). A metric
 * instance does not tell its options, so a normalization is taken to be in
 * the output's unit, making the normalized error dimensionless (the usual
 * purpose: outputs of different units summed into one error). */
MF_API mf_quantity mf_fitter_output_error_unit(const mf_fitter *fitter, int output,
                                               bool normalized);

/* The history as CSV: a header row naming each column with its unit
 * ("gl (S)", "error (V^2)"), then one row per point: the round's number
 * (from 1: mf_fitter_history_round + 1), the parameters,
 * the error, and with several outputs each output's raw and normalized
 * error. Written atomically (mf_write_csv). */
MF_API mf_status mf_fitter_write_csv(const mf_fitter *fitter, const char *path, mf_error *err);
/* The same as JSON: {"parameters": [{"name", "unit"}...], "error_unit",
 * "outputs": [...], "best": {...} or null, "history": [{"round", "params":
 * {...}, "error", "output_errors": {...}}...]} ("round" from 1, as in the
 * CSV). NaN is written as null. */
MF_API mf_status mf_fitter_write_json(const mf_fitter *fitter, const char *path, mf_error *err);

/* ------------------------------------------------------------------------
 * Generating: simulates one parameter set (params, n_params values; NULL:
 * the best) against every input trace and returns the traces of n_vars
 * variables or subexpressions (traces[v]: n_traces x n_steps, new arrays)
 * and/or the spike trains (when spikes is not NULL; needs a threshold).
 * param_init entries given here replace or add to the fitter's.
 * `iteration` is the model's `iteration` (brian2modelfitting uses 1e9 so
 * that a coupling to the target that fades with the iteration is off). */
MF_API mf_status mf_fitter_generate(mf_fitter *fitter, const double *params, int n_init,
                                    const char *const *init_names,
                                    const char *const *init_values, double iteration,
                                    int n_vars, const char *const *vars, mf_array **traces,
                                    mf_spike_trains **spikes, mf_error *err);

/* ------------------------------------------------------------------------
 * Refining (trace and online fitters): a local least-squares finish with
 * GSL's gsl_multifit_nlinear (trust region, Levenberg-Marquardt), from
 * `start` (n_params values; NULL: the best), inside the fit's bounds,
 * minimising exactly the fit's error: residuals are weighted so that their
 * sum of squares equals the sum of the outputs' metric errors (t_start,
 * t_weights and normalization included) plus the penalty. The metrics must
 * be weighted sums of squared differences (as mse is); anything else is
 * refused. Call mf_fitter_fit first (n_rounds 0 is enough): it fixes the
 * bounds and metrics.
 *
 * Bounds are kept by the transform x = lo + (hi - lo)(1 + sin u)/2 (as
 * MINUIT does): the solver works on the unbounded u, whose natural scale
 * is the width of the bounds, and finite-difference steps are taken in u
 * (all parameters' steps simulated in one batch).
 *
 * Outputs: params (n_params), error, and when covariance is not NULL the
 * n_params x n_params covariance of the parameters at the optimum,
 * s^2 (J^T J)^-1 with s^2 = |r|^2 / (n_residuals - n_params) and J the
 * Jacobian of the residuals in the parameters (SI). A parameter that ends on
 * a bound has zero variance there (the transform is flat). The history and
 * best of the fit are not changed. max_iter 0: 100. `iteration` as for
 * mf_fitter_generate. */
/* MF_REFINE_EXACT_GRADIENT: the Jacobian from forward sensitivity
 * equations dS/dt = J*S + df/dp (symbolic derivatives, integrated with the
 * model by its method) instead of finite differences. Not with a penalty
 * (MF_ERR_UNSUPPORTED); a reset's jump is not propagated into S. */
enum { MF_REFINE_EXACT_GRADIENT = 1u };
MF_API mf_status mf_fitter_refine(mf_fitter *fitter, const double *start, int max_iter,
                                  unsigned flags, double iteration, mf_fit_callback callback,
                                  void *callback_user, double *params, double *error,
                                  double *covariance, mf_error *err);

/* ------------------------------------------------------------------------
 * Fits that survive (checkpoints, interruption, limits). Settings made
 * here hold for every later mf_fitter_fit until changed.
 *
 * Checkpoints: with a path, each fit writes the whole fit state to it
 * every `every` rounds (0: only when the fit call ends, however it ends:
 * done, stopped, interrupted or failed), atomically (a temporary file in
 * the same directory, fsync, rename): the path always holds a whole
 * checkpoint. It holds the optimizer's state (plugin save, with the
 * host's random stream), the history, the best, the `iteration` counter,
 * the round count and which fit call of this fitter wrote it (the first
 * mf_fitter_fit is call 1), a fingerprint of the settings (a SHA-256 per
 * part: model, constants, data, dt, method, bounds, metrics and their
 * options, optimizer and its options, n_samples) and a SHA-256 of the
 * whole file. An optimizer without save/load is refused up front, by the
 * fit that would write (MF_ERR_UNSUPPORTED), and so is a path that cannot
 * be written (its directory missing or read-only, or a directory itself:
 * MF_ERR_IO), before round 1 and before anything of the fitter changes.
 * path NULL turns checkpoints off.
 *
 * Cost: every checkpoint holds the whole history, about (n_params + 1 +
 * 2 n_outputs) x 8 + 4 bytes per evaluated point, and is fsync'ed, so a fit
 * checkpointed every round writes O(rounds^2) bytes in all. Measured
 * (ext4, SSD): 0.6 ms for a 20 kB checkpoint, 10 ms for 2 MB (1000 rounds
 * of 30 points, 5 parameters), 106 ms for 20 MB (10000 such rounds). When
 * rounds are much faster than that, checkpoint every k rounds (the file is
 * then at most k rounds old; an interruption still writes one at the end)
 * or rely on mf_fitter_write_checkpoint after an interruption. */
MF_API mf_status mf_fitter_set_checkpoint(mf_fitter *fitter, const char *path, int every,
                                          mf_error *err);

/* Arms a resume: the next mf_fitter_fit, made by the same program with the
 * same settings, continues the fit that wrote `path` where it stopped.
 * The file is read and checked now (MF_ERR_IO when it cannot be read;
 * MF_ERR_INVALID when it is not a checkpoint, is truncated, fails its
 * checksum, or has another format or plugin ABI version), and compared
 * with the fit's settings when that fit starts: a checkpoint of other
 * settings is refused with a message naming every part that differs; the
 * fitter is left as it was and the resume stays armed. When the fit call
 * that wrote the checkpoint is this one, the state is restored and the
 * call runs its remaining rounds (n_rounds minus those the checkpoint had
 * done); a checkpoint of a later call (a script with several fits) is
 * restored and this call runs no round; one of an earlier call is not
 * used. With a fixed seed a stopped and resumed fit gives the same
 * history, bit for bit, as one that never stopped. path NULL disarms. */
MF_API mf_status mf_fitter_resume(mf_fitter *fitter, const char *path, mf_error *err);

/* Writes a checkpoint of the fit as it stands now to `path` (the same file
 * and format as mf_fitter_set_checkpoint's, written atomically), whether
 * or not a checkpoint path was set: e.g. after a fit returned
 * MF_ERR_STOPPED (an interruption) or failed, so that nothing done is
 * lost. It holds the rounds that entered the history: the optimizer state
 * after the last whole round (a round whose evaluation failed is not in
 * it; mf_fitter_fit's "a round is atomic"), the history, the best, and
 * which fit call wrote it and how far that call got, so that
 * mf_fitter_resume(path) in a rerun of the same program continues there.
 * It may also be called from a fit's callback (the round just done is
 * included). Refused with MF_ERR_INVALID before any fit (nothing to
 * save) or for a NULL fitter or path, and with MF_ERR_UNSUPPORTED for an
 * optimizer whose plugin has no save/load (the message names it; the
 * history can still be written with mf_fitter_write_csv). MF_ERR_IO when
 * the file cannot be written (nothing is left at path then).
 *
 * With mf_fitter_write_csv (the results) this is what a program does on
 * an interruption (SIGINT/SIGTERM): the modelfit host writes
 * `<script>.ckpt` and `<script>.results.csv` this way and prints the
 * command that resumes. */
MF_API mf_status mf_fitter_write_checkpoint(const mf_fitter *fitter, const char *path,
                                            mf_error *err);

/* The history as CSV (mf_fitter_write_csv's format) kept on disk while
 * fitting: each fit rewrites the file with the history so far when it
 * starts, then appends every round's rows and flushes them, so a crash
 * leaves every evaluated point readable. path NULL turns it off. */
MF_API mf_status mf_fitter_set_history_file(mf_fitter *fitter, const char *path, mf_error *err);

/* Stop requests, checked between rounds. A fit that sees one ends after
 * the round in progress: it writes the checkpoint (when set) and the
 * history file, and returns MF_ERR_STOPPED with a message saying so;
 * mf_fitter_stop_reason says the same. mf_fitter_request_stop only stores
 * to a volatile sig_atomic_t, so a signal handler may call it; the request
 * is consumed by the fit that honours it. mf_fitter_set_stop_flag makes
 * fits also watch *flag (non-zero: stop), e.g. a flag a signal handler
 * sets; the flag is the caller's and must outlive its use (NULL: none). */
MF_API void mf_fitter_request_stop(mf_fitter *fitter);
MF_API void mf_fitter_set_stop_flag(mf_fitter *fitter, const volatile sig_atomic_t *flag);

/* The last round's diverged simulations: *nan_points parameter sets whose
 * error is NaN, *nan_lanes simulations (set x trace) whose state turned
 * NaN or infinite or whose error is NaN (-1 when not known, e.g. when the
 * round was spread over processes). A NaN error never becomes the best.
 * A round in which every simulation diverged ends the fit with
 * MF_ERR_NUMERIC naming the likely causes (bounds, dt for the method).
 * Either pointer may be NULL. */
MF_API void mf_fitter_round_nan(const mf_fitter *fitter, int *nan_points, long *nan_lanes);

/* The memory a round needs (simulations x steps x recorded outputs x 8
 * bytes for the trace fitter, an accumulator per simulation for the
 * online one, plus the data) and the machine's memory, in bytes. A fit
 * needing more than the machine has is refused before anything is
 * allocated (MF_ERR_NOMEM with both figures). Either pointer may be NULL. */
MF_API void mf_fitter_memory_estimate(const mf_fitter *fitter, double *need, double *machine);

/* ------------------------------------------------------------------------
 * Ready-made callbacks: brian2modelfitting's "text" (one line per round:
 * "Round 1: best error ...", the round's number within the call counted
 * from 1, the best error and the best parameters in their best units)
 * and "progressbar" (a bar that advances per round). They write to `out`,
 * or, when out is NULL, send each line to the context's log callback at
 * MF_LOG_INFO; the library prints nothing on its own. Pass
 * mf_printer_callback as the callback and the printer as its user data. */
typedef struct mf_printer mf_printer;
/* style: "text" or "progress". */
MF_API mf_status mf_printer_new(const char *style, FILE *out, mf_printer **printer,
                                mf_error *err);
MF_API void mf_printer_free(mf_printer *printer);
MF_API int mf_printer_callback(void *printer, const mf_fitter *fitter, int round, int n_rounds,
                               const double *best_params, double best_error, int n_points,
                               const double *points, const double *errors);

#ifdef __cplusplus
}
#endif
#endif

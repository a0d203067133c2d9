/* Internal view of mf_fitter (modelfit/fitter.h), shared by its files:
 *   fitter_spec.c      the spec builder and its copy
 *   fitter.c           mf_fitter_new: validation, model compile, accessors
 *   fitter_run.c       one simulation of many lanes: outputs (variables or
 *                      subexpressions) stored, streamed to an online metric,
 *                      or read at the end (the penalty); spikes
 *   fitter_eval.c      the batch evaluation: points -> errors (one function)
 *   fitter_fit.c       the round loop, the fixed-between-calls contract, best
 *   fitter_results.c   history, CSV and JSON export
 *   fitter_generate.c  traces or spikes for given parameters
 *   fitter_print.c     the "text" and "progress" callbacks
 *   refine.c           GSL least-squares finish
 *   refine_sens.c      forward sensitivity equations (refine's exact gradients) */
#ifndef MF_CORE_FITTER_H
#define MF_CORE_FITTER_H

#include "context.h"
#include "engine.h"
#include "error.h"
#include "modelfit/fitter.h"
#include "settings.h"

/* The spec's parts, shared with mf_sim's setters (settings.h). */
typedef mf_setting_const fit_const;
typedef mf_setting_series fit_series; /* v: n_traces x n_steps, SI */
typedef mf_setting_init fit_init;

struct mf_fitter_spec {
    mf_fitter_kind kind;
    char *model, *source;
    fit_const *consts;
    int n_consts;
    fit_series *inputs;
    int n_inputs;
    fit_series *outputs;
    int n_outputs;
    bool has_spikes;
    int n_trains;
    double **trains; /* n_trains arrays */
    size_t *train_len;
    double dt;
    int n_samples;
    char *method, *threshold, *reset, *refractory, *penalty;
    fit_init *inits;
    int n_inits;
};

/* Deep copy (for the fitter to keep). */
mf_status mf_fitter_spec_copy(const mf_fitter_spec *src, mf_fitter_spec **out, mf_error *err);

/* One traced output. */
typedef struct fit_output {
    const char *name; /* the spec's */
    mf_dim dim;
    int q;                /* the model quantity (a variable or a subexpression) */
    const double *target; /* n_traces x n_steps (the spec's values) */
} fit_output;

/* A metric as one output uses it. */
typedef struct fit_metric {
    mf_metric *metric; /* the one in use (borrowed or == owned) */
    mf_metric *owned;  /* a default the fitter made */
    int power;
    mf_dim raw_dim, norm_dim;
    /* A metric that describes itself as a weighted sum of squares (plugin
     * ABI 1.1, mf_metric_weights): error = sum_s coef[s] * (model -
     * target)^2 per lane, coef = weights / N^2 (refine's residuals); NULL
     * when it does not. */
    double *coef;
    double raw_scale; /* raw error = normalized * raw_scale (N^2, or 1) */
} fit_metric;

typedef struct fit_history {
    long n, cap;
    double *points; /* n x n_params */
    double *errors;
    double *norm, *raw; /* n x n_out */
    int *round;         /* the round's index since the last (re)start, from 0 */
} fit_history;

/* Round numbering, decided once (docs/lua-api.md, "Round numbers"): in
 * code and in the C API a round is an index from 0 (hist.round, the
 * callback's `round` argument, mf_fitter_history_round), as every C index
 * is; everything written for people or files shows the round's number,
 * index + 1, counted from 1: the "text" and "progress" printers, messages,
 * the CSV and JSON history (and the checkpoint's history file), the Lua
 * callback table and results(). A round 1 is the first round, as the
 * progress bar's "1/40" always said. (brian2modelfitting prints
 * "Round 0" first; Lua and people count from 1, and one base everywhere
 * matters more.) Every such place converts with this function. */
static inline int mf_round_number(int index)
{
    return index + 1;
}

/* The batch evaluation (DESIGN.md section 8): errors of n_points
 * parameter sets (row-major, SI) simulated with `iteration`. errors[i] is
 * the set's total error (NaN when any part is NaN); norm and raw (n_points
 * x n_out, may be NULL) the outputs' errors. MPI or checkpointing replace
 * or wrap this one function (mf_fitter.evaluate). */
typedef mf_status (*mf_fit_evaluate_fn)(mf_fitter *f, int n_points, const double *points,
                                        double iteration, double *errors, double *norm,
                                        double *raw, mf_error *err);
mf_status mf_fitter_evaluate(mf_fitter *f, int n_points, const double *points, double iteration,
                             double *errors, double *norm, double *raw, mf_error *err);

/* The same, optionally keeping the outputs' traces in work.store (refine). */
mf_status mf_fitter_evaluate_traces(mf_fitter *f, int n_points, const double *points,
                                    double iteration, bool want_traces, double *errors,
                                    double *norm, double *raw, mf_error *err);

/* Reusable buffers of mf_fit_run (fitter_run.c), each grown when a run
 * needs more; all zero is empty. */
typedef struct fit_run_scratch {
    int *rec, *rec_probe, *end;
    double **rec_out, **end_out;
    size_t cap;        /* entries of each of the five lists */
    double *state_end; /* the state variables at the end of the run */
    size_t state_cap;
    double *stream; /* one step of every lane, twice (values, targets) */
    size_t stream_cap;
} fit_run_scratch;

void mf_fit_run_scratch_free(fit_run_scratch *s);

/* Reusable buffers of the evaluation (fitter_work.c): grown by
 * mf_fitter_work_reserve to a number of lanes and kept until the fitter is
 * freed, so that a round allocates nothing once a round of its size has
 * run (a fit's rounds all have n_samples x n_traces lanes). */
typedef struct fit_work {
    long lanes;      /* capacity in lanes */
    size_t acc_size; /* bytes of one online accumulator */
    bool traces;     /* store holds room for the outputs' traces */
    double **store;  /* per output: lanes x n_steps (trace fitter, refine) */
    double *acc;     /* online accumulators */
    double *lane_err;
    double *final;       /* the penalty per lane */
    uint32_t *trace;     /* lane -> trace (lane % n_traces), filled once */
    const double **rows; /* rows[o * lanes + l]: output o's stored trace of
                            lane l (with traces), filled once */
    /* One evaluation's own, for up to `lanes` lanes. */
    double *cols;            /* the parameters as columns */
    const double **values;   /* per model variable */
    double *sample;          /* per parameter set */
    unsigned char *diverged; /* per lane: 1 state diverged, 2 a NaN error */
    mf_spike_list *spikes;   /* per lane (spike fitter), emptied before a run */
    const double **spk;
    size_t *n_spk;
    /* The run's probes: the outputs, then the penalty (n_out + 1 at most),
     * refilled for each evaluation. */
    int *probe;
    double **probe_store, **probe_final;
    const mf_metric **probe_online;
    const double **probe_target;
    void **probe_acc;
    fit_run_scratch run;
} fit_work;

struct mf_fitter {
    mf_context *ctx;
    mf_fitter_spec *spec; /* own copy */
    mf_fitter_kind kind;
    mf_model *model;
    mf_engine *engine;
    int n_traces, n_samples;
    long n_steps;
    double dt;

    /* How the model is compiled: the spec's constants, inputs, and outputs
     * (whose `<out>_target` series the model may read), with `iteration`. */
    mf_name_def *in_defs;
    const char **tgt_names;
    mf_name_def *const_defs;

    /* The model's series, the spec's arrays: its inputs then its targets. */
    const double **series;

    fit_output *out;
    int n_out; /* traced outputs; 0 for the spike fitter */
    const char *spike_name;

    int n_params;
    int *param_var; /* model variable of each fitted parameter */

    bool has_penalty;
    int penalty; /* the model quantity, read at the end of the run */
    mf_dim penalty_dim;

    /* Fit state. */
    bool started;
    mf_optimizer *opt;
    fit_metric *metrics; /* n_metrics: n_out, or 1 for spikes */
    int n_metrics;
    double *lo, *hi;
    mf_dim error_dim;
    long next_iteration, last_iteration;
    int rounds; /* since the last (re)start */
    fit_history hist;
    long best; /* index in hist, -1 */
    char stop_reason[MF_ERROR_MESSAGE_MAX];
    bool stopped;

    mf_fit_evaluate_fn evaluate;
    fit_work work;
    struct fit_dist *dist; /* set during a fit spread over processes (distribute.c) */

    /* Checkpoints, the history file, stop requests (fitter_guard.c). */
    struct fit_guard *guard;
    volatile sig_atomic_t stop_requested;
    long nan_lanes; /* diverged lanes of the last local evaluation */
};

/* --- fitter_run.c ------------------------------------------------------- */

/* One simulation: n_rows parameter rows x n_traces lanes. */
typedef struct fit_run {
    const mf_model *m;
    mf_engine *e;
    int n_traces;
    long n_rows;
    long n_steps;
    const double *const *series; /* the model's series, n_traces x n_steps */
    const double *const *values; /* per model variable: NULL or n_rows values */
    double iteration;
    /* Probes (model quantities), each with a destination: store[p]
     * (n_lanes x n_steps), and/or online[p] with acc[p] (metric accumulators
     * of every lane), and/or final[p] (n_lanes: the value at the end of the
     * run). NULL arrays or entries when unused. */
    int n_probes;
    const int *probes;
    double *const *store;
    const mf_metric *const *online;
    const double *const *online_target; /* per probe: n_traces x n_steps */
    void *const *acc;
    double *const *final;
    mf_spike_list *spikes; /* n_lanes lists or NULL */
    /* n_lanes flags or NULL: set to 1 where a state variable ends the run
     * NaN or infinite (a diverged simulation, whatever its outputs say). */
    unsigned char *diverged;
    /* Buffers kept between runs (the fitter's), or NULL: the run makes
     * and frees its own. */
    fit_run_scratch *scratch;
} fit_run;

mf_status mf_fit_run(const fit_run *r, mf_error *err);

/* The quantity (variable or subexpression) called name. MF_ERR_NAME when
 * absent. */
mf_status mf_fit_find(const mf_model *m, const char *name, int *q, mf_dim *dim, mf_error *err);

/* --- fitter.c ----------------------------------------------------------- */

/* Compiles the spec's model (or `equations` instead of its text) with
 * extra param_init entries (for generate and the sensitivity equations).
 * The fitter's series layout is kept: the same inputs and targets. */
mf_status mf_fitter_compile(const mf_fitter *f, const char *equations, int n_init,
                            const char *const *names, const char *const *values, mf_model **out,
                            mf_error *err);

/* The parameter values as engine rows: values[param_var[p]] = column p of
 * points (copied into cols, n_params x n_points). values has n_var entries. */
void mf_fitter_param_columns(const mf_fitter *f, int n_points, const double *points,
                             double *cols, const double **values);

/* Starts opt afresh on the fitter's parameters (their names) within
 * [lo, hi]: a fit's first call or restart, and a checkpoint's restore. */
mf_status mf_fitter_start_optimizer(const mf_fitter *f, mf_optimizer *opt, const double *lo,
                                    const double *hi, mf_error *err);

/* --- fitter_work.c ------------------------------------------------------ */

/* Grows the work buffers to `lanes` lanes (with room for the outputs'
 * traces when `traces` or for the trace fitter); nothing is allocated when
 * they are large enough. */
mf_status mf_fitter_work_reserve(mf_fitter *f, long lanes, bool traces, mf_error *err);
void mf_fitter_work_free(fit_work *w, int n_out);

/* --- refine_sens.c ------------------------------------------------------ */

/* The model with its sensitivity equations, and what one run of it
 * records: probe k < n_out is output k, probe n_out*(1 + j) + o is
 * S_<output o>_<parameter j>; store[k] holds n_traces x n_steps values. */
typedef struct fit_sens {
    mf_model *m;
    mf_engine *e;
    int *param_var; /* the fitted parameters in m */
    int *probes;
    double **store;
    int n_probes;
} fit_sens;

mf_status mf_fit_sens_new(const mf_fitter *f, fit_sens **out, mf_error *err);
void mf_fit_sens_free(fit_sens *s);
/* Simulates the parameters x (n_params values) against every trace. */
mf_status mf_fit_sens_run(const mf_fitter *f, fit_sens *s, const double *x, double iteration,
                          mf_error *err);

/* --- fitter_results.c --------------------------------------------------- */

mf_status mf_fit_history_append(fit_history *h, int n_params, int n_out, int n_points,
                                const double *points, const double *errors, const double *norm,
                                const double *raw, int round);
void mf_fit_history_clear(fit_history *h);
/* The best row given the best before row `first` (-1: none) and the rows
 * from `first` on: the lowest finite error, the earlier row on a tie (NaN
 * never wins). The round loop and the processes mirroring it use this. */
long mf_fit_history_best(const fit_history *h, long first, long best);
/* Row i as the CSV history writes it (mf_fitter_write_csv and the history
 * file): the round's number, the parameters, the error and, with several
 * outputs, each output's raw and normalized error. Returns the number of
 * values written to row (mf_fit_history_columns). */
size_t mf_fit_history_row(const mf_fitter *f, long i, double *row);
size_t mf_fit_history_columns(const mf_fitter *f);

#endif

/* The simulation engine: runs a compiled model for many lanes at once.
 *
 * Lanes (one neuron each) are cut into blocks of `block_size`; a block's
 * variables are arrays over its lanes (structure of arrays) and the whole time
 * loop of a block runs before the next block starts, so the block's state
 * stays in cache. Blocks are spread over threads with OpenMP; a block's
 * result depends only on its lanes, so results are bit-identical for any
 * number of threads.
 *
 * The per-step order is Brian 2's (refdata sidecars, `schedule_per_time_step`):
 *   1. record the variables and subexpressions (column k of a recording =
 *      the state at t = k*dt; subexpressions are computed from that state by
 *      the engine itself, engine_subexpr.h, whatever the backend);
 *   2. refractoriness: not_refractory = timestep(t - lastspike) >=
 *      timestep(refractory) for a time (re-evaluated every step), or
 *      not_refractory = not_refractory or not (condition) for a condition,
 *      with timestep(x) = int((x + 1e-3*dt)/dt);
 *   3. state update from the state at the step start;
 *   4. threshold on the new state (and not_refractory), spikes stamped t = k*dt;
 *   5. for spiking lanes: lastspike = t, not_refractory = False, then the reset.
 *
 * Backends: how a block advances by one step is a backend (a table of
 * functions, GSL's "type object" shape). The interpreter is the built-in one;
 * native compiled kernels plug in with the same table. */
#ifndef MF_CORE_ENGINE_H
#define MF_CORE_ENGINE_H

#include "model.h"

/* What a backend sees of a block (owned by the engine). */
typedef struct mf_block {
    int n;        /* lanes in this block */
    int capacity; /* length of each var array (>= n, a multiple of 8) */
    long first_lane;
    double **var;                /* var[v]: the model variable v of the block's lanes */
    const int *trace;            /* the input trace of each lane */
    const double *const *series; /* the model's inputs, then its target series */
    long n_steps;                /* samples per trace of every series */
    const double *scalars;       /* the model's scalar extras (iteration) */
    double dt;
} mf_block;

typedef struct mf_engine_options {
    int block_size; /* lanes per block; 0: 64 */
    int n_threads;  /* 0: OpenMP's default */
    double abs_tol; /* GSL methods; 0: 1e-6 (SI units of each variable) */
    double rel_tol; /* GSL methods; 0: none (absolute error only, as Brian's default) */
    const struct mf_backend *backend; /* NULL: the interpreter (tests, benches) */
    /* Logging and the kernel cache of the native backend; NULL: no log
     * lines, the default cache directory. */
    const struct mf_context *ctx;
} mf_engine_options;

typedef struct mf_backend {
    const char *name;
    /* Prepares the model for time step dt (code generation, compilation). */
    mf_status (*prepare)(const mf_model *m, double dt, const mf_engine_options *opt,
                         void **prog, mf_error *err);
    void (*release)(void *prog);
    /* Per-block scratch (called from the block's thread). */
    void *(*block_new)(void *prog, int capacity);
    void (*block_free)(void *scratch);
    /* After the variables got their initial values, before step 0. */
    mf_status (*begin)(void *prog, void *scratch, const mf_block *b, mf_error *err);
    /* Steps 2-4 of step k: leaves 1.0 in var[m->v_spike] where a lane spiked. */
    mf_status (*step)(void *prog, void *scratch, const mf_block *b, long k, mf_error *err);
    /* Step 5 for the lanes with var[v_spike] != 0. */
    mf_status (*reset)(void *prog, void *scratch, const mf_block *b, long k, mf_error *err);
} mf_backend;

const mf_backend *mf_backend_interp(void);

/* Native kernels (backend_native.c): the model's step generated as C,
 * compiled by the system compiler, cached. Falls back to the interpreter,
 * with one log line, when there is no compiler or compiling fails. */
const mf_backend *mf_backend_native(void);

/* The backend chosen for ctx (backend_choice.c): mf_context_set_backend's
 * choice, else $MODELFIT_BACKEND ("interp" or "native") when set, else
 * native (which itself falls back to the interpreter when no compiler is
 * found). ctx may be NULL (no choice, no log). */
const mf_backend *mf_backend_default(const struct mf_context *ctx);

/* The options every engine made for a user's simulation or fit starts
 * from: ctx's thread count, backend (mf_backend_default) and ctx itself
 * (log, kernel cache). The one place where simulate, the fitters and
 * refine get their backend; callers then set what is theirs (block size,
 * tolerances). */
mf_engine_options mf_engine_options_for(const struct mf_context *ctx);

/* The bytecode of a prepared interpreter program (prog from the
 * interpreter's prepare), for backends that compile the same code further
 * (backend_native.c). Program indices are 0 when absent. */
struct mf_bc_module;
typedef struct mf_interp_code {
    const struct mf_bc_module *mod;
    int p_refr, p_update, p_thresh, p_reset;
    bool gsl; /* the update is GSL's per-lane driver (no update program) */
} mf_interp_code;
void mf_interp_code_of(const void *prog, mf_interp_code *out);

typedef struct mf_engine mf_engine;

/* Prepares m (which must outlive the engine) for time step dt > 0. */
mf_status mf_engine_new(const mf_model *m, double dt, const mf_engine_options *opt,
                        mf_engine **out, mf_error *err);
void mf_engine_free(mf_engine *e);
const mf_model *mf_engine_model(const mf_engine *e);

/* Spike times of every lane (owned by the caller of mf_engine_run). */
typedef struct mf_spike_list {
    double *t; /* spike times in seconds, t = k*dt */
    long n, cap;
} mf_spike_list;

/* A block of steps handed to a chunk callback: the recorded quantities of
 * lanes [first_lane, first_lane + n_lanes) for steps [k0, k0 + n_steps), at
 * values[(r*n_lanes + l)*n_steps + j] for recorded quantity r. Called from the
 * block's thread: callbacks for different blocks may run at the same time.
 * A non-zero return stops that block (the run returns MF_ERR_STOPPED). */
typedef struct mf_chunk {
    long first_lane;
    int n_lanes;
    long k0;
    int n_steps;
    int n_rec;
    const double *values;
} mf_chunk;
typedef int (*mf_chunk_fn)(void *user, const mf_chunk *chunk);

typedef struct mf_run {
    long n_lanes; /* a multiple of n_traces */
    int n_traces; /* lane i: trace i % n_traces, parameter row i / n_traces */
    long n_steps;
    /* Per model input: n_traces x series_steps values, SI; past its end a
     * series holds its last sample (TimedArray). 0: series_steps = n_steps. */
    const double *const *inputs;
    const double *const *targets; /* per model target series (same shape) */
    long series_steps;
    double iteration;
    /* Per model variable: NULL, or one value per parameter row
     * (n_lanes / n_traces values). Every MF_VAR_PARAM needs one. */
    const double *const *values;
    /* Recording (step 1 of every step: the state at the step start, t =
     * k*dt) of the quantities rec_vars[r] (model.h: a variable, or n_var + i
     * for subexpression i, computed from the recorded state with the input
     * sample k) into rec_out[r] (n_lanes x n_steps, row-major; a NULL entry
     * records for the chunks only), and/or chunks of chunk_steps steps to
     * chunk_fn. */
    const int *rec_vars;
    int n_rec;
    double *const *rec_out; /* NULL: no full traces */
    mf_chunk_fn chunk_fn;
    void *chunk_user;
    int chunk_steps;
    mf_spike_list *spikes; /* n_lanes lists (zeroed by the caller), or NULL */
    /* The end of the run: quantities end_vars[i] after the last step (the
     * state at t = n_steps*dt; a subexpression reads the input sample
     * n_steps, which is the last sample when the series end there) into
     * end_out[i] (n_lanes values). */
    const int *end_vars;
    int n_end;
    double *const *end_out;
} mf_run;

mf_status mf_engine_run(mf_engine *e, const mf_run *run, mf_error *err);

void mf_spike_lists_free(mf_spike_list *s, long n);

/* Checks a series for NaN/inf: "input I: trace 2, step 15 (t = 15*dt) is
 * NaN"; check_values names what the series is ("output v: ..."). */
mf_status mf_engine_check_series(const char *name, const double *v, int n_traces, long n_steps,
                                 mf_error *err);
mf_status mf_engine_check_values(const char *what, const char *name, const double *v,
                                 int n_traces, long n_steps, mf_error *err);

#endif

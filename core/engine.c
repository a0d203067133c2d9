/* The engine's lanes, blocks, threads and recording (see engine.h). */
#include "engine.h"
#include "engine_subexpr.h"

#include "error.h"

#include <limits.h>
#include <math.h>
#include <omp.h>
#include <stdlib.h>
#include <string.h>

struct mf_engine {
    const mf_model *m;
    double dt;
    mf_engine_options opt;
    const mf_backend *be;
    void *prog;
    mf_subexpr_code *sub; /* made by the first run that records a subexpression */
};

enum { DEFAULT_BLOCK = 64 };

/* Brian starts lastspike at -1e4 s: "long ago", yet finite. */
static const double LASTSPIKE_START = -1e4;

mf_status mf_engine_new(const mf_model *m, double dt, const mf_engine_options *opt,
                        mf_engine **out, mf_error *err)
{
    *out = NULL;
    if (!(dt > 0) || !isfinite(dt))
        return mf_error_set(err, MF_ERR_INVALID, "dt must be a positive time, not %g s", dt);
    mf_engine *e = calloc(1, sizeof *e);
    if (!e)
        return mf_error_nomem(err, "an engine", sizeof *e);
    e->m = m;
    e->dt = dt;
    if (opt)
        e->opt = *opt;
    if (e->opt.block_size <= 0)
        e->opt.block_size = DEFAULT_BLOCK;
    e->be = e->opt.backend ? e->opt.backend : mf_backend_interp();
    mf_status rc = e->be->prepare(m, dt, &e->opt, &e->prog, err);
    if (rc != MF_OK) {
        free(e);
        return rc;
    }
    *out = e;
    return MF_OK;
}

void mf_engine_free(mf_engine *e)
{
    if (!e)
        return;
    e->be->release(e->prog);
    mf_subexpr_code_free(e->sub);
    free(e);
}

const mf_model *mf_engine_model(const mf_engine *e)
{
    return e->m;
}

void mf_spike_lists_free(mf_spike_list *s, long n)
{
    if (!s)
        return;
    for (long i = 0; i < n; i++)
        free(s[i].t);
    free(s);
}

mf_status mf_engine_check_values(const char *what, const char *name, const double *v,
                                 int n_traces, long n_steps, mf_error *err)
{
    for (int tr = 0; tr < n_traces; tr++) {
        const double *row = v + (size_t)tr * (size_t)n_steps;
        for (long k = 0; k < n_steps; k++)
            if (!isfinite(row[k]))
                return mf_error_set(err, MF_ERR_NUMERIC,
                                    "%s %s: trace %d, step %ld (t = %ld*dt) is %s", what, name,
                                    tr, k, k, isnan(row[k]) ? "NaN" : "infinite");
    }
    return MF_OK;
}

mf_status mf_engine_check_series(const char *name, const double *v, int n_traces, long n_steps,
                                 mf_error *err)
{
    return mf_engine_check_values("input", name, v, n_traces, n_steps, err);
}

/* --- one block -------------------------------------------------------------- */

typedef struct block_job {
    const mf_engine *e;
    const mf_run *run;
    const double *const *series;
    const double *scalars;
    long first;
    int n;
    int capacity;
    double *store; /* the variables: n_var x capacity */
    double **var;
    int *trace;
    double *chunk; /* n_rec x n x chunk_steps, or NULL */
    void *scratch;
    mf_block b;            /* what the backend sees */
    mf_subexpr_block *sub; /* when the run records subexpressions */
} block_job;

typedef struct init_ctx {
    const block_job *j;
    int lane;
} init_ctx;

static double init_lookup(void *ctx, const mf_expr *name)
{
    const init_ctx *c = ctx;
    const mf_model *m = c->j->e->m;
    if (name->sym_kind == MF_SYM_TIME)
        return 0.0;
    if (name->sym_kind == MF_SYM_DT)
        return c->j->e->dt;
    int v = mf_model_var_of(m, name);
    return v >= 0 ? c->j->var[v][c->lane] : NAN;
}

static void init_vars(block_job *j)
{
    const mf_model *m = j->e->m;
    const mf_run *r = j->run;
    for (int v = 0; v < m->n_var; v++) {
        double x0 = m->var[v].kind == MF_VAR_LASTSPIKE        ? LASTSPIKE_START
                    : m->var[v].kind == MF_VAR_NOT_REFRACTORY ? 1.0
                                                              : 0.0;
        const double *vals = r->values ? r->values[v] : NULL;
        for (int l = 0; l < j->capacity; l++)
            j->var[v][l] = x0;
        if (vals)
            for (int l = 0; l < j->n; l++)
                j->var[v][l] = vals[(j->first + l) / r->n_traces];
    }
    for (int i = 0; i < m->n_init; i++) {
        int v = m->init_order[i];
        for (int l = 0; l < j->n; l++) {
            init_ctx c = {j, l};
            j->var[v][l] = mf_expr_eval(m->var[v].init, init_lookup, &c);
        }
    }
}

/* Whether a run records or reads a subexpression at the end. */
static bool reads_subexprs(const mf_model *m, const mf_run *r)
{
    for (int i = 0; i < r->n_rec; i++)
        if (r->rec_vars[i] >= m->n_var)
            return true;
    for (int i = 0; i < r->n_end; i++)
        if (r->end_vars[i] >= m->n_var)
            return true;
    return false;
}

static mf_status block_alloc(block_job *j)
{
    const mf_model *m = j->e->m;
    const mf_run *r = j->run;
    size_t nv = (size_t)(m->n_var > 0 ? m->n_var : 1);
    size_t bytes = (nv * (size_t)j->capacity * sizeof(double) + 63) / 64 * 64;
    j->store = aligned_alloc(64, bytes);
    j->var = calloc(nv, sizeof *j->var);
    j->trace = calloc((size_t)j->capacity, sizeof *j->trace);
    if (r->chunk_fn && r->n_rec > 0)
        j->chunk =
            malloc((size_t)r->n_rec * (size_t)j->n * (size_t)r->chunk_steps * sizeof(double));
    if (!j->store || !j->var || !j->trace || (r->chunk_fn && r->n_rec > 0 && !j->chunk))
        return MF_ERR_NOMEM;
    for (size_t v = 0; v < nv; v++)
        j->var[v] = j->store + v * (size_t)j->capacity;
    for (int l = 0; l < j->n; l++)
        j->trace[l] = (int)((j->first + l) % r->n_traces);
    if (reads_subexprs(j->e->m, r) && !(j->sub = mf_subexpr_block_new(j->e->sub, j->capacity)))
        return MF_ERR_NOMEM;
    j->scratch = j->e->be->block_new(j->e->prog, j->capacity);
    return j->scratch ? MF_OK : MF_ERR_NOMEM;
}

static void block_release(block_job *j)
{
    if (j->scratch)
        j->e->be->block_free(j->scratch);
    mf_subexpr_block_free(j->sub);
    free(j->chunk);
    free(j->trace);
    free(j->var);
    free(j->store);
}

/* Quantity q of the block's lanes in the current state, at step k. */
static const double *quantity(block_job *j, int q, long k)
{
    int n_var = j->e->m->n_var;
    return q < n_var ? j->var[q] : mf_subexpr_eval(j->sub, &j->b, k, q - n_var);
}

static void record_step(block_job *j, long k, long k0)
{
    const mf_run *r = j->run;
    for (int i = 0; i < r->n_rec; i++) {
        const double *x = quantity(j, r->rec_vars[i], k);
        if (r->rec_out && r->rec_out[i]) {
            double *o = r->rec_out[i] + (size_t)j->first * (size_t)r->n_steps + (size_t)k;
            for (int l = 0; l < j->n; l++)
                o[(size_t)l * (size_t)r->n_steps] = x[l];
        }
        if (j->chunk) {
            double *o = j->chunk + (size_t)i * (size_t)j->n * (size_t)r->chunk_steps;
            for (int l = 0; l < j->n; l++)
                o[(size_t)l * (size_t)r->chunk_steps + (size_t)(k - k0)] = x[l];
        }
    }
}

static bool push_spike(mf_spike_list *s, double t)
{
    if (s->n == s->cap) {
        long nc = s->cap ? 2 * s->cap : 16;
        double *n = realloc(s->t, (size_t)nc * sizeof *n);
        if (!n)
            return false;
        s->t = n;
        s->cap = nc;
    }
    s->t[s->n++] = t;
    return true;
}

/* Spikes of step k; returns whether any lane spiked (MF_ERR_NOMEM as -1). */
static int collect_spikes(block_job *j, long k)
{
    const mf_model *m = j->e->m;
    const double *sp = j->var[m->v_spike];
    int any = 0;
    for (int l = 0; l < j->n; l++) {
        if (sp[l] == 0)
            continue;
        any = 1;
        if (j->run->spikes && !push_spike(&j->run->spikes[j->first + l], (double)k * j->e->dt))
            return -1;
    }
    return any;
}

static mf_status flush_chunk(block_job *j, long k0, long k1)
{
    const mf_run *r = j->run;
    if (!r->chunk_fn)
        return MF_OK;
    if (!j->chunk && r->n_rec > 0)
        return MF_OK;
    /* A short last chunk is repacked to its own length. */
    int len = (int)(k1 - k0);
    if (j->chunk && len < r->chunk_steps)
        for (int i = 0; i < r->n_rec * j->n; i++)
            memmove(j->chunk + (size_t)i * (size_t)len,
                    j->chunk + (size_t)i * (size_t)r->chunk_steps,
                    (size_t)len * sizeof(double));
    mf_chunk c = {j->first, j->n, k0, len, r->n_rec, j->chunk};
    return r->chunk_fn(r->chunk_user, &c) ? MF_ERR_STOPPED : MF_OK;
}

/* The quantities of the end of the run, after the last step. */
static void record_end(block_job *j)
{
    const mf_run *r = j->run;
    for (int i = 0; i < r->n_end; i++) {
        const double *x = quantity(j, r->end_vars[i], r->n_steps);
        memcpy(r->end_out[i] + j->first, x, (size_t)j->n * sizeof *x);
    }
}

static mf_status run_steps(block_job *j, mf_error *err)
{
    const mf_engine *e = j->e;
    const mf_run *r = j->run;
    const mf_model *m = e->m;
    j->b = (mf_block){j->n,
                      j->capacity,
                      j->first,
                      j->var,
                      j->trace,
                      j->series,
                      r->series_steps > 0 ? r->series_steps : r->n_steps,
                      j->scalars,
                      e->dt};
    const mf_block *b = &j->b;
    mf_status rc = e->be->begin(e->prog, j->scratch, b, err);
    if (j->sub)
        mf_subexpr_begin(j->sub, b);
    long k0 = 0;
    int cs = r->chunk_steps > 0 ? r->chunk_steps
                                : (int)(r->n_steps < INT_MAX ? r->n_steps : INT_MAX);
    for (long k = 0; k < r->n_steps && rc == MF_OK; k++) {
        record_step(j, k, k0);
        rc = e->be->step(e->prog, j->scratch, b, k, err);
        if (rc == MF_OK && m->v_spike >= 0) {
            int any = collect_spikes(j, k);
            if (any < 0)
                rc = mf_error_set(err, MF_ERR_NOMEM, "out of memory recording spikes");
            else if (any)
                rc = e->be->reset(e->prog, j->scratch, b, k, err);
        }
        if (rc == MF_OK && (k + 1 - k0 == cs || k + 1 == r->n_steps)) {
            rc = flush_chunk(j, k0, k + 1);
            if (rc == MF_ERR_STOPPED)
                mf_error_set(err, rc, "stopped by the callback at step %ld", k);
            k0 = k + 1;
        }
    }
    if (rc == MF_OK)
        record_end(j);
    return rc;
}

static mf_status run_block(const mf_engine *e, const mf_run *run, const double *const *series,
                           const double *scalars, long first, mf_error *err)
{
    block_job j;
    memset(&j, 0, sizeof j);
    j.e = e;
    j.run = run;
    j.series = series;
    j.scalars = scalars;
    j.first = first;
    long left = run->n_lanes - first;
    j.n = (int)(left < e->opt.block_size ? left : e->opt.block_size);
    j.capacity = (e->opt.block_size + 7) / 8 * 8;
    mf_status rc = block_alloc(&j);
    if (rc != MF_OK) {
        block_release(&j);
        return mf_error_set(err, MF_ERR_NOMEM, "out of memory for a block of %d neurons", j.n);
    }
    init_vars(&j);
    rc = run_steps(&j, err);
    block_release(&j);
    return rc;
}

/* --- the run ---------------------------------------------------------------- */

static mf_status check_run(const mf_engine *e, const mf_run *r, mf_error *err)
{
    const mf_model *m = e->m;
    if (r->n_traces < 1 || r->n_lanes < 0 || r->n_lanes % r->n_traces != 0)
        return mf_error_set(err, MF_ERR_INVALID,
                            "the number of neurons (%ld) must be a multiple of the number of "
                            "traces (%d)",
                            r->n_lanes, r->n_traces);
    if (r->n_steps < 1)
        return mf_error_set(err, MF_ERR_INVALID, "the simulation needs at least one step");
    if (r->series_steps < 0)
        return mf_error_set(err, MF_ERR_INVALID, "the inputs need at least one sample");
    for (int i = 0; i < m->n_inputs; i++)
        if (!r->inputs || !r->inputs[i])
            return mf_error_set(err, MF_ERR_INVALID, "no values for the input '%s'",
                                m->inputs[i].name);
    for (int i = 0; i < m->n_targets; i++)
        if (!r->targets || !r->targets[i])
            return mf_error_set(err, MF_ERR_INVALID, "no target traces for '%s'",
                                m->extras[i].name);
    for (int v = 0; v < m->n_var; v++)
        if (m->var[v].kind == MF_VAR_PARAM && (!r->values || !r->values[v]))
            return mf_error_set(err, MF_ERR_INVALID, "the parameter '%s' has no value",
                                m->var[v].name);
    int n_q = mf_model_n_quantities(m);
    for (int i = 0; i < r->n_rec; i++)
        if (r->rec_vars[i] < 0 || r->rec_vars[i] >= n_q)
            return mf_error_set(err, MF_ERR_INVALID, "cannot record quantity #%d",
                                r->rec_vars[i]);
    if (r->n_end > 0 && (!r->end_vars || !r->end_out))
        return mf_error_set(err, MF_ERR_INVALID, "n_end > 0 but no end_vars or end_out");
    for (int i = 0; i < r->n_end; i++)
        if (r->end_vars[i] < 0 || r->end_vars[i] >= n_q || !r->end_out[i])
            return mf_error_set(err, MF_ERR_INVALID,
                                "cannot read quantity #%d at the end of the run",
                                r->end_vars[i]);
    if (r->chunk_fn && r->chunk_steps < 1)
        return mf_error_set(err, MF_ERR_INVALID, "chunk_steps must be at least 1");
    return MF_OK;
}

/* Makes the subexpression programs when a run first reads a subexpression
 * (here, before the parallel region). */
static mf_status prepare_subexprs(mf_engine *e, const mf_run *r, mf_error *err)
{
    if (e->sub || !reads_subexprs(e->m, r))
        return MF_OK;
    return mf_subexpr_code_new(e->m, e->dt, &e->sub, err);
}

/* A thread's first failing block. One slot per thread, so recording a
 * failure needs no lock (a named critical section would be a process-wide
 * lock and an exported symbol of the library). */
typedef struct block_failure {
    long block; /* LONG_MAX: none */
    mf_error err;
} block_failure;

/* Every block of the run, spread over nt threads; fail has nt slots. */
static void run_blocks(const mf_engine *e, const mf_run *r, const double *const *series, int nt,
                       block_failure *fail)
{
    double scalars[1] = {r->iteration};
    long bs = e->opt.block_size;
    long n_blocks = (r->n_lanes + bs - 1) / bs;
    for (int t = 0; t < nt; t++)
        fail[t].block = LONG_MAX;
#pragma omp parallel for schedule(dynamic, 1) num_threads(nt)
    for (long bi = 0; bi < n_blocks; bi++) {
        block_failure *mine = &fail[omp_get_thread_num()];
        mf_error be;
        mf_error_clear(&be);
        mf_status st = run_block(e, r, series, scalars, bi * bs, &be);
        if (st != MF_OK && bi < mine->block) {
            mine->block = bi;
            mine->err = be;
            if (mine->err.status == MF_OK)
                mine->err.status = st;
        }
    }
}

/* The error of the first failing block (by index), so the message does not
 * depend on the thread count. */
static mf_status first_failure(const block_failure *fail, int nt, mf_error *err)
{
    const block_failure *first = NULL;
    for (int t = 0; t < nt; t++)
        if (fail[t].block != LONG_MAX && (!first || fail[t].block < first->block))
            first = &fail[t];
    if (!first)
        return MF_OK;
    if (err)
        *err = first->err;
    return first->err.status;
}

mf_status mf_engine_run(mf_engine *e, const mf_run *r, mf_error *err)
{
    const mf_model *m = e->m;
    mf_status rc = check_run(e, r, err);
    if (rc == MF_OK)
        rc = prepare_subexprs(e, r, err);
    if (rc != MF_OK)
        return rc;
    int nt = e->opt.n_threads > 0 ? e->opt.n_threads : omp_get_max_threads();
    const double **series = calloc((size_t)(m->n_inputs + m->n_targets) + 1, sizeof *series);
    block_failure *fail = malloc((size_t)nt * sizeof *fail);
    if (series && fail) {
        for (int i = 0; i < m->n_inputs; i++)
            series[i] = r->inputs[i];
        for (int i = 0; i < m->n_targets; i++)
            series[m->n_inputs + i] = r->targets[i];
        run_blocks(e, r, series, nt, fail);
        rc = first_failure(fail, nt, err);
    } else
        rc = mf_error_nomem(err, "the run's tables of series and block failures",
                            ((size_t)(m->n_inputs + m->n_targets) + 1) * sizeof *series +
                                (size_t)nt * sizeof *fail);
    free(series);
    free(fail);
    return rc;
}

/* One simulation for the fitter. The engine records each probe (an output,
 * variable or subexpression) straight into its store, hands the streamed
 * ones over chunk by chunk to the online metric, and reads the penalty at
 * the end of the run. Chunks of different blocks arrive on different
 * threads; every write here goes to the chunk's own lanes. */
#include "fitter.h"

#include <math.h>
#include <stdlib.h>

enum { CHUNK_STEPS = 256 };

/* Recorded quantity r is probe rec_probe[r]. */
typedef struct run_ctx {
    const fit_run *r;
    const int *rec_probe;
} run_ctx;

/* Streams recorded quantity i of a chunk into its probe's online metric;
 * vals and tgt are scratch of n_lanes values (one step of every lane). */
static void stream(const run_ctx *rc, const mf_chunk *c, int i, double *vals, double *tgt)
{
    const fit_run *r = rc->r;
    int p = rc->rec_probe[i];
    const mf_metric *online = r->online ? r->online[p] : NULL;
    if (!online)
        return;
    size_t size = mf_metric_online_size(online);
    char *acc = (char *)r->acc[p] + (size_t)c->first_lane * size;
    for (int j = 0; j < c->n_steps; j++) {
        long k = c->k0 + j;
        for (int l = 0; l < c->n_lanes; l++) {
            long trace = (c->first_lane + l) % r->n_traces;
            vals[l] =
                c->values[((size_t)i * (size_t)c->n_lanes + (size_t)l) * (size_t)c->n_steps +
                          (size_t)j];
            tgt[l] = r->online_target[p][(size_t)trace * (size_t)r->n_steps + (size_t)k];
        }
        mf_metric_online_update(online, (uint32_t)c->n_lanes, acc, (uint32_t)k, vals, tgt);
    }
}

static int on_chunk(void *user, const mf_chunk *c)
{
    double *scratch = malloc(2 * ((size_t)c->n_lanes + 1) * sizeof *scratch);
    if (!scratch)
        return 1;
    for (int i = 0; i < c->n_rec; i++)
        stream(user, c, i, scratch, scratch + c->n_lanes + 1);
    free(scratch);
    return 0;
}

mf_status mf_fit_find(const mf_model *m, const char *name, int *q, mf_dim *dim, mf_error *err)
{
    *q = mf_model_find_quantity(m, name);
    if (*q < 0)
        return mf_error_set(err, MF_ERR_NAME,
                            "'%s' is not a variable or subexpression of the model",
                            name ? name : "(null)");
    *dim = mf_model_quantity_dim(m, *q);
    return MF_OK;
}

/* What the engine records (stored or streamed probes) and reads at the
 * end (final probes). */
typedef struct run_lists {
    int *rec, *rec_probe, *end;
    double **rec_out, **end_out;
    int n_rec, n_end;
    bool online;
    int first_state; /* end[first_state..n_end) are the state variables */
    double *state_end;
} run_lists;

/* The state variables at the end of the run, to find diverged lanes. */
static bool add_state_ends(const fit_run *r, run_lists *x)
{
    const mf_model *m = r->m;
    size_t lanes = (size_t)(r->n_rows * r->n_traces);
    size_t n_state = 0;
    for (int v = 0; v < m->n_var; v++)
        n_state += m->var[v].kind == MF_VAR_STATE;
    x->first_state = x->n_end;
    x->state_end = malloc((n_state * lanes + 1) * sizeof *x->state_end);
    if (!x->state_end)
        return false;
    for (int v = 0; v < m->n_var; v++)
        if (m->var[v].kind == MF_VAR_STATE) {
            x->end_out[x->n_end] = x->state_end + (size_t)(x->n_end - x->first_state) * lanes;
            x->end[x->n_end++] = v;
        }
    return true;
}

static void mark_diverged(const fit_run *r, const run_lists *x)
{
    long lanes = r->n_rows * r->n_traces;
    for (long l = 0; l < lanes; l++) {
        r->diverged[l] = 0;
        for (int i = x->first_state; i < x->n_end; i++)
            if (!isfinite(x->end_out[i][l]))
                r->diverged[l] = 1;
    }
}

static bool lists_make(const fit_run *r, run_lists *x)
{
    size_t n = (size_t)r->n_probes + (size_t)r->m->n_var + 1;
    x->rec = malloc(n * sizeof *x->rec);
    x->rec_probe = malloc(n * sizeof *x->rec_probe);
    x->end = malloc(n * sizeof *x->end);
    x->rec_out = calloc(n, sizeof *x->rec_out);
    x->end_out = calloc(n, sizeof *x->end_out);
    if (!x->rec || !x->rec_probe || !x->end || !x->rec_out || !x->end_out)
        return false;
    for (int p = 0; p < r->n_probes; p++) {
        double *store = r->store ? r->store[p] : NULL;
        bool online = r->online && r->online[p];
        if (store || online) {
            x->rec_probe[x->n_rec] = p;
            x->rec_out[x->n_rec] = store;
            x->rec[x->n_rec++] = r->probes[p];
            x->online = x->online || online;
        }
        if (r->final && r->final[p]) {
            x->end_out[x->n_end] = r->final[p];
            x->end[x->n_end++] = r->probes[p];
        }
    }
    return !r->diverged || add_state_ends(r, x);
}

static void lists_free(run_lists *x)
{
    free(x->rec);
    free(x->rec_probe);
    free(x->end);
    free(x->rec_out);
    free(x->end_out);
    free(x->state_end);
}

mf_status mf_fit_run(const fit_run *r, mf_error *err)
{
    long n_lanes = r->n_rows * r->n_traces;
    run_lists x = {0};
    if (!lists_make(r, &x)) {
        lists_free(&x);
        return mf_error_set(err, MF_ERR_NOMEM, "out of memory");
    }
    for (int p = 0; p < r->n_probes; p++)
        if (r->online && r->online[p])
            mf_metric_online_init(r->online[p], (uint32_t)n_lanes, r->acc[p]);
    run_ctx rc = {r, x.rec_probe};
    mf_run run = {
        .n_lanes = n_lanes,
        .n_traces = r->n_traces,
        .n_steps = r->n_steps,
        .inputs = r->series,
        .targets = r->series + r->m->n_inputs,
        .iteration = r->iteration,
        .values = r->values,
        .rec_vars = x.rec,
        .n_rec = x.n_rec,
        .rec_out = x.rec_out,
        .chunk_fn = x.online ? on_chunk : NULL,
        .chunk_user = &rc,
        .chunk_steps = CHUNK_STEPS,
        .spikes = r->spikes,
        .end_vars = x.end,
        .n_end = x.n_end,
        .end_out = x.end_out,
    };
    mf_status st = mf_engine_run(r->e, &run, err);
    if (st == MF_ERR_STOPPED)
        st = mf_error_set(err, MF_ERR_NOMEM, "out of memory while reading the simulation");
    if (st == MF_OK && r->diverged)
        mark_diverged(r, &x);
    lists_free(&x);
    return st;
}

/* One simulation for the fitter. The engine records each probe (an output,
 * variable or subexpression) straight into its store, hands the streamed
 * ones over chunk by chunk to the online metric, and reads the penalty at
 * the end of the run. Chunks of different blocks arrive on different
 * threads; every write here goes to the chunk's own lanes. */
#include "fitter.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

enum { CHUNK_STEPS = 256 };

/* Recorded quantity r is probe rec_probe[r]; stream holds two values per
 * lane of the run (one step of every lane, and its targets). */
typedef struct run_ctx {
    const fit_run *r;
    const int *rec_probe;
    double *stream;
    long n_lanes;
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

/* Chunks of different blocks run at the same time on disjoint lanes: each
 * uses the stream buffer at its own lanes. */
static int on_chunk(void *user, const mf_chunk *c)
{
    const run_ctx *rc = user;
    double *vals = rc->stream + c->first_lane, *tgt = rc->stream + rc->n_lanes + c->first_lane;
    for (int i = 0; i < c->n_rec; i++)
        stream(rc, c, i, vals, tgt);
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

void mf_fit_run_scratch_free(fit_run_scratch *s)
{
    free(s->rec);
    free(s->rec_probe);
    free(s->end);
    free(s->rec_out);
    free(s->end_out);
    free(s->state_end);
    free(s->stream);
    memset(s, 0, sizeof *s);
}

/* Grows *p to n doubles (kept when large enough). */
static bool grow_doubles(double **p, size_t *cap, size_t n)
{
    if (n <= *cap)
        return true;
    double *q = realloc(*p, n * sizeof *q);
    if (!q)
        return false;
    *p = q;
    *cap = n;
    return true;
}

/* What the engine records (stored or streamed probes) and reads at the
 * end (final probes), in the scratch's lists. */
typedef struct run_lists {
    fit_run_scratch *s;
    int n_rec, n_end;
    bool online;
    int first_state; /* end[first_state..n_end) are the state variables */
} run_lists;

/* The state variables at the end of the run, to find diverged lanes. */
static bool add_state_ends(const fit_run *r, run_lists *x)
{
    const mf_model *m = r->m;
    fit_run_scratch *s = x->s;
    size_t lanes = (size_t)(r->n_rows * r->n_traces);
    size_t n_state = 0;
    for (int v = 0; v < m->n_var; v++)
        n_state += m->var[v].kind == MF_VAR_STATE;
    x->first_state = x->n_end;
    if (!grow_doubles(&s->state_end, &s->state_cap, n_state * lanes + 1))
        return false;
    for (int v = 0; v < m->n_var; v++)
        if (m->var[v].kind == MF_VAR_STATE) {
            s->end_out[x->n_end] = s->state_end + (size_t)(x->n_end - x->first_state) * lanes;
            s->end[x->n_end++] = v;
        }
    return true;
}

static void mark_diverged(const fit_run *r, const run_lists *x)
{
    long lanes = r->n_rows * r->n_traces;
    for (long l = 0; l < lanes; l++) {
        r->diverged[l] = 0;
        for (int i = x->first_state; i < x->n_end; i++)
            if (!isfinite(x->s->end_out[i][l]))
                r->diverged[l] = 1;
    }
}

/* The five lists, grown to n entries (kept when large enough). */
static bool grow_lists(fit_run_scratch *s, size_t n)
{
    if (n <= s->cap)
        return true;
    int *rec = realloc(s->rec, n * sizeof *rec);
    s->rec = rec ? rec : s->rec;
    int *rec_probe = realloc(s->rec_probe, n * sizeof *rec_probe);
    s->rec_probe = rec_probe ? rec_probe : s->rec_probe;
    int *end = realloc(s->end, n * sizeof *end);
    s->end = end ? end : s->end;
    double **rec_out = realloc(s->rec_out, n * sizeof *rec_out);
    s->rec_out = rec_out ? rec_out : s->rec_out;
    double **end_out = realloc(s->end_out, n * sizeof *end_out);
    s->end_out = end_out ? end_out : s->end_out;
    if (!rec || !rec_probe || !end || !rec_out || !end_out)
        return false;
    s->cap = n;
    return true;
}

static bool lists_make(const fit_run *r, run_lists *x)
{
    fit_run_scratch *s = x->s;
    if (!grow_lists(s, (size_t)r->n_probes + (size_t)r->m->n_var + 1))
        return false;
    for (int p = 0; p < r->n_probes; p++) {
        double *store = r->store ? r->store[p] : NULL;
        bool online = r->online && r->online[p];
        if (store || online) {
            s->rec_probe[x->n_rec] = p;
            s->rec_out[x->n_rec] = store;
            s->rec[x->n_rec++] = r->probes[p];
            x->online = x->online || online;
        }
        if (r->final && r->final[p]) {
            s->end_out[x->n_end] = r->final[p];
            s->end[x->n_end++] = r->probes[p];
        }
    }
    size_t lanes = (size_t)(r->n_rows * r->n_traces);
    if (x->online && !grow_doubles(&s->stream, &s->stream_cap, 2 * lanes + 1))
        return false;
    return !r->diverged || add_state_ends(r, x);
}

/* The bytes lists_make asks for, for a message. */
static size_t lists_bytes(const fit_run *r)
{
    size_t n = (size_t)r->n_probes + (size_t)r->m->n_var + 1;
    size_t lanes = (size_t)(r->n_rows * r->n_traces);
    return n * (3 * sizeof(int) + 2 * sizeof(double *)) +
           ((size_t)r->m->n_var + 2) * lanes * sizeof(double);
}

mf_status mf_fit_run(const fit_run *r, mf_error *err)
{
    long n_lanes = r->n_rows * r->n_traces;
    fit_run_scratch own = {0};
    run_lists x = {r->scratch ? r->scratch : &own, 0, 0, false, 0};
    if (!lists_make(r, &x)) {
        mf_fit_run_scratch_free(&own);
        return mf_error_nomem(err, "the lists of recorded quantities of a simulation",
                              lists_bytes(r));
    }
    for (int p = 0; p < r->n_probes; p++)
        if (r->online && r->online[p])
            mf_metric_online_init(r->online[p], (uint32_t)n_lanes, r->acc[p]);
    run_ctx rc = {r, x.s->rec_probe, x.s->stream, n_lanes};
    mf_run run = {
        .n_lanes = n_lanes,
        .n_traces = r->n_traces,
        .n_steps = r->n_steps,
        .inputs = r->series,
        .targets = r->series + r->m->n_inputs,
        .iteration = r->iteration,
        .values = r->values,
        .rec_vars = x.s->rec,
        .n_rec = x.n_rec,
        .rec_out = x.s->rec_out,
        .chunk_fn = x.online ? on_chunk : NULL,
        .chunk_user = &rc,
        .chunk_steps = CHUNK_STEPS,
        .spikes = r->spikes,
        .end_vars = x.s->end,
        .n_end = x.n_end,
        .end_out = x.s->end_out,
    };
    mf_status st = mf_engine_run(r->e, &run, err);
    if (st == MF_OK && r->diverged)
        mark_diverged(r, &x);
    mf_fit_run_scratch_free(&own);
    return st;
}

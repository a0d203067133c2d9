/* One simulation for the fitter: the engine runs the lanes and hands over
 * the recorded variables chunk by chunk; here each probe (an output, the
 * penalty) is read or, for a subexpression, evaluated from the recorded
 * variables at the same step (the engine stores variables only), and then
 * stored, streamed into an online metric, or kept as the final value.
 * Chunks of different blocks arrive on different threads; every write here
 * goes to the chunk's own lanes. */
#include "fitter.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

enum { CHUNK_STEPS = 256 };

typedef struct run_ctx {
    const fit_run *r;
    const int *rec_of; /* model variable -> recorded index, -1 */
} run_ctx;

/* Where a subexpression is evaluated: lane l and step j of a chunk. */
typedef struct at_ctx {
    const run_ctx *rc;
    const mf_chunk *c;
    int l, j;
} at_ctx;

static double at_lookup(void *p, const mf_expr *name)
{
    const at_ctx *x = p;
    const fit_run *r = x->rc->r;
    const mf_model *m = r->m;
    long k = x->c->k0 + x->j;
    long trace = (x->c->first_lane + x->l) % r->n_traces;
    switch (name->sym_kind) {
    case MF_SYM_TIME: return (double)k * r->dt;
    case MF_SYM_DT: return r->dt;
    case MF_SYM_INPUT: return r->series[name->sym_index][trace * r->n_sim + k];
    case MF_SYM_EXTRA:
        if (name->sym_index < m->n_targets)
            return r->series[m->n_inputs + name->sym_index][trace * r->n_sim + k];
        return r->iteration;
    case MF_SYM_SUBEXPR: {
        const mf_expr *e = mf_model_subexpr(m, name);
        return e ? mf_expr_eval(e, at_lookup, p) : NAN;
    }
    default: {
        int v = mf_model_var_of(m, name);
        int ri = v >= 0 ? x->rc->rec_of[v] : -1;
        if (ri < 0)
            return NAN;
        return x->c->values[((size_t)ri * (size_t)x->c->n_lanes + (size_t)x->l) *
                                (size_t)x->c->n_steps +
                            (size_t)x->j];
    }
    }
}

static double probe_at(const at_ctx *x, const fit_probe *p)
{
    if (p->var >= 0) {
        int ri = x->rc->rec_of[p->var];
        return x->c->values[((size_t)ri * (size_t)x->c->n_lanes + (size_t)x->l) *
                                (size_t)x->c->n_steps +
                            (size_t)x->j];
    }
    return mf_expr_eval(p->expr, at_lookup, (void *)x);
}

/* One probe over one chunk. vals/tgt: scratch of n_lanes doubles. */
static void chunk_probe(const run_ctx *rc, const mf_chunk *c, int p, double *vals, double *tgt)
{
    const fit_run *r = rc->r;
    double *store = r->store ? r->store[p] : NULL;
    const mf_metric *online = r->online ? r->online[p] : NULL;
    double *final = r->final ? r->final[p] : NULL;
    for (int j = 0; j < c->n_steps; j++) {
        long k = c->k0 + j;
        bool data = k < r->n_data, last = k == r->n_sim - 1;
        if (!(data && (store || online)) && !(last && final))
            continue;
        for (int l = 0; l < c->n_lanes; l++) {
            at_ctx x = {rc, c, l, j};
            double v = probe_at(&x, &r->probes[p]);
            long lane = c->first_lane + l;
            if (data && store)
                store[(size_t)lane * (size_t)r->n_data + (size_t)k] = v;
            if (data && online) {
                long trace = lane % r->n_traces;
                vals[l] = v;
                tgt[l] = r->online_target[p][(size_t)trace * (size_t)r->n_data + (size_t)k];
            }
            if (last && final)
                final[lane] = v;
        }
        if (data && online) {
            size_t size = mf_metric_online_size(online);
            char *acc = (char *)r->acc[p] + (size_t)c->first_lane * size;
            mf_metric_online_update(online, (uint32_t)c->n_lanes, acc, (uint32_t)k, vals, tgt);
        }
    }
}

static int on_chunk(void *user, const mf_chunk *c)
{
    const run_ctx *rc = user;
    double *scratch = malloc(2 * ((size_t)c->n_lanes + 1) * sizeof *scratch);
    if (!scratch)
        return 1;
    for (int p = 0; p < rc->r->n_probes; p++)
        chunk_probe(rc, c, p, scratch, scratch + c->n_lanes + 1);
    free(scratch);
    return 0;
}

typedef struct vars_ctx {
    const mf_model *m;
    bool *used;
} vars_ctx;

static void mark_var(void *p, const mf_expr *name)
{
    vars_ctx *x = p;
    if (name->sym_kind == MF_SYM_SUBEXPR) {
        const mf_expr *e = mf_model_subexpr(x->m, name);
        if (e)
            mf_expr_visit_names(e, mark_var, p);
        return;
    }
    int v = mf_model_var_of(x->m, name);
    if (v >= 0)
        x->used[v] = true;
}

void mf_fit_probe_vars(const mf_model *m, const fit_probe *p, bool *used)
{
    if (p->var >= 0) {
        used[p->var] = true;
        return;
    }
    vars_ctx x = {m, used};
    mf_expr_visit_names(p->expr, mark_var, &x);
}

mf_status mf_fit_probe_find(const mf_model *m, const char *name, fit_probe *p, mf_dim *dim,
                            mf_error *err)
{
    int v = mf_model_find_var(m, name);
    if (v >= 0 && m->var[v].kind != MF_VAR_SPIKE) {
        *p = (fit_probe){v, NULL};
        *dim = m->var[v].dim;
        return MF_OK;
    }
    const mf_equation *q = name ? mf_equations_find(m->eqs, name) : NULL;
    if (q && q->kind == MF_EQ_SUBEXPR) {
        *p = (fit_probe){-1, q->expr};
        *dim = q->dim;
        return MF_OK;
    }
    return mf_error_set(err, MF_ERR_NAME,
                        "'%s' is not a variable or subexpression of the model",
                        name ? name : "(null)");
}

/* Drops the spikes of the extra step simulated for the final state. */
static void trim_spikes(const fit_run *r, long n_lanes)
{
    double end = ((double)r->n_data - 0.5) * r->dt;
    for (long i = 0; i < n_lanes; i++)
        while (r->spikes[i].n > 0 && r->spikes[i].t[r->spikes[i].n - 1] > end)
            r->spikes[i].n--;
}

mf_status mf_fit_run(const fit_run *r, mf_error *err)
{
    const mf_model *m = r->m;
    long n_lanes = r->n_rows * r->n_traces;
    bool *used = calloc((size_t)m->n_var + 1, sizeof *used);
    int *rec_of = malloc(((size_t)m->n_var + 1) * sizeof *rec_of);
    int *rec = malloc(((size_t)m->n_var + 1) * sizeof *rec);
    if (!used || !rec_of || !rec) {
        free(used);
        free(rec_of);
        free(rec);
        return mf_error_set(err, MF_ERR_NOMEM, "out of memory");
    }
    for (int p = 0; p < r->n_probes; p++)
        mf_fit_probe_vars(m, &r->probes[p], used);
    int n_rec = 0;
    for (int v = 0; v < m->n_var; v++) {
        rec_of[v] = used[v] ? n_rec : -1;
        if (used[v])
            rec[n_rec++] = v;
    }
    for (int p = 0; p < r->n_probes; p++)
        if (r->online && r->online[p])
            mf_metric_online_init(r->online[p], (uint32_t)n_lanes, r->acc[p]);
    run_ctx rc = {r, rec_of};
    mf_run run = {
        .n_lanes = n_lanes,
        .n_traces = r->n_traces,
        .n_steps = r->n_sim,
        .inputs = r->series,
        .targets = r->series + m->n_inputs,
        .iteration = r->iteration,
        .values = r->values,
        .rec_vars = rec,
        .n_rec = n_rec,
        .chunk_fn = r->n_probes > 0 ? on_chunk : NULL,
        .chunk_user = &rc,
        .chunk_steps = CHUNK_STEPS,
        .spikes = r->spikes,
    };
    mf_status st = mf_engine_run(r->e, &run, err);
    if (st == MF_ERR_STOPPED)
        st = mf_error_set(err, MF_ERR_NOMEM, "out of memory while reading the simulation");
    if (st == MF_OK && r->spikes && r->n_sim > r->n_data)
        trim_spikes(r, n_lanes);
    free(used);
    free(rec_of);
    free(rec);
    return st;
}

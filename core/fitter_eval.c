/* The batch evaluation: parameter sets in, errors out (DESIGN.md sections 1
 * and 8). Everything a round does between the optimizer's ask and tell is
 * here, so that a distributed or checkpointing fit replaces one function.
 *
 * The set's error is the sum over the outputs of the metric's error (mean
 * over the traces, as the metric defines it) plus the penalty's value at the
 * end of the run, averaged over the set's traces (brian2modelfitting adds the
 * per-neuron value, which only works with one trace). */
#include "fitter.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

typedef struct eval_bufs {
    double *cols;
    const double **values;
    double *sample;
    mf_spike_list *spikes;
    const double **spk;
    size_t *n_spk;
    unsigned char *diverged; /* per lane: 1 state diverged, 2 a NaN error */
} eval_bufs;

static void bufs_free(eval_bufs *b, long lanes)
{
    free(b->cols);
    free(b->values);
    free(b->sample);
    mf_spike_lists_free(b->spikes, lanes);
    free(b->spk);
    free(b->n_spk);
    free(b->diverged);
}

static mf_status bufs_alloc(const mf_fitter *f, eval_bufs *b, int n_points, long lanes)
{
    memset(b, 0, sizeof *b);
    b->cols = malloc(((size_t)f->n_params * (size_t)n_points + 1) * sizeof *b->cols);
    b->values = calloc((size_t)f->model->n_var + 1, sizeof *b->values);
    b->sample = malloc(((size_t)n_points + 1) * sizeof *b->sample);
    b->diverged = calloc((size_t)lanes + 1, 1);
    bool ok = b->cols && b->values && b->sample && b->diverged;
    if (ok && f->kind == MF_FITTER_SPIKES) {
        b->spikes = calloc((size_t)lanes + 1, sizeof *b->spikes);
        b->spk = calloc((size_t)lanes + 1, sizeof *b->spk);
        b->n_spk = calloc((size_t)lanes + 1, sizeof *b->n_spk);
        ok = b->spikes && b->spk && b->n_spk;
    }
    return ok ? MF_OK : MF_ERR_NOMEM;
}

/* The probes of one run: the outputs (0..n_out-1), then the penalty. */
typedef struct eval_probes {
    int *probe;
    double **store, **final;
    const mf_metric **online;
    const double **target;
    void **acc;
} eval_probes;

static void probes_free(eval_probes *p)
{
    free(p->probe);
    free(p->store);
    free(p->final);
    free(p->online);
    free(p->target);
    free(p->acc);
}

static int probes_fill(mf_fitter *f, bool want_traces, eval_probes *p)
{
    size_t n = (size_t)f->n_out + 2;
    p->probe = calloc(n, sizeof *p->probe);
    p->store = calloc(n, sizeof *p->store);
    p->final = calloc(n, sizeof *p->final);
    p->online = calloc(n, sizeof *p->online);
    p->target = calloc(n, sizeof *p->target);
    p->acc = calloc(n, sizeof *p->acc);
    if (!p->probe || !p->store || !p->final || !p->online || !p->target || !p->acc)
        return -1;
    fit_work *w = &f->work;
    bool online = f->kind == MF_FITTER_ONLINE;
    int k = 0;
    /* Online fitters store their output only when refine asks for it. */
    for (int o = 0; o < f->n_out; o++, k++) {
        p->probe[k] = f->out[o].q;
        p->store[k] = !online || want_traces ? w->store[o] : NULL;
        p->online[k] = online ? f->metrics[0].metric : NULL;
        p->target[k] = f->out[o].target;
        p->acc[k] = w->acc;
    }
    if (f->has_penalty) {
        p->probe[k] = f->penalty;
        p->final[k++] = w->final;
    }
    return k;
}

/* Simulates the points, filling the work buffers the metrics read. */
static mf_status simulate(mf_fitter *f, int n_points, const double *points, double iteration,
                          bool want_traces, eval_bufs *b, mf_error *err)
{
    eval_probes p = {0};
    int n = probes_fill(f, want_traces, &p);
    if (n < 0) {
        probes_free(&p);
        return mf_error_set(err, MF_ERR_NOMEM, "out of memory");
    }
    mf_fitter_param_columns(f, n_points, points, b->cols, b->values);
    fit_run r = {
        .m = f->model,
        .e = f->engine,
        .n_traces = f->n_traces,
        .n_rows = n_points,
        .n_steps = f->n_steps,
        .series = f->series,
        .values = b->values,
        .iteration = iteration,
        .n_probes = n,
        .probes = p.probe,
        .store = p.store,
        .online = p.online,
        .online_target = p.target,
        .acc = p.acc,
        .final = p.final,
        .spikes = b->spikes,
        .diverged = b->diverged,
    };
    mf_status rc = mf_fit_run(&r, err);
    probes_free(&p);
    return rc;
}

/* The lanes' errors of metric i into w->lane_err. */
static mf_status lane_errors(mf_fitter *f, int i, long lanes, eval_bufs *b, mf_error *err)
{
    fit_work *w = &f->work;
    const mf_metric *m = f->metrics[i].metric;
    for (long l = 0; l < lanes; l++)
        w->trace[l] = (uint32_t)(l % f->n_traces);
    if (f->kind == MF_FITTER_ONLINE)
        return mf_metric_online_finish(m, (uint32_t)lanes, w->acc, w->trace, w->lane_err, err);
    if (f->kind == MF_FITTER_SPIKES) {
        for (long l = 0; l < lanes; l++) {
            b->spk[l] = b->spikes[l].t;
            b->n_spk[l] = (size_t)b->spikes[l].n;
        }
        return mf_metric_errors_spikes(m, (uint32_t)lanes, w->trace, b->spk, b->n_spk,
                                       w->lane_err, err);
    }
    for (long l = 0; l < lanes; l++)
        w->rows[l] = w->store[i] + (size_t)l * (size_t)f->n_steps;
    return mf_metric_errors(m, (uint32_t)lanes, w->trace, w->rows, 1, w->lane_err, err);
}

/* A lane whose state diverged gets a NaN error whatever its metric says
 * (a spike metric sees a silent neuron); lanes with a NaN error are
 * counted as diverged too. */
static void mark_nan_lanes(mf_fitter *f, long lanes, unsigned char *diverged)
{
    double *e = f->work.lane_err;
    for (long l = 0; l < lanes; l++) {
        if (diverged[l] == 1)
            e[l] = NAN;
        else if (isnan(e[l]))
            diverged[l] = 2;
    }
}

static mf_status combine(mf_fitter *f, int n_points, long lanes, eval_bufs *b, double *errors,
                         double *norm, double *raw, mf_error *err)
{
    for (int i = 0; i < n_points; i++)
        errors[i] = 0;
    for (int o = 0; o < f->n_metrics; o++) {
        mf_status rc = lane_errors(f, o, lanes, b, err);
        if (rc != MF_OK)
            return rc;
        mark_nan_lanes(f, lanes, b->diverged);
        mf_metric_average_samples((uint32_t)n_points, (uint32_t)f->n_traces, f->work.lane_err,
                                  b->sample);
        const fit_metric *fm = &f->metrics[o];
        for (int i = 0; i < n_points; i++) {
            size_t at = (size_t)i * (size_t)f->n_metrics + (size_t)o;
            if (norm)
                norm[at] = b->sample[i];
            if (raw)
                raw[at] = b->sample[i] * fm->raw_scale;
            errors[i] += b->sample[i];
        }
    }
    if (f->has_penalty) {
        mf_metric_average_samples((uint32_t)n_points, (uint32_t)f->n_traces, f->work.final,
                                  b->sample);
        for (int i = 0; i < n_points; i++)
            errors[i] += b->sample[i];
    }
    f->nan_lanes = 0;
    for (long l = 0; l < lanes; l++)
        f->nan_lanes += b->diverged[l] != 0;
    return MF_OK;
}

mf_status mf_fitter_evaluate_traces(mf_fitter *f, int n_points, const double *points,
                                    double iteration, bool want_traces, double *errors,
                                    double *norm, double *raw, mf_error *err)
{
    if (!f->metrics)
        return mf_error_set(err, MF_ERR_INVALID, "the fit has no metrics yet");
    long lanes = (long)n_points * f->n_traces;
    mf_status rc = mf_fitter_work_reserve(f, lanes, want_traces, err);
    if (rc != MF_OK)
        return rc;
    eval_bufs b;
    if (bufs_alloc(f, &b, n_points, lanes) != MF_OK) {
        bufs_free(&b, lanes);
        return mf_error_set(err, MF_ERR_NOMEM, "out of memory");
    }
    rc = simulate(f, n_points, points, iteration, want_traces, &b, err);
    if (rc == MF_OK)
        rc = combine(f, n_points, lanes, &b, errors, norm, raw, err);
    bufs_free(&b, lanes);
    return rc;
}

mf_status mf_fitter_evaluate(mf_fitter *f, int n_points, const double *points, double iteration,
                             double *errors, double *norm, double *raw, mf_error *err)
{
    return mf_fitter_evaluate_traces(f, n_points, points, iteration, false, errors, norm, raw,
                                     err);
}

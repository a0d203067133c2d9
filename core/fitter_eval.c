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

/* The probes of one run, in f->work: the outputs (0..n_out-1), then the
 * penalty. Returns their number. */
static int probes_fill(mf_fitter *f, bool want_traces)
{
    fit_work *w = &f->work;
    bool online = f->kind == MF_FITTER_ONLINE;
    int k = 0;
    /* Online fitters store their output only when refine asks for it. */
    for (int o = 0; o < f->n_out; o++, k++) {
        w->probe[k] = f->out[o].q;
        w->probe_store[k] = !online || want_traces ? w->store[o] : NULL;
        w->probe_final[k] = NULL;
        w->probe_online[k] = online ? f->metrics[0].metric : NULL;
        w->probe_target[k] = f->out[o].target;
        w->probe_acc[k] = w->acc;
    }
    if (f->has_penalty) {
        w->probe[k] = f->penalty;
        w->probe_store[k] = NULL;
        w->probe_online[k] = NULL;
        w->probe_target[k] = NULL;
        w->probe_acc[k] = NULL;
        w->probe_final[k++] = w->final;
    }
    return k;
}

/* Simulates the points, filling the work buffers the metrics read. */
static mf_status simulate(mf_fitter *f, int n_points, const double *points, double iteration,
                          long lanes, bool want_traces, mf_error *err)
{
    fit_work *w = &f->work;
    int n = probes_fill(f, want_traces);
    mf_fitter_param_columns(f, n_points, points, w->cols, w->values);
    for (long l = 0; w->spikes && l < lanes; l++)
        w->spikes[l].n = 0; /* the engine appends */
    fit_run r = {
        .m = f->model,
        .e = f->engine,
        .n_traces = f->n_traces,
        .n_rows = n_points,
        .n_steps = f->n_steps,
        .series = f->series,
        .values = w->values,
        .iteration = iteration,
        .n_probes = n,
        .probes = w->probe,
        .store = w->probe_store,
        .online = w->probe_online,
        .online_target = w->probe_target,
        .acc = w->probe_acc,
        .final = w->probe_final,
        .spikes = w->spikes,
        .diverged = w->diverged,
        .scratch = &w->run,
    };
    return mf_fit_run(&r, err);
}

/* The lanes' errors of metric i into w->lane_err. */
static mf_status lane_errors(mf_fitter *f, int i, long lanes, mf_error *err)
{
    fit_work *w = &f->work;
    const mf_metric *m = f->metrics[i].metric;
    if (f->kind == MF_FITTER_ONLINE)
        return mf_metric_online_finish(m, (uint32_t)lanes, w->acc, w->trace, w->lane_err, err);
    if (f->kind == MF_FITTER_SPIKES) {
        for (long l = 0; l < lanes; l++) {
            w->spk[l] = w->spikes[l].t;
            w->n_spk[l] = (size_t)w->spikes[l].n;
        }
        return mf_metric_errors_spikes(m, (uint32_t)lanes, w->trace, w->spk, w->n_spk,
                                       w->lane_err, err);
    }
    return mf_metric_errors(m, (uint32_t)lanes, w->trace,
                            w->rows + (size_t)i * (size_t)w->lanes, 1, w->lane_err, err);
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

static mf_status combine(mf_fitter *f, int n_points, long lanes, double *errors, double *norm,
                         double *raw, mf_error *err)
{
    fit_work *w = &f->work;
    for (int i = 0; i < n_points; i++)
        errors[i] = 0;
    for (int o = 0; o < f->n_metrics; o++) {
        mf_status rc = lane_errors(f, o, lanes, err);
        if (rc != MF_OK)
            return rc;
        mark_nan_lanes(f, lanes, w->diverged);
        mf_metric_average_samples((uint32_t)n_points, (uint32_t)f->n_traces, w->lane_err,
                                  w->sample);
        const fit_metric *fm = &f->metrics[o];
        for (int i = 0; i < n_points; i++) {
            size_t at = (size_t)i * (size_t)f->n_metrics + (size_t)o;
            if (norm)
                norm[at] = w->sample[i];
            if (raw)
                raw[at] = w->sample[i] * fm->raw_scale;
            errors[i] += w->sample[i];
        }
    }
    if (f->has_penalty) {
        mf_metric_average_samples((uint32_t)n_points, (uint32_t)f->n_traces, w->final,
                                  w->sample);
        for (int i = 0; i < n_points; i++)
            errors[i] += w->sample[i];
    }
    f->nan_lanes = 0;
    for (long l = 0; l < lanes; l++)
        f->nan_lanes += w->diverged[l] != 0;
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
    if (rc == MF_OK)
        rc = simulate(f, n_points, points, iteration, lanes, want_traces, err);
    if (rc == MF_OK)
        rc = combine(f, n_points, lanes, errors, norm, raw, err);
    return rc;
}

mf_status mf_fitter_evaluate(mf_fitter *f, int n_points, const double *points, double iteration,
                             double *errors, double *norm, double *raw, mf_error *err)
{
    return mf_fitter_evaluate_traces(f, n_points, points, iteration, false, errors, norm, raw,
                                     err);
}

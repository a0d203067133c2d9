/* The evaluation's reusable buffers (fit_work in fitter.h): made when a
 * round needs more lanes than the last one had, then kept, so a fit's
 * rounds (all of n_samples x n_traces lanes) allocate nothing after the
 * first. */
#include "fitter.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void mf_fitter_work_free(fit_work *w, int n_out)
{
    for (int i = 0; w->store && i < n_out; i++)
        free(w->store[i]);
    free(w->store);
    free(w->acc);
    free(w->lane_err);
    free(w->final);
    free(w->trace);
    free(w->rows);
    free(w->cols);
    free(w->values);
    free(w->sample);
    free(w->diverged);
    mf_spike_lists_free(w->spikes, w->lanes);
    free(w->spk);
    free(w->n_spk);
    free(w->probe);
    free(w->probe_store);
    free(w->probe_final);
    free(w->probe_online);
    free(w->probe_target);
    free(w->probe_acc);
    mf_fit_run_scratch_free(&w->run);
    memset(w, 0, sizeof *w);
}

/* Everything but the outputs' traces; false when an allocation fails. */
static bool alloc_lanes(const mf_fitter *f, fit_work *w, size_t n, size_t acc)
{
    size_t points = n / (size_t)f->n_traces + 1, probes = (size_t)f->n_out + 2;
    w->store = calloc((size_t)f->n_out + 1, sizeof *w->store);
    w->acc = malloc(n * acc + sizeof(double));
    w->lane_err = malloc(n * sizeof *w->lane_err);
    w->final = malloc(n * sizeof *w->final);
    w->trace = malloc(n * sizeof *w->trace);
    w->rows = malloc(((size_t)f->n_out * n + 1) * sizeof *w->rows);
    w->cols = malloc(((size_t)f->n_params * points + 1) * sizeof *w->cols);
    w->values = calloc((size_t)f->model->n_var + 1, sizeof *w->values);
    w->sample = malloc(points * sizeof *w->sample);
    w->diverged = calloc(n + 1, 1);
    w->probe = calloc(probes, sizeof *w->probe);
    w->probe_store = calloc(probes, sizeof *w->probe_store);
    w->probe_final = calloc(probes, sizeof *w->probe_final);
    w->probe_online = calloc(probes, sizeof *w->probe_online);
    w->probe_target = calloc(probes, sizeof *w->probe_target);
    w->probe_acc = calloc(probes, sizeof *w->probe_acc);
    bool ok = w->store && w->acc && w->lane_err && w->final && w->trace && w->rows && w->cols &&
              w->values && w->sample && w->diverged && w->probe && w->probe_store &&
              w->probe_final && w->probe_online && w->probe_target && w->probe_acc;
    if (ok && f->kind == MF_FITTER_SPIKES) {
        w->spikes = calloc(n + 1, sizeof *w->spikes);
        w->spk = calloc(n + 1, sizeof *w->spk);
        w->n_spk = calloc(n + 1, sizeof *w->n_spk);
        ok = w->spikes && w->spk && w->n_spk;
    }
    return ok;
}

/* The tables that depend on the lanes alone: lane -> trace, and lane ->
 * its stored trace of each output. */
static void fill_tables(const mf_fitter *f, fit_work *w, size_t n)
{
    for (size_t l = 0; l < n; l++)
        w->trace[l] = (uint32_t)(l % (size_t)f->n_traces);
    for (int o = 0; w->traces && o < f->n_out; o++)
        for (size_t l = 0; l < n; l++)
            w->rows[(size_t)o * n + l] = w->store[o] + l * (size_t)f->n_steps;
}

mf_status mf_fitter_work_reserve(mf_fitter *f, long lanes, bool traces, mf_error *err)
{
    fit_work *w = &f->work;
    size_t acc = f->metrics && f->kind == MF_FITTER_ONLINE
                     ? mf_metric_online_size(f->metrics[0].metric)
                     : sizeof(double);
    if (acc < sizeof(double))
        acc = sizeof(double);
    /* Only the trace fitter keeps its outputs' traces for every round; the
     * online fitter's memory per lane stays O(1) unless refine asks. */
    traces = traces || f->kind == MF_FITTER_TRACES;
    if (lanes <= w->lanes && acc <= w->acc_size && (!traces || w->traces))
        return MF_OK;
    fit_run_scratch keep = w->run; /* it grows on its own */
    w->run = (fit_run_scratch){0};
    mf_fitter_work_free(w, f->n_out);
    w->run = keep;
    size_t n = (size_t)lanes;
    bool ok = alloc_lanes(f, w, n, acc);
    size_t trace_bytes = n * (size_t)f->n_steps * sizeof(double);
    for (int i = 0; ok && traces && i < f->n_out; i++)
        ok = (w->store[i] = malloc(trace_bytes)) != NULL;
    if (!ok) {
        keep = w->run;
        w->run = (fit_run_scratch){0};
        mf_fitter_work_free(w, f->n_out);
        w->run = keep;
        char what[160];
        snprintf(what, sizeof what,
                 "the buffers of %ld simulations (%d outputs of %ld steps recorded each)",
                 lanes, traces ? f->n_out : 0, f->n_steps);
        return mf_error_nomem(err, what,
                              (traces ? (size_t)f->n_out * trace_bytes : 0) +
                                  n * (acc + 3 * sizeof(double) + (size_t)f->n_out * 8));
    }
    w->lanes = lanes;
    w->acc_size = acc;
    w->traces = traces;
    fill_tables(f, w, n);
    return MF_OK;
}

/* The memory a fit's round needs, estimated before anything is allocated,
 * and the refusal of a fit the machine cannot hold: without it a too large
 * n_samples x steps fails deep inside (or, with overcommit, gets the
 * process killed by the kernel much later). */
#include "fitter_guard.h"
#include "memory.h"

#include <stdio.h>
#include <string.h>

/* Work buffers per simulation besides the recordings: lane error, penalty
 * value, trace index, row pointer, divergence flag and spike list head. */
enum { PER_LANE_BYTES = 8 + 8 + 4 + 8 + 1 + 24 };

typedef struct mem_estimate {
    double lanes, per_lane, data, need;
    int recorded; /* outputs recorded in full per simulation */
} mem_estimate;

static void estimate(const mf_fitter *f, mem_estimate *m)
{
    const mf_fitter_spec *s = f->spec;
    m->lanes = (double)f->n_samples * (double)f->n_traces;
    m->recorded = f->kind == MF_FITTER_TRACES ? f->n_out : 0;
    m->per_lane = PER_LANE_BYTES + 8.0 * f->n_params;
    if (f->kind == MF_FITTER_TRACES)
        m->per_lane += 8.0 * (double)f->n_out * (double)f->n_steps;
    else if (f->kind == MF_FITTER_ONLINE)
        m->per_lane += f->metrics ? (double)mf_metric_online_size(f->metrics[0].metric) : 64.0;
    /* The fitter's copy of the data (inputs and targets). */
    m->data =
        8.0 * (double)(s->n_inputs + s->n_outputs) * (double)f->n_traces * (double)f->n_steps;
    m->need = m->lanes * m->per_lane + m->data;
}

void mf_fitter_memory_estimate(const mf_fitter *f, double *need, double *machine)
{
    mem_estimate m = {0};
    if (f)
        estimate(f, &m);
    if (need)
        *need = m.need;
    if (machine)
        *machine = f ? mf_memory_machine() : 0;
}

mf_status mf_fit_check_memory(const mf_fitter *f, mf_error *err)
{
    mem_estimate m;
    estimate(f, &m);
    double machine = mf_memory_machine(), avail = mf_memory_available();
    char a[32], b[32], c[32];
    if (machine > 0 && m.need > machine) {
        if (f->kind == MF_FITTER_TRACES)
            return mf_error_set(
                err, MF_ERR_NOMEM,
                "this fit needs about %s of memory (%.0f simulations = n_samples %d x %d "
                "traces, each recording %d output%s of %ld steps x 8 bytes, plus %s of data), "
                "more than this machine's %s: lower n_samples, fit fewer or shorter traces, or "
                "use the OnlineTraceFitter, which keeps O(1) memory per simulation",
                mf_bytes_text(m.need, a, sizeof a), m.lanes, f->n_samples, f->n_traces,
                m.recorded, m.recorded == 1 ? "" : "s", f->n_steps,
                mf_bytes_text(m.data, b, sizeof b), mf_bytes_text(machine, c, sizeof c));
        return mf_error_set(err, MF_ERR_NOMEM,
                            "this fit needs about %s of memory (%.0f simulations = n_samples "
                            "%d x %d traces, plus %s of data), more than this machine's %s: "
                            "lower n_samples or fit fewer traces",
                            mf_bytes_text(m.need, a, sizeof a), m.lanes, f->n_samples,
                            f->n_traces, mf_bytes_text(m.data, b, sizeof b),
                            mf_bytes_text(machine, c, sizeof c));
    }
    if (avail > 0 && m.need > avail)
        mf_log(f->ctx, MF_LOG_WARNING,
               "this fit needs about %s of memory but only %s is available now: expect "
               "swapping, or lower n_samples",
               mf_bytes_text(m.need, a, sizeof a), mf_bytes_text(avail, b, sizeof b));
    return MF_OK;
}

/* mf_metric: a metric plugin instance, guarded. The host owns a copy of the
 * targets (valid for the plugin until destroy), checks the data it hands
 * over and every error the plugin returns. */
#include "plugin.h"

#include "error.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

struct mf_metric {
    mf_context *ctx;
    const mf_plugin_info *info;
    mf_host_ctx *hc;
    void *state; /* NULL until prepared */
    double dt;
    uint32_t n_traces, n_steps;
    double *values;  /* trace metrics: n_traces x n_steps */
    double **spikes; /* spike metrics: per trace */
    size_t *n_spikes;
    mf_targets targets; /* what the plugin sees: valid until destroy */
};

mf_status mf_metric_new(mf_context *ctx, const char *name, const mf_options *opts,
                        mf_metric **out, mf_error *err)
{
    if (!out)
        return mf_error_set(err, MF_ERR_INVALID, "mf_metric_new: out is NULL");
    *out = NULL;
    const mf_plugin_info *info;
    mf_status st = mf_plugins_find(ctx, name, MF_PLUGIN_METRIC, &info, err);
    if (st)
        return st;
    mf_metric *m = calloc(1, sizeof *m);
    if (!m || !(m->hc = calloc(1, sizeof *m->hc))) {
        free(m);
        return mf_error_set(err, MF_ERR_NOMEM, "out of memory creating a metric");
    }
    m->ctx = ctx;
    m->info = info;
    st = mf_host_ctx_init(m->hc, ctx, info, opts, NULL, 0, err);
    if (st) {
        free(m->hc);
        free(m);
        return st;
    }
    *out = m;
    return MF_OK;
}

static void clear_data(mf_metric *m)
{
    if (m->state)
        m->info->desc.metric_destroy(m->state);
    m->state = NULL;
    free(m->values);
    m->values = NULL;
    for (uint32_t k = 0; m->spikes && k < m->n_traces; k++)
        free(m->spikes[k]);
    free(m->spikes);
    free(m->n_spikes);
    m->spikes = NULL;
    m->n_spikes = NULL;
    m->n_traces = m->n_steps = 0;
}

void mf_metric_free(mf_metric *m)
{
    if (!m)
        return;
    clear_data(m);
    mf_host_ctx_clear(m->hc);
    free(m->hc);
    free(m);
}

const mf_plugin_info *mf_metric_plugin(const mf_metric *m)
{
    return m ? m->info : NULL;
}

const char *mf_metric_name(const mf_metric *m)
{
    return m ? m->info->desc.name : NULL;
}

uint32_t mf_metric_kind(const mf_metric *m)
{
    return m ? m->info->desc.metric_kind : 0;
}

int mf_metric_error_power(const mf_metric *m)
{
    return m ? m->info->desc.metric_error_power : 0;
}

static mf_status check_shape(const mf_metric *m, uint32_t want_kind, double dt,
                             uint32_t n_traces, uint32_t n_steps, mf_error *err)
{
    if (!m)
        return mf_error_set(err, MF_ERR_INVALID, "metric prepare: metric is NULL");
    if (m->info->desc.metric_kind != want_kind)
        return mf_error_set(
            err, MF_ERR_INVALID, "metric '%s' compares %s, not %s", m->info->desc.name,
            m->info->desc.metric_kind == MF_METRIC_SPIKES ? "spike trains" : "traces",
            want_kind == MF_METRIC_SPIKES ? "spike trains" : "traces");
    if (!(dt > 0) || !isfinite(dt))
        return mf_error_set(err, MF_ERR_INVALID, "metric '%s': dt must be > 0, got %g",
                            m->info->desc.name, dt);
    if (n_traces == 0 || n_steps == 0)
        return mf_error_set(err, MF_ERR_INVALID,
                            "metric '%s': need at least one trace and one step (got %u x %u)",
                            m->info->desc.name, (unsigned)n_traces, (unsigned)n_steps);
    return MF_OK;
}

/* Calls the plugin's create on the copied data. */
static mf_status create_state(mf_metric *m, double dt, mf_error *err)
{
    m->targets = (mf_targets){sizeof m->targets, m->n_traces,
                              m->n_steps,        dt,
                              m->values,         (const double *const *)m->spikes,
                              m->n_spikes};
    mf_plugin_err perr = {0};
    void *state = NULL;
    int r = m->info->desc.metric_create(mf_host_table(), m->hc, &m->targets, &state, &perr);
    if (r != MF_PLUGIN_OK || !state) {
        clear_data(m);
        if (r == MF_PLUGIN_OK)
            return mf_error_set(err, MF_ERR_PLUGIN,
                                "metric '%s' (%s): metric_create succeeded but gave no state",
                                m->info->desc.name, m->info->file);
        return mf_plugin_fail(err, m->info, "metric_create", r, &perr);
    }
    m->state = state;
    m->dt = dt;
    return MF_OK;
}

mf_status mf_metric_prepare_traces(mf_metric *m, double dt, uint32_t n_traces, uint32_t n_steps,
                                   const double *targets, mf_error *err)
{
    mf_status st = check_shape(m, MF_METRIC_TRACES, dt, n_traces, n_steps, err);
    if (st)
        return st;
    if (!targets)
        return mf_error_set(err, MF_ERR_INVALID, "metric '%s': no target traces",
                            m->info->desc.name);
    size_t count = (size_t)n_traces * n_steps;
    for (size_t i = 0; i < count; i++)
        if (!isfinite(targets[i]))
            return mf_error_set(err, MF_ERR_NUMERIC,
                                "target trace %zu has %g at step %zu (targets must be finite)",
                                i / n_steps, targets[i], i % n_steps);
    clear_data(m);
    m->values = malloc(count * sizeof *m->values);
    if (!m->values)
        return mf_error_set(err, MF_ERR_NOMEM, "out of memory copying the targets");
    memcpy(m->values, targets, count * sizeof *targets);
    m->n_traces = n_traces;
    m->n_steps = n_steps;
    return create_state(m, dt, err);
}

static mf_status check_train(const double *t, size_t n, const char *what, size_t k,
                             mf_error *err)
{
    for (size_t i = 0; i < n; i++) {
        if (!isfinite(t[i])) /* not %g: it may print "-nan" */
            return mf_error_set(err, MF_ERR_NUMERIC, "%s %zu: spike %zu is %s", what, k, i,
                                isnan(t[i]) ? "nan"
                                : t[i] > 0  ? "inf"
                                            : "-inf");
        if (i > 0 && t[i] < t[i - 1])
            return mf_error_set(err, MF_ERR_INVALID,
                                "%s %zu: spike times must be ascending (spike %zu at %g s "
                                "follows %g s)",
                                what, k, i, t[i], t[i - 1]);
    }
    return MF_OK;
}

mf_status mf_metric_prepare_spikes(mf_metric *m, double dt, uint32_t n_traces, uint32_t n_steps,
                                   const double *const *spikes, const size_t *n_spikes,
                                   mf_error *err)
{
    mf_status st = check_shape(m, MF_METRIC_SPIKES, dt, n_traces, n_steps, err);
    if (st)
        return st;
    if (!spikes || !n_spikes)
        return mf_error_set(err, MF_ERR_INVALID, "metric '%s': no target spike trains",
                            m->info->desc.name);
    for (uint32_t k = 0; k < n_traces; k++) {
        if (n_spikes[k] > 0 && !spikes[k])
            return mf_error_set(err, MF_ERR_INVALID, "target spike train %u has no data",
                                (unsigned)k);
        if ((st = check_train(spikes[k], n_spikes[k], "target spike train", k, err)))
            return st;
    }
    clear_data(m);
    m->spikes = calloc(n_traces, sizeof *m->spikes);
    m->n_spikes = calloc(n_traces, sizeof *m->n_spikes);
    m->n_traces = n_traces;
    m->n_steps = n_steps;
    if (!m->spikes || !m->n_spikes) {
        clear_data(m);
        return mf_error_set(err, MF_ERR_NOMEM, "out of memory copying the targets");
    }
    for (uint32_t k = 0; k < n_traces; k++) {
        /* One extra slot so an empty train still has a valid pointer. */
        m->spikes[k] = malloc((n_spikes[k] + 1) * sizeof **m->spikes);
        if (!m->spikes[k]) {
            clear_data(m);
            return mf_error_set(err, MF_ERR_NOMEM, "out of memory copying the targets");
        }
        if (n_spikes[k])
            memcpy(m->spikes[k], spikes[k], n_spikes[k] * sizeof **m->spikes);
        m->n_spikes[k] = n_spikes[k];
    }
    return create_state(m, dt, err);
}

static mf_status need_prepared(const mf_metric *m, uint32_t kind, const char *what,
                               mf_error *err)
{
    if (!m)
        return mf_error_set(err, MF_ERR_INVALID, "%s: metric is NULL", what);
    if (!m->state)
        return mf_error_set(err, MF_ERR_INVALID,
                            "%s: metric '%s' has no targets yet (prepare it)", what,
                            m->info->desc.name);
    if (kind && m->info->desc.metric_kind != kind)
        return mf_error_set(
            err, MF_ERR_INVALID, "%s: metric '%s' compares %s", what, m->info->desc.name,
            m->info->desc.metric_kind == MF_METRIC_SPIKES ? "spike trains" : "traces");
    return MF_OK;
}

static mf_status check_lanes(const mf_metric *m, uint32_t n, const uint32_t *trace,
                             const void *data, const double *errors, mf_error *err)
{
    if (n == 0)
        return MF_OK;
    if (!trace || !data || !errors)
        return mf_error_set(err, MF_ERR_INVALID, "metric '%s': NULL lane arrays",
                            m->info->desc.name);
    for (uint32_t j = 0; j < n; j++)
        if (trace[j] >= m->n_traces)
            return mf_error_set(err, MF_ERR_INVALID,
                                "metric '%s': lane %u names trace %u of %u", m->info->desc.name,
                                (unsigned)j, (unsigned)trace[j], (unsigned)m->n_traces);
    return MF_OK;
}

/* Errors must be >= 0 (+inf allowed) or NaN. */
static mf_status check_errors(const mf_metric *m, const char *callback, uint32_t n,
                              const double *errors, mf_error *err)
{
    for (uint32_t j = 0; j < n; j++)
        if (errors[j] < 0)
            return mf_error_set(err, MF_ERR_PLUGIN,
                                "metric '%s' (%s): %s returned error %g for lane %u; errors "
                                "must be >= 0 (or NaN for a failed lane)",
                                m->info->desc.name, m->info->file, callback, errors[j],
                                (unsigned)j);
    return MF_OK;
}

static mf_status run_error(const mf_metric *m, const mf_lanes *lanes, double *errors,
                           mf_error *err)
{
    mf_plugin_err perr = {0};
    int r = m->info->desc.metric_error(m->state, lanes, errors, &perr);
    if (r != MF_PLUGIN_OK)
        return mf_plugin_fail(err, m->info, "metric_error", r, &perr);
    return check_errors(m, "metric_error", lanes->n_lanes, errors, err);
}

mf_status mf_metric_errors(const mf_metric *m, uint32_t n_lanes, const uint32_t *trace,
                           const double *const *values, size_t stride, double *errors,
                           mf_error *err)
{
    mf_status st = need_prepared(m, MF_METRIC_TRACES, "mf_metric_errors", err);
    if (!st)
        st = check_lanes(m, n_lanes, trace, values, errors, err);
    if (st || n_lanes == 0)
        return st;
    for (uint32_t j = 0; j < n_lanes; j++)
        if (!values[j])
            return mf_error_set(err, MF_ERR_INVALID, "mf_metric_errors: lane %u has no values",
                                (unsigned)j);
    mf_lanes lanes = {sizeof lanes, n_lanes, trace, values, stride ? stride : 1, NULL, NULL};
    return run_error(m, &lanes, errors, err);
}

mf_status mf_metric_errors_spikes(const mf_metric *m, uint32_t n_lanes, const uint32_t *trace,
                                  const double *const *spikes, const size_t *n_spikes,
                                  double *errors, mf_error *err)
{
    mf_status st = need_prepared(m, MF_METRIC_SPIKES, "mf_metric_errors_spikes", err);
    if (!st)
        st = check_lanes(m, n_lanes, trace, spikes, errors, err);
    if (st || n_lanes == 0)
        return st;
    if (!n_spikes)
        return mf_error_set(err, MF_ERR_INVALID, "mf_metric_errors_spikes: n_spikes is NULL");
    for (uint32_t j = 0; j < n_lanes; j++) {
        if (n_spikes[j] > 0 && !spikes[j])
            return mf_error_set(err, MF_ERR_INVALID,
                                "mf_metric_errors_spikes: lane %u has no data", (unsigned)j);
        if ((st = check_train(spikes[j], n_spikes[j], "lane", j, err)))
            return st;
    }
    mf_lanes lanes = {sizeof lanes, n_lanes, trace, NULL, 0, spikes, n_spikes};
    return run_error(m, &lanes, errors, err);
}

void mf_metric_average_samples(uint32_t n_samples, uint32_t n_traces, const double *lane_errors,
                               double *sample_errors)
{
    if (!lane_errors || !sample_errors || n_traces == 0)
        return;
    for (uint32_t s = 0; s < n_samples; s++) {
        double sum = 0;
        for (uint32_t k = 0; k < n_traces; k++)
            sum += lane_errors[(size_t)s * n_traces + k];
        sample_errors[s] = sum / n_traces;
    }
}

size_t mf_metric_online_size(const mf_metric *m)
{
    return m ? m->info->desc.metric_online_size : 0;
}

void mf_metric_online_init(const mf_metric *m, uint32_t n, void *acc)
{
    if (m && m->state && m->info->desc.metric_online_size && acc)
        m->info->desc.metric_online_init(m->state, n, acc);
}

void mf_metric_online_update(const mf_metric *m, uint32_t n, void *acc, uint32_t step,
                             const double *model, const double *target)
{
    if (m && m->state && m->info->desc.metric_online_size && acc && model && target)
        m->info->desc.metric_online_update(m->state, n, acc, step, model, target);
}

mf_status mf_metric_online_finish(const mf_metric *m, uint32_t n, void *acc,
                                  const uint32_t *trace, double *errors, mf_error *err)
{
    mf_status st = need_prepared(m, 0, "mf_metric_online_finish", err);
    if (st)
        return st;
    if (!m->info->desc.metric_online_size)
        return mf_error_set(err, MF_ERR_UNSUPPORTED, "metric '%s' has no online form",
                            m->info->desc.name);
    if ((st = check_lanes(m, n, trace, acc, errors, err)) || n == 0)
        return st;
    mf_plugin_err perr = {0};
    int r = m->info->desc.metric_online_finish(m->state, n, acc, trace, errors, &perr);
    if (r != MF_PLUGIN_OK)
        return mf_plugin_fail(err, m->info, "metric_online_finish", r, &perr);
    return check_errors(m, "metric_online_finish", n, errors, err);
}

/* ---- options and the weighted-sum-of-squares description ----------------- */

#define TYPE_BIT(t) (1u << (t))

/* The resolved option `name`, whose type must be in the mask of TYPE_BITs. */
static mf_status find_option(const mf_metric *m, const char *name, unsigned types,
                             const mf_resolved_value **out, mf_error *err)
{
    if (!m || !name)
        return mf_error_set(err, MF_ERR_INVALID, "metric option: no metric or no name");
    const mf_option_spec *spec;
    *out = mf_resolved_find(&m->hc->opts, name, &spec);
    if (!*out)
        return mf_error_set(err, MF_ERR_NAME, "metric '%s' has no option '%s'",
                            m->info->desc.name, name);
    if (!(types & TYPE_BIT(spec->type)))
        return mf_error_set(err, MF_ERR_INVALID, "option '%s' of metric '%s' is a %s", name,
                            m->info->desc.name, mf_plugin_option_type_name(spec->type));
    return MF_OK;
}

mf_status mf_metric_option_double(const mf_metric *m, const char *name, double *value,
                                  mf_error *err)
{
    if (!value)
        return mf_error_set(err, MF_ERR_INVALID, "mf_metric_option_double: value is NULL");
    const mf_resolved_value *v;
    unsigned types = TYPE_BIT(MF_OPT_DOUBLE) | TYPE_BIT(MF_OPT_QUANTITY) |
                     TYPE_BIT(MF_OPT_INT) | TYPE_BIT(MF_OPT_BOOL);
    mf_status st = find_option(m, name, types, &v, err);
    if (st == MF_OK)
        *value = v->number;
    return st;
}

mf_status mf_metric_option_quantity(const mf_metric *m, const char *name, double *value_si,
                                    double dims[MF_N_BASE_UNITS], mf_error *err)
{
    if (!value_si || !dims)
        return mf_error_set(err, MF_ERR_INVALID,
                            "mf_metric_option_quantity: value_si or dims is NULL");
    const mf_resolved_value *v;
    mf_status st =
        find_option(m, name, TYPE_BIT(MF_OPT_QUANTITY) | TYPE_BIT(MF_OPT_DOUBLE), &v, err);
    if (st != MF_OK)
        return st;
    *value_si = v->number;
    for (int i = 0; i < MF_N_BASE_UNITS; i++)
        dims[i] = v->dim.e[i]; /* zero for a DOUBLE (resolved values start zeroed) */
    return MF_OK;
}

mf_status mf_metric_option_array(const mf_metric *m, const char *name, const double **values,
                                 size_t *n, mf_error *err)
{
    if (!values || !n)
        return mf_error_set(err, MF_ERR_INVALID, "mf_metric_option_array: values or n is NULL");
    const mf_resolved_value *v;
    mf_status st = find_option(m, name, TYPE_BIT(MF_OPT_DOUBLE_ARRAY), &v, err);
    if (st != MF_OK)
        return st;
    *values = v->array;
    *n = v->n;
    return MF_OK;
}

bool mf_metric_has_weights(const mf_metric *m)
{
    return m && m->info->desc.metric_weights != NULL;
}

mf_status mf_metric_weights(const mf_metric *m, double *weights, mf_error *err)
{
    mf_status st = need_prepared(m, MF_METRIC_TRACES, "mf_metric_weights", err);
    if (st)
        return st;
    if (!m->info->desc.metric_weights)
        return mf_error_set(err, MF_ERR_UNSUPPORTED,
                            "metric '%s' does not describe itself as a weighted sum of squares "
                            "(plugin ABI 1.1 metric_weights)",
                            m->info->desc.name);
    if (!weights)
        return mf_error_set(err, MF_ERR_INVALID, "mf_metric_weights: weights is NULL");
    mf_plugin_err perr = {0};
    int r = m->info->desc.metric_weights(m->state, weights, &perr);
    if (r != MF_PLUGIN_OK)
        return mf_plugin_fail(err, m->info, "metric_weights", r, &perr);
    double sum = 0;
    for (uint32_t s = 0; s < m->n_steps; s++) {
        if (!(weights[s] >= 0) || !isfinite(weights[s]))
            return mf_error_set(err, MF_ERR_PLUGIN,
                                "metric '%s' (%s): metric_weights gave weight %g for step %u; "
                                "weights must be finite and >= 0",
                                m->info->desc.name, m->info->file, weights[s], (unsigned)s);
        sum += weights[s];
    }
    if (!(sum > 0))
        return mf_error_set(err, MF_ERR_PLUGIN,
                            "metric '%s' (%s): metric_weights gave only zero weights",
                            m->info->desc.name, m->info->file);
    return MF_OK;
}

void mf_metric_normalization(const mf_metric *m, double *value_si, double dims[MF_N_BASE_UNITS])
{
    if (!value_si || !dims)
        return;
    *value_si = 1;
    for (int i = 0; i < MF_N_BASE_UNITS; i++)
        dims[i] = 0;
    if (!mf_metric_has_weights(m) || !m->info->desc.metric_normalization)
        return;
    /* The loader checked that the option exists with a numeric type. */
    mf_error e;
    if (mf_metric_option_quantity(m, m->info->desc.metric_normalization, value_si, dims, &e) !=
        MF_OK)
        *value_si = 1;
}

const mf_resolved_options *mf_metric_resolved_options(const mf_metric *metric)
{
    return &metric->hc->opts;
}

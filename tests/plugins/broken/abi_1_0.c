/* An ABI 1.0 metric, as a plugin built before metric_weights existed
 * declares itself: abi_version 1.0 and the 1.0 descriptor size. It must
 * load and work; the bytes past its struct_size (here a metric_weights that
 * a 1.0 plugin could not have set) are never read. The mean squared error
 * it computes lets a test check that it really runs. */
#include <modelfit/plugin.h>

#include <stdlib.h>

#include <stddef.h>

typedef struct old_state {
    const mf_targets *t;
} old_state;

static int old_create(const mf_host *host, mf_host_ctx *hc, const mf_targets *t, void **out,
                      mf_plugin_err *err)
{
    (void)host, (void)hc, (void)err;
    old_state *s = calloc(1, sizeof *s);
    if (!s)
        return MF_PLUGIN_FAILED;
    s->t = t;
    *out = s;
    return MF_PLUGIN_OK;
}

static int old_error(void *p, const mf_lanes *lanes, double *errors, mf_plugin_err *err)
{
    (void)err;
    const old_state *s = p;
    for (uint32_t j = 0; j < lanes->n_lanes; j++) {
        const double *target = s->t->values + (size_t)lanes->trace[j] * s->t->n_steps;
        double sum = 0;
        for (uint32_t i = 0; i < s->t->n_steps; i++) {
            double d = lanes->values[j][i * lanes->stride] - target[i];
            sum += d * d;
        }
        errors[j] = sum / s->t->n_steps;
    }
    return MF_PLUGIN_OK;
}

static int never_called(void *p, double *w, mf_plugin_err *err)
{
    (void)p, (void)w, (void)err;
    abort();
}

static const mf_plugin d = {
    .abi_version = 1u << 16,
    .struct_size = offsetof(mf_plugin, metric_weights),
    .name = "old_metric",
    .kind = MF_PLUGIN_METRIC,
    .option_size = sizeof(mf_option_spec),
    .version = "1.0.0",
    .summary = "a metric built against plugin ABI 1.0",
    .metric_kind = MF_METRIC_TRACES,
    .metric_error_power = 2,
    .metric_create = old_create,
    .metric_error = old_error,
    .metric_destroy = free,
    .metric_weights = never_called, /* past struct_size: invisible to the host */
};

MF_PLUGIN_EXPORT const mf_plugin *mf_plugin_entry(uint32_t index)
{
    return index == 0 ? &d : NULL;
}

/* mae: a template metric plugin for modelfit. Copy this file, rename the
 * plugin, and replace the formula. It shows the parts a trace metric needs:
 * an options table with a quantity option, create checking the targets,
 * error on a batch of lanes (called from several threads at once, so the
 * state is read-only there), and the optional online form.
 *
 * The metric: the mean absolute error between a recorded trace and its
 * target from t_start on, per lane; the host averages a parameter set's
 * lanes over the traces. */
#include <modelfit/plugin.h>

#include <math.h>
#include <stdlib.h>
#include <string.h>

typedef struct mae_state {
    const mf_targets *targets; /* the host's: valid until destroy, no copy needed */
    uint32_t start;            /* first step that counts */
} mae_state;

static const mf_option_spec options[] = {
    {.name = "t_start",
     .type = MF_OPT_QUANTITY,
     .flags = MF_OPT_HAS_MIN,
     .default_number = 0, /* quantities are always in SI: seconds here */
     .unit = "second",    /* the user writes "5*ms"; the host checks the unit */
     .min = 0,
     .help = "ignore the recording before this time"},
};

static void destroy(void *p)
{
    free(p);
}

static int create(const mf_host *host, mf_host_ctx *hc, const mf_targets *t, void **out,
                  mf_plugin_err *err)
{
    double start = nearbyint(host->opt_double(hc, "t_start") / t->dt);
    if (start >= t->n_steps) {
        host->set_error(err, "t_start leaves none of the %u steps", (unsigned)t->n_steps);
        return MF_PLUGIN_FAILED;
    }
    mae_state *s = malloc(sizeof *s);
    if (!s) {
        host->set_error(err, "out of memory");
        return MF_PLUGIN_FAILED;
    }
    s->targets = t;
    s->start = (uint32_t)start;
    *out = s;
    return MF_PLUGIN_OK;
}

/* May run on several threads at once with disjoint lanes: reads s only. */
static int error(void *p, const mf_lanes *lanes, double *errors, mf_plugin_err *err)
{
    (void)err;
    const mae_state *s = p;
    uint32_t n_steps = s->targets->n_steps;
    for (uint32_t j = 0; j < lanes->n_lanes; j++) {
        const double *target = s->targets->values + (size_t)lanes->trace[j] * n_steps;
        const double *v = lanes->values[j];
        double sum = 0;
        for (uint32_t i = s->start; i < n_steps; i++)
            sum += fabs(v[i * lanes->stride] - target[i]);
        errors[j] = sum / (n_steps - s->start); /* NaN in, NaN out: the host's "worst" */
    }
    return MF_PLUGIN_OK;
}

/* Online form: one double per lane, the running sum. */
static void online_init(void *p, uint32_t n, void *acc)
{
    (void)p;
    memset(acc, 0, n * sizeof(double));
}

static void online_update(void *p, uint32_t n, void *acc, uint32_t step, const double *model,
                          const double *target)
{
    const mae_state *s = p;
    double *sum = acc;
    if (step < s->start)
        return;
    for (uint32_t j = 0; j < n; j++)
        sum[j] += fabs(model[j] - target[j]);
}

static int online_finish(void *p, uint32_t n, void *acc, const uint32_t *trace, double *errors,
                         mf_plugin_err *err)
{
    (void)trace, (void)err;
    const mae_state *s = p;
    const double *sum = acc;
    for (uint32_t j = 0; j < n; j++)
        errors[j] = sum[j] / (s->targets->n_steps - s->start);
    return MF_PLUGIN_OK;
}

static const mf_plugin descriptor = {
    .abi_version = MF_PLUGIN_ABI_VERSION,
    .struct_size = sizeof(mf_plugin),
    .name = "mae",
    .kind = MF_PLUGIN_METRIC,
    .option_size = sizeof(mf_option_spec),
    .version = "1.0.0",
    .summary = "template metric: mean absolute error over time, mean over traces",
    .options = options,
    .n_options = sizeof options / sizeof options[0],
    .metric_kind = MF_METRIC_TRACES,
    .metric_error_power = 1, /* volts in, volts out */
    .metric_create = create,
    .metric_error = error,
    .metric_destroy = destroy,
    .metric_online_size = sizeof(double),
    .metric_online_init = online_init,
    .metric_online_update = online_update,
    .metric_online_finish = online_finish,
};

MF_PLUGIN_EXPORT const mf_plugin *mf_plugin_entry(uint32_t index)
{
    return index == 0 ? &descriptor : NULL;
}

/* gamma: the coincidence factor of Jolivet et al. 2008 ("A benchmark test
 * for a quantitative assessment of simple neuron models", J Neurosci
 * Methods 169:417) turned into an error, exactly as brian2modelfitting's
 * get_gamma_factor computes it on the dt grid:
 *
 *   - spike times become step indices, round(t / dt) (half to even);
 *     delta likewise, delta_steps = round(delta / dt);
 *   - a data spike is a coincidence when its nearest model spike is at most
 *     delta_steps away (several data spikes may match one model spike);
 *   - rates r_d = N_d / time, r_m = N_m / time (time: the `time` option,
 *     else the recording's length; not shortened by t_start, as in Brian);
 *   - expected coincidences 2 delta N_d r_d, norm 0.5 (1 - 2 r_d delta),
 *     Gamma = (N_coinc - 2 delta N_d r_d) / (norm (N_m + N_d));
 *   - error = max(1 + 2 |r_d - r_m| / r_d - Gamma, 0) with rate_correction
 *     (Clopath et al. 2007), else max(1 - Gamma, 0); 0 for identical trains;
 *   - divided once by `normalization` (brian2modelfitting applies it twice).
 * With t_start, only spikes after t_start count (model and data). The host
 * averages the lanes of one parameter set over the traces. */
#include <modelfit/plugin.h>

#include <math.h>
#include <stdlib.h>
#include <string.h>

typedef struct gamma_state {
    const mf_host *host;
    const mf_targets *targets; /* the host's, valid until destroy */
    double dt, delta, time, t_start, inv_norm;
    int rate_correction;
    int64_t delta_steps;
    /* Per trace: the data spikes after t_start as step indices. */
    int64_t **data;
    size_t *n_data;
} gamma_state;

static const mf_option_spec options[] = {
    {.name = "delta",
     .type = MF_OPT_QUANTITY,
     .flags = MF_OPT_REQUIRED | MF_OPT_HAS_MIN,
     .unit = "second",
     .min = 0,
     .help = "coincidence window: a data spike with a model spike at most delta away "
             "is matched (e.g. \"4*ms\")"},
    {.name = "time",
     .type = MF_OPT_QUANTITY,
     .flags = MF_OPT_HAS_MIN,
     .default_number = 0,
     .unit = "second",
     .min = 0,
     .help = "duration used for the firing rates; 0 means the recording's length"},
    {.name = "rate_correction",
     .type = MF_OPT_BOOL,
     .default_number = 1,
     .help = "add 2|r_data - r_model|/r_data to the error (Clopath et al. 2007), as "
             "brian2modelfitting does by default"},
    {.name = "t_start",
     .type = MF_OPT_QUANTITY,
     .flags = MF_OPT_HAS_MIN,
     .default_number = 0,
     .unit = "second",
     .min = 0,
     .help = "only spikes after this time count, in the model and in the data"},
    {.name = "normalization",
     .type = MF_OPT_DOUBLE,
     .flags = MF_OPT_HAS_MIN,
     .default_number = 1,
     .min = 0,
     .help = "the error is divided by this (once)"},
};

static void destroy(void *p)
{
    gamma_state *s = p;
    if (!s)
        return;
    for (uint32_t k = 0; s->data && k < s->targets->n_traces; k++)
        free(s->data[k]);
    free(s->data);
    free(s->n_data);
    free(s);
}

static int64_t to_step(double t, double dt)
{
    return (int64_t)nearbyint(t / dt); /* numpy's rint: half to even */
}

/* Index of the first spike strictly after t_start; with t_start 0 every
 * spike counts, a spike at 0 included (Brian filters only when t_start > 0). */
static size_t first_after(const double *t, size_t n, double t_start)
{
    size_t i = 0;
    while (t_start > 0 && i < n && !(t[i] > t_start))
        i++;
    return i;
}

static int read_options(gamma_state *s, mf_host_ctx *hc, mf_plugin_err *err)
{
    const mf_host *h = s->host;
    s->delta = h->opt_double(hc, "delta");
    s->time = h->opt_double(hc, "time");
    s->t_start = h->opt_double(hc, "t_start");
    s->rate_correction = h->opt_bool(hc, "rate_correction");
    double norm = h->opt_double(hc, "normalization");
    if (s->time == 0)
        s->time = s->targets->n_steps * s->dt;
    if (!(s->delta > 0)) {
        h->set_error(err, "delta must be > 0, got %g s", s->delta);
        return MF_PLUGIN_FAILED;
    }
    if (!(norm > 0)) {
        h->set_error(err, "normalization must be > 0, got %g", norm);
        return MF_PLUGIN_FAILED;
    }
    s->inv_norm = 1.0 / norm;
    s->delta_steps = to_step(s->delta, s->dt);
    return MF_PLUGIN_OK;
}

/* Converts trace k's target spikes and checks the rate it implies. */
static int prepare_trace(gamma_state *s, uint32_t k, mf_plugin_err *err)
{
    const mf_targets *t = s->targets;
    size_t first = first_after(t->spikes[k], t->n_spikes[k], s->t_start);
    size_t n = t->n_spikes[k] - first;
    if (n == 0) {
        s->host->set_error(err,
                           "target spike train %u has no spike%s: the gamma factor needs the "
                           "data's firing rate",
                           (unsigned)k, s->t_start > 0 ? " after t_start" : "");
        return MF_PLUGIN_FAILED;
    }
    double rate = (double)n / s->time;
    if (!(1 - 2 * rate * s->delta > 0)) {
        s->host->set_error(err,
                           "target spike train %u fires at %g Hz: with delta = %g s, 2 r delta "
                           ">= 1 and the gamma factor is undefined (use a smaller delta)",
                           (unsigned)k, rate, s->delta);
        return MF_PLUGIN_FAILED;
    }
    s->data[k] = malloc(n * sizeof(int64_t));
    if (!s->data[k]) {
        s->host->set_error(err, "out of memory");
        return MF_PLUGIN_FAILED;
    }
    for (size_t i = 0; i < n; i++)
        s->data[k][i] = to_step(t->spikes[k][first + i], s->dt);
    s->n_data[k] = n;
    return MF_PLUGIN_OK;
}

static int create(const mf_host *host, mf_host_ctx *hc, const mf_targets *t, void **out,
                  mf_plugin_err *err)
{
    gamma_state *s = calloc(1, sizeof *s);
    if (!s) {
        host->set_error(err, "out of memory");
        return MF_PLUGIN_FAILED;
    }
    s->host = host;
    s->targets = t;
    s->dt = t->dt;
    s->data = calloc(t->n_traces, sizeof *s->data);
    s->n_data = calloc(t->n_traces, sizeof *s->n_data);
    int r = s->data && s->n_data ? read_options(s, hc, err) : MF_PLUGIN_FAILED;
    if (!s->data || !s->n_data)
        host->set_error(err, "out of memory");
    for (uint32_t k = 0; r == MF_PLUGIN_OK && k < t->n_traces; k++)
        r = prepare_trace(s, k, err);
    if (r != MF_PLUGIN_OK) {
        destroy(s);
        return MF_PLUGIN_FAILED;
    }
    *out = s;
    return MF_PLUGIN_OK;
}

/* Data spikes whose nearest model spike is within delta_steps. Both trains
 * are ascending, so one forward walk finds each nearest model spike. */
static size_t coincidences(const gamma_state *s, const int64_t *data, size_t n_data,
                           const double *model, size_t n_model)
{
    if (n_model == 0)
        return 0;
    size_t count = 0, j = 0;
    for (size_t i = 0; i < n_data; i++) {
        int64_t d = data[i];
        while (j + 1 < n_model && to_step(model[j + 1], s->dt) <= d)
            j++;
        int64_t dist = llabs(d - to_step(model[j], s->dt));
        if (j + 1 < n_model) {
            int64_t next = llabs(to_step(model[j + 1], s->dt) - d);
            dist = next < dist ? next : dist;
        }
        count += dist <= s->delta_steps;
    }
    return count;
}

static double lane_error(const gamma_state *s, uint32_t k, const double *spikes, size_t n)
{
    size_t first = first_after(spikes, n, s->t_start);
    const double *model = spikes + first;
    size_t n_model = n - first, n_data = s->n_data[k];
    double coinc = (double)coincidences(s, s->data[k], n_data, model, n_model);
    double r_d = (double)n_data / s->time, r_m = (double)n_model / s->time;
    double expected = 2 * s->delta * (double)n_data * r_d;
    double norm = 0.5 * (1 - 2 * r_d * s->delta);
    double gamma = (coinc - expected) / (norm * (double)(n_model + n_data));
    double rate_term = s->rate_correction ? 1 + 2 * fabs((r_d - r_m) / r_d) : 1;
    double e = rate_term - gamma;
    return (e > 0 ? e : 0) * s->inv_norm;
}

static int error(void *p, const mf_lanes *lanes, double *errors, mf_plugin_err *err)
{
    (void)err;
    const gamma_state *s = p;
    for (uint32_t j = 0; j < lanes->n_lanes; j++)
        errors[j] = lane_error(s, lanes->trace[j], lanes->spikes[j], lanes->n_spikes[j]);
    return MF_PLUGIN_OK;
}

static const mf_plugin descriptor = {
    .abi_version = MF_PLUGIN_ABI_VERSION,
    .struct_size = sizeof(mf_plugin),
    .name = "gamma",
    .kind = MF_PLUGIN_METRIC,
    .option_size = sizeof(mf_option_spec),
    .version = "1.0.0",
    .summary = "spike coincidence factor (Jolivet et al. 2008) with brian2modelfitting's rate "
               "correction, as an error >= 0",
    .options = options,
    .n_options = sizeof options / sizeof options[0],
    .metric_kind = MF_METRIC_SPIKES,
    .metric_error_power = 0,
    .metric_create = create,
    .metric_error = error,
    .metric_destroy = destroy,
};

MF_PLUGIN_EXPORT const mf_plugin *mf_plugin_entry(uint32_t index)
{
    return index == 0 ? &descriptor : NULL;
}

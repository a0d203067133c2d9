/* mse: the mean squared error between a recorded trace and its target, as
 * brian2modelfitting's MSEMetric computes it.
 *
 * Per lane: mean over the kept steps s of w_s * ((model_s - target_s) / N)^2,
 * where N is `normalization` (brian2modelfitting divides the traces by it,
 * so the error scales with 1/N^2), the kept steps are those from
 * round(t_start / dt) on, and the weights w (t_weights, one per step) are
 * rescaled to mean 1 over all steps (so only their ratios matter; a weight 0
 * drops a step). t_start and t_weights exclude each other. The host
 * averages the lanes of one parameter set over the traces.
 *
 * The online form keeps one double per lane (the running weighted sum), so
 * a fit need not record traces. metric_weights (plugin ABI 1.1) tells the
 * host the per-step weights and that `normalization` is N, so a fit can
 * refine by least squares and report the error before normalization. */
#include <modelfit/plugin.h>

#include <ctype.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct mse_state {
    const mf_host *host;
    const mf_targets *targets; /* the host's, valid until destroy */
    uint32_t start;            /* first kept step */
    uint32_t n_kept;
    double inv_norm; /* 1 / normalization */
    double *weights; /* n_steps, mean 1; NULL: all 1 */
} mse_state;

static const mf_option_spec options[] = {
    {.name = "t_start",
     .type = MF_OPT_QUANTITY,
     .flags = MF_OPT_HAS_MIN,
     .default_number = 0,
     .unit = "second",
     .min = 0,
     .help = "ignore the recording before this time (e.g. a transient); not with t_weights"},
    {.name = "t_weights",
     .type = MF_OPT_DOUBLE_ARRAY,
     .flags = MF_OPT_HAS_MIN,
     .min = 0,
     .help = "one weight >= 0 per time step, rescaled to mean 1 (only ratios matter; 0 "
             "ignores a step); not with t_start"},
    {.name = "t_weights_file",
     .type = MF_OPT_STRING,
     .default_string = "",
     .help = "a text file with the t_weights (numbers separated by spaces, commas or "
             "newlines; '#' starts a comment)"},
    {.name = "normalization",
     .type = MF_OPT_QUANTITY,
     .flags = MF_OPT_HAS_MIN,
     .default_number = 1,
     .unit = "",
     .min = 0,
     .help = "traces are divided by this before squaring (a quantity in the fitted "
             "variable's unit, e.g. \"1*mV\", or a number); the error scales as 1/N^2"},
};

static void destroy(void *p)
{
    mse_state *s = p;
    if (!s)
        return;
    free(s->weights);
    free(s);
}

/* Reads numbers from a text file into a new array. */
static int read_weights(mse_state *s, const char *path, double **out, size_t *n,
                        mf_plugin_err *err)
{
    FILE *f = fopen(path, "r");
    if (!f) {
        s->host->set_error(err, "cannot open t_weights_file '%s'", path);
        return MF_PLUGIN_FAILED;
    }
    size_t cap = 1024, count = 0;
    double *w = malloc(cap * sizeof *w);
    char line[4096];
    int status = w ? MF_PLUGIN_OK : MF_PLUGIN_FAILED;
    while (status == MF_PLUGIN_OK && fgets(line, sizeof line, f)) {
        line[strcspn(line, "#")] = '\0';
        for (char *p = line;;) {
            while (isspace((unsigned char)*p) || *p == ',')
                p++;
            if (!*p)
                break;
            char *end;
            double x = strtod(p, &end);
            if (end == p) {
                s->host->set_error(err, "t_weights_file '%s': \"%.20s\" is not a number", path,
                                   p);
                status = MF_PLUGIN_FAILED;
                break;
            }
            if (count == cap) {
                double *bigger = realloc(w, 2 * cap * sizeof *w);
                if (!bigger) {
                    status = MF_PLUGIN_FAILED;
                    break;
                }
                w = bigger;
                cap *= 2;
            }
            w[count++] = x;
            p = end;
        }
    }
    fclose(f);
    if (status != MF_PLUGIN_OK) {
        free(w);
        return status;
    }
    *out = w;
    *n = count;
    return MF_PLUGIN_OK;
}

/* Copies and rescales weights to mean 1, checking Brian's rules. */
static int set_weights(mse_state *s, const double *w, size_t n, const char *from,
                       mf_plugin_err *err)
{
    uint32_t n_steps = s->targets->n_steps;
    if (n != n_steps) {
        s->host->set_error(err, "%s has %zu weights but the traces have %u steps", from, n,
                           (unsigned)n_steps);
        return MF_PLUGIN_FAILED;
    }
    double sum = 0;
    for (size_t i = 0; i < n; i++) {
        if (!(w[i] >= 0) || !isfinite(w[i])) {
            s->host->set_error(err, "%s: weight %zu is %g; weights must be finite and >= 0",
                               from, i, w[i]);
            return MF_PLUGIN_FAILED;
        }
        sum += w[i];
    }
    if (sum == 0) {
        s->host->set_error(err, "%s: the weights cannot all be zero", from);
        return MF_PLUGIN_FAILED;
    }
    s->weights = malloc(n * sizeof *s->weights);
    if (!s->weights) {
        s->host->set_error(err, "out of memory");
        return MF_PLUGIN_FAILED;
    }
    double mean = sum / (double)n;
    for (size_t i = 0; i < n; i++)
        s->weights[i] = w[i] / mean;
    return MF_PLUGIN_OK;
}

static int setup_weights(mse_state *s, mf_host_ctx *hc, mf_plugin_err *err)
{
    const mf_host *h = s->host;
    size_t n;
    const double *w = h->opt_array(hc, "t_weights", &n);
    const char *file = h->opt_string(hc, "t_weights_file");
    int by_array = h->opt_given(hc, "t_weights"), by_file = file && *file;
    if (!by_array && !by_file)
        return MF_PLUGIN_OK;
    if (by_array && by_file) {
        h->set_error(err, "give t_weights or t_weights_file, not both");
        return MF_PLUGIN_FAILED;
    }
    if (h->opt_given(hc, "t_start")) {
        h->set_error(err,
                     "cannot use both t_weights and t_start (give the steps before t_start "
                     "weight 0 instead)");
        return MF_PLUGIN_FAILED;
    }
    if (by_array)
        return set_weights(s, w, n, "t_weights", err);
    double *fw;
    if (read_weights(s, file, &fw, &n, err))
        return MF_PLUGIN_FAILED;
    int r = set_weights(s, fw, n, "t_weights_file", err);
    free(fw);
    return r;
}

static int create(const mf_host *host, mf_host_ctx *hc, const mf_targets *t, void **out,
                  mf_plugin_err *err)
{
    mse_state *s = calloc(1, sizeof *s);
    if (!s) {
        host->set_error(err, "out of memory");
        return MF_PLUGIN_FAILED;
    }
    s->host = host;
    s->targets = t;
    double norm = host->opt_double(hc, "normalization");
    double t_start = host->opt_double(hc, "t_start");
    double start = nearbyint(t_start / t->dt); /* round half to even, as numpy */
    if (!(norm > 0) || !isfinite(norm)) {
        host->set_error(err, "normalization must be > 0, got %g", norm);
    } else if (start >= t->n_steps) {
        host->set_error(err, "t_start = %g s leaves no step of the %g s recording", t_start,
                        t->n_steps * t->dt);
    } else if (setup_weights(s, hc, err) == MF_PLUGIN_OK) {
        s->inv_norm = 1.0 / norm;
        s->start = (uint32_t)start;
        s->n_kept = t->n_steps - s->start;
        *out = s;
        return MF_PLUGIN_OK;
    }
    destroy(s);
    return MF_PLUGIN_FAILED;
}

static double lane_error(const mse_state *s, const double *v, size_t stride,
                         const double *target)
{
    double sum = 0;
    for (uint32_t i = s->start; i < s->targets->n_steps; i++) {
        double d = (v[i * stride] - target[i]) * s->inv_norm;
        sum += s->weights ? s->weights[i] * d * d : d * d;
    }
    return sum / s->n_kept;
}

static int error(void *p, const mf_lanes *lanes, double *errors, mf_plugin_err *err)
{
    (void)err;
    const mse_state *s = p;
    const mf_targets *t = s->targets;
    for (uint32_t j = 0; j < lanes->n_lanes; j++) {
        const double *target = t->values + (size_t)lanes->trace[j] * t->n_steps;
        errors[j] = lane_error(s, lanes->values[j], lanes->stride, target);
    }
    return MF_PLUGIN_OK;
}

static void online_init(void *p, uint32_t n, void *acc)
{
    (void)p;
    memset(acc, 0, n * sizeof(double));
}

static void online_update(void *p, uint32_t n, void *acc, uint32_t step, const double *model,
                          const double *target)
{
    const mse_state *s = p;
    if (step < s->start || step >= s->targets->n_steps)
        return;
    double *sum = acc;
    double w = s->weights ? s->weights[step] : 1.0;
    for (uint32_t j = 0; j < n; j++) {
        double d = (model[j] - target[j]) * s->inv_norm;
        sum[j] += w * d * d;
    }
}

static int online_finish(void *p, uint32_t n, void *acc, const uint32_t *trace, double *errors,
                         mf_plugin_err *err)
{
    (void)trace, (void)err;
    const mse_state *s = p;
    const double *sum = acc;
    for (uint32_t j = 0; j < n; j++)
        errors[j] = sum[j] / s->n_kept;
    return MF_PLUGIN_OK;
}

/* ABI 1.1: the error is sum_s weights[s] * (model_s - target_s)^2 / N^2
 * with these weights and N the `normalization` option. */
static int weights(void *p, double *w, mf_plugin_err *err)
{
    (void)err;
    const mse_state *s = p;
    for (uint32_t i = 0; i < s->targets->n_steps; i++)
        w[i] = i < s->start ? 0.0 : (s->weights ? s->weights[i] : 1.0) / s->n_kept;
    return MF_PLUGIN_OK;
}

static const mf_plugin descriptor = {
    .abi_version = MF_PLUGIN_ABI_VERSION,
    .struct_size = sizeof(mf_plugin),
    .name = "mse",
    .kind = MF_PLUGIN_METRIC,
    .option_size = sizeof(mf_option_spec),
    .version = "1.0.0",
    .summary = "mean squared error over time per trace, mean over traces (brian2modelfitting's "
               "MSEMetric)",
    .options = options,
    .n_options = sizeof options / sizeof options[0],
    .metric_kind = MF_METRIC_TRACES,
    .metric_error_power = 2,
    .metric_create = create,
    .metric_error = error,
    .metric_destroy = destroy,
    .metric_online_size = sizeof(double),
    .metric_online_init = online_init,
    .metric_online_update = online_update,
    .metric_online_finish = online_finish,
    .metric_weights = weights,
    .metric_normalization = "normalization",
};

MF_PLUGIN_EXPORT const mf_plugin *mf_plugin_entry(uint32_t index)
{
    return index == 0 ? &descriptor : NULL;
}

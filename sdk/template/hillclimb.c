/* hillclimb: a template optimizer plugin for modelfit. Copy this file,
 * rename the plugin, and replace the algorithm; the structure (options
 * table, state, callbacks, descriptor, entry point) is what every optimizer
 * needs. Only <modelfit/plugin.h> is included and nothing of modelfit is
 * linked: the host's services come through `host`.
 *
 * The algorithm: a (1 + n) evolution strategy. The first round samples n
 * points uniformly in the bounds; each later round proposes n Gaussian
 * steps around the best point so far (coordinates scaled to [0, 1] by the
 * bounds, steps reflected at the bounds), keeps the best if it is no worse,
 * and widens the step after a success and narrows it after a failure. */
#include <modelfit/plugin.h>

#include <math.h>
#include <stdlib.h>
#include <string.h>

/* Everything one instance needs; the host never looks inside. */
typedef struct hc_state {
    const mf_host *host; /* kept from create: valid until destroy */
    mf_host_ctx *hc;
    uint32_t n_dims;
    double *lo, *hi;
    double *best; /* scaled to [0, 1] */
    double best_error;
    int have_best;
    double sigma;    /* step size, in units of the bounds' width */
    double *pending; /* the points of the last ask, scaled */
    uint32_t n_pending;
} hc_state;

/* The options table: the host validates the user's options against it and
 * `modelfit plugins hillclimb` prints it. */
static const mf_option_spec options[] = {
    {.name = "sigma",
     .type = MF_OPT_DOUBLE,
     .flags = MF_OPT_HAS_MIN | MF_OPT_HAS_MAX,
     .default_number = 0.2,
     .min = 1e-12,
     .max = 1,
     .help = "initial step size as a fraction of each parameter's bounds"},
};

static void destroy(void *p)
{
    hc_state *s = p;
    if (!s)
        return;
    free(s->lo);
    free(s->hi);
    free(s->best);
    free(s->pending);
    free(s);
}

static int create(const mf_host *host, mf_host_ctx *hc, const mf_space *space, void **out,
                  mf_plugin_err *err)
{
    uint32_t d = space->n_dims;
    hc_state *s = calloc(1, sizeof *s);
    if (!s || !(s->lo = malloc(d * sizeof(double))) || !(s->hi = malloc(d * sizeof(double))) ||
        !(s->best = malloc(d * sizeof(double)))) {
        destroy(s); /* create cleans up after itself: destroy is not called on failure */
        host->set_error(err, "out of memory");
        return MF_PLUGIN_FAILED;
    }
    s->host = host;
    s->hc = hc;
    s->n_dims = d;
    /* The space's arrays are only valid during create: copy them. */
    memcpy(s->lo, space->lo, d * sizeof(double));
    memcpy(s->hi, space->hi, d * sizeof(double));
    s->sigma = host->opt_double(hc, "sigma");
    *out = s;
    return MF_PLUGIN_OK;
}

static double reflect(double u)
{
    u = fmod(fabs(u), 2.0);
    return u > 1.0 ? 2.0 - u : u;
}

static int ask(void *p, uint32_t n, double *points, mf_plugin_err *err)
{
    hc_state *s = p;
    double *pending = realloc(s->pending, (size_t)n * s->n_dims * sizeof(double));
    if (!pending) {
        s->host->set_error(err, "out of memory for %u points", (unsigned)n);
        return MF_PLUGIN_FAILED;
    }
    s->pending = pending;
    s->n_pending = n;
    for (uint32_t i = 0; i < n; i++) {
        for (uint32_t k = 0; k < s->n_dims; k++) {
            /* All randomness from the host's seeded stream: reproducible. */
            double u = s->have_best
                           ? reflect(s->best[k] + s->sigma * s->host->rng_normal(s->hc))
                           : s->host->rng_uniform(s->hc);
            size_t at = (size_t)i * s->n_dims + k;
            pending[at] = u;
            double x = s->lo[k] + u * (s->hi[k] - s->lo[k]);
            /* The host refuses points outside the bounds: guard rounding. */
            points[at] = x < s->lo[k] ? s->lo[k] : x > s->hi[k] ? s->hi[k] : x;
        }
    }
    return MF_PLUGIN_OK;
}

static int tell(void *p, uint32_t n, const double *points, const double *errors,
                mf_plugin_err *err)
{
    (void)points; /* the same points as the last ask; we kept them scaled */
    hc_state *s = p;
    if (n != s->n_pending) {
        s->host->set_error(err, "told %u errors after asking for %u points", (unsigned)n,
                           (unsigned)s->n_pending);
        return MF_PLUGIN_FAILED;
    }
    int improved = 0;
    for (uint32_t i = 0; i < n; i++) {
        /* errors are >= 0 or +inf (a failed simulation); never NaN. */
        if (s->have_best && !(errors[i] <= s->best_error))
            continue;
        memcpy(s->best, s->pending + (size_t)i * s->n_dims, s->n_dims * sizeof(double));
        improved = s->have_best; /* the first round sets, it does not improve */
        s->best_error = errors[i];
        s->have_best = 1;
    }
    s->sigma = improved ? fmin(1.0, s->sigma * 1.5) : fmax(1e-12, s->sigma * 0.8);
    return MF_PLUGIN_OK;
}

static int recommend(void *p, double *point, double *error, mf_plugin_err *err)
{
    hc_state *s = p;
    if (!s->have_best) {
        s->host->set_error(err, "nothing evaluated yet");
        return MF_PLUGIN_FAILED;
    }
    for (uint32_t k = 0; k < s->n_dims; k++)
        point[k] = fmin(s->hi[k], s->lo[k] + s->best[k] * (s->hi[k] - s->lo[k]));
    *error = s->best_error;
    return MF_PLUGIN_OK;
}

/* Checkpoints: the state as plain bytes (the host saves the random stream
 * itself). Layout: n_dims, have_best, sigma, best_error, best[n_dims]. */
static int save(void *p, void *buf, size_t *len, mf_plugin_err *err)
{
    (void)err;
    hc_state *s = p;
    uint32_t head[2] = {s->n_dims, (uint32_t)s->have_best};
    double nums[2] = {s->sigma, s->best_error};
    *len = sizeof head + sizeof nums + s->n_dims * sizeof(double);
    if (buf) {
        unsigned char *out = buf;
        memcpy(out, head, sizeof head);
        memcpy(out + sizeof head, nums, sizeof nums);
        memcpy(out + sizeof head + sizeof nums, s->best, s->n_dims * sizeof(double));
    }
    return MF_PLUGIN_OK;
}

static int load(void *p, const void *buf, size_t len, mf_plugin_err *err)
{
    hc_state *s = p;
    uint32_t head[2];
    double nums[2];
    const unsigned char *in = buf;
    if (len != sizeof head + sizeof nums + s->n_dims * sizeof(double) ||
        (memcpy(head, in, sizeof head), head[0] != s->n_dims)) {
        s->host->set_error(err, "not a saved hillclimb state for %u parameters",
                           (unsigned)s->n_dims);
        return MF_PLUGIN_FAILED;
    }
    memcpy(nums, in + sizeof head, sizeof nums);
    memcpy(s->best, in + sizeof head + sizeof nums, s->n_dims * sizeof(double));
    s->have_best = (int)head[1];
    s->sigma = nums[0];
    s->best_error = nums[1];
    return MF_PLUGIN_OK;
}

static const mf_plugin descriptor = {
    .abi_version = MF_PLUGIN_ABI_VERSION, /* the header this was compiled with */
    .struct_size = sizeof(mf_plugin),
    .name = "hillclimb",
    .kind = MF_PLUGIN_OPTIMIZER,
    .option_size = sizeof(mf_option_spec),
    .version = "1.0.0",
    .summary = "template optimizer: (1 + n) evolution strategy with an adaptive step",
    .options = options,
    .n_options = sizeof options / sizeof options[0],
    .optimizer_create = create,
    .optimizer_ask = ask,
    .optimizer_tell = tell,
    .optimizer_recommend = recommend,
    .optimizer_save = save,
    .optimizer_load = load,
    .optimizer_destroy = destroy,
};

/* The one exported symbol: descriptor 0, NULL past the last. */
MF_PLUGIN_EXPORT const mf_plugin *mf_plugin_entry(uint32_t index)
{
    return index == 0 ? &descriptor : NULL;
}

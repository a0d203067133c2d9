/* random: pure random search. Every point is drawn independently and
 * uniformly within the bounds, or log-uniformly (uniform in log(x)) for the
 * parameters asked for, which suits conductances and time constants whose
 * bounds span decades. Draws come from the host's seeded stream, so the
 * same seed gives the same points and the plugin keeps no state of its own
 * between rounds. */
#include <modelfit/plugin.h>

#include <math.h>
#include <stdlib.h>
#include <string.h>

typedef struct random_state {
    const mf_host *host;
    mf_host_ctx *hc;
    uint32_t n_dims;
    double *lo, *hi;
    unsigned char *log_scale; /* per dimension */
} random_state;

static const mf_option_spec options[] = {
    {.name = "log_scale",
     .type = MF_OPT_BOOL,
     .default_number = 0,
     .help = "sample every parameter log-uniformly (all lower bounds must be > 0)"},
    {.name = "log_params",
     .type = MF_OPT_STRING,
     .default_string = "",
     .help = "parameters to sample log-uniformly, separated by commas, e.g. \"g_na,g_kd\" "
             "(their lower bounds must be > 0)"},
};

static void destroy(void *p)
{
    random_state *s = p;
    if (!s)
        return;
    free(s->lo);
    free(s->hi);
    free(s->log_scale);
    free(s);
}

/* Marks the dimensions named in the comma-separated list. */
static int mark_named(random_state *s, const mf_space *space, const char *list,
                      mf_plugin_err *err)
{
    const char *p = list;
    while (*p) {
        while (*p == ',' || *p == ' ')
            p++;
        size_t len = strcspn(p, ", ");
        if (len == 0)
            break;
        uint32_t d = 0;
        while (d < space->n_dims &&
               !(strlen(space->names[d]) == len && strncmp(space->names[d], p, len) == 0))
            d++;
        if (d == space->n_dims) {
            s->host->set_error(err, "log_params names '%.*s', which is not a fitted parameter",
                               (int)len, p);
            return MF_PLUGIN_FAILED;
        }
        s->log_scale[d] = 1;
        p += len;
    }
    return MF_PLUGIN_OK;
}

static int create(const mf_host *host, mf_host_ctx *hc, const mf_space *space, void **out,
                  mf_plugin_err *err)
{
    random_state *s = calloc(1, sizeof *s);
    uint32_t n = space->n_dims;
    if (!s || !(s->lo = malloc(n * sizeof(double))) || !(s->hi = malloc(n * sizeof(double))) ||
        !(s->log_scale = calloc(n, 1))) {
        destroy(s);
        host->set_error(err, "out of memory");
        return MF_PLUGIN_FAILED;
    }
    s->host = host;
    s->hc = hc;
    s->n_dims = n;
    memcpy(s->lo, space->lo, n * sizeof(double));
    memcpy(s->hi, space->hi, n * sizeof(double));
    int all = host->opt_bool(hc, "log_scale");
    for (uint32_t d = 0; d < n; d++)
        s->log_scale[d] = (unsigned char)all;
    if (mark_named(s, space, host->opt_string(hc, "log_params"), err) != MF_PLUGIN_OK) {
        destroy(s);
        return MF_PLUGIN_FAILED;
    }
    for (uint32_t d = 0; d < n; d++) {
        if (s->log_scale[d] && !(s->lo[d] > 0)) {
            host->set_error(err,
                            "parameter '%s' is sampled log-uniformly but its lower bound %g is "
                            "not > 0",
                            space->names[d], s->lo[d]);
            destroy(s);
            return MF_PLUGIN_FAILED;
        }
    }
    *out = s;
    return MF_PLUGIN_OK;
}

static double draw(random_state *s, uint32_t d)
{
    double u = s->host->rng_uniform(s->hc);
    double lo = s->lo[d], hi = s->hi[d], x;
    if (s->log_scale[d])
        x = exp(log(lo) + u * (log(hi) - log(lo)));
    else
        x = lo + u * (hi - lo);
    /* Rounding may step a hair outside the box. */
    return x < lo ? lo : x > hi ? hi : x;
}

static int ask(void *p, uint32_t n, double *points, mf_plugin_err *err)
{
    (void)err;
    random_state *s = p;
    for (uint32_t i = 0; i < n; i++)
        for (uint32_t d = 0; d < s->n_dims; d++)
            points[(size_t)i * s->n_dims + d] = draw(s, d);
    return MF_PLUGIN_OK;
}

static int tell(void *p, uint32_t n, const double *points, const double *errors,
                mf_plugin_err *err)
{
    /* Nothing to learn: the host keeps the best point. */
    (void)p, (void)n, (void)points, (void)errors, (void)err;
    return MF_PLUGIN_OK;
}

/* The state is only the space; the stream is the host's. Save its size so
 * load can check it is restoring the same problem. */
static int save(void *p, void *buf, size_t *len, mf_plugin_err *err)
{
    (void)err;
    random_state *s = p;
    if (buf)
        memcpy(buf, &s->n_dims, sizeof s->n_dims);
    *len = sizeof s->n_dims;
    return MF_PLUGIN_OK;
}

static int load(void *p, const void *buf, size_t len, mf_plugin_err *err)
{
    random_state *s = p;
    uint32_t n;
    if (len != sizeof n || (memcpy(&n, buf, sizeof n), n != s->n_dims)) {
        s->host->set_error(err, "the saved state is not of a random search in %u dimensions",
                           (unsigned)s->n_dims);
        return MF_PLUGIN_FAILED;
    }
    return MF_PLUGIN_OK;
}

static const mf_plugin descriptor = {
    .abi_version = MF_PLUGIN_ABI_VERSION,
    .struct_size = sizeof(mf_plugin),
    .name = "random",
    .kind = MF_PLUGIN_OPTIMIZER,
    .option_size = sizeof(mf_option_spec),
    .version = "1.0.0",
    .summary = "uniform random search in the bounds (log-uniform per parameter on request)",
    .options = options,
    .n_options = sizeof options / sizeof options[0],
    .optimizer_create = create,
    .optimizer_ask = ask,
    .optimizer_tell = tell,
    .optimizer_save = save,
    .optimizer_load = load,
    .optimizer_destroy = destroy,
};

MF_PLUGIN_EXPORT const mf_plugin *mf_plugin_entry(uint32_t index)
{
    return index == 0 ? &descriptor : NULL;
}

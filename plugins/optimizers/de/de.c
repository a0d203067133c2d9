/* de: differential evolution (Storn and Price 1997), one generation per
 * round, population = the number of points of the first ask (n_samples).
 *
 * Default variant "currenttobest1" is nevergrad's DE, the default optimizer
 * of brian2modelfitting: for member x, with a and b drawn at random from the
 * population (with replacement) and `best` the member with the lowest error,
 *     donor = x + F1 * (a - b) + F2 * (best - x),   F1 = F2 = 0.8,
 * then "variablewise" crossover: each coordinate comes from the donor with
 * probability CR = 0.5, one random coordinate always does. The initial
 * population is uniform in the bounds.
 *
 * Variant "best1bin" is scipy's default: donor = best + F * (r1 - r2) with
 * r1 != r2 != x, F dithered uniformly in [dither_min, dither_max) = [0.5, 1)
 * once per generation, binomial crossover with CR = 0.7.
 *
 * Both: a child replaces its parent when its error is lower or equal
 * (greedy, nevergrad's `<=`); the host hands errors of failed simulations as
 * +inf. Mutation works on coordinates scaled to [0, 1] by the bounds, and a
 * coordinate leaving [0, 1] is reflected back in (bounce-back at the bound).
 * All randomness comes from the host's seeded stream. */
#include <modelfit/plugin.h>

#include <math.h>
#include <stdlib.h>
#include <string.h>

enum { CURRENT_TO_BEST_1, BEST_1_BIN };

typedef struct de_state {
    const mf_host *host;
    mf_host_ctx *hc;
    int strategy;
    double F1, F2, CR, dither_min, dither_max;
    uint32_t n_dims;
    double *lo, *hi;
    uint32_t pop_size; /* 0 until the first ask */
    int initialized;   /* the initial population has its errors */
    double *pop;       /* pop_size x n_dims, scaled to [0, 1] */
    double *fit;       /* errors of pop */
    double *trial;     /* the points of the pending ask, scaled */
} de_state;

static const mf_option_spec options[] = {
    {.name = "strategy",
     .type = MF_OPT_STRING,
     .default_string = "currenttobest1",
     .choices = "currenttobest1|best1bin",
     .help = "currenttobest1: nevergrad's DE (x + F1*(a - b) + F2*(best - x)); best1bin: "
             "scipy's (best + F*(r1 - r2), F dithered per generation)"},
    {.name = "F1",
     .type = MF_OPT_DOUBLE,
     .flags = MF_OPT_HAS_MIN | MF_OPT_HAS_MAX,
     .default_number = 0.8,
     .min = 0,
     .max = 2,
     .help = "currenttobest1: weight of the random difference a - b"},
    {.name = "F2",
     .type = MF_OPT_DOUBLE,
     .flags = MF_OPT_HAS_MIN | MF_OPT_HAS_MAX,
     .default_number = 0.8,
     .min = 0,
     .max = 2,
     .help = "currenttobest1: weight of the pull towards the best, best - x"},
    {.name = "CR",
     .type = MF_OPT_DOUBLE,
     .flags = MF_OPT_HAS_MIN | MF_OPT_HAS_MAX,
     .default_number = 0.5,
     .min = 0,
     .max = 1,
     .help = "crossover probability per coordinate; when not given: 0.5 for currenttobest1 "
             "(nevergrad), 0.7 for best1bin (scipy)"},
    {.name = "dither_min",
     .type = MF_OPT_DOUBLE,
     .flags = MF_OPT_HAS_MIN | MF_OPT_HAS_MAX,
     .default_number = 0.5,
     .min = 0,
     .max = 2,
     .help = "best1bin: F is drawn uniformly in [dither_min, dither_max) each generation"},
    {.name = "dither_max",
     .type = MF_OPT_DOUBLE,
     .flags = MF_OPT_HAS_MIN | MF_OPT_HAS_MAX,
     .default_number = 1.0,
     .min = 0,
     .max = 2,
     .help = "best1bin: upper end of the dithered F"},
};

static void destroy(void *p)
{
    de_state *s = p;
    if (!s)
        return;
    free(s->lo);
    free(s->hi);
    free(s->pop);
    free(s->fit);
    free(s->trial);
    free(s);
}

static int create(const mf_host *host, mf_host_ctx *hc, const mf_space *space, void **out,
                  mf_plugin_err *err)
{
    de_state *s = calloc(1, sizeof *s);
    uint32_t n = space->n_dims;
    if (!s || !(s->lo = malloc(n * sizeof(double))) || !(s->hi = malloc(n * sizeof(double)))) {
        destroy(s);
        host->set_error(err, "out of memory");
        return MF_PLUGIN_FAILED;
    }
    s->host = host;
    s->hc = hc;
    s->n_dims = n;
    memcpy(s->lo, space->lo, n * sizeof(double));
    memcpy(s->hi, space->hi, n * sizeof(double));
    s->strategy = strcmp(host->opt_string(hc, "strategy"), "best1bin") == 0 ? BEST_1_BIN
                                                                            : CURRENT_TO_BEST_1;
    s->F1 = host->opt_double(hc, "F1");
    s->F2 = host->opt_double(hc, "F2");
    s->CR = host->opt_given(hc, "CR")   ? host->opt_double(hc, "CR")
            : s->strategy == BEST_1_BIN ? 0.7
                                        : 0.5;
    s->dither_min = host->opt_double(hc, "dither_min");
    s->dither_max = host->opt_double(hc, "dither_max");
    if (s->dither_min > s->dither_max) {
        host->set_error(err, "dither_min (%g) is larger than dither_max (%g)", s->dither_min,
                        s->dither_max);
        destroy(s);
        return MF_PLUGIN_FAILED;
    }
    *out = s;
    return MF_PLUGIN_OK;
}

/* Folds u into [0, 1] by reflection at 0 and 1 (even and 2-periodic). */
static double reflect(double u)
{
    u = fmod(fabs(u), 2.0);
    return u > 1.0 ? 2.0 - u : u;
}

static uint32_t below(de_state *s, uint32_t n)
{
    return (uint32_t)s->host->rng_below(s->hc, n);
}

static uint32_t best_index(const de_state *s)
{
    uint32_t b = 0;
    for (uint32_t i = 1; i < s->pop_size; i++)
        if (s->fit[i] < s->fit[b])
            b = i;
    return b;
}

/* nevergrad: donor = x + F1 (a - b) + F2 (best - x); variablewise crossover. */
static void child_current_to_best(de_state *s, uint32_t i, uint32_t best, double *out)
{
    uint32_t d = s->n_dims;
    const double *x = s->pop + (size_t)i * d;
    const double *a = s->pop + (size_t)below(s, s->pop_size) * d;
    const double *b = s->pop + (size_t)below(s, s->pop_size) * d;
    const double *xb = s->pop + (size_t)best * d;
    uint32_t forced = below(s, d);
    for (uint32_t k = 0; k < d; k++) {
        double donor = x[k] + s->F1 * (a[k] - b[k]) + s->F2 * (xb[k] - x[k]);
        int keep_parent = k != forced && s->host->rng_uniform(s->hc) > s->CR;
        out[k] = keep_parent ? x[k] : donor;
    }
}

/* scipy: donor = best + F (r1 - r2), r1 != r2 != i; binomial crossover. */
static void child_best_1_bin(de_state *s, uint32_t i, uint32_t best, double F, double *out)
{
    uint32_t d = s->n_dims, r1, r2;
    do
        r1 = below(s, s->pop_size);
    while (r1 == i);
    do
        r2 = below(s, s->pop_size);
    while (r2 == i || r2 == r1);
    const double *x = s->pop + (size_t)i * d;
    const double *p1 = s->pop + (size_t)r1 * d, *p2 = s->pop + (size_t)r2 * d;
    const double *xb = s->pop + (size_t)best * d;
    uint32_t forced = below(s, d);
    for (uint32_t k = 0; k < d; k++) {
        int from_donor = s->host->rng_uniform(s->hc) < s->CR || k == forced;
        out[k] = from_donor ? xb[k] + F * (p1[k] - p2[k]) : x[k];
    }
}

static int start_population(de_state *s, uint32_t n, mf_plugin_err *err)
{
    if (s->strategy == BEST_1_BIN && n < 3) {
        s->host->set_error(err, "best1bin needs a population (n_samples) of at least 3, got %u",
                           (unsigned)n);
        return MF_PLUGIN_FAILED;
    }
    size_t cells = (size_t)n * s->n_dims;
    s->pop = malloc(cells * sizeof(double));
    s->trial = malloc(cells * sizeof(double));
    s->fit = malloc(n * sizeof(double));
    if (!s->pop || !s->trial || !s->fit) {
        s->host->set_error(err, "out of memory for a population of %u", (unsigned)n);
        return MF_PLUGIN_FAILED;
    }
    s->pop_size = n;
    for (size_t c = 0; c < cells; c++)
        s->trial[c] = s->host->rng_uniform(s->hc);
    return MF_PLUGIN_OK;
}

static void next_generation(de_state *s)
{
    uint32_t best = best_index(s);
    double F = s->dither_min + (s->dither_max - s->dither_min) * s->host->rng_uniform(s->hc);
    for (uint32_t i = 0; i < s->pop_size; i++) {
        double *out = s->trial + (size_t)i * s->n_dims;
        if (s->strategy == BEST_1_BIN)
            child_best_1_bin(s, i, best, F, out);
        else
            child_current_to_best(s, i, best, out);
        for (uint32_t k = 0; k < s->n_dims; k++)
            out[k] = reflect(out[k]);
    }
}

static double unscale(const de_state *s, uint32_t k, double u)
{
    double x = s->lo[k] + u * (s->hi[k] - s->lo[k]);
    return x < s->lo[k] ? s->lo[k] : x > s->hi[k] ? s->hi[k] : x;
}

static int ask(void *p, uint32_t n, double *points, mf_plugin_err *err)
{
    de_state *s = p;
    if (s->pop_size == 0) {
        if (start_population(s, n, err))
            return MF_PLUGIN_FAILED;
    } else if (n != s->pop_size) {
        s->host->set_error(err,
                           "the population has %u members (fixed by the first round); a round "
                           "of %u points cannot continue it (restart instead)",
                           (unsigned)s->pop_size, (unsigned)n);
        return MF_PLUGIN_FAILED;
    } else if (s->initialized) {
        next_generation(s);
    }
    for (uint32_t i = 0; i < n; i++)
        for (uint32_t k = 0; k < s->n_dims; k++)
            points[(size_t)i * s->n_dims + k] =
                unscale(s, k, s->trial[(size_t)i * s->n_dims + k]);
    return MF_PLUGIN_OK;
}

static int tell(void *p, uint32_t n, const double *points, const double *errors,
                mf_plugin_err *err)
{
    (void)points;
    de_state *s = p;
    if (n != s->pop_size) {
        s->host->set_error(err, "told %u errors for a population of %u", (unsigned)n,
                           (unsigned)s->pop_size);
        return MF_PLUGIN_FAILED;
    }
    size_t d = s->n_dims;
    for (uint32_t i = 0; i < n; i++) {
        if (s->initialized && !(errors[i] <= s->fit[i]))
            continue;
        memcpy(s->pop + i * d, s->trial + i * d, d * sizeof(double));
        s->fit[i] = errors[i];
    }
    s->initialized = 1;
    return MF_PLUGIN_OK;
}

static int recommend(void *p, double *point, double *error, mf_plugin_err *err)
{
    de_state *s = p;
    if (!s->initialized) {
        s->host->set_error(err, "no population has been evaluated yet");
        return MF_PLUGIN_FAILED;
    }
    uint32_t b = best_index(s);
    for (uint32_t k = 0; k < s->n_dims; k++)
        point[k] = unscale(s, k, s->pop[(size_t)b * s->n_dims + k]);
    *error = s->fit[b];
    return MF_PLUGIN_OK;
}

/* Saved: u32 n_dims, pop_size, initialized, pad; then pop and fit. */
static int save(void *p, void *buf, size_t *len, mf_plugin_err *err)
{
    (void)err;
    de_state *s = p;
    uint32_t head[4] = {s->n_dims, s->pop_size, (uint32_t)s->initialized, 0};
    size_t cells = (size_t)s->pop_size * s->n_dims;
    *len = sizeof head + (cells + s->pop_size) * sizeof(double);
    if (!buf)
        return MF_PLUGIN_OK;
    unsigned char *out = buf;
    memcpy(out, head, sizeof head);
    if (s->pop_size) {
        memcpy(out + sizeof head, s->pop, cells * sizeof(double));
        memcpy(out + sizeof head + cells * sizeof(double), s->fit,
               s->pop_size * sizeof(double));
    }
    return MF_PLUGIN_OK;
}

static int load(void *p, const void *buf, size_t len, mf_plugin_err *err)
{
    de_state *s = p;
    uint32_t head[4];
    if (len < sizeof head || (memcpy(head, buf, sizeof head), head[0] != s->n_dims) ||
        len != sizeof head + ((size_t)head[1] * head[0] + head[1]) * sizeof(double) ||
        s->pop_size != 0) {
        s->host->set_error(err,
                           "the saved state is not of a DE in %u dimensions, or this DE "
                           "has already started",
                           (unsigned)s->n_dims);
        return MF_PLUGIN_FAILED;
    }
    if (head[1] == 0)
        return MF_PLUGIN_OK;
    if (start_population(s, head[1], err))
        return MF_PLUGIN_FAILED;
    size_t cells = (size_t)head[1] * head[0];
    const unsigned char *in = buf;
    memcpy(s->pop, in + sizeof head, cells * sizeof(double));
    memcpy(s->fit, in + sizeof head + cells * sizeof(double), head[1] * sizeof(double));
    s->initialized = (int)head[2];
    return MF_PLUGIN_OK;
}

static const mf_plugin descriptor = {
    .abi_version = MF_PLUGIN_ABI_VERSION,
    .struct_size = sizeof(mf_plugin),
    .name = "de",
    .kind = MF_PLUGIN_OPTIMIZER,
    .option_size = sizeof(mf_option_spec),
    .version = "1.0.0",
    .summary =
        "differential evolution, nevergrad's DE by default (current-to-best/1, F1 = F2 = "
        "0.8, CR = 0.5); one generation per round",
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

MF_PLUGIN_EXPORT const mf_plugin *mf_plugin_entry(uint32_t index)
{
    return index == 0 ? &descriptor : NULL;
}

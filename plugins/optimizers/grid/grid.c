/* grid: an exhaustive grid search. Each parameter takes `points` evenly
 * spaced values from its lower to its upper bound (both included; a single
 * point is the middle), and the grid is visited in row-major order (the
 * last parameter varies fastest) across rounds: ask(n) returns the next n
 * grid points. When fewer than n remain, the tail of the round repeats the
 * last grid point (a duplicate cannot change the best); the ask after the
 * last point returns MF_PLUGIN_EXHAUSTED, which stops the fit with a
 * message saying the grid is done. */
#include <modelfit/plugin.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Grids larger than this cannot be indexed exactly in a double and could
 * never be finished anyway. */
#define GRID_MAX_POINTS 9007199254740992.0 /* 2^53 */

typedef struct grid_state {
    const mf_host *host;
    uint32_t n_dims;
    double *lo, *hi;
    uint64_t *counts; /* points per dimension */
    uint64_t total;
    uint64_t next; /* index of the next grid point to hand out */
} grid_state;

static const mf_option_spec options[] = {
    {.name = "points",
     .type = MF_OPT_INT,
     .flags = MF_OPT_HAS_MIN,
     .default_number = 10,
     .min = 1,
     .help = "grid points per parameter, bounds included (1: the middle of the bounds)"},
    {.name = "points_per_param",
     .type = MF_OPT_STRING,
     .default_string = "",
     .help = "per-parameter counts overriding `points`, e.g. \"g_na=5,Cm=3\""},
};

static void destroy(void *p)
{
    grid_state *s = p;
    if (!s)
        return;
    free(s->lo);
    free(s->hi);
    free(s->counts);
    free(s);
}

/* Applies "name=count,..." overrides. */
static int apply_overrides(grid_state *s, const mf_space *space, const char *list,
                           mf_plugin_err *err)
{
    const char *p = list;
    while (*p) {
        while (*p == ',' || *p == ' ')
            p++;
        if (!*p)
            break;
        size_t len = strcspn(p, "= ,");
        uint32_t d = 0;
        while (d < space->n_dims &&
               !(strlen(space->names[d]) == len && strncmp(space->names[d], p, len) == 0))
            d++;
        if (len == 0 || d == space->n_dims || p[len] != '=') {
            s->host->set_error(err,
                               "points_per_param: expected \"name=count\" with a fitted "
                               "parameter's name at \"%s\"",
                               p);
            return MF_PLUGIN_FAILED;
        }
        char *end;
        long long c = strtoll(p + len + 1, &end, 10);
        if (end == p + len + 1 || c < 1) {
            s->host->set_error(err,
                               "points_per_param: the count for '%s' must be an integer >= 1",
                               space->names[d]);
            return MF_PLUGIN_FAILED;
        }
        s->counts[d] = (uint64_t)c;
        p = end;
    }
    return MF_PLUGIN_OK;
}

static int create(const mf_host *host, mf_host_ctx *hc, const mf_space *space, void **out,
                  mf_plugin_err *err)
{
    grid_state *s = calloc(1, sizeof *s);
    uint32_t n = space->n_dims;
    if (!s || !(s->lo = malloc(n * sizeof(double))) || !(s->hi = malloc(n * sizeof(double))) ||
        !(s->counts = malloc(n * sizeof(uint64_t)))) {
        destroy(s);
        host->set_error(err, "out of memory");
        return MF_PLUGIN_FAILED;
    }
    s->host = host;
    s->n_dims = n;
    memcpy(s->lo, space->lo, n * sizeof(double));
    memcpy(s->hi, space->hi, n * sizeof(double));
    for (uint32_t d = 0; d < n; d++)
        s->counts[d] = (uint64_t)host->opt_int(hc, "points");
    if (apply_overrides(s, space, host->opt_string(hc, "points_per_param"), err)) {
        destroy(s);
        return MF_PLUGIN_FAILED;
    }
    double total = 1;
    for (uint32_t d = 0; d < n; d++)
        total *= (double)s->counts[d];
    if (total > GRID_MAX_POINTS) {
        host->set_error(err, "the grid has %g points, more than can ever be evaluated", total);
        destroy(s);
        return MF_PLUGIN_FAILED;
    }
    s->total = (uint64_t)total;
    *out = s;
    return MF_PLUGIN_OK;
}

/* Grid point `index` (row-major, last dimension fastest). */
static void grid_point(const grid_state *s, uint64_t index, double *x)
{
    for (uint32_t d = s->n_dims; d-- > 0;) {
        uint64_t c = s->counts[d], j = index % c;
        index /= c;
        if (c == 1)
            x[d] = 0.5 * (s->lo[d] + s->hi[d]);
        else if (j == c - 1)
            x[d] = s->hi[d]; /* exactly, not lo + (c-1)*step rounded */
        else
            x[d] = s->lo[d] + (double)j * (s->hi[d] - s->lo[d]) / (double)(c - 1);
    }
}

static void describe(const grid_state *s, char *buf, size_t n)
{
    size_t used =
        (size_t)snprintf(buf, n, "all %llu grid points", (unsigned long long)s->total);
    for (uint32_t d = 0; d < s->n_dims && used < n; d++)
        used += (size_t)snprintf(buf + used, n - used, "%s%llu", d ? " x " : " (",
                                 (unsigned long long)s->counts[d]);
    if (used < n)
        snprintf(buf + used, n - used, ") were evaluated: the grid search is finished");
}

static int ask(void *p, uint32_t n, double *points, mf_plugin_err *err)
{
    grid_state *s = p;
    if (s->next >= s->total) {
        char what[256];
        describe(s, what, sizeof what);
        s->host->set_error(err, "%s", what);
        return MF_PLUGIN_EXHAUSTED;
    }
    for (uint32_t i = 0; i < n; i++) {
        uint64_t k = s->next + i < s->total ? s->next + i : s->total - 1;
        grid_point(s, k, points + (size_t)i * s->n_dims);
    }
    s->next = s->next + n < s->total ? s->next + n : s->total;
    return MF_PLUGIN_OK;
}

static int tell(void *p, uint32_t n, const double *points, const double *errors,
                mf_plugin_err *err)
{
    (void)p, (void)n, (void)points, (void)errors, (void)err;
    return MF_PLUGIN_OK;
}

static int save(void *p, void *buf, size_t *len, mf_plugin_err *err)
{
    (void)err;
    grid_state *s = p;
    uint64_t rec[2] = {s->total, s->next};
    if (buf)
        memcpy(buf, rec, sizeof rec);
    *len = sizeof rec;
    return MF_PLUGIN_OK;
}

static int load(void *p, const void *buf, size_t len, mf_plugin_err *err)
{
    grid_state *s = p;
    uint64_t rec[2];
    if (len != sizeof rec || (memcpy(rec, buf, sizeof rec), rec[0] != s->total) ||
        rec[1] > s->total) {
        s->host->set_error(err, "the saved state is not of this grid (%llu points)",
                           (unsigned long long)s->total);
        return MF_PLUGIN_FAILED;
    }
    s->next = rec[1];
    return MF_PLUGIN_OK;
}

static const mf_plugin descriptor = {
    .abi_version = MF_PLUGIN_ABI_VERSION,
    .struct_size = sizeof(mf_plugin),
    .name = "grid",
    .kind = MF_PLUGIN_OPTIMIZER,
    .option_size = sizeof(mf_option_spec),
    .version = "1.0.0",
    .summary = "exhaustive grid search, `points` per parameter, visited in order over rounds",
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

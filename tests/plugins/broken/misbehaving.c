/* Plugins that load but misbehave when run: the host must turn each into a
 * clear MF_ERR_PLUGIN error naming the plugin (never a crash). */
#include "minimal.h"

#include <math.h>

static int fail_create(const mf_host *host, mf_host_ctx *hc, const mf_space *space, void **out,
                       mf_plugin_err *err)
{
    (void)hc, (void)space, (void)out;
    host->set_error(err, "cannot start: the moon is in the wrong phase");
    return MF_PLUGIN_FAILED;
}

static int null_create(const mf_host *host, mf_host_ctx *hc, const mf_space *space, void **out,
                       mf_plugin_err *err)
{
    (void)host, (void)hc, (void)space, (void)err;
    *out = NULL;
    return MF_PLUGIN_OK;
}

static int silent_ask(void *p, uint32_t n, double *points, mf_plugin_err *err)
{
    (void)p, (void)n, (void)points, (void)err;
    return MF_PLUGIN_FAILED;
}

static int nan_ask(void *p, uint32_t n, double *points, mf_plugin_err *err)
{
    min_ask(p, n, points, err);
    points[n * ((min_state *)p)->n_dims - 1] = NAN;
    return MF_PLUGIN_OK;
}

static int outside_ask(void *p, uint32_t n, double *points, mf_plugin_err *err)
{
    min_state *s = p;
    min_ask(p, n, points, err);
    points[0] = s->hi[0] + 1;
    return MF_PLUGIN_OK;
}

static int lazy_ask(void *p, uint32_t n, double *points, mf_plugin_err *err)
{
    (void)p, (void)n, (void)points, (void)err;
    return MF_PLUGIN_OK; /* writes nothing */
}

static int failing_tell(void *p, uint32_t n, const double *points, const double *errors,
                        mf_plugin_err *err)
{
    (void)n, (void)points, (void)errors;
    ((min_state *)p)->host->set_error(err, "tell refuses");
    return MF_PLUGIN_FAILED;
}

static int outside_recommend(void *p, double *point, double *error, mf_plugin_err *err)
{
    (void)err;
    min_state *s = p;
    for (uint32_t d = 0; d < s->n_dims; d++)
        point[d] = s->lo[d] - 1;
    *error = 0;
    return MF_PLUGIN_OK;
}

/* Announces 16 bytes, then reports 8. */
static int liar_save(void *p, void *buf, size_t *len, mf_plugin_err *err)
{
    (void)p, (void)err;
    if (buf)
        memset(buf, 0, 8);
    *len = buf ? 8 : 16;
    return MF_PLUGIN_OK;
}

static int any_load(void *p, const void *buf, size_t len, mf_plugin_err *err)
{
    (void)p, (void)buf, (void)len, (void)err;
    return MF_PLUGIN_OK;
}

/* Holds the host to one tell per ask: an ask while a tell is due fails
 * (so a host that calls it twice is caught), and its second ask proposes
 * a point outside the bounds. Saves its ask count. */
typedef struct strict_state {
    min_state base;
    uint32_t asks;
    int pending;
} strict_state;

static int strict_create(const mf_host *host, mf_host_ctx *hc, const mf_space *space,
                         void **out, mf_plugin_err *err)
{
    strict_state *s = calloc(1, sizeof *s);
    void *base;
    if (!s || min_create(host, hc, space, &base, err) != MF_PLUGIN_OK) {
        free(s);
        return MF_PLUGIN_FAILED;
    }
    s->base = *(min_state *)base;
    free(base);
    *out = s;
    return MF_PLUGIN_OK;
}

static int strict_ask(void *p, uint32_t n, double *points, mf_plugin_err *err)
{
    strict_state *s = p;
    if (s->pending) {
        s->base.host->set_error(err, "asked again without a tell");
        return MF_PLUGIN_FAILED;
    }
    s->pending = 1;
    min_ask(&s->base, n, points, err);
    if (++s->asks == 2)
        points[0] = s->base.hi[0] + 1;
    return MF_PLUGIN_OK;
}

static int strict_tell(void *p, uint32_t n, const double *points, const double *errors,
                       mf_plugin_err *err)
{
    (void)n, (void)points, (void)errors;
    strict_state *s = p;
    if (!s->pending) {
        s->base.host->set_error(err, "told without an ask");
        return MF_PLUGIN_FAILED;
    }
    s->pending = 0;
    return MF_PLUGIN_OK;
}

static int strict_save(void *p, void *buf, size_t *len, mf_plugin_err *err)
{
    (void)err;
    *len = sizeof(uint32_t);
    if (buf)
        memcpy(buf, &((strict_state *)p)->asks, sizeof(uint32_t));
    return MF_PLUGIN_OK;
}

static int strict_load(void *p, const void *buf, size_t len, mf_plugin_err *err)
{
    strict_state *s = p;
    if (len != sizeof(uint32_t) || s->asks) {
        s->base.host->set_error(err, "not my state, or not a fresh state");
        return MF_PLUGIN_FAILED;
    }
    memcpy(&s->asks, buf, sizeof(uint32_t));
    return MF_PLUGIN_OK;
}

/* Metrics. */
static int metric_create(const mf_host *host, mf_host_ctx *hc, const mf_targets *t, void **out,
                         mf_plugin_err *err)
{
    (void)hc, (void)t, (void)err;
    min_state *s = calloc(1, sizeof *s);
    if (!s)
        return MF_PLUGIN_FAILED;
    s->host = host;
    *out = s;
    return MF_PLUGIN_OK;
}

static int metric_fail_create(const mf_host *host, mf_host_ctx *hc, const mf_targets *t,
                              void **out, mf_plugin_err *err)
{
    (void)hc, (void)out;
    host->set_error(err, "needs %u traces, not %u", (unsigned)t->n_traces + 1,
                    (unsigned)t->n_traces);
    return MF_PLUGIN_FAILED;
}

static int negative_error(void *p, const mf_lanes *lanes, double *errors, mf_plugin_err *err)
{
    (void)p, (void)err;
    for (uint32_t j = 0; j < lanes->n_lanes; j++)
        errors[j] = j == lanes->n_lanes - 1 ? -1.0 : 1.0;
    return MF_PLUGIN_OK;
}

static int failing_error(void *p, const mf_lanes *lanes, double *errors, mf_plugin_err *err)
{
    (void)lanes, (void)errors;
    ((min_state *)p)->host->set_error(err, "lane batch rejected");
    return MF_PLUGIN_FAILED;
}

/* ABI 1.1 weights: one negative, or a failure. */
static int negative_weights(void *p, double *w, mf_plugin_err *err)
{
    (void)p, (void)err;
    for (int i = 0; i < 4; i++)
        w[i] = i == 2 ? -0.5 : 0.25;
    return MF_PLUGIN_OK;
}

static int failing_weights(void *p, double *w, mf_plugin_err *err)
{
    (void)w;
    ((min_state *)p)->host->set_error(err, "no weights today");
    return MF_PLUGIN_FAILED;
}

#define MIN_METRIC(NAME)                                                                       \
    .abi_version = MF_PLUGIN_ABI_VERSION, .struct_size = sizeof(mf_plugin), .name = NAME,      \
    .kind = MF_PLUGIN_METRIC, .option_size = sizeof(mf_option_spec), .version = "0.0.1",       \
    .summary = "a misbehaving test metric", .metric_kind = MF_METRIC_TRACES,                   \
    .metric_create = metric_create, .metric_error = negative_error,                            \
    .metric_destroy = min_destroy

static const mf_plugin d[] = {
    {MIN_OPTIMIZER("fail_create"), .optimizer_create = fail_create},
    {MIN_OPTIMIZER("null_state"), .optimizer_create = null_create},
    {MIN_OPTIMIZER("silent_ask"), .optimizer_ask = silent_ask},
    {MIN_OPTIMIZER("nan_points"), .optimizer_ask = nan_ask},
    {MIN_OPTIMIZER("outside_points"), .optimizer_ask = outside_ask},
    {MIN_OPTIMIZER("lazy_ask"), .optimizer_ask = lazy_ask},
    {MIN_OPTIMIZER("failing_tell"), .optimizer_tell = failing_tell},
    {MIN_OPTIMIZER("outside_recommend"), .optimizer_recommend = outside_recommend},
    {MIN_OPTIMIZER("liar_save"), .optimizer_save = liar_save, .optimizer_load = any_load},
    {MIN_OPTIMIZER("strict_outside"), .optimizer_create = strict_create,
     .optimizer_ask = strict_ask, .optimizer_tell = strict_tell, .optimizer_save = strict_save,
     .optimizer_load = strict_load},
    {MIN_METRIC("negative_error")},
    {MIN_METRIC("fail_metric_create"), .metric_create = metric_fail_create},
    {MIN_METRIC("failing_error"), .metric_error = failing_error},
    {MIN_METRIC("negative_weights"), .metric_error_power = 2,
     .metric_weights = negative_weights},
    {MIN_METRIC("failing_weights"), .metric_error_power = 2, .metric_weights = failing_weights},
};

MF_PLUGIN_EXPORT const mf_plugin *mf_plugin_entry(uint32_t index)
{
    return index < sizeof d / sizeof d[0] ? &d[index] : NULL;
}

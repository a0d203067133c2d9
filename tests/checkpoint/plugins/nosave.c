/* A working optimizer without save/load (uniform random points from the
 * host's stream), for the refusal of checkpoints up front. */
#include <modelfit/plugin.h>

#include <stdlib.h>

typedef struct nosave_state {
    const mf_host *host;
    mf_host_ctx *hc;
    uint32_t n_dims;
    double lo[16], hi[16];
} nosave_state;

static int create(const mf_host *host, mf_host_ctx *hc, const mf_space *space, void **out,
                  mf_plugin_err *err)
{
    if (space->n_dims > 16) {
        host->set_error(err, "at most 16 parameters");
        return MF_PLUGIN_FAILED;
    }
    nosave_state *s = calloc(1, sizeof *s);
    if (!s)
        return MF_PLUGIN_FAILED;
    s->host = host;
    s->hc = hc;
    s->n_dims = space->n_dims;
    for (uint32_t d = 0; d < space->n_dims; d++) {
        s->lo[d] = space->lo[d];
        s->hi[d] = space->hi[d];
    }
    *out = s;
    return MF_PLUGIN_OK;
}

static int ask(void *p, uint32_t n, double *points, mf_plugin_err *err)
{
    (void)err;
    nosave_state *s = p;
    for (uint32_t i = 0; i < n; i++)
        for (uint32_t d = 0; d < s->n_dims; d++)
            points[i * s->n_dims + d] =
                s->lo[d] + (s->hi[d] - s->lo[d]) * s->host->rng_uniform(s->hc);
    return MF_PLUGIN_OK;
}

static int tell(void *p, uint32_t n, const double *points, const double *errors,
                mf_plugin_err *err)
{
    (void)p, (void)n, (void)points, (void)errors, (void)err;
    return MF_PLUGIN_OK;
}

static void destroy(void *p)
{
    free(p);
}

static const mf_plugin descriptor = {
    .abi_version = MF_PLUGIN_ABI_VERSION,
    .struct_size = sizeof(mf_plugin),
    .name = "nosave",
    .kind = MF_PLUGIN_OPTIMIZER,
    .option_size = sizeof(mf_option_spec),
    .version = "1.0",
    .summary = "random points, without save/load (checkpoint tests)",
    .optimizer_create = create,
    .optimizer_ask = ask,
    .optimizer_tell = tell,
    .optimizer_destroy = destroy,
};

MF_PLUGIN_EXPORT const mf_plugin *mf_plugin_entry(uint32_t index)
{
    return index == 0 ? &descriptor : NULL;
}

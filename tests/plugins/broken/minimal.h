/* A minimal valid optimizer and metric for the deliberately broken plugins:
 * each broken file includes this and breaks one thing. */
#ifndef MF_TEST_BROKEN_MINIMAL_H
#define MF_TEST_BROKEN_MINIMAL_H

#include <modelfit/plugin.h>

#include <stdlib.h>
#include <string.h>

typedef struct min_state {
    const mf_host *host;
    mf_host_ctx *hc;
    uint32_t n_dims;
    double lo[16], hi[16];
} min_state;

static int min_create(const mf_host *host, mf_host_ctx *hc, const mf_space *space, void **out,
                      mf_plugin_err *err)
{
    if (space->n_dims > 16) {
        host->set_error(err, "at most 16 dimensions");
        return MF_PLUGIN_FAILED;
    }
    min_state *s = calloc(1, sizeof *s);
    if (!s)
        return MF_PLUGIN_FAILED;
    s->host = host;
    s->hc = hc;
    s->n_dims = space->n_dims;
    memcpy(s->lo, space->lo, space->n_dims * sizeof(double));
    memcpy(s->hi, space->hi, space->n_dims * sizeof(double));
    *out = s;
    return MF_PLUGIN_OK;
}

static int min_ask(void *p, uint32_t n, double *points, mf_plugin_err *err)
{
    (void)err;
    min_state *s = p;
    for (uint32_t i = 0; i < n; i++)
        for (uint32_t d = 0; d < s->n_dims; d++)
            points[i * s->n_dims + d] = 0.5 * (s->lo[d] + s->hi[d]);
    return MF_PLUGIN_OK;
}

static int min_tell(void *p, uint32_t n, const double *points, const double *errors,
                    mf_plugin_err *err)
{
    (void)p, (void)n, (void)points, (void)errors, (void)err;
    return MF_PLUGIN_OK;
}

static void min_destroy(void *p)
{
    free(p);
}

#define MIN_OPTIMIZER(NAME)                                                                    \
    .abi_version = MF_PLUGIN_ABI_VERSION, .struct_size = sizeof(mf_plugin), .name = NAME,      \
    .kind = MF_PLUGIN_OPTIMIZER, .option_size = sizeof(mf_option_spec), .version = "0.0.1",    \
    .summary = "a deliberately broken test plugin", .optimizer_create = min_create,            \
    .optimizer_ask = min_ask, .optimizer_tell = min_tell, .optimizer_destroy = min_destroy

#endif

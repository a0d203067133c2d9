/* metric_normalization must name a quantity or double option of the
 * table: here it names a string option. */
#include <modelfit/plugin.h>

#include <stdlib.h>

static int some_create(const mf_host *host, mf_host_ctx *hc, const mf_targets *t, void **out,
                       mf_plugin_err *err)
{
    (void)host, (void)hc, (void)t, (void)err;
    *out = calloc(1, 1);
    return *out ? MF_PLUGIN_OK : MF_PLUGIN_FAILED;
}

static int zero_error(void *p, const mf_lanes *lanes, double *errors, mf_plugin_err *err)
{
    (void)p, (void)err;
    for (uint32_t j = 0; j < lanes->n_lanes; j++)
        errors[j] = 0;
    return MF_PLUGIN_OK;
}

static int some_weights(void *p, double *w, mf_plugin_err *err)
{
    (void)p, (void)w, (void)err;
    return MF_PLUGIN_OK;
}

static const mf_option_spec options[] = {
    {.name = "label", .type = MF_OPT_STRING, .default_string = "", .help = "a name"},
};

static const mf_plugin d = {
    .abi_version = MF_PLUGIN_ABI_VERSION,
    .struct_size = sizeof(mf_plugin),
    .name = "weights_normalization",
    .kind = MF_PLUGIN_METRIC,
    .option_size = sizeof(mf_option_spec),
    .options = options,
    .n_options = 1,
    .metric_kind = MF_METRIC_TRACES,
    .metric_error_power = 2,
    .metric_create = some_create,
    .metric_error = zero_error,
    .metric_destroy = free,
    .metric_weights = some_weights,
    .metric_normalization = "label",
};

MF_PLUGIN_EXPORT const mf_plugin *mf_plugin_entry(uint32_t index)
{
    return index == 0 ? &d : NULL;
}

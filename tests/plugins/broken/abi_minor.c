/* Claims plugin ABI 1.99: a newer minor than the host's is refused. */
#include "minimal.h"

static const mf_plugin d = {MIN_OPTIMIZER("abi_minor"),
                            .abi_version = (MF_PLUGIN_ABI_MAJOR << 16) | 99u};

MF_PLUGIN_EXPORT const mf_plugin *mf_plugin_entry(uint32_t index)
{
    return index == 0 ? &d : NULL;
}

/* Claims plugin ABI 2.0: another major is refused. */
#include "minimal.h"

static const mf_plugin d = {MIN_OPTIMIZER("abi_major"), .abi_version = (2u << 16) | 0u};

MF_PLUGIN_EXPORT const mf_plugin *mf_plugin_entry(uint32_t index)
{
    return index == 0 ? &d : NULL;
}

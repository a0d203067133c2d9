/* Claims plugin ABI 1.0 with the descriptor size of a later minor: a 1.0
 * descriptor cannot have the fields appended since, so it is refused. */
#include "minimal.h"

static const mf_plugin d = {MIN_OPTIMIZER("abi_1_0_oversized"), .abi_version = 1u << 16};

MF_PLUGIN_EXPORT const mf_plugin *mf_plugin_entry(uint32_t index)
{
    return index == 0 ? &d : NULL;
}

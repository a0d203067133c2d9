/* A descriptor claiming 16 bytes: smaller than any ABI 1.x descriptor. */
#include "minimal.h"

static const mf_plugin d = {MIN_OPTIMIZER("undersized"), .struct_size = 16};

MF_PLUGIN_EXPORT const mf_plugin *mf_plugin_entry(uint32_t index)
{
    return index == 0 ? &d : NULL;
}

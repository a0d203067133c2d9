/* A descriptor claiming 64 bytes more than ABI 1.0 defines (the memory is
 * really there, so only the host's check can catch it). */
#include "minimal.h"

static const struct {
    mf_plugin d;
    char future[64];
} big = {{MIN_OPTIMIZER("oversized"), .struct_size = sizeof(mf_plugin) + 64}, {0}};

MF_PLUGIN_EXPORT const mf_plugin *mf_plugin_entry(uint32_t index)
{
    return index == 0 ? &big.d : NULL;
}

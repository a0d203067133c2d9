/* Two optimizers named "twin" in one file: the second is shadowed. Also
 * an optimizer and a metric may share a name (different kinds). */
#include "minimal.h"

static const mf_plugin d[] = {
    {MIN_OPTIMIZER("twin"), .version = "1"},
    {MIN_OPTIMIZER("twin"), .version = "2"},
};

MF_PLUGIN_EXPORT const mf_plugin *mf_plugin_entry(uint32_t index)
{
    return index < 2 ? &d[index] : NULL;
}

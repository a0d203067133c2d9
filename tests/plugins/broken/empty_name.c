/* A plugin with an empty name. */
#include "minimal.h"

static const mf_plugin d = {MIN_OPTIMIZER("")};

MF_PLUGIN_EXPORT const mf_plugin *mf_plugin_entry(uint32_t index)
{
    return index == 0 ? &d : NULL;
}

/* A valid entry point that returns no descriptor at all. */
#include <modelfit/plugin.h>

MF_PLUGIN_EXPORT const mf_plugin *mf_plugin_entry(uint32_t index)
{
    (void)index;
    return NULL;
}

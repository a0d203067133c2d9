/* Exports a misspelt entry point: no mf_plugin_entry symbol. */
#include "minimal.h"

static const mf_plugin d = {MIN_OPTIMIZER("no_entry")};

MF_PLUGIN_EXPORT const mf_plugin *mf_plugin_entri(uint32_t index);

MF_PLUGIN_EXPORT const mf_plugin *mf_plugin_entri(uint32_t index)
{
    return index == 0 ? &d : NULL;
}

/* An optimizer without tell, and one with save but no load. */
#include "minimal.h"

static int save_only(void *p, void *buf, size_t *len, mf_plugin_err *err)
{
    (void)p, (void)buf, (void)err;
    *len = 0;
    return MF_PLUGIN_OK;
}

static const mf_plugin d[] = {
    {MIN_OPTIMIZER("no_tell"), .optimizer_tell = NULL},
    {MIN_OPTIMIZER("save_no_load"), .optimizer_save = save_only},
};

MF_PLUGIN_EXPORT const mf_plugin *mf_plugin_entry(uint32_t index)
{
    return index < 2 ? &d[index] : NULL;
}

/* Needs a variable no library defines, so the dynamic loader refuses it. */
#include <modelfit/plugin.h>

extern const mf_plugin mf_test_no_such_descriptor;

MF_PLUGIN_EXPORT const mf_plugin *mf_plugin_entry(uint32_t index)
{
    return index == 0 ? &mf_test_no_such_descriptor : NULL;
}

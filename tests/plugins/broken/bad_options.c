/* Option tables the host must refuse: a unit that is no unit, a name used
 * twice, an int default that is not an integer, the reserved `seed`. */
#include "minimal.h"

static const mf_option_spec bad_unit[] = {
    {.name = "window", .type = MF_OPT_QUANTITY, .unit = "furlong", .help = "x"}};
static const mf_option_spec twice[] = {{.name = "a", .type = MF_OPT_DOUBLE, .help = "x"},
                                       {.name = "a", .type = MF_OPT_INT, .help = "y"}};
static const mf_option_spec half_int[] = {
    {.name = "n", .type = MF_OPT_INT, .default_number = 2.5, .help = "x"}};
static const mf_option_spec seed[] = {{.name = "seed", .type = MF_OPT_INT, .help = "x"}};

static const mf_plugin d[] = {
    {MIN_OPTIMIZER("bad_unit"), .options = bad_unit, .n_options = 1},
    {MIN_OPTIMIZER("option_twice"), .options = twice, .n_options = 2},
    {MIN_OPTIMIZER("half_int"), .options = half_int, .n_options = 1},
    {MIN_OPTIMIZER("own_seed"), .options = seed, .n_options = 1},
};

MF_PLUGIN_EXPORT const mf_plugin *mf_plugin_entry(uint32_t index)
{
    return index < 4 ? &d[index] : NULL;
}

/* Placeholder until this verb is built; it says so instead of pretending. */
#include "verbs.h"

int mf_verb_run(int argc, char **argv)
{
    (void)argc;
    (void)argv;
    return mf_host_fail("error: 'modelfit run' is not built yet");
}

/* Plugin loading and the registry: built in the plugin issue. */
#include "context.h"

void mf_registry_free(struct mf_registry *reg)
{
    (void)reg;
}

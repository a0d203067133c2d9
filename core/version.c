#include "modelfit/modelfit.h"

const char *mf_version(void)
{
    return MF_VERSION_STRING;
}

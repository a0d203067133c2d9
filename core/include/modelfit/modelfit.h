/* libmodelfit: the public C API.
 *
 * Opaque handles and functions only, so the library can grow without
 * breaking programs built against it; libmodelfit.so.1 keeps its soname
 * until an incompatible change. Every function that can fail returns an
 * mf_status and fills the caller's mf_error (see status.h). `_free(NULL)`
 * is a no-op everywhere; whoever allocates frees. A NULL handle (or a NULL
 * `out` pointer) is never a crash: functions returning mf_status refuse it
 * with MF_ERR_INVALID, accessors that cannot fail return a neutral value
 * (0, NULL, false, NaN for a real number, -1 for an index or iteration, a
 * dimensionless unit), and setters returning void do nothing
 * (tests/core/test_api_null.c calls every function so). */
#ifndef MODELFIT_MODELFIT_H
#define MODELFIT_MODELFIT_H

#include "modelfit/status.h"
#include "modelfit/context.h"
#include "modelfit/plugins.h"
#include "modelfit/data.h"
#include "modelfit/quantity.h"
#include "modelfit/model.h"
#include "modelfit/simulate.h"
#include "modelfit/fitter.h"
#include "modelfit/distribute.h"

#ifdef __cplusplus
extern "C" {
#endif

/* The library's version, "MAJOR.MINOR.PATCH". */
MF_API const char *mf_version(void);

#ifdef __cplusplus
}
#endif
#endif

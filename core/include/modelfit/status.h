/* modelfit: status codes and the error record every public function fills.
 *
 * Contract: every function of libmodelfit that can fail returns an mf_status
 * (MF_OK == 0) and, when given a non-NULL mf_error, fills it with a message a
 * user can act on. The library never prints, exits or aborts.
 *
 * mf_error is the one public struct: the caller owns it (usually on the
 * stack), so reporting an error never allocates and never fails. */
#ifndef MODELFIT_STATUS_H
#define MODELFIT_STATUS_H

#ifdef __cplusplus
extern "C" {
#endif

/* Marks the functions libmodelfit.so exports; everything else is hidden. */
#if defined(__GNUC__)
#define MF_API __attribute__((visibility("default")))
#else
#define MF_API
#endif

typedef enum mf_status {
    MF_OK = 0,
    MF_ERR_INVALID = 1,      /* a bad argument or option value */
    MF_ERR_PARSE = 2,        /* model or expression syntax */
    MF_ERR_UNITS = 3,        /* dimensions that disagree */
    MF_ERR_NAME = 4,         /* an unknown, duplicate or reserved name */
    MF_ERR_IO = 5,           /* a file that cannot be read or written */
    MF_ERR_NOMEM = 6,        /* out of memory */
    MF_ERR_PLUGIN = 7,       /* a plugin refused, failed or misbehaved */
    MF_ERR_NUMERIC = 8,      /* NaN/inf in data or a numerical failure */
    MF_ERR_STOPPED = 9,      /* stopped by a callback or exhausted optimizer */
    MF_ERR_UNSUPPORTED = 10, /* a feature that is not built (yet) */
    MF_ERR_INTERNAL = 11     /* a bug in modelfit: please report it */
} mf_status;

#define MF_ERROR_MESSAGE_MAX 1024

typedef struct mf_error {
    mf_status status;
    /* Where the problem is, when it has a place; 0 otherwise. */
    int line;
    int col;
    /* The whole user-facing text, e.g.
     * "model:3:9: error: dv/dt = ... has unit V/s but the right-hand side has unit A" */
    char message[MF_ERROR_MESSAGE_MAX];
} mf_error;

/* A short constant name for a status ("invalid argument", "unit error", ...). */
MF_API const char *mf_status_string(mf_status status);

#ifdef __cplusplus
}
#endif
#endif

/* mf_context: what would otherwise be global state (SUNDIALS' SUNContext).
 * It carries the log callback, the plugin registry, the cache directory of
 * compiled model kernels and the default thread count. Objects created from
 * a context keep a pointer to it: free the context last. A context is used
 * by one thread at a time. */
#ifndef MODELFIT_CONTEXT_H
#define MODELFIT_CONTEXT_H

#include "modelfit/status.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct mf_context mf_context;

typedef enum mf_log_level {
    MF_LOG_ERROR = 0,
    MF_LOG_WARNING = 1,
    MF_LOG_INFO = 2,
    MF_LOG_DEBUG = 3
} mf_log_level;

/* Receives every line the library would print. Without one installed the
 * library is silent. */
typedef void (*mf_log_fn)(void *user, mf_log_level level, const char *message);

MF_API mf_status mf_context_new(mf_context **out, mf_error *err);
MF_API void mf_context_free(mf_context *ctx);

MF_API void mf_context_set_log(mf_context *ctx, mf_log_fn fn, void *user,
                               mf_log_level max_level);

/* Threads for simulation; 0 (the default) means OpenMP's default. Results
 * never depend on it. */
MF_API void mf_context_set_threads(mf_context *ctx, int n_threads);
MF_API int mf_context_threads(const mf_context *ctx);

/* Directory for compiled model kernels; default $XDG_CACHE_HOME/modelfit,
 * else ~/.cache/modelfit. */
MF_API mf_status mf_context_set_cache_dir(mf_context *ctx, const char *dir, mf_error *err);
MF_API const char *mf_context_cache_dir(const mf_context *ctx);

/* How every simulation and fit made from ctx runs the model:
 *   "native"  the model's step compiled to machine code by the system C
 *             compiler (cached in the cache directory); when there is no
 *             compiler, compiling fails or the method is an adaptive GSL
 *             one, the interpreter runs instead and the log says why;
 *   "interp"  the portable bytecode interpreter ("interpreter" also works);
 *   "auto"    (the default) $MODELFIT_BACKEND ("native" or "interp") when
 *             it is set, else "native".
 * A backend set here wins over $MODELFIT_BACKEND. Both backends give the
 * same results (tests/native checks it), so this changes speed only.
 * MF_ERR_INVALID, naming the valid names, for any other name; ctx is then
 * unchanged. Takes effect for engines made after the call. */
MF_API mf_status mf_context_set_backend(mf_context *ctx, const char *name, mf_error *err);
/* The name set by mf_context_set_backend: "auto", "native" or "interp"
 * ("auto" for a NULL ctx, as for a simulation without a context). */
MF_API const char *mf_context_backend(const mf_context *ctx);

#ifdef __cplusplus
}
#endif
#endif

/* Internal view of mf_context. Other modules reach its parts through these
 * functions; the plugin registry lives in plugin.c and hangs off the
 * context through an opaque pointer. */
#ifndef MF_CORE_CONTEXT_H
#define MF_CORE_CONTEXT_H

#include "error.h"
#include "modelfit/context.h"

struct mf_registry;

struct mf_context {
    mf_log_fn log;
    void *log_user;
    mf_log_level log_max;
    int n_threads;
    char *cache_dir;
    struct mf_registry *registry; /* owned; created on first use by plugin.c */
    struct mf_group *group;       /* borrowed: fits spread over processes (distribute.c) */
    int backend;                  /* mf_context_set_backend (backend_choice.c); 0: auto */
    struct mf_log_lock *log_lock; /* owned: mf_log calls the callback one line at a time */
};

/* Sends one formatted line to the installed log callback (ctx may be NULL).
 * Safe from any thread (plugins log from the blocks' threads): the callback
 * is called by one thread at a time, so it need not be thread-safe. */
void mf_log(const mf_context *ctx, mf_log_level level, const char *fmt, ...) MF_PRINTF(3, 4);

/* Frees the registry (plugin.c). */
void mf_registry_free(struct mf_registry *reg);

#endif

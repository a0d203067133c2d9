#include "context.h"

#include <omp.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

struct mf_log_lock {
    omp_nest_lock_t lock;
};

static char *default_cache_dir(void)
{
    const char *xdg = getenv("XDG_CACHE_HOME");
    const char *home = getenv("HOME");
    char buf[4096];
    if (xdg && *xdg)
        snprintf(buf, sizeof buf, "%s/modelfit", xdg);
    else if (home && *home)
        snprintf(buf, sizeof buf, "%s/.cache/modelfit", home);
    else /* one per user: kernel_cache.c refuses a directory of another */
        snprintf(buf, sizeof buf, "/tmp/modelfit-cache-%ld", (long)geteuid());
    return strdup(buf);
}

mf_status mf_context_new(mf_context **out, mf_error *err)
{
    if (!out)
        return mf_error_set(err, MF_ERR_INVALID, "mf_context_new: out is NULL");
    mf_context *ctx = calloc(1, sizeof *ctx);
    /* The default cache directory is filled here, not on first use, so that
     * mf_context_cache_dir only reads and may run on any thread. */
    if (ctx && (!(ctx->log_lock = malloc(sizeof *ctx->log_lock)) ||
                !(ctx->cache_dir = default_cache_dir()))) {
        free(ctx->log_lock);
        free(ctx);
        ctx = NULL;
    }
    if (!ctx)
        return mf_error_set(err, MF_ERR_NOMEM, "out of memory creating a context");
    /* Nestable: a log callback that calls back into the library, which
     * logs again on the same thread, must not deadlock. */
    omp_init_nest_lock(&ctx->log_lock->lock);
    ctx->log_max = MF_LOG_INFO;
    *out = ctx;
    return MF_OK;
}

void mf_context_free(mf_context *ctx)
{
    if (!ctx)
        return;
    mf_registry_free(ctx->registry);
    free(ctx->cache_dir);
    omp_destroy_nest_lock(&ctx->log_lock->lock);
    free(ctx->log_lock);
    free(ctx);
}

void mf_context_set_log(mf_context *ctx, mf_log_fn fn, void *user, mf_log_level max_level)
{
    if (!ctx)
        return;
    ctx->log = fn;
    ctx->log_user = user;
    ctx->log_max = max_level;
}

void mf_context_set_threads(mf_context *ctx, int n_threads)
{
    if (ctx)
        ctx->n_threads = n_threads > 0 ? n_threads : 0;
}

int mf_context_threads(const mf_context *ctx)
{
    return ctx ? ctx->n_threads : 0;
}

mf_status mf_context_set_cache_dir(mf_context *ctx, const char *dir, mf_error *err)
{
    if (!ctx)
        return mf_error_set(err, MF_ERR_INVALID, "mf_context_set_cache_dir: ctx is NULL");
    char *copy = dir ? strdup(dir) : default_cache_dir();
    if (!copy)
        return mf_error_nomem(err, "the cache directory's name", dir ? strlen(dir) + 1 : 4096);
    free(ctx->cache_dir);
    ctx->cache_dir = copy;
    return MF_OK;
}

const char *mf_context_cache_dir(const mf_context *ctx)
{
    if (!ctx)
        return NULL;
    return ctx->cache_dir;
}

void mf_log(const mf_context *ctx, mf_log_level level, const char *fmt, ...)
{
    if (!ctx || !ctx->log || level > ctx->log_max)
        return;
    char line[2048];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(line, sizeof line, fmt, ap);
    va_end(ap);
    omp_set_nest_lock(&ctx->log_lock->lock);
    ctx->log(ctx->log_user, level, line);
    omp_unset_nest_lock(&ctx->log_lock->lock);
}

/* Which backend runs a user's model: the context's choice, else
 * $MODELFIT_BACKEND, else native. Every engine made for a simulation or a
 * fit takes its options from mf_engine_options_for(), so this file is the
 * one place where the choice is made. */
#include "context.h"
#include "engine.h"

#include <stdlib.h>
#include <string.h>

/* ctx->backend holds an index into this table; 0 is the default. */
enum { CHOICE_AUTO, CHOICE_NATIVE, CHOICE_INTERP };
static const char *const choice_names[] = {"auto", "native", "interp"};

/* -1 when the name is none of the choices. */
static int choice_of(const char *name)
{
    if (!name)
        return -1;
    if (strcmp(name, "interpreter") == 0)
        return CHOICE_INTERP;
    for (int i = 0; i < (int)(sizeof choice_names / sizeof *choice_names); i++)
        if (strcmp(name, choice_names[i]) == 0)
            return i;
    return -1;
}

mf_status mf_context_set_backend(mf_context *ctx, const char *name, mf_error *err)
{
    if (!ctx)
        return mf_error_set(err, MF_ERR_INVALID, "mf_context_set_backend: ctx is NULL");
    int c = choice_of(name);
    if (c < 0)
        return mf_error_set(err, MF_ERR_INVALID,
                            "unknown backend '%s': expected 'native', 'interp' or 'auto'",
                            name ? name : "(null)");
    ctx->backend = c;
    return MF_OK;
}

const char *mf_context_backend(const mf_context *ctx)
{
    return choice_names[ctx ? ctx->backend : CHOICE_AUTO];
}

/* The environment's choice; a value that is no backend is reported and
 * ignored, so a typo never stops a run. */
static int env_choice(const mf_context *ctx)
{
    const char *env = getenv("MODELFIT_BACKEND");
    if (!env || !*env)
        return CHOICE_AUTO;
    int c = choice_of(env);
    if (c < 0) {
        mf_log(ctx, MF_LOG_WARNING,
               "MODELFIT_BACKEND=%s is neither 'interp' nor 'native': using the default", env);
        return CHOICE_AUTO;
    }
    return c;
}

const mf_backend *mf_backend_default(const mf_context *ctx)
{
    int c = ctx ? ctx->backend : CHOICE_AUTO;
    if (c == CHOICE_AUTO)
        c = env_choice(ctx);
    return c == CHOICE_INTERP ? mf_backend_interp() : mf_backend_native();
}

mf_engine_options mf_engine_options_for(const mf_context *ctx)
{
    return (mf_engine_options){
        .n_threads = mf_context_threads(ctx),
        .backend = mf_backend_default(ctx),
        .ctx = ctx,
    };
}

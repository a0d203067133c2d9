/* The services modelfit offers plugins (the mf_host table) and the host
 * context of each plugin instance. */
#include "plugin.h"

#include "error.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- options ------------------------------------------------------------ */

static const mf_resolved_value *value_of(const mf_host_ctx *hc, const char *name,
                                         uint32_t type_a, uint32_t type_b)
{
    const mf_option_spec *spec;
    const mf_resolved_value *v = hc ? mf_resolved_find(&hc->opts, name, &spec) : NULL;
    if (!v || (spec->type != type_a && spec->type != type_b))
        return NULL;
    return v;
}

static double opt_double(const mf_host_ctx *hc, const char *name)
{
    const mf_resolved_value *v = value_of(hc, name, MF_OPT_DOUBLE, MF_OPT_QUANTITY);
    return v ? v->number : 0.0;
}

static int64_t opt_int(const mf_host_ctx *hc, const char *name)
{
    const mf_resolved_value *v = value_of(hc, name, MF_OPT_INT, MF_OPT_INT);
    return v ? v->integer : 0;
}

static int opt_bool(const mf_host_ctx *hc, const char *name)
{
    const mf_resolved_value *v = value_of(hc, name, MF_OPT_BOOL, MF_OPT_BOOL);
    return v ? v->integer != 0 : 0;
}

static const char *opt_string(const mf_host_ctx *hc, const char *name)
{
    const mf_resolved_value *v = value_of(hc, name, MF_OPT_STRING, MF_OPT_STRING);
    return v ? v->text : NULL;
}

static const double *opt_array(const mf_host_ctx *hc, const char *name, size_t *n)
{
    const mf_resolved_value *v = value_of(hc, name, MF_OPT_DOUBLE_ARRAY, MF_OPT_DOUBLE_ARRAY);
    if (n)
        *n = v ? v->n : 0;
    return v ? v->array : NULL;
}

static int opt_given(const mf_host_ctx *hc, const char *name)
{
    const mf_resolved_value *v = hc ? mf_resolved_find(&hc->opts, name, NULL) : NULL;
    return v && v->given;
}

/* ---- random numbers ----------------------------------------------------- */

static uint64_t rng_u64(mf_host_ctx *hc)
{
    return mf_rng_next(&hc->rng);
}

static double rng_uniform(mf_host_ctx *hc)
{
    return mf_rng_uniform(&hc->rng);
}

static double rng_normal(mf_host_ctx *hc)
{
    return mf_rng_normal(&hc->rng);
}

static uint64_t rng_below(mf_host_ctx *hc, uint64_t n)
{
    return mf_rng_below(&hc->rng, n);
}

/* ---- logging and errors -------------------------------------------------- */

static void host_log(const mf_host_ctx *hc, int level, const char *fmt, ...) MF_PRINTF(3, 4);

static void host_log(const mf_host_ctx *hc, int level, const char *fmt, ...)
{
    if (!hc || !fmt)
        return;
    char line[1024];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(line, sizeof line, fmt, ap);
    va_end(ap);
    if (level < MF_LOG_ERROR)
        level = MF_LOG_ERROR;
    if (level > MF_LOG_DEBUG)
        level = MF_LOG_DEBUG;
    char owner[160];
    mf_plugin_owner(hc->info, owner, sizeof owner);
    /* Metric callbacks may log from several threads: mf_log serialises. */
    mf_log(hc->ctx, (mf_log_level)level, "%s: %s", owner, line);
}

static void set_error(mf_plugin_err *err, const char *fmt, ...) MF_PRINTF(2, 3);

static void set_error(mf_plugin_err *err, const char *fmt, ...)
{
    if (!err || !fmt)
        return;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err->message, sizeof err->message, fmt, ap);
    va_end(ap);
    err->set = true;
}

static const mf_host host_table = {
    .abi_version = MF_PLUGIN_ABI_VERSION,
    .struct_size = sizeof(mf_host),
    .opt_double = opt_double,
    .opt_int = opt_int,
    .opt_bool = opt_bool,
    .opt_string = opt_string,
    .opt_array = opt_array,
    .opt_given = opt_given,
    .rng_u64 = rng_u64,
    .rng_uniform = rng_uniform,
    .rng_normal = rng_normal,
    .rng_below = rng_below,
    .log = host_log,
    .set_error = set_error,
};

const mf_host *mf_host_table(void)
{
    return &host_table;
}

/* ---- instance plumbing -------------------------------------------------- */

char *mf_plugin_owner(const mf_plugin_info *info, char *buf, size_t n)
{
    if (!info)
        snprintf(buf, n, "plugin");
    else
        snprintf(buf, n, "%s '%s'", mf_plugin_kind_name(info->desc.kind), info->desc.name);
    return buf;
}

mf_status mf_plugin_fail(mf_error *err, const mf_plugin_info *info, const char *callback,
                         int result, const mf_plugin_err *perr)
{
    char owner[160];
    mf_plugin_owner(info, owner, sizeof owner);
    const char *msg = perr && perr->set ? perr->message : NULL;
    if (result == MF_PLUGIN_EXHAUSTED)
        return mf_error_set(err, MF_ERR_STOPPED, "%s has no points left: %s", owner,
                            msg ? msg : "the search is finished");
    return mf_error_set(err, MF_ERR_PLUGIN, "%s (%s): %s failed: %s", owner,
                        info ? info->file : "?", callback,
                        msg ? msg : "(the plugin gave no message)");
}

mf_status mf_host_ctx_init(mf_host_ctx *hc, const mf_context *ctx, const mf_plugin_info *info,
                           const mf_options *opts, const mf_option_spec *extra, size_t n_extra,
                           mf_error *err)
{
    memset(hc, 0, sizeof *hc);
    hc->info = info;
    hc->ctx = ctx;
    size_t n_own = info->desc.n_options, n = n_own + n_extra;
    if (n > 0) {
        hc->specs = malloc(n * sizeof *hc->specs);
        if (!hc->specs)
            return mf_error_nomem(err, "a plugin's option table", n * sizeof *hc->specs);
        if (n_own)
            memcpy(hc->specs, info->specs, n_own * sizeof *hc->specs);
        if (n_extra)
            memcpy(hc->specs + n_own, extra, n_extra * sizeof *hc->specs);
    }
    char owner[160];
    mf_plugin_owner(info, owner, sizeof owner);
    mf_status st = mf_options_resolve(opts, hc->specs, n, owner, &hc->opts, err);
    if (st) {
        free(hc->specs);
        hc->specs = NULL;
        return st;
    }
    const mf_resolved_value *seed = mf_resolved_find(&hc->opts, "seed", NULL);
    mf_rng_seed(&hc->rng, seed ? (uint64_t)seed->integer : 0);
    return MF_OK;
}

void mf_host_ctx_clear(mf_host_ctx *hc)
{
    if (!hc)
        return;
    mf_resolved_options_clear(&hc->opts);
    free(hc->specs);
    memset(hc, 0, sizeof *hc);
}

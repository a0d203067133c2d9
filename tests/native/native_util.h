/* Helpers of the native backend tests: a temporary kernel cache, a context
 * that keeps its log lines, and a run of a model by a given backend that
 * records every state variable (the models: common/model_util.h). */
#ifndef MF_TEST_NATIVE_UTIL_H
#define MF_TEST_NATIVE_UTIL_H

#include "common/model_util.h"
#include "context.h"
#include "kernel_cache.h"

#include <dirent.h>
#include <sys/stat.h>
#include <unistd.h>

/* Whether a C compiler runs here ($CC or cc): tests that compile kernels
 * skip (visibly) without one. */
static inline bool nu_have_cc(void)
{
    mf_cc cc;
    mf_error err;
    if (mf_cc_find(&cc, &err) != MF_OK) {
        printf("no compiler: %s\n", err.message);
        return false;
    }
    mf_cc_clear(&cc);
    return true;
}

/* --- a context with a temporary cache and its log -------------------------- */

typedef struct nu_env {
    mf_context *ctx;
    char dir[512];
    char log[16384];
    int n_lines;
} nu_env;

static inline void nu_log(void *user, mf_log_level level, const char *msg)
{
    nu_env *e = user;
    (void)level;
    size_t len = strlen(e->log);
    snprintf(e->log + len, sizeof e->log - len, "%s\n", msg);
    e->n_lines++;
    printf("  log: %s\n", msg);
}

/* Occurrences of s in the log. */
static inline int nu_log_count(const nu_env *e, const char *s)
{
    int n = 0;
    for (const char *p = strstr(e->log, s); p; p = strstr(p + 1, s))
        n++;
    return n;
}

static inline void nu_log_clear(nu_env *e)
{
    e->log[0] = '\0';
    e->n_lines = 0;
}

static inline nu_env *nu_env_new(void)
{
    nu_env *e = calloc(1, sizeof *e);
    snprintf(e->dir, sizeof e->dir, "%s/native-cache-XXXXXX", MF_TEST_BINARY_DIR);
    if (!e || !mkdtemp(e->dir)) {
        free(e);
        return NULL;
    }
    mf_error err;
    if (mf_context_new(&e->ctx, &err) != MF_OK ||
        mf_context_set_cache_dir(e->ctx, e->dir, &err) != MF_OK) {
        free(e);
        return NULL;
    }
    mf_context_set_log(e->ctx, nu_log, e, MF_LOG_DEBUG);
    return e;
}

/* The path of the n-th file in <dir>/kernels ending in `suffix` (sorted by
 * nothing: tests hold one kernel per cache), or -1 when absent; returns the
 * number of such files. */
static inline int nu_kernel_files(const nu_env *e, const char *suffix, char *path, size_t n)
{
    char kd[600];
    snprintf(kd, sizeof kd, "%s/kernels", e->dir);
    DIR *d = opendir(kd);
    if (!d)
        return 0;
    int count = 0;
    struct dirent *de;
    size_t sl = strlen(suffix);
    while ((de = readdir(d))) {
        size_t l = strlen(de->d_name);
        if (l > sl && strcmp(de->d_name + l - sl, suffix) == 0) {
            if (path && count == 0)
                snprintf(path, n, "%s/%s", kd, de->d_name);
            count++;
        }
    }
    closedir(d);
    return count;
}

static inline void nu_rmdir_files(const char *dir)
{
    DIR *d = opendir(dir);
    if (!d)
        return;
    struct dirent *de;
    char p[1200];
    while ((de = readdir(d))) {
        if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
            continue;
        snprintf(p, sizeof p, "%s/%s", dir, de->d_name);
        unlink(p);
    }
    closedir(d);
    rmdir(dir);
}

static inline void nu_env_free(nu_env *e)
{
    if (!e)
        return;
    char kd[600];
    snprintf(kd, sizeof kd, "%s/kernels", e->dir);
    nu_rmdir_files(kd);
    rmdir(e->dir);
    mf_context_free(e->ctx);
    free(e);
}

/* --- runs ------------------------------------------------------------------------ */

typedef struct nu_result {
    double *trace; /* n_var x n_lanes x n_steps: every variable recorded */
    mf_spike_list *spikes;
    long n_lanes, n_steps;
    int n_var;
} nu_result;

static inline void nu_result_free(nu_result *r)
{
    free(r->trace);
    mf_spike_lists_free(r->spikes, r->n_lanes);
    memset(r, 0, sizeof *r);
}

/* Runs m with backend `be` (and context ctx) for n_lanes lanes of n_traces
 * input traces I (n_traces x n_steps), parameters from `values` (per model
 * variable, one row per parameter set); records every variable. */
static inline mf_status nu_run(const mf_model *m, const mf_backend *be, mf_context *ctx,
                               double dt, const double *I, int n_traces, long n_lanes,
                               long n_steps, const double *const *values, nu_result *out,
                               mf_error *err)
{
    memset(out, 0, sizeof *out);
    mf_engine_options opt = {.backend = be, .ctx = ctx};
    mf_engine *e = NULL;
    mf_status rc = mf_engine_new(m, dt, &opt, &e, err);
    if (rc != MF_OK)
        return rc;
    int nv = m->n_var;
    out->n_var = nv;
    out->n_lanes = n_lanes;
    out->n_steps = n_steps;
    out->trace = calloc((size_t)nv * (size_t)n_lanes * (size_t)n_steps, sizeof(double));
    out->spikes = calloc((size_t)n_lanes, sizeof *out->spikes);
    int *rec = calloc((size_t)nv, sizeof *rec);
    double **outs = calloc((size_t)nv, sizeof *outs);
    for (int v = 0; v < nv; v++) {
        rec[v] = v;
        outs[v] = out->trace + (size_t)v * (size_t)n_lanes * (size_t)n_steps;
    }
    const double *in[1] = {I};
    mf_run run = {.n_lanes = n_lanes,
                  .n_traces = n_traces,
                  .n_steps = n_steps,
                  .inputs = m->n_inputs ? in : NULL,
                  .values = values,
                  .rec_vars = rec,
                  .n_rec = nv,
                  .rec_out = outs,
                  .spikes = out->spikes};
    rc = mf_engine_run(e, &run, err);
    free(rec);
    free(outs);
    mf_engine_free(e);
    return rc;
}

/* The largest relative difference |a - b| / max(|a|, |b|) over two runs
 * (0 where both are 0; NaN on one side only counts as infinite). */
static inline double nu_max_rel(const nu_result *a, const nu_result *b)
{
    size_t n = (size_t)a->n_var * (size_t)a->n_lanes * (size_t)a->n_steps;
    double worst = 0;
    for (size_t i = 0; i < n; i++) {
        double x = a->trace[i], y = b->trace[i];
        if (x == y || (isnan(x) && isnan(y)))
            continue;
        double d = fabs(x - y) / fmax(fabs(x), fabs(y));
        if (!(d <= worst))
            worst = isnan(d) ? INFINITY : d;
    }
    return worst;
}

/* Per variable: the largest |a - b| over the largest |a| of that variable
 * (a relative error against the trace's scale); the worst variable. */
static inline double nu_max_rel_scaled(const nu_result *a, const nu_result *b, int *worst_var)
{
    size_t per = (size_t)a->n_lanes * (size_t)a->n_steps;
    double worst = 0;
    for (int v = 0; v < a->n_var; v++) {
        const double *x = a->trace + (size_t)v * per, *y = b->trace + (size_t)v * per;
        double scale = 0, d = 0;
        for (size_t i = 0; i < per; i++) {
            scale = fmax(scale, fabs(x[i]));
            double e = fabs(x[i] - y[i]);
            if (!(e <= d))
                d = isnan(e) ? INFINITY : e;
        }
        double r = scale > 0 ? d / scale : d;
        if (r > worst) {
            worst = r;
            if (worst_var)
                *worst_var = v;
        }
    }
    return worst;
}

#endif

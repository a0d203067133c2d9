/* mf_fitter_fit: the round loop (ask -> evaluate -> tell), the best so far,
 * and the contract that the optimizer, the metrics and the bounds stay
 * fixed between calls unless the caller restarts (DESIGN.md section 1).
 * Every check runs before anything of the fitter changes, so a refused call
 * leaves the fitter as it was. */
#include "fitter.h"
#include "fitter_dist.h"
#include "fitter_guard.h"

#include <limits.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

/* --- bounds -------------------------------------------------------------------- */

static int param_index(const mf_fitter *f, const char *name)
{
    for (int p = 0; p < f->n_params; p++)
        if (strcmp(mf_fitter_param_name(f, p), name) == 0)
            return p;
    return -1;
}

static void list_params(const mf_fitter *f, char *buf, size_t n)
{
    size_t used = 0;
    buf[0] = '\0';
    for (int p = 0; p < f->n_params && used < n; p++)
        used += (size_t)snprintf(buf + used, n - used, "%s%s", p ? ", " : "",
                                 mf_fitter_param_name(f, p));
}

/* names/lo/hi -> plo/phi per parameter, with every check the issue lists. */
static mf_status resolve_bounds(const mf_fitter *f, int n_bounds, const char *const *names,
                                const double *lo, const double *hi, double *plo, double *phi,
                                mf_error *err)
{
    char list[512];
    if (!names || !lo || !hi)
        return mf_error_set(err, MF_ERR_INVALID, "bounds need names, lows and highs");
    for (int p = 0; p < f->n_params; p++)
        plo[p] = phi[p] = NAN;
    for (int b = 0; b < n_bounds; b++) {
        int p = names[b] ? param_index(f, names[b]) : -1;
        if (p < 0) {
            list_params(f, list, sizeof list);
            return mf_error_set(err, MF_ERR_NAME,
                                "bounds are given for '%s', which is not a parameter of the "
                                "model (its parameters: %s)",
                                names[b] ? names[b] : "(null)", list);
        }
        if (!isnan(plo[p]))
            return mf_error_set(err, MF_ERR_INVALID, "the bounds of '%s' are given twice",
                                names[b]);
        if (!isfinite(lo[b]) || !isfinite(hi[b]) || !(lo[b] < hi[b]))
            return mf_error_set(err, MF_ERR_INVALID,
                                "the bounds of '%s' must be finite with lo < hi, not [%g, %g]",
                                names[b], lo[b], hi[b]);
        plo[p] = lo[b];
        phi[p] = hi[b];
    }
    for (int p = 0; p < f->n_params; p++)
        if (isnan(plo[p]))
            return mf_error_set(err, MF_ERR_INVALID,
                                "the parameter '%s' has no bounds: every parameter "
                                "`p : unit (constant)` of the model is fitted",
                                mf_fitter_param_name(f, p));
    return MF_OK;
}

/* --- what may not change without a restart --------------------------------------- */

static mf_status check_fixed(const mf_fitter *f, const mf_optimizer *opt,
                             mf_metric *const *metrics, const double *plo, const double *phi,
                             mf_error *err)
{
    if (opt && opt != f->opt && mf_optimizer_plugin(opt) == mf_optimizer_plugin(f->opt))
        return mf_error_set(err, MF_ERR_INVALID,
                            "the optimizer cannot change between fits: this is a different "
                            "optimizer instance (same plugin '%s'): pass the same instance "
                            "to continue, or restart = true to start over with this one",
                            mf_optimizer_name(opt));
    if (opt && opt != f->opt)
        return mf_error_set(err, MF_ERR_INVALID,
                            "the optimizer cannot change between fits (it was '%s', now "
                            "'%s'): pass the same instance to continue, or restart = true "
                            "to start over with another",
                            mf_optimizer_name(f->opt), mf_optimizer_name(opt));
    for (int i = 0; metrics && i < f->n_metrics; i++)
        if (metrics[i] && metrics[i] != f->metrics[i].metric)
            return mf_error_set(err, MF_ERR_INVALID,
                                "the metric of output '%s' cannot change between fits (it was "
                                "'%s', now another '%s' instance): pass restart to start over "
                                "with another",
                                mf_fitter_output_name(f, i),
                                mf_metric_name(f->metrics[i].metric),
                                mf_metric_name(metrics[i]));
    for (int p = 0; plo && p < f->n_params; p++)
        if (plo[p] != f->lo[p] || phi[p] != f->hi[p])
            return mf_error_set(err, MF_ERR_INVALID,
                                "the bounds of '%s' cannot change between fits (they were "
                                "[%g, %g], now [%g, %g]): pass restart to start over with them",
                                mf_fitter_param_name(f, p), f->lo[p], f->hi[p], plo[p], phi[p]);
    return MF_OK;
}

/* --- metrics --------------------------------------------------------------------- */

static void metrics_free(fit_metric *m, int n)
{
    for (int i = 0; m && i < n; i++) {
        mf_metric_free(m[i].owned);
        free(m[i].coef);
    }
    free(m);
}

static mf_status default_metric(mf_fitter *f, fit_metric *fm, mf_error *err)
{
    if (f->kind != MF_FITTER_SPIKES)
        return mf_metric_new(f->ctx, "mse", NULL, &fm->owned, err);
    /* brian2modelfitting's SpikeFitter default: GammaFactor(delta=2*ms). */
    mf_options *o;
    mf_status rc = mf_options_new(&o, err);
    const double second[MF_N_BASE_UNITS] = {0, 0, 1, 0, 0, 0, 0};
    if (rc == MF_OK)
        rc = mf_options_set_quantity(o, "delta", 2e-3, second, err);
    if (rc == MF_OK)
        rc = mf_metric_new(f->ctx, "gamma", o, &fm->owned, err);
    mf_options_free(o);
    return rc;
}

/* The metric for output i: given, else the previous one, else a default. */
static mf_status pick_metric(mf_fitter *f, mf_metric *const *given, int i, fit_metric *fm,
                             mf_error *err)
{
    if (given && given[i]) {
        fm->metric = given[i];
        return MF_OK;
    }
    if (f->metrics) {
        fm->metric = f->metrics[i].metric;
        return MF_OK;
    }
    mf_status rc = default_metric(f, fm, err);
    fm->metric = fm->owned;
    return rc;
}

static mf_status check_metric(const mf_fitter *f, const fit_metric *all, int i, mf_error *err)
{
    const mf_metric *m = all[i].metric;
    const char *out = mf_fitter_output_name(f, i);
    uint32_t want = f->kind == MF_FITTER_SPIKES ? MF_METRIC_SPIKES : MF_METRIC_TRACES;
    if (mf_metric_kind(m) != want)
        return mf_error_set(err, MF_ERR_INVALID,
                            "metric '%s' compares %s, but the %s fitter needs a metric of %s "
                            "(e.g. %s)",
                            mf_metric_name(m),
                            mf_metric_kind(m) == MF_METRIC_SPIKES ? "spike trains" : "traces",
                            f->kind == MF_FITTER_SPIKES ? "spike" : "trace",
                            want == MF_METRIC_SPIKES ? "spike trains" : "traces",
                            want == MF_METRIC_SPIKES ? "gamma" : "mse");
    if (f->kind == MF_FITTER_ONLINE && mf_metric_online_size(m) == 0)
        return mf_error_set(err, MF_ERR_INVALID,
                            "metric '%s' has no online form, which the online trace fitter "
                            "needs (mse has one)",
                            mf_metric_name(m));
    for (int j = 0; j < i; j++)
        if (all[j].metric == m)
            return mf_error_set(
                err, MF_ERR_INVALID,
                "outputs '%s' and '%s' are given the same metric instance: give "
                "each output its own (a metric holds its output's targets)",
                mf_fitter_output_name(f, j), out);
    return MF_OK;
}

/* A metric that describes itself as a weighted sum of squares (plugin ABI
 * 1.1): coef = weights / N^2, raw = normalized * N^2, and the unit of N
 * (the option's: 1*mV for volts makes the error dimensionless, a plain
 * number keeps volt^2). Other metrics: no coef, raw = normalized. */
static mf_status read_weights(const mf_fitter *f, fit_metric *fm, mf_dim *n_dim, mf_error *err)
{
    *n_dim = mf_dim_none();
    fm->raw_scale = 1;
    if (f->kind == MF_FITTER_SPIKES || !mf_metric_has_weights(fm->metric))
        return MF_OK;
    if (!(fm->coef = malloc((size_t)f->n_steps * sizeof *fm->coef)))
        return mf_error_nomem(err, "a metric's weights", (size_t)f->n_steps * sizeof *fm->coef);
    mf_status rc = mf_metric_weights(fm->metric, fm->coef, err);
    if (rc != MF_OK)
        return rc;
    double n, dims[MF_N_BASE_UNITS];
    mf_metric_normalization(fm->metric, &n, dims);
    for (long s = 0; s < f->n_steps; s++)
        fm->coef[s] /= n * n;
    fm->raw_scale = n * n;
    for (int k = 0; k < MF_NDIM; k++)
        n_dim->e[k] = dims[k];
    return MF_OK;
}

/* Prepares the metric for output i; its error's unit is the output's to
 * the metric's power, divided by its normalization's to the same power. */
static mf_status prepare_metric(const mf_fitter *f, fit_metric *fm, int i, mf_error *err)
{
    mf_status rc;
    if (f->kind == MF_FITTER_SPIKES)
        rc = mf_metric_prepare_spikes(
            fm->metric, f->dt, (uint32_t)f->n_traces, (uint32_t)f->n_steps,
            (const double *const *)f->spec->trains, f->spec->train_len, err);
    else
        rc = mf_metric_prepare_traces(fm->metric, f->dt, (uint32_t)f->n_traces,
                                      (uint32_t)f->n_steps, f->out[i].target, err);
    mf_dim n_dim;
    if (rc == MF_OK)
        rc = read_weights(f, fm, &n_dim, err);
    if (rc != MF_OK) {
        mf_error_prefix(err, "output %s", mf_fitter_output_name(f, i));
        return rc;
    }
    fm->power = mf_metric_error_power(fm->metric);
    mf_dim out = f->kind == MF_FITTER_SPIKES ? mf_dim_none() : f->out[i].dim;
    fm->raw_dim = mf_dim_pow(out, fm->power);
    fm->norm_dim = mf_dim_div(fm->raw_dim, mf_dim_pow(n_dim, fm->power));
    return MF_OK;
}

static mf_status check_units(const mf_fitter *f, const fit_metric *m, int n, mf_error *err)
{
    char a[64], b[64];
    for (int i = 1; i < n; i++)
        if (!mf_dim_eq(m[i].norm_dim, m[0].norm_dim))
            return mf_error_set(
                err, MF_ERR_UNITS,
                "the errors of outputs '%s' (%s) and '%s' (%s) have different "
                "units and cannot be added: give one a normalization in its "
                "unit (e.g. normalization = 1*mV)",
                mf_fitter_output_name(f, 0), mf_dim_format(m[0].norm_dim, a, 64),
                mf_fitter_output_name(f, i), mf_dim_format(m[i].norm_dim, b, 64));
    if (f->has_penalty && !mf_dim_eq(f->penalty_dim, m[0].norm_dim))
        return mf_error_set(err, MF_ERR_UNITS,
                            "the penalty '%s' has unit %s but the error has unit %s: they must "
                            "be the same",
                            f->spec->penalty, mf_dim_format(f->penalty_dim, a, 64),
                            mf_dim_format(m[0].norm_dim, b, 64));
    return MF_OK;
}

static mf_status setup_metrics(mf_fitter *f, mf_metric *const *given, fit_metric **out,
                               mf_error *err)
{
    int n = mf_fitter_n_outputs(f);
    fit_metric *m = calloc((size_t)n, sizeof *m);
    if (!m)
        return mf_error_nomem(err, "the table of metrics", (size_t)n * sizeof *m);
    mf_status rc = MF_OK;
    for (int i = 0; i < n && rc == MF_OK; i++) {
        rc = pick_metric(f, given, i, &m[i], err);
        if (rc == MF_OK)
            rc = check_metric(f, m, i, err);
        if (rc == MF_OK)
            rc = prepare_metric(f, &m[i], i, err);
    }
    if (rc == MF_OK)
        rc = check_units(f, m, n, err);
    if (rc != MF_OK) {
        metrics_free(m, n);
        return rc;
    }
    *out = m;
    return MF_OK;
}

/* Installs new metrics; a default the old set owned moves over when reused. */
static void commit_metrics(mf_fitter *f, fit_metric *m)
{
    int n = mf_fitter_n_outputs(f);
    for (int i = 0; f->metrics && i < n; i++)
        if (f->metrics[i].owned && f->metrics[i].owned == m[i].metric) {
            m[i].owned = f->metrics[i].owned;
            f->metrics[i].owned = NULL;
        }
    metrics_free(f->metrics, f->n_metrics);
    f->metrics = m;
    f->n_metrics = n;
    f->error_dim = m[0].norm_dim;
}

/* --- one round -------------------------------------------------------------------- */

typedef struct round_bufs {
    double *points, *errors, *norm, *raw;
} round_bufs;

static void stop(mf_fitter *f, const char *why)
{
    f->stopped = true;
    snprintf(f->stop_reason, sizeof f->stop_reason, "%s", why);
    mf_log(f->ctx, MF_LOG_INFO, "fit stopped: %s", why);
}

static mf_status one_round(mf_fitter *f, int index, int n_rounds, mf_fit_callback cb,
                           void *user, round_bufs *b, bool *done, mf_error *err)
{
    int n = f->n_samples;
    mf_status rc = mf_optimizer_ask(f->opt, (uint32_t)n, b->points, err);
    if (rc == MF_ERR_STOPPED) {
        stop(f, err ? err->message : "the optimizer has no points left");
        *done = true;
        return MF_OK;
    }
    if (rc != MF_OK)
        return rc;
    /* A round is atomic: its points enter the history and the optimizer
     * together, or neither does. When the evaluation fails the optimizer
     * is not told: it keeps waiting for these points' errors, and the next
     * fit's ask gets the same points again (mf_optimizer_ask), so that fit
     * redoes this round; a checkpoint holds the rounds before it. */
    rc = f->evaluate(f, n, b->points, (double)f->next_iteration, b->errors, b->norm, b->raw,
                     err);
    if (rc != MF_OK)
        return rc;
    if (mf_fit_history_append(&f->hist, f->n_params, f->n_metrics, n, b->points, b->errors,
                              b->norm, b->raw, f->rounds) != MF_OK)
        return mf_error_set(err, MF_ERR_NOMEM,
                            "out of memory keeping round %d's %d points in the history "
                            "(%ld rows so far): the history holds the rounds before it",
                            mf_round_number(f->rounds), n, f->hist.n);
    rc = mf_optimizer_tell(f->opt, (uint32_t)n, b->points, b->errors, err);
    if (rc != MF_OK) {
        f->hist.n -= n; /* not told: not in the history either */
        return rc;
    }
    f->best = mf_fit_history_best(&f->hist, f->hist.n - n, f->best);
    f->last_iteration = f->next_iteration++;
    f->rounds++;
    rc = mf_fit_guard_round(f, n, b->errors, err); /* checkpoint, history file */
    if (rc != MF_OK)
        return rc;
    const double *best =
        f->best >= 0 ? f->hist.points + (size_t)f->best * (size_t)f->n_params : NULL;
    double best_error = f->best >= 0 ? f->hist.errors[f->best] : NAN;
    if (cb && cb(user, f, index, n_rounds, best, best_error, n, b->points, b->errors)) {
        char why[64];
        snprintf(why, sizeof why, "the callback stopped the fit after round %d",
                 mf_round_number(index));
        stop(f, why);
        *done = true;
    }
    return mf_fit_guard_after(f, done, err); /* stop requests, all lanes NaN */
}

static mf_status run_rounds(mf_fitter *f, int first, int n_rounds, mf_fit_callback cb,
                            void *user, mf_error *err)
{
    size_t n = (size_t)f->n_samples;
    round_bufs b = {
        malloc(n * (size_t)f->n_params * sizeof(double)),
        malloc(n * sizeof(double)),
        malloc(n * (size_t)f->n_metrics * sizeof(double)),
        malloc(n * (size_t)f->n_metrics * sizeof(double)),
    };
    mf_status rc =
        b.points && b.errors && b.norm && b.raw
            ? MF_OK
            : mf_error_nomem(err, "a round's points and errors",
                             n * ((size_t)f->n_params + 1 + 2 * (size_t)f->n_metrics) *
                                 sizeof(double));
    bool done = false;
    for (int r = first; r < n_rounds && rc == MF_OK && !done; r++)
        rc = one_round(f, r, n_rounds, cb, user, &b, &done, err);
    free(b.points);
    free(b.errors);
    free(b.norm);
    free(b.raw);
    return rc;
}

/* --- mf_fitter_fit ------------------------------------------------------------------- */

static void restart_state(mf_fitter *f, long start_iteration)
{
    mf_fit_history_clear(&f->hist);
    f->best = -1;
    f->rounds = 0;
    f->next_iteration = start_iteration >= 0 ? start_iteration : 0;
    f->started = true;
}

/* Everything checked and made before the fitter changes. */
typedef struct fit_plan {
    bool fresh; /* first fit or restart */
    mf_optimizer *opt;
    double *lo, *hi;
    fit_metric *metrics;
} fit_plan;

static void plan_free(fit_plan *p, int n_metrics)
{
    free(p->lo);
    free(p->hi);
    metrics_free(p->metrics, n_metrics);
}

static mf_status make_plan(mf_fitter *f, fit_plan *p, mf_optimizer *opt,
                           mf_metric *const *metrics, int n_bounds, const char *const *names,
                           const double *lo, const double *hi, mf_error *err)
{
    p->lo = malloc(((size_t)f->n_params + 1) * sizeof *p->lo);
    p->hi = malloc(((size_t)f->n_params + 1) * sizeof *p->hi);
    if (!p->lo || !p->hi)
        return mf_error_nomem(err, "the bounds", 2 * ((size_t)f->n_params + 1) * sizeof *p->lo);
    mf_status rc = MF_OK;
    if (n_bounds > 0)
        rc = resolve_bounds(f, n_bounds, names, lo, hi, p->lo, p->hi, err);
    else if (f->lo) {
        memcpy(p->lo, f->lo, (size_t)f->n_params * sizeof *p->lo);
        memcpy(p->hi, f->hi, (size_t)f->n_params * sizeof *p->hi);
    } else
        rc = mf_error_set(err, MF_ERR_INVALID,
                          "no bounds: the first fit needs bounds for every parameter");
    if (rc == MF_OK && !p->fresh)
        rc = check_fixed(f, opt, metrics, n_bounds > 0 ? p->lo : NULL, p->hi, err);
    p->opt = opt ? opt : f->opt;
    if (rc == MF_OK && !p->opt)
        rc = mf_error_set(err, MF_ERR_INVALID, "no optimizer: the first fit needs one");
    if (rc == MF_OK)
        rc = setup_metrics(f, metrics, &p->metrics, err);
    return rc;
}

mf_status mf_fitter_fit(mf_fitter *f, mf_optimizer *opt, mf_metric *const *metrics,
                        int n_rounds, int n_bounds, const char *const *names, const double *lo,
                        const double *hi, mf_fit_callback cb, void *user, bool restart,
                        long start_iteration, mf_error *err)
{
    if (!f)
        return mf_error_set(err, MF_ERR_INVALID, "mf_fitter_fit: no fitter");
    /* The model's `iteration` counts on from here; it must not overflow. */
    long from = start_iteration >= 0     ? start_iteration
                : restart || !f->started ? 0
                                         : f->next_iteration;
    if (n_rounds > 0 && from > LONG_MAX - n_rounds)
        return mf_error_set(err, MF_ERR_INVALID,
                            "start_iteration %ld with %d rounds would pass the largest "
                            "iteration number, %ld",
                            from, n_rounds, LONG_MAX);
    /* Over a process group (MPI), every process comes here (distribute.c). */
    if (mf_fit_dist_wanted(f))
        return mf_fit_dist_fit(f, opt, metrics, n_rounds, n_bounds, names, lo, hi, cb, user,
                               restart, start_iteration, err);
    if (n_rounds < 0 || n_bounds < 0)
        return mf_error_set(err, MF_ERR_INVALID, "n_rounds and n_bounds must be >= 0");
    fit_plan p = {.fresh = restart || !f->started};
    int n_m = mf_fitter_n_outputs(f);
    mf_status rc = make_plan(f, &p, opt, metrics, n_bounds, names, lo, hi, err);
    if (rc == MF_OK)
        rc = mf_fit_guard_prepare(f, p.opt, p.metrics, n_m, p.lo, p.hi, err);
    if (rc == MF_OK && p.fresh)
        rc = mf_fitter_start_optimizer(f, p.opt, p.lo, p.hi, err);
    if (rc != MF_OK) {
        plan_free(&p, n_m);
        return rc;
    }
    f->opt = p.opt;
    commit_metrics(f, p.metrics);
    free(f->lo);
    free(f->hi);
    f->lo = p.lo;
    f->hi = p.hi;
    f->stopped = false;
    if (p.fresh)
        restart_state(f, start_iteration);
    else if (start_iteration >= 0)
        f->next_iteration = start_iteration;
    int first;
    rc = mf_fit_guard_begin(f, n_rounds, &first, err); /* resume, history file */
    if (rc == MF_OK)
        rc = run_rounds(f, first, n_rounds, cb, user, err);
    return mf_fit_guard_end(f, rc, err);
}

mf_status mf_fitter_best(const mf_fitter *f, double *params, double *error, mf_error *err)
{
    if (!f)
        return mf_error_set(err, MF_ERR_INVALID, "mf_fitter_best: no fitter");
    if (f->best < 0)
        return mf_error_set(err, MF_ERR_INVALID,
                            "no best parameters yet: no finite error since the last (re)start");
    if (params)
        memcpy(params, f->hist.points + (size_t)f->best * (size_t)f->n_params,
               (size_t)f->n_params * sizeof *params);
    if (error)
        *error = f->hist.errors[f->best];
    return MF_OK;
}

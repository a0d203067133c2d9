/* mf_fitter_refine: a local least-squares finish with GSL's
 * gsl_multifit_nlinear (trust region with Levenberg-Marquardt steps).
 *
 * The objective is the fit's own error. Each output's metric describes
 * itself as a weighted sum of squares (plugin ABI 1.1 metric_weights,
 * read in fitter_fit.c), error = mean over traces of sum_s c_s d_s^2 with
 * c = weights / N^2, so residual (output o, trace k, step s) is
 * sqrt(c_s / n_traces) * (model - target): their sum of squares is the sum
 * of the outputs' metric errors, t_start, t_weights and normalization
 * included. (brian2modelfitting's refine minimises the plain sum of squared
 * differences, a different objective from its fit's.) A penalty, which must
 * then be >= 0, adds the residual sqrt(mean penalty).
 *
 * Bounds: x = lo + (hi - lo)(1 + sin u)/2 (MINUIT's transform), so the
 * solver works on an unbounded u whose scale is the width of the bounds;
 * forward differences in u give the Jacobian, all parameters' perturbations
 * simulated in one batch (one engine run, all threads), or with
 * MF_REFINE_EXACT_GRADIENT the sensitivity equations (refine_sens.c). */
#include "fitter.h"
#include "integrate_gsl.h"

#include <gsl/gsl_blas.h>
#include <gsl/gsl_errno.h>
#include <gsl/gsl_multifit_nlinear.h>

#include <math.h>
#include <stdlib.h>
#include <string.h>

enum { DEFAULT_MAX_ITER = 100, REFINE_BLOCK = 8 };
static const double FD_STEP = 3e-7;      /* in u, whose range is pi */
static const double EDGE = 1e-6;         /* keeps the start off the bounds */
static const double BAD_RESIDUAL = 1e30; /* a diverged simulation */

typedef struct refine_ctx {
    mf_fitter *f;
    int d;
    size_t n_res;
    long **kept; /* per output: the steps with c_s > 0, n_kept[o] of them */
    long *n_kept;
    double **w; /* per output: sqrt(c_s / n_traces) for the kept steps */
    double iteration;
    /* Residuals are multiplied by this, making the first cost 1: GSL's
     * gradient test is absolute below a cost of 1, and SI errors are tiny
     * (1e-22 A^2). Constant factors change neither the optimum nor the
     * covariance. */
    double scale;
    double *xs, *errors, *batch, *cache_u, *cache_r;
    bool cached;
    fit_sens *sens;   /* exact gradients: the model with sensitivity equations */
    double *jac;      /* with sens: the Jacobian (n_res x d) at cache_u */
    mf_status status; /* the first failure inside a GSL callback */
    mf_error *err;
} refine_ctx;

static double to_x(const mf_fitter *f, int p, double u)
{
    return f->lo[p] + (f->hi[p] - f->lo[p]) * (1 + sin(u)) / 2;
}

static double to_u(const mf_fitter *f, int p, double x)
{
    double z = (x - f->lo[p]) / (f->hi[p] - f->lo[p]);
    z = z < EDGE ? EDGE : z > 1 - EDGE ? 1 - EDGE : z;
    return asin(2 * z - 1);
}

/* The output residuals of one point from its traces: trace k of output o
 * at traces[o] + (lane0 + k) * n_steps. Returns the next index in r. */
static size_t fill_outputs(const refine_ctx *c, double *const *traces, long lane0, double *r)
{
    const mf_fitter *f = c->f;
    size_t j = 0;
    for (int o = 0; o < f->n_out; o++)
        for (int k = 0; k < f->n_traces; k++) {
            const double *model = traces[o] + (size_t)(lane0 + k) * (size_t)f->n_steps;
            const double *target = f->out[o].target + (size_t)k * (size_t)f->n_steps;
            for (long q = 0; q < c->n_kept[o]; q++) {
                long s = c->kept[o][q];
                double v = c->scale * c->w[o][q] * (model[s] - target[s]);
                r[j++] = isfinite(v) ? v : BAD_RESIDUAL;
            }
        }
    return j;
}

/* The penalty's residual sqrt(mean over the point's lanes). */
static int fill_penalty(refine_ctx *c, long lane0, double *r)
{
    const mf_fitter *f = c->f;
    double sum = 0;
    for (int k = 0; k < f->n_traces; k++)
        sum += f->work.final[lane0 + k];
    double mean = sum / f->n_traces;
    if (mean < 0) {
        c->status = mf_error_set(c->err, MF_ERR_NUMERIC,
                                 "refine: the penalty is negative (%g), so it cannot be a "
                                 "squared residual",
                                 mean);
        return GSL_EFAILED;
    }
    *r = isfinite(mean) ? c->scale * sqrt(mean) : BAD_RESIDUAL;
    return GSL_SUCCESS;
}

/* d x / d u of the bound transform, from x: (hi - lo) sqrt(z (1 - z)). */
static double dx_du(const mf_fitter *f, int p, double x)
{
    double z = (x - f->lo[p]) / (f->hi[p] - f->lo[p]);
    return (f->hi[p] - f->lo[p]) * sqrt(z > 0 && z < 1 ? z * (1 - z) : 0);
}

/* Exact gradients: one run of the sensitivity model gives the residuals
 * and, in c->jac, their Jacobian in u. */
static int residuals_exact(refine_ctx *c, double *r)
{
    mf_fitter *f = c->f;
    fit_sens *s = c->sens;
    mf_status rc = mf_fit_sens_run(f, s, c->xs, c->iteration, c->err);
    if (rc != MF_OK) {
        c->status = rc;
        return GSL_EFAILED;
    }
    fill_outputs(c, s->store, 0, r);
    for (int p = 0; p < c->d; p++) {
        double scale = dx_du(f, p, c->xs[p]);
        size_t i = 0;
        for (int o = 0; o < f->n_out; o++) {
            const double *S = s->store[f->n_out * (1 + p) + o];
            for (int k = 0; k < f->n_traces; k++)
                for (long q = 0; q < c->n_kept[o]; q++, i++) {
                    double v = c->scale * c->w[o][q] *
                               S[(size_t)k * (size_t)f->n_steps + (size_t)c->kept[o][q]] *
                               scale;
                    c->jac[i * (size_t)c->d + (size_t)p] = isfinite(v) ? v : 0;
                }
        }
    }
    return GSL_SUCCESS;
}

/* Residuals of n points (row-major in c->xs) into res (n x n_res). */
static int residuals(refine_ctx *c, int n, double *res)
{
    mf_fitter *f = c->f;
    if (c->sens)
        return residuals_exact(c, res);
    mf_status rc = mf_fitter_evaluate_traces(f, n, c->xs, c->iteration, true, c->errors, NULL,
                                             NULL, c->err);
    if (rc != MF_OK) {
        c->status = rc;
        return GSL_EFAILED;
    }
    for (int i = 0; i < n; i++) {
        double *r = res + (size_t)i * c->n_res;
        long lane0 = (long)i * f->n_traces;
        size_t j = fill_outputs(c, f->work.store, lane0, r);
        if (f->has_penalty && fill_penalty(c, lane0, r + j) != GSL_SUCCESS)
            return GSL_EFAILED;
    }
    return GSL_SUCCESS;
}

static void set_x(refine_ctx *c, int row, const double *u)
{
    for (int p = 0; p < c->d; p++)
        c->xs[(size_t)row * (size_t)c->d + (size_t)p] = to_x(c->f, p, u[p]);
}

static int eval_f(const gsl_vector *u, void *params, gsl_vector *fv)
{
    refine_ctx *c = params;
    set_x(c, 0, u->data);
    int st = residuals(c, 1, c->batch);
    if (st != GSL_SUCCESS)
        return st;
    for (size_t i = 0; i < c->n_res; i++)
        gsl_vector_set(fv, i, c->batch[i]);
    memcpy(c->cache_u, u->data, (size_t)c->d * sizeof(double));
    memcpy(c->cache_r, c->batch, c->n_res * sizeof(double));
    c->cached = true;
    return GSL_SUCCESS;
}

/* Forward differences; the base residuals come from the last eval_f when
 * it was at the same u (GSL evaluates f at a point before its Jacobian). */
static int eval_df(const gsl_vector *u, void *params, gsl_matrix *J)
{
    refine_ctx *c = params;
    bool same = c->cached;
    for (int p = 0; same && p < c->d; p++)
        same = c->cache_u[p] == gsl_vector_get(u, (size_t)p);
    if (!same) {
        gsl_vector *tmp = gsl_vector_alloc(c->n_res);
        int st = tmp ? eval_f(u, params, tmp) : GSL_ENOMEM;
        gsl_vector_free(tmp);
        if (st != GSL_SUCCESS)
            return st;
    }
    if (c->sens) {
        for (size_t i = 0; i < c->n_res; i++)
            for (int j = 0; j < c->d; j++)
                gsl_matrix_set(J, i, (size_t)j, c->jac[i * (size_t)c->d + (size_t)j]);
        return GSL_SUCCESS;
    }
    double *up = malloc((size_t)c->d * sizeof *up);
    if (!up)
        return GSL_ENOMEM;
    for (int j = 0; j < c->d; j++) {
        memcpy(up, u->data, (size_t)c->d * sizeof *up);
        up[j] += FD_STEP;
        set_x(c, j, up);
    }
    free(up);
    int st = residuals(c, c->d, c->batch);
    if (st != GSL_SUCCESS)
        return st;
    for (int j = 0; j < c->d; j++)
        for (size_t i = 0; i < c->n_res; i++)
            gsl_matrix_set(J, i, (size_t)j,
                           (c->batch[(size_t)j * c->n_res + i] - c->cache_r[i]) / FD_STEP);
    return GSL_SUCCESS;
}

/* --- setup ------------------------------------------------------------------- */

static void ctx_free(refine_ctx *c)
{
    for (int o = 0; o < c->f->n_out; o++) {
        if (c->kept)
            free(c->kept[o]);
        if (c->w)
            free(c->w[o]);
    }
    free(c->kept);
    free(c->w);
    free(c->n_kept);
    free(c->xs);
    free(c->errors);
    free(c->batch);
    free(c->cache_u);
    free(c->cache_r);
    free(c->jac);
    mf_fit_sens_free(c->sens);
}

static mf_status check_refinable(const mf_fitter *f, mf_error *err)
{
    if (f->kind == MF_FITTER_SPIKES)
        return mf_error_set(err, MF_ERR_INVALID,
                            "refine works on traces: the spike fitter cannot refine");
    if (!f->metrics || !f->lo)
        return mf_error_set(err, MF_ERR_INVALID,
                            "refine needs the fit's bounds and metrics: call mf_fitter_fit "
                            "first (n_rounds = 0 is enough)");
    for (int o = 0; o < f->n_metrics; o++)
        if (!f->metrics[o].coef)
            return mf_error_set(err, MF_ERR_INVALID,
                                "refine minimises a sum of squares, but the metric '%s' of "
                                "output '%s' does not describe itself as a weighted sum of "
                                "squared differences (mse does; a plugin does with ABI 1.1's "
                                "metric_weights)",
                                mf_metric_name(f->metrics[o].metric), f->out[o].name);
    return MF_OK;
}

static mf_status ctx_init(refine_ctx *c, mf_fitter *f, double iteration, mf_error *err)
{
    memset(c, 0, sizeof *c);
    c->f = f;
    c->d = f->n_params;
    c->err = err;
    c->iteration = isnan(iteration) ? 1e9 : iteration;
    c->scale = 1;
    size_t no = (size_t)f->n_out + 1;
    c->kept = calloc(no, sizeof *c->kept);
    c->w = calloc(no, sizeof *c->w);
    c->n_kept = calloc(no, sizeof *c->n_kept);
    if (!c->kept || !c->w || !c->n_kept)
        return MF_ERR_NOMEM;
    for (int o = 0; o < f->n_out; o++) {
        const fit_metric *m = &f->metrics[o];
        c->kept[o] = malloc((size_t)f->n_steps * sizeof **c->kept);
        c->w[o] = malloc((size_t)f->n_steps * sizeof **c->w);
        if (!c->kept[o] || !c->w[o])
            return MF_ERR_NOMEM;
        for (long s = 0; s < f->n_steps; s++)
            if (m->coef[s] > 0) {
                c->kept[o][c->n_kept[o]] = s;
                c->w[o][c->n_kept[o]++] = sqrt(m->coef[s] / f->n_traces);
            }
        c->n_res += (size_t)c->n_kept[o] * (size_t)f->n_traces;
    }
    c->n_res += f->has_penalty ? 1 : 0;
    size_t d = (size_t)c->d;
    c->xs = malloc(d * d * sizeof *c->xs);
    c->errors = malloc(d * sizeof *c->errors);
    c->batch = malloc(d * c->n_res * sizeof *c->batch);
    c->cache_u = malloc(d * sizeof *c->cache_u);
    c->cache_r = malloc(c->n_res * sizeof *c->cache_r);
    c->jac = malloc(c->n_res * d * sizeof *c->jac);
    return c->xs && c->errors && c->batch && c->cache_u && c->cache_r && c->jac ? MF_OK
                                                                                : MF_ERR_NOMEM;
}

/* --- the solve ----------------------------------------------------------------- */

/* The residual scale from the cost at the start. */
static int set_scale(refine_ctx *c, const gsl_vector *u0)
{
    c->scale = 1;
    set_x(c, 0, u0->data);
    int st = residuals(c, 1, c->batch);
    if (st != GSL_SUCCESS)
        return st;
    double ss = 0;
    for (size_t i = 0; i < c->n_res; i++)
        ss += c->batch[i] * c->batch[i];
    if (ss > 0 && isfinite(ss))
        c->scale = 1 / sqrt(ss);
    return GSL_SUCCESS;
}

typedef struct solve_out {
    double *params, *error, *covariance;
} solve_out;

static void covariance(const refine_ctx *c, gsl_multifit_nlinear_workspace *w, double *cov)
{
    const mf_fitter *f = c->f;
    size_t d = (size_t)c->d;
    gsl_matrix *cu = gsl_matrix_alloc(d, d);
    if (!cu) {
        for (size_t i = 0; i < d * d; i++)
            cov[i] = NAN;
        return;
    }
    gsl_multifit_nlinear_covar(gsl_multifit_nlinear_jac(w), 0.0, cu);
    double ss;
    gsl_blas_ddot(gsl_multifit_nlinear_residual(w), gsl_multifit_nlinear_residual(w), &ss);
    double dof = (double)c->n_res - (double)d;
    double s2 = dof > 0 ? ss / dof : NAN;
    const gsl_vector *u = gsl_multifit_nlinear_position(w);
    for (size_t i = 0; i < d; i++)
        for (size_t j = 0; j < d; j++) {
            double di = (f->hi[i] - f->lo[i]) / 2 * cos(gsl_vector_get(u, i));
            double dj = (f->hi[j] - f->lo[j]) / 2 * cos(gsl_vector_get(u, j));
            cov[i * d + j] = s2 * di * gsl_matrix_get(cu, i, j) * dj;
        }
    gsl_matrix_free(cu);
}

static double cost(gsl_multifit_nlinear_workspace *w)
{
    double ss;
    gsl_blas_ddot(gsl_multifit_nlinear_residual(w), gsl_multifit_nlinear_residual(w), &ss);
    return ss;
}

static int report(refine_ctx *c, gsl_multifit_nlinear_workspace *w, int iter, int max_iter,
                  mf_fit_callback cb, void *user)
{
    if (!cb)
        return 0;
    double ss = cost(w), x[64];
    const gsl_vector *u = gsl_multifit_nlinear_position(w);
    double *xp = c->d <= 64 ? x : malloc((size_t)c->d * sizeof *xp);
    if (!xp)
        return 0;
    for (int p = 0; p < c->d; p++)
        xp[p] = to_x(c->f, p, gsl_vector_get(u, (size_t)p));
    ss /= c->scale * c->scale;
    int stop = cb(user, c->f, iter, max_iter, xp, ss, 1, xp, &ss);
    if (xp != x)
        free(xp);
    return stop;
}

/* GSL's gsl_multifit_nlinear_driver, with the user's callback able to stop
 * and one more test: the error has stopped falling (by 1e-8 relative over
 * three steps), which finite-difference Jacobians reach before the x and
 * gradient tests in a flat valley. */
static mf_status iterate(refine_ctx *c, gsl_multifit_nlinear_workspace *w, int max_iter,
                         mf_fit_callback cb, void *user, mf_error *err)
{
    double last = cost(w);
    int stall = 0;
    for (int iter = 0; iter < max_iter; iter++) {
        int st = gsl_multifit_nlinear_iterate(w);
        if (c->status != MF_OK)
            return c->status;
        if (st == GSL_ENOPROG)
            return MF_OK; /* no step lowers the error: as good as it gets */
        if (st != GSL_SUCCESS)
            return mf_error_set(err, MF_ERR_NUMERIC, "refine: %s", gsl_strerror(st));
        if (report(c, w, iter, max_iter, cb, user)) {
            mf_log(c->f->ctx, MF_LOG_INFO, "refine stopped by the callback at iteration %d",
                   iter);
            return MF_OK;
        }
        int info;
        if (gsl_multifit_nlinear_test(1e-8, 1e-8, 0.0, &info, w) == GSL_SUCCESS)
            return MF_OK;
        double now = cost(w);
        stall = last - now <= 1e-8 * now ? stall + 1 : 0;
        last = now;
        if (stall >= 3)
            return MF_OK;
    }
    mf_log(c->f->ctx, MF_LOG_INFO, "refine: stopped after %d iterations without converging",
           max_iter);
    return MF_OK;
}

static mf_status solve(refine_ctx *c, const double *start, int max_iter, mf_fit_callback cb,
                       void *user, solve_out *out, mf_error *err)
{
    mf_fitter *f = c->f;
    size_t d = (size_t)c->d;
    gsl_multifit_nlinear_fdf fdf = {
        .f = eval_f, .df = eval_df, .n = c->n_res, .p = d, .params = c};
    gsl_multifit_nlinear_parameters prm = gsl_multifit_nlinear_default_parameters();
    prm.trs = gsl_multifit_nlinear_trs_lm;
    gsl_multifit_nlinear_workspace *w =
        gsl_multifit_nlinear_alloc(gsl_multifit_nlinear_trust, &prm, c->n_res, d);
    gsl_vector *u0 = gsl_vector_alloc(d);
    if (!w || !u0) {
        gsl_multifit_nlinear_free(w);
        gsl_vector_free(u0);
        return mf_error_nomem(err, "GSL's least-squares workspace",
                              c->n_res * ((size_t)d + 4) * sizeof(double));
    }
    for (size_t p = 0; p < d; p++)
        gsl_vector_set(u0, p, to_u(f, (int)p, start[p]));
    int st = set_scale(c, u0);
    if (st == GSL_SUCCESS)
        st = gsl_multifit_nlinear_init(u0, &fdf, w);
    mf_status rc = c->status != MF_OK ? c->status
                   : st != GSL_SUCCESS
                       ? mf_error_set(err, MF_ERR_NUMERIC, "refine: %s", gsl_strerror(st))
                       : iterate(c, w, max_iter, cb, user, err);
    if (rc == MF_OK) {
        const gsl_vector *u = gsl_multifit_nlinear_position(w);
        for (size_t p = 0; p < d; p++)
            out->params[p] = to_x(f, (int)p, gsl_vector_get(u, p));
        if (out->covariance)
            covariance(c, w, out->covariance);
    }
    gsl_multifit_nlinear_free(w);
    gsl_vector_free(u0);
    return rc;
}

/* --- mf_fitter_refine ------------------------------------------------------------ */

static mf_status check_start(const mf_fitter *f, const double *start, mf_error *err)
{
    for (int p = 0; p < f->n_params; p++)
        if (!(start[p] >= f->lo[p] && start[p] <= f->hi[p]))
            return mf_error_set(err, MF_ERR_INVALID,
                                "refine: the start value of '%s' (%g) is outside its bounds "
                                "[%g, %g]",
                                mf_fitter_param_name(f, p), start[p], f->lo[p], f->hi[p]);
    return MF_OK;
}

/* Small blocks spread the few lanes of a refine over the threads. */
static mf_status refine_engine(const mf_fitter *f, mf_engine **out, mf_error *err)
{
    mf_engine_options opt = mf_engine_options_for(f->ctx);
    opt.block_size = REFINE_BLOCK;
    return mf_engine_new(f->model, f->dt, &opt, out, err);
}

mf_status mf_fitter_refine(mf_fitter *f, const double *start, int max_iter, unsigned flags,
                           double iteration, mf_fit_callback cb, void *user, double *params,
                           double *error, double *cov, mf_error *err)
{
    if (!f || !params)
        return mf_error_set(err, MF_ERR_INVALID, "mf_fitter_refine: no fitter or no params");
    mf_status rc = check_refinable(f, err);
    if (rc != MF_OK)
        return rc;
    if (!start && f->best < 0)
        return mf_error_set(err, MF_ERR_INVALID, "refine: no start given and no best yet");
    if (!start)
        start = mf_fitter_history_point(f, f->best);
    if ((rc = check_start(f, start, err)) != MF_OK)
        return rc;
    mf_gsl_prepare(); /* GSL must return its errors, not abort */
    refine_ctx c;
    mf_engine *fit_engine = f->engine, *eng = NULL;
    rc = ctx_init(&c, f, iteration, err) == MF_OK
             ? refine_engine(f, &eng, err)
             : mf_error_nomem(err, "refine's weights (per output, per step)",
                              ((size_t)f->n_out + 1) * (size_t)f->n_steps *
                                  (sizeof(long) + sizeof(double)));
    if (rc == MF_OK && (flags & MF_REFINE_EXACT_GRADIENT))
        rc = mf_fit_sens_new(f, &c.sens, err);
    if (rc == MF_OK) {
        f->engine = eng;
        double e;
        solve_out out = {params, &e, cov};
        rc = solve(&c, start, max_iter > 0 ? max_iter : DEFAULT_MAX_ITER, cb, user, &out, err);
        /* The error at the result, computed as the fit computes it. */
        if (rc == MF_OK)
            rc = mf_fitter_evaluate(f, 1, params, c.iteration, &e, NULL, NULL, err);
        if (rc == MF_OK && error)
            *error = e;
        f->engine = fit_engine;
    }
    mf_engine_free(eng);
    ctx_free(&c);
    return rc;
}

/* GSL adaptive methods, one driver per lane (see integrate_gsl.h). */
#include "integrate_gsl.h"

#include "error.h"

#include <gsl/gsl_errno.h>
#include <gsl/gsl_odeiv2.h>
#include <stdlib.h>

typedef struct lane_ctx {
    struct mf_gsl_lanes *g;
    int lane;
} lane_ctx;

struct mf_gsl_lanes {
    int n_state, n_lanes;
    double dt;
    mf_gsl_deriv_fn fn;
    void *ctx;
    lane_ctx *lc;
    gsl_odeiv2_system *sys;
    gsl_odeiv2_driver **drv;
};

/* Each step of a lane may take at most this many internal steps: a model
 * that needs more is stiff or blowing up, and gets an error instead of a hang. */
enum { MAX_INTERNAL_STEPS = 100000 };

static int gsl_func(double t, const double y[], double dydt[], void *params)
{
    lane_ctx *c = params;
    c->g->fn(c->g->ctx, c->lane, t, y, dydt);
    return GSL_SUCCESS;
}

void mf_gsl_prepare(void)
{
    gsl_set_error_handler_off();
}

mf_gsl_lanes *mf_gsl_lanes_new(mf_method method, int n_state, int n_lanes, double dt,
                               double abs_tol, double rel_tol, mf_gsl_deriv_fn fn, void *ctx)
{
    const gsl_odeiv2_step_type *T =
        method == MF_METHOD_GSL_RK8PD ? gsl_odeiv2_step_rk8pd : gsl_odeiv2_step_rkf45;
    mf_gsl_lanes *g = calloc(1, sizeof *g);
    if (!g)
        return NULL;
    g->n_state = n_state;
    g->n_lanes = n_lanes;
    g->dt = dt;
    g->fn = fn;
    g->ctx = ctx;
    g->lc = calloc((size_t)n_lanes + 1, sizeof *g->lc);
    g->sys = calloc((size_t)n_lanes + 1, sizeof *g->sys);
    g->drv = calloc((size_t)n_lanes + 1, sizeof *g->drv);
    if (!g->lc || !g->sys || !g->drv) {
        mf_gsl_lanes_free(g);
        return NULL;
    }
    for (int l = 0; l < n_lanes; l++) {
        g->lc[l] = (lane_ctx){g, l};
        g->sys[l] = (gsl_odeiv2_system){gsl_func, NULL, (size_t)n_state, &g->lc[l]};
        g->drv[l] = gsl_odeiv2_driver_alloc_y_new(&g->sys[l], T, dt, abs_tol, rel_tol);
        if (!g->drv[l]) {
            mf_gsl_lanes_free(g);
            return NULL;
        }
        gsl_odeiv2_driver_set_nmax(g->drv[l], MAX_INTERNAL_STEPS);
    }
    return g;
}

void mf_gsl_lanes_free(mf_gsl_lanes *g)
{
    if (!g)
        return;
    for (int l = 0; g->drv && l < g->n_lanes; l++)
        if (g->drv[l])
            gsl_odeiv2_driver_free(g->drv[l]);
    free(g->drv);
    free(g->sys);
    free(g->lc);
    free(g);
}

mf_status mf_gsl_lanes_step(mf_gsl_lanes *g, int lane, long global_lane, long k, double *y,
                            mf_error *err)
{
    double t = (double)k * g->dt;
    double t1 = (double)(k + 1) * g->dt;
    int rc = gsl_odeiv2_driver_apply(g->drv[lane], &t, t1, y);
    if (rc == GSL_SUCCESS)
        return MF_OK;
    return mf_error_set(err, MF_ERR_NUMERIC,
                        "the adaptive integrator failed for neuron %ld at t = %g s (%s): the "
                        "solution may diverge, or need a looser tolerance",
                        global_lane, t, gsl_strerror(rc));
}

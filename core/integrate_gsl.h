/* GSL's adaptive Runge-Kutta methods (gsl_odeiv2: rkf45, rk8pd) for the
 * engine: every lane has its own driver (its own step-size history), driven
 * from t = k*dt to (k+1)*dt at every step, so the output is sampled at every
 * dt and a lane's result does not depend on the other lanes. Error control
 * is GSL's standard one on y: |err_i| <= abs_tol + rel_tol*|y_i|, in the SI
 * units of each variable (Brian's GSL default is an absolute error of 1e-6
 * and no relative error). GSL's abort-on-error handler is turned off. */
#ifndef MF_CORE_INTEGRATE_GSL_H
#define MF_CORE_INTEGRATE_GSL_H

#include "model.h"

/* dy/dt at time t for one lane: fills dydt (n_state values). */
typedef void (*mf_gsl_deriv_fn)(void *ctx, int lane, double t, const double *y, double *dydt);

typedef struct mf_gsl_lanes mf_gsl_lanes;

/* Turns GSL's abort-on-error handler off (a process-wide setting): call it
 * outside any parallel region before using GSL (the functions below,
 * refine's solver), so that GSL returns its errors instead of aborting. */
void mf_gsl_prepare(void);

mf_gsl_lanes *mf_gsl_lanes_new(mf_method method, int n_state, int n_lanes, double dt,
                               double abs_tol, double rel_tol, mf_gsl_deriv_fn fn, void *ctx);
void mf_gsl_lanes_free(mf_gsl_lanes *g);

/* Advances lane `lane` from k*dt to (k+1)*dt; y holds its state and gets
 * the new one. Errors name the lane and the time. */
mf_status mf_gsl_lanes_step(mf_gsl_lanes *g, int lane, long global_lane, long k, double *y,
                            mf_error *err);

#endif

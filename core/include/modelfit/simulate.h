/* Simulating a model without fitting: Brian 2 equations, constants, input
 * traces and parameter values in; recorded traces and spike times out.
 *
 * A simulation is set up through an mf_sim handle (setters may come in any
 * order and be repeated; the last value wins), then run any number of times.
 * Neuron (lane) i uses input trace i % n_traces and parameter set
 * i / n_traces, as brian2modelfitting lays out its neurons, so there are
 * n_samples * n_traces neurons.
 *
 * Semantics are Brian 2's (see the engine notes in DESIGN.md): the state is
 * recorded at the start of each step (column k is the state at t = k*dt,
 * column 0 the initial value); a spike is stamped with its step's start
 * time t = k*dt; inputs are held over a step as Brian's TimedArray holds them.
 * All values are in SI units (volt, amp, second...).
 *
 *   mf_sim *s; mf_sim_new(ctx, "dv/dt = (El - v + R*I)/tau : volt\n"
 *                              "R : ohm (constant)\n tau : second (constant)", &s, &err);
 *   mf_sim_set_constant(s, "El", el, &err);  // mf_quantity from mf_quantity_from_string
 *   mf_sim_set_input(s, "I", amp, n_traces, n_steps, currents, &err);
 *   mf_sim_set_dt(s, 1e-4, &err);
 *   mf_sim_set_param(s, "R", n_samples, r_values, &err); ...
 *   mf_sim_record(s, "v", &err);
 *   mf_sim_result *res; mf_sim_run(s, &res, &err);
 *   const double *v = mf_sim_result_trace(res, "v");   // neurons x steps */
#ifndef MODELFIT_SIMULATE_H
#define MODELFIT_SIMULATE_H

#include "modelfit/context.h"
#include "modelfit/quantity.h"
#include "modelfit/status.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct mf_sim mf_sim;
typedef struct mf_sim_result mf_sim_result;

/* Every function below that takes an mf_sim refuses a NULL one with
 * MF_ERR_INVALID.
 *
 * A new simulation of the model text (Brian equations). The text is checked
 * when the simulation first runs, once the constants and inputs it uses are
 * known. ctx gives the thread count (NULL: OpenMP's default); it must
 * outlive the simulation. */
MF_API mf_status mf_sim_new(mf_context *ctx, const char *model, mf_sim **out, mf_error *err);
MF_API void mf_sim_free(mf_sim *s);

/* A name of Brian's namespace: a constant the equations use (El = -65 mV). */
MF_API mf_status mf_sim_set_constant(mf_sim *s, const char *name, mf_quantity value,
                                     mf_error *err);

/* An input the equations use by name (I), as n_traces rows of n_steps
 * values in SI units, row-major; the values are copied. `unit` gives its
 * dimension and must be the SI unit itself (value 1: "amp", not "nA").
 * NaN or infinite values are refused when the simulation runs, naming the
 * trace and the step. Every input must have the same shape. */
MF_API mf_status mf_sim_set_input(mf_sim *s, const char *name, mf_quantity unit, int n_traces,
                                  long n_steps, const double *values, mf_error *err);

/* The time step in seconds (> 0). Required. */
MF_API mf_status mf_sim_set_dt(mf_sim *s, double dt, mf_error *err);

/* The number of steps to simulate; by default the inputs' length (or 1
 * without inputs). Past the end of the inputs their last sample is held. */
MF_API mf_status mf_sim_set_steps(mf_sim *s, long n_steps, mf_error *err);

/* "euler", "rk2", "rk4", "exponential_euler", "gsl_rkf45", "gsl_rk8pd";
 * NULL or "": exponential Euler when every equation is conditionally linear
 * (as in Brian: dx/dt = A*x + B with x possibly inside exp() in B), else
 * Euler. Unknown names are refused when the simulation runs. */
MF_API mf_status mf_sim_set_method(mf_sim *s, const char *method, mf_error *err);

/* Error tolerances of the GSL methods, in the SI unit of each variable:
 * |local error| <= abs_tol + rel_tol*|x|. Defaults 1e-6 and 0 (Brian's). */
MF_API mf_status mf_sim_set_tolerance(mf_sim *s, double abs_tol, double rel_tol, mf_error *err);

/* Spikes: the threshold condition ("v > -50*mV"), the reset statements
 * ("v = Vr; w += b"), and the refractory period: a time ("2*ms"), a
 * time-valued expression (re-evaluated every step) or a condition (which
 * can only end refractoriness, Brian's latch). NULL or "" clears. */
MF_API mf_status mf_sim_set_threshold(mf_sim *s, const char *condition, mf_error *err);
MF_API mf_status mf_sim_set_reset(mf_sim *s, const char *statements, mf_error *err);
MF_API mf_status mf_sim_set_refractory(mf_sim *s, const char *refractory, mf_error *err);

/* param_init: the initial value of a variable, a quantity or an expression
 * of parameters, constants and other variables ("-65*mV", "VT", "b*v").
 * Initial values are computed in dependency order; variables without one
 * start at 0, as in Brian. */
MF_API mf_status mf_sim_set_init(mf_sim *s, const char *variable, const char *value,
                                 mf_error *err);

/* The values of a parameter (or per-neuron variable) for each of n_samples
 * parameter sets, in SI units (copied). Every parameter set so far must have
 * the same n_samples. */
MF_API mf_status mf_sim_set_param(mf_sim *s, const char *name, int n_samples,
                                  const double *values, mf_error *err);

/* Records a variable or a subexpression at every step (a subexpression is
 * computed from the recorded state at the step start, t = k*dt, with the
 * inputs' sample k). */
MF_API mf_status mf_sim_record(mf_sim *s, const char *variable, mf_error *err);

/* Runs the simulation. Errors: the model's (with their place), a missing
 * parameter, a bad input, an unknown method... */
MF_API mf_status mf_sim_run(mf_sim *s, mf_sim_result **out, mf_error *err);

/* The result's accessors give 0, NULL or NaN (dt) for a NULL r. */
MF_API void mf_sim_result_free(mf_sim_result *r);
MF_API long mf_sim_result_neurons(const mf_sim_result *r);
MF_API long mf_sim_result_steps(const mf_sim_result *r);
MF_API double mf_sim_result_dt(const mf_sim_result *r);
/* The integration method used ("exponential_euler"...), after the default
 * was resolved. */
MF_API const char *mf_sim_result_method(const mf_sim_result *r);
/* A recorded variable: neurons x steps values, row-major; NULL when the
 * variable was not recorded. Owned by r. */
MF_API const double *mf_sim_result_trace(const mf_sim_result *r, const char *variable);
/* The spike times (s) of a neuron and their number; NULL with *n = 0 when
 * it did not spike (or there is no threshold). Owned by r. n may be NULL. */
MF_API const double *mf_sim_result_spikes(const mf_sim_result *r, long neuron, long *n);

#ifdef __cplusplus
}
#endif
#endif

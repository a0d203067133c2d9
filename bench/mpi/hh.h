/* The HH tutorial fit of the MPI benchmarks: the recordings of
 * ../shared/refdata/hh_tutorial (5 traces x 1497 steps at 0.01 ms), the
 * model of ../shared/models/hh_tutorial.eqs, the tutorial's bounds. */
#ifndef MF_BENCH_MPI_HH_H
#define MF_BENCH_MPI_HH_H

#include "modelfit/modelfit.h"

/* Prints the error and exits when st is not MF_OK. */
void hh_check(mf_status st, const mf_error *err);

/* The fitter with `method` and n_samples, set up by a fit of 0 rounds with
 * opt (collective when ctx has a group). */
mf_fitter *hh_fitter(mf_context *ctx, const char *method, int n_samples, mf_optimizer *opt);

#endif

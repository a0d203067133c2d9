/* The hook of mf_fitter_fit into a group of processes (distribute.c,
 * modelfit/distribute.h). mf_fitter_fit starts with
 *
 *     if (mf_fit_dist_wanted(f))
 *         return mf_fit_dist_fit(f, ...same arguments...);
 *
 * and mf_fit_dist_fit calls mf_fitter_fit again (with f->dist set, so the
 * hook lets it through): on process 0 with f->evaluate replaced by the
 * group's batch evaluation, on the others with n_rounds 0 to set the fit
 * up before serving batches. */
#ifndef MF_CORE_FITTER_DIST_H
#define MF_CORE_FITTER_DIST_H

#include "fitter.h"
#include "modelfit/distribute.h"

/* True when f's context has a group of two or more processes and f is not
 * already inside a collective fit. */
bool mf_fit_dist_wanted(const mf_fitter *f);

mf_status mf_fit_dist_fit(mf_fitter *f, mf_optimizer *opt, mf_metric *const *metrics,
                          int n_rounds, int n_bounds, const char *const *names,
                          const double *lo, const double *hi, mf_fit_callback cb, void *user,
                          bool restart, long start_iteration, mf_error *err);

/* The deal of n points over `size` processes: process r simulates the
 * points order[at[r]] .. order[at[r] + count[r] - 1]. order is a fixed
 * shuffle of 0 .. n-1 (the same on every process and in every round), so
 * that points neighbouring in the optimizer's order (a grid's rows) are
 * spread; counts differ by at most one. order may be NULL (counts only). */
void mf_fit_dist_deal(int n, int size, int *order, int *count, int *at);

#endif

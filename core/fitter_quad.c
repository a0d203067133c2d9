/* Reading a trace metric as a weighted sum of squares.
 *
 * refine needs residuals whose sum of squares is the metric's error, and the
 * history's raw errors need the metric's weighting without its
 * normalization; a metric instance does not expose its options (t_start,
 * t_weights, normalization), so its coefficients are measured through its
 * online form instead: an accumulator that sees model - target = 1 at step s
 * only ends with error coef[s]. The measurement also checks that the metric
 * really is such a sum: a difference of 2 must give 4*coef[s], a shifted
 * pair the same coef[s], and all steps at once the sum of the coefs. */
#include "fitter.h"

#include <math.h>
#include <stdlib.h>

static bool near(double a, double b)
{
    return fabs(a - b) <= 1e-9 * (fabs(a) + fabs(b)) + 1e-300;
}

mf_status mf_fit_metric_coefs(const mf_metric *m, long n_steps, double **coef, double *coef_sum,
                              mf_error *err)
{
    *coef = NULL;
    *coef_sum = 0;
    size_t size = mf_metric_online_size(m);
    if (size == 0 || mf_metric_kind(m) != MF_METRIC_TRACES)
        return MF_OK;
    /* Lanes [q*n, (q+1)*n): probe q at step s; lane 3n: every step. */
    size_t n = (size_t)n_steps, lanes = 3 * n + 1;
    char *acc = calloc(lanes, size);
    uint32_t *trace = calloc(lanes, sizeof *trace);
    double *e = malloc(lanes * sizeof *e);
    double *c = malloc(n * sizeof *c);
    if (!acc || !trace || !e || !c) {
        free(acc);
        free(trace);
        free(e);
        free(c);
        return mf_error_set(err, MF_ERR_NOMEM, "out of memory");
    }
    static const double model[3] = {1, 2, 3}, target[3] = {0, 0, 2};
    mf_metric_online_init(m, (uint32_t)lanes, acc);
    for (size_t s = 0; s < n; s++) {
        for (size_t q = 0; q < 3; q++)
            mf_metric_online_update(m, 1, acc + (q * n + s) * size, (uint32_t)s, &model[q],
                                    &target[q]);
        mf_metric_online_update(m, 1, acc + 3 * n * size, (uint32_t)s, &model[0], &target[0]);
    }
    mf_status rc = mf_metric_online_finish(m, (uint32_t)lanes, acc, trace, e, err);
    bool quadratic = rc == MF_OK;
    double sum = 0;
    for (size_t s = 0; quadratic && s < n; s++) {
        c[s] = e[s];
        quadratic =
            isfinite(c[s]) && c[s] >= 0 && near(e[n + s], 4 * c[s]) && near(e[2 * n + s], c[s]);
        sum += c[s];
    }
    quadratic = quadratic && near(e[3 * n], sum) && sum > 0;
    free(acc);
    free(trace);
    free(e);
    if (rc != MF_OK || !quadratic) {
        free(c);
        return rc;
    }
    *coef = c;
    *coef_sum = sum;
    return MF_OK;
}

/* bench_engine's hand-written HH kernel with mf_exp (engine_hand.h): the
 * lane loop is an `omp simd` loop and this file is compiled with the
 * native kernels' flags (bench/CMakeLists.txt), so it is what a person
 * would write by hand for the same vector hardware and the same exp. */
#include "engine_hand.h"
#include "mf_exp.h"

#include <stdlib.h>

void hand_steps_mf_exp(const hand_block *b)
{
    const double mV = 1e-3, ms = 1e-3, VT = HH_VT;
    double *restrict bv = b->v, *restrict bm = b->m, *restrict bn = b->n, *restrict bh = b->h;
    const double *restrict gl = b->gl, *restrict gna = b->gna, *restrict gkd = b->gkd;
    const double *restrict cm = b->cm, *restrict I = b->I;
    const long first = b->first, n_steps = b->n_steps;
    const int nb = b->nb;
    /* Each lane's input row, as the engine's lane_base: the modulo inside
     * the loop keeps GCC from vectorising the gather. */
    long *restrict row = malloc(sizeof(long) * (size_t)(nb > 0 ? nb : 1));
    if (!row)
        return;
    for (int l = 0; l < nb; l++)
        row[l] = ((first + l) % HH_N_TRACES) * n_steps;
    for (long k = 0; k < n_steps; k++) {
#pragma omp simd
        for (int l = 0; l < nb; l++) {
            double v = bv[l], m = bm[l], n = bn[l], h = bh[l];
            double in = I[row[l] + k];
            double am = 0.32 * (13 * mV - v + VT) / mV /
                        (mf_exp((13 * mV - v + VT) / (4 * mV)) - 1) / ms;
            double bm_ = 0.28 * (v - VT - 40 * mV) / mV /
                         (mf_exp((v - VT - 40 * mV) / (5 * mV)) - 1) / ms;
            double an = 0.032 * (15 * mV - v + VT) / mV /
                        (mf_exp((15 * mV - v + VT) / (5 * mV)) - 1) / ms;
            double bn_ = 0.5 * mf_exp((10 * mV - v + VT) / (40 * mV)) / ms;
            double ah = 0.128 * mf_exp((17 * mV - v + VT) / (18 * mV)) / ms;
            double bh_ = 4 / (1 + mf_exp((40 * mV - v + VT) / (5 * mV))) / ms;
            double m3h = m * m * m * h, n4 = n * n * n * n;
            double Av = -(gl[l] + gna[l] * m3h + gkd[l] * n4) / cm[l];
            double Bv =
                (gl[l] * HH_EL + gna[l] * m3h * HH_ENA + gkd[l] * n4 * HH_EK + in) / cm[l];
            double Am = -(am + bm_), An = -(an + bn_), Ah = -(ah + bh_);
            bv[l] = -Bv / Av + (v + Bv / Av) * mf_exp(Av * HH_DT);
            bm[l] = -am / Am + (m + am / Am) * mf_exp(Am * HH_DT);
            bn[l] = -an / An + (n + an / An) * mf_exp(An * HH_DT);
            bh[l] = -ah / Ah + (h + ah / Ah) * mf_exp(Ah * HH_DT);
        }
    }
    free(row);
}

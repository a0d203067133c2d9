/* bench_mpi_balance: how unequal the lanes of a round are, and what that
 * means for splitting a round over MPI ranks (docs/mpi.md, "Load balance").
 *
 *   bench_mpi_balance [n_points [copies [latency_us]]]   (defaults 120 8 20)
 *
 * The HH tutorial fit (../shared/refdata/hh_tutorial, 5 traces x 1497
 * steps) with points drawn by the `random` optimizer in the tutorial's
 * bounds. Each point's cost is the time of one evaluation of `copies`
 * copies of it (a realistic batch, so per-call overheads are shared),
 * divided by `copies`, on one thread, for exponential Euler (fixed steps)
 * and gsl_rkf45 (adaptive steps per lane), the best of 3 runs (other load
 * on the machine only adds time). Costs are also grouped by how many of
 * the point's 5 traces spike (v crosses 0 mV).
 *
 * From the measured costs, by resampling (2000 rounds each):
 *  - static split (each rank gets n/P points): the mean of max/mean of the
 *    ranks' loads, which is the round's slowdown against perfect balance;
 *  - dynamic split (one point at a time to the first idle rank, each hand
 *    out costing one round trip of latency_us): the same ratio;
 *  - one point per evaluation against 13 (65 lanes, one engine block):
 *    what a dynamic deal of single points would pay in fixed costs;
 *  - the grid optimizer's ordered points (4 per dimension, 256): contiguous
 *    blocks of the order, a cyclic deal (point i to rank i % P), and the
 *    fixed shuffle a fit over MPI deals by (mf_fit_dist_deal).
 * Not a test: it only measures. */
#include "fitter.h"
#include "fitter_dist.h"
#include "hh.h"
#include "modelfit/modelfit.h"

#include <math.h>
#include <omp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

/* How many of the point's traces spike (v crosses 0 mV). */
static int spiking_traces(mf_fitter *f, const double *x)
{
    mf_error err;
    const char *v = "v";
    mf_array *tr;
    hh_check(mf_fitter_generate(f, x, 0, NULL, NULL, 0, 1, &v, &tr, NULL, &err), &err);
    int n = 0;
    for (size_t k = 0; k < mf_array_rows(tr); k++) {
        bool any = false;
        for (size_t i = 0; i < mf_array_cols(tr) && !any; i++)
            any = mf_array_at(tr, k, i) > 0;
        n += any;
    }
    mf_array_free(tr);
    return n;
}

/* cost[i]: seconds of one evaluation of point i (of `copies` copies). */
static void measure(mf_fitter *f, int n, const double *points, int copies, double *cost)
{
    int np = mf_fitter_n_params(f);
    double *batch = malloc(sizeof(double) * (size_t)(np * copies));
    double *e = malloc(sizeof(double) * (size_t)copies);
    mf_error err;
    for (int i = 0; i < n; i++) {
        for (int c = 0; c < copies; c++)
            memcpy(batch + c * np, points + i * np, sizeof(double) * (size_t)np);
        /* The best of 3: other load on the machine only ever adds time. */
        cost[i] = INFINITY;
        for (int rep = 0; rep < 3; rep++) {
            double t0 = now();
            hh_check(mf_fitter_evaluate(f, copies, batch, 0, e, NULL, NULL, &err), &err);
            cost[i] = fmin(cost[i], (now() - t0) / copies);
        }
    }
    free(batch);
    free(e);
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

/* xorshift64*: resampling only, no statistics of ours depend on its quality. */
static unsigned long long rng_state = 0x9e3779b97f4a7c15ULL;
static int draw(int n)
{
    rng_state ^= rng_state >> 12;
    rng_state ^= rng_state << 25;
    rng_state ^= rng_state >> 27;
    return (int)((rng_state * 2685821657736338717ULL >> 33) % (unsigned long long)n);
}

/* max/mean of the ranks' loads: static = rank r gets items r, r+P, ...
 * (any fixed assignment of iid items is the same in distribution). */
static double static_ratio(const double *c, int n, int p, double *load)
{
    double sum = 0, max = 0;
    for (int r = 0; r < p; r++)
        load[r] = 0;
    for (int i = 0; i < n; i++) {
        load[i % p] += c[i];
        sum += c[i];
    }
    for (int r = 0; r < p; r++)
        max = fmax(max, load[r]);
    return max / (sum / p);
}

/* Greedy list scheduling: each item goes to the rank that frees first and
 * costs one round trip more. Ratio to the perfect split without latency. */
static double dynamic_ratio(const double *c, int n, int p, double latency, double *load)
{
    double sum = 0, max = 0;
    for (int r = 0; r < p; r++)
        load[r] = 0;
    for (int i = 0; i < n; i++) {
        int best = 0;
        for (int r = 1; r < p; r++)
            if (load[r] < load[best])
                best = r;
        load[best] += c[i] + latency;
        sum += c[i];
    }
    for (int r = 0; r < p; r++)
        max = fmax(max, load[r]);
    return max / (sum / p);
}

static void resample_table(const double *cost, int n_meas, double latency)
{
    static const int ps[] = {2, 4, 8, 16, 64, 1024};
    static const int ns[] = {30, 300, 3000, 30000};
    double *c = malloc(sizeof(double) * 30000);
    double *load = malloc(sizeof(double) * 1024);
    printf("  round slowdown max/mean of the ranks' loads (2000 resampled rounds)\n");
    printf("  %7s %6s %14s %14s\n", "points", "ranks", "static", "dynamic");
    for (size_t a = 0; a < sizeof ns / sizeof ns[0]; a++)
        for (size_t b = 0; b < sizeof ps / sizeof ps[0]; b++) {
            int n = ns[a], p = ps[b];
            if (p > n)
                continue;
            int reps = n >= 30000 ? 100 : 2000;
            double st = 0, dy = 0;
            for (int rep = 0; rep < reps; rep++) {
                for (int i = 0; i < n; i++)
                    c[i] = cost[draw(n_meas)];
                st += static_ratio(c, n, p, load);
                dy += dynamic_ratio(c, n, p, latency, load);
            }
            printf("  %7d %6d %14.3f %14.3f\n", n, p, st / reps, dy / reps);
        }
    free(c);
    free(load);
}

static void summary(const char *method, const double *cost, const int *spk, int n)
{
    double sum = 0, sq = 0;
    for (int i = 0; i < n; i++) {
        sum += cost[i];
        sq += cost[i] * cost[i];
    }
    double mean = sum / n;
    double sd = sqrt(fmax(sq / n - mean * mean, 0));
    double *sorted = malloc(sizeof(double) * (size_t)n);
    memcpy(sorted, cost, sizeof(double) * (size_t)n);
    qsort(sorted, (size_t)n, sizeof(double), cmp_double);
    printf("%s: %d points, mean %.3f ms/point (%.1f us/lane), sd/mean %.3f, "
           "min %.3f, median %.3f, max %.3f ms\n",
           method, n, 1e3 * mean, 1e6 * mean / 5, sd / mean, 1e3 * sorted[0],
           1e3 * sorted[n / 2], 1e3 * sorted[n - 1]);
    printf("  mean cost by the number of spiking traces (of 5):");
    for (int k = 0; k <= 5; k++) {
        double s = 0;
        int m = 0;
        for (int i = 0; i < n; i++)
            if (spk[i] == k) {
                s += cost[i];
                m++;
            }
        if (m)
            printf(" %d: %.3f ms (%d)", k, 1e3 * s / m, m);
    }
    printf("\n");
    free(sorted);
}

enum { CONTIGUOUS, SHUFFLED };

/* max/mean of the loads when the points, in their order, are cut into
 * contiguous blocks, or dealt by the library's fixed shuffle (the one a
 * fit over MPI uses: mf_fit_dist_deal). */
static double deal_ratio(const double *cost, int n, int p, int how)
{
    int *order = malloc(sizeof(int) * (size_t)n), count[16], at[16];
    mf_fit_dist_deal(n, p, order, count, at);
    double sum = 0, max = 0;
    for (int r = 0; r < p; r++) {
        double load = 0;
        for (int j = at[r]; j < at[r] + count[r]; j++)
            load += cost[how == SHUFFLED ? order[j] : j];
        sum += load;
        max = fmax(max, load);
    }
    free(order);
    return max / (sum / p);
}

static void grid_table(mf_context *ctx, const char *method, int copies)
{
    mf_error err;
    mf_options *o;
    mf_optimizer *grid;
    hh_check(mf_options_new(&o, &err), &err);
    hh_check(mf_options_set_int(o, "points", 4, &err), &err);
    hh_check(mf_optimizer_new(ctx, "grid", o, &grid, &err), &err);
    enum { N = 256 };
    mf_fitter *f = hh_fitter(ctx, method, N, grid);
    double *x = malloc(sizeof(double) * 4 * N), *cost = malloc(sizeof(double) * N);
    double load[16];
    hh_check(mf_optimizer_ask(grid, N, x, &err), &err);
    measure(f, N, x, copies, cost);
    printf("  grid optimizer, 256 points in its order: contiguous blocks, cyclic deal, "
           "the library's shuffled deal\n");
    for (int p = 2; p <= 16; p *= 2)
        printf("  %6d ranks: contiguous %.3f, cyclic %.3f, shuffled %.3f\n", p,
               deal_ratio(cost, N, p, CONTIGUOUS), static_ratio(cost, N, p, load),
               deal_ratio(cost, N, p, SHUFFLED));
    free(x);
    free(cost);
    mf_fitter_free(f);
    mf_optimizer_free(grid);
    mf_options_free(o);
}

int main(int argc, char **argv)
{
    int n = argc > 1 ? atoi(argv[1]) : 120;
    int copies = argc > 2 ? atoi(argv[2]) : 8;
    double latency = (argc > 3 ? atof(argv[3]) : 20) * 1e-6;
    if (n < 2 || copies < 1) {
        fprintf(stderr, "usage: bench_mpi_balance [n_points>=2 [copies [latency_us]]]\n");
        return 2;
    }
    omp_set_num_threads(1);
    mf_error err;
    mf_context *ctx;
    hh_check(mf_context_new(&ctx, &err), &err);
    mf_context_set_threads(ctx, 1);
    static const char *const methods[] = {"exponential_euler", "gsl_rkf45"};
    for (int m = 0; m < 2; m++) {
        mf_options *o;
        mf_optimizer *rnd;
        hh_check(mf_options_new(&o, &err), &err);
        hh_check(mf_options_set_int(o, "seed", 11, &err), &err);
        hh_check(mf_optimizer_new(ctx, "random", o, &rnd, &err), &err);
        mf_fitter *f = hh_fitter(ctx, methods[m], n, rnd);
        double *x = malloc(sizeof(double) * 4 * (size_t)n);
        double *cost = malloc(sizeof(double) * (size_t)n);
        int *spk = malloc(sizeof(int) * (size_t)n);
        hh_check(mf_optimizer_ask(rnd, (uint32_t)n, x, &err), &err);
        for (int i = 0; i < n; i++)
            spk[i] = spiking_traces(f, x + 4 * i);
        measure(f, n, x, copies, cost);
        summary(methods[m], cost, spk, n);
        /* What a dynamic deal of single points would pay per point: the
         * batch's fixed costs and a block of 64 lanes holding only 5. */
        double alone[8], batched[8];
        measure(f, 8, x, 1, alone);
        measure(f, 8, x, 13, batched);
        double a = 0, b = 0;
        for (int i = 0; i < 8; i++) {
            a += alone[i];
            b += batched[i];
        }
        printf("  one point per evaluation %.3f ms/point; 13 copies (65 lanes) per evaluation "
               "%.3f ms/point (8 points)\n",
               1e3 * a / 8, 1e3 * b / 8);
        resample_table(cost, n, latency);
        grid_table(ctx, methods[m], m == 0 ? copies : 1);
        free(x);
        free(cost);
        free(spk);
        mf_fitter_free(f);
        mf_optimizer_free(rnd);
        mf_options_free(o);
    }
    mf_context_free(ctx);
    return 0;
}

/* bench_engine: nanoseconds per neuron-step of the HH tutorial model
 * (exponential Euler) run by the engine's interpreter, and the same model as
 * a hand-written C kernel (structure of arrays, the same blocks and threads)
 * compiled into this program with the same flags, measured in the same run.
 *
 *   bench_engine [n_neurons [n_steps [block_size [repeats]]]]
 *   (defaults 1000 10000 64 3)
 *
 * Prints one line per configuration and the ratio interpreter / hand kernel
 * for 1 thread and for all threads. Each time is the best of `repeats` runs,
 * the two kernels alternating, so that other load on the machine disturbs
 * the ratio as little as possible. Not a test: it only measures. */
#include "engine.h"
#include "model.h"

#include <math.h>
#include <omp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static const char *const HH =
    "dv/dt = (gl*(El-v) - g_na*(m*m*m)*h*(v-ENa) - g_kd*(n*n*n*n)*(v-EK) + I)/Cm : volt\n"
    "dm/dt = 0.32*(mV**-1)*(13.*mV-v+VT)/\n"
    "    (exp((13.*mV-v+VT)/(4.*mV))-1.)/ms*(1-m)-0.28*(mV**-1)*(v-VT-40.*mV)/\n"
    "    (exp((v-VT-40.*mV)/(5.*mV))-1.)/ms*m : 1\n"
    "dn/dt = 0.032*(mV**-1)*(15.*mV-v+VT)/\n"
    "    (exp((15.*mV-v+VT)/(5.*mV))-1.)/ms*(1.-n)-.5*exp((10.*mV-v+VT)/(40.*mV))/ms*n : 1\n"
    "dh/dt = "
    "0.128*exp((17.*mV-v+VT)/(18.*mV))/ms*(1.-h)-4./(1+exp((40.*mV-v+VT)/(5.*mV)))/ms*h "
    ": 1\n"
    "g_na : siemens (constant)\n"
    "g_kd : siemens (constant)\n"
    "gl   : siemens (constant)\n"
    "Cm   : farad (constant)\n";

enum { N_TRACES = 5 };
static const double EL = -65e-3, EK = -90e-3, ENA = 50e-3, VT = -63e-3, DT = 1e-5;

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

/* Step currents like the tutorial's (10, 2, 2, 50, 0.2 nA), on from 10% of
 * the run. */
static double *make_input(long n_steps)
{
    static const double amp[N_TRACES] = {10e-9, 2e-9, 2e-9, 50e-9, 0.2e-9};
    double *I = malloc(sizeof(double) * N_TRACES * (size_t)n_steps);
    for (int tr = 0; tr < N_TRACES; tr++)
        for (long k = 0; k < n_steps; k++)
            I[tr * n_steps + k] = k >= n_steps / 10 ? amp[tr] : 0.0;
    return I;
}

/* Parameters of lane i: the tutorial's values, spread a little per sample. */
static double param(int which, long sample)
{
    static const double base[4] = {1e-8, 2e-5, 6e-6, 2e-10};
    return base[which] * (1.0 + 0.01 * (double)(sample % 17));
}

/* --- the hand-written kernel ------------------------------------------------- */

typedef struct hand_block {
    double *v, *m, *n, *h, *gl, *gna, *gkd, *cm;
} hand_block;

static void hand_run_block(long first, int nb, long n_steps, const double *I, double *sink)
{
    double *mem = calloc(8 * (size_t)nb, sizeof(double));
    hand_block b = {mem,          mem + nb,     mem + 2 * nb, mem + 3 * nb,
                    mem + 4 * nb, mem + 5 * nb, mem + 6 * nb, mem + 7 * nb};
    for (int l = 0; l < nb; l++) {
        long s = (first + l) / N_TRACES;
        b.v[l] = VT;
        b.gl[l] = param(0, s);
        b.gna[l] = param(1, s);
        b.gkd[l] = param(2, s);
        b.cm[l] = param(3, s);
    }
    const double mV = 1e-3, ms = 1e-3;
    for (long k = 0; k < n_steps; k++) {
        for (int l = 0; l < nb; l++) {
            double v = b.v[l], m = b.m[l], n = b.n[l], h = b.h[l];
            double in = I[((first + l) % N_TRACES) * n_steps + k];
            double am =
                0.32 * (13 * mV - v + VT) / mV / (exp((13 * mV - v + VT) / (4 * mV)) - 1) / ms;
            double bm =
                0.28 * (v - VT - 40 * mV) / mV / (exp((v - VT - 40 * mV) / (5 * mV)) - 1) / ms;
            double an =
                0.032 * (15 * mV - v + VT) / mV / (exp((15 * mV - v + VT) / (5 * mV)) - 1) / ms;
            double bn = 0.5 * exp((10 * mV - v + VT) / (40 * mV)) / ms;
            double ah = 0.128 * exp((17 * mV - v + VT) / (18 * mV)) / ms;
            double bh = 4 / (1 + exp((40 * mV - v + VT) / (5 * mV))) / ms;
            double m3h = m * m * m * h, n4 = n * n * n * n;
            double Av = -(b.gl[l] + b.gna[l] * m3h + b.gkd[l] * n4) / b.cm[l];
            double Bv =
                (b.gl[l] * EL + b.gna[l] * m3h * ENA + b.gkd[l] * n4 * EK + in) / b.cm[l];
            double Am = -(am + bm), An = -(an + bn), Ah = -(ah + bh);
            b.v[l] = -Bv / Av + (v + Bv / Av) * exp(Av * DT);
            b.m[l] = -am / Am + (m + am / Am) * exp(Am * DT);
            b.n[l] = -an / An + (n + an / An) * exp(An * DT);
            b.h[l] = -ah / Ah + (h + ah / Ah) * exp(Ah * DT);
        }
    }
    double s = 0;
    for (int l = 0; l < nb; l++)
        s += b.v[l];
    *sink += s;
    free(mem);
}

static double run_hand(long n_lanes, long n_steps, int block, int threads, const double *I)
{
    long n_blocks = (n_lanes + block - 1) / block;
    double sink = 0;
    double t0 = now();
#pragma omp parallel for schedule(dynamic, 1) num_threads(threads) reduction(+ : sink)
    for (long bi = 0; bi < n_blocks; bi++) {
        long first = bi * block;
        int nb = (int)(n_lanes - first < block ? n_lanes - first : block);
        hand_run_block(first, nb, n_steps, I, &sink);
    }
    double t = now() - t0;
    if (!isfinite(sink))
        printf("  (hand kernel produced non-finite values)\n");
    return t;
}

/* --- the engine --------------------------------------------------------------- */

static double run_engine(const mf_model *m, long n_lanes, long n_steps, int block, int threads,
                         const double *I)
{
    mf_error err;
    memset(&err, 0, sizeof err);
    mf_engine_options opt = {.block_size = block, .n_threads = threads};
    mf_engine *e = NULL;
    if (mf_engine_new(m, DT, &opt, &e, &err) != MF_OK) {
        fprintf(stderr, "bench_engine: %s\n", err.message);
        exit(1);
    }
    long n_samples = n_lanes / N_TRACES;
    double *vals[4];
    const double *values[16] = {0};
    static const char *names[4] = {"gl", "g_na", "g_kd", "Cm"};
    for (int p = 0; p < 4; p++) {
        vals[p] = malloc(sizeof(double) * (size_t)n_samples);
        for (long s = 0; s < n_samples; s++)
            vals[p][s] = param(p, s);
        values[mf_model_find_var(m, names[p])] = vals[p];
    }
    const double *inputs[1] = {I};
    mf_run run = {.n_lanes = n_lanes,
                  .n_traces = N_TRACES,
                  .n_steps = n_steps,
                  .inputs = inputs,
                  .values = values};
    double t0 = now();
    mf_status rc = mf_engine_run(e, &run, &err);
    double t = now() - t0;
    if (rc != MF_OK) {
        fprintf(stderr, "bench_engine: %s\n", err.message);
        exit(1);
    }
    for (int p = 0; p < 4; p++)
        free(vals[p]);
    mf_engine_free(e);
    return t;
}

static mf_model *compile_hh(void)
{
    mf_dim V = mf_dim_div(
        mf_dim_div(mf_dim_mul(mf_dim_base(MF_DIM_KG), mf_dim_pow(mf_dim_base(MF_DIM_M), 2)),
                   mf_dim_pow(mf_dim_base(MF_DIM_S), 3)),
        mf_dim_base(MF_DIM_A));
    mf_name_def consts[4] = {{"El", EL, V}, {"EK", EK, V}, {"ENa", ENA, V}, {"VT", VT, V}};
    mf_name_def inputs[1] = {{"I", 0, mf_dim_base(MF_DIM_A)}};
    const char *init_names[1] = {"v"}, *init_values[1] = {"VT"};
    mf_model_spec spec = {.equations = HH,
                          .constants = consts,
                          .n_constants = 4,
                          .inputs = inputs,
                          .n_inputs = 1,
                          .method = "exponential_euler",
                          .init_names = init_names,
                          .init_exprs = init_values,
                          .n_init = 1};
    mf_model *m = NULL;
    mf_error err;
    memset(&err, 0, sizeof err);
    if (mf_model_compile(&spec, &m, &err) != MF_OK) {
        fprintf(stderr, "bench_engine: %s\n", err.message);
        exit(1);
    }
    return m;
}

int main(int argc, char **argv)
{
    long n_lanes = argc > 1 ? atol(argv[1]) : 1000;
    long n_steps = argc > 2 ? atol(argv[2]) : 10000;
    int block = argc > 3 ? atoi(argv[3]) : 64;
    int repeats = argc > 4 ? atoi(argv[4]) : 3;
    if (n_lanes < N_TRACES || n_steps < 1 || block < 1 || repeats < 1) {
        fprintf(stderr,
                "usage: bench_engine [n_neurons >= 5 [n_steps [block_size [repeats]]]]\n");
        return 2;
    }
    n_lanes = n_lanes / N_TRACES * N_TRACES;
    int all = omp_get_max_threads();
    double *I = make_input(n_steps);
    mf_model *m = compile_hh();
    double ns = 1e9 / ((double)n_lanes * (double)n_steps);
    printf("HH tutorial model, exponential Euler, %ld neurons x %ld steps, block %d, best of "
           "%d\n",
           n_lanes, n_steps, block, repeats);
    int threads[2] = {1, all};
    for (int i = 0; i < (all > 1 ? 2 : 1); i++) {
        double th = INFINITY, ti = INFINITY;
        for (int r = 0; r < repeats; r++) {
            th = fmin(th, run_hand(n_lanes, n_steps, block, threads[i], I));
            ti = fmin(ti, run_engine(m, n_lanes, n_steps, block, threads[i], I));
        }
        printf("threads %d: hand kernel %.2f ns/neuron-step, interpreter %.2f ns/neuron-step, "
               "ratio %.2f\n",
               threads[i], th * ns, ti * ns, ti / th);
    }
    mf_model_free(m);
    free(I);
    return 0;
}

/* bench_engine_native: both backends of the engine on the HH tutorial model
 * (exponential Euler) against a hand-written C kernel, in the same run.
 *
 *   bench_engine_native [n_neurons [n_steps [block_size [repeats]]]]
 *                                                  (default 1000 10000 64 3)
 *
 * Prints, for 1 thread and for all threads, nanoseconds per neuron-step of
 * the hand kernel (the same kernel as bench/engine.c's: structure of arrays,
 * the same blocks and threads, compiled into this program with the project's
 * flags), the interpreter, native kernels with scalar exp (the default:
 * identical to the interpreter) and native kernels with libmvec's vector exp,
 * and each one's ratio to the hand kernel (each time is the best of `repeats`
 * runs: the machine is shared); then the thread speed-up of the
 * native kernel, the time to compile the HH kernel into an empty cache and
 * the time to find it in the cache. The cache is a temporary directory,
 * removed at the end. Not a test: it only measures. */
#include "context.h"
#include "engine.h"
#include "kernel_cache.h"
#include "model.h"

#include <dirent.h>
#include <math.h>
#include <omp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

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

static void die(const char *what, const mf_error *err)
{
    fprintf(stderr, "bench_engine_native: %s: %s\n", what, err->message);
    exit(1);
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

/* --- the hand-written kernel (as in bench/engine.c) ---------------------------- */

static void hand_run_block(long first, int nb, long n_steps, const double *I, double *sink)
{
    double *mem = calloc(8 * (size_t)nb, sizeof(double));
    double *bv = mem, *bm = mem + nb, *bn = mem + 2 * nb, *bh = mem + 3 * nb;
    double *gl = mem + 4 * nb, *gna = mem + 5 * nb, *gkd = mem + 6 * nb, *cm = mem + 7 * nb;
    for (int l = 0; l < nb; l++) {
        long s = (first + l) / N_TRACES;
        bv[l] = VT;
        gl[l] = param(0, s);
        gna[l] = param(1, s);
        gkd[l] = param(2, s);
        cm[l] = param(3, s);
    }
    const double mV = 1e-3, ms = 1e-3;
    for (long k = 0; k < n_steps; k++) {
        for (int l = 0; l < nb; l++) {
            double v = bv[l], m = bm[l], n = bn[l], h = bh[l];
            double in = I[((first + l) % N_TRACES) * n_steps + k];
            double am =
                0.32 * (13 * mV - v + VT) / mV / (exp((13 * mV - v + VT) / (4 * mV)) - 1) / ms;
            double bm_ =
                0.28 * (v - VT - 40 * mV) / mV / (exp((v - VT - 40 * mV) / (5 * mV)) - 1) / ms;
            double an =
                0.032 * (15 * mV - v + VT) / mV / (exp((15 * mV - v + VT) / (5 * mV)) - 1) / ms;
            double bn_ = 0.5 * exp((10 * mV - v + VT) / (40 * mV)) / ms;
            double ah = 0.128 * exp((17 * mV - v + VT) / (18 * mV)) / ms;
            double bh_ = 4 / (1 + exp((40 * mV - v + VT) / (5 * mV))) / ms;
            double m3h = m * m * m * h, n4 = n * n * n * n;
            double Av = -(gl[l] + gna[l] * m3h + gkd[l] * n4) / cm[l];
            double Bv = (gl[l] * EL + gna[l] * m3h * ENA + gkd[l] * n4 * EK + in) / cm[l];
            double Am = -(am + bm_), An = -(an + bn_), Ah = -(ah + bh_);
            bv[l] = -Bv / Av + (v + Bv / Av) * exp(Av * DT);
            bm[l] = -am / Am + (m + am / Am) * exp(Am * DT);
            bn[l] = -an / An + (n + an / An) * exp(An * DT);
            bh[l] = -ah / Ah + (h + ah / Ah) * exp(Ah * DT);
        }
    }
    double s = 0;
    for (int l = 0; l < nb; l++)
        s += bv[l];
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

/* --- the engine ------------------------------------------------------------------ */

typedef struct variant {
    const char *name;
    const mf_backend *be;
    bool vector_exp;
} variant;

static mf_engine *make_engine(const mf_model *m, const variant *v, mf_context *ctx, int block,
                              int threads, double *seconds)
{
    mf_error err;
    mf_error_clear(&err);
    mf_engine_options opt = {
        .block_size = block, .n_threads = threads, .backend = v->be, .ctx = ctx};
    if (v->vector_exp)
        setenv("MODELFIT_VECTOR_EXP", "1", 1);
    mf_engine *e = NULL;
    double t0 = now();
    mf_status rc = mf_engine_new(m, DT, &opt, &e, &err);
    *seconds = now() - t0;
    unsetenv("MODELFIT_VECTOR_EXP");
    if (rc != MF_OK)
        die("engine", &err);
    return e;
}

static double run_engine(mf_engine *e, long n_lanes, long n_steps, const double *I)
{
    const mf_model *m = mf_engine_model(e);
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
    mf_error err;
    mf_error_clear(&err);
    double t0 = now();
    mf_status rc = mf_engine_run(e, &run, &err);
    double t = now() - t0;
    if (rc != MF_OK)
        die("run", &err);
    for (int p = 0; p < 4; p++)
        free(vals[p]);
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
    mf_error_clear(&err);
    if (mf_model_compile(&spec, &m, &err) != MF_OK)
        die("model", &err);
    return m;
}

/* --- the temporary cache ------------------------------------------------------------ */

static void log_line(void *user, mf_log_level level, const char *msg)
{
    (void)user;
    (void)level;
    printf("  [log] %s\n", msg);
}

static void remove_cache(const char *dir)
{
    char kd[1100], p[2300];
    snprintf(kd, sizeof kd, "%s/kernels", dir);
    DIR *d = opendir(kd);
    struct dirent *de;
    while (d && (de = readdir(d))) {
        if (strcmp(de->d_name, ".") != 0 && strcmp(de->d_name, "..") != 0) {
            snprintf(p, sizeof p, "%s/%s", kd, de->d_name);
            unlink(p);
        }
    }
    if (d)
        closedir(d);
    rmdir(kd);
    rmdir(dir);
}

int main(int argc, char **argv)
{
    long n_lanes = argc > 1 ? atol(argv[1]) : 1000;
    long n_steps = argc > 2 ? atol(argv[2]) : 10000;
    int block = argc > 3 ? atoi(argv[3]) : 64;
    int repeats = argc > 4 ? atoi(argv[4]) : 3;
    if (n_lanes < N_TRACES || n_steps < 1 || block < 1 || repeats < 1) {
        fprintf(stderr, "usage: bench_engine_native [n_neurons >= 5 [n_steps [block "
                        "[repeats]]]]\n");
        return 2;
    }
    n_lanes = n_lanes / N_TRACES * N_TRACES;
    char dir[1024];
    const char *tmp = getenv("TMPDIR");
    snprintf(dir, sizeof dir, "%s/modelfit-bench-XXXXXX", tmp && *tmp ? tmp : "/tmp");
    mf_context *ctx = NULL;
    mf_error err;
    if (!mkdtemp(dir) || mf_context_new(&ctx, &err) != MF_OK ||
        mf_context_set_cache_dir(ctx, dir, &err) != MF_OK) {
        fprintf(stderr, "bench_engine_native: cannot make a temporary cache\n");
        return 1;
    }
    mf_context_set_log(ctx, log_line, NULL, MF_LOG_INFO);

    int all = omp_get_max_threads();
    double *I = make_input(n_steps);
    mf_model *m = compile_hh();
    double ns = 1e9 / ((double)n_lanes * (double)n_steps);
    printf("HH tutorial model, exponential Euler, %ld neurons x %ld steps, block %d, best of "
           "%d\n",
           n_lanes, n_steps, block, repeats);
    printf("kernel flags:");
    for (const char *const *f = mf_kernel_cflags(); *f; f++)
        printf(" %s", *f);
    printf("\n");

    const variant vars[3] = {{"interpreter", mf_backend_interp(), false},
                             {"native", mf_backend_native(), false},
                             {"native+vector exp", mf_backend_native(), true}};
    mf_engine *eng[3][2] = {{NULL}};
    double t_prep[3][2];
    int threads[2] = {1, all};
    int n_conf = all > 1 ? 2 : 1;
    for (int c = 0; c < n_conf; c++)
        for (int i = 0; i < 3; i++)
            eng[i][c] = make_engine(m, &vars[i], ctx, block, threads[c], &t_prep[i][c]);
    printf("prepare: interpreter %.1f ms; native: compile (empty cache) %.1f ms, cache hit "
           "%.1f ms; vector exp: compile %.1f ms, cache hit %.1f ms\n",
           t_prep[0][0] * 1e3, t_prep[1][0] * 1e3, (n_conf > 1 ? t_prep[1][1] : NAN) * 1e3,
           t_prep[2][0] * 1e3, (n_conf > 1 ? t_prep[2][1] : NAN) * 1e3);

    /* Repeats outermost, so that a burst of load on the shared machine
     * hits every configuration alike; each time is the best of its runs. */
    double th[2] = {INFINITY, INFINITY};
    double t[2][3] = {{INFINITY, INFINITY, INFINITY}, {INFINITY, INFINITY, INFINITY}};
    for (int r = 0; r < repeats; r++) {
        for (int c = 0; c < n_conf; c++) {
            th[c] = fmin(th[c], run_hand(n_lanes, n_steps, block, threads[c], I));
            for (int i = 0; i < 3; i++)
                t[c][i] = fmin(t[c][i], run_engine(eng[i][c], n_lanes, n_steps, I));
        }
    }
    double t_native[2] = {t[0][1], t[1][1]};
    for (int c = 0; c < n_conf; c++) {
        printf("threads %d: hand kernel %.2f ns/neuron-step\n", threads[c], th[c] * ns);
        for (int i = 0; i < 3; i++)
            printf("threads %d: %-18s %.2f ns/neuron-step, ratio to hand %.2f\n", threads[c],
                   vars[i].name, t[c][i] * ns, t[c][i] / th[c]);
    }
    if (n_conf > 1)
        printf("%d threads are faster than 1 by: hand %.2fx, interpreter %.2fx, native %.2fx, "
               "native+vector exp %.2fx\n",
               all, th[0] / th[1], t[0][0] / t[1][0], t_native[0] / t_native[1],
               t[0][2] / t[1][2]);
    for (int c = 0; c < n_conf; c++)
        for (int i = 0; i < 3; i++)
            mf_engine_free(eng[i][c]);
    mf_model_free(m);
    free(I);
    mf_context_free(ctx);
    remove_cache(dir);
    return 0;
}

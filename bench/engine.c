/* bench_engine: nanoseconds per neuron-step of the HH tutorial model
 * (exponential Euler, dt 0.01 ms, the tutorial's parameters, step currents)
 * run by a hand-written C kernel, the engine's interpreter and native
 * kernels (both with mf_exp: identical results), all in the same run
 * (issue 5).
 *
 *   bench_engine [n_neurons [n_steps [block_size [repeats]]]]
 *                                                  (default 1000 10000 64 3)
 *
 * The hand kernel is the reference: structure of arrays, the same blocks
 * and OpenMP threads as the engine, glibc's exp, compiled into this program
 * with the project's flags. A second hand kernel (engine_hand_mf.c) does
 * the same arithmetic with mf_exp in an `omp simd` loop, compiled with the
 * native kernels' flags: the equal-terms comparison for the native
 * backend. For 1 thread and for all threads it prints each one's
 * ns/neuron-step and ratio to the hand kernel (each time is the best of
 * `repeats` runs, repeats outermost, so a burst of load on the shared
 * machine hits every configuration alike); then the thread speed-ups, the
 * time to compile the HH kernel into an empty cache and to find it in the
 * cache. The cache is a temporary directory, removed at the end. Not a
 * test: it only measures. */
#include "context.h"
#include "engine.h"
#include "engine_hand.h"
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

enum { N_TRACES = HH_N_TRACES };
static const double EL = HH_EL, EK = HH_EK, ENA = HH_ENA, VT = HH_VT, DT = HH_DT;

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

static void die(const char *what, const mf_error *err)
{
    fprintf(stderr, "bench_engine: %s: %s\n", what, err->message);
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

/* --- the hand-written kernels ------------------------------------------------- */

/* n_steps steps of the block with glibc's exp (the baseline). */
static void hand_steps_glibc(const hand_block *b)
{
    double *bv = b->v, *bm = b->m, *bn = b->n, *bh = b->h;
    const double *gl = b->gl, *gna = b->gna, *gkd = b->gkd, *cm = b->cm, *I = b->I;
    const long first = b->first, n_steps = b->n_steps;
    const int nb = b->nb;
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
}

static void hand_run_block(long first, int nb, long n_steps, const double *I, bool mf,
                           double *sink)
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
    hand_block b = {first, nb, n_steps, I, bv, bm, bn, bh, gl, gna, gkd, cm};
    if (mf)
        hand_steps_mf_exp(&b);
    else
        hand_steps_glibc(&b);
    double s = 0;
    for (int l = 0; l < nb; l++)
        s += bv[l];
    *sink += s;
    free(mem);
}

/* The run's seconds; *mean_v gets the mean over neurons of v at the end.
 * mf: the kernel with mf_exp. */
static double run_hand(long n_lanes, long n_steps, int block, int threads, const double *I,
                       bool mf, double *mean_v)
{
    long n_blocks = (n_lanes + block - 1) / block;
    double sink = 0;
    double t0 = now();
#pragma omp parallel for schedule(dynamic, 1) num_threads(threads) reduction(+ : sink)
    for (long bi = 0; bi < n_blocks; bi++) {
        long first = bi * block;
        int nb = (int)(n_lanes - first < block ? n_lanes - first : block);
        hand_run_block(first, nb, n_steps, I, mf, &sink);
    }
    double t = now() - t0;
    *mean_v = sink / (double)n_lanes;
    return t;
}

/* --- the engine ------------------------------------------------------------------ */

typedef struct variant {
    const char *name;
    bool native;
} variant;

static mf_engine *make_engine(const mf_model *m, const variant *v, mf_context *ctx, int block,
                              int threads, double *seconds)
{
    mf_error err;
    mf_error_clear(&err);
    mf_engine_options opt = {.block_size = block,
                             .n_threads = threads,
                             .backend = v->native ? mf_backend_native() : mf_backend_interp(),
                             .ctx = ctx};
    mf_engine *e = NULL;
    double t0 = now();
    mf_status rc = mf_engine_new(m, DT, &opt, &e, &err);
    *seconds = now() - t0;
    if (rc != MF_OK)
        die("engine", &err);
    return e;
}

/* As run_hand, the engine e. */
static double run_engine(mf_engine *e, long n_lanes, long n_steps, const double *I,
                         double *mean_v)
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
    const int end_vars[1] = {mf_model_find_var(m, "v")};
    double *v_end = malloc(sizeof(double) * (size_t)n_lanes);
    mf_run run = {.n_lanes = n_lanes,
                  .n_traces = N_TRACES,
                  .n_steps = n_steps,
                  .inputs = inputs,
                  .values = values,
                  .end_vars = end_vars,
                  .n_end = 1,
                  .end_out = &v_end};
    mf_error err;
    mf_error_clear(&err);
    double t0 = now();
    mf_status rc = mf_engine_run(e, &run, &err);
    double t = now() - t0;
    if (rc != MF_OK)
        die("run", &err);
    double sum = 0;
    for (long l = 0; l < n_lanes; l++)
        sum += v_end[l];
    *mean_v = sum / (double)n_lanes;
    free(v_end);
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

/* --- the measurements ---------------------------------------------------------------- */

enum { N_VAR = 2, MAX_CONF = 2 };
static const variant VARIANTS[N_VAR] = {{"interpreter", false}, {"native", true}};

/* The HH kernel's preparation: compiled into the empty cache, then found
 * in it (a second engine), per variant. */
static void print_prepare_times(const mf_model *m, mf_context *ctx, int block)
{
    double cold[N_VAR], hit[N_VAR];
    for (int i = 0; i < N_VAR; i++) {
        mf_engine_free(make_engine(m, &VARIANTS[i], ctx, block, 1, &cold[i]));
        mf_engine_free(make_engine(m, &VARIANTS[i], ctx, block, 1, &hit[i]));
    }
    printf("prepare the HH kernel: interpreter %.1f ms; native: compile %.0f ms (empty cache), "
           "cache hit %.1f ms\n",
           cold[0] * 1e3, cold[1] * 1e3, hit[1] * 1e3);
}

static void print_load(void)
{
    char line[128] = "";
    FILE *f = fopen("/proc/loadavg", "r");
    if (f && fgets(line, sizeof line, f))
        line[strcspn(line, "\n")] = '\0';
    if (f)
        fclose(f);
    printf("load average (1, 5, 15 min, /proc/loadavg): %s; %d threads available\n", line,
           omp_get_max_threads());
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
    char dir[1024];
    const char *tmp = getenv("TMPDIR");
    snprintf(dir, sizeof dir, "%s/modelfit-bench-XXXXXX", tmp && *tmp ? tmp : "/tmp");
    mf_context *ctx = NULL;
    mf_error err;
    if (!mkdtemp(dir) || mf_context_new(&ctx, &err) != MF_OK ||
        mf_context_set_cache_dir(ctx, dir, &err) != MF_OK) {
        fprintf(stderr, "bench_engine: cannot make a temporary cache\n");
        return 1;
    }
    mf_context_set_log(ctx, log_line, NULL, MF_LOG_WARNING);

    int all = omp_get_max_threads();
    double *I = make_input(n_steps);
    mf_model *m = compile_hh();
    double ns = 1e9 / ((double)n_lanes * (double)n_steps);
    printf("HH tutorial model, exponential Euler, %ld neurons x %ld steps, block %d, best of "
           "%d\n",
           n_lanes, n_steps, block, repeats);
    print_load();
    printf("kernel flags:");
    for (const char *const *f = mf_kernel_cflags(); *f; f++)
        printf(" %s", *f);
    printf("\n");
    print_prepare_times(m, ctx, block);

    int threads[MAX_CONF] = {1, all};
    int n_conf = all > 1 ? 2 : 1;
    mf_engine *eng[MAX_CONF][N_VAR];
    for (int c = 0; c < n_conf; c++)
        for (int i = 0; i < N_VAR; i++) {
            double unused;
            eng[c][i] = make_engine(m, &VARIANTS[i], ctx, block, threads[c], &unused);
        }

    /* Repeats outermost: a burst of load hits every configuration alike.
     * th[c][0]: the hand kernel with glibc's exp, th[c][1]: with mf_exp. */
    double th[MAX_CONF][2], t[MAX_CONF][N_VAR];
    double v_hand[2], v_end[N_VAR]; /* the mean v at the end (same for any threads) */
    for (int c = 0; c < MAX_CONF; c++) {
        th[c][0] = th[c][1] = INFINITY;
        for (int i = 0; i < N_VAR; i++)
            t[c][i] = INFINITY;
    }
    for (int r = 0; r < repeats; r++)
        for (int c = 0; c < n_conf; c++) {
            for (int h = 0; h < 2; h++)
                th[c][h] = fmin(th[c][h], run_hand(n_lanes, n_steps, block, threads[c], I,
                                                   h == 1, &v_hand[h]));
            for (int i = 0; i < N_VAR; i++)
                t[c][i] = fmin(t[c][i], run_engine(eng[c][i], n_lanes, n_steps, I, &v_end[i]));
        }

    for (int c = 0; c < n_conf; c++) {
        printf("threads %d: %-18s %7.2f ns/neuron-step\n", threads[c], "hand kernel",
               th[c][0] * ns);
        printf("threads %d: %-18s %7.2f ns/neuron-step\n", threads[c], "hand+mf_exp",
               th[c][1] * ns);
        for (int i = 0; i < N_VAR; i++)
            printf("threads %d: %-18s %7.2f ns/neuron-step, ratio to hand %.2f, to "
                   "hand+mf_exp %.2f\n",
                   threads[c], VARIANTS[i].name, t[c][i] * ns, t[c][i] / th[c][0],
                   t[c][i] / th[c][1]);
    }
    printf("final v, mean over the neurons (a check that all do the same work): hand %.6g mV, "
           "hand+mf_exp %.6g mV, interpreter %.6g mV, native %.6g mV\n",
           v_hand[0] * 1e3, v_hand[1] * 1e3, v_end[0] * 1e3, v_end[1] * 1e3);
    if (n_conf > 1)
        printf("%d threads are faster than 1 by: hand %.2fx, hand+mf_exp %.2fx, interpreter "
               "%.2fx, native %.2fx\n",
               all, th[0][0] / th[1][0], th[0][1] / th[1][1], t[0][0] / t[1][0],
               t[0][1] / t[1][1]);
    for (int c = 0; c < n_conf; c++)
        for (int i = 0; i < N_VAR; i++)
            mf_engine_free(eng[c][i]);
    mf_model_free(m);
    free(I);
    mf_context_free(ctx);
    remove_cache(dir);
    return 0;
}

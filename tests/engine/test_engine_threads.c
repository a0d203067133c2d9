/* Results do not depend on the number of threads or the block size (bit for
 * bit), and the chunk callback sees exactly what a full recording holds. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include "common/model_util.h"

/* The HH tutorial model with a threshold and a refractory period, so that
 * the spike and reset paths run too. */
static const char *const HH =
    "dv/dt = (gl*(El-v) - g_na*(m*m*m)*h*(v-ENa) - g_kd*(n*n*n*n)*(v-EK) + I)/Cm : volt\n"
    "dm/dt = 0.32*(mV**-1)*(13.*mV-v+VT)/(exp((13.*mV-v+VT)/(4.*mV))-1.)/ms*(1-m)"
    "-0.28*(mV**-1)*(v-VT-40.*mV)/(exp((v-VT-40.*mV)/(5.*mV))-1.)/ms*m : 1\n"
    "dn/dt = 0.032*(mV**-1)*(15.*mV-v+VT)/(exp((15.*mV-v+VT)/(5.*mV))-1.)/ms*(1.-n)"
    "-.5*exp((10.*mV-v+VT)/(40.*mV))/ms*n : 1\n"
    "dh/dt = 0.128*exp((17.*mV-v+VT)/(18.*mV))/ms*(1.-h)-4./(1+exp((40.*mV-v+VT)/(5.*mV)))/ms*h"
    " : 1\n"
    "g_na : siemens (constant)\ng_kd : siemens (constant)\n"
    "gl : siemens (constant)\nCm : farad (constant)\n";

enum { N_TRACES = 3, N_SAMPLES = 30, N_LANES = N_TRACES * N_SAMPLES, N_STEPS = 600 };

typedef struct result {
    double *v;
    mf_spike_list *sp;
} result;

static mf_model *hh_model(const char *method)
{
    mf_dim V = tu_dim("volt");
    mf_name_def consts[4] = {
        {"El", -0.065, V}, {"EK", -0.09, V}, {"ENa", 0.05, V}, {"VT", -0.063, V}};
    mf_name_def inputs[1] = {{"I", 0, tu_dim("amp")}};
    const char *init_names[1] = {"v"}, *init_values[1] = {"El"};
    mf_model_spec spec = {.equations = HH,
                          .constants = consts,
                          .n_constants = 4,
                          .inputs = inputs,
                          .n_inputs = 1,
                          .method = method,
                          .threshold = "v > -20*mV",
                          .refractory = "v > -40*mV",
                          .init_names = init_names,
                          .init_exprs = init_values,
                          .n_init = 1};
    mf_error err;
    mf_model *m = tu_compile(&spec, &err);
    assert_non_null(m);
    return m;
}

typedef struct inputs {
    double I[N_TRACES * N_STEPS];
    double gl[N_SAMPLES], gna[N_SAMPLES], gkd[N_SAMPLES], cm[N_SAMPLES];
} inputs;

static void make_inputs(inputs *in)
{
    static const double amp[N_TRACES] = {2e-9, 10e-9, 0.5e-9};
    for (int tr = 0; tr < N_TRACES; tr++)
        for (int k = 0; k < N_STEPS; k++)
            in->I[tr * N_STEPS + k] = k > 100 ? amp[tr] * (1 + 0.3 * sin(k * 0.01)) : 0;
    for (int s = 0; s < N_SAMPLES; s++) {
        double f = 0.5 + (double)s / N_SAMPLES;
        in->gl[s] = 1e-8 * f;
        in->gna[s] = 2e-5 / f;
        in->gkd[s] = 6e-6 * f;
        in->cm[s] = 2e-10;
    }
}

static result run(const mf_model *m, const inputs *in, int threads, int block)
{
    mf_error err;
    mf_engine_options opt = {.n_threads = threads, .block_size = block};
    mf_engine *e = NULL;
    assert_int_equal(mf_engine_new(m, 1e-5, &opt, &e, &err), MF_OK);
    tu_params p = {{0}};
    tu_param(&p, m, "gl", in->gl);
    tu_param(&p, m, "g_na", in->gna);
    tu_param(&p, m, "g_kd", in->gkd);
    tu_param(&p, m, "Cm", in->cm);
    result r = {calloc((size_t)N_LANES * N_STEPS, sizeof(double)),
                calloc(N_LANES, sizeof(mf_spike_list))};
    int rec[1] = {mf_model_find_var(m, "v")};
    double *outs[1] = {r.v};
    const double *inp[1] = {in->I};
    mf_run run = {.n_lanes = N_LANES,
                  .n_traces = N_TRACES,
                  .n_steps = N_STEPS,
                  .inputs = inp,
                  .values = p.values,
                  .rec_vars = rec,
                  .n_rec = 1,
                  .rec_out = outs,
                  .spikes = r.sp};
    assert_int_equal(mf_engine_run(e, &run, &err), MF_OK);
    mf_engine_free(e);
    return r;
}

static void assert_same(result a, result b)
{
    assert_memory_equal(a.v, b.v, sizeof(double) * N_LANES * N_STEPS);
    for (int l = 0; l < N_LANES; l++) {
        assert_int_equal(a.sp[l].n, b.sp[l].n);
        if (a.sp[l].n)
            assert_memory_equal(a.sp[l].t, b.sp[l].t, sizeof(double) * (size_t)a.sp[l].n);
    }
}

static void free_result(result r)
{
    free(r.v);
    mf_spike_lists_free(r.sp, N_LANES);
}

static void check_invariance(const char *method)
{
    inputs *in = malloc(sizeof *in);
    make_inputs(in);
    mf_model *m = hh_model(method);
    result one = run(m, in, 1, 64);
    result two = run(m, in, 2, 64);
    result small = run(m, in, 2, 8);
    result odd = run(m, in, 1, 100);
    long spikes = 0;
    for (int l = 0; l < N_LANES; l++)
        spikes += one.sp[l].n;
    printf("%s: %ld spikes in %d neurons\n", method, spikes, N_LANES);
    assert_true(spikes > 0);
    assert_same(one, two);
    assert_same(one, small);
    assert_same(one, odd);
    free_result(one);
    free_result(two);
    free_result(small);
    free_result(odd);
    mf_model_free(m);
    free(in);
}

static void test_threads_and_blocks_exponential_euler(void **state)
{
    (void)state;
    check_invariance("exponential_euler");
}

static void test_threads_and_blocks_rk4(void **state)
{
    (void)state;
    check_invariance("rk4");
}

/* --- chunk callback ---------------------------------------------------------- */

typedef struct chunk_sums {
    double sum[N_LANES];
    long steps[N_LANES];
    long stop_after; /* stop a lane's block when its step count passes this */
} chunk_sums;

static int on_chunk(void *user, const mf_chunk *c)
{
    chunk_sums *s = user;
    for (int l = 0; l < c->n_lanes; l++) {
        long lane = c->first_lane + l;
        for (int j = 0; j < c->n_steps; j++)
            s->sum[lane] += c->values[(size_t)l * (size_t)c->n_steps + (size_t)j];
        s->steps[lane] += c->n_steps;
        if (s->stop_after && s->steps[lane] > s->stop_after)
            return 1;
    }
    return 0;
}

static void test_chunk_callback(void **state)
{
    (void)state;
    inputs *in = malloc(sizeof *in);
    make_inputs(in);
    mf_model *m = hh_model("exponential_euler");
    result full = run(m, in, 1, 64);
    mf_error err;
    mf_engine *e = NULL;
    mf_engine_options opt = {.n_threads = 2};
    assert_int_equal(mf_engine_new(m, 1e-5, &opt, &e, &err), MF_OK);
    tu_params p = {{0}};
    tu_param(&p, m, "gl", in->gl);
    tu_param(&p, m, "g_na", in->gna);
    tu_param(&p, m, "g_kd", in->gkd);
    tu_param(&p, m, "Cm", in->cm);
    chunk_sums *s = calloc(1, sizeof *s);
    int rec[1] = {mf_model_find_var(m, "v")};
    const double *inp[1] = {in->I};
    mf_run run = {.n_lanes = N_LANES,
                  .n_traces = N_TRACES,
                  .n_steps = N_STEPS,
                  .inputs = inp,
                  .values = p.values,
                  .rec_vars = rec,
                  .n_rec = 1,
                  .chunk_fn = on_chunk,
                  .chunk_user = s,
                  .chunk_steps = 7}; /* 600 = 85*7 + 5: a short last chunk */
    assert_int_equal(mf_engine_run(e, &run, &err), MF_OK);
    for (int l = 0; l < N_LANES; l++) {
        double want = 0;
        for (int k = 0; k < N_STEPS; k++)
            want += full.v[(size_t)l * N_STEPS + (size_t)k];
        assert_int_equal(s->steps[l], N_STEPS);
        assert_true(s->sum[l] == want);
    }
    /* A callback that returns non-zero stops the run with MF_ERR_STOPPED. */
    memset(s, 0, sizeof *s);
    s->stop_after = 100;
    assert_int_equal(mf_engine_run(e, &run, &err), MF_ERR_STOPPED);
    assert_non_null(strstr(err.message, "stopped"));
    free(s);
    mf_engine_free(e);
    free_result(full);
    mf_model_free(m);
    free(in);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_threads_and_blocks_exponential_euler),
        cmocka_unit_test(test_threads_and_blocks_rk4),
        cmocka_unit_test(test_chunk_callback),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

/* Every engine a fitter makes (fit, refine with finite differences and
 * with sensitivity equations, generate with its own param_init) takes the
 * context's backend: with "native" kernels are compiled into the context's
 * cache, with "interp" none, and both give the same errors, refined
 * parameters and generated traces. The same for a spike fitter. The
 * optimizer is `random` with a fixed seed, so both runs evaluate the same
 * points whatever the errors. Every cache is a temporary directory. */
#include "fitter/fit_test.h"
#include "native/native_util.h"

enum { NT = 2, NS = 400 };
static const double DT = 1e-4;
static const char *const NAMES[] = {"gl", "C"};
static const double LO[] = {2e-9, 0.05e-9}, HI[] = {50e-9, 1e-9};

/* A passive membrane driven by steps of current; the target is the exact
 * solution for gl = 10 nS, C = 0.2 nF (tau = 20 ms). */
static void passive_data(double *I, double *v)
{
    const double gl = 10e-9, C = 0.2e-9, El = -0.07, tau = C / gl;
    for (int k = 0; k < NT; k++)
        for (int i = 0; i < NS; i++) {
            double amp = (k + 1) * 0.1e-9, t = i * DT;
            I[k * NS + i] = amp;
            v[k * NS + i] = El + amp / gl * (1 - exp(-t / tau));
        }
}

static mf_fitter *passive_fitter(mf_context *ctx)
{
    static double I[NT * NS], v[NT * NS];
    passive_data(I, v);
    mf_fitter_spec *s;
    mf_fitter *f;
    FT_OK(mf_fitter_spec_new(MF_FITTER_TRACES, &s, err));
    FT_OK(mf_fitter_spec_set_model(s,
                                   "dv/dt = (gl*(El - v) + I)/C : volt\n"
                                   "gl : siemens (constant)\nC : farad (constant)\n",
                                   NULL, err));
    FT_OK(mf_fitter_spec_set_constant(s, "El", ft_q("-70*mV"), err));
    FT_OK(mf_fitter_spec_set_input(s, "I", ft_unit("amp"), NT, NS, I, err));
    FT_OK(mf_fitter_spec_set_output(s, "v", ft_unit("volt"), NT, NS, v, err));
    FT_OK(mf_fitter_spec_set_dt(s, DT, err));
    FT_OK(mf_fitter_spec_set_n_samples(s, 6, err));
    FT_OK(mf_fitter_spec_set_method(s, "exponential_euler", err));
    FT_OK(mf_fitter_spec_set_init(s, "v", "El", err));
    FT_OK(mf_fitter_new(ctx, s, &f, err));
    mf_fitter_spec_free(s);
    return f;
}

/* What a whole trace fit produced with one backend. */
typedef struct trace_run {
    double errors[12];
    double refined[2][2], refined_error[2];
    mf_array *generated;
    int kernels[4]; /* kernels compiled by the fit, each refine, generate */
} trace_run;

/* The kernel objects in the cache, which is then emptied: the next step
 * must compile (or run in the interpreter) on its own. */
static int take_kernels(nu_env *env)
{
    int n = nu_kernel_files(env, ".so", NULL, 0);
    char kd[600];
    snprintf(kd, sizeof kd, "%s/kernels", env->dir);
    nu_rmdir_files(kd);
    return n;
}

static void run_trace_fit(const char *backend, trace_run *r)
{
    nu_env *env = nu_env_new();
    assert_non_null(env);
    FT_OK(mf_context_set_backend(env->ctx, backend, err));
    mf_fitter *f = passive_fitter(env->ctx);
    mf_optimizer *o = ft_optimizer(env->ctx, "random", 7);
    FT_OK(mf_fitter_fit(f, o, NULL, 2, 2, NAMES, LO, HI, NULL, NULL, true, -1, err));
    assert_int_equal(mf_fitter_history_size(f), 12);
    for (long i = 0; i < 12; i++)
        r->errors[i] = mf_fitter_history_error(f, i);
    r->kernels[0] = take_kernels(env);
    const double start[2] = {5e-9, 0.5e-9};
    FT_OK(mf_fitter_refine(f, start, 20, 0, NAN, NULL, NULL, r->refined[0],
                           &r->refined_error[0], NULL, err));
    r->kernels[1] = take_kernels(env);
    FT_OK(mf_fitter_refine(f, start, 20, MF_REFINE_EXACT_GRADIENT, NAN, NULL, NULL,
                           r->refined[1], &r->refined_error[1], NULL, err));
    r->kernels[2] = take_kernels(env);
    const char *init_names[] = {"v"}, *init_values[] = {"-60*mV"};
    const char *vars[] = {"v"};
    FT_OK(mf_fitter_generate(f, r->refined[0], 1, init_names, init_values, NAN, 1, vars,
                             &r->generated, NULL, err));
    r->kernels[3] = take_kernels(env);
    mf_optimizer_free(o);
    mf_fitter_free(f);
    nu_env_free(env);
}

static void expect_rel(double a, double b, double tol)
{
    assert_double_equal(a, b, tol * fmax(fabs(a), fabs(b)));
}

static void test_trace_fitter(void **state)
{
    (void)state;
    if (!nu_have_cc())
        skip();
    trace_run in = {0}, na = {0};
    run_trace_fit("interp", &in);
    run_trace_fit("native", &na);
    for (int k = 0; k < 4; k++) {
        assert_int_equal(in.kernels[k], 0);
        assert_true(na.kernels[k] >= 1);
    }
    for (int i = 0; i < 12; i++)
        expect_rel(in.errors[i], na.errors[i], 1e-12);
    for (int k = 0; k < 2; k++) {
        expect_rel(in.refined_error[k], na.refined_error[k], 1e-9);
        for (int p = 0; p < 2; p++)
            expect_rel(in.refined[k][p], na.refined[k][p], 1e-9);
        /* And the refine found the truth the data were made with. */
        assert_double_equal(na.refined[k][0], 10e-9, 1e-3 * 10e-9);
        assert_double_equal(na.refined[k][1], 0.2e-9, 1e-3 * 0.2e-9);
    }
    assert_int_equal(mf_array_cols(na.generated), NS);
    const double *a = mf_array_cdata(in.generated), *b = mf_array_cdata(na.generated);
    assert_double_equal(b[0], -0.06, 1e-15); /* the param_init given to generate */
    for (size_t i = 0; i < (size_t)NT * NS; i++)
        expect_rel(a[i], b[i], 1e-12);
    mf_array_free(in.generated);
    mf_array_free(na.generated);
}

/* A LIF neuron fitted to spike trains: the gamma errors per point. */
static void run_spike_fit(const char *backend, double *errors, int *kernels)
{
    static double I[NT * NS];
    for (int k = 0; k < NT; k++)
        for (int i = 0; i < NS; i++)
            I[k * NS + i] = (1.5 + 0.5 * k) * (i > 20);
    const double train0[] = {0.005, 0.012, 0.02, 0.03}, train1[] = {0.004, 0.008, 0.013};
    const double *trains[] = {train0, train1};
    const int len[] = {4, 3};
    mf_spike_trains *targets;
    FT_OK(mf_spike_trains_new_from(NT, len, trains, &targets, err));
    nu_env *env = nu_env_new();
    assert_non_null(env);
    FT_OK(mf_context_set_backend(env->ctx, backend, err));
    mf_fitter_spec *s;
    mf_fitter *f;
    FT_OK(mf_fitter_spec_new(MF_FITTER_SPIKES, &s, err));
    FT_OK(mf_fitter_spec_set_model(
        s, "dv/dt = (I - v)/tau : 1 (unless refractory)\ntau : second (constant)\n", NULL,
        err));
    FT_OK(mf_fitter_spec_set_input(s, "I", ft_unit("1"), NT, NS, I, err));
    FT_OK(mf_fitter_spec_set_output_spikes(s, targets, err));
    FT_OK(mf_fitter_spec_set_dt(s, DT, err));
    FT_OK(mf_fitter_spec_set_n_samples(s, 6, err));
    FT_OK(mf_fitter_spec_set_threshold(s, "v > 1", err));
    FT_OK(mf_fitter_spec_set_reset(s, "v = 0", err));
    FT_OK(mf_fitter_spec_set_refractory(s, "1*ms", err));
    FT_OK(mf_fitter_new(env->ctx, s, &f, err));
    mf_fitter_spec_free(s);
    mf_spike_trains_free(targets);
    mf_optimizer *o = ft_optimizer(env->ctx, "random", 3);
    const char *names[] = {"tau"};
    const double lo[] = {1e-3}, hi[] = {20e-3};
    FT_OK(mf_fitter_fit(f, o, NULL, 2, 1, names, lo, hi, NULL, NULL, true, -1, err));
    assert_int_equal(mf_fitter_history_size(f), 12);
    for (long i = 0; i < 12; i++)
        errors[i] = mf_fitter_history_error(f, i);
    *kernels = nu_kernel_files(env, ".so", NULL, 0);
    mf_optimizer_free(o);
    mf_fitter_free(f);
    nu_env_free(env);
}

static void test_spike_fitter(void **state)
{
    (void)state;
    if (!nu_have_cc())
        skip();
    double in[12], na[12];
    int k_in, k_na;
    run_spike_fit("interp", in, &k_in);
    run_spike_fit("native", na, &k_na);
    assert_int_equal(k_in, 0);
    assert_int_equal(k_na, 1);
    int spread = 0;
    for (int i = 0; i < 12; i++) {
        /* Spike times are multiples of dt: the errors are the same numbers. */
        assert_true(in[i] == na[i]);
        spread += in[i] != in[0];
    }
    assert_true(spread > 0); /* the points differ, so the comparison means something */
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_trace_fitter),
        cmocka_unit_test(test_spike_fitter),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

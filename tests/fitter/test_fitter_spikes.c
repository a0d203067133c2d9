/* The spike fitter on the exponential integrate-and-fire example
 * (../shared/models/eif.eqs): target spikes are generated with the engine
 * (mf_sim) from the example's ground truth, gL = 30 nS, C = 1 nF,
 * EL = -70 mV, and the fit with the gamma factor recovers gL and C within
 * 5% (EL is fitted too, as in the example).
 *
 * The inputs are fluctuating currents (an Ornstein-Uhlenbeck process from a
 * fixed generator): in that regime the spike times depend on the membrane
 * time constant C/gL, which separates gL from EL. A coincidence window of
 * 1 ms keeps the set of perfect fits (gamma error 0) within a few percent
 * of the truth; with 2 ms it spreads to about 5%. */
#include "fit_test.h"

enum { NT = 4, NS = 10000 };
static double current[NT * NS];

/* Mean (0.3 + 0.2 k) nA plus 0.8 nA of noise correlated over 5 ms. */
static void make_current(void)
{
    unsigned long long s = 12345;
    const double dt = 1e-4, tau = 5e-3;
    for (int k = 0; k < NT; k++) {
        double x = 0;
        for (int i = 0; i < NS; i++) {
            s = s * 6364136223846793005ULL + 1442695040888963407ULL;
            double u = (double)(s >> 11) * 0x1.0p-53 - 0.5; /* variance 1/12 */
            x += -x * dt / tau + sqrt(2 * dt / tau) * u * sqrt(12.0);
            current[k * NS + i] = (0.3e-9 + 0.2e-9 * k) + 0.8e-9 * x;
        }
    }
}

static void set_eif(mf_sim *sim)
{
    FT_OK(mf_sim_set_constant(sim, "VT", ft_q("-50*mV"), err));
    FT_OK(mf_sim_set_constant(sim, "DeltaT", ft_q("2*mV"), err));
    FT_OK(mf_sim_set_input(sim, "I", ft_unit("amp"), NT, NS, current, err));
    FT_OK(mf_sim_set_dt(sim, 1e-4, err));
    FT_OK(mf_sim_set_threshold(sim, "v > -50*mV", err));
    FT_OK(mf_sim_set_reset(sim, "v = -70*mV", err));
    FT_OK(mf_sim_set_method(sim, "exponential_euler", err));
    FT_OK(mf_sim_set_init(sim, "v", "-70*mV", err));
}

/* The ground truth's spikes, from the simulation API. */
static mf_spike_trains *truth_spikes(mf_context *ctx, const char *model)
{
    mf_sim *sim;
    FT_OK(mf_sim_new(ctx, model, &sim, err));
    set_eif(sim);
    const double gl = 30e-9, c = 1e-9, el = -70e-3;
    FT_OK(mf_sim_set_param(sim, "gL", 1, &gl, err));
    FT_OK(mf_sim_set_param(sim, "C", 1, &c, err));
    FT_OK(mf_sim_set_param(sim, "EL", 1, &el, err));
    mf_sim_result *res;
    FT_OK(mf_sim_run(sim, &res, err));
    int lens[NT];
    const double *times[NT];
    for (int k = 0; k < NT; k++) {
        long n;
        times[k] = mf_sim_result_spikes(res, k, &n);
        lens[k] = (int)n;
        assert_true(n >= 5); /* enough spikes to fit */
    }
    mf_spike_trains *t;
    FT_OK(mf_spike_trains_new_from(NT, lens, times, &t, err));
    mf_sim_result_free(res);
    mf_sim_free(sim);
    return t;
}

static void eif_gamma_fit(void **state)
{
    (void)state;
    char *model = ft_read_file(MF_SHARED_DIR "/models/eif.eqs");
    if (!model)
        skip();
    make_current();
    mf_context *ctx = ft_context(0);
    mf_spike_trains *target = truth_spikes(ctx, model);
    mf_fitter_spec *s;
    mf_fitter *f;
    FT_OK(mf_fitter_spec_new(MF_FITTER_SPIKES, &s, err));
    FT_OK(mf_fitter_spec_set_model(s, model, "eif.eqs", err));
    FT_OK(mf_fitter_spec_set_constant(s, "VT", ft_q("-50*mV"), err));
    FT_OK(mf_fitter_spec_set_constant(s, "DeltaT", ft_q("2*mV"), err));
    FT_OK(mf_fitter_spec_set_input(s, "I", ft_unit("amp"), NT, NS, current, err));
    FT_OK(mf_fitter_spec_set_output_spikes(s, target, err));
    FT_OK(mf_fitter_spec_set_dt(s, 1e-4, err));
    FT_OK(mf_fitter_spec_set_threshold(s, "v > -50*mV", err));
    FT_OK(mf_fitter_spec_set_reset(s, "v = -70*mV", err));
    FT_OK(mf_fitter_spec_set_method(s, "exponential_euler", err));
    FT_OK(mf_fitter_spec_set_init(s, "v", "-70*mV", err));
    FT_OK(mf_fitter_spec_set_n_samples(s, 30, err));
    FT_OK(mf_fitter_new(ctx, s, &f, err));
    mf_fitter_spec_free(s);
    assert_string_equal(mf_fitter_output_name(f, 0), "spikes");

    mf_metric *gamma = ft_metric(ctx, "gamma", "delta=1*ms", NULL);
    mf_optimizer *de = ft_optimizer(ctx, "de", 3);
    const char *names[] = {"gL", "C", "EL"};
    const double lo[] = {10e-9, 0.1e-9, -100e-3}, hi[] = {100e-9, 10e-9, -50e-3};
    FT_OK(mf_fitter_fit(f, de, &gamma, 80, 3, names, lo, hi, NULL, NULL, false, -1, err));
    double best[3], e;
    FT_OK(mf_fitter_best(f, best, &e, err));
    /* The model's parameters in equation order: gL, C, EL. */
    assert_true(fabs(best[0] / 30e-9 - 1) < 0.05);
    assert_true(fabs(best[1] / 1e-9 - 1) < 0.05);
    assert_true(e < 0.05);

    /* generate: the best parameters' spikes match the targets within the
     * window, and the ground truth's reproduce them exactly. */
    mf_spike_trains *got;
    const double truth[3] = {30e-9, 1e-9, -70e-3};
    FT_OK(mf_fitter_generate(f, truth, 0, NULL, NULL, NAN, 0, NULL, NULL, &got, err));
    assert_int_equal(mf_spike_trains_count(got), NT);
    for (int k = 0; k < NT; k++) {
        assert_int_equal(mf_spike_trains_len(got, k), mf_spike_trains_len(target, k));
        for (int i = 0; i < mf_spike_trains_len(got, k); i++)
            assert_double_equal(mf_spike_trains_times(got, k)[i],
                                mf_spike_trains_times(target, k)[i], 1e-12);
    }
    mf_spike_trains_free(got);
    mf_spike_trains_free(target);
    mf_fitter_free(f);
    mf_metric_free(gamma);
    mf_optimizer_free(de);
    mf_context_free(ctx);
    free(model);
}

/* Without a metric the spike fitter uses brian2modelfitting's default,
 * the gamma factor with delta = 2 ms; a trace metric is refused. */
static void default_metric(void **state)
{
    (void)state;
    char *model = ft_read_file(MF_SHARED_DIR "/models/eif.eqs");
    if (!model)
        skip();
    make_current();
    mf_context *ctx = ft_context(1);
    mf_spike_trains *target = truth_spikes(ctx, model);
    mf_fitter_spec *s;
    mf_fitter *f;
    FT_OK(mf_fitter_spec_new(MF_FITTER_SPIKES, &s, err));
    FT_OK(mf_fitter_spec_set_model(s, model, NULL, err));
    FT_OK(mf_fitter_spec_set_constant(s, "VT", ft_q("-50*mV"), err));
    FT_OK(mf_fitter_spec_set_constant(s, "DeltaT", ft_q("2*mV"), err));
    FT_OK(mf_fitter_spec_set_input(s, "I", ft_unit("amp"), NT, NS, current, err));
    FT_OK(mf_fitter_spec_set_output_spikes(s, target, err));
    FT_OK(mf_fitter_spec_set_dt(s, 1e-4, err));
    FT_OK(mf_fitter_spec_set_threshold(s, "v > -50*mV", err));
    FT_OK(mf_fitter_spec_set_reset(s, "v = -70*mV", err));
    FT_OK(mf_fitter_spec_set_init(s, "v", "-70*mV", err));
    FT_OK(mf_fitter_spec_set_n_samples(s, 2, err));
    FT_OK(mf_fitter_new(ctx, s, &f, err));
    mf_fitter_spec_free(s);
    mf_optimizer *o = ft_optimizer(ctx, "random", 1);
    mf_metric *mse = ft_metric(ctx, "mse", NULL);
    const char *names[] = {"gL", "C", "EL"};
    const double lo[] = {29.9e-9, 0.999e-9, -70.01e-3}, hi[] = {30.1e-9, 1.001e-9, -69.99e-3};
    mf_error e;
    assert_int_equal(mf_fitter_fit(f, o, &mse, 1, 3, names, lo, hi, NULL, NULL, false, -1, &e),
                     MF_ERR_INVALID);
    FT_OK(mf_fitter_fit(f, o, NULL, 1, 3, names, lo, hi, NULL, NULL, false, -1, err));
    /* Near the truth the gamma factor with 2 ms is nearly perfect. */
    assert_true(mf_fitter_history_error(f, 0) < 0.1);
    mf_fitter_free(f);
    mf_metric_free(mse);
    mf_spike_trains_free(target);
    mf_optimizer_free(o);
    mf_context_free(ctx);
    free(model);
}

/* A spike fitter's model may use `iteration` (the model compiler defines
 * it for fitters): the threshold v > 1.05 + iteration with v = 0.1*(k + 1)
 * after step k is first crossed at step 10 with iteration 0 and at step 20
 * with iteration 1. */
static void iteration_in_the_model(void **state)
{
    (void)state;
    enum { N = 30 };
    static double in[N];
    double t_first = 10e-4;
    const double *times[1] = {&t_first};
    int lens[1] = {1};
    mf_spike_trains *target;
    FT_OK(mf_spike_trains_new_from(1, lens, times, &target, err));
    mf_context *ctx = ft_context(1);
    mf_fitter_spec *s;
    mf_fitter *f;
    FT_OK(mf_fitter_spec_new(MF_FITTER_SPIKES, &s, err));
    FT_OK(mf_fitter_spec_set_model(s, "dv/dt = r/ms + I/second : 1\nr : 1 (constant)\n", NULL,
                                   err));
    FT_OK(mf_fitter_spec_set_input(s, "I", ft_unit("1"), 1, N, in, err));
    FT_OK(mf_fitter_spec_set_output_spikes(s, target, err));
    FT_OK(mf_fitter_spec_set_dt(s, 1e-4, err));
    FT_OK(mf_fitter_spec_set_threshold(s, "v > 1.05 + iteration", err));
    FT_OK(mf_fitter_spec_set_reset(s, "v = -100", err));
    FT_OK(mf_fitter_new(ctx, s, &f, err));
    mf_fitter_spec_free(s);
    const double r = 1;
    for (int it = 0; it < 2; it++) {
        mf_spike_trains *got;
        FT_OK(mf_fitter_generate(f, &r, 0, NULL, NULL, it, 0, NULL, NULL, &got, err));
        assert_int_equal(mf_spike_trains_len(got, 0), 1);
        assert_double_equal(mf_spike_trains_times(got, 0)[0], (10 + 10 * it) * 1e-4, 1e-12);
        mf_spike_trains_free(got);
    }
    mf_fitter_free(f);
    mf_spike_trains_free(target);
    mf_context_free(ctx);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(eif_gamma_fit),
        cmocka_unit_test(default_metric),
        cmocka_unit_test(iteration_in_the_model),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

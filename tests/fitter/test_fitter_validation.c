/* mf_fitter_new and mf_fitter_fit check everything up front, with messages
 * that say what is wrong and where (the list: shapes, units,
 * bounds, unused inputs, NaN in data, ...). */
#include "fit_test.h"
#include <limits.h>

static const char *passive = "I = g*(v - E) : amp\n"
                             "g : siemens (constant)\n"
                             "E : volt (constant)\n";

enum { NT = 2, NS = 50 };
static double vin[NT * NS], iout[NT * NS];

/* A valid passive-conductance spec to break in one way per test. */
static mf_fitter_spec *passive_spec(void)
{
    for (int i = 0; i < NT * NS; i++) {
        vin[i] = (i % NS) * 1e-3;
        iout[i] = 10e-9 * vin[i];
    }
    mf_fitter_spec *s;
    FT_OK(mf_fitter_spec_new(MF_FITTER_TRACES, &s, err));
    FT_OK(mf_fitter_spec_set_model(s, passive, NULL, err));
    FT_OK(mf_fitter_spec_set_input(s, "v", ft_unit("volt"), NT, NS, vin, err));
    FT_OK(mf_fitter_spec_set_output(s, "I", ft_unit("amp"), NT, NS, iout, err));
    FT_OK(mf_fitter_spec_set_dt(s, 1e-4, err));
    FT_OK(mf_fitter_spec_set_n_samples(s, 4, err));
    return s;
}

/* mf_fitter_new fails with `status` and a message containing `text`. */
static void expect_new_error(mf_context *ctx, mf_fitter_spec *s, mf_status status,
                             const char *text)
{
    mf_fitter *f = (mf_fitter *)1;
    mf_error e;
    mf_status rc = mf_fitter_new(ctx, s, &f, &e);
    if (rc != status || !strstr(e.message, text))
        fail_msg("expected status %d with \"%s\", got %d: %s", (int)status, text, (int)rc,
                 e.message);
    assert_null(f);
    mf_fitter_spec_free(s);
}

static void spec_errors(void **state)
{
    (void)state;
    mf_context *ctx = ft_context(1);
    mf_fitter_spec *s;
    mf_error e;

    FT_OK(mf_fitter_spec_new(MF_FITTER_TRACES, &s, err));
    expect_new_error(ctx, s, MF_ERR_INVALID, "no model");

    s = passive_spec();
    FT_OK(mf_fitter_spec_set_dt(s, 1e-4, err));
    assert_int_equal(mf_fitter_spec_set_dt(s, -1, &e), MF_ERR_INVALID);
    assert_int_equal(mf_fitter_spec_set_n_samples(s, 0, &e), MF_ERR_INVALID);
    /* A scaled unit: the values are SI. */
    assert_int_equal(mf_fitter_spec_set_input(s, "v", ft_q("1*mV"), NT, NS, vin, &e),
                     MF_ERR_UNITS);
    assert_non_null(strstr(e.message, "SI"));
    mf_fitter_spec_free(s);

    /* Shapes that disagree. */
    s = passive_spec();
    FT_OK(mf_fitter_spec_set_output(s, "I", ft_unit("amp"), NT, NS - 1, iout, err));
    expect_new_error(ctx, s, MF_ERR_INVALID, "output I has 2 traces x 49 steps but input v");

    /* Target units that do not match the variable. */
    s = passive_spec();
    FT_OK(mf_fitter_spec_set_output(s, "I", ft_unit("volt"), NT, NS, iout, err));
    expect_new_error(ctx, s, MF_ERR_UNITS,
                     "output I: the target traces have unit V but I has "
                     "unit A");

    /* An output that is not in the model. */
    s = passive_spec();
    FT_OK(mf_fitter_spec_set_output(s, "w", ft_unit("amp"), NT, NS, iout, err));
    expect_new_error(ctx, s, MF_ERR_NAME, "output 'w' is not a variable or subexpression");

    /* An input the model does not use. */
    s = passive_spec();
    FT_OK(mf_fitter_spec_set_input(s, "y", ft_unit("amp"), NT, NS, iout, err));
    expect_new_error(ctx, s, MF_ERR_NAME, "input 'y' is not used by the model");

    /* NaN in data, naming the trace and the step. */
    s = passive_spec();
    double bad[NT * NS];
    memcpy(bad, vin, sizeof bad);
    bad[NS + 7] = NAN;
    FT_OK(mf_fitter_spec_set_input(s, "v", ft_unit("volt"), NT, NS, bad, err));
    expect_new_error(ctx, s, MF_ERR_NUMERIC, "input v: trace 1, step 7");
    s = passive_spec();
    memcpy(bad, iout, sizeof bad);
    bad[3] = INFINITY;
    FT_OK(mf_fitter_spec_set_output(s, "I", ft_unit("amp"), NT, NS, bad, err));
    expect_new_error(ctx, s, MF_ERR_NUMERIC, "output I: trace 0, step 3");

    /* A model error keeps its place. */
    s = passive_spec();
    FT_OK(mf_fitter_spec_set_model(s,
                                   "I = g*(v - E) : amp\ng : volt (constant)\n"
                                   "E : volt (constant)\n",
                                   "passive.eqs", err));
    expect_new_error(ctx, s, MF_ERR_UNITS, "passive.eqs:1:");

    /* A penalty that is not in the model; param_init of an unknown name. */
    s = passive_spec();
    FT_OK(mf_fitter_spec_set_penalty(s, "nope", err));
    expect_new_error(ctx, s, MF_ERR_NAME, "penalty: ");
    s = passive_spec();
    FT_OK(mf_fitter_spec_set_init(s, "nope", "1*mV", err));
    expect_new_error(ctx, s, MF_ERR_NAME, "nope");

    /* Nothing to fit. */
    s = passive_spec();
    FT_OK(mf_fitter_spec_set_model(s, "I = 1*nS*(v - 1*mV) : amp\n", NULL, err));
    expect_new_error(ctx, s, MF_ERR_INVALID, "no parameter to fit");
    mf_context_free(ctx);
}

static void kind_errors(void **state)
{
    (void)state;
    mf_context *ctx = ft_context(1);
    mf_fitter_spec *s;
    mf_error e;
    FT_OK(mf_fitter_spec_new(MF_FITTER_TRACES, &s, err));
    FT_OK(mf_fitter_spec_set_model(s, passive, NULL, err));
    FT_OK(mf_fitter_spec_set_dt(s, 1e-4, err));
    expect_new_error(ctx, s, MF_ERR_INVALID, "at least one output");

    FT_OK(mf_fitter_spec_new(MF_FITTER_ONLINE, &s, err));
    FT_OK(mf_fitter_spec_set_model(s, passive, NULL, err));
    FT_OK(mf_fitter_spec_set_dt(s, 1e-4, err));
    FT_OK(mf_fitter_spec_set_input(s, "v", ft_unit("volt"), NT, NS, vin, err));
    FT_OK(mf_fitter_spec_set_output(s, "I", ft_unit("amp"), NT, NS, iout, err));
    FT_OK(mf_fitter_spec_set_output(s, "g", ft_unit("siemens"), NT, NS, iout, err));
    expect_new_error(ctx, s, MF_ERR_INVALID, "exactly one output");

    FT_OK(mf_fitter_spec_new(MF_FITTER_SPIKES, &s, err));
    FT_OK(mf_fitter_spec_set_model(s, "dv/dt = (E - v)/(10*ms) : volt\nE : volt (constant)\n",
                                   NULL, err));
    FT_OK(mf_fitter_spec_set_dt(s, 1e-4, err));
    assert_int_equal(mf_fitter_spec_set_output(s, "v", ft_unit("volt"), NT, NS, vin, &e),
                     MF_ERR_INVALID);
    expect_new_error(ctx, s, MF_ERR_INVALID, "target spike trains");

    FT_OK(mf_fitter_spec_new(MF_FITTER_SPIKES, &s, err));
    FT_OK(mf_fitter_spec_set_model(s,
                                   "dv/dt = (E - v + x)/(10*ms) : volt\n"
                                   "E : volt (constant)\n",
                                   NULL, err));
    FT_OK(mf_fitter_spec_set_dt(s, 1e-4, err));
    FT_OK(mf_fitter_spec_set_input(s, "x", ft_unit("volt"), NT, NS, vin, err));
    mf_spike_trains *t;
    const int lens[3] = {1, 0, 0};
    const double t0[1] = {1e-3};
    const double *times[3] = {t0, NULL, NULL};
    FT_OK(mf_spike_trains_new_from(3, lens, times, &t, err));
    FT_OK(mf_fitter_spec_set_output_spikes(s, t, err));
    mf_fitter_spec *s2;
    FT_OK(mf_fitter_spec_new(MF_FITTER_SPIKES, &s2, err));
    assert_int_equal(mf_fitter_spec_set_output_spikes(s2, NULL, &e), MF_ERR_INVALID);
    mf_fitter_spec_free(s2);
    expect_new_error(ctx, s, MF_ERR_INVALID, "threshold");
    FT_OK(mf_fitter_spec_new(MF_FITTER_SPIKES, &s, err));
    FT_OK(mf_fitter_spec_set_model(s,
                                   "dv/dt = (E - v + x)/(10*ms) : volt\n"
                                   "E : volt (constant)\n",
                                   NULL, err));
    FT_OK(mf_fitter_spec_set_dt(s, 1e-4, err));
    FT_OK(mf_fitter_spec_set_input(s, "x", ft_unit("volt"), NT, NS, vin, err));
    FT_OK(mf_fitter_spec_set_output_spikes(s, t, err));
    FT_OK(mf_fitter_spec_set_threshold(s, "v > 10*mV", err));
    expect_new_error(ctx, s, MF_ERR_INVALID, "3 target spike trains but 2 input traces");
    mf_spike_trains_free(t);
    mf_context_free(ctx);
}

static const char *gE[] = {"g", "E"};
static const double lo[] = {1e-9, -20e-3}, hi[] = {30e-9, 100e-3};

/* mf_fitter_fit fails with status and text, and the fitter has not fitted. */
static void expect_fit_error(mf_fitter *f, mf_optimizer *o, mf_metric *const *m, int n,
                             const char *const *names, const double *l, const double *h,
                             mf_status status, const char *text)
{
    mf_error e;
    mf_status rc = mf_fitter_fit(f, o, m, 1, n, names, l, h, NULL, NULL, false, -1, &e);
    if (rc != status || !strstr(e.message, text))
        fail_msg("expected status %d with \"%s\", got %d: %s", (int)status, text, (int)rc,
                 e.message);
    assert_int_equal(mf_fitter_history_size(f), 0);
    assert_int_equal(mf_fitter_iteration(f), -1);
}

static void fit_errors(void **state)
{
    (void)state;
    mf_context *ctx = ft_context(1);
    mf_fitter_spec *s = passive_spec();
    mf_fitter *f;
    FT_OK(mf_fitter_new(ctx, s, &f, err));
    mf_fitter_spec_free(s);
    mf_optimizer *o = ft_optimizer(ctx, "random", 1);
    mf_metric *gamma = ft_metric(ctx, "gamma", "delta=1*ms", NULL);

    expect_fit_error(f, NULL, NULL, 2, gE, lo, hi, MF_ERR_INVALID, "no optimizer");
    expect_fit_error(f, o, NULL, 0, NULL, NULL, NULL, MF_ERR_INVALID, "no bounds");
    expect_fit_error(f, o, NULL, 1, gE, lo, hi, MF_ERR_INVALID,
                     "the parameter 'E' has no "
                     "bounds");
    const char *gx[] = {"g", "x"};
    expect_fit_error(f, o, NULL, 2, gx, lo, hi, MF_ERR_NAME,
                     "bounds are given for 'x', which is not a parameter of the model (its "
                     "parameters: g, E)");
    const double hi_bad[] = {30e-9, -20e-3};
    expect_fit_error(f, o, NULL, 2, gE, lo, hi_bad, MF_ERR_INVALID, "lo < hi");
    const char *gg[] = {"g", "g"};
    expect_fit_error(f, o, NULL, 2, gg, lo, hi, MF_ERR_INVALID, "given twice");
    expect_fit_error(f, o, &gamma, 2, gE, lo, hi, MF_ERR_INVALID,
                     "metric 'gamma' compares "
                     "spike trains");
    /* Found by fuzz_lua_options: the iteration counter overflowed. */
    mf_error e;
    assert_int_equal(
        mf_fitter_fit(f, o, NULL, 1, 2, gE, lo, hi, NULL, NULL, false, LONG_MAX, &e),
        MF_ERR_INVALID);
    assert_non_null(strstr(e.message, "would pass the largest iteration number"));
    FT_OK(mf_fitter_fit(f, o, NULL, 1, 2, gE, lo, hi, NULL, NULL, false, -1, err));
    assert_int_equal(mf_fitter_history_size(f), 4);
    mf_fitter_free(f);
    mf_metric_free(gamma);
    mf_optimizer_free(o);
    mf_context_free(ctx);
}

/* One metric instance cannot serve two outputs: it holds its targets. */
static void metric_per_output(void **state)
{
    (void)state;
    mf_context *ctx = ft_context(1);
    mf_fitter_spec *s = passive_spec();
    FT_OK(mf_fitter_spec_set_model(s,
                                   "I = g*(v - E) : amp\nJ = 2*I : amp\n"
                                   "g : siemens (constant)\nE : volt (constant)\n",
                                   NULL, err));
    FT_OK(mf_fitter_spec_set_output(s, "J", ft_unit("amp"), NT, NS, iout, err));
    mf_fitter *f;
    FT_OK(mf_fitter_new(ctx, s, &f, err));
    mf_fitter_spec_free(s);
    assert_int_equal(mf_fitter_n_outputs(f), 2);
    assert_string_equal(mf_fitter_output_name(f, 1), "J");
    mf_optimizer *o = ft_optimizer(ctx, "random", 1);
    mf_metric *m = ft_metric(ctx, "mse", NULL);
    mf_metric *same[2] = {m, m};
    mf_error e;
    assert_int_equal(mf_fitter_fit(f, o, same, 1, 2, gE, lo, hi, NULL, NULL, false, -1, &e),
                     MF_ERR_INVALID);
    assert_non_null(strstr(e.message, "same metric instance"));
    FT_OK(mf_fitter_fit(f, o, NULL, 1, 2, gE, lo, hi, NULL, NULL, false, -1, err));
    mf_fitter_free(f);
    mf_metric_free(m);
    mf_optimizer_free(o);
    mf_context_free(ctx);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(spec_errors),
        cmocka_unit_test(kind_errors),
        cmocka_unit_test(fit_errors),
        cmocka_unit_test(metric_per_output),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

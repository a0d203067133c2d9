/* brian2modelfitting's own fitter behaviours (its tests in
 * brian2modelfitting/tests/test_modelfitting_tracefitter.py), on our fitter:
 * t_start, t_weights, the penalty, the iteration counter under restart and
 * start_iteration, the fixed optimizer/metric contract, and the
 * multi-output example. */
#include "fit_test.h"

#define MV 1e-3

/* The constant model: v is 10 mV for 50 steps, then 20 mV (dt = 0.1 ms). */
static const char *constant_model = "v = c + x : volt\n"
                                    "v2 = 2*c + x : volt\n"
                                    "c : volt (constant)\n";

static mf_fitter *constant_fitter(mf_context *ctx, int n_samples)
{
    double x[100] = {0}, v[100];
    for (int i = 0; i < 100; i++)
        v[i] = i < 50 ? 10 * MV : 20 * MV;
    mf_fitter_spec *s;
    mf_fitter *f;
    FT_OK(mf_fitter_spec_new(MF_FITTER_TRACES, &s, err));
    FT_OK(mf_fitter_spec_set_model(s, constant_model, NULL, err));
    FT_OK(mf_fitter_spec_set_input(s, "x", ft_unit("volt"), 1, 100, x, err));
    FT_OK(mf_fitter_spec_set_output(s, "v", ft_unit("volt"), 1, 100, v, err));
    FT_OK(mf_fitter_spec_set_dt(s, 1e-4, err));
    FT_OK(mf_fitter_spec_set_n_samples(s, n_samples, err));
    FT_OK(mf_fitter_new(ctx, s, &f, err));
    mf_fitter_spec_free(s);
    return f;
}

static const char *c_name[] = {"c"};
static const double c_lo[] = {0}, c_hi[] = {30 * MV};

static double fit_c(mf_fitter *f, mf_optimizer *opt, mf_metric *m, int rounds)
{
    double c, e;
    FT_OK(mf_fitter_fit(f, opt, &m, rounds, 1, c_name, c_lo, c_hi, NULL, NULL, false, -1, err));
    FT_OK(mf_fitter_best(f, &c, &e, err));
    return c;
}

/* test_fitter_fit_tstart: ignoring the first 50 steps, c fits 20 mV. */
static void tstart_fits_the_second_half(void **state)
{
    (void)state;
    mf_context *ctx = ft_context(1);
    mf_fitter *f = constant_fitter(ctx, 70);
    mf_optimizer *opt = ft_optimizer(ctx, "de", 1);
    mf_metric *m = ft_metric(ctx, "mse", "t_start=5*ms", NULL);
    double c = fit_c(f, opt, m, 10);
    assert_true(fabs(c - 20 * MV) < 1 * MV);
    mf_fitter_free(f);
    mf_metric_free(m);
    mf_optimizer_free(opt);
    mf_context_free(ctx);
}

/* test_fitter_fit_tsteps: weights 0 on the first half do what t_start does;
 * the same points get the same errors, and a wrong length is refused. */
static void tweights_equal_tstart(void **state)
{
    (void)state;
    mf_context *ctx = ft_context(1);
    mf_fitter *fa = constant_fitter(ctx, 70), *fb = constant_fitter(ctx, 70);
    mf_optimizer *oa = ft_optimizer(ctx, "de", 7), *ob = ft_optimizer(ctx, "de", 7);
    mf_metric *ma = ft_metric(ctx, "mse", "t_start=5*ms", NULL);
    mf_metric *mb = ft_metric(ctx, "mse", NULL), *bad = ft_metric(ctx, "mse", NULL);
    double w[101];
    for (int i = 0; i < 101; i++)
        w[i] = i < 50 ? 0 : 1;
    mf_options *o;
    FT_OK(mf_options_new(&o, err));
    FT_OK(mf_options_set_array(o, "t_weights", w, 101, err));
    mf_metric_free(bad);
    FT_OK(mf_metric_new(ctx, "mse", o, &bad, err));
    mf_error e;
    assert_int_not_equal(
        mf_fitter_fit(fb, ob, &bad, 1, 1, c_name, c_lo, c_hi, NULL, NULL, false, -1, &e),
        MF_OK);
    assert_non_null(strstr(e.message, "101"));
    assert_int_equal(mf_fitter_history_size(fb), 0);
    FT_OK(mf_options_set_array(o, "t_weights", w, 100, err));
    mf_metric_free(mb);
    FT_OK(mf_metric_new(ctx, "mse", o, &mb, err));
    mf_options_free(o);

    double ca = fit_c(fa, oa, ma, 10), cb = fit_c(fb, ob, mb, 10);
    assert_true(fabs(cb - 20 * MV) < 1 * MV);
    assert_true(fabs(ca - 20 * MV) < 1 * MV);
    /* Round 0's points do not depend on any error: same seed, same points. */
    for (long i = 0; i < 70; i++) {
        assert_double_equal(mf_fitter_history_point(fa, i)[0],
                            mf_fitter_history_point(fb, i)[0], 0);
        double ea = mf_fitter_history_error(fa, i), eb = mf_fitter_history_error(fb, i);
        assert_true(fabs(ea - eb) <= 1e-12 * ea);
        /* The error is the mean of (c - 20 mV)^2 over the second half. */
        double c = mf_fitter_history_point(fa, i)[0];
        assert_true(fabs(ea - (c - 20 * MV) * (c - 20 * MV)) <= 1e-12 * ea + 1e-30);
    }
    mf_fitter_free(fa);
    mf_fitter_free(fb);
    mf_metric_free(ma);
    mf_metric_free(mb);
    mf_metric_free(bad);
    mf_optimizer_free(oa);
    mf_optimizer_free(ob);
    mf_context_free(ctx);
}

/* The all-constant model: v does not depend on c and fits exactly, so the
 * error is the penalty alone. */
static mf_fitter *penalty_fitter(mf_context *ctx, const char *penalty, const char *extra)
{
    double x[200] = {0}, v[200];
    for (int i = 0; i < 200; i++)
        v[i] = 10 * MV;
    char model[512];
    snprintf(model, sizeof model,
             "v = 10*mV + x : volt\n"
             "c : volt (constant)\n"
             "penalty_fixed = 10*mV**2 : volt**2\n"
             "penalty_wrong_unit = 10*mV : volt\n%s",
             extra);
    mf_fitter_spec *s;
    mf_fitter *f;
    FT_OK(mf_fitter_spec_new(MF_FITTER_TRACES, &s, err));
    FT_OK(mf_fitter_spec_set_model(s, model, NULL, err));
    FT_OK(mf_fitter_spec_set_input(s, "x", ft_unit("volt"), 2, 100, x, err));
    FT_OK(mf_fitter_spec_set_output(s, "v", ft_unit("volt"), 2, 100, v, err));
    FT_OK(mf_fitter_spec_set_dt(s, 1e-4, err));
    FT_OK(mf_fitter_spec_set_n_samples(s, 10, err));
    FT_OK(mf_fitter_spec_set_penalty(s, penalty, err));
    FT_OK(mf_fitter_new(ctx, s, &f, err));
    mf_fitter_spec_free(s);
    return f;
}

static const double pc_lo[] = {19.9 * MV}, pc_hi[] = {20.1 * MV};

/* test_fitter_fit_penalty: the error is 10 mV^2; a penalty in volts is
 * refused with a unit error. */
static void penalty_adds_its_value(void **state)
{
    (void)state;
    mf_context *ctx = ft_context(1);
    mf_optimizer *opt = ft_optimizer(ctx, "de", 3);
    mf_fitter *f = penalty_fitter(ctx, "penalty_fixed", "");
    double c, e;
    FT_OK(mf_fitter_fit(f, opt, NULL, 2, 1, c_name, pc_lo, pc_hi, NULL, NULL, false, -1, err));
    FT_OK(mf_fitter_best(f, &c, &e, err));
    assert_true(fabs(e - 10 * MV * MV) < 1e-6 * 1e-6);
    for (long i = 0; i < mf_fitter_history_size(f); i++)
        assert_double_equal(mf_fitter_history_error(f, i), 10 * MV * MV, 1e-18);
    mf_fitter_free(f);

    f = penalty_fitter(ctx, "penalty_wrong_unit", "");
    mf_error err;
    assert_int_equal(
        mf_fitter_fit(f, opt, NULL, 2, 1, c_name, pc_lo, pc_hi, NULL, NULL, true, -1, &err),
        MF_ERR_UNITS);
    assert_non_null(strstr(err.message, "penalty_wrong_unit"));
    mf_fitter_free(f);
    mf_optimizer_free(opt);
    mf_context_free(ctx);
}

/* The penalty is read at the end of the run: the state after the last step
 * (t = N*dt) with the input's last sample, averaged over the traces. Here
 * v = 0.1*k*c exactly, so v = 10*c at the end, the last samples of x are
 * 1 mV and 2 mV, and t/(10*ms) = 1 there. */
static void penalty_at_the_end(void **state)
{
    (void)state;
    enum { N = 100 };
    static double x[2 * N], v[2 * N];
    for (int tr = 0; tr < 2; tr++)
        for (int k = 0; k < N; k++) {
            x[tr * N + k] = (tr + 1) * (k + 1) * 0.01 * MV;
            v[tr * N + k] = 0;
        }
    mf_context *ctx = ft_context(1);
    mf_fitter_spec *s;
    mf_fitter *f;
    FT_OK(mf_fitter_spec_new(MF_FITTER_TRACES, &s, err));
    FT_OK(mf_fitter_spec_set_model(s,
                                   "dv/dt = c/ms : volt\n"
                                   "c : volt (constant)\n"
                                   "pen = (v + x)**2*t/(10*ms) : volt**2\n",
                                   NULL, err));
    FT_OK(mf_fitter_spec_set_input(s, "x", ft_unit("volt"), 2, N, x, err));
    FT_OK(mf_fitter_spec_set_output(s, "v", ft_unit("volt"), 2, N, v, err));
    FT_OK(mf_fitter_spec_set_dt(s, 1e-4, err));
    FT_OK(mf_fitter_spec_set_n_samples(s, 4, err));
    FT_OK(mf_fitter_spec_set_penalty(s, "pen", err));
    FT_OK(mf_fitter_new(ctx, s, &f, err));
    mf_fitter_spec_free(s);
    mf_optimizer *opt = ft_optimizer(ctx, "random", 5);
    const double lo[] = {1 * MV}, hi[] = {2 * MV};
    FT_OK(mf_fitter_fit(f, opt, NULL, 1, 1, c_name, lo, hi, NULL, NULL, false, -1, err));
    assert_int_equal(mf_fitter_history_size(f), 4);
    for (long i = 0; i < 4; i++) {
        double c = mf_fitter_history_point(f, i)[0];
        double pen = (pow(10 * c + 1 * MV, 2) + pow(10 * c + 2 * MV, 2)) / 2;
        double mse = 0;
        for (int k = 0; k < N; k++)
            mse += pow(0.1 * k * c, 2) / N;
        assert_double_equal(mf_fitter_history_output_error(f, i, 0, true), mse, 1e-9 * mse);
        assert_double_equal(mf_fitter_history_error(f, i), mse + pen, 1e-9 * (mse + pen));
    }
    mf_fitter_free(f);
    mf_optimizer_free(opt);
    mf_context_free(ctx);
}

/* The iteration a round used, read back from its errors: the model's
 * penalty is iteration * 1 mV^2 and the fit is otherwise exact. */
static void expect_iterations(const mf_fitter *f, const long *want, int n)
{
    assert_int_equal(mf_fitter_history_size(f), 10L * n);
    for (int r = 0; r < n; r++)
        for (int i = 0; i < 10; i++) {
            long k = 10L * r + i;
            assert_int_equal(mf_fitter_history_round(f, k), r);
            assert_double_equal(mf_fitter_history_error(f, k) / (MV * MV), (double)want[r],
                                1e-9);
        }
    assert_int_equal(mf_fitter_iteration(f), want[n - 1]);
}

/* test_fit_restart and test_fit_set_start_iteration. */
static void iteration_counter(void **state)
{
    (void)state;
    mf_context *ctx = ft_context(1);
    mf_optimizer *opt = ft_optimizer(ctx, "random", 3);
    mf_fitter *f = penalty_fitter(ctx, "pen", "pen = iteration*mV**2 : volt**2\n");
    assert_int_equal(mf_fitter_iteration(f), -1);
#define FIT(restart, start)                                                                    \
    FT_OK(mf_fitter_fit(f, opt, NULL, 2, 1, c_name, pc_lo, pc_hi, NULL, NULL, restart, start,  \
                        err))
    FIT(false, -1);
    expect_iterations(f, (const long[]){0, 1}, 2);
    FIT(false, -1);
    expect_iterations(f, (const long[]){0, 1, 2, 3}, 4);
    FIT(true, -1);
    expect_iterations(f, (const long[]){0, 1}, 2);
    FIT(true, 17);
    expect_iterations(f, (const long[]){17, 18}, 2);
    FIT(false, -1);
    expect_iterations(f, (const long[]){17, 18, 19, 20}, 4);
    FIT(true, 5);
    expect_iterations(f, (const long[]){5, 6}, 2);
#undef FIT
    mf_fitter_free(f);
    mf_optimizer_free(opt);
    mf_context_free(ctx);
}

/* test_fit_restart_errors / test_fit_restart_change: another optimizer,
 * metric or bounds without restart is refused and changes nothing; with
 * restart it works. */
static void changes_need_restart(void **state)
{
    (void)state;
    mf_context *ctx = ft_context(1);
    mf_fitter *f = constant_fitter(ctx, 10);
    mf_optimizer *o1 = ft_optimizer(ctx, "de", 1), *o2 = ft_optimizer(ctx, "random", 1);
    mf_metric *m1 = ft_metric(ctx, "mse", NULL),
              *m2 = ft_metric(ctx, "mse", "t_start=1*ms", NULL);
    mf_metric *gamma = ft_metric(ctx, "gamma", "delta=4*ms", NULL);
    FT_OK(mf_fitter_fit(f, o1, &m1, 2, 1, c_name, c_lo, c_hi, NULL, NULL, false, -1, err));
    double best0, e0;
    FT_OK(mf_fitter_best(f, &best0, &e0, err));
    mf_error e;
    assert_int_equal(
        mf_fitter_fit(f, o2, &m1, 2, 0, NULL, NULL, NULL, NULL, NULL, false, -1, &e),
        MF_ERR_INVALID);
    assert_non_null(strstr(e.message, "optimizer"));
    assert_int_equal(
        mf_fitter_fit(f, NULL, &m2, 2, 0, NULL, NULL, NULL, NULL, NULL, false, -1, &e),
        MF_ERR_INVALID);
    assert_non_null(strstr(e.message, "metric of output 'v'"));
    const double hi2[] = {40 * MV};
    assert_int_equal(
        mf_fitter_fit(f, NULL, NULL, 2, 1, c_name, c_lo, hi2, NULL, NULL, false, -1, &e),
        MF_ERR_INVALID);
    assert_non_null(strstr(e.message, "bounds of 'c'"));
    /* A spike metric on a trace fitter, even with restart. */
    assert_int_equal(
        mf_fitter_fit(f, NULL, &gamma, 2, 0, NULL, NULL, NULL, NULL, NULL, true, -1, &e),
        MF_ERR_INVALID);
    assert_non_null(strstr(e.message, "gamma"));
    /* Nothing changed: */
    double best1, e1;
    FT_OK(mf_fitter_best(f, &best1, &e1, err));
    assert_int_equal(mf_fitter_history_size(f), 20);
    assert_int_equal(mf_fitter_iteration(f), 1);
    assert_double_equal(best1, best0, 0);
    /* Same as before (NULL) continues; */
    FT_OK(mf_fitter_fit(f, NULL, NULL, 1, 0, NULL, NULL, NULL, NULL, NULL, false, -1, err));
    assert_int_equal(mf_fitter_history_size(f), 30);
    /* with restart the change works and the history starts over. */
    FT_OK(mf_fitter_fit(f, o2, &m2, 2, 0, NULL, NULL, NULL, NULL, NULL, true, -1, err));
    assert_int_equal(mf_fitter_history_size(f), 20);
    assert_int_equal(mf_fitter_history_round(f, 19), 1);
    mf_fitter_free(f);
    mf_metric_free(m1);
    mf_metric_free(m2);
    mf_metric_free(gamma);
    mf_optimizer_free(o1);
    mf_optimizer_free(o2);
    mf_context_free(ctx);
}

/* test_multiobjective_basic: two outputs relax to target1 = 5 and
 * target2 = -7 mV; each has its own metric, the second normalized by 1 mV. */
static void multi_output(void **state)
{
    (void)state;
    mf_context *ctx = ft_context(0);
    mf_metric *m[2];
    mf_fitter *f = ft_two_outputs(ctx, 40, m);
    mf_optimizer *opt = ft_optimizer(ctx, "de", 11);
    FT_OK(mf_fitter_fit(f, opt, m, 25, 2, FT_TWO_NAMES, FT_TWO_LO, FT_TWO_HI, NULL, NULL, false,
                        -1, err));
    double best[2], e;
    FT_OK(mf_fitter_best(f, best, &e, err));
    assert_true(fabs(best[0] - 5) < 0.1);
    assert_true(fabs(best[1] + 7 * MV) < 0.1 * MV);

    /* The errors, from the analytic relaxation x(t) = target*(1 - exp(-t/5ms)),
     * which exponential Euler follows exactly for this linear equation. */
    double e1 = 0, e2 = 0;
    for (int k = FT_TWO_N - FT_TWO_KEPT; k < FT_TWO_N; k++) {
        double g = ft_two_g(k);
        e1 += pow(best[0] * g - 5, 2);
        e2 += pow(best[1] * g + 7 * MV, 2);
    }
    e1 /= FT_TWO_KEPT;
    e2 /= FT_TWO_KEPT;
    assert_true(fabs(e - (e1 + e2 / (MV * MV))) <= 1e-9 * e);
    long ib = -1;
    for (long i = 0; i < mf_fitter_history_size(f); i++)
        if (mf_fitter_history_error(f, i) == e)
            ib = i;
    assert_true(ib >= 0);
    assert_true(fabs(mf_fitter_history_output_error(f, ib, 0, false) - e1) <= 1e-9 * e1);
    assert_true(fabs(mf_fitter_history_output_error(f, ib, 0, true) - e1) <= 1e-9 * e1);
    assert_true(fabs(mf_fitter_history_output_error(f, ib, 1, false) - e2) <= 1e-9 * e2);
    assert_true(fabs(mf_fitter_history_output_error(f, ib, 1, true) - e2 / (MV * MV)) <=
                1e-9 * e2 / (MV * MV));
    /* Units: var1's errors are dimensionless, var2's raw error V^2, its
     * normalized one dimensionless, and so the total. */
    mf_quantity raw2 = mf_fitter_output_error_unit(f, 1, false);
    mf_quantity norm2 = mf_fitter_output_error_unit(f, 1, true);
    assert_double_equal(raw2.dim[0], 4, 0); /* V^2 = m^4 kg^2 s^-6 A^-2 */
    assert_double_equal(raw2.dim[3], -2, 0);
    for (int i = 0; i < 7; i++) {
        assert_double_equal(norm2.dim[i], 0, 0);
        assert_double_equal(mf_fitter_error_unit(f).dim[i], 0, 0);
    }
    /* The CSV names each output's raw and normalized error with its unit. */
    char path[512];
    snprintf(path, sizeof path, "%s/fitter_multi_output.csv", MF_TEST_BINARY_DIR);
    FT_OK(mf_fitter_write_csv(f, path, err));
    char *csv = ft_read_file(path);
    assert_non_null(csv);
    csv[strcspn(csv, "\n")] = '\0';
    assert_string_equal(csv, "round,target1 (1),target2 (V),error (1),error_var1 (1),"
                             "normalized_error_var1 (1),error_var2 (V^2),"
                             "normalized_error_var2 (1)");
    free(csv);
    remove(path);
    mf_fitter_free(f);
    mf_metric_free(m[0]);
    mf_metric_free(m[1]);
    mf_optimizer_free(opt);
    mf_context_free(ctx);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(tstart_fits_the_second_half),
        cmocka_unit_test(tweights_equal_tstart),
        cmocka_unit_test(penalty_adds_its_value),
        cmocka_unit_test(penalty_at_the_end),
        cmocka_unit_test(iteration_counter),
        cmocka_unit_test(changes_need_restart),
        cmocka_unit_test(multi_output),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

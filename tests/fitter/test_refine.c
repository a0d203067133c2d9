/* refine (core/refine.c) against analytic least squares: a model linear in
 * its parameters has its optimum and covariance in closed form, for plain,
 * t_start and t_weights metrics; the multi-output relaxation example's
 * optimum is a ratio of sums; the bounds hold; the minimised objective is
 * the fit's error. */
#include "fit_test.h"

#include "fitter.h" /* internal: the sensitivity model */

enum { NT = 2, NS = 200 };
static double vin[NT * NS], target[NT * NS];
static const double G0 = 12e-9, I00 = 0.3e-9;

/* I = g*v + I0 (linear in g and I0) with a deterministic wiggle as noise. */
static mf_fitter *linear_fitter(mf_context *ctx, const char *penalty_eq, const char *penalty)
{
    for (int k = 0; k < NT; k++)
        for (int i = 0; i < NS; i++) {
            double v = -80e-3 + 0.7e-3 * i + 5e-3 * k;
            vin[k * NS + i] = v;
            target[k * NS + i] = G0 * v + I00 + 0.05e-9 * sin(1.3 * i + k);
        }
    char model[256];
    snprintf(model, sizeof model,
             "I = g*v + I0 : amp\ng : siemens (constant)\n"
             "I0 : amp (constant)\n%s",
             penalty_eq);
    mf_fitter_spec *s;
    mf_fitter *f;
    FT_OK(mf_fitter_spec_new(MF_FITTER_TRACES, &s, err));
    FT_OK(mf_fitter_spec_set_model(s, model, NULL, err));
    FT_OK(mf_fitter_spec_set_input(s, "v", ft_unit("volt"), NT, NS, vin, err));
    FT_OK(mf_fitter_spec_set_output(s, "I", ft_unit("amp"), NT, NS, target, err));
    FT_OK(mf_fitter_spec_set_dt(s, 1e-4, err));
    FT_OK(mf_fitter_spec_set_n_samples(s, 8, err));
    FT_OK(mf_fitter_spec_set_penalty(s, penalty, err));
    FT_OK(mf_fitter_new(ctx, s, &f, err));
    mf_fitter_spec_free(s);
    return f;
}

static const char *names[] = {"g", "I0"};
static const double lo[] = {1e-9, -2e-9}, hi[] = {30e-9, 2e-9};
static const double start[] = {5e-9, 1e-9};

/* Weighted least squares by the normal equations, weights w[s] per step
 * (the same for every trace). Returns the optimum, the weighted SSR/N with
 * N the number of weighted terms, and the covariance s^2 (X'WX)^-1. */
static void wls(const double *w, double x[2], double cov[4])
{
    double a = 0, b = 0, c = 0, r0 = 0, r1 = 0;
    int n = 0;
    for (int k = 0; k < NT; k++)
        for (int i = 0; i < NS; i++) {
            double v = vin[k * NS + i], y = target[k * NS + i];
            a += w[i] * v * v, b += w[i] * v, c += w[i];
            r0 += w[i] * v * y, r1 += w[i] * y;
            n += w[i] > 0;
        }
    double det = a * c - b * b;
    x[0] = (c * r0 - b * r1) / det;
    x[1] = (a * r1 - b * r0) / det;
    double ssr = 0;
    for (int k = 0; k < NT; k++)
        for (int i = 0; i < NS; i++) {
            double d = x[0] * vin[k * NS + i] + x[1] - target[k * NS + i];
            ssr += w[i] * d * d;
        }
    double s2 = ssr / (n - 2);
    cov[0] = s2 * c / det, cov[1] = cov[2] = -s2 * b / det, cov[3] = s2 * a / det;
}

static void refine_and_compare(mf_fitter *f, mf_metric *m, const double *w, double norm,
                               unsigned flags)
{
    mf_context *ctx = mf_fitter_context(f);
    mf_optimizer *o = ft_optimizer(ctx, "random", 1);
    FT_OK(mf_fitter_fit(f, o, &m, 0, 2, names, lo, hi, NULL, NULL, true, -1, err));
    double x[2], e, cov[4], want[2], wcov[4];
    FT_OK(mf_fitter_refine(f, start, 0, flags, NAN, NULL, NULL, x, &e, cov, err));
    wls(w, want, wcov);
    assert_double_equal(x[0], want[0], 1e-6 * want[0]);
    assert_double_equal(x[1], want[1], 1e-6 * fabs(want[1]));
    for (int i = 0; i < 4; i++)
        assert_double_equal(cov[i], wcov[i], 1e-4 * fabs(wcov[i]));
    /* The error is the metric's: mean over traces of the weighted mean. */
    double sum = 0, wsum = 0;
    for (int i = 0; i < NS; i++)
        wsum += w[i];
    for (int k = 0; k < NT; k++)
        for (int i = 0; i < NS; i++) {
            double d = (x[0] * vin[k * NS + i] + x[1] - target[k * NS + i]) / norm;
            sum += w[i] * d * d / wsum / NT;
        }
    assert_double_equal(e, sum, 1e-9 * sum);
    mf_optimizer_free(o);
}

static void linear_plain(void **state)
{
    (void)state;
    mf_context *ctx = ft_context(0);
    mf_fitter *f = linear_fitter(ctx, "", NULL);
    mf_metric *m = ft_metric(ctx, "mse", NULL);
    double w[NS];
    for (int i = 0; i < NS; i++)
        w[i] = 1;
    refine_and_compare(f, m, w, 1, 0);
    /* Exact gradients: S_I_g = v and S_I_I0 = 1, the same optimum. */
    refine_and_compare(f, m, w, 1, MF_REFINE_EXACT_GRADIENT);
    mf_fitter_free(f);
    mf_metric_free(m);
    mf_context_free(ctx);
}

static void linear_tstart_normalized(void **state)
{
    (void)state;
    mf_context *ctx = ft_context(0);
    mf_fitter *f = linear_fitter(ctx, "", NULL);
    mf_metric *m = ft_metric(ctx, "mse", "t_start=5*ms", "normalization=1*nA", NULL);
    double w[NS];
    for (int i = 0; i < NS; i++)
        w[i] = i >= 50;
    refine_and_compare(f, m, w, 1e-9, 0);
    refine_and_compare(f, m, w, 1e-9, MF_REFINE_EXACT_GRADIENT);
    mf_fitter_free(f);
    mf_metric_free(m);
    mf_context_free(ctx);
}

static void linear_tweights(void **state)
{
    (void)state;
    mf_context *ctx = ft_context(0);
    mf_fitter *f = linear_fitter(ctx, "", NULL);
    double w[NS];
    for (int i = 0; i < NS; i++)
        w[i] = 1 + 3 * (i % 7 == 0) + (i > 120);
    mf_options *o;
    mf_metric *m;
    FT_OK(mf_options_new(&o, err));
    FT_OK(mf_options_set_array(o, "t_weights", w, NS, err));
    FT_OK(mf_metric_new(ctx, "mse", o, &m, err));
    mf_options_free(o);
    refine_and_compare(f, m, w, 1, 0);
    refine_and_compare(f, m, w, 1, MF_REFINE_EXACT_GRADIENT);
    mf_fitter_free(f);
    mf_metric_free(m);
    mf_context_free(ctx);
}

/* The optimum outside the bounds: refine stops at the bound, inside. */
static void stays_in_bounds(void **state)
{
    (void)state;
    mf_context *ctx = ft_context(1);
    mf_fitter *f = linear_fitter(ctx, "", NULL);
    mf_optimizer *o = ft_optimizer(ctx, "random", 1);
    const double lo2[] = {1e-9, -2e-9}, hi2[] = {8e-9, 2e-9}; /* g0 = 12 nS is outside */
    FT_OK(mf_fitter_fit(f, o, NULL, 1, 2, names, lo2, hi2, NULL, NULL, false, -1, err));
    double x[2], e;
    FT_OK(mf_fitter_refine(f, NULL, 0, 0, NAN, NULL, NULL, x, &e, NULL, err));
    assert_true(x[0] <= 8e-9 && x[0] > 7.99e-9);
    assert_true(x[1] >= -2e-9 && x[1] <= 2e-9);
    /* A start outside the bounds is refused. */
    const double out[] = {9e-9, 0};
    mf_error er;
    assert_int_equal(mf_fitter_refine(f, out, 0, 0, NAN, NULL, NULL, x, &e, NULL, &er),
                     MF_ERR_INVALID);
    assert_non_null(strstr(er.message, "outside its bounds"));
    mf_fitter_free(f);
    mf_optimizer_free(o);
    mf_context_free(ctx);
}

static int count_calls(void *user, const mf_fitter *f, int round, int n_rounds,
                       const double *best, double best_error, int n_points,
                       const double *points, const double *errors)
{
    (void)f, (void)round, (void)n_rounds, (void)best, (void)points;
    assert_int_equal(n_points, 1);
    assert_double_equal(best_error, errors[0], 0);
    return ++*(int *)user >= 1; /* stop after the first iteration */
}

static void refusals_and_callback(void **state)
{
    (void)state;
    mf_context *ctx = ft_context(1);
    mf_fitter *f = linear_fitter(ctx, "", NULL);
    double x[2], e;
    mf_error er;
    assert_int_equal(mf_fitter_refine(f, start, 0, 0, NAN, NULL, NULL, x, &e, NULL, &er),
                     MF_ERR_INVALID);
    assert_non_null(strstr(er.message, "call mf_fitter_fit first"));
    mf_optimizer *o = ft_optimizer(ctx, "random", 1);
    FT_OK(mf_fitter_fit(f, o, NULL, 0, 2, names, lo, hi, NULL, NULL, false, -1, err));
    assert_int_equal(mf_fitter_refine(f, NULL, 0, 0, NAN, NULL, NULL, x, &e, NULL, &er),
                     MF_ERR_INVALID); /* no best yet */
    int calls = 0;
    FT_OK(mf_fitter_refine(f, start, 0, 0, NAN, count_calls, &calls, x, &e, NULL, err));
    assert_int_equal(calls, 1);
    assert_int_equal(mf_fitter_history_size(f), 0); /* refine keeps the history */
    mf_fitter_free(f);
    mf_optimizer_free(o);
    mf_context_free(ctx);
}

/* With a penalty the objective is the error plus the penalty. */
static void penalty_in_objective(void **state)
{
    (void)state;
    mf_context *ctx = ft_context(1);
    mf_fitter *f = linear_fitter(ctx, "pen = 0.25*nA**2 : amp**2\n", "pen");
    mf_optimizer *o = ft_optimizer(ctx, "random", 1);
    FT_OK(mf_fitter_fit(f, o, NULL, 0, 2, names, lo, hi, NULL, NULL, false, -1, err));
    double x[2], e, want[2], cov[4], w[NS];
    for (int i = 0; i < NS; i++)
        w[i] = 1;
    FT_OK(mf_fitter_refine(f, start, 0, 0, NAN, NULL, NULL, x, &e, NULL, err));
    wls(w, want, cov);
    assert_double_equal(x[0], want[0], 1e-6 * want[0]);
    double mse = 0;
    for (int k = 0; k < NT * NS; k++)
        mse += pow(x[0] * vin[k] + x[1] - target[k], 2) / (NT * NS);
    assert_double_equal(e, mse + 0.25e-18, 1e-9 * e);
    mf_error er;
    assert_int_equal(mf_fitter_refine(f, start, 0, MF_REFINE_EXACT_GRADIENT, NAN, NULL, NULL, x,
                                      &e, NULL, &er),
                     MF_ERR_UNSUPPORTED);
    assert_non_null(strstr(er.message, "penalty"));
    mf_fitter_free(f);
    mf_optimizer_free(o);
    mf_context_free(ctx);
}

/* What the fitter reads from a metric's ABI 1.1 description: a plain
 * number as normalization keeps the error in A^2 and raw = N^2 * error; a
 * metric built against ABI 1.0 (no description) fits, with raw = error,
 * but cannot be refined. */
static void metric_descriptions(void **state)
{
    (void)state;
    mf_context *ctx = ft_context(1);
    mf_fitter *f = linear_fitter(ctx, "", NULL);
    mf_optimizer *o = ft_optimizer(ctx, "random", 1);
    mf_metric *m = ft_metric(ctx, "mse", "normalization=0.5", NULL);
    FT_OK(mf_fitter_fit(f, o, &m, 1, 2, names, lo, hi, NULL, NULL, false, -1, err));
    mf_quantity raw = mf_fitter_output_error_unit(f, 0, false);
    mf_quantity norm = mf_fitter_output_error_unit(f, 0, true);
    for (int i = 0; i < 7; i++) {
        assert_double_equal(raw.dim[i], i == 3 ? 2 : 0, 0); /* A^2 */
        assert_double_equal(norm.dim[i], raw.dim[i], 0);
    }
    for (long i = 0; i < mf_fitter_history_size(f); i++) {
        const double *x = mf_fitter_history_point(f, i);
        double mse = 0;
        for (int k = 0; k < NT * NS; k++)
            mse += pow(x[0] * vin[k] + x[1] - target[k], 2) / (NT * NS);
        assert_double_equal(mf_fitter_history_output_error(f, i, 0, false), mse, 1e-9 * mse);
        assert_double_equal(mf_fitter_history_output_error(f, i, 0, true), 4 * mse, 4e-9 * mse);
    }
    mf_metric *old;
    FT_OK(mf_metric_new(ctx, MF_TEST_BINARY_DIR "/plugins/broken/abi_1_0.so", NULL, &old, err));
    FT_OK(mf_fitter_fit(f, NULL, &old, 1, 0, NULL, NULL, NULL, NULL, NULL, true, -1, err));
    long last = mf_fitter_history_size(f) - 1;
    assert_true(mf_fitter_history_output_error(f, last, 0, false) ==
                mf_fitter_history_output_error(f, last, 0, true));
    double x[2], e;
    mf_error er;
    assert_int_equal(mf_fitter_refine(f, start, 0, 0, NAN, NULL, NULL, x, &e, NULL, &er),
                     MF_ERR_INVALID);
    assert_non_null(strstr(er.message, "does not describe itself as a weighted sum"));
    mf_fitter_free(f);
    mf_metric_free(m);
    mf_metric_free(old);
    mf_optimizer_free(o);
    mf_context_free(ctx);
}

/* The multi-output relaxation (brian2modelfitting's test_multiobjective):
 * x(t_k) = T*g_k with g_k = 1 - exp(-k dt/5 ms), so the optimum of each
 * target is 5 (or -7 mV) * sum(g)/sum(g^2) over the kept steps. */
static void multi_output_optimum(void **state)
{
    (void)state;
    mf_context *ctx = ft_context(0);
    mf_metric *m[2];
    mf_fitter *f = ft_two_outputs(ctx, 10, m);
    mf_optimizer *o = ft_optimizer(ctx, "random", 4);
    FT_OK(mf_fitter_fit(f, o, m, 1, 2, FT_TWO_NAMES, FT_TWO_LO, FT_TWO_HI, NULL, NULL, false,
                        -1, err));
    double r[2], e;
    double sg = 0, sg2 = 0;
    for (int k = FT_TWO_N - FT_TWO_KEPT; k < FT_TWO_N; k++) {
        double g = ft_two_g(k);
        sg += g, sg2 += g * g;
    }
    for (int exact = 0; exact < 2; exact++) {
        FT_OK(mf_fitter_refine(f, NULL, 0, exact ? MF_REFINE_EXACT_GRADIENT : 0, NAN, NULL,
                               NULL, r, &e, NULL, err));
        assert_double_equal(r[0], 5 * sg / sg2, 1e-7);
        assert_double_equal(r[1], -7e-3 * sg / sg2, 1e-10);
    }
    mf_fitter_free(f);
    mf_metric_free(m[0]);
    mf_metric_free(m[1]);
    mf_optimizer_free(o);
    mf_context_free(ctx);
}

/* The sensitivity equations against central differences of generated
 * traces, on a leaky membrane. For EL and R the exponential Euler update of
 * S is the exact derivative of v's update; for tau it holds v over the
 * step, which differs by O(dt/tau). */
static void sensitivities_match_differences(void **state)
{
    (void)state;
    enum { LT = 2, LS = 300 };
    static double cur[LT * LS], vt[LT * LS];
    for (int i = 0; i < LT * LS; i++) {
        cur[i] = (i % LS) > 30 ? (1 + i / LS) * 0.1e-9 * (1 + 0.3 * sin(0.05 * i)) : 0;
        vt[i] = -70e-3;
    }
    mf_context *ctx = ft_context(1);
    mf_fitter_spec *s;
    mf_fitter *f;
    FT_OK(mf_fitter_spec_new(MF_FITTER_TRACES, &s, err));
    FT_OK(mf_fitter_spec_set_model(s,
                                   "dv/dt = (EL - v + R*I)/tau : volt\n"
                                   "EL : volt (constant)\nR : ohm (constant)\n"
                                   "tau : second (constant)\n",
                                   NULL, err));
    FT_OK(mf_fitter_spec_set_input(s, "I", ft_unit("amp"), LT, LS, cur, err));
    FT_OK(mf_fitter_spec_set_output(s, "v", ft_unit("volt"), LT, LS, vt, err));
    FT_OK(mf_fitter_spec_set_init(s, "v", "-70*mV", err));
    FT_OK(mf_fitter_spec_set_dt(s, 1e-4, err));
    FT_OK(mf_fitter_new(ctx, s, &f, err));
    mf_fitter_spec_free(s);
    fit_sens *sens;
    FT_OK(mf_fit_sens_new(f, &sens, err));
    const double x[3] = {-65e-3, 40e6, 15e-3};
    FT_OK(mf_fit_sens_run(f, sens, x, 0, err));
    const double tol[3] = {1e-6, 1e-6, 1e-2};
    for (int j = 0; j < 3; j++) {
        double xp[3], xm[3], h = 1e-6 * fabs(x[j]);
        memcpy(xp, x, sizeof xp);
        memcpy(xm, x, sizeof xm);
        xp[j] += h;
        xm[j] -= h;
        mf_array *tp, *tm;
        const char *v = "v";
        FT_OK(mf_fitter_generate(f, xp, 0, NULL, NULL, 0, 1, &v, &tp, NULL, err));
        FT_OK(mf_fitter_generate(f, xm, 0, NULL, NULL, 0, 1, &v, &tm, NULL, err));
        const double *S = sens->store[1 + j];
        double worst = 0, scale = 0;
        for (int i = 0; i < LT * LS; i++) {
            double fd = (mf_array_cdata(tp)[i] - mf_array_cdata(tm)[i]) / (2 * h);
            worst = fmax(worst, fabs(S[i] - fd));
            scale = fmax(scale, fabs(fd));
        }
        assert_true(scale > 0);
        print_message("S[%d]: max |S - differences| / max |differences| = %.2g\n", j,
                      worst / scale);
        if (!(worst <= tol[j] * scale))
            fail_msg("parameter %d: |S - differences| = %g of %g", j, worst, scale);
        mf_array_free(tp);
        mf_array_free(tm);
    }
    /* The output itself is the model's v. */
    mf_array *tr;
    const char *v = "v";
    FT_OK(mf_fitter_generate(f, x, 0, NULL, NULL, 0, 1, &v, &tr, NULL, err));
    assert_memory_equal(sens->store[0], mf_array_cdata(tr), LT * LS * sizeof(double));
    mf_array_free(tr);
    mf_fit_sens_free(sens);
    mf_fitter_free(f);
    mf_context_free(ctx);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(linear_plain),
        cmocka_unit_test(linear_tstart_normalized),
        cmocka_unit_test(linear_tweights),
        cmocka_unit_test(stays_in_bounds),
        cmocka_unit_test(refusals_and_callback),
        cmocka_unit_test(penalty_in_objective),
        cmocka_unit_test(metric_descriptions),
        cmocka_unit_test(multi_output_optimum),
        cmocka_unit_test(sensitivities_match_differences),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

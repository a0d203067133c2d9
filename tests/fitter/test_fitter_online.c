/* The online trace fitter: the error accumulated during the simulation
 * through the metric's online form equals the trace fitter's error of the
 * same points (the target at the same step as the recorded state), and no
 * trace is kept. */
#include "fit_test.h"

#include "fitter.h" /* internal: to check that no trace buffer exists */

#define MV 1e-3

/* brian2modelfitting's test_onlinetracefitter_fit_tstart. */
static void online_tstart(void **state)
{
    (void)state;
    double x[100] = {0}, v[100];
    for (int i = 0; i < 100; i++)
        v[i] = i < 50 ? 10 * MV : 20 * MV;
    mf_context *ctx = ft_context(1);
    mf_fitter_spec *s;
    mf_fitter *f;
    FT_OK(mf_fitter_spec_new(MF_FITTER_ONLINE, &s, err));
    FT_OK(mf_fitter_spec_set_model(s, "v = c + x : volt\nc : volt (constant)\n", NULL, err));
    FT_OK(mf_fitter_spec_set_input(s, "x", ft_unit("volt"), 1, 100, x, err));
    FT_OK(mf_fitter_spec_set_output(s, "v", ft_unit("volt"), 1, 100, v, err));
    FT_OK(mf_fitter_spec_set_dt(s, 1e-4, err));
    FT_OK(mf_fitter_spec_set_n_samples(s, 40, err));
    FT_OK(mf_fitter_new(ctx, s, &f, err));
    mf_fitter_spec_free(s);
    mf_optimizer *o = ft_optimizer(ctx, "de", 2);
    mf_metric *m = ft_metric(ctx, "mse", "t_start=5*ms", NULL);
    const char *n[] = {"c"};
    const double lo[] = {0}, hi[] = {30 * MV};
    FT_OK(mf_fitter_fit(f, o, &m, 10, 1, n, lo, hi, NULL, NULL, false, -1, err));
    double c, e;
    FT_OK(mf_fitter_best(f, &c, &e, err));
    assert_true(fabs(c - 20 * MV) < 1 * MV);
    /* O(1) memory per lane: no trace was stored. */
    assert_false(f->work.traces);
    assert_null(f->work.store[0]);
    /* A metric without an online form is refused. */
    mf_metric *g = ft_metric(ctx, "gamma", "delta=1*ms", NULL);
    mf_error er;
    assert_int_equal(
        mf_fitter_fit(f, NULL, &g, 1, 0, NULL, NULL, NULL, NULL, NULL, true, -1, &er),
        MF_ERR_INVALID);
    mf_metric_free(g);
    mf_fitter_free(f);
    mf_metric_free(m);
    mf_optimizer_free(o);
    mf_context_free(ctx);
}

/* A leaky membrane driven by a current, 3 traces; the targets come from
 * known parameters plus a deterministic wiggle. */
enum { NT = 3, NS = 400 };
static double cur[NT * NS], vt[NT * NS];

static mf_fitter *leaky(mf_context *ctx, mf_fitter_kind kind)
{
    for (int k = 0; k < NT; k++)
        for (int i = 0; i < NS; i++) {
            cur[k * NS + i] = i > 50 ? (k + 1) * 0.1e-9 : 0;
            double t = i * 1e-4;
            vt[k * NS + i] = -70e-3 + (k + 1) * 5e-3 * (1 - exp(-t / 10e-3)) * (i > 50) +
                             0.5e-3 * sin(0.37 * i + k);
        }
    mf_fitter_spec *s;
    mf_fitter *f;
    FT_OK(mf_fitter_spec_new(kind, &s, err));
    FT_OK(mf_fitter_spec_set_model(s,
                                   "dv/dt = (EL - v + R*I)/tau : volt\n"
                                   "EL : volt (constant)\nR : ohm (constant)\n"
                                   "tau : second (constant)\n",
                                   NULL, err));
    FT_OK(mf_fitter_spec_set_input(s, "I", ft_unit("amp"), NT, NS, cur, err));
    FT_OK(mf_fitter_spec_set_output(s, "v", ft_unit("volt"), NT, NS, vt, err));
    FT_OK(mf_fitter_spec_set_init(s, "v", "-70*mV", err));
    FT_OK(mf_fitter_spec_set_dt(s, 1e-4, err));
    FT_OK(mf_fitter_spec_set_n_samples(s, 20, err));
    FT_OK(mf_fitter_new(ctx, s, &f, err));
    mf_fitter_spec_free(s);
    return f;
}

static const char *names[] = {"EL", "R", "tau"};
static const double lo[] = {-90e-3, 10e6, 2e-3}, hi[] = {-50e-3, 100e6, 50e-3};

static void online_equals_traces(void **state)
{
    (void)state;
    mf_context *ctx = ft_context(0);
    mf_fitter *ft = leaky(ctx, MF_FITTER_TRACES), *fo = leaky(ctx, MF_FITTER_ONLINE);
    mf_optimizer *ot = ft_optimizer(ctx, "de", 5), *oo = ft_optimizer(ctx, "de", 5);
    mf_metric *mt = ft_metric(ctx, "mse", "t_start=2*ms", "normalization=1*mV", NULL);
    mf_metric *mo = ft_metric(ctx, "mse", "t_start=2*ms", "normalization=1*mV", NULL);
    FT_OK(mf_fitter_fit(ft, ot, &mt, 4, 3, names, lo, hi, NULL, NULL, false, -1, err));
    FT_OK(mf_fitter_fit(fo, oo, &mo, 4, 3, names, lo, hi, NULL, NULL, false, -1, err));
    assert_int_equal(mf_fitter_history_size(fo), 80);
    for (long i = 0; i < 80; i++) {
        const double *a = mf_fitter_history_point(ft, i), *b = mf_fitter_history_point(fo, i);
        for (int p = 0; p < 3; p++)
            assert_double_equal(a[p], b[p], 0);
        double ea = mf_fitter_history_error(ft, i), eb = mf_fitter_history_error(fo, i);
        assert_double_equal(ea, eb, 1e-12 * ea);
    }
    assert_false(fo->work.traces);
    /* Refine works for both and agrees (the online fitter records the
     * traces of its refine only). */
    double pt[3], po[3], et, eo;
    FT_OK(mf_fitter_refine(ft, NULL, 20, 0, NAN, NULL, NULL, pt, &et, NULL, err));
    FT_OK(mf_fitter_refine(fo, NULL, 20, 0, NAN, NULL, NULL, po, &eo, NULL, err));
    for (int p = 0; p < 3; p++)
        assert_double_equal(pt[p], po[p], 1e-9 * fabs(pt[p]));
    assert_double_equal(et, eo, 1e-12 * et);
    mf_fitter_free(ft);
    mf_fitter_free(fo);
    mf_metric_free(mt);
    mf_metric_free(mo);
    mf_optimizer_free(ot);
    mf_optimizer_free(oo);
    mf_context_free(ctx);
}

/* The online error is the mean over the kept steps of (v - v_target)^2 at
 * the same step: checked against the generated trace of one point. */
static void online_error_by_hand(void **state)
{
    (void)state;
    mf_context *ctx = ft_context(1);
    mf_fitter *fo = leaky(ctx, MF_FITTER_ONLINE);
    mf_optimizer *o = ft_optimizer(ctx, "random", 9);
    FT_OK(mf_fitter_fit(fo, o, NULL, 1, 3, names, lo, hi, NULL, NULL, false, -1, err));
    const double *p = mf_fitter_history_point(fo, 0);
    mf_array *tr;
    const char *v = "v";
    FT_OK(mf_fitter_generate(fo, p, 0, NULL, NULL, 0, 1, &v, &tr, NULL, err));
    const double *x = mf_array_cdata(tr);
    double want = 0;
    for (int k = 0; k < NT; k++) {
        double sum = 0;
        for (int i = 0; i < NS; i++)
            sum += pow(x[k * NS + i] - vt[k * NS + i], 2);
        want += sum / NS / NT;
    }
    assert_double_equal(mf_fitter_history_error(fo, 0), want, 1e-12 * want);
    mf_array_free(tr);
    mf_fitter_free(fo);
    mf_optimizer_free(o);
    mf_context_free(ctx);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(online_tstart),
        cmocka_unit_test(online_equals_traces),
        cmocka_unit_test(online_error_by_hand),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

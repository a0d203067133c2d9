/* The evaluation's buffers are made once and kept (core/fitter_work.c,
 * fitter_run.c's scratch): for the trace fitter with two outputs and a
 * penalty, the online fitter and the spike fitter, a batch evaluated
 * again after a smaller one gives the same errors bit for bit as a fresh
 * fitter evaluating it first (spike lists emptied, accumulators restarted,
 * the per-output row tables right for every batch size), and the buffers
 * of the third evaluation are those of the first (nothing was made
 * again). */
#include "fit_test.h"

#include "fitter.h"

enum { N_TRACES = 2, N_STEPS = 300, N_POINTS = 6 };

typedef mf_fitter *(*make_fn)(mf_context *ctx);

static double input[N_TRACES * N_STEPS], target_v[N_TRACES * N_STEPS],
    target_w[N_TRACES * N_STEPS];

static void make_data(void)
{
    for (int k = 0; k < N_TRACES; k++)
        for (int s = 0; s < N_STEPS; s++) {
            input[k * N_STEPS + s] = (0.2e-9 + 0.1e-9 * k) * (1 + (s / 50) % 2);
            target_v[k * N_STEPS + s] = -70e-3 + 5e-3 * sin(0.05 * s + k);
            target_w[k * N_STEPS + s] = -65e-3;
        }
}

static mf_fitter_spec *spec_new(mf_fitter_kind kind, const char *model)
{
    mf_fitter_spec *spec;
    FT_OK(mf_fitter_spec_new(kind, &spec, err));
    FT_OK(mf_fitter_spec_set_model(spec, model, NULL, err));
    FT_OK(mf_fitter_spec_set_constant(spec, "R", ft_q("100*Mohm"), err));
    FT_OK(mf_fitter_spec_set_input(spec, "I", ft_unit("amp"), N_TRACES, N_STEPS, input, err));
    FT_OK(mf_fitter_spec_set_dt(spec, 1e-4, err));
    FT_OK(mf_fitter_spec_set_n_samples(spec, N_POINTS, err));
    FT_OK(mf_fitter_spec_set_init(spec, "v", "-70*mV", err));
    return spec;
}

static mf_fitter *fitter_of(mf_context *ctx, mf_fitter_spec *spec)
{
    mf_fitter *f;
    FT_OK(mf_fitter_new(ctx, spec, &f, err));
    mf_fitter_spec_free(spec);
    return f;
}

static mf_fitter *make_traces(mf_context *ctx)
{
    mf_fitter_spec *spec = spec_new(MF_FITTER_TRACES, "dv/dt = (El - v + R*I)/tau : volt\n"
                                                      "dw/dt = (El - w)/tau : volt\n"
                                                      "p = (v - El)**2 : volt**2\n"
                                                      "El : volt (constant)\n"
                                                      "tau : second (constant)\n");
    FT_OK(mf_fitter_spec_set_output(spec, "v", ft_unit("volt"), N_TRACES, N_STEPS, target_v,
                                    err));
    FT_OK(mf_fitter_spec_set_output(spec, "w", ft_unit("volt"), N_TRACES, N_STEPS, target_w,
                                    err));
    FT_OK(mf_fitter_spec_set_init(spec, "w", "-60*mV", err));
    FT_OK(mf_fitter_spec_set_penalty(spec, "p", err));
    return fitter_of(ctx, spec);
}

static mf_fitter *make_online(mf_context *ctx)
{
    mf_fitter_spec *spec = spec_new(MF_FITTER_ONLINE, "dv/dt = (El - v + R*I)/tau : volt\n"
                                                      "El : volt (constant)\n"
                                                      "tau : second (constant)\n");
    FT_OK(mf_fitter_spec_set_output(spec, "v", ft_unit("volt"), N_TRACES, N_STEPS, target_v,
                                    err));
    return fitter_of(ctx, spec);
}

static mf_fitter *make_spikes(mf_context *ctx)
{
    mf_fitter_spec *spec = spec_new(MF_FITTER_SPIKES, "dv/dt = (El - v + R*I)/tau : volt\n"
                                                      "El : volt (constant)\n"
                                                      "tau : second (constant)\n");
    FT_OK(mf_fitter_spec_set_threshold(spec, "v > -55*mV", err));
    FT_OK(mf_fitter_spec_set_reset(spec, "v = -70*mV", err));
    const double t0[] = {0.005, 0.012, 0.02}, t1[] = {0.003, 0.008, 0.013, 0.018, 0.025};
    const double *times[N_TRACES] = {t0, t1};
    int lens[N_TRACES] = {3, 5};
    mf_spike_trains *trains;
    FT_OK(mf_spike_trains_new_from(N_TRACES, lens, times, &trains, err));
    FT_OK(mf_fitter_spec_set_output_spikes(spec, trains, err));
    mf_spike_trains_free(trains);
    return fitter_of(ctx, spec);
}

/* Sets the fit up (bounds, metrics) without a round. */
static mf_optimizer *set_up(mf_context *ctx, mf_fitter *f)
{
    mf_optimizer *opt = ft_optimizer(ctx, "random", 1);
    const char *names[2] = {"El", "tau"};
    double lo[2] = {-80e-3, 2e-3}, hi[2] = {-40e-3, 30e-3};
    FT_OK(mf_fitter_fit(f, opt, NULL, 0, 2, names, lo, hi, NULL, NULL, false, -1, err));
    return opt;
}

/* Parameter sets spread over the bounds, some spiking often. */
static void points_of(double *p, int n)
{
    for (int i = 0; i < n; i++) {
        p[2 * i] = -75e-3 + 30e-3 * i / (n - 1);
        p[2 * i + 1] = 3e-3 + 20e-3 * ((i * 7) % n) / (n - 1);
    }
}

static void evaluate(mf_fitter *f, int n, const double *points, double *errors, double *norm)
{
    FT_OK(mf_fitter_evaluate(f, n, points, 0, errors, norm, NULL, err));
}

static void check_kept(make_fn make)
{
    mf_context *ctx = ft_context(2);
    mf_fitter *a = make(ctx), *b = make(ctx);
    mf_optimizer *oa = set_up(ctx, a), *ob = set_up(ctx, b);
    int n_out = mf_fitter_n_outputs(a);
    double p[2 * N_POINTS], ea[N_POINTS], eb[N_POINTS], first[N_POINTS], small[N_POINTS];
    double na[N_POINTS * 2], nb[N_POINTS * 2];
    points_of(p, N_POINTS);

    evaluate(a, N_POINTS, p, first, NULL);
    fit_work kept = a->work;
    /* A smaller batch in between (other points), then the first again. */
    evaluate(a, 2, p + 4 * 2, small, NULL);
    evaluate(a, N_POINTS, p, ea, na);
    evaluate(b, N_POINTS, p, eb, nb);
    assert_memory_equal(ea, eb, sizeof ea);
    assert_memory_equal(first, eb, sizeof first);
    assert_memory_equal(na, nb, sizeof(double) * (size_t)(N_POINTS * n_out));
    assert_memory_equal(small, eb + 4, 2 * sizeof(double));
    /* Not all equal: the points differ, so must their errors. */
    int distinct = 0;
    for (int i = 1; i < N_POINTS; i++)
        distinct += ea[i] != ea[0];
    assert_true(distinct > 0);

    /* Nothing was made again. */
    const fit_work *w = &a->work;
    assert_int_equal(w->lanes, kept.lanes);
    assert_ptr_equal(w->cols, kept.cols);
    assert_ptr_equal(w->values, kept.values);
    assert_ptr_equal(w->diverged, kept.diverged);
    assert_ptr_equal(w->trace, kept.trace);
    assert_ptr_equal(w->rows, kept.rows);
    assert_ptr_equal(w->probe, kept.probe);
    assert_ptr_equal(w->spikes, kept.spikes);
    assert_ptr_equal(w->run.rec, kept.run.rec);
    assert_ptr_equal(w->run.state_end, kept.run.state_end);
    assert_ptr_equal(w->run.stream, kept.run.stream);
    if (mf_fitter_get_kind(a) == MF_FITTER_ONLINE)
        assert_non_null(w->run.stream);
    if (mf_fitter_get_kind(a) == MF_FITTER_SPIKES)
        assert_non_null(w->spikes);

    mf_fitter_free(a);
    mf_fitter_free(b);
    mf_optimizer_free(oa);
    mf_optimizer_free(ob);
    mf_context_free(ctx);
}

static void test_trace_fitter(void **state)
{
    (void)state;
    check_kept(make_traces);
}

static void test_online_fitter(void **state)
{
    (void)state;
    check_kept(make_online);
}

static void test_spike_fitter(void **state)
{
    (void)state;
    check_kept(make_spikes);
}

int main(void)
{
    make_data();
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_trace_fitter),
        cmocka_unit_test(test_online_fitter),
        cmocka_unit_test(test_spike_fitter),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

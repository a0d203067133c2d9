/* The built-in metrics (plugins/metrics/mse, gamma) against the reference
 * numbers of brian2modelfitting's own tests (tests/test_metric.py), with the
 * exact rational value where there is one:
 *   gamma, model [1,2,3] ms vs data [0,2,...,10] ms, time 12 ms, delta 0.5 ms,
 *   dt 0.1 ms: 1 coincidence, 3 expected, norm 1/4, Gamma = -8/9, rate term 2
 *   -> 26/9 (2.8889); without the rate term 17/9 (1.8889);
 *   model [7,9,11] ms vs data [1,2,3] ms, time 5 ms: Gamma = -3/2 -> 5/2;
 *   the two-trace case -> 1.10119 (185/168) and 1.66587 (2099/1260);
 *   MSE [0, 1], and [0, 4] with normalization 1/2. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "plugins/plugin_test.h"

static const double ms = 1e-3;
static const double second_dims[MF_N_BASE_UNITS] = {0, 0, 1, 0, 0, 0, 0};

static void expect_close(double got, double want, double rel)
{
    if (!(fabs(got - want) <= rel * fabs(want)))
        fail_msg("got %.17g, want %.17g (relative tolerance %g)", got, want, rel);
}

/* ---- gamma --------------------------------------------------------------- */

typedef struct gamma_case {
    double delta_ms, time_ms, dt_ms;
    int rate_correction; /* -1: default */
    double t_start_ms, normalization;
} gamma_case;

static mf_metric *gamma_metric(const gamma_case *c, mf_error *err)
{
    mf_options *o;
    assert_int_equal(mf_options_new(&o, NULL), MF_OK);
    mf_options_set_quantity(o, "delta", c->delta_ms * ms, second_dims, NULL);
    if (c->time_ms > 0)
        mf_options_set_quantity(o, "time", c->time_ms * ms, second_dims, NULL);
    if (c->rate_correction >= 0)
        mf_options_set_bool(o, "rate_correction", c->rate_correction, NULL);
    if (c->t_start_ms > 0)
        mf_options_set_quantity(o, "t_start", c->t_start_ms * ms, second_dims, NULL);
    if (c->normalization > 0)
        mf_options_set_double(o, "normalization", c->normalization, NULL);
    mf_metric *m;
    if (mf_metric_new(ctx, "gamma", o, &m, err) != MF_OK)
        fail_msg("%s", err->message);
    mf_options_free(o);
    return m;
}

enum { MAX_SPIKES = 16, MAX_TRACES = 4, MAX_SAMPLES = 8 };

/* Trains in ms, -1 terminated. */
typedef double train[MAX_SPIKES];

static size_t to_seconds(const double *ms_train, double *out)
{
    size_t n = 0;
    while (n < MAX_SPIKES && ms_train[n] >= 0) {
        out[n] = ms_train[n] * ms;
        n++;
    }
    return n;
}

/* Per-sample errors for n_samples model samples against the data. */
static void gamma_errors(const gamma_case *c, uint32_t n_traces, const train *data,
                         uint32_t n_samples, const train *model, uint32_t n_steps, double *out)
{
    static double dt_s[MAX_TRACES][MAX_SPIKES], mt_s[MAX_SAMPLES * MAX_TRACES][MAX_SPIKES];
    const double *dp[MAX_TRACES], *mp[MAX_SAMPLES * MAX_TRACES];
    size_t dn[MAX_TRACES], mn[MAX_SAMPLES * MAX_TRACES];
    uint32_t trace[MAX_SAMPLES * MAX_TRACES];
    for (uint32_t k = 0; k < n_traces; k++) {
        dn[k] = to_seconds(data[k], dt_s[k]);
        dp[k] = dt_s[k];
    }
    uint32_t lanes = n_samples * n_traces;
    for (uint32_t j = 0; j < lanes; j++) {
        mn[j] = to_seconds(model[j], mt_s[j]);
        mp[j] = mt_s[j];
        trace[j] = j % n_traces;
    }
    mf_error err;
    mf_metric *m = gamma_metric(c, &err);
    if (mf_metric_prepare_spikes(m, c->dt_ms * ms, n_traces, n_steps, dp, dn, &err) != MF_OK)
        fail_msg("%s", err.message);
    double lane_errors[MAX_SAMPLES * MAX_TRACES];
    if (mf_metric_errors_spikes(m, lanes, trace, mp, mn, lane_errors, &err) != MF_OK)
        fail_msg("%s", err.message);
    mf_metric_average_samples(n_samples, n_traces, lane_errors, out);
    mf_metric_free(m);
}

static double gamma_one(const gamma_case *c, const train model, const train data)
{
    double e;
    gamma_errors(c, 1, (const train *)data, 1, (const train *)model,
                 (uint32_t)(c->time_ms / c->dt_ms + 0.5), &e);
    return e;
}

static const train trg = {0, 2, 4, 6, 8, 10, -1};
static const train src = {7, 9, 11, -1};
static const train src2 = {1, 2, 3, -1};

static void test_gamma_single_train(void **state)
{
    (void)state;
    gamma_case c = {0.5, 12, 0.1, -1, 0, 0};
    assert_true(gamma_one(&c, trg, trg) == 0);
    expect_close(gamma_one(&c, src2, trg), 26.0 / 9, 1e-12);
    assert_true(fabs(gamma_one(&c, src2, trg) - 2.8889) < 5e-5);
    c.rate_correction = 0;
    assert_true(gamma_one(&c, trg, trg) == 0);
    expect_close(gamma_one(&c, src2, trg), 17.0 / 9, 1e-12);
    assert_true(fabs(gamma_one(&c, src2, trg) - 1.8889) < 5e-5);
    /* The rates agree here, so the rate term is 1 either way. */
    gamma_case c5 = {0.5, 5, 0.1, -1, 0, 0};
    expect_close(gamma_one(&c5, src, src2), 2.5, 1e-12);
    c5.rate_correction = 0;
    expect_close(gamma_one(&c5, src, src2), 2.5, 1e-12);
}

/* time defaults to the recording's length: 120 steps of 0.1 ms = 12 ms. */
static void test_gamma_time_defaults_to_recording(void **state)
{
    (void)state;
    gamma_case c = {0.5, 0, 0.1, -1, 0, 0};
    double e;
    gamma_errors(&c, 1, &trg, 1, &src2, 120, &e);
    expect_close(e, 26.0 / 9, 1e-12);
}

static const train data2[2] = {{0, 5, 9, -1}, {1, 3, 5, 6, -1}};
static const train model2[4] = {{1, 5, 8, -1},
                                {2, 3, 8, 9, -1}, /* sample 0: correct rate */
                                {1, 5, -1},
                                {0, 2, 3, 8, 9, -1}}; /* sample 1: wrong rate */

static void test_gamma_two_traces(void **state)
{
    (void)state;
    gamma_case c = {0.5, 10, 0.1, -1, 0, 0};
    double e[2];
    gamma_errors(&c, 2, data2, 2, model2, 100, e);
    expect_close(e[0], 185.0 / 168, 1e-12);
    expect_close(e[1], 2099.0 / 1260, 1e-12);
    assert_true(fabs(e[0] - 1.10119) < 5e-6 && fabs(e[1] - 1.66587) < 5e-6);
    /* Identical trains, five samples: all zero. */
    train same[10];
    for (int j = 0; j < 10; j++)
        memcpy(same[j], data2[j % 2], sizeof(train));
    double z[5];
    gamma_errors(&c, 2, data2, 5, same, 100, z);
    for (int s = 0; s < 5; s++)
        assert_true(fabs(z[s]) < 1e-12);
    c.rate_correction = 0;
    gamma_errors(&c, 2, data2, 2, model2, 100, e);
    assert_true(e[0] > 0 && e[1] > 0);
}

/* brian2modelfitting's test_calc_gf_t_start: after 2.5 ms the trains agree. */
static void test_gamma_t_start(void **state)
{
    (void)state;
    const train model[4] = {{1, 5, 9, -1}, {2, 3, 5, 6, -1}, {5, 9, -1}, {3, 5, 6, -1}};
    gamma_case c = {0.5, 10, 0.1, -1, 2.5, 0};
    double e[2];
    gamma_errors(&c, 2, data2, 2, model, 100, e);
    assert_true(fabs(e[0]) < 1e-12 && fabs(e[1]) < 1e-12);
}

/* normalization 1/2 doubles the error, once (brian2modelfitting applies it
 * twice in calc(); its get_features test shows the intended factor 2). */
static void test_gamma_normalization(void **state)
{
    (void)state;
    gamma_case c = {0.5, 10, 0.1, -1, 0, 0.5};
    double e[2];
    gamma_errors(&c, 2, data2, 2, model2, 100, e);
    expect_close(e[0], 2 * 185.0 / 168, 1e-12);
    expect_close(e[1], 2 * 2099.0 / 1260, 1e-12);
}

static void expect_gamma_prepare_error(const gamma_case *c, const train data,
                                       const char *needle)
{
    double t[MAX_SPIKES];
    size_t n = to_seconds(data, t);
    const double *p = t;
    mf_error err;
    mf_metric *m = gamma_metric(c, &err);
    assert_int_equal(mf_metric_prepare_spikes(m, c->dt_ms * ms, 1, 100, &p, &n, &err),
                     MF_ERR_PLUGIN);
    expect_text(err.message, needle);
    mf_metric_free(m);
}

static void test_gamma_refusals(void **state)
{
    (void)state;
    gamma_case c = {0.5, 10, 0.1, -1, 0, 0};
    const train empty = {-1};
    expect_gamma_prepare_error(&c, empty,
                               "target spike train 0 has no spike: the gamma factor "
                               "needs the data's firing rate");
    gamma_case late = {0.5, 12, 0.1, -1, 10, 0};
    expect_gamma_prepare_error(&late, trg, "has no spike after t_start");
    gamma_case wide = {2, 10, 0.1, -1, 0, 0};
    const train dense = {1, 2, 3, -1}; /* 300 Hz: 2 r delta = 1.2 */
    expect_gamma_prepare_error(&wide, dense, "2 r delta >= 1");

    mf_metric *m;
    mf_error err;
    assert_int_equal(mf_metric_new(ctx, "gamma", NULL, &m, &err), MF_ERR_INVALID);
    expect_text(err.message, "metric 'gamma' needs option 'delta' (quantity in second)");
    mf_options *o;
    assert_int_equal(mf_options_new(&o, NULL), MF_OK);
    mf_options_set_string(o, "delta", "0.5*mV", NULL);
    assert_int_equal(mf_metric_new(ctx, "gamma", o, &m, &err), MF_ERR_UNITS);
    expect_text(err.message, "option 'delta' of metric 'gamma' has unit s (second), but V");
    mf_options_set_double(o, "delta", 0.5, NULL);
    assert_int_equal(mf_metric_new(ctx, "gamma", o, &m, &err), MF_ERR_UNITS);
    expect_text(err.message, "needs a unit");
    mf_options_set_string(o, "delta", "0.5*ms", NULL);
    assert_int_equal(mf_metric_new(ctx, "gamma", o, &m, &err), MF_OK);
    double t = 1e-3;
    const double *p = &t;
    size_t n = 1;
    assert_int_equal(mf_metric_prepare_traces(m, 1e-4, 1, 10, &t, &err), MF_ERR_INVALID);
    assert_int_equal(mf_metric_prepare_spikes(m, 1e-4, 1, 100, &p, &n, &err), MF_OK);
    const double descending[2] = {2e-3, 1e-3};
    const double *dp = descending;
    size_t dn = 2;
    uint32_t trace = 0;
    double e;
    assert_int_equal(mf_metric_errors_spikes(m, 1, &trace, &dp, &dn, &e, &err), MF_ERR_INVALID);
    expect_text(err.message, "spike times must be ascending");
    mf_metric_free(m);
    mf_options_free(o);
}

/* ---- mse ----------------------------------------------------------------- */

static mf_metric *mse_metric(mf_options *o)
{
    mf_metric *m;
    mf_error err;
    if (mf_metric_new(ctx, "mse", o, &m, &err) != MF_OK)
        fail_msg("%s", err.message);
    return m;
}

/* Sample errors for model[n_samples][n_traces][n_steps] (flat). */
static void mse_errors(mf_metric *m, double dt, uint32_t n_traces, uint32_t n_steps,
                       const double *targets, uint32_t n_samples, const double *model,
                       double *out)
{
    mf_error err;
    if (mf_metric_prepare_traces(m, dt, n_traces, n_steps, targets, &err) != MF_OK)
        fail_msg("%s", err.message);
    uint32_t lanes = n_samples * n_traces;
    const double **rows = malloc(lanes * sizeof *rows);
    uint32_t *trace = malloc(lanes * sizeof *trace);
    double *lane_errors = malloc(lanes * sizeof *lane_errors);
    assert_true(rows && trace && lane_errors);
    for (uint32_t j = 0; j < lanes; j++) {
        rows[j] = model + (size_t)j * n_steps;
        trace[j] = j % n_traces;
    }
    if (mf_metric_errors(m, lanes, trace, rows, 1, lane_errors, &err) != MF_OK)
        fail_msg("%s", err.message);
    mf_metric_average_samples(n_samples, n_traces, lane_errors, out);
    free(rows);
    free(trace);
    free(lane_errors);
}

/* brian2modelfitting's test_calc_mse: ones vs zeros against ones. */
static void test_mse_reference(void **state)
{
    (void)state;
    double out[3 * 10], model[2 * 3 * 10], e[2];
    for (int i = 0; i < 30; i++) {
        out[i] = 1;
        model[i] = 1;
        model[30 + i] = 0;
    }
    mf_metric *m = mse_metric(NULL);
    mse_errors(m, 0.01 * ms, 3, 10, out, 2, model, e);
    assert_true(e[0] == 0 && e[1] == 1);
    mf_metric_free(m);
    mf_options *o;
    assert_int_equal(mf_options_new(&o, NULL), MF_OK);
    mf_options_set_double(o, "normalization", 0.5, NULL);
    m = mse_metric(o);
    mse_errors(m, 0.01 * ms, 3, 10, out, 2, model, e);
    assert_true(e[0] == 0 && e[1] == 4);
    mf_metric_free(m);
    /* A quantity normalization: 1 mV makes volts^2 errors 1e6 times larger. */
    static const double volt[MF_N_BASE_UNITS] = {2, 1, -3, -1, 0, 0, 0};
    mf_options_set_quantity(o, "normalization", 1e-3, volt, NULL);
    m = mse_metric(o);
    mse_errors(m, 0.01 * ms, 3, 10, out, 2, model, e);
    expect_close(e[1], 1e6, 1e-12);
    assert_int_equal(mf_metric_error_power(m), 2);
    mf_metric_free(m);
    mf_options_free(o);
}

/* A deterministic "random" fill (LCG), so the data are fixed. */
static void fill(double *x, size_t n, unsigned seed)
{
    unsigned long long s = seed * 2654435761ull + 1;
    for (size_t i = 0; i < n; i++) {
        s = s * 6364136223846793005ull + 1442695040888963407ull;
        x[i] = (double)(s >> 11) / 9007199254740992.0;
    }
}

/* test_calc_mse_t_start: steps before t_start do not count. */
static void test_mse_t_start(void **state)
{
    (void)state;
    double out[2 * 20], model[5 * 2 * 20], e[5];
    fill(out, 40, 1);
    fill(model, 200, 2);
    mf_options *o;
    assert_int_equal(mf_options_new(&o, NULL), MF_OK);
    mf_options_set_string(o, "t_start", "1*ms", NULL);
    mf_metric *m = mse_metric(o);
    mse_errors(m, 0.1 * ms, 2, 20, out, 5, model, e);
    for (int s = 0; s < 5; s++)
        assert_true(e[s] > 0);
    for (int j = 0; j < 10; j++)
        memcpy(model + j * 20 + 10, out + (j % 2) * 20 + 10, 10 * sizeof(double));
    mse_errors(m, 0.1 * ms, 2, 20, out, 5, model, e);
    for (int s = 0; s < 5; s++)
        assert_true(e[s] == 0);
    mf_metric_free(m);
    mf_options_free(o);
}

/* test_calc_mse_t_weights_normalization: weights 0 before step 50 are
 * t_start = 50 dt, whatever the weights' scale. */
static void test_mse_t_weights_equal_t_start(void **state)
{
    (void)state;
    enum { STEPS = 100 };
    double data[3 * STEPS], model[2 * 3 * STEPS], w[STEPS], w2[STEPS];
    fill(data, 3 * STEPS, 3);
    fill(model, 6 * STEPS, 4);
    for (int i = 0; i < STEPS; i++) {
        w[i] = i < 50 ? 0 : 1;
        w2[i] = 2 * w[i];
    }
    double e1[2], e2[2], e3[2];
    mf_options *o;
    assert_int_equal(mf_options_new(&o, NULL), MF_OK);
    mf_options_set_quantity(o, "t_start", 50 * 0.1 * ms, second_dims, NULL);
    mf_metric *m = mse_metric(o);
    mse_errors(m, 0.1 * ms, 3, STEPS, data, 2, model, e1);
    mf_metric_free(m);
    mf_options_free(o);
    assert_int_equal(mf_options_new(&o, NULL), MF_OK);
    mf_options_set_array(o, "t_weights", w, STEPS, NULL);
    m = mse_metric(o);
    mse_errors(m, 0.1 * ms, 3, STEPS, data, 2, model, e2);
    mf_metric_free(m);
    mf_options_set_array(o, "t_weights", w2, STEPS, NULL);
    m = mse_metric(o);
    mse_errors(m, 0.1 * ms, 3, STEPS, data, 2, model, e3);
    mf_metric_free(m);
    mf_options_free(o);
    for (int s = 0; s < 2; s++) {
        expect_close(e2[s], e1[s], 1e-12);
        expect_close(e3[s], e1[s], 1e-12);
    }
}

static void test_mse_t_weights_file(void **state)
{
    (void)state;
    char path[] = "/tmp/mf_weightsXXXXXX";
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    FILE *f = fdopen(fd, "w");
    fprintf(f, "# weights\n0, 0 0\n1\n1 1 # the end\n");
    fclose(f);
    double data[6] = {0, 0, 0, 0, 0, 0}, model[6] = {5, 5, 5, 1, 2, 3}, e;
    mf_options *o;
    assert_int_equal(mf_options_new(&o, NULL), MF_OK);
    mf_options_set_string(o, "t_weights_file", path, NULL);
    mf_metric *m = mse_metric(o);
    mse_errors(m, 0.1 * ms, 1, 6, data, 1, model, &e);
    expect_close(e, (1 + 4 + 9) * 2.0 / 6, 1e-12); /* weights 2 where given 1 */
    mf_metric_free(m);
    mf_options_free(o);
    remove(path);
}

static void expect_mse_refusal(mf_options *o, const char *needle)
{
    double data[4] = {0, 0, 0, 0};
    mf_metric *m = mse_metric(o);
    mf_error err;
    assert_int_equal(mf_metric_prepare_traces(m, 0.1 * ms, 1, 4, data, &err), MF_ERR_PLUGIN);
    expect_text(err.message, needle);
    mf_metric_free(m);
    mf_options_free(o);
}

static mf_options *weights(const double *w, size_t n)
{
    mf_options *o;
    assert_int_equal(mf_options_new(&o, NULL), MF_OK);
    mf_options_set_array(o, "t_weights", w, n, NULL);
    return o;
}

static void test_mse_refusals(void **state)
{
    (void)state;
    const double zeros[4] = {0, 0, 0, 0}, ones[4] = {1, 1, 1, 1};
    expect_mse_refusal(weights(zeros, 4), "the weights cannot all be zero");
    expect_mse_refusal(weights(ones, 3), "t_weights has 3 weights but the traces have 4 steps");
    mf_options *o = weights(ones, 4);
    mf_options_set_string(o, "t_start", "0.1*ms", NULL);
    expect_mse_refusal(o, "cannot use both t_weights and t_start");
    assert_int_equal(mf_options_new(&o, NULL), MF_OK);
    mf_options_set_string(o, "t_start", "1*ms", NULL);
    expect_mse_refusal(o, "leaves no step");
    assert_int_equal(mf_options_new(&o, NULL), MF_OK);
    mf_options_set_string(o, "t_weights_file", "/nonexistent/w.txt", NULL);
    expect_mse_refusal(o, "cannot open t_weights_file '/nonexistent/w.txt'");
    /* A negative weight is refused by the option's range already. */
    const double neg[4] = {1, 1, -1, 1};
    o = weights(neg, 4);
    mf_metric *m;
    mf_error err;
    assert_int_equal(mf_metric_new(ctx, "mse", o, &m, &err), MF_ERR_INVALID);
    expect_text(err.message, "option 't_weights' of metric 'mse' must be >= 0, got -1");
    mf_options_free(o);
}

/* Recordings stored step-major (stride = lanes) give the same errors. */
static void test_mse_stride(void **state)
{
    (void)state;
    enum { LANES = 3, STEPS = 50 };
    double data[STEPS], rows[LANES][STEPS], block[STEPS][LANES];
    fill(data, STEPS, 7);
    fill(&rows[0][0], LANES * STEPS, 8);
    for (int s = 0; s < STEPS; s++)
        for (int j = 0; j < LANES; j++)
            block[s][j] = rows[j][s];
    mf_metric *m = mse_metric(NULL);
    mf_error err;
    assert_int_equal(mf_metric_prepare_traces(m, 1e-4, 1, STEPS, data, &err), MF_OK);
    const double *a[LANES], *b[LANES];
    uint32_t trace[LANES] = {0, 0, 0};
    for (int j = 0; j < LANES; j++) {
        a[j] = rows[j];
        b[j] = &block[0][j];
    }
    double ea[LANES], eb[LANES];
    assert_int_equal(mf_metric_errors(m, LANES, trace, a, 1, ea, &err), MF_OK);
    assert_int_equal(mf_metric_errors(m, LANES, trace, b, LANES, eb, &err), MF_OK);
    for (int j = 0; j < LANES; j++) {
        double want = 0;
        for (int s = 0; s < STEPS; s++)
            want += (rows[j][s] - data[s]) * (rows[j][s] - data[s]);
        expect_close(ea[j], want / STEPS, 1e-12);
        assert_true(ea[j] == eb[j]);
    }
    mf_metric_free(m);
}

/* ABI 1.1: mse describes itself as a weighted sum of squares. The check is
 * the definition itself: for random traces its error must equal
 * sum_s weights[s] * (model_s - target_s)^2 / N^2 with the weights and N it
 * reports, with t_start (weights 1/n_kept from the start step) and with
 * t_weights (weights w / sum w). */
static void check_weighted_sum(mf_metric *m, double n_want,
                               const double n_dims[MF_N_BASE_UNITS])
{
    enum { STEPS = 30 };
    double target[2 * STEPS], model[2 * STEPS], w[STEPS], e[2];
    fill(target, 2 * STEPS, 5);
    fill(model, 2 * STEPS, 6);
    mse_errors(m, 0.1 * ms, 2, STEPS, target, 1, model, e);
    assert_true(mf_metric_has_weights(m));
    mf_error err;
    assert_int_equal(mf_metric_weights(m, w, &err), MF_OK);
    double n, dims[MF_N_BASE_UNITS];
    mf_metric_normalization(m, &n, dims);
    expect_close(n, n_want, 1e-15);
    assert_memory_equal(dims, n_dims, sizeof dims);
    double sum = 0;
    for (int k = 0; k < 2; k++)
        for (int i = 0; i < STEPS; i++)
            sum += w[i] * pow(model[k * STEPS + i] - target[k * STEPS + i], 2) / (n * n) / 2;
    expect_close(e[0], sum, 1e-12);
}

static void test_mse_weights(void **state)
{
    (void)state;
    static const double none[MF_N_BASE_UNITS] = {0};
    static const double volt[MF_N_BASE_UNITS] = {2, 1, -3, -1, 0, 0, 0};
    mf_options *o;
    assert_int_equal(mf_options_new(&o, NULL), MF_OK);
    mf_metric *m = mse_metric(o);
    check_weighted_sum(m, 1, none);
    mf_metric_free(m);

    mf_options_set_string(o, "t_start", "1.2*ms", NULL);
    mf_options_set_quantity(o, "normalization", 2e-3, volt, NULL);
    m = mse_metric(o);
    check_weighted_sum(m, 2e-3, volt);
    double w[30];
    mf_error err;
    assert_int_equal(mf_metric_weights(m, w, &err), MF_OK);
    for (int i = 0; i < 30; i++)
        assert_true(w[i] == (i < 12 ? 0.0 : 1.0 / 18));
    mf_metric_free(m);
    mf_options_free(o);

    double tw[30];
    for (int i = 0; i < 30; i++)
        tw[i] = i % 3;
    assert_int_equal(mf_options_new(&o, NULL), MF_OK);
    mf_options_set_array(o, "t_weights", tw, 30, NULL);
    mf_options_set_double(o, "normalization", 0.5, NULL);
    m = mse_metric(o);
    check_weighted_sum(m, 0.5, none);
    assert_int_equal(mf_metric_weights(m, w, &err), MF_OK);
    for (int i = 0; i < 30; i++)
        expect_close(w[i] + 1, tw[i] / 30 + 1, 1e-15); /* sum of tw: 30 */
    mf_metric_free(m);
    mf_options_free(o);
}

/* The options as the metric got them: validated, defaults filled in. */
static void test_metric_options(void **state)
{
    (void)state;
    static const double volt[MF_N_BASE_UNITS] = {2, 1, -3, -1, 0, 0, 0};
    mf_options *o;
    assert_int_equal(mf_options_new(&o, NULL), MF_OK);
    mf_options_set_string(o, "normalization", "3*mV", NULL);
    const double tw[3] = {1, 2, 3};
    mf_options_set_array(o, "t_weights", tw, 3, NULL);
    mf_metric *m = mse_metric(o);
    mf_options_free(o);
    double v, dims[MF_N_BASE_UNITS];
    mf_error err;
    assert_int_equal(mf_metric_option_quantity(m, "normalization", &v, dims, &err), MF_OK);
    expect_close(v, 3e-3, 1e-15);
    assert_memory_equal(dims, volt, sizeof dims);
    assert_int_equal(mf_metric_option_quantity(m, "t_start", &v, dims, &err), MF_OK);
    assert_true(v == 0 && dims[2] == 1); /* the default, in seconds */
    assert_int_equal(mf_metric_option_double(m, "t_start", &v, &err), MF_OK);
    assert_true(v == 0);
    const double *a;
    size_t n;
    assert_int_equal(mf_metric_option_array(m, "t_weights", &a, &n, &err), MF_OK);
    assert_int_equal(n, 3);
    assert_true(a[0] == 1 && a[2] == 3);
    assert_int_equal(mf_metric_option_double(m, "t_weight", &v, &err), MF_ERR_NAME);
    expect_text(err.message, "metric 'mse' has no option 't_weight'");
    assert_int_equal(mf_metric_option_double(m, "t_weights_file", &v, &err), MF_ERR_INVALID);
    expect_text(err.message, "option 't_weights_file' of metric 'mse' is a string");
    assert_int_equal(mf_metric_option_array(m, "normalization", &a, &n, &err), MF_ERR_INVALID);
    mf_metric_free(m);
    /* gamma has no weights (it is no sum of squares): N reads as 1. */
    gamma_case g = {.delta_ms = 1, .rate_correction = -1};
    m = gamma_metric(&g, &err);
    assert_false(mf_metric_has_weights(m));
    mf_metric_normalization(m, &v, dims);
    assert_true(v == 1);
    mf_metric_free(m);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_gamma_single_train),
        cmocka_unit_test(test_gamma_time_defaults_to_recording),
        cmocka_unit_test(test_gamma_two_traces),
        cmocka_unit_test(test_gamma_t_start),
        cmocka_unit_test(test_gamma_normalization),
        cmocka_unit_test(test_gamma_refusals),
        cmocka_unit_test(test_mse_reference),
        cmocka_unit_test(test_mse_t_start),
        cmocka_unit_test(test_mse_t_weights_equal_t_start),
        cmocka_unit_test(test_mse_t_weights_file),
        cmocka_unit_test(test_mse_refusals),
        cmocka_unit_test(test_mse_stride),
        cmocka_unit_test(test_mse_weights),
        cmocka_unit_test(test_metric_options),
    };
    return cmocka_run_group_tests(tests, plugin_setup, plugin_teardown);
}

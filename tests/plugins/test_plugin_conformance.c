/* The plugin conformance suite: run over every plugin the registry
 * discovers, the checks sdk/GUIDE.md promises a plugin must pass.
 *
 * Every plugin: descriptor sanity (name, version, summary, ABI), option
 * table sanity (help for each; defaults the host accepts).
 * Optimizers: start on a box; ask within bounds for several rounds; tell
 * accepted; the same seed gives the same points; a restart works; when
 * save/load exist, a saved-and-loaded optimizer continues with the same
 * points as the original.
 * Metrics: zero error on identical inputs, positive on different ones,
 * NaN output -> NaN or +inf error, the same errors from several threads at
 * once, the online form (when present) agreeing with the batch form, and
 * a metric describing its weights (ABI 1.1) computing exactly that sum.
 *
 * Which plugins: MODELFIT_PLUGIN_PATH when set (the SDK install test points
 * it at the template builds), else the build tree's plugins first. With
 * MF_CONFORMANCE_EXPECT="a,b" the named plugins must be found in the first
 * directory of MODELFIT_PLUGIN_PATH; without it the five built-ins must be
 * found in the build tree. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "modelfit/modelfit.h"

static mf_context *ctx;

static int setup(void **state)
{
    (void)state;
    if (!getenv("MODELFIT_PLUGIN_PATH"))
        setenv("MODELFIT_PLUGIN_PATH", MF_PLUGIN_BUILD_DIR, 1);
    mf_error err;
    if (mf_context_new(&ctx, &err) != MF_OK)
        return -1;
    size_t n;
    if (mf_plugins_count(ctx, &n, &err) != MF_OK) {
        fprintf(stderr, "%s\n", err.message);
        return -1;
    }
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    mf_context_free(ctx);
    return 0;
}

/* Runs fn on every plugin of kind `kind` that is not shadowed. */
static int for_each(uint32_t kind, void (*fn)(const mf_plugin_info *))
{
    int count = 0;
    for (size_t i = 0; mf_plugins_at(ctx, i); i++) {
        const mf_plugin_info *info = mf_plugins_at(ctx, i);
        const mf_plugin *d = mf_plugin_info_descriptor(info);
        if (mf_plugin_info_shadowed(info) || (kind && d->kind != kind))
            continue;
        print_message("  %s %s (%s)\n", mf_plugin_kind_name(d->kind), d->name,
                      mf_plugin_info_file(info));
        fn(info);
        count++;
    }
    return count;
}

/* ---- discovery ----------------------------------------------------------- */

static void expect_in_dir(const char *name, const char *dir)
{
    const mf_plugin_info *info;
    mf_error err;
    if (mf_plugins_find(ctx, name, 0, &info, &err) != MF_OK)
        fail_msg("%s", err.message);
    const char *file = mf_plugin_info_file(info);
    if (strncmp(file, dir, strlen(dir)) != 0)
        fail_msg("plugin '%s' comes from %s, not from %s", name, file, dir);
}

static void test_expected_plugins_found(void **state)
{
    (void)state;
    const char *expect = getenv("MF_CONFORMANCE_EXPECT");
    char dir[4096], list[1024];
    if (expect) {
        snprintf(dir, sizeof dir, "%s", getenv("MODELFIT_PLUGIN_PATH"));
        dir[strcspn(dir, ":")] = '\0';
        snprintf(list, sizeof list, "%s", expect);
    } else {
        snprintf(dir, sizeof dir, "%s", MF_PLUGIN_BUILD_DIR);
        snprintf(list, sizeof list, "random,grid,de,mse,gamma");
    }
    char *save = NULL;
    for (char *name = strtok_r(list, ",", &save); name; name = strtok_r(NULL, ",", &save))
        expect_in_dir(name, dir);
}

/* ---- descriptors and option tables -------------------------------------- */

static void check_descriptor(const mf_plugin_info *info)
{
    const mf_plugin *d = mf_plugin_info_descriptor(info);
    assert_true(d->name && *d->name);
    assert_true(d->version && *d->version);
    assert_true(d->summary && *d->summary);
    assert_int_equal(d->abi_version >> 16, MF_PLUGIN_ABI_MAJOR);
    assert_true((d->abi_version & 0xffff) <= MF_PLUGIN_ABI_MINOR);
    assert_int_equal(d->option_size, sizeof(mf_option_spec));
    for (uint32_t i = 0; i < d->n_options; i++) {
        const mf_option_spec *s = &d->options[i];
        if (!s->help || strlen(s->help) < 10)
            fail_msg("%s: option '%s' has no real help text", d->name, s->name);
        char buf[128];
        assert_true(strlen(mf_plugin_option_default(s, buf, sizeof buf)) > 0);
    }
}

static void test_descriptors(void **state)
{
    (void)state;
    assert_true(for_each(0, check_descriptor) > 0);
}

/* Plausible values for required options, so every plugin can be made. */
static mf_options *required_options(const mf_plugin *d)
{
    mf_options *o;
    assert_int_equal(mf_options_new(&o, NULL), MF_OK);
    static const double second[MF_N_BASE_UNITS] = {0, 0, 1, 0, 0, 0, 0};
    for (uint32_t i = 0; i < d->n_options; i++) {
        const mf_option_spec *s = &d->options[i];
        if (!(s->flags & MF_OPT_REQUIRED))
            continue;
        double x = s->flags & MF_OPT_HAS_MAX   ? s->max
                   : s->flags & MF_OPT_HAS_MIN ? s->min + 1
                                               : 1;
        mf_status st;
        if (s->type == MF_OPT_QUANTITY && s->unit && strcmp(s->unit, "second") == 0)
            st = mf_options_set_quantity(o, s->name, 0.5e-3, second, NULL);
        else if (s->type == MF_OPT_STRING)
            st = mf_options_set_string(o, s->name, "", NULL);
        else
            st = mf_options_set_double(o, s->name, x, NULL);
        assert_int_equal(st, MF_OK);
    }
    return o;
}

/* ---- optimizers ---------------------------------------------------------- */

enum { DIMS = 3, N = 12, ROUNDS = 4 };
static const char *const names[DIMS] = {"g_na", "tau", "E"};
static const double lo[DIMS] = {1e-9, 1e-3, -0.09};
static const double hi[DIMS] = {1e-6, 0.1, -0.03};

static double sphere_error(const double *x)
{
    double e = 0;
    for (int d = 0; d < DIMS; d++) {
        double u = (x[d] - lo[d]) / (hi[d] - lo[d]) - 0.3;
        e += u * u;
    }
    return e;
}

static mf_optimizer *make_optimizer(const mf_plugin_info *info, int64_t seed)
{
    const mf_plugin *d = mf_plugin_info_descriptor(info);
    mf_options *o = required_options(d);
    assert_int_equal(mf_options_set_int(o, "seed", seed, NULL), MF_OK);
    mf_optimizer *opt;
    mf_error err;
    if (mf_optimizer_new(ctx, mf_plugin_info_file(info), o, &opt, &err) != MF_OK)
        fail_msg("%s", err.message);
    mf_options_free(o);
    assert_string_equal(mf_optimizer_name(opt), d->name);
    if (mf_optimizer_start(opt, DIMS, names, lo, hi, &err) != MF_OK)
        fail_msg("%s", err.message);
    return opt;
}

/* One ask/tell round; returns MF_ERR_STOPPED for an exhausted optimizer. */
static mf_status round_trip(mf_optimizer *opt, double *points)
{
    mf_error err;
    mf_status st = mf_optimizer_ask(opt, N, points, &err);
    if (st == MF_ERR_STOPPED)
        return st;
    if (st != MF_OK)
        fail_msg("%s", err.message);
    double errors[N];
    for (int i = 0; i < N; i++) {
        for (int d = 0; d < DIMS; d++) {
            double x = points[i * DIMS + d];
            assert_true(x >= lo[d] && x <= hi[d]);
        }
        errors[i] = sphere_error(points + i * DIMS);
    }
    errors[N - 1] = NAN; /* a failed lane: the optimizer must cope */
    if (mf_optimizer_tell(opt, N, points, errors, &err) != MF_OK)
        fail_msg("%s", err.message);
    return MF_OK;
}

static void check_optimizer(const mf_plugin_info *info)
{
    mf_optimizer *a = make_optimizer(info, 5), *b = make_optimizer(info, 5);
    double pa[N * DIMS], pb[N * DIMS];
    for (int r = 0; r < ROUNDS; r++) {
        mf_status sa = round_trip(a, pa), sb = round_trip(b, pb);
        assert_int_equal(sa, sb);
        if (sa == MF_ERR_STOPPED)
            break;
        assert_memory_equal(pa, pb, sizeof pa); /* same seed, same points */
    }
    double best[DIMS], e;
    mf_error err;
    if (mf_optimizer_recommend(a, best, &e, &err) != MF_OK)
        fail_msg("%s", err.message);
    assert_false(e < 0);
    for (int d = 0; d < DIMS; d++)
        assert_true(best[d] >= lo[d] && best[d] <= hi[d]);
    /* Restart: a fresh state on another space. */
    const double lo2[1] = {0}, hi2[1] = {1};
    const char *n2[1] = {"x"};
    if (mf_optimizer_start(a, 1, n2, lo2, hi2, &err) != MF_OK)
        fail_msg("%s", err.message);
    assert_int_equal(mf_optimizer_n_dims(a), 1);
    double p[N];
    assert_int_equal(mf_optimizer_ask(a, N, p, &err), MF_OK);
    mf_optimizer_free(a);
    mf_optimizer_free(b);
}

static void test_optimizers(void **state)
{
    (void)state;
    int n = for_each(MF_PLUGIN_OPTIMIZER, check_optimizer);
    print_message("  %d optimizers checked\n", n);
}

/* Save after two rounds, continue two more; a copy loaded from the save
 * must propose the same points. */
static void check_save_load(const mf_plugin_info *info)
{
    const mf_plugin *d = mf_plugin_info_descriptor(info);
    mf_optimizer *a = make_optimizer(info, 9);
    if (!mf_optimizer_can_save(a)) {
        print_message("    (no save/load)\n");
        assert_null(d->optimizer_save);
        mf_optimizer_free(a);
        return;
    }
    double pa[N * DIMS], pb[N * DIMS];
    round_trip(a, pa);
    round_trip(a, pa);
    size_t len;
    mf_error err;
    if (mf_optimizer_save(a, NULL, 0, &len, &err) != MF_OK)
        fail_msg("%s", err.message);
    unsigned char *buf = malloc(len);
    assert_non_null(buf);
    assert_int_equal(mf_optimizer_save(a, buf, len - 1, &len, &err), MF_ERR_INVALID);
    if (mf_optimizer_save(a, buf, len, &len, &err) != MF_OK)
        fail_msg("%s", err.message);
    mf_optimizer *b = make_optimizer(info, 1234); /* the stream comes from the save */
    assert_int_equal(mf_optimizer_load(b, buf, len - 1, &err), MF_ERR_INVALID);
    if (mf_optimizer_load(b, buf, len, &err) != MF_OK)
        fail_msg("%s", err.message);
    for (int r = 0; r < 2; r++) {
        mf_status sa = round_trip(a, pa), sb = round_trip(b, pb);
        assert_int_equal(sa, sb);
        if (sa == MF_OK)
            assert_memory_equal(pa, pb, sizeof pa);
    }
    free(buf);
    mf_optimizer_free(a);
    mf_optimizer_free(b);
}

static void test_optimizer_checkpoints(void **state)
{
    (void)state;
    for_each(MF_PLUGIN_OPTIMIZER, check_save_load);
}

/* ---- metrics ------------------------------------------------------------- */

enum { TRACES = 3, STEPS = 200, SAMPLES = 4, LANES = SAMPLES * TRACES };
static const double dt = 1e-4;

static double target_value(int k, int s)
{
    return -0.065 + 0.01 * sin(0.05 * s * (k + 1));
}

/* Spike trains: every 2.1 ms from 0.4 ms, shifted by trace. */
static size_t target_train(int k, double *t)
{
    size_t n = 0;
    for (double x = 0.4e-3 + 0.3e-3 * k; x < STEPS * dt; x += 2.1e-3)
        t[n++] = x;
    return n;
}

static mf_metric *make_metric(const mf_plugin_info *info)
{
    const mf_plugin *d = mf_plugin_info_descriptor(info);
    mf_options *o = required_options(d);
    mf_metric *m;
    mf_error err;
    if (mf_metric_new(ctx, mf_plugin_info_file(info), o, &m, &err) != MF_OK)
        fail_msg("%s", err.message);
    mf_options_free(o);
    return m;
}

/* A metric that describes itself as a weighted sum of squares (ABI 1.1)
 * must compute exactly that: error = sum_s w[s] (model - target)^2 / N^2
 * for every finite lane. */
static void check_weights(mf_metric *m, const double *targets, double model[][STEPS],
                          const uint32_t *trace, const double *errors)
{
    if (!mf_metric_has_weights(m))
        return;
    double w[STEPS], n, dims[MF_N_BASE_UNITS];
    mf_error err;
    if (mf_metric_weights(m, w, &err) != MF_OK)
        fail_msg("%s", err.message);
    mf_metric_normalization(m, &n, dims);
    for (int j = 0; j < LANES; j++) {
        if (isnan(errors[j]))
            continue;
        double sum = 0;
        for (int s = 0; s < STEPS; s++)
            sum += w[s] * pow(model[j][s] - targets[trace[j] * STEPS + s], 2) / (n * n);
        assert_true(fabs(sum - errors[j]) <= 1e-12 * fabs(errors[j]) + 1e-300);
    }
}

static void check_trace_metric(mf_metric *m)
{
    static double targets[TRACES * STEPS], model[LANES][STEPS];
    for (int k = 0; k < TRACES; k++)
        for (int s = 0; s < STEPS; s++)
            targets[k * STEPS + s] = target_value(k, s);
    mf_error err;
    if (mf_metric_prepare_traces(m, dt, TRACES, STEPS, targets, &err) != MF_OK)
        fail_msg("%s", err.message);
    /* Sample 0 identical; sample 1 offset; sample 2 noisy; sample 3 NaN. */
    const double *rows[LANES];
    uint32_t trace[LANES];
    for (int j = 0; j < LANES; j++) {
        int sample = j / TRACES, k = j % TRACES;
        trace[j] = (uint32_t)k;
        for (int s = 0; s < STEPS; s++) {
            double v = target_value(k, s);
            model[j][s] = sample == 0   ? v
                          : sample == 1 ? v + 0.002
                          : sample == 2 ? v + 0.001 * sin(7.0 * s)
                                        : (s == STEPS / 2 ? NAN : v);
        }
        rows[j] = model[j];
    }
    double errors[LANES], sample_errors[SAMPLES];
    if (mf_metric_errors(m, LANES, trace, rows, 1, errors, &err) != MF_OK)
        fail_msg("%s", err.message);
    mf_metric_average_samples(SAMPLES, TRACES, errors, sample_errors);
    assert_true(sample_errors[0] == 0);
    assert_true(sample_errors[1] > 0 && sample_errors[2] > 0);
    assert_true(isnan(sample_errors[3]) || sample_errors[3] == INFINITY);
    /* Concurrent batches give the same errors as one call. */
    double par[LANES];
#pragma omp parallel for num_threads(4) schedule(static, 1)
    for (int j = 0; j < LANES; j++) {
        mf_error e2;
        if (mf_metric_errors(m, 1, &trace[j], &rows[j], 1, &par[j], &e2) != MF_OK)
            par[j] = -1;
    }
    for (int j = 0; j < LANES; j++)
        assert_true(par[j] == errors[j] || (isnan(par[j]) && isnan(errors[j])));
    check_weights(m, targets, model, trace, errors);
    /* The online form sees the same values step by step. */
    size_t size = mf_metric_online_size(m);
    if (size == 0)
        return;
    unsigned char *acc = malloc(size * LANES);
    assert_non_null(acc);
    mf_metric_online_init(m, LANES, acc);
    for (int s = 0; s < STEPS; s++) {
        double mv[LANES], tv[LANES];
        for (int j = 0; j < LANES; j++) {
            mv[j] = model[j][s];
            tv[j] = targets[trace[j] * STEPS + s];
        }
        mf_metric_online_update(m, LANES, acc, (uint32_t)s, mv, tv);
    }
    double online[LANES];
    if (mf_metric_online_finish(m, LANES, acc, trace, online, &err) != MF_OK)
        fail_msg("%s", err.message);
    for (int j = 0; j < LANES; j++) {
        if (isnan(errors[j]))
            assert_true(isnan(online[j]));
        else
            assert_true(fabs(online[j] - errors[j]) <= 1e-12 * fabs(errors[j]));
    }
    free(acc);
}

static void check_spike_metric(mf_metric *m)
{
    static double t[TRACES][STEPS];
    size_t n[TRACES];
    const double *trains[TRACES];
    for (int k = 0; k < TRACES; k++) {
        n[k] = target_train(k, t[k]);
        trains[k] = t[k];
    }
    mf_error err;
    if (mf_metric_prepare_spikes(m, dt, TRACES, STEPS, trains, n, &err) != MF_OK)
        fail_msg("%s", err.message);
    /* Sample 0 identical, sample 1 silent. */
    const double *lanes[2 * TRACES];
    size_t ln[2 * TRACES];
    uint32_t trace[2 * TRACES];
    for (int j = 0; j < 2 * TRACES; j++) {
        trace[j] = (uint32_t)(j % TRACES);
        lanes[j] = t[j % TRACES];
        ln[j] = j < TRACES ? n[j] : 0;
    }
    double errors[2 * TRACES], sample_errors[2];
    if (mf_metric_errors_spikes(m, 2 * TRACES, trace, lanes, ln, errors, &err) != MF_OK)
        fail_msg("%s", err.message);
    mf_metric_average_samples(2, TRACES, errors, sample_errors);
    assert_true(fabs(sample_errors[0]) < 1e-12);
    assert_true(sample_errors[1] > 0);
}

static void check_metric(const mf_plugin_info *info)
{
    mf_metric *m = make_metric(info);
    mf_error err;
    double e;
    uint32_t k = 0;
    const double *row = &e;
    /* Unprepared: a clear error, not a crash. */
    assert_int_equal(mf_metric_errors(m, 1, &k, &row, 1, &e, &err), MF_ERR_INVALID);
    if (mf_metric_kind(m) == MF_METRIC_TRACES)
        check_trace_metric(m);
    else
        check_spike_metric(m);
    mf_metric_free(m);
}

static void test_metrics(void **state)
{
    (void)state;
    int n = for_each(MF_PLUGIN_METRIC, check_metric);
    print_message("  %d metrics checked\n", n);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_expected_plugins_found),
        cmocka_unit_test(test_descriptors),
        cmocka_unit_test(test_optimizers),
        cmocka_unit_test(test_optimizer_checkpoints),
        cmocka_unit_test(test_metrics),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}

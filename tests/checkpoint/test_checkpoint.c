/* Fits that survive (modelfit/fitter.h): checkpoints resumed bit for bit,
 * every refusal of a checkpoint with its message, stop requests, the
 * history file, NaN lanes and the all-NaN stop, the memory refusal.
 *
 * The fit: a leaky membrane dv/dt = (El - v + R*I)/tau under constant
 * currents, whose targets are the closed form v(t) = Vinf + (v0 - Vinf)
 * exp(-t/tau); DE with a fixed seed. The NaN tests use dv/dt = g*v/tau0,
 * which Euler turns into v_k = v0 (1 + g)^k: a lane overflows exactly when
 * k log(1 + g) passes log(DBL_MAX / v0), an independent truth. */
#include "checkpoint/ckpt_test.h"
#include "sha256.h"

#include <float.h>

enum { N_SAMPLES = 10 };

typedef ckpt_variant variant;

/* The base fit has N_SAMPLES samples a round unless v says otherwise. */
static void case_new(fit_case *c, mf_context *ctx, const variant *v)
{
    variant w = *v;
    if (!w.n_samples)
        w.n_samples = N_SAMPLES;
    ckpt_case_new(c, ctx, &w);
}

static void assert_files_equal(const char *a, const char *b)
{
    char *x = ft_read_file(a), *y = ft_read_file(b);
    assert_non_null(x);
    assert_non_null(y);
    assert_string_equal(x, y);
    free(x);
    free(y);
}

/* ---- stopping from the callback ------------------------------------------------ */

typedef struct stopper {
    mf_fitter *f;
    int stop_at; /* request a stop in this round (callback index), -1: never */
    int calls;
    volatile sig_atomic_t *flag; /* set instead of mf_fitter_request_stop */
} stopper;

static int stop_cb(void *user, const mf_fitter *f, int round, int n_rounds, const double *best,
                   double best_error, int n_points, const double *points, const double *errors)
{
    (void)f, (void)n_rounds, (void)best, (void)best_error, (void)n_points, (void)points,
        (void)errors;
    stopper *s = user;
    s->calls++;
    if (round == s->stop_at) {
        if (s->flag)
            *s->flag = 1;
        else
            mf_fitter_request_stop(s->f);
    }
    return 0;
}

/* ---- resume -------------------------------------------------------------------------- */

static void test_resume_identical(void **state)
{
    (void)state;
    mf_context *ctx = ft_context(1);
    char ck[600], ha[600], hb[600], csv[600];
    path_in_work("resume.ckpt", ck, sizeof ck);
    path_in_work("hist_ref.csv", ha, sizeof ha);
    path_in_work("hist_resumed.csv", hb, sizeof hb);
    path_in_work("ref.csv", csv, sizeof csv);
    variant base = {0};

    /* The reference: 8 rounds in one go; its history file is what
     * mf_fitter_write_csv writes. */
    fit_case ref;
    case_new(&ref, ctx, &base);
    FT_OK(mf_fitter_set_history_file(ref.f, ha, err));
    FT_OK(case_fit(&ref, 8, NULL, NULL, err));
    FT_OK(mf_fitter_write_csv(ref.f, csv, err));
    assert_files_equal(ha, csv);

    /* Stopped after round 3 (index 2), with a checkpoint every 2 rounds. */
    fit_case a;
    case_new(&a, ctx, &base);
    FT_OK(mf_fitter_set_checkpoint(a.f, ck, 2, err));
    FT_OK(mf_fitter_set_history_file(a.f, hb, err));
    stopper s = {a.f, 2, 0, NULL};
    mf_error e;
    assert_int_equal(case_fit(&a, 8, stop_cb, &s, &e), MF_ERR_STOPPED);
    assert_contains(e.message, "interrupted after 3 of 8 rounds");
    assert_contains(e.message, ck);
    assert_non_null(mf_fitter_stop_reason(a.f));
    assert_int_equal(mf_fitter_history_size(a.f), 3 * N_SAMPLES);
    case_free(&a);

    /* A new fitter and optimizer (as a new process would make) resumes. */
    fit_case b;
    case_new(&b, ctx, &base);
    FT_OK(mf_fitter_set_checkpoint(b.f, ck, 2, err));
    FT_OK(mf_fitter_set_history_file(b.f, hb, err));
    FT_OK(mf_fitter_resume(b.f, ck, err));
    stopper count = {b.f, -1, 0, NULL};
    FT_OK(case_fit(&b, 8, stop_cb, &count, err));
    assert_int_equal(count.calls, 5);
    assert_same_history(ref.f, b.f);
    assert_files_equal(hb, ha);
    double pa[2], pb[2], ea, eb;
    FT_OK(mf_fitter_best(ref.f, pa, &ea, err));
    FT_OK(mf_fitter_best(b.f, pb, &eb, err));
    assert_memory_equal(pa, pb, sizeof pa);
    assert_memory_equal(&ea, &eb, sizeof ea);
    case_free(&b);

    /* Resuming the finished fit runs no round and changes nothing. */
    fit_case c;
    case_new(&c, ctx, &base);
    FT_OK(mf_fitter_resume(c.f, ck, err));
    stopper none = {c.f, -1, 0, NULL};
    FT_OK(case_fit(&c, 8, stop_cb, &none, err));
    assert_int_equal(none.calls, 0);
    assert_same_history(ref.f, c.f);
    case_free(&c);

    case_free(&ref);
    mf_context_free(ctx);
}

/* A script with two fits, stopped in the second: resuming replays the
 * script; the first fit restores the checkpoint and runs nothing, the
 * second finishes its rounds. */
static void test_resume_second_call(void **state)
{
    (void)state;
    mf_context *ctx = ft_context(1);
    char ck[600];
    path_in_work("two_calls.ckpt", ck, sizeof ck);
    variant base = {0};
    fit_case ref;
    case_new(&ref, ctx, &base);
    FT_OK(case_fit(&ref, 3, NULL, NULL, err));
    FT_OK(case_fit(&ref, 4, NULL, NULL, err));

    fit_case a;
    case_new(&a, ctx, &base);
    FT_OK(mf_fitter_set_checkpoint(a.f, ck, 1, err));
    FT_OK(case_fit(&a, 3, NULL, NULL, err));
    stopper s = {a.f, 1, 0, NULL};
    mf_error e;
    assert_int_equal(case_fit(&a, 4, stop_cb, &s, &e), MF_ERR_STOPPED);
    case_free(&a);

    fit_case b;
    case_new(&b, ctx, &base);
    FT_OK(mf_fitter_set_checkpoint(b.f, ck, 1, err));
    FT_OK(mf_fitter_resume(b.f, ck, err));
    stopper first = {b.f, -1, 0, NULL};
    FT_OK(case_fit(&b, 3, stop_cb, &first, err));
    assert_int_equal(first.calls, 0);
    assert_int_equal(mf_fitter_history_size(b.f), 5 * N_SAMPLES);
    FT_OK(mf_fitter_resume(b.f, ck, err));
    stopper second = {b.f, -1, 0, NULL};
    FT_OK(case_fit(&b, 4, stop_cb, &second, err));
    assert_int_equal(second.calls, 2);
    assert_same_history(ref.f, b.f);
    case_free(&b);
    case_free(&ref);
    mf_context_free(ctx);
}

/* With two outputs the history file has each output's raw and normalized
 * error too, still byte for byte what mf_fitter_write_csv writes. */
static void test_history_file_two_outputs(void **state)
{
    (void)state;
    mf_context *ctx = ft_context(1);
    char hist[600], csv[600];
    path_in_work("two_outputs.csv", hist, sizeof hist);
    path_in_work("two_outputs_ref.csv", csv, sizeof csv);
    double input[N_TRACES * N_STEPS], target[N_TRACES * N_STEPS], flat[N_TRACES * N_STEPS];
    ckpt_make_data(0, input, target);
    for (int i = 0; i < N_TRACES * N_STEPS; i++)
        flat[i] = -70e-3;
    mf_fitter_spec *spec;
    mf_fitter *f;
    FT_OK(mf_fitter_spec_new(MF_FITTER_TRACES, &spec, err));
    FT_OK(mf_fitter_spec_set_model(spec,
                                   "dv/dt = (El - v + R*I)/tau : volt\n"
                                   "dw/dt = (El - w)/tau : volt\n"
                                   "El : volt (constant)\ntau : second (constant)\n",
                                   NULL, err));
    FT_OK(mf_fitter_spec_set_constant(spec, "R", ft_q("100*Mohm"), err));
    FT_OK(mf_fitter_spec_set_input(spec, "I", ft_unit("amp"), N_TRACES, N_STEPS, input, err));
    FT_OK(
        mf_fitter_spec_set_output(spec, "v", ft_unit("volt"), N_TRACES, N_STEPS, target, err));
    FT_OK(mf_fitter_spec_set_output(spec, "w", ft_unit("volt"), N_TRACES, N_STEPS, flat, err));
    FT_OK(mf_fitter_spec_set_dt(spec, 1e-4, err));
    FT_OK(mf_fitter_spec_set_n_samples(spec, 6, err));
    FT_OK(mf_fitter_spec_set_init(spec, "v", "-60*mV", err));
    FT_OK(mf_fitter_spec_set_init(spec, "w", "-60*mV", err));
    FT_OK(mf_fitter_new(ctx, spec, &f, err));
    mf_fitter_spec_free(spec);
    mf_optimizer *opt = ft_optimizer(ctx, "random", 2);
    mf_metric *m[2] = {ft_metric(ctx, "mse", "normalization=1*mV", NULL),
                       ft_metric(ctx, "mse", "normalization=2*mV", NULL)};
    const char *names[2] = {"El", "tau"};
    double lo[2] = {-90e-3, 1e-3}, hi[2] = {-50e-3, 50e-3};
    FT_OK(mf_fitter_set_history_file(f, hist, err));
    FT_OK(mf_fitter_fit(f, opt, m, 2, 2, names, lo, hi, NULL, NULL, false, -1, err));
    FT_OK(mf_fitter_fit(f, NULL, NULL, 1, 0, NULL, NULL, NULL, NULL, NULL, false, -1, err));
    FT_OK(mf_fitter_write_csv(f, csv, err));
    assert_files_equal(hist, csv);
    char *text = ft_read_file(hist);
    int lines = 0;
    for (char *c = text; *c; c++)
        lines += *c == '\n';
    assert_int_equal(lines, 1 + 3 * 6);
    assert_contains(text, "normalized_error_w");
    free(text);
    mf_metric_free(m[0]);
    mf_metric_free(m[1]);
    mf_optimizer_free(opt);
    mf_fitter_free(f);
    mf_context_free(ctx);
}

/* ---- stop requests --------------------------------------------------------------------- */

static void test_stop_flag(void **state)
{
    (void)state;
    mf_context *ctx = ft_context(1);
    variant base = {0};
    fit_case a;
    case_new(&a, ctx, &base);
    volatile sig_atomic_t flag = 0;
    mf_fitter_set_stop_flag(a.f, &flag);
    stopper s = {a.f, 1, 0, &flag};
    mf_error e;
    assert_int_equal(case_fit(&a, 6, stop_cb, &s, &e), MF_ERR_STOPPED);
    assert_contains(e.message, "interrupted after 2 of 6 rounds (no checkpoint was asked for;");
    assert_int_equal(mf_fitter_history_size(a.f), 2 * N_SAMPLES);
    /* The flag is the caller's: cleared, the fit goes on. */
    flag = 0;
    FT_OK(case_fit(&a, 2, NULL, NULL, err));
    assert_int_equal(mf_fitter_history_size(a.f), 4 * N_SAMPLES);
    /* A request made before a fit stops it before its first round. */
    mf_fitter_set_stop_flag(a.f, NULL);
    mf_fitter_request_stop(a.f);
    assert_int_equal(case_fit(&a, 2, NULL, NULL, &e), MF_ERR_STOPPED);
    assert_int_equal(mf_fitter_history_size(a.f), 4 * N_SAMPLES);
    /* ... and is consumed by it. */
    FT_OK(case_fit(&a, 1, NULL, NULL, err));
    assert_int_equal(mf_fitter_history_size(a.f), 5 * N_SAMPLES);
    case_free(&a);
    mf_context_free(ctx);
}

/* ---- damaged files ------------------------------------------------------------------------
 */

static unsigned char *read_bytes(const char *path, size_t *n)
{
    FILE *f = fopen(path, "rb");
    assert_non_null(f);
    fseek(f, 0, SEEK_END);
    *n = (size_t)ftell(f);
    fseek(f, 0, SEEK_SET);
    unsigned char *b = malloc(*n);
    assert_non_null(b);
    assert_int_equal(fread(b, 1, *n, f), *n);
    fclose(f);
    return b;
}

static void write_bytes(const char *path, const unsigned char *b, size_t n)
{
    FILE *f = fopen(path, "wb");
    assert_non_null(f);
    assert_int_equal(fwrite(b, 1, n, f), n);
    fclose(f);
}

static void expect_refused(mf_fitter *f, const char *path, mf_status want, const char *part)
{
    mf_error e;
    mf_status rc = mf_fitter_resume(f, path, &e);
    if (rc != want)
        fail_msg("resume %s: %d (%s), wanted %d", path, (int)rc, e.message, (int)want);
    assert_contains(e.message, part);
}

/* A good checkpoint of the base fit after 2 rounds, into path. */
static void base_checkpoint(mf_context *ctx, const char *path)
{
    variant base = {0};
    fit_case a;
    case_new(&a, ctx, &base);
    FT_OK(mf_fitter_set_checkpoint(a.f, path, 1, err));
    FT_OK(case_fit(&a, 2, NULL, NULL, err));
    case_free(&a);
}

static void test_refuse_damaged(void **state)
{
    (void)state;
    mf_context *ctx = ft_context(1);
    char ck[600], bad[600];
    path_in_work("good.ckpt", ck, sizeof ck);
    path_in_work("bad.ckpt", bad, sizeof bad);
    base_checkpoint(ctx, ck);
    size_t n;
    unsigned char *b = read_bytes(ck, &n);
    variant base = {0};
    fit_case c;
    case_new(&c, ctx, &base);
    FT_OK(mf_fitter_resume(c.f, ck, err));

    write_bytes(bad, b, n / 2);
    expect_refused(c.f, bad, MF_ERR_INVALID, "is truncated");
    write_bytes(bad, b, 20);
    expect_refused(c.f, bad, MF_ERR_INVALID, "is truncated");
    b[n / 2] ^= 0x10;
    write_bytes(bad, b, n);
    expect_refused(c.f, bad, MF_ERR_INVALID, "SHA-256 checksum does not match");
    b[n / 2] ^= 0x10;
    write_bytes(bad, b, 0);
    expect_refused(c.f, bad, MF_ERR_INVALID, "is not a modelfit checkpoint");
    expect_refused(c.f, "/nonexistent/x.ckpt", MF_ERR_IO, "cannot open");

    /* Other versions, with a valid checksum (recomputed here). */
    uint32_t v = 99;
    memcpy(b + 8, &v, 4);
    mf_sha256(b, n - 32, b + n - 32);
    write_bytes(bad, b, n);
    expect_refused(c.f, bad, MF_ERR_INVALID,
                   "format version 99, but this modelfit reads "
                   "version 1");
    v = 1;
    memcpy(b + 8, &v, 4);
    v = (uint32_t)(MF_PLUGIN_ABI_MAJOR + 1) << 16;
    memcpy(b + 12, &v, 4);
    mf_sha256(b, n - 32, b + n - 32);
    write_bytes(bad, b, n);
    char want[64];
    snprintf(want, sizeof want, "plugin ABI %d.0, but this modelfit has plugin ABI %d.%d",
             MF_PLUGIN_ABI_MAJOR + 1, MF_PLUGIN_ABI_MAJOR, MF_PLUGIN_ABI_MINOR);
    expect_refused(c.f, bad, MF_ERR_INVALID, want);

    /* The refusals left the armed resume alone: it still works. */
    FT_OK(case_fit(&c, 3, NULL, NULL, err));
    assert_int_equal(mf_fitter_history_size(c.f), 3 * N_SAMPLES);
    free(b);
    case_free(&c);
    mf_context_free(ctx);
}

/* ---- other settings ---------------------------------------------------------------------- */

/* A checkpoint of the base fit resumed by a fit with other settings is
 * refused at the fit, naming exactly the parts that differ, and the
 * fitter is left untouched. */
static void expect_mismatch(mf_context *ctx, const char *ck, const variant *v,
                            const char *const *parts)
{
    static const char *const all[] = {"the model (",
                                      "the data (",
                                      "the parameter bounds",
                                      "the optimizer, its version or its options",
                                      "the metric, its version or its options",
                                      "n_samples",
                                      "dt",
                                      NULL};
    fit_case c;
    case_new(&c, ctx, v);
    FT_OK(mf_fitter_resume(c.f, ck, err));
    mf_error e;
    assert_int_equal(case_fit(&c, 3, NULL, NULL, &e), MF_ERR_INVALID);
    assert_contains(e.message, "was written by another fit");
    for (int i = 0; all[i]; i++) {
        bool want = false;
        for (int j = 0; parts[j]; j++)
            want = want || strcmp(parts[j], all[i]) == 0;
        if (want != (strstr(e.message, all[i]) != NULL))
            fail_msg("'%s' should%s be named in: %s", all[i], want ? "" : " not", e.message);
    }
    assert_int_equal(mf_fitter_history_size(c.f), 0);
    case_free(&c);
}

static void test_refuse_other_settings(void **state)
{
    (void)state;
    mf_context *ctx = ft_context(1);
    char ck[600];
    path_in_work("settings.ckpt", ck, sizeof ck);
    base_checkpoint(ctx, ck);
    const char *other_model = "dv/dt = (El - v + R*I)/(1.0*tau) : volt\n"
                              "El : volt (constant)\n"
                              "tau : second (constant)\n";
    expect_mismatch(ctx, ck, &(variant){.model = other_model},
                    (const char *[]){"the model (", NULL});
    expect_mismatch(ctx, ck, &(variant){.shift = 1e-6}, (const char *[]){"the data (", NULL});
    expect_mismatch(ctx, ck, &(variant){.tau_hi = 60e-3},
                    (const char *[]){"the parameter bounds", NULL});
    expect_mismatch(ctx, ck, &(variant){.seed = 4},
                    (const char *[]){"the optimizer, its version or its options", NULL});
    expect_mismatch(ctx, ck, &(variant){.opt = "random"},
                    (const char *[]){"the optimizer, its version or its options", NULL});
    expect_mismatch(ctx, ck, &(variant){.t_start = "t_start=1*ms"},
                    (const char *[]){"the metric, its version or its options", NULL});
    expect_mismatch(ctx, ck, &(variant){.n_samples = 11}, (const char *[]){"n_samples", NULL});
    expect_mismatch(ctx, ck, &(variant){.tau_hi = 60e-3, .seed = 4},
                    (const char *[]){"the parameter bounds",
                                     "the optimizer, its version or its options", NULL});
    expect_mismatch(ctx, ck, &(variant){.dt = 2e-4}, (const char *[]){"dt", NULL});
    mf_context_free(ctx);
}

/* ---- optimizers without save/load ---------------------------------------------------------
 */

static void test_refuse_nosave(void **state)
{
    (void)state;
    mf_context *ctx = ft_context(1);
    char ck[600];
    path_in_work("nosave.ckpt", ck, sizeof ck);
    unlink(ck);
    variant v = {.opt = MF_TEST_BINARY_DIR "/checkpoint/nosave.so"};
    fit_case c;
    case_new(&c, ctx, &v);
    assert_false(mf_optimizer_can_save(c.opt));
    FT_OK(mf_fitter_set_checkpoint(c.f, ck, 1, err));
    mf_error e;
    assert_int_equal(case_fit(&c, 2, NULL, NULL, &e), MF_ERR_UNSUPPORTED);
    assert_contains(e.message, "optimizer 'nosave' cannot save its state");
    assert_contains(e.message, "cannot be checkpointed");
    assert_int_equal(mf_fitter_history_size(c.f), 0);
    assert_int_equal(access(ck, F_OK), -1);
    /* Without a checkpoint the same optimizer fits. */
    FT_OK(mf_fitter_set_checkpoint(c.f, NULL, 0, err));
    FT_OK(case_fit(&c, 2, NULL, NULL, err));
    assert_int_equal(mf_fitter_history_size(c.f), 2 * N_SAMPLES);
    case_free(&c);
    mf_context_free(ctx);
}

/* ---- NaN lanes ------------------------------------------------------------------------------
 */

enum { NAN_STEPS = 1000, NAN_TRACES = 2, NAN_SAMPLES = 40 };

/* dv/dt = g*v/tau0 with dt = tau0, Euler: v_k = v0 (1 + g)^k. */
static mf_fitter *nan_fitter(mf_context *ctx, int n_samples)
{
    double target[NAN_TRACES * NAN_STEPS];
    for (int i = 0; i < NAN_TRACES * NAN_STEPS; i++)
        target[i] = 1e-3;
    mf_fitter_spec *spec;
    mf_fitter *f;
    FT_OK(mf_fitter_spec_new(MF_FITTER_TRACES, &spec, err));
    FT_OK(mf_fitter_spec_set_model(spec, "dv/dt = g*v/tau0 : volt\ng : 1 (constant)\n", NULL,
                                   err));
    FT_OK(mf_fitter_spec_set_constant(spec, "tau0", ft_q("0.1*ms"), err));
    FT_OK(mf_fitter_spec_set_output(spec, "v", ft_unit("volt"), NAN_TRACES, NAN_STEPS, target,
                                    err));
    FT_OK(mf_fitter_spec_set_dt(spec, 1e-4, err));
    FT_OK(mf_fitter_spec_set_n_samples(spec, n_samples, err));
    FT_OK(mf_fitter_spec_set_method(spec, "euler", err));
    FT_OK(mf_fitter_spec_set_init(spec, "v", "1*mV", err));
    FT_OK(mf_fitter_new(ctx, spec, &f, err));
    mf_fitter_spec_free(spec);
    return f;
}

typedef struct nan_seen {
    int rounds;
    int points[8];
    long lanes[8];
    int nan_in_errors[8];
    mf_printer *printer;
} nan_seen;

static int nan_cb(void *user, const mf_fitter *f, int round, int n_rounds, const double *best,
                  double best_error, int n_points, const double *points, const double *errors)
{
    nan_seen *s = user;
    mf_fitter_round_nan(f, &s->points[round], &s->lanes[round]);
    for (int i = 0; i < n_points; i++)
        s->nan_in_errors[round] += isnan(errors[i]) != 0;
    s->rounds++;
    return mf_printer_callback(s->printer, f, round, n_rounds, best, best_error, n_points,
                               points, errors);
}

static void test_nan_lanes(void **state)
{
    (void)state;
    mf_context *ctx = ft_context(1);
    mf_fitter *f = nan_fitter(ctx, NAN_SAMPLES);
    mf_optimizer *opt = ft_optimizer(ctx, "random", 5);
    const char *name = "g";
    double lo = -1, hi = 3;
    char *text = NULL;
    size_t text_len = 0;
    FILE *out = open_memstream(&text, &text_len);
    assert_non_null(out);
    nan_seen s = {0};
    FT_OK(mf_printer_new("text", out, &s.printer, err));
    FT_OK(mf_fitter_fit(f, opt, NULL, 3, 1, &name, &lo, &hi, nan_cb, &s, false, -1, err));
    fclose(out);
    assert_int_equal(s.rounds, 3);
    /* Overflow (to inf, then inf - inf = NaN is not needed: the state is
     * not finite) exactly when NAN_STEPS log(1 + g) > log(DBL_MAX / v0). */
    double threshold = expm1((log(DBL_MAX) - log(1e-3)) / NAN_STEPS);
    int expected[3] = {0};
    for (long i = 0; i < mf_fitter_history_size(f); i++) {
        double g = mf_fitter_history_point(f, i)[0];
        bool nan = isnan(mf_fitter_history_error(f, i));
        if (fabs(g - threshold) > 0.01 && nan != (g > threshold))
            fail_msg("g = %.6f (overflow above %.6f): error %g", g, threshold,
                     mf_fitter_history_error(f, i));
        expected[mf_fitter_history_round(f, i)] += nan;
    }
    char *line = text;
    for (int r = 0; r < 3; r++) {
        assert_int_equal(s.points[r], expected[r]);
        assert_int_equal(s.nan_in_errors[r], expected[r]);
        assert_int_equal(s.lanes[r], (long)expected[r] * NAN_TRACES);
        assert_true(expected[r] > 0 && expected[r] < NAN_SAMPLES);
        char want[96];
        snprintf(want, sizeof want, "(%d of %d simulations diverged: NaN or inf)",
                 expected[r] * NAN_TRACES, NAN_SAMPLES * NAN_TRACES);
        char *end = strchr(line, '\n');
        assert_non_null(end);
        *end = '\0';
        assert_contains(line, want);
        line = end + 1;
    }
    /* A NaN never wins. */
    double best[1], best_error;
    FT_OK(mf_fitter_best(f, best, &best_error, err));
    assert_true(isfinite(best_error) && best[0] < threshold);
    free(text);
    mf_printer_free(s.printer);
    mf_optimizer_free(opt);
    mf_fitter_free(f);
    mf_context_free(ctx);
}

static void test_all_nan_stops(void **state)
{
    (void)state;
    mf_context *ctx = ft_context(1);
    char ck[600];
    path_in_work("all_nan.ckpt", ck, sizeof ck);
    unlink(ck);
    mf_fitter *f = nan_fitter(ctx, 8);
    mf_optimizer *opt = ft_optimizer(ctx, "random", 5);
    const char *name = "g";
    double lo = 1.5, hi = 3; /* (1 + g)^1000 overflows for every g here */
    FT_OK(mf_fitter_set_checkpoint(f, ck, 0, err));
    mf_error e;
    assert_int_equal(
        mf_fitter_fit(f, opt, NULL, 5, 1, &name, &lo, &hi, NULL, NULL, false, -1, &e),
        MF_ERR_NUMERIC);
    assert_contains(e.message, "every simulation of round 1 diverged (16 of 16");
    assert_contains(e.message, "parameter bounds");
    assert_contains(e.message, "dt = 0.0001 s is too large for method 'euler'");
    assert_int_equal(mf_fitter_history_size(f), 8);
    assert_int_equal(mf_fitter_best(f, NULL, NULL, &e), MF_ERR_INVALID);
    int points;
    long lanes;
    mf_fitter_round_nan(f, &points, &lanes);
    assert_int_equal(points, 8);
    assert_int_equal(lanes, 16);
    /* The round is kept on disk. */
    assert_int_equal(access(ck, F_OK), 0);
    mf_optimizer_free(opt);
    mf_fitter_free(f);
    mf_context_free(ctx);
}

/* ---- memory
 * ------------------------------------------------------------------------------------ */

static void test_memory_refusal(void **state)
{
    (void)state;
    mf_context *ctx = ft_context(1);
    /* 2e9 simulations x 1000 steps x 8 bytes: 16 TB. */
    mf_fitter *f = nan_fitter(ctx, 2000000000);
    double need, machine;
    mf_fitter_memory_estimate(f, &need, &machine);
    double pages = (double)sysconf(_SC_PHYS_PAGES), page = (double)sysconf(_SC_PAGE_SIZE);
    assert_double_equal(machine, pages * page, 0.5);
    assert_true(need >= 2e9 * NAN_TRACES * NAN_STEPS * 8.0);
    assert_true(need < 2e9 * NAN_TRACES * (NAN_STEPS * 8.0 + 200));
    mf_optimizer *opt = ft_optimizer(ctx, "random", 1);
    const char *name = "g";
    double lo = -1, hi = 1;
    mf_error e;
    /* Refused before anything is allocated (under ASan an allocation of
     * this size would abort the test). */
    assert_int_equal(
        mf_fitter_fit(f, opt, NULL, 1, 1, &name, &lo, &hi, NULL, NULL, false, -1, &e),
        MF_ERR_NOMEM);
    assert_contains(e.message, "this fit needs about ");
    assert_contains(e.message, " TB of memory");
    assert_contains(e.message, "OnlineTraceFitter");
    assert_int_equal(mf_fitter_history_size(f), 0);
    mf_optimizer_free(opt);
    mf_fitter_free(f);
    mf_context_free(ctx);
}

/* ---- settings
 * ---------------------------------------------------------------------------------- */

static void test_setters(void **state)
{
    (void)state;
    mf_context *ctx = ft_context(1);
    variant base = {0};
    fit_case c;
    case_new(&c, ctx, &base);
    mf_error e;
    assert_int_equal(mf_fitter_set_checkpoint(c.f, "x.ckpt", -1, &e), MF_ERR_INVALID);
    assert_int_equal(mf_fitter_set_checkpoint(NULL, "x.ckpt", 1, &e), MF_ERR_INVALID);
    FT_OK(mf_fitter_resume(c.f, NULL, err));
    FT_OK(mf_fitter_set_history_file(c.f, NULL, err));
    /* A history file that cannot be written fails the fit before a round. */
    FT_OK(mf_fitter_set_history_file(c.f, "/nonexistent/dir/h.csv", err));
    assert_int_equal(case_fit(&c, 2, NULL, NULL, &e), MF_ERR_IO);
    assert_int_equal(mf_fitter_history_size(c.f), 0);
    case_free(&c);
    mf_context_free(ctx);
}

static int make_work(void **state)
{
    (void)state;
    return ckpt_make_work("c");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_resume_identical),
        cmocka_unit_test(test_resume_second_call),
        cmocka_unit_test(test_history_file_two_outputs),
        cmocka_unit_test(test_stop_flag),
        cmocka_unit_test(test_refuse_damaged),
        cmocka_unit_test(test_refuse_other_settings),
        cmocka_unit_test(test_refuse_nosave),
        cmocka_unit_test(test_nan_lanes),
        cmocka_unit_test(test_all_nan_stops),
        cmocka_unit_test(test_memory_refusal),
        cmocka_unit_test(test_setters),
    };
    return cmocka_run_group_tests(tests, make_work, ckpt_remove_work);
}

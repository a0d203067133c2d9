/* Results, generate, callbacks and reproducibility of the fitter. */
#include "fit_test.h"

#include <unistd.h>

enum { NT = 3, NS = 300 };
static double cur[NT * NS], vt[NT * NS];

static const char *leaky_model = "dv/dt = (EL - v + R*I)/tau : volt\n"
                                 "EL : volt (constant)\nR : ohm (constant)\n"
                                 "tau : second (constant)\n";

static mf_fitter *leaky(mf_context *ctx, int n_samples)
{
    for (int k = 0; k < NT; k++)
        for (int i = 0; i < NS; i++) {
            cur[k * NS + i] = i > 30 ? (k + 1) * 0.1e-9 : 0;
            vt[k * NS + i] = -70e-3 + (k + 1) * 4e-3 * (1 - exp(-i * 1e-4 / 12e-3)) * (i > 30) +
                             0.4e-3 * cos(0.21 * i + k);
        }
    mf_fitter_spec *s;
    mf_fitter *f;
    FT_OK(mf_fitter_spec_new(MF_FITTER_TRACES, &s, err));
    FT_OK(mf_fitter_spec_set_model(s, leaky_model, NULL, err));
    FT_OK(mf_fitter_spec_set_input(s, "I", ft_unit("amp"), NT, NS, cur, err));
    FT_OK(mf_fitter_spec_set_output(s, "v", ft_unit("volt"), NT, NS, vt, err));
    FT_OK(mf_fitter_spec_set_init(s, "v", "-70*mV", err));
    FT_OK(mf_fitter_spec_set_dt(s, 1e-4, err));
    FT_OK(mf_fitter_spec_set_n_samples(s, n_samples, err));
    FT_OK(mf_fitter_new(ctx, s, &f, err));
    mf_fitter_spec_free(s);
    return f;
}

static const char *names[] = {"EL", "R", "tau"};
static const double lo[] = {-90e-3, 10e6, 2e-3}, hi[] = {-50e-3, 100e6, 50e-3};

/* Same seed, same history, whatever the number of threads (40 samples x 3
 * traces = 120 lanes: two blocks, run concurrently with 2 threads). */
static void reproducible(void **state)
{
    (void)state;
    mf_fitter *f[2];
    mf_context *ctx[2];
    mf_optimizer *o[2];
    for (int i = 0; i < 2; i++) {
        ctx[i] = ft_context(i + 1);
        f[i] = leaky(ctx[i], 40);
        o[i] = ft_optimizer(ctx[i], "de", 42);
        FT_OK(mf_fitter_fit(f[i], o[i], NULL, 4, 3, names, lo, hi, NULL, NULL, false, -1, err));
    }
    long n = mf_fitter_history_size(f[0]);
    assert_int_equal(n, 160);
    assert_int_equal(mf_fitter_history_size(f[1]), n);
    for (long i = 0; i < n; i++) {
        assert_memory_equal(mf_fitter_history_point(f[0], i), mf_fitter_history_point(f[1], i),
                            3 * sizeof(double));
        double a = mf_fitter_history_error(f[0], i), b = mf_fitter_history_error(f[1], i);
        assert_memory_equal(&a, &b, sizeof a);
    }
    for (int i = 0; i < 2; i++) {
        mf_fitter_free(f[i]);
        mf_optimizer_free(o[i]);
        mf_context_free(ctx[i]);
    }
}

static char *first_line(const char *path)
{
    char *s = ft_read_file(path);
    assert_non_null(s);
    s[strcspn(s, "\n")] = '\0';
    return s;
}

static void export_csv_json(void **state)
{
    (void)state;
    mf_context *ctx = ft_context(1);
    mf_fitter *f = leaky(ctx, 6);
    mf_optimizer *o = ft_optimizer(ctx, "random", 2);
    FT_OK(mf_fitter_fit(f, o, NULL, 2, 3, names, lo, hi, NULL, NULL, false, -1, err));
    char csv[512], json[512];
    snprintf(csv, sizeof csv, "%s/fitter_results_%d.csv", MF_TEST_BINARY_DIR, (int)getpid());
    snprintf(json, sizeof json, "%s/fitter_results_%d.json", MF_TEST_BINARY_DIR, (int)getpid());
    FT_OK(mf_fitter_write_csv(f, csv, err));
    char *head = first_line(csv);
    assert_string_equal(head, "round,EL (V),R (ohm),tau (s),error (V^2)");
    free(head);
    mf_array *a;
    FT_OK(mf_read_csv(csv, MF_CSV_AUTO, &a, err));
    assert_int_equal(mf_array_rows(a), 12);
    assert_int_equal(mf_array_cols(a), 5);
    for (long i = 0; i < 12; i++) {
        /* Files count rounds from 1; the C API's index from 0. */
        assert_double_equal(mf_array_at(a, i, 0), i / 6 + 1, 0);
        assert_int_equal(mf_fitter_history_round(f, i), i / 6);
        for (int p = 0; p < 3; p++)
            assert_double_equal(mf_array_at(a, i, 1 + p), mf_fitter_history_point(f, i)[p], 0);
        assert_double_equal(mf_array_at(a, i, 4), mf_fitter_history_error(f, i), 0);
    }
    mf_array_free(a);
    FT_OK(mf_fitter_write_json(f, json, err));
    char *js = ft_read_file(json);
    assert_non_null(strstr(js, "\"parameters\": [{\"name\": \"EL\", \"unit\": \"V\"}"));
    assert_non_null(strstr(js, "\"error_unit\": \"V^2\""));
    assert_non_null(strstr(js, "\"outputs\": [{\"name\": \"v\", \"metric\": \"mse\""));
    assert_non_null(strstr(js, "\"best\": {\"params\": {\"EL\": "));
    char round1[64], round2[64];
    snprintf(round1, sizeof round1, "{\"round\": 1, \"params\": {\"EL\": %.17g",
             mf_fitter_history_point(f, 0)[0]);
    snprintf(round2, sizeof round2, "{\"round\": 2, \"params\": {\"EL\": %.17g",
             mf_fitter_history_point(f, 6)[0]);
    assert_non_null(strstr(js, round1));
    assert_non_null(strstr(js, round2));
    assert_null(strstr(js, "\"round\": 0"));
    free(js);
    remove(csv);
    remove(json);
    mf_fitter_free(f);
    mf_optimizer_free(o);
    mf_context_free(ctx);
}

/* generate against an independent run of the simulation API. */
static void generate_matches_simulate(void **state)
{
    (void)state;
    mf_context *ctx = ft_context(1);
    mf_fitter *f = leaky(ctx, 4);
    const double p[3] = {-65e-3, 40e6, 15e-3}; /* EL, R, tau */
    mf_array *tr[1];
    const char *v = "v";
    FT_OK(mf_fitter_generate(f, p, 0, NULL, NULL, NAN, 1, &v, tr, NULL, err));
    mf_sim *sim;
    FT_OK(mf_sim_new(ctx, leaky_model, &sim, err));
    FT_OK(mf_sim_set_input(sim, "I", ft_unit("amp"), NT, NS, cur, err));
    FT_OK(mf_sim_set_dt(sim, 1e-4, err));
    FT_OK(mf_sim_set_init(sim, "v", "-70*mV", err));
    FT_OK(mf_sim_set_param(sim, "EL", 1, &p[0], err));
    FT_OK(mf_sim_set_param(sim, "R", 1, &p[1], err));
    FT_OK(mf_sim_set_param(sim, "tau", 1, &p[2], err));
    FT_OK(mf_sim_record(sim, "v", err));
    mf_sim_result *res;
    FT_OK(mf_sim_run(sim, &res, err));
    assert_int_equal(mf_array_rows(tr[0]), NT);
    assert_int_equal(mf_array_cols(tr[0]), NS);
    assert_memory_equal(mf_array_cdata(tr[0]), mf_sim_result_trace(res, "v"),
                        NT * NS * sizeof(double));
    mf_array_free(tr[0]);
    /* Another param_init for generate only. */
    const char *in[] = {"v"}, *iv[] = {"-60*mV"};
    FT_OK(mf_fitter_generate(f, p, 1, in, iv, NAN, 1, &v, tr, NULL, err));
    assert_double_equal(mf_array_at(tr[0], 0, 0), -60e-3, 1e-15);
    assert_double_equal(mf_array_at(tr[0], 2, 0), -60e-3, 1e-15);
    mf_array_free(tr[0]);
    /* Unknown variables, no best, no threshold for spikes. */
    mf_error e;
    const char *w = "w";
    assert_int_equal(mf_fitter_generate(f, p, 0, NULL, NULL, NAN, 1, &w, tr, NULL, &e),
                     MF_ERR_NAME);
    assert_int_equal(mf_fitter_generate(f, NULL, 0, NULL, NULL, NAN, 1, &v, tr, NULL, &e),
                     MF_ERR_INVALID);
    mf_spike_trains *sp;
    assert_int_equal(mf_fitter_generate(f, p, 0, NULL, NULL, NAN, 0, NULL, NULL, &sp, &e),
                     MF_ERR_INVALID);
    assert_non_null(strstr(e.message, "threshold"));
    mf_sim_result_free(res);
    mf_sim_free(sim);
    mf_fitter_free(f);
    mf_context_free(ctx);
}

/* The model reads its target at the step of the recorded state: with a
 * time constant far below dt, v(k+1) = v_target(k). Subexpression outputs
 * are generated from the recorded variables. */
static void target_and_subexpressions(void **state)
{
    (void)state;
    mf_context *ctx = ft_context(1);
    double target[2 * 50], x[2 * 50];
    for (int i = 0; i < 100; i++) {
        target[i] = 1e-3 * sin(0.3 * i);
        x[i] = 0.5e-3 * i;
    }
    mf_fitter_spec *s;
    mf_fitter *f;
    FT_OK(mf_fitter_spec_new(MF_FITTER_TRACES, &s, err));
    FT_OK(mf_fitter_spec_set_model(s,
                                   "dv/dt = (v_target - v)/tau : volt\n"
                                   "w = 2*v + x + iteration*mV : volt\n"
                                   "tau : second (constant)\n",
                                   NULL, err));
    FT_OK(mf_fitter_spec_set_input(s, "x", ft_unit("volt"), 2, 50, x, err));
    FT_OK(mf_fitter_spec_set_output(s, "v", ft_unit("volt"), 2, 50, target, err));
    FT_OK(mf_fitter_spec_set_dt(s, 1e-4, err));
    FT_OK(mf_fitter_new(ctx, s, &f, err));
    mf_fitter_spec_free(s);
    const double tau = 1e-9;
    const char *vars[] = {"v", "w"};
    mf_array *tr[2];
    FT_OK(mf_fitter_generate(f, &tau, 0, NULL, NULL, 3, 2, vars, tr, NULL, err));
    for (int k = 0; k < 2; k++)
        for (int i = 0; i < 50; i++) {
            double v = mf_array_at(tr[0], k, i);
            if (i > 0)
                assert_double_equal(v, target[k * 50 + i - 1], 1e-15);
            assert_double_equal(mf_array_at(tr[1], k, i), 2 * v + x[k * 50 + i] + 3e-3, 1e-15);
        }
    mf_array_free(tr[0]);
    mf_array_free(tr[1]);
    mf_fitter_free(f);

    /* A subexpression output reads its own target too. */
    FT_OK(mf_fitter_spec_new(MF_FITTER_TRACES, &s, err));
    FT_OK(mf_fitter_spec_set_model(s, "w = c*x + 0.5*w_target : volt\nc : 1 (constant)\n", NULL,
                                   err));
    FT_OK(mf_fitter_spec_set_input(s, "x", ft_unit("volt"), 2, 50, x, err));
    FT_OK(mf_fitter_spec_set_output(s, "w", ft_unit("volt"), 2, 50, target, err));
    FT_OK(mf_fitter_spec_set_dt(s, 1e-4, err));
    FT_OK(mf_fitter_new(ctx, s, &f, err));
    mf_fitter_spec_free(s);
    const double c = 2;
    FT_OK(mf_fitter_generate(f, &c, 0, NULL, NULL, NAN, 1, &vars[1], tr, NULL, err));
    for (int i = 0; i < 100; i++)
        assert_double_equal(mf_array_cdata(tr[0])[i], 2 * x[i] + 0.5 * target[i], 1e-15);
    mf_array_free(tr[0]);
    mf_fitter_free(f);
    mf_context_free(ctx);
}

/* NaN errors never win: sqrt(c) is NaN for c < 0. */
static void nan_never_wins(void **state)
{
    (void)state;
    double x[40], v[40];
    for (int i = 0; i < 40; i++) {
        x[i] = 1e-3 * (i + 1);
        v[i] = 0.5 * x[i];
    }
    mf_context *ctx = ft_context(1);
    mf_fitter_spec *s;
    mf_fitter *f;
    FT_OK(mf_fitter_spec_new(MF_FITTER_TRACES, &s, err));
    FT_OK(mf_fitter_spec_set_model(s, "v = sqrt(c)*x : volt\nc : 1 (constant)\n", NULL, err));
    FT_OK(mf_fitter_spec_set_input(s, "x", ft_unit("volt"), 1, 40, x, err));
    FT_OK(mf_fitter_spec_set_output(s, "v", ft_unit("volt"), 1, 40, v, err));
    FT_OK(mf_fitter_spec_set_dt(s, 1e-4, err));
    FT_OK(mf_fitter_spec_set_n_samples(s, 20, err));
    FT_OK(mf_fitter_new(ctx, s, &f, err));
    mf_fitter_spec_free(s);
    mf_optimizer *o = ft_optimizer(ctx, "de", 8);
    const char *c = "c";
    const double clo = -1, chi = 1;
    FT_OK(mf_fitter_fit(f, o, NULL, 6, 1, &c, &clo, &chi, NULL, NULL, false, -1, err));
    int n_nan = 0;
    for (long i = 0; i < mf_fitter_history_size(f); i++) {
        double ci = mf_fitter_history_point(f, i)[0], ei = mf_fitter_history_error(f, i);
        assert_true(ci < 0 ? isnan(ei) : isfinite(ei));
        n_nan += isnan(ei);
    }
    assert_true(n_nan > 0);
    double best, e;
    FT_OK(mf_fitter_best(f, &best, &e, err));
    assert_true(best >= 0 && isfinite(e));
    for (long i = 0; i < mf_fitter_history_size(f); i++)
        if (isfinite(mf_fitter_history_error(f, i)))
            assert_true(e <= mf_fitter_history_error(f, i));
    /* No fitter: an error, not a crash. */
    mf_error e2;
    assert_int_equal(mf_fitter_best(NULL, &best, &e, &e2), MF_ERR_INVALID);
    assert_int_equal(mf_fitter_write_csv(NULL, "x.csv", &e2), MF_ERR_INVALID);
    assert_int_equal(mf_fitter_write_json(NULL, "x.json", &e2), MF_ERR_INVALID);
    mf_fitter_free(f);
    mf_optimizer_free(o);
    mf_context_free(ctx);
}

typedef struct seen {
    int calls;
    int stop_after;
    double best_error;
} seen;

static int watch(void *user, const mf_fitter *f, int round, int n_rounds, const double *best,
                 double best_error, int n_points, const double *points, const double *errors)
{
    seen *s = user;
    assert_int_equal(round, s->calls);
    assert_int_equal(n_rounds, 5);
    assert_int_equal(n_points, mf_fitter_n_samples(f));
    assert_non_null(best);
    /* The best so far is at most every error of this round. */
    for (int i = 0; i < n_points; i++)
        assert_true(!(errors[i] < best_error));
    assert_memory_equal(points,
                        mf_fitter_history_point(f, mf_fitter_history_size(f) - n_points),
                        (size_t)n_points * 3 * sizeof(double));
    s->best_error = best_error;
    return ++s->calls >= s->stop_after;
}

typedef struct log_lines {
    int n;
    char last[512];
} log_lines;

static void on_log(void *user, mf_log_level level, const char *message)
{
    log_lines *l = user;
    if (level == MF_LOG_INFO && strncmp(message, "Round", 5) == 0) {
        l->n++;
        snprintf(l->last, sizeof l->last, "%s", message);
    }
}

static void callbacks_and_printers(void **state)
{
    (void)state;
    mf_context *ctx = ft_context(1);
    log_lines lines = {0};
    mf_context_set_log(ctx, on_log, &lines, MF_LOG_DEBUG);
    mf_fitter *f = leaky(ctx, 5);
    mf_optimizer *o = ft_optimizer(ctx, "de", 1);
    seen s = {0, 2, 0};
    FT_OK(mf_fitter_fit(f, o, NULL, 5, 3, names, lo, hi, watch, &s, false, -1, err));
    assert_int_equal(s.calls, 2);
    assert_int_equal(mf_fitter_history_size(f), 10);
    assert_non_null(mf_fitter_stop_reason(f));
    assert_string_equal(mf_fitter_stop_reason(f), "the callback stopped the fit after round 2");

    /* "text" to a FILE*: one line per round, units in their best prefix. */
    FILE *tmp = tmpfile();
    mf_printer *p;
    FT_OK(mf_printer_new("text", tmp, &p, err));
    FT_OK(mf_fitter_fit(f, NULL, NULL, 2, 0, NULL, NULL, NULL, mf_printer_callback, p, false,
                        -1, err));
    assert_null(mf_fitter_stop_reason(f));
    mf_printer_free(p);
    rewind(tmp);
    char line[512];
    assert_non_null(fgets(line, sizeof line, tmp));
    assert_non_null(strstr(line, "Round 1: best error "));
    assert_non_null(strstr(line, "V^2; EL = "));
    assert_non_null(strstr(line, " mV, R = "));
    assert_non_null(strstr(line, "ohm, tau = "));
    assert_non_null(fgets(line, sizeof line, tmp));
    assert_non_null(strstr(line, "Round 2: "));
    assert_null(fgets(line, sizeof line, tmp));
    fclose(tmp);

    /* "progress" to a FILE*: the bar fills; without a FILE*, the log. */
    tmp = tmpfile();
    FT_OK(mf_printer_new("progress", tmp, &p, err));
    FT_OK(mf_fitter_fit(f, NULL, NULL, 2, 0, NULL, NULL, NULL, mf_printer_callback, p, false,
                        -1, err));
    mf_printer_free(p);
    rewind(tmp);
    char all[1024] = {0};
    assert_true(fread(all, 1, sizeof all - 1, tmp) > 0);
    assert_non_null(strstr(all, "] 1/2 best error"));
    assert_non_null(strstr(all, "[##############################] 2/2"));
    fclose(tmp);
    FT_OK(mf_printer_new("text", NULL, &p, err));
    FT_OK(mf_fitter_fit(f, NULL, NULL, 3, 0, NULL, NULL, NULL, mf_printer_callback, p, false,
                        -1, err));
    mf_printer_free(p);
    assert_int_equal(lines.n, 3);
    assert_non_null(strstr(lines.last, "Round 3: best error"));
    mf_error e;
    assert_int_equal(mf_printer_new("fancy", NULL, &p, &e), MF_ERR_INVALID);
    mf_fitter_free(f);
    mf_optimizer_free(o);
    mf_context_free(ctx);
}

/* An exhausted optimizer (a finished grid) ends the fit early, not as an
 * error. */
static void exhausted_grid(void **state)
{
    (void)state;
    mf_context *ctx = ft_context(1);
    mf_fitter *f = leaky(ctx, 4);
    mf_options *opts;
    mf_optimizer *grid;
    FT_OK(mf_options_new(&opts, err));
    FT_OK(mf_options_set_int(opts, "points", 2, err));
    FT_OK(mf_optimizer_new(ctx, "grid", opts, &grid, err));
    mf_options_free(opts);
    FT_OK(mf_fitter_fit(f, grid, NULL, 5, 3, names, lo, hi, NULL, NULL, false, -1, err));
    assert_int_equal(mf_fitter_history_size(f), 8); /* 2^3 points */
    assert_non_null(mf_fitter_stop_reason(f));
    mf_fitter_free(f);
    mf_optimizer_free(grid);
    mf_context_free(ctx);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(reproducible),
        cmocka_unit_test(export_csv_json),
        cmocka_unit_test(generate_matches_simulate),
        cmocka_unit_test(target_and_subexpressions),
        cmocka_unit_test(nan_never_wins),
        cmocka_unit_test(callbacks_and_printers),
        cmocka_unit_test(exhausted_grid),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

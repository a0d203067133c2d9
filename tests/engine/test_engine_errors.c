/* Bad models, options and inputs get clear errors that name the problem. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include "common/model_util.h"

/* Compiles and expects failure with `status` and a message containing each
 * of the NULL-terminated fragments. */
static void expect_compile_error(const mf_model_spec *spec, mf_status status, ...)
{
    mf_model *m = NULL;
    mf_error err;
    memset(&err, 0, sizeof err);
    mf_status rc = mf_model_compile(spec, &m, &err);
    printf("%s\n", err.message);
    assert_null(m);
    assert_int_equal(rc, status);
    assert_int_equal(err.status, status);
    va_list ap;
    va_start(ap, status);
    for (const char *frag = va_arg(ap, const char *); frag; frag = va_arg(ap, const char *))
        if (!strstr(err.message, frag))
            fail_msg("'%s' is not in the message '%s'", frag, err.message);
    va_end(ap);
}

static void test_exponential_euler_nonlinear(void **state)
{
    (void)state;
    mf_model_spec s = {.equations = "dw/dt = -w/ms : 1\ndv/dt = v**2/ms : 1",
                       .method = "exponential_euler"};
    expect_compile_error(&s, MF_ERR_INVALID, "model:2:", "exponential_euler", "dv/dt",
                         "not linear in v", "euler", NULL);
}

static void test_unknown_method(void **state)
{
    (void)state;
    mf_model_spec s = {.equations = "dv/dt = -v/ms : 1", .method = "rk5"};
    expect_compile_error(&s, MF_ERR_INVALID, "unknown integration method 'rk5'", "rk4", NULL);
    mf_model_spec x = {.equations = "dv/dt = -v/ms : 1", .method = "exact"};
    expect_compile_error(&x, MF_ERR_UNSUPPORTED, "'exact'", "exponential_euler", NULL);
}

static void test_reset_unknown_variable(void **state)
{
    (void)state;
    mf_model_spec s = {.equations = "dv/dt = -v/ms : 1\ng : 1 (constant)",
                       .threshold = "v > 1",
                       .reset = "v = 0; x = 1"};
    expect_compile_error(&s, MF_ERR_NAME, "reset:1:8: error", "'x'", "not a variable", NULL);
    s.reset = "v = 0\ng = 2";
    expect_compile_error(&s, MF_ERR_NAME, "reset:2:1: error", "'g'", "(constant) parameter",
                         NULL);
    s.reset = "v == 0";
    expect_compile_error(&s, MF_ERR_PARSE, "reset:1:3: error", "after 'v'", NULL);
    s.reset = "v = 1*ms";
    expect_compile_error(&s, MF_ERR_UNITS, "reset:1:1: error", "unit s", NULL);
    s.reset = "v = 0";
    s.threshold = NULL;
    expect_compile_error(&s, MF_ERR_INVALID, "reset needs a threshold", NULL);
}

static void test_threshold_and_refractory_kinds(void **state)
{
    (void)state;
    mf_model_spec s = {.equations = "dv/dt = -v/ms : volt", .threshold = "v + 1*mV"};
    expect_compile_error(&s, MF_ERR_INVALID, "threshold", "condition", NULL);
    s.threshold = "v > 1*mV";
    s.refractory = "2*mV";
    expect_compile_error(&s, MF_ERR_UNITS, "refractory", "time", "unit V", NULL);
    s.refractory = "2*ms + w";
    expect_compile_error(&s, MF_ERR_NAME, "refractory", "w", NULL);
}

static void test_param_init_errors(void **state)
{
    (void)state;
    const char *names[2] = {"u", "v"}, *cyc[2] = {"v*2", "u + 1*mV"};
    mf_model_spec s = {.equations = "dv/dt = -v/ms : volt\ndu/dt = -u/ms : volt",
                       .init_names = names,
                       .init_exprs = cyc,
                       .n_init = 2};
    expect_compile_error(&s, MF_ERR_INVALID, "param_init", "cycle", NULL);
    const char *bad_unit[1] = {"3*ms"};
    s.init_exprs = bad_unit;
    s.n_init = 1;
    expect_compile_error(&s, MF_ERR_UNITS, "param_init", "u", "unit s", NULL);
    const char *unknown[1] = {"w"};
    s.init_names = unknown;
    s.init_exprs = cyc;
    expect_compile_error(&s, MF_ERR_NAME, "param_init", "'w'", NULL);
}

/* Out of order and chained: u = b*v is computed after v = VT. */
static void test_param_init_order(void **state)
{
    (void)state;
    mf_dim V = tu_dim("volt");
    mf_name_def consts[1] = {{"VT", -0.05, V}};
    const char *names[2] = {"u", "v"}, *vals[2] = {"b*v", "VT"};
    mf_model_spec s = {.equations = "dv/dt = -v/ms : volt\ndu/dt = -u/ms : volt\nb : 1 "
                                    "(constant)",
                       .constants = consts,
                       .n_constants = 1,
                       .init_names = names,
                       .init_exprs = vals,
                       .n_init = 2};
    mf_error err;
    mf_model *m = tu_compile(&s, &err);
    assert_non_null(m);
    mf_engine *e = NULL;
    assert_int_equal(mf_engine_new(m, 1e-4, NULL, &e, &err), MF_OK);
    static const double b[2] = {2.0, 3.0};
    tu_params p = {{0}};
    tu_param(&p, m, "b", b);
    int rec[2] = {mf_model_find_var(m, "v"), mf_model_find_var(m, "u")};
    double v0[2], u0[2];
    double *outs[2] = {v0, u0};
    mf_run run = {.n_lanes = 2,
                  .n_traces = 1,
                  .n_steps = 1,
                  .values = p.values,
                  .rec_vars = rec,
                  .n_rec = 2,
                  .rec_out = outs};
    assert_int_equal(mf_engine_run(e, &run, &err), MF_OK);
    assert_true(v0[0] == -0.05 && v0[1] == -0.05);
    assert_true(u0[0] == 2.0 * -0.05 && u0[1] == 3.0 * -0.05);
    mf_engine_free(e);
    mf_model_free(m);
}

static void test_bad_dt_and_runs(void **state)
{
    (void)state;
    mf_model_spec s = {.equations = "dv/dt = -v/tau : 1\ntau : second (constant)"};
    mf_error err;
    mf_model *m = tu_compile(&s, &err);
    assert_non_null(m);
    mf_engine *e = NULL;
    assert_int_equal(mf_engine_new(m, 0.0, NULL, &e, &err), MF_ERR_INVALID);
    assert_non_null(strstr(err.message, "dt must be a positive time"));
    assert_int_equal(mf_engine_new(m, -1e-4, NULL, &e, &err), MF_ERR_INVALID);
    assert_int_equal(mf_engine_new(m, NAN, NULL, &e, &err), MF_ERR_INVALID);
    assert_null(e);
    assert_int_equal(mf_engine_new(m, 1e-4, NULL, &e, &err), MF_OK);
    /* tau has no value */
    mf_run run = {.n_lanes = 2, .n_traces = 1, .n_steps = 10};
    assert_int_equal(mf_engine_run(e, &run, &err), MF_ERR_INVALID);
    assert_non_null(strstr(err.message, "'tau' has no value"));
    /* lanes not a multiple of the traces */
    static const double tau[1] = {0.01};
    tu_params p = {{0}};
    tu_param(&p, m, "tau", tau);
    mf_run run2 = {.n_lanes = 3, .n_traces = 2, .n_steps = 10, .values = p.values};
    assert_int_equal(mf_engine_run(e, &run2, &err), MF_ERR_INVALID);
    assert_non_null(strstr(err.message, "multiple"));
    mf_engine_free(e);
    mf_model_free(m);
}

static void test_nan_in_input(void **state)
{
    (void)state;
    double I[2 * 10];
    for (int i = 0; i < 20; i++)
        I[i] = 1e-9;
    mf_error err;
    assert_int_equal(mf_engine_check_series("I", I, 2, 10, &err), MF_OK);
    I[10 + 7] = NAN;
    assert_int_equal(mf_engine_check_series("I", I, 2, 10, &err), MF_ERR_NUMERIC);
    assert_string_equal(err.message, "error: input I: trace 1, step 7 (t = 7*dt) is NaN");
    I[17] = INFINITY;
    assert_int_equal(mf_engine_check_series("I", I, 2, 10, &err), MF_ERR_NUMERIC);
    assert_non_null(strstr(err.message, "infinite"));
}

/* equations with x(0) = 1, integrated by gsl_rkf45. */
static mf_model *adaptive_model(const char *equations)
{
    const char *names[1] = {"x"}, *vals[1] = {"1"};
    mf_model_spec s = {.equations = equations,
                       .method = "gsl_rkf45",
                       .init_names = names,
                       .init_exprs = vals,
                       .n_init = 1};
    mf_error err;
    mf_model *m = tu_compile(&s, &err);
    assert_non_null(m);
    return m;
}

/* An adaptive method that cannot keep its tolerance (a solution blowing up
 * at t = 1 ms) fails with the neuron and the time, instead of hanging. */
static void test_gsl_failure_is_reported(void **state)
{
    (void)state;
    mf_error err;
    mf_model *m = adaptive_model("dx/dt = x**2/ms : 1");
    mf_engine *e = NULL;
    assert_int_equal(mf_engine_new(m, 1e-4, NULL, &e, &err), MF_OK);
    mf_run run = {.n_lanes = 1, .n_traces = 1, .n_steps = 20};
    mf_status rc = mf_engine_run(e, &run, &err);
    printf("%s\n", err.message);
    assert_int_equal(rc, MF_ERR_NUMERIC);
    assert_non_null(strstr(err.message, "neuron 0"));
    mf_engine_free(e);
    mf_model_free(m);
}

/* Several blocks fail (the lanes with a = 1 blow up); whatever the thread
 * count, the error is the first failing block's (engine.h: results never
 * depend on the threads), here neuron 13's. */
static void test_first_failing_block_wins(void **state)
{
    (void)state;
    mf_error err;
    mf_model *m = adaptive_model("dx/dt = a*x**2/ms : 1\na : 1 (constant)");
    int v_a = mf_model_find_var(m, "a");
    assert_true(v_a >= 0);
    enum { LANES = 40 };
    double a[LANES] = {0};
    a[13] = a[22] = a[37] = 1;
    const double **values = calloc((size_t)m->n_var, sizeof *values);
    assert_non_null(values);
    values[v_a] = a;
    for (int threads = 1; threads <= 4; threads *= 2) {
        mf_engine_options opt = {.block_size = 4, .n_threads = threads};
        mf_engine *e = NULL;
        assert_int_equal(mf_engine_new(m, 1e-4, &opt, &e, &err), MF_OK);
        mf_run run = {.n_lanes = LANES, .n_traces = 1, .n_steps = 20, .values = values};
        memset(&err, 0, sizeof err);
        assert_int_equal(mf_engine_run(e, &run, &err), MF_ERR_NUMERIC);
        assert_int_equal(err.status, MF_ERR_NUMERIC);
        if (!strstr(err.message, "neuron 13 "))
            fail_msg("%d threads: '%s' does not name neuron 13", threads, err.message);
        mf_engine_free(e);
    }
    free(values);
    mf_model_free(m);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_exponential_euler_nonlinear),
        cmocka_unit_test(test_unknown_method),
        cmocka_unit_test(test_reset_unknown_variable),
        cmocka_unit_test(test_threshold_and_refractory_kinds),
        cmocka_unit_test(test_param_init_errors),
        cmocka_unit_test(test_param_init_order),
        cmocka_unit_test(test_bad_dt_and_runs),
        cmocka_unit_test(test_nan_in_input),
        cmocka_unit_test(test_gsl_failure_is_reported),
        cmocka_unit_test(test_first_failing_block_wins),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

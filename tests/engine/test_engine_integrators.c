/* The integrators against known solutions:
 *  - order of convergence on dx/dt = (cos(t/ms) - x)/ms, x(0) = 0, whose
 *    solution is x = (cos s + sin s - exp(-s))/2 with s = t/ms: euler 1,
 *    rk2 2, rk4 4, exponential Euler 1 (its B is held over the step);
 *  - exponential Euler is exact for a linear equation with a constant input;
 *  - where in the step the input is sampled (Brian's TimedArray);
 *  - the default method; GSL's adaptive methods within their tolerance. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include "common/model_util.h"

static const char *const FORCED = "dx/dt = (cos(t/ms) - x)/ms : 1";

static double forced_exact(double t)
{
    double s = t / 1e-3;
    return (cos(s) + sin(s) - exp(-s)) / 2;
}

/* Runs `eqs` for n steps of dt and returns x at t = n*dt. */
static double x_at_end(const char *method, double dt, long n, double abs_tol)
{
    mf_model_spec spec = {.equations = FORCED, .method = method};
    mf_error err;
    mf_model *m = tu_compile(&spec, &err);
    assert_non_null(m);
    mf_engine_options opt = {.abs_tol = abs_tol};
    mf_engine *e = NULL;
    assert_int_equal(mf_engine_new(m, dt, &opt, &e, &err), MF_OK);
    int rec[1] = {mf_model_find_var(m, "x")};
    double *out = calloc((size_t)n + 1, sizeof *out);
    double *outs[1] = {out};
    mf_run run = {.n_lanes = 1,
                  .n_traces = 1,
                  .n_steps = n + 1,
                  .rec_vars = rec,
                  .n_rec = 1,
                  .rec_out = outs};
    assert_int_equal(mf_engine_run(e, &run, &err), MF_OK);
    double x = out[n]; /* column n: the state at t = n*dt */
    free(out);
    mf_engine_free(e);
    mf_model_free(m);
    return x;
}

static void check_order(const char *method, double expected)
{
    const double T = 2e-3;
    double err[3];
    for (int i = 0; i < 3; i++) {
        long n = 20L << i;
        err[i] = fabs(x_at_end(method, T / (double)n, n, 0) - forced_exact(T));
    }
    double p1 = log2(err[0] / err[1]), p2 = log2(err[1] / err[2]);
    printf("%s: errors %.3g %.3g %.3g, observed order %.3f %.3f\n", method, err[0], err[1],
           err[2], p1, p2);
    assert_true(fabs(p1 - expected) < 0.2);
    assert_true(fabs(p2 - expected) < 0.1);
}

static void test_order_euler(void **state)
{
    (void)state;
    check_order("euler", 1);
}

static void test_order_rk2(void **state)
{
    (void)state;
    check_order("rk2", 2);
}

static void test_order_rk4(void **state)
{
    (void)state;
    check_order("rk4", 4);
}

static void test_order_exponential_euler(void **state)
{
    (void)state;
    check_order("exponential_euler", 1);
}

static void test_gsl_within_tolerance(void **state)
{
    (void)state;
    const double T = 2e-3;
    double e45 = fabs(x_at_end("gsl_rkf45", 1e-4, 20, 1e-10) - forced_exact(T));
    double e8 = fabs(x_at_end("gsl_rk8pd", 1e-4, 20, 1e-10) - forced_exact(T));
    double loose = fabs(x_at_end("gsl_rkf45", 1e-4, 20, 1e-3) - forced_exact(T));
    printf("gsl_rkf45 error %.3g (loose tolerance: %.3g), gsl_rk8pd error %.3g\n", e45, loose,
           e8);
    assert_true(e45 < 1e-8);
    assert_true(e8 < 1e-8);
    assert_true(loose > e45); /* the tolerance is what controls the error */
}

/* dv/dt = (EL - v + R*I)/tau with I constant per trace: exponential Euler
 * gives v_inf + (v0 - v_inf)*exp(-t/tau) at every step, to rounding. */
static void test_exponential_euler_exact_for_linear(void **state)
{
    (void)state;
    mf_dim V = tu_dim("volt");
    mf_name_def consts[1] = {{"EL", -0.07, V}};
    mf_name_def inputs[1] = {{"I", 0, tu_dim("amp")}};
    mf_model_spec spec = {.equations = "dv/dt = (EL - v + R*I)/tau : volt\n"
                                       "R : ohm (constant)\ntau : second (constant)",
                          .constants = consts,
                          .n_constants = 1,
                          .inputs = inputs,
                          .n_inputs = 1};
    mf_error err;
    mf_model *m = tu_compile(&spec, &err);
    assert_non_null(m);
    assert_int_equal(m->method, MF_METHOD_EXPONENTIAL_EULER); /* the default */
    const double dt = 1e-4, tau = 0.02, R = 1e8;
    enum { N = 500 };
    double *I = malloc(2 * N * sizeof *I);
    for (int k = 0; k < N; k++) {
        I[k] = 1e-10;
        I[N + k] = -3e-10;
    }
    mf_engine *e = NULL;
    assert_int_equal(mf_engine_new(m, dt, NULL, &e, &err), MF_OK);
    static const double Rv[1] = {1e8}, tauv[1] = {0.02};
    tu_params p = {{0}};
    tu_param(&p, m, "R", Rv);
    tu_param(&p, m, "tau", tauv);
    int rec[1] = {mf_model_find_var(m, "v")};
    double *out = calloc(2 * N, sizeof *out);
    double *outs[1] = {out};
    const double *in[1] = {I};
    mf_run run = {.n_lanes = 2,
                  .n_traces = 2,
                  .n_steps = N,
                  .inputs = in,
                  .values = p.values,
                  .rec_vars = rec,
                  .n_rec = 1,
                  .rec_out = outs};
    assert_int_equal(mf_engine_run(e, &run, &err), MF_OK);
    double worst = 0;
    for (int tr = 0; tr < 2; tr++) {
        double vinf = -0.07 + R * I[tr * N];
        for (int k = 0; k < N; k++) {
            double exact = vinf + (0.0 - vinf) * exp(-(double)k * dt / tau);
            worst = fmax(worst, fabs(out[tr * N + k] - exact));
        }
    }
    printf("exponential Euler vs exact solution: %.3g V\n", worst);
    assert_true(worst < 1e-14);
    free(out);
    free(I);
    mf_engine_free(e);
    mf_model_free(m);
}

/* dv/dt = I/(Iu*ms) with input samples I[k] = k*Iu: over step 0, euler and
 * rk2 read sample 0 (at t and t + dt/2), rk4 reads sample 1 at t + dt:
 * v(dt) = dt/ms*(I0/6 + I0/3 + I0/3 + I1/6) = dt/ms/6. */
static double one_step(const char *method)
{
    mf_name_def consts[1] = {{"Iu", 1.0, tu_dim("amp")}};
    mf_name_def inputs[1] = {{"I", 0, tu_dim("amp")}};
    mf_model_spec spec = {.equations = "dv/dt = I/(Iu*ms) : 1",
                          .constants = consts,
                          .n_constants = 1,
                          .inputs = inputs,
                          .n_inputs = 1,
                          .method = method};
    mf_error err;
    mf_model *m = tu_compile(&spec, &err);
    assert_non_null(m);
    mf_engine *e = NULL;
    mf_engine_options opt = {.abs_tol = 1e-12};
    assert_int_equal(mf_engine_new(m, 1e-4, &opt, &e, &err), MF_OK);
    static const double I[4] = {0, 1, 2, 3};
    int rec[1] = {0};
    double out[4] = {0};
    double *outs[1] = {out};
    const double *in[1] = {I};
    mf_run run = {.n_lanes = 1,
                  .n_traces = 1,
                  .n_steps = 4,
                  .inputs = in,
                  .rec_vars = rec,
                  .n_rec = 1,
                  .rec_out = outs};
    assert_int_equal(mf_engine_run(e, &run, &err), MF_OK);
    mf_engine_free(e);
    mf_model_free(m);
    return out[1];
}

static void test_input_sampling_per_stage(void **state)
{
    (void)state;
    assert_true(one_step("euler") == 0.0);
    assert_true(one_step("rk2") == 0.0);
    assert_true(fabs(one_step("rk4") - 0.1 / 6) < 1e-15);
    /* The adaptive methods see TimedArray's switch to sample 1 at
     * t = (15/16)*dt: v(dt) = (1/16)*dt*1/ms. */
    assert_true(fabs(one_step("gsl_rkf45") - 0.1 / 16) < 1e-9);
}

/* Brian's exponential Euler accepts x inside a non-polynomial function of B
 * (the exponential IF term); x**2 is not linear: the default falls back to
 * euler there, and an explicit exponential_euler is an error. */
static void test_default_method(void **state)
{
    (void)state;
    mf_error err;
    mf_model_spec eif = {.equations = "dv/dt = (-v + exp((v - 1)/0.5))/ms : 1"};
    mf_model *m = tu_compile(&eif, &err);
    assert_non_null(m);
    assert_int_equal(m->method, MF_METHOD_EXPONENTIAL_EULER);
    mf_model_free(m);
    mf_model_spec quad = {.equations = "dv/dt = v**2/ms : 1\ndw/dt = -w/ms : 1"};
    m = tu_compile(&quad, &err);
    assert_non_null(m);
    assert_int_equal(m->method, MF_METHOD_EULER);
    mf_model_free(m);
}

/* Exponential Euler with x inside a non-polynomial function (the
 * exponential IF term stays in B, taken at the step start):
 * dv/dt = (-v + exp((v - 1)/0.5))/ms: A = -1/ms, B = exp((v - 1)/0.5)/ms,
 * v' = -B/A + (B/A + v)*exp(A*dt), computed here by hand. */
static void test_exponential_euler_nonlinear_b(void **state)
{
    (void)state;
    const char *names[1] = {"v"}, *vals[1] = {"0.3"};
    mf_model_spec spec = {.equations = "dv/dt = (-v + exp((v - 1)/0.5))/ms : 1",
                          .init_names = names,
                          .init_exprs = vals,
                          .n_init = 1};
    mf_error err;
    mf_model *m = tu_compile(&spec, &err);
    assert_non_null(m);
    assert_int_equal(m->method, MF_METHOD_EXPONENTIAL_EULER);
    const double dt = 1e-4;
    mf_engine *e = NULL;
    assert_int_equal(mf_engine_new(m, dt, NULL, &e, &err), MF_OK);
    int rec[1] = {0};
    double out[20];
    double *outs[1] = {out};
    mf_run run = {.n_lanes = 1,
                  .n_traces = 1,
                  .n_steps = 20,
                  .rec_vars = rec,
                  .n_rec = 1,
                  .rec_out = outs};
    assert_int_equal(mf_engine_run(e, &run, &err), MF_OK);
    double v = 0.3;
    for (int k = 0; k < 20; k++) {
        assert_true(fabs(out[k] - v) <= 1e-15 * fabs(v));
        double A = -1 / 1e-3, B = exp((v - 1) / 0.5) / 1e-3;
        v = -B / A + (B / A + v) * exp(A * dt);
    }
    mf_engine_free(e);
    mf_model_free(m);
}

/* A denominator that is a sum in v stays whole in B, as sympy's collect
 * leaves it (Brian accepts -v/tau + a/(b + v) for exponential_euler), so
 * exponential Euler is the default. Checked against the update computed by
 * hand, and the run must settle on the analytic fixed point
 * v* = (-b + sqrt(b**2 + 4*a*tau))/2, which the scheme keeps exactly. */
static void test_exponential_euler_denominator_in_b(void **state)
{
    (void)state;
    const char *names[1] = {"v"}, *vals[1] = {"-20*mV"};
    mf_model_spec spec = {.equations = "dv/dt = -v/(10*ms) + (mV*mV/ms)/(50*mV + v) : volt",
                          .init_names = names,
                          .init_exprs = vals,
                          .n_init = 1};
    mf_error err;
    mf_model *m = tu_compile(&spec, &err);
    if (!m)
        fail_msg("%s", err.message);
    assert_int_equal(m->method, MF_METHOD_EXPONENTIAL_EULER);
    enum { N = 2000 };
    const double dt = 1e-4, tau = 1e-2, a = 1e-3, b = 50e-3;
    mf_engine *e = NULL;
    assert_int_equal(mf_engine_new(m, dt, NULL, &e, &err), MF_OK);
    int rec[1] = {0};
    static double out[N];
    double *outs[1] = {out};
    mf_run run = {.n_lanes = 1,
                  .n_traces = 1,
                  .n_steps = N,
                  .rec_vars = rec,
                  .n_rec = 1,
                  .rec_out = outs};
    assert_int_equal(mf_engine_run(e, &run, &err), MF_OK);
    double v = -20e-3;
    for (int k = 0; k < N; k++) {
        assert_true(isfinite(out[k]));
        assert_true(fabs(out[k] - v) <= 1e-12 * fabs(v) + 1e-15);
        double A = -1 / tau, B = a / (b + v);
        v = -B / A + (B / A + v) * exp(A * dt);
    }
    double vstar = (-b + sqrt(b * b + 4 * a * tau)) / 2;
    assert_true(fabs(out[N - 1] - vstar) <= 1e-6 * vstar);
    mf_engine_free(e);
    mf_model_free(m);
}

/* A fitter's names: <output>_target reads the target trace of the lane's
 * trace at the step (like an input) and iteration is one value per run. */
static void test_targets_and_iteration(void **state)
{
    (void)state;
    const char *outputs[1] = {"v"};
    mf_model_spec spec = {.equations = "dv/dt = (v_target + iteration*mV)/ms : volt",
                          .outputs = outputs,
                          .n_outputs = 1,
                          .method = "euler"};
    mf_error err;
    mf_model *m = tu_compile(&spec, &err);
    assert_non_null(m);
    mf_engine *e = NULL;
    assert_int_equal(mf_engine_new(m, 1e-4, NULL, &e, &err), MF_OK);
    static const double target[2 * 4] = {1e-3, 2e-3, 3e-3, 4e-3, -1e-3, -1e-3, -1e-3, -1e-3};
    const double *tg[1] = {target};
    int rec[1] = {0};
    double out[2 * 4];
    double *outs[1] = {out};
    mf_run run = {.n_lanes = 2,
                  .n_traces = 2,
                  .n_steps = 4,
                  .targets = tg,
                  .iteration = 2,
                  .rec_vars = rec,
                  .n_rec = 1,
                  .rec_out = outs};
    assert_int_equal(mf_engine_run(e, &run, &err), MF_OK);
    for (int tr = 0; tr < 2; tr++) {
        double v = 0;
        for (int k = 0; k < 4; k++) {
            assert_true(fabs(out[tr * 4 + k] - v) < 1e-15);
            v += 1e-4 * (target[tr * 4 + k] + 2e-3) / 1e-3;
        }
    }
    /* Without target traces the run is refused. */
    run.targets = NULL;
    assert_int_equal(mf_engine_run(e, &run, &err), MF_ERR_INVALID);
    assert_non_null(strstr(err.message, "v_target"));
    mf_engine_free(e);
    mf_model_free(m);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_order_euler),
        cmocka_unit_test(test_order_rk2),
        cmocka_unit_test(test_order_rk4),
        cmocka_unit_test(test_order_exponential_euler),
        cmocka_unit_test(test_gsl_within_tolerance),
        cmocka_unit_test(test_exponential_euler_exact_for_linear),
        cmocka_unit_test(test_input_sampling_per_stage),
        cmocka_unit_test(test_default_method),
        cmocka_unit_test(test_exponential_euler_nonlinear_b),
        cmocka_unit_test(test_exponential_euler_denominator_in_b),
        cmocka_unit_test(test_targets_and_iteration),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

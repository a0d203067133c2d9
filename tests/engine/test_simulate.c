/* The public simulation API (modelfit/simulate.h), used only through the
 * public headers: the issue's spike example, HH against Brian's reference,
 * thread-count independence through the context, and its errors. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include "common/test_util.h"
#include "modelfit/modelfit.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static mf_quantity q(const char *text)
{
    mf_quantity v;
    mf_error err;
    if (mf_quantity_from_string(text, &v, &err) != MF_OK)
        fail_msg("%s", err.message);
    return v;
}

static void ok(mf_status rc, const mf_error *err)
{
    if (rc != MF_OK)
        fail_msg("%s", err->message);
}

/* dv/dt = 1/ms, threshold v > 0.5, reset v = 0, dt = 0.1 ms: spikes at 0.5,
 * 1.1, 1.7, 2.3, 2.9 ms (the issue's example). */
static void test_spike_example(void **state)
{
    (void)state;
    mf_error err;
    mf_sim *s = NULL;
    ok(mf_sim_new(NULL, "dv/dt = 1/ms : 1", &s, &err), &err);
    ok(mf_sim_set_dt(s, 1e-4, &err), &err);
    ok(mf_sim_set_steps(s, 30, &err), &err);
    ok(mf_sim_set_threshold(s, "v > 0.5", &err), &err);
    ok(mf_sim_set_reset(s, "v = 0", &err), &err);
    ok(mf_sim_record(s, "v", &err), &err);
    mf_sim_result *r = NULL;
    ok(mf_sim_run(s, &r, &err), &err);
    assert_int_equal(mf_sim_result_neurons(r), 1);
    assert_int_equal(mf_sim_result_steps(r), 30);
    assert_string_equal(mf_sim_result_method(r), "exponential_euler");
    long n;
    const double *t = mf_sim_result_spikes(r, 0, &n);
    static const double want[5] = {0.5e-3, 1.1e-3, 1.7e-3, 2.3e-3, 2.9e-3};
    assert_int_equal(n, 5);
    for (int i = 0; i < 5; i++)
        assert_true(fabs(t[i] - want[i]) < 1e-12);
    const double *v = mf_sim_result_trace(r, "v");
    assert_non_null(v);
    assert_true(v[0] == 0.0 && fabs(v[3] - 0.3) < 1e-12);
    assert_null(mf_sim_result_trace(r, "w"));
    assert_null(mf_sim_result_spikes(r, 1, &n));
    assert_int_equal(n, 0);
    mf_sim_result_free(r);
    mf_sim_free(s);
}

/* Past the end of the inputs their last sample is held (Brian's TimedArray
 * clips its index): dv/dt = I/(Iu*ms) with I = 1, 2, 3 and 6 steps of 0.1 ms
 * gives v = 0, 0.1, 0.3, 0.6, 0.9, 1.2. */
static void test_input_held_past_its_end(void **state)
{
    (void)state;
    mf_error err;
    mf_sim *s = NULL;
    ok(mf_sim_new(NULL, "dv/dt = I/(Iu*ms) : 1", &s, &err), &err);
    ok(mf_sim_set_constant(s, "Iu", q("1*amp"), &err), &err);
    static const double I[3] = {1, 2, 3};
    ok(mf_sim_set_input(s, "I", q("amp"), 1, 3, I, &err), &err);
    ok(mf_sim_set_dt(s, 1e-4, &err), &err);
    ok(mf_sim_set_steps(s, 6, &err), &err);
    ok(mf_sim_set_method(s, "euler", &err), &err);
    ok(mf_sim_record(s, "v", &err), &err);
    mf_sim_result *r = NULL;
    ok(mf_sim_run(s, &r, &err), &err);
    static const double want[6] = {0, 0.1, 0.3, 0.6, 0.9, 1.2};
    const double *v = mf_sim_result_trace(r, "v");
    for (int k = 0; k < 6; k++)
        assert_true(fabs(v[k] - want[k]) < 1e-12);
    mf_sim_result_free(r);
    mf_sim_free(s);
}

/* A subexpression is recorded like a variable, from the state at the step
 * start and the input's sample at that step: w = v + I/Iu with the v above
 * and I = 1, 2, 3, 3, 3, 3 gives 1, 2.1, 3.3, 3.6, 3.9, 4.2. */
static void test_record_subexpression(void **state)
{
    (void)state;
    mf_error err;
    mf_sim *s = NULL;
    ok(mf_sim_new(NULL, "dv/dt = I/(Iu*ms) : 1\nw = v + I/Iu : 1", &s, &err), &err);
    ok(mf_sim_set_constant(s, "Iu", q("1*amp"), &err), &err);
    static const double I[3] = {1, 2, 3};
    ok(mf_sim_set_input(s, "I", q("amp"), 1, 3, I, &err), &err);
    ok(mf_sim_set_dt(s, 1e-4, &err), &err);
    ok(mf_sim_set_steps(s, 6, &err), &err);
    ok(mf_sim_set_method(s, "euler", &err), &err);
    ok(mf_sim_record(s, "w", &err), &err);
    mf_sim_result *r = NULL;
    ok(mf_sim_run(s, &r, &err), &err);
    static const double want[6] = {1, 2.1, 3.3, 3.6, 3.9, 4.2};
    const double *w = mf_sim_result_trace(r, "w");
    assert_non_null(w);
    for (int k = 0; k < 6; k++)
        assert_true(fabs(w[k] - want[k]) < 1e-12);
    mf_sim_result_free(r);
    mf_sim_free(s);
}

static mf_sim_result *run_hh(mf_context *ctx, const mf_array *I)
{
    char *eqs = tu_slurp(MF_SHARED_DIR "/models/hh_tutorial.eqs");
    assert_non_null(eqs);
    mf_error err;
    mf_sim *s = NULL;
    ok(mf_sim_new(ctx, eqs, &s, &err), &err);
    free(eqs);
    ok(mf_sim_set_constant(s, "El", q("-65*mV"), &err), &err);
    ok(mf_sim_set_constant(s, "EK", q("-90*mV"), &err), &err);
    ok(mf_sim_set_constant(s, "ENa", q("50*mV"), &err), &err);
    ok(mf_sim_set_constant(s, "VT", q("-63*mV"), &err), &err);
    ok(mf_sim_set_input(s, "I", q("amp"), (int)mf_array_rows(I), (long)mf_array_cols(I),
                        mf_array_cdata(I), &err),
       &err);
    ok(mf_sim_set_dt(s, q("0.01*ms").value, &err), &err);
    ok(mf_sim_set_method(s, "exponential_euler", &err), &err);
    ok(mf_sim_set_init(s, "v", "VT", &err), &err);
    /* hh.json's two parameter sets */
    static const double gl[2] = {1e-08, 2e-08}, g_na[2] = {1.9999999999999998e-05, 5e-05},
                        g_kd[2] = {6e-06, 1e-05}, Cm[2] = {2e-10, 1.5e-10};
    ok(mf_sim_set_param(s, "gl", 2, gl, &err), &err);
    ok(mf_sim_set_param(s, "g_na", 2, g_na, &err), &err);
    ok(mf_sim_set_param(s, "g_kd", 2, g_kd, &err), &err);
    ok(mf_sim_set_param(s, "Cm", 2, Cm, &err), &err);
    ok(mf_sim_record(s, "v", &err), &err);
    mf_sim_result *r = NULL;
    ok(mf_sim_run(s, &r, &err), &err);
    mf_sim_free(s);
    return r;
}

static void test_hh_matches_brian_and_threads(void **state)
{
    (void)state;
    mf_error err;
    mf_array *I = NULL, *R = NULL;
    if (mf_read_csv(MF_SHARED_DIR "/refdata/hh/hh_input_I.csv", MF_CSV_PLAIN, &I, &err) !=
        MF_OK)
        skip();
    ok(mf_read_csv(MF_SHARED_DIR "/refdata/hh/hh_exponential_euler_v.csv", MF_CSV_PLAIN, &R,
                   &err),
       &err);
    mf_context *ctx = NULL;
    ok(mf_context_new(&ctx, &err), &err);
    mf_context_set_threads(ctx, 1);
    mf_sim_result *one = run_hh(ctx, I);
    mf_context_set_threads(ctx, 2);
    mf_sim_result *two = run_hh(ctx, I);
    long n = mf_sim_result_neurons(one), k = mf_sim_result_steps(one);
    assert_int_equal(n, 10);
    assert_int_equal(k, (long)mf_array_cols(R));
    const double *v = mf_sim_result_trace(one, "v");
    double worst = 0;
    for (long i = 0; i < n * k; i++)
        worst = fmax(worst, fabs(v[i] - mf_array_cdata(R)[i]));
    assert_true(worst < 1e-9);
    assert_memory_equal(v, mf_sim_result_trace(two, "v"), sizeof(double) * (size_t)(n * k));
    mf_sim_result_free(one);
    mf_sim_result_free(two);
    mf_context_free(ctx);
    mf_array_free(I);
    mf_array_free(R);
}

static void expect(mf_status rc, mf_status want, const mf_error *err, const char *frag)
{
    printf("%s\n", err->message);
    assert_int_equal(rc, want);
    if (!strstr(err->message, frag))
        fail_msg("'%s' is not in '%s'", frag, err->message);
}

static void test_errors(void **state)
{
    (void)state;
    mf_error err;
    mf_sim *s = NULL;
    mf_sim_result *r = NULL;
    ok(mf_sim_new(NULL,
                  "dv/dt = (-v + R*I)/tau : volt\nR : ohm (constant)\ntau : second "
                  "(constant)",
                  &s, &err),
       &err);
    double I[2 * 10];
    for (int i = 0; i < 20; i++)
        I[i] = 1e-10;
    I[17] = NAN;
    expect(mf_sim_set_input(s, "I", q("nA"), 2, 10, I, &err), MF_ERR_UNITS, &err,
           "SI unit (A)");
    ok(mf_sim_set_input(s, "I", q("amp"), 2, 10, I, &err), &err);
    expect(mf_sim_run(s, &r, &err), MF_ERR_INVALID, &err, "dt is not set");
    expect(mf_sim_set_dt(s, 0, &err), MF_ERR_INVALID, &err, "positive");
    ok(mf_sim_set_dt(s, 1e-4, &err), &err);
    static const double R[1] = {1e8}, tau[1] = {0.01};
    ok(mf_sim_set_param(s, "R", 1, R, &err), &err);
    expect(mf_sim_run(s, &r, &err), MF_ERR_NUMERIC, &err, "input I: trace 1, step 7");
    I[17] = 0;
    ok(mf_sim_set_input(s, "I", q("amp"), 2, 10, I, &err), &err);
    expect(mf_sim_run(s, &r, &err), MF_ERR_INVALID, &err, "'tau' has no value");
    ok(mf_sim_set_param(s, "tau", 1, tau, &err), &err);
    ok(mf_sim_set_param(s, "taux", 1, tau, &err), &err);
    expect(mf_sim_run(s, &r, &err), MF_ERR_NAME, &err, "'taux' is not a parameter");
    mf_sim_free(s);

    ok(mf_sim_new(NULL, "dv/dt = -v/ms : 1", &s, &err), &err);
    ok(mf_sim_set_dt(s, 1e-4, &err), &err);
    ok(mf_sim_set_method(s, "rk5", &err), &err);
    expect(mf_sim_run(s, &r, &err), MF_ERR_INVALID, &err, "'rk5'");
    ok(mf_sim_set_method(s, NULL, &err), &err);
    ok(mf_sim_record(s, "u", &err), &err);
    expect(mf_sim_run(s, &r, &err), MF_ERR_NAME, &err, "cannot record 'u'");
    assert_null(r);
    mf_sim_free(s);
    mf_sim_free(NULL);
    mf_sim_result_free(NULL);
}

/* ASan builds: a request no allocator can serve returns NULL (as glibc's
 * does) instead of stopping the program, so the message can be checked. */
const char *__asan_default_options(void);
const char *__asan_default_options(void)
{
    return "allocator_may_return_null=1";
}

/* A recording larger than the machine is refused before anything is
 * allocated, with the figures: 2^60 steps (8 EB), and 2^62 steps whose
 * byte count passes SIZE_MAX. */
static void test_recording_larger_than_the_machine(void **state)
{
    (void)state;
    static const long steps[] = {(1L << 60) + 1, 1L << 62};
    static const char *const need[] = {"needs about 8.0 EB", "needs about 32 EB"};
    for (int i = 0; i < 2; i++) {
        mf_error err;
        mf_sim *s = NULL;
        mf_sim_result *r = NULL;
        ok(mf_sim_new(NULL, "dv/dt = -v/(10*ms) : volt", &s, &err), &err);
        ok(mf_sim_set_dt(s, 1e-4, &err), &err);
        ok(mf_sim_set_steps(s, steps[i], &err), &err);
        ok(mf_sim_record(s, "v", &err), &err);
        expect(mf_sim_run(s, &r, &err), MF_ERR_NOMEM, &err, need[i]);
        expect(MF_ERR_NOMEM, MF_ERR_NOMEM, &err, "to record 1 variable of 1 neurons x");
        expect(MF_ERR_NOMEM, MF_ERR_NOMEM, &err, "more than this machine's");
        assert_null(r);
        mf_sim_free(s);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_spike_example),
        cmocka_unit_test(test_input_held_past_its_end),
        cmocka_unit_test(test_record_subexpression),
        cmocka_unit_test(test_hh_matches_brian_and_threads),
        cmocka_unit_test(test_errors),
        cmocka_unit_test(test_recording_larger_than_the_machine),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

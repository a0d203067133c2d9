/* Threshold, reset and the three refractory forms, with Brian 2's per-step
 * order (refdata sidecars: schedule_per_time_step, refractory_semantics).
 * The expected spike times below are worked out by hand from those rules
 * for v rising by 0.1 per step of 0.1 ms; each case's derivation is in its
 * comment. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include "common/model_util.h"

static const double DT = 1e-4; /* 0.1 ms */

typedef struct spike_case {
    const char *eqs;
    const char *threshold, *reset, *refractory;
    long n_steps;
    const char *record; /* NULL: nothing */
} spike_case;

/* Runs one neuron; returns its spikes (and the recorded trace in *trace). */
static mf_spike_list run_case(const spike_case *c, double **trace)
{
    mf_model_spec spec = {.equations = c->eqs,
                          .threshold = c->threshold,
                          .reset = c->reset,
                          .refractory = c->refractory};
    mf_error err;
    mf_model *m = tu_compile(&spec, &err);
    assert_non_null(m);
    mf_engine *e = NULL;
    assert_int_equal(mf_engine_new(m, DT, NULL, &e, &err), MF_OK);
    mf_spike_list *sp = calloc(1, sizeof *sp);
    int rec[1] = {c->record ? mf_model_find_var(m, c->record) : 0};
    double *out = calloc((size_t)c->n_steps, sizeof *out);
    double *outs[1] = {out};
    mf_run run = {.n_lanes = 1,
                  .n_traces = 1,
                  .n_steps = c->n_steps,
                  .spikes = sp,
                  .rec_vars = rec,
                  .n_rec = c->record ? 1 : 0,
                  .rec_out = outs};
    assert_int_equal(mf_engine_run(e, &run, &err), MF_OK);
    mf_spike_list s = *sp;
    free(sp);
    if (trace)
        *trace = out;
    else
        free(out);
    mf_engine_free(e);
    mf_model_free(m);
    return s;
}

static void expect_spikes_ms(mf_spike_list s, const double *ms, int n)
{
    for (long i = 0; i < s.n; i++)
        printf("  spike at %.4g ms\n", s.t[i] * 1e3);
    assert_int_equal(s.n, n);
    for (int i = 0; i < n; i++)
        assert_int_equal(lround(s.t[i] / DT), lround(ms[i] * 1e-3 / DT));
    free(s.t);
}

/* The example: v reaches 0.6 in step 5 (t = 0.5 ms), spikes (stamped
 * with the step's start time), is reset to 0, and the cycle repeats every 6
 * steps: 0.5, 1.1, 1.7, 2.3, 2.9 ms. */
static void test_threshold_reset(void **state)
{
    (void)state;
    spike_case c = {"dv/dt = 1/ms : 1", "v > 0.5", "v = 0", NULL, 30, "v"};
    double *v;
    mf_spike_list s = run_case(&c, &v);
    /* Column k is the state at the start of step k: 0, 0.1, ... 0.5, then 0
     * after the reset of step 5. */
    assert_true(fabs(v[5] - 0.5) < 1e-12);
    assert_true(v[6] == 0.0);
    free(v);
    expect_spikes_ms(s, (double[]){0.5, 1.1, 1.7, 2.3, 2.9}, 5);
}

/* refractory = 0.3 ms, (unless refractory): after the spike of step 5 (t =
 * 0.5 ms, lastspike = 0.5 ms) steps 6 and 7 have timestep(t - lastspike) =
 * 1, 2 < timestep(0.3 ms) = 3 and leave v at 0; step 8 integrates again, so
 * v reaches 0.6 in step 13: spikes at 0.5, 1.3, 2.1, 2.9 ms. */
static void test_refractory_time(void **state)
{
    (void)state;
    spike_case c = {
        "dv/dt = 1/ms : 1 (unless refractory)", "v > 0.5", "v = 0", "0.3*ms", 30, "v"};
    double *v;
    mf_spike_list s = run_case(&c, &v);
    assert_true(v[7] == 0.0 && v[8] == 0.0); /* frozen in steps 6, 7 */
    assert_true(fabs(v[9] - 0.1) < 1e-12);
    free(v);
    expect_spikes_ms(s, (double[]){0.5, 1.3, 2.1, 2.9}, 4);
}

/* Without (unless refractory) v keeps integrating while refractory, but a
 * refractory neuron does not test the threshold: threshold v > 0.15,
 * refractory 0.35 ms (3 steps). Step 1 spikes (v = 0.2, t = 0.1 ms); steps 2
 * and 3 are refractory (v = 0.1, 0.2: no spike although 0.2 > 0.15); step 4
 * spikes with v = 0.3. Every 3 steps: 0.1, 0.4, 0.7, 1.0 ms. */
static void test_refractory_skips_threshold(void **state)
{
    (void)state;
    spike_case c = {"dv/dt = 1/ms : 1", "v > 0.15", "v = 0", "0.35*ms", 12, "v"};
    double *v;
    mf_spike_list s = run_case(&c, &v);
    assert_true(fabs(v[4] - 0.2) < 1e-12); /* above threshold, refractory */
    free(v);
    expect_spikes_ms(s, (double[]){0.1, 0.4, 0.7, 1.0}, 4);
}

/* A time-valued expression is re-evaluated every step, so a neuron can fall
 * back into refractoriness: refractory = 0.25 ms * (1 + floor(t/0.77 ms)),
 * i.e. 2 steps before t = 0.77 ms, 5 steps before 1.54 ms, 7 before 2.31 ms,
 * 10 after. Spike at 0.5 ms; step 7 (t = 0.7) integrates (2 >= 2, v = 0.1);
 * at step 8 (t = 0.8) the period is 5 steps and 3 < 5: refractory again
 * (v stays 0.1 for steps 8, 9); step 10 integrates; v = 0.6 in step 14:
 * spike at 1.4 ms. Then 7 steps: steps 15-20 frozen, 21-25 integrate (at
 * step 24 the period is 10 steps and 10 >= 10), spike at 2.6 ms. */
static void test_refractory_expression(void **state)
{
    (void)state;
    spike_case c = {"dv/dt = 1/ms : 1 (unless refractory)", "v > 0.5", "v = 0",
                    "0.25*ms*(1 + floor(t/(0.77*ms)))",     30,        "v"};
    double *v;
    mf_spike_list s = run_case(&c, &v);
    assert_true(fabs(v[8] - 0.1) < 1e-12);  /* after step 7 */
    assert_true(fabs(v[9] - 0.1) < 1e-12);  /* step 8: refractory again */
    assert_true(fabs(v[10] - 0.1) < 1e-12); /* step 9 */
    assert_true(fabs(v[11] - 0.2) < 1e-12); /* step 10 integrates */
    free(v);
    expect_spikes_ms(s, (double[]){0.5, 1.4, 2.6}, 3);
}

/* A condition can only end refractoriness (Brian: not_refractory =
 * not_refractory or not cond, at the step start), then it lasts until the
 * next spike. cond = (t - lastspike < 0.25 ms) or (0.85 ms < t < 0.95 ms):
 * after the spike at 0.5 ms, steps 6, 7 are refractory, step 8 ends it; at
 * step 9 the condition is true again but cannot restart refractoriness, so v
 * keeps rising and spikes at 1.3 ms (re-evaluated, it would be 1.4 ms). */
static void test_refractory_condition_latches(void **state)
{
    (void)state;
    spike_case c = {"dv/dt = 1/ms : 1 (unless refractory)",
                    "v > 0.5",
                    "v = 0",
                    "(t - lastspike < 0.25*ms) or (t > 0.85*ms and t < 0.95*ms)",
                    30,
                    "v"};
    double *v;
    mf_spike_list s = run_case(&c, &v);
    assert_true(fabs(v[10] - 0.2) < 1e-12); /* steps 8 and 9 integrated */
    free(v);
    expect_spikes_ms(s, (double[]){0.5, 1.3, 2.1, 2.9}, 4);
}

/* Reset statements run in order, each seeing the previous ones, with all
 * five operators: w = ((w + 1)*2 - 1)/1 per spike gives w = 2**n - 1, and
 * `s += v` before `v = 0` sums v at the spikes while u += v after it adds 0. */
static void test_reset_statements_in_order(void **state)
{
    (void)state;
    spike_case c = {"dv/dt = 1/ms : 1\nw : 1\ns : 1\nu : 1",
                    "v > 0.5",
                    "s += v; v = 0; u += v\nw += 1; w *= 2\nw -= 1; w /= 1",
                    NULL,
                    30,
                    "w"};
    mf_model_spec spec = {.equations = c.eqs, .threshold = c.threshold, .reset = c.reset};
    mf_error err;
    mf_model *m = tu_compile(&spec, &err);
    assert_non_null(m);
    mf_engine *e = NULL;
    assert_int_equal(mf_engine_new(m, DT, NULL, &e, &err), MF_OK);
    int rec[3] = {mf_model_find_var(m, "w"), mf_model_find_var(m, "s"),
                  mf_model_find_var(m, "u")};
    double *out[3];
    for (int i = 0; i < 3; i++)
        out[i] = calloc(31, sizeof(double));
    mf_spike_list *sp = calloc(1, sizeof *sp);
    mf_run run = {.n_lanes = 1,
                  .n_traces = 1,
                  .n_steps = 31,
                  .rec_vars = rec,
                  .n_rec = 3,
                  .rec_out = out,
                  .spikes = sp};
    assert_int_equal(mf_engine_run(e, &run, &err), MF_OK);
    assert_int_equal(sp->n, 5);
    assert_true(out[0][30] == 31.0);                /* 2**5 - 1 */
    assert_true(fabs(out[1][30] - 5 * 0.6) < 1e-9); /* v = 0.6 at each spike */
    assert_true(out[2][30] == 0.0);
    for (int i = 0; i < 3; i++)
        free(out[i]);
    mf_spike_lists_free(sp, 1);
    mf_engine_free(e);
    mf_model_free(m);
}

/* Lanes are independent: a lane that spikes is reset, its neighbour in the
 * same block (another parameter row) is not. */
static void test_reset_only_spiking_lanes(void **state)
{
    (void)state;
    mf_model_spec spec = {.equations = "dv/dt = r/ms : 1\nr : 1 (constant)",
                          .threshold = "v > 0.5",
                          .reset = "v = -1"};
    mf_error err;
    mf_model *m = tu_compile(&spec, &err);
    assert_non_null(m);
    mf_engine *e = NULL;
    assert_int_equal(mf_engine_new(m, DT, NULL, &e, &err), MF_OK);
    static const double r[3] = {1.0, 0.0, 2.0};
    tu_params p = {{0}};
    tu_param(&p, m, "r", r);
    mf_spike_list *sp = calloc(3, sizeof *sp);
    mf_run run = {.n_lanes = 3, .n_traces = 1, .n_steps = 12, .values = p.values, .spikes = sp};
    assert_int_equal(mf_engine_run(e, &run, &err), MF_OK);
    assert_int_equal(sp[0].n, 1); /* 0.6 at step 5, then from -1 */
    assert_int_equal(sp[1].n, 0);
    assert_int_equal(sp[2].n, 2); /* 0.6 at step 2, then -1 + 8*0.2 at step 10 */
    assert_int_equal(lround(sp[0].t[0] / DT), 5);
    assert_int_equal(lround(sp[2].t[0] / DT), 2);
    assert_int_equal(lround(sp[2].t[1] / DT), 10);
    mf_spike_lists_free(sp, 3);
    mf_engine_free(e);
    mf_model_free(m);
}

/* Subexpressions may appear in the threshold and the reset: they are
 * computed from the state they are evaluated on (the new state for the
 * threshold; the state after the earlier statements for the reset). */
static void test_subexpressions_in_threshold_and_reset(void **state)
{
    (void)state;
    spike_case c = {"dv/dt = 1/ms : 1\ndrive = 2*v : 1\nhalf = v/2 : 1",
                    "drive > 1",
                    "v = half",
                    NULL,
                    30,
                    "v"};
    double *v;
    mf_spike_list s = run_case(&c, &v);
    /* 2v > 1 first at v = 0.6 (step 5); reset to 0.3, then 0.6 again after
     * 3 more steps (step 8): every 3 steps. */
    assert_true(fabs(v[6] - 0.3) < 1e-12);
    free(v);
    expect_spikes_ms(s, (double[]){0.5, 0.8, 1.1, 1.4, 1.7, 2.0, 2.3, 2.6, 2.9}, 9);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_threshold_reset),
        cmocka_unit_test(test_refractory_time),
        cmocka_unit_test(test_refractory_skips_threshold),
        cmocka_unit_test(test_refractory_expression),
        cmocka_unit_test(test_refractory_condition_latches),
        cmocka_unit_test(test_reset_statements_in_order),
        cmocka_unit_test(test_reset_only_spiking_lanes),
        cmocka_unit_test(test_subexpressions_in_threshold_and_reset),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

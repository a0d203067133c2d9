/* The engine against Brian 2.5.1 (../shared/refdata, read at run time):
 * HH with exponential Euler (v, m, n, h; v starting at VT and at El), rk4
 * and euler within 1e-9 V (or 1e-9 for the gates) at every step; LIF spike
 * times at identical steps. The parameter values and constants are the
 * sidecars' (hh.json, lif.json). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include "common/model_util.h"

#define REF TU_REF

static mf_array *read_plain(const char *path)
{
    mf_array *a = tu_csv(path);
    if (!a)
        fail_msg("cannot read %s", path);
    return a;
}

/* Runs the HH model of ../shared/models/hh_tutorial.eqs (the equations of
 * hh.json without its input line) for the 2 parameter sets x 5 traces and
 * returns the largest |ours - Brian| of `var` against file `ref`. */
static double hh_max_diff(const char *method, const char *v_init, const char *var,
                          const char *ref)
{
    mf_model *m = tu_hh_model(method, v_init);
    assert_non_null(m);
    mf_error err;
    assert_string_equal(mf_method_name(m->method), method);
    mf_engine *e = NULL;
    assert_int_equal(mf_engine_new(m, 1e-5, NULL, &e, &err), MF_OK);

    mf_array *I = read_plain(REF "/hh/hh_input_I.csv");
    char path[512];
    snprintf(path, sizeof path, REF "/hh/%s", ref);
    mf_array *R = read_plain(path);
    long n_steps = (long)mf_array_cols(I);
    assert_int_equal(mf_array_rows(I), 5);
    assert_int_equal(mf_array_rows(R), 10);
    assert_int_equal(mf_array_cols(R), (size_t)n_steps);

    /* hh.json parameter_sets[0] and [1], SI. */
    static const double gl[2] = {1e-08, 2e-08};
    static const double g_na[2] = {1.9999999999999998e-05, 5e-05};
    static const double g_kd[2] = {6e-06, 1e-05};
    static const double Cm[2] = {2e-10, 1.5e-10};
    tu_params p = {{0}};
    tu_param(&p, m, "gl", gl);
    tu_param(&p, m, "g_na", g_na);
    tu_param(&p, m, "g_kd", g_kd);
    tu_param(&p, m, "Cm", Cm);
    int rec[1] = {mf_model_find_var(m, var)};
    double *out = calloc(10 * (size_t)n_steps, sizeof *out);
    double *outs[1] = {out};
    const double *in[1] = {mf_array_cdata(I)};
    mf_run run = {.n_lanes = 10,
                  .n_traces = 5,
                  .n_steps = n_steps,
                  .inputs = in,
                  .values = p.values,
                  .rec_vars = rec,
                  .n_rec = 1,
                  .rec_out = outs};
    assert_int_equal(mf_engine_run(e, &run, &err), MF_OK);

    const double *r = mf_array_cdata(R);
    double worst = 0;
    for (size_t i = 0; i < 10 * (size_t)n_steps; i++) {
        double d = fabs(out[i] - r[i]);
        if (!(d <= worst))
            worst = d; /* NaN wins */
    }
    printf("HH %s %s (init %s): max |ours - Brian| = %.3g\n", method, var, v_init, worst);
    free(out);
    mf_array_free(I);
    mf_array_free(R);
    mf_engine_free(e);
    mf_model_free(m);
    return worst;
}

static void test_hh_exponential_euler(void **state)
{
    (void)state;
    if (!tu_have_refdata())
        skip();
    assert_true(hh_max_diff("exponential_euler", "VT", "v", "hh_exponential_euler_v.csv") <
                1e-9);
    assert_true(hh_max_diff("exponential_euler", "VT", "m", "hh_exponential_euler_m.csv") <
                1e-9);
    assert_true(hh_max_diff("exponential_euler", "VT", "n", "hh_exponential_euler_n.csv") <
                1e-9);
    assert_true(hh_max_diff("exponential_euler", "VT", "h", "hh_exponential_euler_h.csv") <
                1e-9);
    assert_true(hh_max_diff("exponential_euler", "El", "v",
                            "hh_exponential_euler_vinitEl_v.csv") < 1e-9);
}

static void test_hh_rk4(void **state)
{
    (void)state;
    if (!tu_have_refdata())
        skip();
    assert_true(hh_max_diff("rk4", "VT", "v", "hh_rk4_v.csv") < 1e-9);
}

static void test_hh_euler(void **state)
{
    (void)state;
    if (!tu_have_refdata())
        skip();
    assert_true(hh_max_diff("euler", "VT", "v", "hh_euler_v.csv") < 1e-9);
}

/* LIF of lif.json: threshold v > VT, reset v = Vr, refractory 2 ms with
 * (unless refractory), exponential Euler, dt 0.1 ms, 1 s. Brian's spike
 * times must come out at the same steps. */
static void test_lif_spikes(void **state)
{
    (void)state;
    if (!tu_have_refdata())
        skip();
    mf_model *m = tu_lif_model();
    assert_non_null(m);
    mf_error err;
    mf_engine *e = NULL;
    const double dt = 1e-4;
    assert_int_equal(mf_engine_new(m, dt, NULL, &e, &err), MF_OK);
    mf_array *I = read_plain(REF "/lif/lif_input_I.csv");
    long n_steps = (long)mf_array_cols(I);
    assert_int_equal(n_steps, 10000);
    static const double R[2] = {1e8, 8e7}, tau[2] = {0.01, 0.015};
    tu_params p = {{0}};
    tu_param(&p, m, "R", R);
    tu_param(&p, m, "tau", tau);
    mf_spike_list *sp = calloc(10, sizeof *sp);
    const double *in[1] = {mf_array_cdata(I)};
    mf_run run = {.n_lanes = 10,
                  .n_traces = 5,
                  .n_steps = n_steps,
                  .inputs = in,
                  .values = p.values,
                  .spikes = sp};
    assert_int_equal(mf_engine_run(e, &run, &err), MF_OK);

    mf_spike_trains *ref = NULL;
    assert_int_equal(mf_read_spike_csv(REF "/lif/lif_spikes.csv", &ref, &err), MF_OK);
    assert_int_equal(mf_spike_trains_count(ref), 10);
    long total = 0;
    for (int i = 0; i < 10; i++) {
        int n = mf_spike_trains_len(ref, i);
        const double *t = mf_spike_trains_times(ref, i);
        assert_int_equal(sp[i].n, n);
        for (int j = 0; j < n; j++) {
            long ours = lround(sp[i].t[j] / dt), brian = lround(t[j] / dt);
            assert_int_equal(ours, brian);
        }
        total += n;
    }
    printf("LIF: %ld spikes of 10 neurons at Brian's steps\n", total);
    assert_true(total > 500); /* lif.json checks.spike_counts sum to 689 */
    mf_spike_trains_free(ref);
    mf_spike_lists_free(sp, 10);
    mf_array_free(I);
    mf_engine_free(e);
    mf_model_free(m);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_hh_exponential_euler),
        cmocka_unit_test(test_hh_rk4),
        cmocka_unit_test(test_hh_euler),
        cmocka_unit_test(test_lif_spikes),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

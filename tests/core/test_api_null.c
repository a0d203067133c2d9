/* Every public function (the headers in core/include/modelfit, listed here by hand,
 * header by header) called with NULL handles and NULL output pointers: a
 * function that returns mf_status refuses with MF_ERR_INVALID and a
 * message (also when err itself is NULL), an accessor returns its
 * documented neutral value (0, NULL, NaN, false, -1, or a dimensionless
 * unit), a setter or _free does nothing. Never a crash: this test runs
 * under ASan and UBSan too. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include <math.h>
#include <stdio.h>
#include <string.h>

#include "modelfit/modelfit.h"

/* expr uses ERR as its mf_error *: run once with an error (MF_ERR_INVALID
 * with a message expected), once with ERR NULL. */
#define INVALID(expr)                                                                          \
    do {                                                                                       \
        mf_error null_e_;                                                                      \
        memset(&null_e_, 0, sizeof null_e_);                                                   \
        mf_error *ERR = &null_e_;                                                              \
        mf_status null_rc_ = (expr);                                                           \
        if (null_rc_ != MF_ERR_INVALID || !null_e_.message[0])                                 \
            fail_msg("%s -> %d (%s), not MF_ERR_INVALID with a message", #expr, (int)null_rc_, \
                     null_e_.message);                                                         \
        ERR = NULL;                                                                            \
        assert_int_equal((expr), MF_ERR_INVALID);                                              \
    } while (0)

static void assert_nan(double x)
{
    assert_true(isnan(x));
}

static void assert_dimensionless(mf_quantity q)
{
    assert_true(q.value == 1);
    for (int i = 0; i < 7; i++)
        assert_true(q.dim[i] == 0);
}

static mf_context *context(void)
{
    mf_context *ctx;
    assert_int_equal(mf_context_new(&ctx, NULL), MF_OK);
    mf_context_set_threads(ctx, 1);
    return ctx;
}

static void test_context(void **state)
{
    (void)state;
    INVALID(mf_context_new(NULL, ERR));
    mf_context_free(NULL);
    mf_context_set_log(NULL, NULL, NULL, MF_LOG_DEBUG);
    mf_context_set_threads(NULL, 2);
    assert_int_equal(mf_context_threads(NULL), 0);
    INVALID(mf_context_set_cache_dir(NULL, "/tmp", ERR));
    assert_null(mf_context_cache_dir(NULL));
    INVALID(mf_context_set_backend(NULL, "interp", ERR));
    assert_string_equal(mf_context_backend(NULL), "auto");
    assert_string_equal(mf_status_string((mf_status)999), "unknown status");
    assert_non_null(mf_version());
}

static void test_data(void **state)
{
    (void)state;
    mf_array *a = NULL;
    mf_spike_trains *s = NULL;
    INVALID(mf_array_new(2, 2, NULL, ERR));
    mf_array_free(NULL);
    assert_int_equal(mf_array_rows(NULL), 0);
    assert_int_equal(mf_array_cols(NULL), 0);
    assert_null(mf_array_data(NULL));
    assert_null(mf_array_cdata(NULL));
    assert_nan(mf_array_at(NULL, 0, 0));
    INVALID(mf_read_csv(NULL, MF_CSV_PLAIN, &a, ERR));
    INVALID(mf_read_csv("x.csv", MF_CSV_PLAIN, NULL, ERR));
    assert_int_equal(mf_array_new(1, 1, &a, NULL), MF_OK);
    INVALID(mf_write_csv(NULL, a, NULL, ERR));
    INVALID(mf_write_csv("x.csv", NULL, NULL, ERR));
    mf_array_free(a);
    INVALID(mf_read_npy(NULL, &a, ERR));
    INVALID(mf_read_npy("x.npy", NULL, ERR));
    INVALID(mf_read_spike_csv(NULL, &s, ERR));
    INVALID(mf_read_spike_csv("x.csv", NULL, ERR));
    int lens[1] = {1};
    INVALID(mf_spike_trains_new_from(1, NULL, NULL, &s, ERR));
    INVALID(mf_spike_trains_new_from(1, lens, NULL, &s, ERR));
    INVALID(mf_spike_trains_new_from(0, NULL, NULL, NULL, ERR));
    mf_spike_trains_free(NULL);
    assert_int_equal(mf_spike_trains_count(NULL), 0);
    assert_int_equal(mf_spike_trains_len(NULL, 0), 0);
    assert_null(mf_spike_trains_times(NULL, 0));
}

static mf_status no_bcast(void *user, void *buf, size_t bytes, mf_error *err)
{
    (void)user, (void)buf, (void)bytes, (void)err;
    return MF_OK;
}

static mf_status no_scatter(void *user, const void *send, const size_t *bytes, const size_t *at,
                            void *recv, mf_error *err)
{
    (void)user, (void)send, (void)bytes, (void)at, (void)recv, (void)err;
    return MF_OK;
}

static mf_status no_gather(void *user, const void *send, void *recv, const size_t *bytes,
                           const size_t *at, mf_error *err)
{
    (void)user, (void)send, (void)bytes, (void)at, (void)recv, (void)err;
    return MF_OK;
}

static void test_distribute(void **state)
{
    (void)state;
    mf_group_ops ops = {no_bcast, no_scatter, no_gather};
    mf_group *g = NULL;
    INVALID(mf_group_new(NULL, NULL, 0, 2, &g, ERR));
    INVALID(mf_group_new(&ops, NULL, 0, 1, NULL, ERR));
    mf_group_free(NULL);
    assert_int_equal(mf_group_rank(NULL), 0);
    assert_int_equal(mf_group_size(NULL), 1);
    mf_context_set_group(NULL, NULL);
    assert_null(mf_context_group(NULL));
    /* No group: this process alone, nothing to finish. */
    assert_int_equal(mf_group_finish(NULL, MF_OK, NULL, NULL), MF_OK);
    assert_false(mf_group_broken(NULL));
    mf_group_stats st;
    memset(&st, 0xff, sizeof st);
    mf_group_get_stats(NULL, &st);
    assert_int_equal(st.batches, 0);
    mf_group_get_stats(NULL, NULL);
}

static void test_fitter_spec(void **state)
{
    (void)state;
    mf_quantity volt = {1, {2, 1, -3, -1, 0, 0, 0}};
    const double v[2] = {0, 0};
    mf_fitter_spec *spec = NULL;
    INVALID(mf_fitter_spec_new(MF_FITTER_TRACES, NULL, ERR));
    mf_fitter_spec_free(NULL);
    INVALID(mf_fitter_spec_set_model(NULL, "dv/dt = -v/ms : volt", NULL, ERR));
    INVALID(mf_fitter_spec_read_model(NULL, "model.txt", ERR));
    INVALID(mf_fitter_spec_set_constant(NULL, "El", volt, ERR));
    INVALID(mf_fitter_spec_set_input(NULL, "I", volt, 1, 2, v, ERR));
    INVALID(mf_fitter_spec_set_output(NULL, "v", volt, 1, 2, v, ERR));
    INVALID(mf_fitter_spec_set_output_spikes(NULL, NULL, ERR));
    INVALID(mf_fitter_spec_set_dt(NULL, 1e-4, ERR));
    INVALID(mf_fitter_spec_set_n_samples(NULL, 10, ERR));
    INVALID(mf_fitter_spec_set_method(NULL, "euler", ERR));
    INVALID(mf_fitter_spec_set_threshold(NULL, "v > 0*mV", ERR));
    INVALID(mf_fitter_spec_set_reset(NULL, "v = 0*mV", ERR));
    INVALID(mf_fitter_spec_set_refractory(NULL, "2*ms", ERR));
    INVALID(mf_fitter_spec_set_init(NULL, "v", "0*mV", ERR));
    INVALID(mf_fitter_spec_set_penalty(NULL, "p", ERR));
    /* NULL strings where text is needed. */
    assert_int_equal(mf_fitter_spec_new(MF_FITTER_TRACES, &spec, NULL), MF_OK);
    INVALID(mf_fitter_spec_set_model(spec, NULL, NULL, ERR));
    INVALID(mf_fitter_spec_read_model(spec, NULL, ERR));
    INVALID(mf_fitter_spec_set_constant(spec, NULL, volt, ERR));
    INVALID(mf_fitter_spec_set_input(spec, NULL, volt, 1, 2, v, ERR));
    INVALID(mf_fitter_spec_set_input(spec, "I", volt, 1, 2, NULL, ERR));
    INVALID(mf_fitter_spec_set_output(spec, "v", volt, 1, 2, NULL, ERR));
    INVALID(mf_fitter_spec_set_output_spikes(spec, NULL, ERR));
    INVALID(mf_fitter_spec_set_init(spec, NULL, "0*mV", ERR));
    INVALID(mf_fitter_spec_set_init(spec, "v", NULL, ERR));
    mf_context *ctx = context();
    mf_fitter *f = NULL;
    INVALID(mf_fitter_new(NULL, spec, &f, ERR));
    INVALID(mf_fitter_new(ctx, NULL, &f, ERR));
    INVALID(mf_fitter_new(ctx, spec, NULL, ERR));
    mf_fitter_spec_free(spec);
    mf_context_free(ctx);
}

static void test_fitter(void **state)
{
    (void)state;
    double x[2];
    int n_points = 1;
    long n_lanes = 1;
    double need = 1, machine = 1;
    mf_fitter_free(NULL);
    INVALID(
        mf_fitter_fit(NULL, NULL, NULL, 1, 0, NULL, NULL, NULL, NULL, NULL, false, -1, ERR));
    INVALID(mf_fitter_best(NULL, x, x, ERR));
    assert_null(mf_fitter_stop_reason(NULL));
    assert_int_equal(mf_fitter_iteration(NULL), -1);
    assert_int_equal(mf_fitter_get_kind(NULL), 0);
    assert_null(mf_fitter_context(NULL));
    assert_int_equal(mf_fitter_n_samples(NULL), 0);
    assert_int_equal(mf_fitter_n_traces(NULL), 0);
    assert_int_equal(mf_fitter_n_steps(NULL), 0);
    assert_nan(mf_fitter_dt(NULL));
    assert_int_equal(mf_fitter_n_params(NULL), 0);
    assert_null(mf_fitter_param_name(NULL, 0));
    assert_dimensionless(mf_fitter_param_unit(NULL, 0));
    assert_int_equal(mf_fitter_n_outputs(NULL), 0);
    assert_null(mf_fitter_output_name(NULL, 0));
    assert_dimensionless(mf_fitter_error_unit(NULL));
    assert_int_equal(mf_fitter_history_size(NULL), 0);
    assert_null(mf_fitter_history_point(NULL, 0));
    assert_nan(mf_fitter_history_error(NULL, 0));
    assert_int_equal(mf_fitter_history_round(NULL, 0), -1);
    assert_nan(mf_fitter_history_output_error(NULL, 0, 0, true));
    assert_dimensionless(mf_fitter_output_error_unit(NULL, 0, false));
    INVALID(mf_fitter_write_csv(NULL, "x.csv", ERR));
    INVALID(mf_fitter_write_json(NULL, "x.json", ERR));
    INVALID(mf_fitter_generate(NULL, NULL, 0, NULL, NULL, 1e9, 0, NULL, NULL, NULL, ERR));
    INVALID(mf_fitter_refine(NULL, NULL, 0, 0, 1e9, NULL, NULL, x, x, NULL, ERR));
    INVALID(mf_fitter_set_checkpoint(NULL, "x.ckpt", 1, ERR));
    INVALID(mf_fitter_resume(NULL, "x.ckpt", ERR));
    INVALID(mf_fitter_write_checkpoint(NULL, "x.ckpt", ERR));
    INVALID(mf_fitter_set_history_file(NULL, "x.csv", ERR));
    mf_fitter_request_stop(NULL);
    mf_fitter_set_stop_flag(NULL, NULL);
    mf_fitter_round_nan(NULL, &n_points, &n_lanes);
    assert_int_equal(n_points, 0);
    assert_int_equal(n_lanes, 0);
    mf_fitter_memory_estimate(NULL, &need, &machine);
    assert_true(need == 0 && machine == 0);
    mf_fitter_memory_estimate(NULL, NULL, NULL);
    mf_printer *p = NULL;
    INVALID(mf_printer_new(NULL, NULL, &p, ERR));
    INVALID(mf_printer_new("text", NULL, NULL, ERR));
    mf_printer_free(NULL);
    /* A NULL printer or fitter: nothing printed, the fit goes on. */
    assert_int_equal(mf_printer_callback(NULL, NULL, 0, 1, NULL, NAN, 0, NULL, NULL), 0);
    assert_int_equal(mf_printer_new("text", stdout, &p, NULL), MF_OK);
    assert_int_equal(mf_printer_callback(p, NULL, 0, 1, NULL, NAN, 0, NULL, NULL), 0);
    mf_printer_free(p);
}

static void test_model(void **state)
{
    (void)state;
    const char *text = "dv/dt = -v/(10*ms) : volt\n";
    mf_model_info *info = NULL;
    double dim[7];
    INVALID(
        mf_model_info_new(NULL, text, strlen(text), NULL, 0, NULL, NULL, 0, NULL, NULL, ERR));
    INVALID(mf_model_info_new(&info, NULL, 10, NULL, 0, NULL, NULL, 0, NULL, NULL, ERR));
    INVALID(
        mf_model_info_new(&info, text, strlen(text), NULL, 1, NULL, NULL, 0, NULL, NULL, ERR));
    INVALID(
        mf_model_info_new(&info, text, strlen(text), NULL, 0, NULL, NULL, 1, NULL, NULL, ERR));
    mf_model_info_free(NULL);
    assert_int_equal(mf_model_info_count(NULL), 0);
    assert_null(mf_model_info_name(NULL, 0));
    assert_int_equal(mf_model_info_kind(NULL, 0), 0);
    assert_null(mf_model_info_unit(NULL, 0));
    assert_int_equal(mf_model_info_flags(NULL, 0), 0);
    assert_null(mf_model_info_expression(NULL, 0));
    assert_int_equal(mf_model_info_line(NULL, 0), 0);
    assert_non_null(mf_model_entry_kind_name((mf_model_entry_kind)99));
    INVALID(mf_model_variable_dim(NULL, "v", dim, ERR));
    INVALID(mf_model_variable_dim(text, NULL, dim, ERR));
    INVALID(mf_model_variable_dim(text, "v", NULL, ERR));
}

static void test_plugins(void **state)
{
    (void)state;
    size_t n = 5;
    const mf_plugin_info *info = NULL;
    char buf[32] = "x";
    mf_context *ctx = context();
    INVALID(mf_plugins_count(NULL, &n, ERR));
    assert_int_equal(n, 0);
    assert_int_equal(mf_plugins_count(ctx, NULL, NULL), MF_OK); /* n is optional */
    assert_null(mf_plugins_at(NULL, 0));
    INVALID(mf_plugins_find(NULL, "random", 0, &info, ERR));
    INVALID(mf_plugins_find(ctx, NULL, 0, &info, ERR));
    INVALID(mf_plugins_find(ctx, "random", 0, NULL, ERR));
    assert_int_equal(mf_plugins_refusal_count(NULL), 0);
    assert_null(mf_plugins_refusal(NULL, 0));
    assert_null(mf_plugin_info_descriptor(NULL));
    assert_null(mf_plugin_info_file(NULL));
    assert_false(mf_plugin_info_shadowed(NULL));
    assert_ptr_equal(mf_plugin_option_default(NULL, buf, sizeof buf), buf);
    assert_string_equal(buf, "");
    assert_null(mf_plugin_option_default(NULL, NULL, 0));
    assert_non_null(mf_plugin_option_type_name(999));
    assert_non_null(mf_plugin_kind_name(999));
    mf_context_free(ctx);
}

static void test_options(void **state)
{
    (void)state;
    const double dims[MF_N_BASE_UNITS] = {0};
    const double values[1] = {1};
    mf_options *o = NULL;
    INVALID(mf_options_new(NULL, ERR));
    mf_options_free(NULL);
    INVALID(mf_options_set_double(NULL, "x", 1, ERR));
    INVALID(mf_options_set_int(NULL, "x", 1, ERR));
    INVALID(mf_options_set_bool(NULL, "x", true, ERR));
    INVALID(mf_options_set_string(NULL, "x", "y", ERR));
    INVALID(mf_options_set_quantity(NULL, "x", 1, dims, ERR));
    INVALID(mf_options_set_array(NULL, "x", values, 1, ERR));
    assert_int_equal(mf_options_count(NULL), 0);
    assert_int_equal(mf_options_new(&o, NULL), MF_OK);
    INVALID(mf_options_set_double(o, NULL, 1, ERR));
    /* Documented: a NULL string is "", NULL dims dimensionless. */
    assert_int_equal(mf_options_set_string(o, "x", NULL, NULL), MF_OK);
    assert_int_equal(mf_options_set_quantity(o, "x", 1, NULL, NULL), MF_OK);
    INVALID(mf_options_set_array(o, "x", NULL, 1, ERR));
    mf_options_free(o);
}

static void test_optimizer(void **state)
{
    (void)state;
    const char *names[1] = {"a"};
    double lo[1] = {0}, hi[1] = {1}, p[1], e[1] = {1};
    size_t len = 3, n = 9;
    mf_optimizer *opt = NULL;
    mf_context *ctx = context();
    INVALID(mf_optimizer_new(NULL, "random", NULL, &opt, ERR));
    INVALID(mf_optimizer_new(ctx, NULL, NULL, &opt, ERR));
    INVALID(mf_optimizer_new(ctx, "random", NULL, NULL, ERR));
    mf_optimizer_free(NULL);
    assert_non_null(mf_optimizer_host_options(NULL));
    assert_non_null(mf_optimizer_host_options(&n));
    assert_int_equal(n, 1);
    assert_null(mf_optimizer_plugin(NULL));
    assert_null(mf_optimizer_name(NULL));
    INVALID(mf_optimizer_start(NULL, 1, names, lo, hi, ERR));
    INVALID(mf_optimizer_ask(NULL, 1, p, ERR));
    INVALID(mf_optimizer_tell(NULL, 1, p, e, ERR));
    INVALID(mf_optimizer_recommend(NULL, p, e, ERR));
    assert_int_equal(mf_optimizer_n_dims(NULL), 0);
    assert_false(mf_optimizer_can_save(NULL));
    INVALID(mf_optimizer_save(NULL, NULL, 0, &len, ERR));
    INVALID(mf_optimizer_load(NULL, p, sizeof p, ERR));
    /* A started optimizer, NULL buffers. */
    assert_int_equal(mf_optimizer_new(ctx, "random", NULL, &opt, NULL), MF_OK);
    INVALID(mf_optimizer_ask(opt, 1, p, ERR)); /* not started */
    assert_int_equal(mf_optimizer_start(opt, 1, names, lo, hi, NULL), MF_OK);
    INVALID(mf_optimizer_start(opt, 1, NULL, lo, hi, ERR));
    assert_int_equal(mf_optimizer_start(opt, 1, names, lo, hi, NULL), MF_OK);
    INVALID(mf_optimizer_ask(opt, 1, NULL, ERR));
    assert_int_equal(mf_optimizer_ask(opt, 1, p, NULL), MF_OK);
    INVALID(mf_optimizer_tell(opt, 1, p, NULL, ERR));
    assert_int_equal(mf_optimizer_tell(opt, 1, p, e, NULL), MF_OK);
    INVALID(mf_optimizer_recommend(opt, NULL, e, ERR));
    INVALID(mf_optimizer_save(opt, NULL, 0, NULL, ERR));
    INVALID(mf_optimizer_load(opt, NULL, 8, ERR));
    mf_optimizer_free(opt);
    mf_context_free(ctx);
}

static void test_metric(void **state)
{
    (void)state;
    double x = 0, dims[MF_N_BASE_UNITS];
    const double *arr = NULL;
    size_t n = 0;
    uint32_t trace[1] = {0};
    mf_metric *m = NULL;
    mf_context *ctx = context();
    INVALID(mf_metric_new(NULL, "mse", NULL, &m, ERR));
    INVALID(mf_metric_new(ctx, NULL, NULL, &m, ERR));
    INVALID(mf_metric_new(ctx, "mse", NULL, NULL, ERR));
    mf_metric_free(NULL);
    assert_null(mf_metric_plugin(NULL));
    assert_null(mf_metric_name(NULL));
    assert_int_equal(mf_metric_kind(NULL), 0);
    assert_int_equal(mf_metric_error_power(NULL), 0);
    INVALID(mf_metric_prepare_traces(NULL, 1e-4, 1, 1, &x, ERR));
    INVALID(mf_metric_prepare_spikes(NULL, 1e-4, 1, 1, NULL, NULL, ERR));
    INVALID(mf_metric_errors(NULL, 1, trace, NULL, 1, &x, ERR));
    INVALID(mf_metric_errors_spikes(NULL, 1, trace, NULL, NULL, &x, ERR));
    mf_metric_average_samples(0, 1, NULL, NULL);
    INVALID(mf_metric_option_double(NULL, "t_start", &x, ERR));
    INVALID(mf_metric_option_quantity(NULL, "t_start", &x, dims, ERR));
    INVALID(mf_metric_option_array(NULL, "t_weights", &arr, &n, ERR));
    assert_false(mf_metric_has_weights(NULL));
    INVALID(mf_metric_weights(NULL, &x, ERR));
    double value = 0;
    memset(dims, 0xff, sizeof dims);
    mf_metric_normalization(NULL, &value, dims);
    assert_true(value == 1 && dims[0] == 0 && dims[6] == 0);
    mf_metric_normalization(NULL, NULL, NULL);
    assert_int_equal(mf_metric_online_size(NULL), 0);
    mf_metric_online_init(NULL, 1, NULL);
    mf_metric_online_update(NULL, 1, NULL, 0, NULL, NULL);
    INVALID(mf_metric_online_finish(NULL, 1, NULL, trace, &x, ERR));
    /* A prepared metric, NULL buffers. */
    assert_int_equal(mf_metric_new(ctx, "mse", NULL, &m, NULL), MF_OK);
    INVALID(mf_metric_prepare_traces(m, 1e-4, 1, 1, NULL, ERR));
    assert_int_equal(mf_metric_prepare_traces(m, 1e-4, 1, 1, &x, NULL), MF_OK);
    INVALID(mf_metric_errors(m, 1, NULL, NULL, 1, &x, ERR));
    INVALID(mf_metric_option_double(m, NULL, &x, ERR));
    INVALID(mf_metric_option_double(m, "t_start", NULL, ERR));
    INVALID(mf_metric_weights(m, NULL, ERR));
    mf_metric_free(m);
    mf_context_free(ctx);
}

static void test_quantity(void **state)
{
    (void)state;
    mf_quantity q;
    char buf[32];
    INVALID(mf_quantity_from_string(NULL, &q, ERR));
    INVALID(mf_quantity_from_string("1*mV", NULL, ERR));
    q.value = 1;
    memset(q.dim, 0, sizeof q.dim);
    assert_null(mf_quantity_to_string(q, NULL, 10));
    assert_null(mf_quantity_unit_string(NULL, NULL, 0));
    assert_ptr_equal(mf_quantity_unit_string(NULL, buf, sizeof buf), buf);
    assert_string_equal(buf, "1");
    assert_true(mf_quantity_same_unit(q, q));
}

static void test_simulate(void **state)
{
    (void)state;
    mf_quantity amp = {1, {0, 0, 0, 1, 0, 0, 0}};
    const double v[2] = {0, 0};
    long n = 7;
    mf_sim *s = NULL;
    mf_sim_result *r = NULL;
    mf_context *ctx = context();
    INVALID(mf_sim_new(ctx, "dv/dt = -v/ms : volt", NULL, ERR));
    INVALID(mf_sim_new(ctx, NULL, &s, ERR));
    mf_sim_free(NULL);
    INVALID(mf_sim_set_constant(NULL, "El", amp, ERR));
    INVALID(mf_sim_set_input(NULL, "I", amp, 1, 2, v, ERR));
    INVALID(mf_sim_set_dt(NULL, 1e-4, ERR));
    INVALID(mf_sim_set_steps(NULL, 10, ERR));
    INVALID(mf_sim_set_method(NULL, "euler", ERR));
    INVALID(mf_sim_set_tolerance(NULL, 1e-6, 0, ERR));
    INVALID(mf_sim_set_threshold(NULL, "v > 0*mV", ERR));
    INVALID(mf_sim_set_reset(NULL, "v = 0*mV", ERR));
    INVALID(mf_sim_set_refractory(NULL, "2*ms", ERR));
    INVALID(mf_sim_set_init(NULL, "v", "1*mV", ERR));
    INVALID(mf_sim_set_param(NULL, "tau", 1, v, ERR));
    INVALID(mf_sim_record(NULL, "v", ERR));
    INVALID(mf_sim_run(NULL, &r, ERR));
    mf_sim_result_free(NULL);
    assert_int_equal(mf_sim_result_neurons(NULL), 0);
    assert_int_equal(mf_sim_result_steps(NULL), 0);
    assert_nan(mf_sim_result_dt(NULL));
    assert_null(mf_sim_result_method(NULL));
    assert_null(mf_sim_result_trace(NULL, "v"));
    assert_null(mf_sim_result_spikes(NULL, 0, &n));
    assert_int_equal(n, 0);
    assert_null(mf_sim_result_spikes(NULL, 0, NULL));

    /* A simulation, NULL names and buffers. */
    assert_int_equal(mf_sim_new(ctx, "dv/dt = -v/(10*ms) : volt\n", &s, NULL), MF_OK);
    INVALID(mf_sim_set_constant(s, NULL, amp, ERR));
    INVALID(mf_sim_set_input(s, NULL, amp, 1, 2, v, ERR));
    INVALID(mf_sim_set_input(s, "I", amp, 1, 2, NULL, ERR));
    INVALID(mf_sim_set_init(s, NULL, "1*mV", ERR));
    INVALID(mf_sim_set_init(s, "v", NULL, ERR));
    INVALID(mf_sim_set_param(s, NULL, 1, v, ERR));
    INVALID(mf_sim_set_param(s, "tau", 1, NULL, ERR));
    INVALID(mf_sim_record(s, NULL, ERR));
    INVALID(mf_sim_run(s, NULL, ERR));
    assert_int_equal(mf_sim_set_dt(s, 1e-4, NULL), MF_OK);
    assert_int_equal(mf_sim_set_init(s, "v", "1*mV", NULL), MF_OK);
    assert_int_equal(mf_sim_record(s, "v", NULL), MF_OK);
    assert_int_equal(mf_sim_set_threshold(s, "v > 2*mV", NULL), MF_OK);
    assert_int_equal(mf_sim_run(s, &r, NULL), MF_OK);
    assert_null(mf_sim_result_trace(r, NULL));
    assert_non_null(mf_sim_result_trace(r, "v"));
    /* No spikes here; n may be NULL. */
    mf_sim_result_spikes(r, 0, NULL);
    n = 7;
    mf_sim_result_spikes(r, 0, &n);
    assert_int_equal(n, 0);
    mf_sim_result_free(r);
    mf_sim_free(s);
    mf_context_free(ctx);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_context),    cmocka_unit_test(test_data),
        cmocka_unit_test(test_distribute), cmocka_unit_test(test_fitter_spec),
        cmocka_unit_test(test_fitter),     cmocka_unit_test(test_model),
        cmocka_unit_test(test_plugins),    cmocka_unit_test(test_options),
        cmocka_unit_test(test_optimizer),  cmocka_unit_test(test_metric),
        cmocka_unit_test(test_quantity),   cmocka_unit_test(test_simulate),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

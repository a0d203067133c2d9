/* core/options.c: the user's option bag and its resolution against an
 * option table (conversions, units, ranges, choices, defaults, messages). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include <math.h>
#include <string.h>

#include "options.h"

static const mf_option_spec table[] = {
    {.name = "window",
     .type = MF_OPT_QUANTITY,
     .flags = MF_OPT_HAS_MIN,
     .default_number = 0.004,
     .unit = "second",
     .min = 0,
     .help = "a time"},
    {.name = "scale", .type = MF_OPT_QUANTITY, .default_number = 1, .unit = "", .help = "any"},
    {.name = "rate",
     .type = MF_OPT_DOUBLE,
     .flags = MF_OPT_HAS_MIN | MF_OPT_HAS_MAX,
     .default_number = 0.5,
     .min = 0,
     .max = 1,
     .help = "a fraction"},
    {.name = "count", .type = MF_OPT_INT, .default_number = 10, .help = "an int"},
    {.name = "flag", .type = MF_OPT_BOOL, .default_number = 1, .help = "a bool"},
    {.name = "mode",
     .type = MF_OPT_STRING,
     .default_string = "fast",
     .choices = "fast|slow",
     .help = "a choice"},
    {.name = "weights", .type = MF_OPT_DOUBLE_ARRAY, .help = "numbers"},
};
enum { N_TABLE = sizeof table / sizeof table[0] };

static const mf_dim time_dim = {{0, 0, 1, 0, 0, 0, 0}};
static const double volt_dims[MF_N_BASE_UNITS] = {2, 1, -3, -1, 0, 0, 0};

static mf_options *make(void)
{
    mf_options *o;
    assert_int_equal(mf_options_new(&o, NULL), MF_OK);
    return o;
}

static mf_status resolve(const mf_options *o, mf_resolved_options *r, mf_error *err)
{
    return mf_options_resolve(o, table, N_TABLE, "metric 'demo'", r, err);
}

static void test_defaults(void **state)
{
    (void)state;
    mf_resolved_options r;
    assert_int_equal(resolve(NULL, &r, NULL), MF_OK);
    const mf_option_spec *spec;
    const mf_resolved_value *v = mf_resolved_find(&r, "window", &spec);
    assert_non_null(v);
    assert_true(v->number == 0.004 && mf_dim_eq(v->dim, time_dim) && !v->given);
    assert_string_equal(spec->name, "window");
    assert_true(mf_resolved_find(&r, "count", NULL)->integer == 10);
    assert_true(mf_resolved_find(&r, "flag", NULL)->integer == 1);
    assert_string_equal(mf_resolved_find(&r, "mode", NULL)->text, "fast");
    assert_int_equal(mf_resolved_find(&r, "weights", NULL)->n, 0);
    assert_null(mf_resolved_find(&r, "nope", NULL));
    mf_resolved_options_clear(&r);
}

static void test_conversions(void **state)
{
    (void)state;
    mf_options *o = make();
    assert_int_equal(mf_options_set_string(o, "window", "5*ms", NULL), MF_OK);
    assert_int_equal(mf_options_set_int(o, "rate", 1, NULL), MF_OK);
    assert_int_equal(mf_options_set_double(o, "count", 3.0, NULL), MF_OK);
    assert_int_equal(mf_options_set_string(o, "flag", "false", NULL), MF_OK);
    assert_int_equal(mf_options_set_string(o, "weights", "1, 2 3", NULL), MF_OK);
    assert_int_equal(mf_options_set_quantity(o, "scale", 1e-3, volt_dims, NULL), MF_OK);
    mf_resolved_options r;
    mf_error err;
    assert_int_equal(resolve(o, &r, &err), MF_OK);
    const mf_resolved_value *w = mf_resolved_find(&r, "window", NULL);
    assert_true(fabs(w->number - 0.005) < 1e-18 && w->given);
    assert_true(mf_resolved_find(&r, "rate", NULL)->number == 1.0);
    assert_true(mf_resolved_find(&r, "count", NULL)->integer == 3);
    assert_true(mf_resolved_find(&r, "flag", NULL)->integer == 0);
    const mf_resolved_value *a = mf_resolved_find(&r, "weights", NULL);
    assert_int_equal(a->n, 3);
    assert_true(a->array[0] == 1 && a->array[1] == 2 && a->array[2] == 3);
    const mf_resolved_value *s = mf_resolved_find(&r, "scale", NULL);
    assert_true(s->number == 1e-3 && s->dim.e[MF_DIM_KG] == 1);
    mf_resolved_options_clear(&r);
    mf_options_free(o);
}

static void test_set_replaces(void **state)
{
    (void)state;
    mf_options *o = make();
    double w[2] = {1, 2};
    assert_int_equal(mf_options_set_array(o, "count", w, 2, NULL), MF_OK);
    assert_int_equal(mf_options_set_int(o, "count", 4, NULL), MF_OK);
    assert_int_equal(mf_options_count(o), 1);
    mf_resolved_options r;
    assert_int_equal(resolve(o, &r, NULL), MF_OK);
    assert_true(mf_resolved_find(&r, "count", NULL)->integer == 4);
    mf_resolved_options_clear(&r);
    mf_options_free(o);
}

/* Resolves one option and expects a failure whose message has `needle`. */
static void expect_error(mf_options *o, mf_status status, const char *needle)
{
    mf_resolved_options r;
    mf_error err;
    assert_int_equal(resolve(o, &r, &err), status);
    if (!strstr(err.message, needle))
        fail_msg("message \"%s\" lacks \"%s\"", err.message, needle);
    assert_null(r.values);
    mf_options_free(o);
}

static void test_unknown_lists_valid(void **state)
{
    (void)state;
    mf_options *o = make();
    mf_options_set_double(o, "windw", 1, NULL);
    expect_error(o, MF_ERR_NAME,
                 "metric 'demo' has no option 'windw'; valid options: window, scale, rate, "
                 "count, flag, mode, weights");
}

static void test_wrong_unit(void **state)
{
    (void)state;
    mf_options *o = make();
    mf_options_set_string(o, "window", "5*mV", NULL);
    expect_error(o, MF_ERR_UNITS,
                 "option 'window' of metric 'demo' has unit s (second), but V");
    o = make();
    mf_options_set_quantity(o, "window", 0.005, volt_dims, NULL);
    expect_error(o, MF_ERR_UNITS, "but V was given");
    o = make();
    mf_options_set_double(o, "window", 0.005, NULL);
    expect_error(o, MF_ERR_UNITS, "needs a unit");
    o = make();
    mf_options_set_quantity(o, "rate", 0.5, volt_dims, NULL);
    expect_error(o, MF_ERR_UNITS, "is a dimensionless number");
    o = make();
    mf_options_set_string(o, "window", "5*furlong", NULL);
    expect_error(o, MF_ERR_INVALID, "is not a quantity");
}

static void test_wrong_type_and_range(void **state)
{
    (void)state;
    mf_options *o = make();
    mf_options_set_string(o, "rate", "half", NULL);
    expect_error(o, MF_ERR_INVALID, "option 'rate' of metric 'demo' is a number, not \"half\"");
    o = make();
    mf_options_set_double(o, "rate", 1.5, NULL);
    expect_error(o, MF_ERR_INVALID, "must be <= 1, got 1.5");
    o = make();
    mf_options_set_string(o, "window", "-1*ms", NULL);
    expect_error(o, MF_ERR_INVALID, "must be >= 0");
    o = make();
    mf_options_set_double(o, "count", 2.5, NULL);
    expect_error(o, MF_ERR_INVALID, "is an integer, not 2.5");
    o = make();
    mf_options_set_bool(o, "mode", true, NULL);
    expect_error(o, MF_ERR_INVALID,
                 "option 'mode' of metric 'demo' is a string, but a boolean");
    o = make();
    mf_options_set_string(o, "mode", "medium", NULL);
    expect_error(o, MF_ERR_INVALID, "must be one of fast|slow, not \"medium\"");
    o = make();
    mf_options_set_int(o, "flag", 2, NULL);
    expect_error(o, MF_ERR_INVALID, "is a bool");
}

static void test_required(void **state)
{
    (void)state;
    static const mf_option_spec req[] = {{.name = "delta",
                                          .type = MF_OPT_QUANTITY,
                                          .flags = MF_OPT_REQUIRED,
                                          .unit = "second",
                                          .help = "the window"}};
    mf_resolved_options r;
    mf_error err;
    assert_int_equal(mf_options_resolve(NULL, req, 1, "metric 'gamma'", &r, &err),
                     MF_ERR_INVALID);
    assert_string_equal(
        err.message,
        "error: metric 'gamma' needs option 'delta' (quantity in second): the window");
}

static void test_bad_names_refused(void **state)
{
    (void)state;
    mf_options *o = make();
    mf_error err;
    assert_int_equal(mf_options_set_double(o, "has space", 1, &err), MF_ERR_INVALID);
    assert_int_equal(mf_options_set_double(o, "", 1, &err), MF_ERR_INVALID);
    assert_int_equal(mf_options_set_double(NULL, "x", 1, &err), MF_ERR_INVALID);
    assert_int_equal(mf_options_set_array(o, "x", NULL, 3, &err), MF_ERR_INVALID);
    assert_int_equal(mf_options_count(o), 0);
    mf_options_free(o);
    mf_options_free(NULL);
}

static void test_spec_check(void **state)
{
    (void)state;
    for (size_t i = 0; i < N_TABLE; i++)
        assert_int_equal(mf_option_spec_check(&table[i], NULL), MF_OK);
    const mf_option_spec bad[] = {
        {.name = "9lives", .type = MF_OPT_INT},
        {.name = "x", .type = 42},
        {.name = "x", .type = MF_OPT_QUANTITY, .unit = "furlong"},
        {.name = "x", .type = MF_OPT_INT, .default_number = 0.5},
        {.name = "x", .type = MF_OPT_BOOL, .default_number = 2},
        {.name = "x", .type = MF_OPT_DOUBLE, .flags = MF_OPT_HAS_MIN, .min = 1},
        {.name = "x", .type = MF_OPT_STRING, .default_string = "c", .choices = "a|b"},
        {.name = "x", .type = MF_OPT_DOUBLE, .flags = 0x80},
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        mf_error err;
        if (mf_option_spec_check(&bad[i], &err) != MF_ERR_PLUGIN)
            fail_msg("bad spec %zu accepted", i);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_defaults),     cmocka_unit_test(test_conversions),
        cmocka_unit_test(test_set_replaces), cmocka_unit_test(test_unknown_lists_valid),
        cmocka_unit_test(test_wrong_unit),   cmocka_unit_test(test_wrong_type_and_range),
        cmocka_unit_test(test_required),     cmocka_unit_test(test_bad_names_refused),
        cmocka_unit_test(test_spec_check),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

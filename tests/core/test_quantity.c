/* core/quantity.c: quantities written as text, internal (mf_quantity_parse)
 * and public (<modelfit/quantity.h>). Expected values are the SI values
 * written out by hand; dimensions are exponent vectors (m kg s A K mol cd). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include <math.h>
#include <stdio.h>
#include <string.h>

#include "expr.h"
#include "modelfit/quantity.h"

static void assert_quantity(const char *s, double value, const double dim[7])
{
    mf_error err;
    double v = NAN;
    mf_dim d = mf_dim_none();
    if (mf_quantity_parse(s, &v, &d, &err) != MF_OK)
        fail_msg("'%s': %s", s, err.message);
    if (!(fabs(v - value) <= 1e-15 * fabs(value)))
        fail_msg("'%s' = %.17g, expected %.17g", s, v, value);
    for (int i = 0; i < 7; i++)
        if (fabs(d.e[i] - dim[i]) > 1e-12)
            fail_msg("'%s': exponent %d is %g, expected %g", s, i, d.e[i], dim[i]);
}

static const double SECOND[7] = {0, 0, 1, 0, 0, 0, 0};
static const double METRE2[7] = {2, 0, 0, 0, 0, 0, 0};
static const double SIEMENS[7] = {-2, -1, 3, 2, 0, 0, 0};
static const double VOLT[7] = {2, 1, -3, -1, 0, 0, 0};
static const double NONE[7] = {0, 0, 0, 0, 0, 0, 0};

static void test_parse_quantities(void **state)
{
    (void)state;
    assert_quantity("0.01*ms", 1e-5, SECOND);
    assert_quantity("20000*umetre**2", 2e-8, METRE2);
    assert_quantity("20000*umetre2", 2e-8, METRE2);
    assert_quantity("1e-9*siemens", 1e-9, SIEMENS);
    assert_quantity("-65*mV", -0.065, VOLT);
    assert_quantity("3", 3.0, NONE);
    assert_quantity(" 2.5 * mV / ms ", 2.5, (const double[7]){2, 1, -4, -1, 0, 0, 0});
    assert_quantity("(1 + 2)*nS", 3e-9, SIEMENS);
    assert_quantity("2*pi", 2 * 3.14159265358979323846, NONE);
}

static void assert_quantity_error(const char *s, mf_status st, int col, const char *msg)
{
    mf_error err;
    double v;
    mf_dim d;
    mf_status got = mf_quantity_parse(s, &v, &d, &err);
    if (got != st || err.line != 1 || err.col != col)
        fail_msg("'%s': status %d at %d:%d, expected %d at 1:%d (%s)", s, got, err.line,
                 err.col, st, col, err.message);
    char want[256];
    snprintf(want, sizeof want, "\"%s\":1:%d: error: %s", s, col, msg);
    if (strcmp(err.message, want) != 0)
        fail_msg("got      %s\nexpected %s", err.message, want);
}

static void test_parse_errors_name_the_column(void **state)
{
    (void)state;
    assert_quantity_error("5*foo", MF_ERR_NAME, 3, "unknown name 'foo'");
    assert_quantity_error("5*", MF_ERR_PARSE, 3, "expected an expression, found end of input");
    assert_quantity_error("mV mV", MF_ERR_PARSE, 4,
                          "unexpected name 'mV' after a complete expression (missing "
                          "operator?)");
    assert_quantity_error("5*mV + 1*ms", MF_ERR_UNITS, 1,
                          "cannot add '5*mV' (unit V) and '1*ms' (unit s)");
    assert_quantity_error("1*mV > 0*mV", MF_ERR_INVALID, 1,
                          "a quantity must be a number with a unit, not a condition");
    mf_error err;
    double v;
    mf_dim d;
    assert_int_equal(mf_quantity_parse(NULL, &v, &d, &err), MF_ERR_INVALID);
}

static void test_public_from_string(void **state)
{
    (void)state;
    mf_quantity q;
    mf_error err;
    assert_int_equal(mf_quantity_from_string("-65*mV", &q, &err), MF_OK);
    assert_true(fabs(q.value + 0.065) <= 1e-17);
    for (int i = 0; i < 7; i++)
        assert_true(q.dim[i] == VOLT[i]);
    /* On error q is zeroed and the message names the place. */
    assert_int_equal(mf_quantity_from_string("5*foo", &q, &err), MF_ERR_NAME);
    assert_true(q.value == 0.0);
    for (int i = 0; i < 7; i++)
        assert_true(q.dim[i] == 0.0);
    assert_int_equal(err.col, 3);
    assert_int_equal(mf_quantity_from_string("1", NULL, &err), MF_ERR_INVALID);
}

static void test_public_to_string_and_units(void **state)
{
    (void)state;
    mf_quantity q;
    mf_error err;
    char buf[64];
    assert_int_equal(mf_quantity_from_string("-65*mV", &q, &err), MF_OK);
    assert_string_equal(mf_quantity_to_string(q, buf, sizeof buf), "-65 mV");
    assert_string_equal(mf_quantity_unit_string(q.dim, buf, sizeof buf), "V");
    assert_int_equal(mf_quantity_from_string("0.01*ms", &q, &err), MF_OK);
    assert_string_equal(mf_quantity_to_string(q, buf, sizeof buf), "10 us");
    assert_string_equal(mf_quantity_unit_string(NONE, buf, sizeof buf), "1");

    mf_quantity a, b, c;
    assert_int_equal(mf_quantity_from_string("1*mV", &a, &err), MF_OK);
    assert_int_equal(mf_quantity_from_string("3*volt", &b, &err), MF_OK);
    assert_int_equal(mf_quantity_from_string("3*nA", &c, &err), MF_OK);
    assert_true(mf_quantity_same_unit(a, b));
    assert_false(mf_quantity_same_unit(a, c));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_parse_quantities),
        cmocka_unit_test(test_parse_errors_name_the_column),
        cmocka_unit_test(test_public_from_string),
        cmocka_unit_test(test_public_to_string_and_units),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

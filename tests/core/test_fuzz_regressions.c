/* Inputs the fuzz targets (fuzz/fuzz_*.c) found to break a promise of the
 * library, fed to the same API, so that `make test` keeps them fixed. Each
 * test names the target and what went wrong; the expected values are
 * independent of our code (C literals, pow(), the documented contracts).
 * Under the ASan + UBSan build these also catch the undefined behaviour the
 * fuzzers reported. */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <cmocka.h>

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "expr.h"
#include "modelfit/quantity.h"

/* Parses, prints, parses the text again: the tree must come back equal
 * (expr.h, printing). */
static void assert_round_trip(const char *src)
{
    mf_error err;
    mf_expr *e = mf_expr_parse(src, "fuzz", 1, 1, &err);
    if (!e)
        fail_msg("'%.60s...' does not parse: %s", src, err.message);
    char *text = mf_expr_to_string(e);
    assert_non_null(text);
    mf_expr *again = mf_expr_parse(text, "printed", 1, 1, &err);
    if (!again)
        fail_msg("the printed text '%.60s...' does not parse: %s", text, err.message);
    assert_true(mf_expr_equal(e, again));
    mf_expr_free(again);
    free(text);
    mf_expr_free(e);
}

static void assert_parse_error(const char *src, mf_status status, const char *part)
{
    mf_error err;
    mf_expr *e = mf_expr_parse(src, "fuzz", 1, 1, &err);
    if (e)
        fail_msg("'%.60s' parsed, expected an error containing '%s'", src, part);
    assert_int_equal(err.status, status);
    if (!strstr(err.message, part))
        fail_msg("message '%s' lacks '%s'", err.message, part);
}

static double parse_number(const char *src)
{
    mf_error err;
    mf_expr *e = mf_expr_parse(src, "fuzz", 1, 1, &err);
    if (!e)
        fail_msg("'%.60s...' does not parse: %s", src, err.message);
    assert_int_equal(e->kind, MF_EX_NUM);
    double v = e->num;
    mf_expr_free(e);
    return v;
}

/* fuzz_expr: "f+ 333...000e001698910772" overflowed to an infinite
 * number, which prints as "inf" and parses back as the name inf: the round
 * trip changed the tree. A literal past the largest double is now an
 * error, as it is for the CSV reader. */
static void test_number_too_large(void **state)
{
    (void)state;
    assert_parse_error("f+ 3333333333333333333333000e001698910772", MF_ERR_PARSE, "too large");
    assert_parse_error("2*1e999", MF_ERR_PARSE, "number '1e999' is too large");
    mf_quantity q;
    mf_error err;
    assert_int_equal(mf_quantity_from_string("1e400*mV", &q, &err), MF_ERR_PARSE);
    /* The largest and the smallest numbers are still numbers; underflow
     * rounds to 0 as in Python. */
    assert_true(parse_number("1.7976931348623157e308") == 1.7976931348623157e308);
    assert_true(parse_number("4.9406564584124654e-324") == 4.9406564584124654e-324);
    assert_true(parse_number("1e-400") == 0.0);
}

/* Found while reading the lexer for the case above: literals of 128
 * characters or more were cut to 127 before conversion, so
 * "1000...0" (201 digits) read as 1e126. */
static void test_long_number_literal(void **state)
{
    (void)state;
    char buf[400];
    buf[0] = '1';
    memset(buf + 1, '0', 200);
    buf[201] = '\0';
    assert_true(parse_number(buf) == 1e200);
    strcpy(buf, "0.");
    memset(buf + 2, '0', 149);
    strcpy(buf + 151, "1e160"); /* 1e-150 * 1e160 */
    assert_true(parse_number(buf) == 1e10);
}

/* fuzz_quantity, UBSan: "(2*cm)**5.2**22" has the unit m^(5.2**22); the
 * unit formatter converted the exponent 5.65e15 to int (undefined
 * behaviour; INT_MIN on x86). The exponent must print as what it is. */
static void test_huge_unit_exponent(void **state)
{
    (void)state;
    mf_quantity q;
    mf_error err;
    assert_int_equal(mf_quantity_from_string("(2*cm)**5.2**22", &q, &err), MF_OK);
    double want = pow(5.2, 22);
    assert_true(fabs(q.dim[0] - want) <= 1e-12 * want);
    char unit[64];
    mf_quantity_unit_string(q.dim, unit, sizeof unit);
    if (strncmp(unit, "m^", 2) != 0)
        fail_msg("unit '%s' does not start with m^", unit);
    double printed = strtod(unit + 2, NULL);
    if (!(fabs(printed - want) <= 1e-5 * want))
        fail_msg("unit '%s' does not show the exponent %g", unit, want);
    char text[64];
    mf_quantity_to_string(q, text, sizeof text);
    assert_non_null(memchr(text, '\0', sizeof text));
}

/* fuzz_expr: "2**2**-x*2" then 108 '-' then "m---A" parsed (108 unary
 * minus), but its printed text "... - (-(-(...(-m)...)))" counted two
 * levels per minus and was refused as nested too deeply. A '(' followed
 * by '-' now counts one level, like "--". */
static void test_printed_negations_parse(void **state)
{
    (void)state;
    char buf[4096];
    strcpy(buf, "2**2**-x*2");
    size_t n = strlen(buf);
    memset(buf + n, '-', 108);
    strcpy(buf + n + 108, "m---A");
    assert_round_trip(buf);

    /* The deepest chain of unary minus that parses: its print parses. */
    for (int depth = 150; depth <= 400; depth++) {
        memset(buf, '-', (size_t)depth);
        strcpy(buf + depth, "x");
        mf_error err;
        mf_expr *e = mf_expr_parse(buf, "fuzz", 1, 1, &err);
        if (!e) {
            assert_true(depth > 150);
            memset(buf, '-', (size_t)depth - 1);
            strcpy(buf + depth - 1, "x");
            assert_round_trip(buf);
            break;
        }
        mf_expr_free(e);
    }

    /* "a - -b" prints as "a - (-b)": nested to the limit, still parses. */
    for (int levels = 1; levels < 200; levels++) {
        buf[0] = '\0';
        for (int i = 0; i < levels; i++)
            strcat(buf, "x - -(");
        strcat(buf, "x");
        for (int i = 0; i < levels; i++)
            strcat(buf, ")");
        mf_error err;
        mf_expr *e = mf_expr_parse(buf, "fuzz", 1, 1, &err);
        if (!e)
            break;
        mf_expr_free(e);
        assert_round_trip(buf);
    }
}

/* The depth limit still protects the stack when every '(' opens with '-'. */
static void test_negated_groups_still_limited(void **state)
{
    (void)state;
    enum { LEVELS = 1000 };
    char *buf = malloc(3 * LEVELS + 2);
    assert_non_null(buf);
    for (int i = 0; i < LEVELS; i++)
        memcpy(buf + 2 * i, "(-", 2);
    buf[2 * LEVELS] = 'x';
    memset(buf + 2 * LEVELS + 1, ')', LEVELS);
    buf[3 * LEVELS + 1] = '\0';
    assert_parse_error(buf, MF_ERR_PARSE, "nested too deeply");
    free(buf);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_number_too_large),
        cmocka_unit_test(test_long_number_literal),
        cmocka_unit_test(test_huge_unit_exponent),
        cmocka_unit_test(test_printed_negations_parse),
        cmocka_unit_test(test_negated_groups_still_limited),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

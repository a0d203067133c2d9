/* core/error.c: messages carry the place and never overflow. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include <string.h>

#include "error.h"

static void test_error_at_formats_place(void **state)
{
    (void)state;
    mf_error err;
    mf_status st = mf_error_at(&err, MF_ERR_UNITS, "hh.eqs", 3, 9, "dv/dt has unit %s", "V/s");
    assert_int_equal(st, MF_ERR_UNITS);
    assert_int_equal(err.line, 3);
    assert_int_equal(err.col, 9);
    assert_string_equal(err.message, "hh.eqs:3:9: error: dv/dt has unit V/s");
}

static void test_error_without_place(void **state)
{
    (void)state;
    mf_error err;
    mf_error_set(&err, MF_ERR_IO, "cannot open %s", "x.csv");
    assert_string_equal(err.message, "error: cannot open x.csv");
    assert_int_equal(err.line, 0);
}

static void test_error_null_is_allowed(void **state)
{
    (void)state;
    assert_int_equal(mf_error_set(NULL, MF_ERR_NOMEM, "x"), MF_ERR_NOMEM);
    mf_error_clear(NULL);
    mf_error_prefix(NULL, "ctx");
}

static void test_error_long_message_truncates(void **state)
{
    (void)state;
    static char big[5000];
    memset(big, 'x', sizeof big - 1);
    mf_error err;
    mf_error_at(&err, MF_ERR_PARSE, "model", 1, 1, "%s", big);
    assert_int_equal(strlen(err.message), MF_ERROR_MESSAGE_MAX - 1);
    mf_error_prefix(&err, "while checking");
    assert_int_equal(strncmp(err.message, "while checking: model:1:1", 25), 0);
}

/* The body of a message quoted inside another: the "error: " head goes,
 * a place stays. */
static void test_error_body(void **state)
{
    (void)state;
    mf_error err;
    mf_error_set(&err, MF_ERR_IO, "cannot open %s", "x.csv");
    assert_string_equal(mf_error_body(err.message), "cannot open x.csv");
    mf_error_at(&err, MF_ERR_UNITS, "hh.eqs", 3, 9, "bad unit");
    assert_string_equal(mf_error_body(err.message), "hh.eqs:3:9: error: bad unit");
    assert_string_equal(mf_error_body("plain note"), "plain note");
}

/* "out of memory allocating <what> (<size>)", the size readable. */
static void test_error_nomem_names_size(void **state)
{
    (void)state;
    mf_error err;
    assert_int_equal(mf_error_nomem(&err, "the history", 9999), MF_ERR_NOMEM);
    assert_int_equal(err.status, MF_ERR_NOMEM);
    assert_string_equal(err.message, "error: out of memory allocating the history (9.8 kB)");
    mf_error_nomem(&err, "x", 1000);
    assert_string_equal(err.message, "error: out of memory allocating x (1000 bytes)");
    mf_error_nomem(&err, "x", 2500000);
    assert_string_equal(err.message, "error: out of memory allocating x (2.4 MB)");
    mf_error_nomem(&err, "x", (size_t)3 << 40);
    assert_string_equal(err.message, "error: out of memory allocating x (3.0 TB)");
    mf_error_nomem(&err, NULL, 1);
    assert_string_equal(err.message, "error: out of memory allocating memory (1 byte)");
    assert_int_equal(mf_error_nomem(NULL, "x", 1), MF_ERR_NOMEM);
}

static void test_status_strings(void **state)
{
    (void)state;
    assert_string_equal(mf_status_string(MF_OK), "ok");
    assert_string_equal(mf_status_string(MF_ERR_UNITS), "unit error");
    assert_string_equal(mf_status_string((mf_status)999), "unknown status");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_error_at_formats_place),
        cmocka_unit_test(test_error_without_place),
        cmocka_unit_test(test_error_null_is_allowed),
        cmocka_unit_test(test_error_long_message_truncates),
        cmocka_unit_test(test_error_body),
        cmocka_unit_test(test_status_strings),
        cmocka_unit_test(test_error_nomem_names_size),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

/* core/model_info.c: the public view of a checked model (modelfit/model.h),
 * used through the public API only. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include <string.h>

#include "modelfit/modelfit.h"

/* Units written out by hand (m kg s A K mol cd). */
static const mf_quantity VOLT = {1, {2, 1, -3, -1, 0, 0, 0}};
static const mf_quantity AMP = {1, {0, 0, 0, 1, 0, 0, 0}};
static const mf_quantity MS = {1e-3, {0, 0, 1, 0, 0, 0, 0}};

static const char model[] = "# a leaky neuron with a gate\n"
                            "dv/dt = (El - v)/tau + I/C +\n"
                            "        g*(El - v)*m/C : volt (unless refractory)\n"
                            "dm/dt = (m_inf - m)/tau : 1\n"
                            "m_inf = 1/(1 + exp(-(v - El)/(5*mV))) : 1\n"
                            "g : siemens (constant)\n"
                            "C : farad\n";

static mf_model_info *make(const char *text, size_t len, mf_error *err, mf_status *st)
{
    const char *cnames[] = {"El", "tau"};
    mf_quantity cvals[] = {VOLT, MS};
    cvals[0].value = -0.07;
    const char *inames[] = {"I"};
    mf_quantity iunits[] = {AMP};
    mf_model_info *info = (mf_model_info *)1;
    *st = mf_model_info_new(&info, text, len, "leaky.eqs", 2, cnames, cvals, 1, inames, iunits,
                            err);
    return info;
}

static void test_entries(void **state)
{
    (void)state;
    mf_error err;
    mf_status st;
    mf_model_info *info = make(model, strlen(model), &err, &st);
    if (st)
        fail_msg("%s", err.message);
    assert_int_equal(mf_model_info_count(info), 6);
    static const struct {
        const char *name;
        mf_model_entry_kind kind;
        const char *unit;
        unsigned flags;
        int line;
    } want[] = {
        {"v", MF_MODEL_STATE, "V", MF_MODEL_FLAG_UNLESS_REFRACTORY, 2},
        {"m", MF_MODEL_STATE, "1", 0, 4},
        {"m_inf", MF_MODEL_SUBEXPRESSION, "1", 0, 5},
        {"g", MF_MODEL_PARAMETER, "S", MF_MODEL_FLAG_CONSTANT, 6},
        {"C", MF_MODEL_LANE_VARIABLE, "F", 0, 7},
        {"I", MF_MODEL_INPUT, "A", 0, 0},
    };
    for (int i = 0; i < 6; i++) {
        assert_string_equal(mf_model_info_name(info, i), want[i].name);
        assert_int_equal(mf_model_info_kind(info, i), want[i].kind);
        assert_string_equal(mf_model_info_unit(info, i), want[i].unit);
        assert_int_equal(mf_model_info_flags(info, i), want[i].flags);
        assert_int_equal(mf_model_info_line(info, i), want[i].line);
    }
    assert_string_equal(mf_model_info_expression(info, 0),
                        "(El - v)/tau + I/C + g*(El - v)*m/C");
    assert_string_equal(mf_model_info_expression(info, 2), "1/(1 + exp(-(v - El)/(5*mV)))");
    assert_null(mf_model_info_expression(info, 3));
    assert_null(mf_model_info_expression(info, 5));
    /* Out of range: NULL and 0, never a crash. */
    assert_null(mf_model_info_name(info, 6));
    assert_null(mf_model_info_name(info, -1));
    assert_null(mf_model_info_unit(info, 99));
    assert_int_equal(mf_model_info_flags(info, 6), 0);
    assert_int_equal(mf_model_info_count(NULL), 0);
    mf_model_info_free(info);
    mf_model_info_free(NULL);
}

static void test_kind_names(void **state)
{
    (void)state;
    assert_string_equal(mf_model_entry_kind_name(MF_MODEL_STATE), "state variable");
    assert_string_equal(mf_model_entry_kind_name(MF_MODEL_SUBEXPRESSION), "subexpression");
    assert_string_equal(mf_model_entry_kind_name(MF_MODEL_PARAMETER), "parameter");
    assert_string_equal(mf_model_entry_kind_name(MF_MODEL_LANE_VARIABLE), "per-lane variable");
    assert_string_equal(mf_model_entry_kind_name(MF_MODEL_INPUT), "input");
}

static void test_errors(void **state)
{
    (void)state;
    mf_error err;
    mf_status st;
    /* A unit error names the file, the place and both units. */
    static const char bad[] = "g : siemens (constant)\ndv/dt = g*(El - v) : volt\n";
    mf_model_info *info = make(bad, strlen(bad), &err, &st);
    assert_int_equal(st, MF_ERR_UNITS);
    assert_null(info);
    assert_string_equal(err.message, "leaky.eqs:2:9: error: dv/dt = g*(El - v) has unit V/s "
                                     "but the right-hand side has unit A");
    /* Without its constants the model fails on line 2, where El is used. */
    const char *none[] = {NULL};
    st = mf_model_info_new(&info, model, strlen(model), NULL, 0, NULL, NULL, 0, NULL, NULL,
                           &err);
    assert_int_not_equal(st, MF_OK);
    assert_null(info);
    assert_int_equal(strncmp(err.message, "model:2:", 8), 0);
    /* A NUL byte inside the given length. */
    static const char nul[] = "v : volt\0 w : amp\n";
    info = make(nul, sizeof nul - 1, &err, &st);
    assert_int_equal(st, MF_ERR_PARSE);
    assert_int_equal(err.line, 1);
    assert_int_equal(err.col, 9);
    /* Arrays missing for a count. */
    st = mf_model_info_new(&info, model, strlen(model), NULL, 1, none, NULL, 0, NULL, NULL,
                           &err);
    assert_int_equal(st, MF_ERR_INVALID);
    assert_int_equal(
        mf_model_info_new(NULL, model, 1, NULL, 0, NULL, NULL, 0, NULL, NULL, &err),
        MF_ERR_INVALID);
}

/* Only `length` bytes are read: the text need not end in NUL. */
static void test_length_bounds_the_text(void **state)
{
    (void)state;
    char buf[32];
    memset(buf, '@', sizeof buf);
    memcpy(buf, "v : volt\n", 9);
    mf_error err;
    mf_status st;
    mf_model_info *info = make(buf, 9, &err, &st);
    if (st)
        fail_msg("%s", err.message);
    assert_int_equal(mf_model_info_count(info), 2); /* v and the input I */
    mf_model_info_free(info);
    info = make(buf, 12, &err, &st);
    assert_int_equal(st, MF_ERR_PARSE);
    assert_int_equal(err.line, 2);
    assert_int_equal(err.col, 1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_entries),
        cmocka_unit_test(test_kind_names),
        cmocka_unit_test(test_errors),
        cmocka_unit_test(test_length_bounds_the_text),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

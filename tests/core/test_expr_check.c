/* core/expr_check.c, expr_simplify.c and expr_eval.c: name resolution
 * order, Brian's unit rules with messages naming both sides, constant
 * folding, simplification and Python semantics of evaluation.
 *
 * Expected dimensions are written as SI exponent vectors by hand (volt =
 * kg m^2 s^-3 A^-1 ...), not taken from the unit table. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "expr.h"

#define PI    3.14159265358979323846
#define EULER 2.71828182845904523536

static mf_dim dim7(double m, double kg, double s, double a)
{
    mf_dim d = {{m, kg, s, a, 0, 0, 0}};
    return d;
}

#define VOLT    dim7(2, 1, -3, -1)
#define AMP     dim7(0, 0, 0, 1)
#define SIEMENS dim7(-2, -1, 3, 2)
#define FARAD   dim7(-2, -1, 4, 2)
#define SECOND  dim7(0, 0, 1, 0)
#define NONE    dim7(0, 0, 0, 0)

/* The names of the HH model, as the equations layer would resolve them. */
typedef struct sym {
    const char *name;
    mf_sym_kind kind;
    mf_dim dim;
    double value;
    bool is_bool;
} sym;

static const sym *table(void)
{
    static sym t[16];
    int i = 0;
    t[i++] = (sym){"v", MF_SYM_STATE, VOLT, 0, false};
    t[i++] = (sym){"m", MF_SYM_STATE, NONE, 0, false};
    t[i++] = (sym){"gl", MF_SYM_PARAM, SIEMENS, 0, false};
    t[i++] = (sym){"Cm", MF_SYM_PARAM, FARAD, 0, false};
    t[i++] = (sym){"I", MF_SYM_INPUT, AMP, 0, false};
    t[i++] = (sym){"El", MF_SYM_CONST, VOLT, -0.065, false};
    t[i++] = (sym){"e", MF_SYM_PARAM, NONE, 0, false}; /* shadows Euler's e */
    t[i++] = (sym){"flag", MF_SYM_PARAM, NONE, 0, true};
    t[i++] = (sym){"t", MF_SYM_TIME, SECOND, 0, false};
    t[i++] = (sym){NULL, MF_SYM_UNRESOLVED, NONE, 0, false};
    return t;
}

static bool resolve(void *ctx, const char *name, mf_symbol *out)
{
    int *calls = ctx;
    if (calls)
        (*calls)++;
    const sym *t = table();
    for (int i = 0; t[i].name; i++) {
        if (strcmp(t[i].name, name) == 0) {
            out->kind = t[i].kind;
            out->index = i;
            out->dim = t[i].dim;
            out->value = t[i].value;
            out->is_bool = t[i].is_bool;
            return true;
        }
    }
    return false;
}

static mf_expr *parse_checked(const char *src)
{
    mf_error err;
    mf_expr *e = mf_expr_parse(src, "model", 1, 1, &err);
    if (!e)
        fail_msg("'%s' should parse: %s", src, err.message);
    if (mf_expr_check(e, resolve, NULL, "model", &err) != MF_OK)
        fail_msg("'%s' should check: %s", src, err.message);
    return e;
}

static void assert_dim(const char *src, mf_dim want, bool is_bool)
{
    mf_expr *e = parse_checked(src);
    if (!mf_dim_eq(e->dim, want)) {
        char got[64], exp[64];
        fail_msg("'%s' has unit %s, expected %s", src, mf_dim_format(e->dim, got, sizeof got),
                 mf_dim_format(want, exp, sizeof exp));
    }
    if (e->is_bool != is_bool)
        fail_msg("'%s': is_bool %d, expected %d", src, e->is_bool, is_bool);
    mf_expr_free(e);
}

static void test_unit_rules(void **state)
{
    (void)state;
    assert_dim("gl*(El - v)", AMP, false);
    assert_dim("(gl*(El - v) + I)/Cm", mf_dim_div(VOLT, SECOND), false);
    assert_dim("13.*mV - v", VOLT, false);
    assert_dim("mV**-1", dim7(-2, -1, 3, 1), false);
    assert_dim("(v/mV)**m", NONE, false); /* dimensionless base: any exponent */
    assert_dim("v**2", dim7(4, 2, -6, -2), false);
    assert_dim("v**(1 + 1)", dim7(4, 2, -6, -2), false); /* constant exponent */
    assert_dim("sqrt(20000*umetre**2)", dim7(1, 0, 0, 0), false);
    assert_dim("sqrt(v)", dim7(1, 0.5, -1.5, -0.5), false);
    assert_dim("abs(v) + floor(v) + ceil(v)", VOLT, false);
    assert_dim("sign(v)", NONE, false);
    assert_dim("clip(v, El, 0*mV)", VOLT, false);
    assert_dim("exp(v/mV) + log(m) + sin(m) + tanh(m) + arctan(m) + int(m)", NONE, false);
    assert_dim("v > El", NONE, true);
    assert_dim("v > El and not (m < 0.5) or flag", NONE, true);
    assert_dim("True", NONE, true);
    assert_dim("t < 5*ms", NONE, true);
    assert_dim("-I", AMP, false);
    assert_dim("v*(t > 5*ms)", VOLT, false); /* a condition counts as 1 or 0 */
}

static void assert_check_error(const char *src, mf_status st, int col, const char *msg)
{
    mf_error err;
    mf_expr *e = mf_expr_parse(src, "model", 1, 1, &err);
    if (!e)
        fail_msg("'%s' should parse: %s", src, err.message);
    mf_status got = mf_expr_check(e, resolve, NULL, "model", &err);
    mf_expr_free(e);
    char want[512];
    snprintf(want, sizeof want, "model:1:%d: error: %s", col, msg);
    if (got != st || err.status != st || err.col != col || strcmp(err.message, want) != 0)
        fail_msg("'%s':\n  got      %d %s\n  expected %d %s", src, got, err.message, st, want);
}

static void test_unit_errors_name_both_sides(void **state)
{
    (void)state;
    assert_check_error("gl*(El - v) + I/Cm", MF_ERR_UNITS, 1,
                       "cannot add 'gl*(El - v)' (unit A) and 'I/Cm' (unit V/s)");
    assert_check_error("v - I", MF_ERR_UNITS, 1,
                       "cannot subtract 'I' (unit A) from 'v' (unit V)");
    assert_check_error("m + 2*(v > 1*mV) + v", MF_ERR_UNITS, 1,
                       "cannot add 'm + 2*(v > 1*mV)' (unit 1) and 'v' (unit V)");
    assert_check_error("v < 5*ms", MF_ERR_UNITS, 1,
                       "cannot compare 'v' (unit V) with '5*ms' (unit s)");
    assert_check_error("1 + exp(v)", MF_ERR_UNITS, 9,
                       "exp() needs a dimensionless argument, but 'v' has unit V");
    assert_check_error("int(t)", MF_ERR_UNITS, 5,
                       "int() needs a dimensionless argument, but 't' has unit s");
    assert_check_error("v**m", MF_ERR_UNITS, 4,
                       "the exponent 'm' must be a constant because its base 'v' has unit V");
    assert_check_error("m**v", MF_ERR_UNITS, 4,
                       "the exponent 'v' of 'm**v' must be dimensionless, but has unit V");
    assert_check_error("clip(v, 0*mV, I)", MF_ERR_UNITS, 15,
                       "clip() needs its three arguments in the same unit, but 'v' has unit V "
                       "and 'I' has unit A");
    assert_check_error("v > El and m", MF_ERR_UNITS, 12,
                       "'and' needs a boolean (a comparison, True or False), but 'm' is a "
                       "number");
    assert_check_error("not v", MF_ERR_UNITS, 5,
                       "'not' needs a boolean (a comparison, True or False), but 'v' is a "
                       "value with unit V");
}

static void test_unknown_names(void **state)
{
    (void)state;
    assert_check_error("gl*(v - El) + gK", MF_ERR_NAME, 15, "unknown name 'gK'");
    assert_check_error("2*exp", MF_ERR_NAME, 3, "'exp' is a function; call it as exp(...)");
    assert_check_error("xi", MF_ERR_NAME, 1, "unknown name 'xi'");
}

static double no_lookup(void *ctx, const mf_expr *name)
{
    (void)ctx;
    (void)name;
    return NAN;
}

static void test_resolution_order(void **state)
{
    (void)state;
    mf_error err;
    int calls = 0;
    /* The resolver comes first: its 'e' shadows Euler's number. */
    mf_expr *e = mf_expr_parse("e + pi + inf", "model", 1, 1, &err);
    assert_int_equal(mf_expr_check(e, resolve, &calls, "model", &err), MF_OK);
    assert_int_equal(calls, 3);
    const mf_expr *name_e = e->arg[0]->arg[0];
    assert_int_equal(name_e->sym_kind, MF_SYM_PARAM);
    assert_int_equal(name_e->sym_index, 6);
    const mf_expr *name_pi = e->arg[0]->arg[1];
    assert_int_equal(name_pi->sym_kind, MF_SYM_CONST);
    assert_true(name_pi->sym_value == PI);
    assert_true(isinf(e->arg[1]->sym_value));
    mf_expr_free(e);

    /* Without a resolver: built-ins, then units with their SI scale. */
    e = mf_expr_parse("e*mV", "model", 1, 1, &err);
    assert_int_equal(mf_expr_check(e, NULL, NULL, "model", &err), MF_OK);
    assert_true(e->arg[0]->sym_value == EULER);
    assert_int_equal(e->arg[1]->sym_kind, MF_SYM_CONST);
    assert_true(e->arg[1]->sym_value == 1e-3);
    assert_true(mf_dim_eq(e->arg[1]->dim, VOLT));
    assert_true(mf_expr_is_const(e));
    assert_true(mf_expr_eval(e, no_lookup, NULL) == EULER * 1e-3);
    mf_expr_free(e);

    /* A resolver's constant (El) keeps its value; v is not constant. */
    e = parse_checked("El");
    assert_int_equal(e->sym_kind, MF_SYM_CONST);
    assert_true(e->sym_value == -0.065);
    assert_true(mf_expr_is_const(e));
    mf_expr_free(e);
    e = parse_checked("v + El");
    assert_false(mf_expr_is_const(e));
    mf_expr_free(e);
}

/* --- folding and simplification --------------------------------------------- */

static void test_fold_constants(void **state)
{
    (void)state;
    mf_expr *e = mf_expr_fold(parse_checked("13.*mV - v + El"));
    /* (13*mV - v) + El: the constants become numbers that keep their units. */
    assert_int_equal(e->kind, MF_EX_ADD);
    const mf_expr *c = e->arg[0]->arg[0];
    assert_int_equal(c->kind, MF_EX_NUM);
    assert_true(c->num == 13.0 * 1e-3);
    assert_true(mf_dim_eq(c->dim, VOLT));
    assert_int_equal(e->arg[0]->arg[1]->kind, MF_EX_NAME); /* v stays */
    assert_int_equal(e->arg[1]->kind, MF_EX_NUM);
    assert_true(e->arg[1]->num == -0.065);
    assert_true(mf_dim_eq(e->dim, VOLT));
    /* A folded tree checks again: its numbers keep their units. */
    mf_error err;
    assert_int_equal(mf_expr_check(e, resolve, NULL, "model", &err), MF_OK);
    assert_true(mf_dim_eq(e->dim, VOLT));
    mf_expr_free(e);

    e = mf_expr_fold(parse_checked("2*pi*sqrt(4)/ms*m"));
    assert_int_equal(e->arg[0]->kind, MF_EX_NUM);
    assert_true(e->arg[0]->num == 2 * PI * 2 / 1e-3);
    assert_true(mf_dim_eq(e->arg[0]->dim, dim7(0, 0, -1, 0)));
    mf_expr_free(e);

    e = mf_expr_fold(parse_checked("-65*mV > -70*mV"));
    assert_int_equal(e->kind, MF_EX_NUM);
    assert_true(e->is_bool);
    assert_true(e->num == 1.0);
    mf_expr_free(e);

    /* log(-1) is NaN: left as written rather than folded to "nan". */
    e = mf_expr_fold(parse_checked("log(-1)"));
    assert_int_equal(e->kind, MF_EX_CALL);
    mf_expr_free(e);
}

static void assert_simplifies(const char *src, const char *want)
{
    mf_error err;
    mf_expr *e = mf_expr_simplify(mf_expr_parse(src, "model", 1, 1, &err));
    mf_expr *w = mf_expr_parse(want, "model", 1, 1, &err);
    if (!mf_expr_equal(e, w)) {
        char *s = mf_expr_to_string(e);
        fail_msg("'%s' simplified to '%s', expected '%s'", src, s, want);
    }
    mf_expr_free(e);
    mf_expr_free(w);
}

static void test_simplify(void **state)
{
    (void)state;
    assert_simplifies("0 + x", "x");
    assert_simplifies("x + 0", "x");
    assert_simplifies("x - 0", "x");
    assert_simplifies("0 - x", "-x");
    assert_simplifies("1*x*1", "x");
    assert_simplifies("0*x + y*0", "0");
    assert_simplifies("x/1", "x");
    assert_simplifies("0/x", "0");
    assert_simplifies("(a + b) - (a + b)", "0");
    assert_simplifies("x**1", "x");
    assert_simplifies("x**0", "1");
    assert_simplifies("-(-x)", "x");
    assert_simplifies("2*3 + x*(4 - 4)", "6");
    assert_simplifies("a + -b", "a - b");
    assert_simplifies("a - -b", "a + b");
    assert_simplifies("a*(-b) - c", "-(a*b) - c");
    assert_simplifies("(-a)*(-b)", "a*b");
    assert_simplifies("x*(1/y)", "x/y");
    assert_simplifies("x/x", "1");
    assert_simplifies("0/0", "0/0"); /* NaN stays NaN, not 1 or 0 */
    assert_simplifies("(x - x)/(y - y)", "0/0");
}

static void test_simplify_keeps_units(void **state)
{
    (void)state;
    /* A folded 1000*mV is the number 1 with unit V: not a neutral factor. */
    mf_expr *e = mf_expr_simplify(mf_expr_fold(parse_checked("1000*mV*m")));
    assert_int_equal(e->kind, MF_EX_MUL);
    assert_true(mf_dim_eq(e->dim, VOLT));
    mf_expr_free(e);
    /* 0*v keeps the product's unit. */
    e = mf_expr_simplify(parse_checked("0*v"));
    assert_int_equal(e->kind, MF_EX_NUM);
    assert_true(mf_dim_eq(e->dim, VOLT));
    mf_expr_free(e);
}

/* --- evaluation ----------------------------------------------------------- */

static double lookup_xy(void *ctx, const mf_expr *name)
{
    const double *xy = ctx;
    return strcmp(name->name, "x") == 0 ? xy[0] : xy[1];
}

static double eval_text(const char *src, double x, double y)
{
    mf_error err;
    mf_expr *e = mf_expr_parse(src, "model", 1, 1, &err);
    if (!e)
        fail_msg("'%s' should parse: %s", src, err.message);
    double xy[2] = {x, y};
    double v = mf_expr_eval(e, lookup_xy, xy);
    mf_expr_free(e);
    return v;
}

static void test_eval_python_semantics(void **state)
{
    (void)state;
    assert_true(eval_text("int(x)", -2.7, 0) == -2.0); /* truncation, not floor */
    assert_true(eval_text("floor(x)", -2.7, 0) == -3.0);
    assert_true(eval_text("ceil(x)", -2.7, 0) == -2.0);
    assert_true(eval_text("sign(x)", 0.0, 0) == 0.0);
    assert_true(eval_text("sign(x)", -3.0, 0) == -1.0);
    assert_true(eval_text("clip(x, 0, y)", 5.0, 3.0) == 3.0);
    assert_true(eval_text("clip(x, 0, y)", -5.0, 3.0) == 0.0);
    assert_true(eval_text("2**-x", 1.0, 0) == 0.5);
    assert_true(eval_text("-x**2", 3.0, 0) == -9.0);
    assert_true(eval_text("2**3**2", 0, 0) == 512.0);
    assert_true(eval_text("x/y", 1.0, 0.0) == INFINITY);
    assert_true(eval_text("x < y < 3", 1.0, 2.0) == 1.0);
    assert_true(eval_text("x < y < 3", 1.0, 4.0) == 0.0);
    assert_true(eval_text("not x > 0 or y == 2", 1.0, 2.0) == 1.0);
    assert_true(eval_text("x > 0 and y != 2", 1.0, 2.0) == 0.0);
    assert_true(eval_text("abs(x) + sqrt(y)", -1.5, 16.0) == 5.5);
    assert_true(eval_text("log10(x) + log(y)", 1000.0, 1.0) == 3.0);
    assert_true(eval_text("True + True", 0, 0) == 2.0);
    assert_true(isnan(mf_expr_eval(NULL, NULL, NULL)));
}

static void test_check_null(void **state)
{
    (void)state;
    mf_error err;
    assert_int_equal(mf_expr_check(NULL, NULL, NULL, "model", &err), MF_ERR_INVALID);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_unit_rules),
        cmocka_unit_test(test_unit_errors_name_both_sides),
        cmocka_unit_test(test_unknown_names),
        cmocka_unit_test(test_resolution_order),
        cmocka_unit_test(test_fold_constants),
        cmocka_unit_test(test_simplify),
        cmocka_unit_test(test_simplify_keeps_units),
        cmocka_unit_test(test_eval_python_semantics),
        cmocka_unit_test(test_check_null),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

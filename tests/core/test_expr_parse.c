/* core/expr_parse.c and expr_print.c: Python precedence and associativity,
 * node positions in the user's file, every syntax error with its place, and
 * printing that parses back to the same tree.
 *
 * Structure is checked with a fully parenthesised dump written here, not
 * with the library's printer, so the two are tested against each other. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "expr.h"

/* --- a dump independent of expr_print.c ---------------------------------- */

static const char *kind_text(mf_expr_kind k)
{
    switch (k) {
    case MF_EX_NEG: return "neg";
    case MF_EX_NOT: return "not";
    case MF_EX_ADD: return "+";
    case MF_EX_SUB: return "-";
    case MF_EX_MUL: return "*";
    case MF_EX_DIV: return "/";
    case MF_EX_POW: return "**";
    case MF_EX_LT: return "<";
    case MF_EX_LE: return "<=";
    case MF_EX_GT: return ">";
    case MF_EX_GE: return ">=";
    case MF_EX_EQ: return "==";
    case MF_EX_NE: return "!=";
    case MF_EX_AND: return "and";
    case MF_EX_OR: return "or";
    default: return "?";
    }
}

static void dump(const mf_expr *e, char *buf, size_t n)
{
    size_t len = strlen(buf);
    char *out = buf + len;
    size_t room = n - len;
    switch (e->kind) {
    case MF_EX_NUM:
        if (e->is_bool)
            snprintf(out, room, "%s", e->num != 0 ? "True" : "False");
        else
            snprintf(out, room, "%g", e->num);
        return;
    case MF_EX_NAME: snprintf(out, room, "%s", e->name); return;
    case MF_EX_CALL: snprintf(out, room, "(%s", mf_func_name(e->fn)); break;
    default: snprintf(out, room, "(%s", kind_text(e->kind)); break;
    }
    for (int i = 0; i < e->nargs; i++) {
        strncat(buf, " ", n - strlen(buf) - 1);
        dump(e->arg[i], buf, n);
    }
    strncat(buf, ")", n - strlen(buf) - 1);
}

static void assert_tree(const char *src, const char *want)
{
    mf_error err;
    mf_expr *e = mf_expr_parse(src, "model", 1, 1, &err);
    if (!e)
        fail_msg("'%s' should parse: %s", src, err.message);
    char got[512] = "";
    dump(e, got, sizeof got);
    mf_expr_free(e);
    if (strcmp(got, want) != 0)
        fail_msg("'%s' parsed as %s, expected %s", src, got, want);
}

static void test_precedence(void **state)
{
    (void)state;
    assert_tree("a + b*c", "(+ a (* b c))");
    assert_tree("a*b + c", "(+ (* a b) c)");
    assert_tree("(a + b)*c", "(* (+ a b) c)");
    assert_tree("-x**2", "(neg (** x 2))");
    assert_tree("-a*b", "(* (neg a) b)");
    assert_tree("a*-b", "(* a (neg b))");
    assert_tree("2**-x", "(** 2 (neg x))");
    assert_tree("mV**-1", "(** mV (neg 1))");
    assert_tree("a + b < c*d", "(< (+ a b) (* c d))");
    assert_tree("not a < b", "(not (< a b))");
    assert_tree("not a and b", "(and (not a) b)");
    assert_tree("a or b and c", "(or a (and b c))");
    assert_tree("a and b or c", "(or (and a b) c)");
    assert_tree("not not a", "(not (not a))");
    assert_tree("a < b == c", "(and (< a b) (== b c))");
    assert_tree("+x", "x");
    assert_tree("--x", "(neg (neg x))");
    assert_tree("- + - x", "(neg (neg x))");
    assert_tree("True and not False", "(and True (not False))");
    assert_tree("clip(x, 0, exp(y))", "(clip x 0 (exp y))");
    assert_tree("exp(-(v - VT)/DeltaT)", "(exp (/ (neg (- v VT)) DeltaT))");
}

static void test_associativity(void **state)
{
    (void)state;
    assert_tree("a - b - c", "(- (- a b) c)");
    assert_tree("a/b/c", "(/ (/ a b) c)");
    assert_tree("a/b*c", "(* (/ a b) c)");
    assert_tree("a - b + c", "(+ (- a b) c)");
    assert_tree("2**3**2", "(** 2 (** 3 2))");
    assert_tree("(2**3)**2", "(** (** 2 3) 2)");
    assert_tree("a**-b**c", "(** a (neg (** b c)))");
    assert_tree("a or b or c", "(or (or a b) c)");
    /* Comparisons chain as in Python: both comparisons, joined by and. */
    assert_tree("a < b <= c", "(and (< a b) (<= b c))");
    assert_tree("a < b < c < d", "(and (and (< a b) (< b c)) (< c d))");
}

static void assert_number(const char *src, double want)
{
    mf_error err;
    mf_expr *e = mf_expr_parse(src, "model", 1, 1, &err);
    if (!e)
        fail_msg("'%s' should parse: %s", src, err.message);
    assert_int_equal(e->kind, MF_EX_NUM);
    if (e->num != want)
        fail_msg("'%s' read as %.17g, expected %.17g", src, e->num, want);
    mf_expr_free(e);
}

static void test_numbers(void **state)
{
    (void)state;
    assert_number("1", 1.0);
    assert_number("1.", 1.0);
    assert_number(".5", 0.5);
    assert_number("1e-3", 1e-3);
    assert_number("2.5E+4", 2.5e4);
    assert_number("0.32", 0.32);
    assert_number("6.02214076e23", 6.02214076e23);
    assert_number("1.e2", 100.0);
    assert_number("007", 7.0);
}

static void test_newlines_are_whitespace(void **state)
{
    (void)state;
    /* The dm/dt line of the HH tutorial continues over three lines. */
    assert_tree("0.32*(13.*mV-v)/\n    (exp(v)-1.)/ms*(1-m)-0.28*m",
                "(- (* (/ (/ (* 0.32 (- (* 13 mV) v)) (- (exp v) 1)) ms) (- 1 m)) (* 0.28 m))");
    assert_tree("a +  # a comment\n b", "(+ a b)");
}

/* --- positions ------------------------------------------------------------- */

static void assert_pos(const mf_expr *e, int line, int col)
{
    if (e->line != line || e->col != col)
        fail_msg("node at %d:%d, expected %d:%d", e->line, e->col, line, col);
}

static void test_positions(void **state)
{
    (void)state;
    mf_error err;
    /* src[0] is at 3:14 of the model file. */
    const char *src = "gl*(El - v)\n  + exp(x)/Cm";
    mf_expr *e = mf_expr_parse(src, "model", 3, 14, &err);
    assert_non_null(e);
    assert_int_equal(e->kind, MF_EX_ADD);
    assert_pos(e, 3, 14); /* the sum starts at gl */
    const mf_expr *mul = e->arg[0];
    assert_pos(mul->arg[0], 3, 14);         /* gl */
    assert_pos(mul->arg[1], 3, 17);         /* the group starts at its '(' */
    assert_pos(mul->arg[1]->arg[0], 3, 18); /* El */
    assert_pos(mul->arg[1]->arg[1], 3, 23); /* v */
    const mf_expr *div = e->arg[1];
    assert_pos(div, 4, 5);                 /* exp(x)/Cm starts at exp */
    assert_pos(div->arg[0], 4, 5);         /* the call */
    assert_pos(div->arg[0]->arg[0], 4, 9); /* x */
    assert_pos(div->arg[1], 4, 12);        /* Cm */
    mf_expr_free(e);

    e = mf_expr_parse("-x", "model", 1, 1, &err);
    assert_pos(e, 1, 1);
    assert_pos(e->arg[0], 1, 2);
    mf_expr_free(e);
}

/* --- syntax errors ----------------------------------------------------------- */

static void assert_error(const char *src, mf_status st, int line, int col, const char *msg)
{
    mf_error err;
    memset(&err, 0, sizeof err);
    mf_expr *e = mf_expr_parse(src, "model", 3, 5, &err);
    if (e) {
        mf_expr_free(e);
        fail_msg("'%s' should not parse", src);
    }
    if (err.status != st || err.line != line || err.col != col)
        fail_msg("'%s': status %d at %d:%d, expected %d at %d:%d (%s)", src, err.status,
                 err.line, err.col, st, line, col, err.message);
    char want[512];
    snprintf(want, sizeof want, "model:%d:%d: error: %s", line, col, msg);
    if (msg && strcmp(err.message, want) != 0)
        fail_msg("'%s':\n  got      %s\n  expected %s", src, err.message, want);
}

static void test_syntax_errors(void **state)
{
    (void)state;
    /* Sources start at 3:5 of the model file. */
    assert_error("a + $", MF_ERR_PARSE, 3, 9, "unexpected character '$'");
    assert_error("(a + b", MF_ERR_PARSE, 3, 11, "expected ')' to close '(' at 3:5");
    assert_error("(a\n + b\n", MF_ERR_PARSE, 5, 1, "expected ')' to close '(' at 3:5");
    assert_error("exp(a b)", MF_ERR_PARSE, 3, 11, "expected ')' to close '(' at 3:8");
    assert_error("5*", MF_ERR_PARSE, 3, 7, "expected an expression, found end of input");
    assert_error("", MF_ERR_PARSE, 3, 5, "expected an expression, found end of input");
    assert_error("a + )", MF_ERR_PARSE, 3, 9, "expected an expression, found ')'");
    assert_error("()", MF_ERR_PARSE, 3, 6, "expected an expression, found ')'");
    assert_error("a * and", MF_ERR_PARSE, 3, 9, "expected an expression, found 'and'");
    assert_error("mV mV", MF_ERR_PARSE, 3, 8,
                 "unexpected name 'mV' after a complete expression (missing operator?)");
    assert_error("a)", MF_ERR_PARSE, 3, 6, "unmatched ')'");
    assert_error("2mV", MF_ERR_PARSE, 3, 5,
                 "invalid number '2mV' (a number and a name need '*' between them, e.g. "
                 "2*mV)");
    assert_error("1e", MF_ERR_PARSE, 3, 5, "invalid number '1e'");
    assert_error("x + 1.2.3", MF_ERR_PARSE, 3, 9, "invalid number '1.2.3'");
    assert_error("exp(1, 2)", MF_ERR_PARSE, 3, 5, "exp() takes 1 argument (2 given)");
    assert_error("clip(x)", MF_ERR_PARSE, 3, 5, "clip() takes 3 arguments (1 given)");
    assert_error("exp()", MF_ERR_PARSE, 3, 5, "exp() takes 1 argument (0 given)");
    assert_error("1 + foo(x)", MF_ERR_NAME, 3, 9, "unknown function 'foo'");
    assert_error("a = b", MF_ERR_PARSE, 3, 7,
                 "unexpected '=' in an expression; compare with '=='");
    assert_error("x ^ 2", MF_ERR_PARSE, 3, 7, "unexpected '^'; powers are written '**'");
    assert_error("a // b", MF_ERR_PARSE, 3, 7,
                 "floor division '//' is not supported; use floor(a/b)");
    assert_error("a % b", MF_ERR_PARSE, 3, 7, "the modulo operator '%' is not supported");
    assert_error("a && b", MF_ERR_PARSE, 3, 7, "unexpected '&'; use 'and' / 'or'");
    assert_error("!a", MF_ERR_PARSE, 3, 5, "unexpected '!'; negate with 'not'");
    assert_error("a\n  + b\n  + $", MF_ERR_PARSE, 5, 5, "unexpected character '$'");
    assert_error("x.y", MF_ERR_PARSE, 3, 6, "unexpected character '.'");
    assert_error("a\x01", MF_ERR_PARSE, 3, 6, "unexpected byte 0x01");
}

static void test_nesting_limit(void **state)
{
    (void)state;
    char deep[1300];
    memset(deep, '(', 600);
    deep[600] = 'x';
    memset(deep + 601, ')', 600);
    deep[1201] = '\0';
    mf_error err;
    assert_null(mf_expr_parse(deep, "model", 1, 1, &err));
    assert_int_equal(err.status, MF_ERR_PARSE);
    assert_non_null(strstr(err.message, "nested too deeply"));
    /* A reasonable depth is fine. */
    deep[0] = '\0';
    for (int i = 0; i < 50; i++)
        strcat(deep, "(");
    strcat(deep, "x");
    for (int i = 0; i < 50; i++)
        strcat(deep, ")");
    mf_expr *e = mf_expr_parse(deep, "model", 1, 1, &err);
    assert_non_null(e);
    mf_expr_free(e);
}

static void test_error_null_ok(void **state)
{
    (void)state;
    assert_null(mf_expr_parse("(", "model", 1, 1, NULL));
}

/* --- printing ----------------------------------------------------------------- */

static void assert_prints(const char *src, const char *want)
{
    mf_error err;
    mf_expr *e = mf_expr_parse(src, "model", 1, 1, &err);
    if (!e)
        fail_msg("'%s' should parse: %s", src, err.message);
    char *s = mf_expr_to_string(e);
    assert_non_null(s);
    if (strcmp(s, want) != 0)
        fail_msg("'%s' printed as '%s', expected '%s'", src, s, want);
    /* The text reads back as the same tree. */
    mf_expr *back = mf_expr_parse(s, "model", 1, 1, &err);
    if (!back || !mf_expr_equal(e, back))
        fail_msg("'%s' printed as '%s', which does not parse back to the same tree", src, s);
    free(s);
    mf_expr_free(e);
    mf_expr_free(back);
}

static void test_print_brian_style(void **state)
{
    (void)state;
    assert_prints("(gl*(El-v)+I)/Cm", "(gl*(El - v) + I)/Cm");
    assert_prints("a - (b - c)", "a - (b - c)");
    assert_prints("a - (b + c)", "a - (b + c)");
    assert_prints("(a - b) - c", "a - b - c");
    assert_prints("a/(b*c)", "a/(b*c)");
    assert_prints("(a/b)*c", "a/b*c");
    assert_prints("-x**2", "-x**2");
    assert_prints("(-x)**2", "(-x)**2");
    assert_prints("2**3**2", "2**3**2");
    assert_prints("(2**3)**2", "(2**3)**2");
    assert_prints("mV**-1", "mV**-1");
    assert_prints("-(a*b)", "-(a*b)");
    assert_prints("--x", "-(-x)");
    assert_prints("a*(-b)", "a*(-b)");
    assert_prints("(a < b) == c", "(a < b) == c");
    assert_prints("not (a and b)", "not (a and b)");
    assert_prints("(a or b) and c", "(a or b) and c");
    assert_prints("clip(v,El,0)", "clip(v, El, 0)");
    assert_prints("True or False", "True or False");
    assert_prints("13.*mV", "13*mV");
    assert_prints("0.1 + 1e-20 + 2.5E+4 + 0.32", "0.1 + 1e-20 + 25000 + 0.32");
    assert_prints("1/3", "1/3");
    assert_prints("1e300*10", "1e+300*10");
}

static void test_print_round_trip_numbers(void **state)
{
    (void)state;
    /* Shortest text that reads back exactly. */
    const double values[] = {0.1,           1.0 / 3.0,     2.0 / 3.0,
                             1e-300,        123456789.125, 0.013000000000000001,
                             6.02214076e23, 5e-324};
    for (size_t i = 0; i < sizeof values / sizeof values[0]; i++) {
        mf_expr *e = mf_expr_num(values[i]);
        char *s = mf_expr_to_string(e);
        mf_error err;
        mf_expr *back = mf_expr_parse(s, "model", 1, 1, &err);
        assert_non_null(back);
        if (back->num != values[i])
            fail_msg("%.17g printed as '%s' reads back as %.17g", values[i], s, back->num);
        free(s);
        mf_expr_free(e);
        mf_expr_free(back);
    }
}

static void test_clone_equal_uses(void **state)
{
    (void)state;
    mf_error err;
    mf_expr *e = mf_expr_parse("gl*(El - v) + exp(v/mV)", "model", 1, 1, &err);
    mf_expr *c = mf_expr_clone(e);
    assert_true(mf_expr_equal(e, c));
    assert_true(mf_expr_uses(e, "v"));
    assert_true(mf_expr_uses(e, "El"));
    assert_false(mf_expr_uses(e, "m"));
    assert_non_null(mf_expr_find_name(e, "mV"));
    assert_null(mf_expr_find_name(e, "Cm"));
    c->arg[1]->arg[0]->arg[1]->name[0] = 'u'; /* mV -> uV */
    assert_false(mf_expr_equal(e, c));
    mf_expr_free(e);
    mf_expr_free(c);
    mf_expr_free(NULL);
}

static void count_name(void *ctx, const mf_expr *name)
{
    (void)name;
    (*(int *)ctx)++;
}

static void test_visit_names(void **state)
{
    (void)state;
    mf_error err;
    mf_expr *e = mf_expr_parse("a*b + clip(c, a, 1) - 2", "model", 1, 1, &err);
    int n = 0;
    mf_expr_visit_names(e, count_name, &n);
    assert_int_equal(n, 4);
    mf_expr_free(e);
}

static void test_function_table(void **state)
{
    (void)state;
    static const char *const names[] = {
        "exp",    "log",    "log10",  "sqrt", "sin",  "cos",   "tan",  "sinh", "cosh", "tanh",
        "arcsin", "arccos", "arctan", "abs",  "sign", "floor", "ceil", "clip", "int"};
    assert_int_equal(sizeof names / sizeof names[0], MF_FN_COUNT);
    for (int i = 0; i < MF_FN_COUNT; i++) {
        mf_func fn;
        int nargs;
        assert_true(mf_func_lookup(names[i], &fn, &nargs));
        assert_string_equal(mf_func_name(fn), names[i]);
        assert_int_equal(nargs, strcmp(names[i], "clip") == 0 ? 3 : 1);
    }
    assert_false(mf_func_lookup("foo", NULL, NULL));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_precedence),
        cmocka_unit_test(test_associativity),
        cmocka_unit_test(test_numbers),
        cmocka_unit_test(test_newlines_are_whitespace),
        cmocka_unit_test(test_positions),
        cmocka_unit_test(test_syntax_errors),
        cmocka_unit_test(test_nesting_limit),
        cmocka_unit_test(test_error_null_ok),
        cmocka_unit_test(test_print_brian_style),
        cmocka_unit_test(test_print_round_trip_numbers),
        cmocka_unit_test(test_clone_equal_uses),
        cmocka_unit_test(test_visit_names),
        cmocka_unit_test(test_function_table),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

/* core/expr_linear.c: Brian's conditionally linear split f = A*x + B, used
 * by exponential Euler. The HH tutorial and EIF models are read from the
 * shared models folder; every split is verified numerically: A*x + B equals
 * f at random points, A does not involve x, and (where B is free of x) A
 * equals the symbolic derivative df/dx. */
#include "expr_test.h"

/* --- names of the two models ------------------------------------------------ */

static mf_dim dim7(double m, double kg, double s, double a)
{
    mf_dim d = {{m, kg, s, a, 0, 0, 0}};
    return d;
}

#define VOLT    dim7(2, 1, -3, -1)
#define SIEMENS dim7(-2, -1, 3, 2)
#define FARAD   dim7(-2, -1, 4, 2)
#define AMP     dim7(0, 0, 0, 1)
#define NONE    dim7(0, 0, 0, 0)

typedef struct var {
    const char *name;
    mf_sym_kind kind;
    mf_dim dim;
    double lo, hi; /* random range; lo == hi for constants */
} var;

/* HH tutorial (constants from the model file's header), EIF, and x, y. */
static const var *vars(void)
{
    static var t[32];
    int i = 0;
    t[i++] = (var){"v", MF_SYM_STATE, VOLT, -90e-3, 40e-3};
    t[i++] = (var){"m", MF_SYM_STATE, NONE, 0, 1};
    t[i++] = (var){"n", MF_SYM_STATE, NONE, 0, 1};
    t[i++] = (var){"h", MF_SYM_STATE, NONE, 0, 1};
    t[i++] = (var){"g_na", MF_SYM_PARAM, SIEMENS, 2e-6, 2e-4};
    t[i++] = (var){"g_kd", MF_SYM_PARAM, SIEMENS, 6e-7, 6e-5};
    t[i++] = (var){"gl", MF_SYM_PARAM, SIEMENS, 1e-9, 1e-7};
    t[i++] = (var){"Cm", MF_SYM_PARAM, FARAD, 20e-12, 400e-12};
    t[i++] = (var){"I", MF_SYM_INPUT, AMP, -1e-9, 1e-9};
    t[i++] = (var){"El", MF_SYM_CONST, VOLT, -65e-3, -65e-3};
    t[i++] = (var){"EK", MF_SYM_CONST, VOLT, -90e-3, -90e-3};
    t[i++] = (var){"ENa", MF_SYM_CONST, VOLT, 50e-3, 50e-3};
    t[i++] = (var){"gL", MF_SYM_PARAM, SIEMENS, 10e-9, 100e-9};
    t[i++] = (var){"C", MF_SYM_PARAM, FARAD, 0.1e-9, 10e-9};
    t[i++] = (var){"EL", MF_SYM_PARAM, VOLT, -100e-3, -50e-3};
    t[i++] = (var){"DeltaT", MF_SYM_CONST, VOLT, 2e-3, 2e-3};
    t[i++] = (var){"x", MF_SYM_STATE, NONE, -2, 2};
    t[i++] = (var){"y", MF_SYM_PARAM, NONE, 0.5, 2};
    t[i++] = (var){NULL, MF_SYM_UNRESOLVED, NONE, 0, 0};
    return t;
}

/* VT differs between the models: -63 mV (HH tutorial), -50 mV (EIF). */
static double vt_value = -63e-3;

static bool resolve(void *ctx, const char *name, mf_symbol *out)
{
    (void)ctx;
    const var *t = vars();
    for (int i = 0; t[i].name; i++) {
        if (strcmp(t[i].name, name) == 0) {
            out->kind = t[i].kind;
            out->index = i;
            out->dim = t[i].dim;
            out->value = t[i].lo;
            return true;
        }
    }
    return et_resolve_vt(name, vt_value, out);
}

static void random_point(uint64_t *seed, double *vals)
{
    const var *t = vars();
    for (int i = 0; t[i].name; i++)
        vals[i] = et_uniform(seed, t[i].lo, t[i].hi);
}

static int var_index(const char *name)
{
    const var *t = vars();
    for (int i = 0; t[i].name; i++)
        if (strcmp(t[i].name, name) == 0)
            return i;
    return -1;
}

/* --- reading dX/dt lines from a model file ------------------------------------ */

typedef struct diffeq {
    char name[32];
    char expr[1024];
    int line, col; /* where the expression starts in the file */
} diffeq;

/* A minimal reader for the differential equations of the shared model
 * files: '#' comments, continuation lines start with whitespace, and each
 * definition is "dX/dt = expr : unit". The real parser is equations.c. */
static int read_diffeqs(const char *path, diffeq *out, int max)
{
    FILE *f = fopen(path, "r");
    if (!f)
        return -1;
    int n = 0, lineno = 0;
    char line[1024];
    diffeq *cur = NULL;
    while (fgets(line, sizeof line, f)) {
        lineno++;
        line[strcspn(line, "#\n")] = '\0'; /* drop comment and newline */
        if (line[0] == ' ' || line[0] == '\t') {
            if (cur) { /* continuation: keep the newline so positions hold */
                size_t used = strlen(cur->expr);
                snprintf(cur->expr + used, sizeof cur->expr - used, "\n%s", line);
            }
            continue;
        }
        cur = NULL;
        char *slash = strstr(line, "/dt");
        char *eq = strchr(line, '=');
        if (line[0] != 'd' || !slash || !eq || n == max)
            continue;
        cur = &out[n++];
        snprintf(cur->name, sizeof cur->name, "%.*s", (int)(slash - line - 1), line + 1);
        char *start = eq + 1;
        while (*start == ' ')
            start++;
        cur->line = lineno;
        cur->col = (int)(start - line) + 1;
        snprintf(cur->expr, sizeof cur->expr, "%s", start);
    }
    fclose(f);
    for (int i = 0; i < n; i++) { /* cut at the unit: the last ':' */
        char *colon = strrchr(out[i].expr, ':');
        if (colon)
            *colon = '\0';
    }
    return n;
}

static mf_expr *parse_checked(const char *src, const char *source, int line, int col)
{
    mf_error err;
    mf_expr *e = mf_expr_parse(src, source, line, col, &err);
    if (!e || mf_expr_check(e, resolve, NULL, source, &err) != MF_OK)
        fail_msg("%s", err.message);
    return e;
}

/* Splits e in x and verifies the result at random points. */
static void verify_split(const mf_expr *e, const char *x, bool b_free_of_x)
{
    mf_error err;
    mf_expr *A = NULL, *B = NULL;
    if (mf_expr_split_linear(e, x, &A, &B, &err) != MF_OK)
        fail_msg("split in %s: %s", x, err.message);
    char *ta = mf_expr_to_string(A), *tb = mf_expr_to_string(B);
    const mf_expr *xnode = mf_expr_find_name(e, x);
    mf_dim xdim = xnode ? xnode->dim : NONE;
    if (mf_expr_uses(A, x))
        fail_msg("A = %s uses %s", ta, x);
    if (b_free_of_x && mf_expr_uses(B, x))
        fail_msg("B = %s uses %s", tb, x);
    if (!mf_dim_eq(A->dim, mf_dim_div(e->dim, xdim)) || !mf_dim_eq(B->dim, e->dim))
        fail_msg("wrong units: A = %s, B = %s", ta, tb);
    mf_expr *d = mf_expr_diff(e, x, &err);
    assert_non_null(d);
    int xi = var_index(x);
    uint64_t seed = 0x2545f4914f6cdd1dull;
    for (int k = 0; k < 50; k++) {
        double vals[32];
        random_point(&seed, vals);
        double f = mf_expr_eval(e, et_lookup, vals);
        double a = mf_expr_eval(A, et_lookup, vals);
        double b = mf_expr_eval(B, et_lookup, vals);
        double xv = vals[xi];
        double tol = 1e-12 * (fabs(f) + fabs(a * xv) + fabs(b));
        if (!(fabs(a * xv + b - f) <= tol))
            fail_msg("%s: A*%s + B = %.17g but f = %.17g\n  A = %s\n  B = %s", x, x, a * xv + b,
                     f, ta, tb);
        /* A is the same for another value of x. */
        vals[xi] = xv + 0.37 * (vars()[xi].hi - vars()[xi].lo);
        if (mf_expr_eval(A, et_lookup, vals) != a)
            fail_msg("A = %s changes with %s", ta, x);
        vals[xi] = xv;
        if (b_free_of_x) { /* then A is the partial derivative */
            double dv = mf_expr_eval(d, et_lookup, vals);
            if (!(fabs(dv - a) <= 1e-9 * fabs(a)))
                fail_msg("A = %.17g but df/d%s = %.17g", a, x, dv);
        }
    }
    free(ta);
    free(tb);
    mf_expr_free(A);
    mf_expr_free(B);
    mf_expr_free(d);
}

static void test_hh_tutorial_splits(void **state)
{
    (void)state;
#ifndef MF_SHARED_DIR
    skip();
#else
    char path[1024];
    snprintf(path, sizeof path, "%s/models/hh_tutorial.eqs", MF_SHARED_DIR);
    diffeq eqs[8];
    int n = read_diffeqs(path, eqs, 8);
    if (n < 0)
        skip();
    assert_int_equal(n, 4);
    vt_value = -63e-3;
    const char *names[] = {"v", "m", "n", "h"};
    for (int i = 0; i < 4; i++) {
        assert_string_equal(eqs[i].name, names[i]);
        mf_expr *e = parse_checked(eqs[i].expr, "hh_tutorial.eqs", eqs[i].line, eqs[i].col);
        if (i == 1) { /* positions point into the file, across its lines */
            assert_int_equal(e->line, 10);
            assert_int_equal(e->col, 9);
            const mf_expr *group = e->arg[0]->arg[0]->arg[0]->arg[1]; /* (exp(...) - 1.) */
            assert_int_equal(group->line, 11);
            assert_int_equal(group->col, 5);
        }
        verify_split(e, eqs[i].name, true);
        mf_expr_free(e);
    }
#endif
}

static void test_eif_exponential_term_goes_to_b(void **state)
{
    (void)state;
#ifndef MF_SHARED_DIR
    skip();
#else
    char path[1024];
    snprintf(path, sizeof path, "%s/models/eif.eqs", MF_SHARED_DIR);
    diffeq eqs[4];
    int n = read_diffeqs(path, eqs, 4);
    if (n < 0)
        skip();
    assert_int_equal(n, 1);
    vt_value = -50e-3;
    mf_expr *e = parse_checked(eqs[0].expr, "eif.eqs", eqs[0].line, eqs[0].col);
    verify_split(e, "v", false);
    mf_error err;
    mf_expr *A, *B;
    assert_int_equal(mf_expr_split_linear(e, "v", &A, &B, &err), MF_OK);
    assert_true(mf_expr_uses(B, "v")); /* inside exp() */
    mf_expr *want = parse_checked("-gL/C", "test", 1, 1);
    uint64_t seed = 7;
    for (int k = 0; k < 20; k++) {
        double vals[32];
        random_point(&seed, vals);
        double a = mf_expr_eval(A, et_lookup, vals), w = mf_expr_eval(want, et_lookup, vals);
        assert_true(fabs(a - w) <= 1e-14 * fabs(w));
    }
    mf_expr_free(want);
    mf_expr_free(A);
    mf_expr_free(B);
    mf_expr_free(e);
    vt_value = -63e-3;
#endif
}

static void test_linear_cases(void **state)
{
    (void)state;
    static const char *const ok_free[] = {
        "3*x + y",
        "x",
        "-x",
        "y",
        "x/y + x*y - 1",
        "(x + 1)**2 - x**2",
        "x*x/x",
        "-(x - y)/(2*y)",
        "(x*y + 1)*(y - 2)",
    };
    for (size_t i = 0; i < sizeof ok_free / sizeof ok_free[0]; i++) {
        mf_expr *e = parse_checked(ok_free[i], "test", 1, 1);
        verify_split(e, "x", true);
        mf_expr_free(e);
    }
    /* x inside functions, comparisons or an exponent with a free base: B. */
    static const char *const ok_opaque[] = {
        "2**x + 3*x",    "exp(x)*y + x",      "abs(x) + x",
        "(x > 0)*y + x", "x*(exp(y) + 1)**2", "y/(1 + exp(-x)) - x",
    };
    for (size_t i = 0; i < sizeof ok_opaque / sizeof ok_opaque[0]; i++) {
        mf_expr *e = parse_checked(ok_opaque[i], "test", 1, 1);
        verify_split(e, "x", false);
        mf_expr_free(e);
    }
}

/* A denominator (or a negative or fractional power) that is a sum in x is
 * one opaque factor for sympy: Brian's collect files the term under x**0,
 * so it goes to B, next to a linear term whose rate is given by hand. */
static void test_sum_denominator_goes_to_b(void **state)
{
    (void)state;
    static const char *const cases[][2] = {
        {"-x/y + 1/(x + 3)", "-1/y"},   {"-x/y + y/(y + x + 2)", "-1/y"},
        {"x + y/(x*x + 1)", "1"},       {"(2*y - 1)/(x*x + 1) - 3*x", "-3"},
        {"x*y - y/(x + 3)**2", "y"},    {"x + sqrt(x*x + 1)", "1"},
        {"x/y - (x + 3)**-0.5", "1/y"}, {"x + (x + 3)**y", "1"},
        {"-x + 1/(x*(x + 3))", "-1"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        mf_expr *e = parse_checked(cases[i][0], "test", 1, 1);
        mf_expr *want = parse_checked(cases[i][1], "test", 1, 1);
        verify_split(e, "x", false);
        mf_error err;
        mf_expr *A, *B;
        assert_int_equal(mf_expr_split_linear(e, "x", &A, &B, &err), MF_OK);
        assert_true(mf_expr_uses(B, "x"));
        uint64_t seed = 11;
        for (int k = 0; k < 20; k++) {
            double vals[32];
            random_point(&seed, vals);
            double a = mf_expr_eval(A, et_lookup, vals),
                   w = mf_expr_eval(want, et_lookup, vals);
            if (!(fabs(a - w) <= 1e-14 * fabs(w)))
                fail_msg("'%s': A = %.17g, expected %.17g", cases[i][0], a, w);
        }
        mf_expr_free(A);
        mf_expr_free(B);
        mf_expr_free(want);
        mf_expr_free(e);
    }
}

static void assert_not_linear(const char *src, const char *x, const char *why)
{
    mf_expr *e = parse_checked(src, "test", 1, 1);
    mf_error err;
    mf_expr *A = (mf_expr *)1, *B = (mf_expr *)1;
    mf_status st = mf_expr_split_linear(e, x, &A, &B, &err);
    mf_expr_free(e);
    char want[256];
    snprintf(want, sizeof want, "error: the expression is not linear in %s (%s)", x, why);
    if (st != MF_ERR_INVALID || strcmp(err.message, want) != 0)
        fail_msg("'%s': %d %s\n  expected %s", src, st, err.message, want);
    assert_null(A);
    assert_null(B);
}

static void test_nonlinear_refused(void **state)
{
    (void)state;
    assert_not_linear("v**2/mV", "v", "it appears as v**2");
    assert_not_linear("x*x + y", "x", "it appears as x**2");
    assert_not_linear("(x + y)**3", "x", "it appears as x**3");
    assert_not_linear("x**-1", "x", "it appears as x**-1");
    assert_not_linear("x - y/(2*x)", "x", "it appears as x**-1");
    assert_not_linear("x - 1/(x*x*y)", "x", "it appears as x**-2");
    assert_not_linear("x*exp(x)", "x", "its coefficient 'exp(x)' depends on x");
    /* x over a sum in x: the opaque factor lands in A (Brian accepts it). */
    assert_not_linear("x/(x + 1)", "x", "its coefficient '1/(x + 1)' depends on x");
    assert_not_linear("sqrt(x)", "x", "it appears inside sqrt()");
    assert_not_linear("x + sqrt(2*x)", "x", "it appears inside sqrt()");
    assert_not_linear("x**y", "x", "it is raised to a non-integer or variable power");
    assert_not_linear("x**0.5", "x", "it is raised to a non-integer or variable power");
    assert_not_linear("x**x", "x", "it appears in an exponent");
    assert_not_linear("x**20", "x", "it is raised to the power 20");
    assert_not_linear("x + (x + 1)**20", "x", "it is raised to the power 20");
    assert_not_linear("x**-20", "x", "it is raised to the power -20");
    /* As Brian: x only inside opaque factors, with no linear term (sympy's
     * collect has no key x), is refused. */
    static const char *const no_linear[] = {"exp(x)*y + 1", "1/(x + 1)", "y/(y + x) - 2",
                                            "sqrt(x*x + 1)"};
    for (size_t i = 0; i < sizeof no_linear / sizeof no_linear[0]; i++)
        assert_not_linear(no_linear[i], "x",
                          "it appears only inside functions or denominators, with no linear "
                          "term");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_hh_tutorial_splits),
        cmocka_unit_test(test_eif_exponential_term_goes_to_b),
        cmocka_unit_test(test_linear_cases),
        cmocka_unit_test(test_sum_denominator_goes_to_b),
        cmocka_unit_test(test_nonlinear_refused),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

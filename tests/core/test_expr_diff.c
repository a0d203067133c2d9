/* core/expr_diff.c: every symbolic derivative is compared with a central
 * finite difference of the original expression at random points (a fixed
 * seed, so a failure reproduces), with relative tolerance 1e-6. */
#include "expr_test.h"

enum { X, Y, V, M, NVARS };
static const char *const var_names[NVARS] = {"x", "y", "v", "m"};

static bool resolve(void *ctx, const char *name, mf_symbol *out)
{
    (void)ctx;
    for (int i = 0; i < NVARS; i++) {
        if (strcmp(name, var_names[i]) == 0) {
            out->kind = MF_SYM_STATE;
            out->index = i;
            out->dim = i == V ? et_volt() : mf_dim_none();
            return true;
        }
    }
    return et_resolve_vt(name, -63e-3, out); /* the HH tutorial's threshold */
}

typedef struct dcase {
    const char *src;
    int var;       /* differentiate by this variable */
    double lo, hi; /* where the variable is drawn */
    double scale;  /* its typical size: sets the finite-difference step */
} dcase;

static void check_case(const dcase *c, uint64_t *seed)
{
    mf_error err;
    mf_expr *e = mf_expr_parse(c->src, "model", 1, 1, &err);
    if (!e || mf_expr_check(e, resolve, NULL, "model", &err) != MF_OK)
        fail_msg("'%s': %s", c->src, err.message);
    mf_expr *d = mf_expr_diff(e, var_names[c->var], &err);
    if (!d)
        fail_msg("'%s': %s", c->src, err.message);
    char *text = mf_expr_to_string(d);
    /* The derivative's unit is the expression's over the variable's. */
    mf_dim vdim = c->var == V ? et_volt() : mf_dim_none();
    if (!mf_dim_eq(d->dim, mf_dim_div(e->dim, vdim)))
        fail_msg("d(%s)/d%s = %s has the wrong unit", c->src, var_names[c->var], text);
    for (int k = 0; k < 8; k++) {
        double vals[NVARS] = {et_uniform(seed, -1.5, 1.5), et_uniform(seed, 0.5, 2.0),
                              et_uniform(seed, -90e-3, 40e-3), et_uniform(seed, 0.0, 1.0)};
        vals[c->var] = et_uniform(seed, c->lo, c->hi);
        double x0 = vals[c->var];
        double h = 1e-5 * c->scale;
        double sym = mf_expr_eval(d, et_lookup, vals);
        double f0 = mf_expr_eval(e, et_lookup, vals);
        vals[c->var] = x0 + h;
        double fp = mf_expr_eval(e, et_lookup, vals);
        vals[c->var] = x0 - h;
        double fm = mf_expr_eval(e, et_lookup, vals);
        double fd = (fp - fm) / (2 * h);
        /* Relative to the derivative, or to f/scale when the derivative is
         * near 0 (the natural size of a derivative there). */
        double tol = 1e-6 * fmax(fabs(sym), 1e-3 * fabs(f0) / c->scale) + 1e-12;
        if (!(fabs(sym - fd) <= tol))
            fail_msg("d(%s)/d%s = %s\n  at %s = %.17g: symbolic %.12g, finite difference "
                     "%.12g",
                     c->src, var_names[c->var], text, var_names[c->var], x0, sym, fd);
    }
    free(text);
    mf_expr_free(d);
    mf_expr_free(e);
}

static void test_derivatives_match_finite_differences(void **state)
{
    (void)state;
    static const dcase cases[] = {
        {"x**3 - 2*x + 7", X, -2, 2, 1},
        {"x**y", X, 0.2, 2, 1},           /* constant exponent (in x) */
        {"(x*x + 0.5)**y", Y, 0.5, 2, 1}, /* variable exponent */
        {"x**x", X, 0.3, 2, 1},           /* both */
        {"2**x", X, -2, 2, 1},
        {"x**-2 + x**0.5", X, 0.2, 2, 1},
        {"sqrt(x**2 + y)", X, -2, 2, 1},
        {"sin(x)*cos(2*x) + tan(x/2)", X, -1.5, 1.5, 1},
        {"exp(-x**2/y)", X, -2, 2, 1},
        {"log(x*y) + log10(x)", X, 0.1, 3, 1},
        {"sinh(x) + cosh(x*y) + tanh(3*x)", X, -1.5, 1.5, 1},
        {"arcsin(x/2) + arccos(x/3) + arctan(x*y)", X, -1.5, 1.5, 1},
        {"abs(x - 0.3)*y", X, -1.5, 1.5, 1},
        {"clip(x, -0.5, 0.5)*x", X, -1.5, 1.5, 1},
        {"clip(y, x, x + 1)", X, -1.5, 1.5, 1}, /* bounds depend on x */
        {"x/(1 + x**2)", X, -2, 2, 1},
        {"(x + y)/(x - 3*y)", Y, 0.5, 2, 1},
        {"sign(x)*x**2 + floor(3*x) + ceil(x)*x + int(2*x)*x", X, -1.5, 1.5, 1},
        {"x*(x > 0.2) + (y < 1)*x**2", X, -1.5, 1.5, 1},
        {"-x**2 + --x", X, -2, 2, 1},
        /* The HH tutorial's rate functions (per second) and membrane equation. */
        {"0.32*(mV**-1)*(13.*mV-v+VT)/(exp((13.*mV-v+VT)/(4.*mV))-1.)/ms", V, -90e-3, 40e-3,
         1e-3},
        {"0.28*(mV**-1)*(v-VT-40.*mV)/(exp((v-VT-40.*mV)/(5.*mV))-1.)/ms", V, -90e-3, 40e-3,
         1e-3},
        {"0.032*(mV**-1)*(15.*mV-v+VT)/(exp((15.*mV-v+VT)/(5.*mV))-1.)/ms", V, -90e-3, 40e-3,
         1e-3},
        {".5*exp((10.*mV-v+VT)/(40.*mV))/ms", V, -90e-3, 40e-3, 1e-3},
        {"0.128*exp((17.*mV-v+VT)/(18.*mV))/ms*(1.-m) - 4./(1+exp((40.*mV-v+VT)/(5.*mV)))/ms*m",
         V, -90e-3, 40e-3, 1e-3},
        {"0.128*exp((17.*mV-v+VT)/(18.*mV))/ms*(1.-m) - 4./(1+exp((40.*mV-v+VT)/(5.*mV)))/ms*m",
         M, 0, 1, 1},
        {"(2*nS*(-65*mV - v) - 20*uS*m**3*(v - 50*mV) + 0.1*nA)/(200*pF)", V, -90e-3, 40e-3,
         1e-3},
        {"(2*nS*(-65*mV - v) - 20*uS*m**3*(v - 50*mV) + 0.1*nA)/(200*pF)", M, 0, 1, 1},
        {"v**2/mV + sqrt(v*v)", V, 1e-3, 40e-3, 1e-3},
    };
    uint64_t seed = 0x9e3779b97f4a7c15ull;
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++)
        check_case(&cases[i], &seed);
}

static void assert_derivative_text(const char *src, const char *var, const char *want)
{
    mf_error err;
    mf_expr *e = mf_expr_parse(src, "model", 1, 1, &err);
    mf_expr *d = mf_expr_diff(e, var, &err);
    mf_expr *w = mf_expr_parse(want, "model", 1, 1, &err);
    if (!mf_expr_equal(d, w)) {
        char *s = mf_expr_to_string(d);
        fail_msg("d(%s)/d%s = %s, expected %s", src, var, s, want);
    }
    mf_expr_free(e);
    mf_expr_free(d);
    mf_expr_free(w);
}

static void test_derivatives_are_simplified(void **state)
{
    (void)state;
    assert_derivative_text("a*x + b", "x", "a");
    assert_derivative_text("x**2", "x", "2*x");
    assert_derivative_text("exp(x)", "x", "exp(x)");
    assert_derivative_text("y*z", "x", "0");
    assert_derivative_text("(gl*(El - v) + I)/Cm", "v", "-(gl/Cm)");
    assert_derivative_text("floor(x)", "x", "0");
    assert_derivative_text("x < 1", "x", "0");
}

static void test_derivative_of_absent_variable_keeps_unit(void **state)
{
    (void)state;
    mf_error err;
    mf_expr *e = mf_expr_parse("v*2", "model", 1, 1, &err);
    assert_int_equal(mf_expr_check(e, resolve, NULL, "model", &err), MF_OK);
    mf_expr *d = mf_expr_diff(e, "m", &err);
    assert_int_equal(d->kind, MF_EX_NUM);
    assert_true(d->num == 0.0);
    mf_expr_free(d);
    mf_expr_free(e);
    assert_null(mf_expr_diff(NULL, "x", &err));
    assert_int_equal(err.status, MF_ERR_INVALID);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_derivatives_match_finite_differences),
        cmocka_unit_test(test_derivatives_are_simplified),
        cmocka_unit_test(test_derivative_of_absent_variable_keeps_unit),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

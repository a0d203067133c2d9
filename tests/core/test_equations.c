/* core/equations.c and equations_check.c: Brian's equation syntax, names,
 * units, flags, subexpression order, every error with its place, hostile
 * input, and the models in ../shared/models. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include <dirent.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "equations.h"

/* Dimensions written out by hand (m kg s A K mol cd), independent of the
 * unit table. */
static const mf_dim DIM_VOLT = {{2, 1, -3, -1, 0, 0, 0}};
static const mf_dim DIM_AMP = {{0, 0, 0, 1, 0, 0, 0}};
static const mf_dim DIM_SIEMENS = {{-2, -1, 3, 2, 0, 0, 0}};
static const mf_dim DIM_FARAD = {{-2, -1, 4, 2, 0, 0, 0}};
static const mf_dim DIM_SECOND = {{0, 0, 1, 0, 0, 0, 0}};
static const mf_dim DIM_NONE = {{0, 0, 0, 0, 0, 0, 0}};

static void assert_dim(mf_dim got, mf_dim want)
{
    for (int k = 0; k < MF_NDIM; k++)
        assert_true(fabs(got.e[k] - want.e[k]) < 1e-12);
}

static mf_equations *parse_ok(const char *text)
{
    mf_equations *eqs = NULL;
    mf_error err;
    mf_status st = mf_equations_parse(text, "model", &eqs, &err);
    if (st)
        fail_msg("unexpected error: %s", err.message);
    assert_non_null(eqs);
    return eqs;
}

static mf_equations *check_ok(const char *text, const mf_namespace *ns)
{
    mf_equations *eqs = parse_ok(text);
    mf_error err;
    if (mf_equations_check(eqs, ns, &err))
        fail_msg("unexpected error: %s", err.message);
    assert_true(eqs->checked);
    return eqs;
}

/* Parses and checks; expects an error with this status, place and text. */
static void expect_error(const char *text, const mf_namespace *ns, mf_status status, int line,
                         int col, const char *needle)
{
    mf_equations *eqs = NULL;
    mf_error err;
    mf_status st = mf_equations_parse(text, "model", &eqs, &err);
    if (!st) {
        st = mf_equations_check(eqs, ns, &err);
        mf_equations_free(eqs);
    } else {
        assert_null(eqs);
    }
    if (st == MF_OK)
        fail_msg("no error for:\n%s", text);
    char place[64];
    snprintf(place, sizeof place, "model:%d:%d: error: ", line, col);
    if (st != status || strncmp(err.message, place, strlen(place)) != 0 ||
        !strstr(err.message, needle))
        fail_msg("for:\n%s\nwant status %d, '%s...%s'\ngot status %d, '%s'", text, status,
                 place, needle, st, err.message);
    assert_int_equal(err.line, line);
    assert_int_equal(err.col, col);
}

/* One model that must fail, with the status, place and part of the message. */
typedef struct error_case {
    const char *text;
    mf_status status;
    int line, col;
    const char *needle;
} error_case;

static void expect_errors(const error_case *cases, size_t n)
{
    for (size_t i = 0; i < n; i++)
        expect_error(cases[i].text, NULL, cases[i].status, cases[i].line, cases[i].col,
                     cases[i].needle);
}

#define EXPECT_ERRORS(cases) expect_errors(cases, sizeof cases / sizeof cases[0])

/* --------------------------------------------------------------------- */

static void test_each_kind(void **state)
{
    (void)state;
    mf_equations *eqs = parse_ok("dv/dt = (E - v)/tau : volt (unless refractory)\n"
                                 "I_leak = g*(v - E) : amp\n"
                                 "g : siemens (constant)\n"
                                 "  C   :   farad\n"
                                 "tau : second (constant)\n"
                                 "E : volt (constant)\n");
    assert_int_equal(eqs->n, 6);
    assert_string_equal(eqs->source, "model");
    const mf_equation *v = &eqs->eq[0], *il = &eqs->eq[1], *g = &eqs->eq[2], *c = &eqs->eq[3];
    assert_int_equal(v->kind, MF_EQ_DIFF);
    assert_string_equal(v->name, "v");
    assert_non_null(v->expr);
    assert_string_equal(v->expr_text, "(E - v)/tau");
    assert_int_equal(v->expr_line, 1);
    assert_int_equal(v->expr_col, 9);
    assert_int_equal(v->flags, MF_EQFLAG_UNLESS_REFRACTORY);
    assert_string_equal(v->unit_text, "volt");
    assert_dim(v->dim, DIM_VOLT);
    assert_int_equal(v->line, 1);
    assert_int_equal(v->col, 1);

    assert_int_equal(il->kind, MF_EQ_SUBEXPR);
    assert_string_equal(il->name, "I_leak");
    assert_string_equal(il->expr_text, "g*(v - E)");
    assert_dim(il->dim, DIM_AMP);
    assert_int_equal(il->flags, 0);

    assert_int_equal(g->kind, MF_EQ_PARAM);
    assert_null(g->expr);
    assert_null(g->expr_text);
    assert_int_equal(g->flags, MF_EQFLAG_CONSTANT);
    assert_dim(g->dim, DIM_SIEMENS);

    assert_int_equal(c->kind, MF_EQ_PARAM);
    assert_int_equal(c->flags, 0); /* a per-lane variable */
    assert_dim(c->dim, DIM_FARAD);
    assert_int_equal(c->line, 4);
    assert_int_equal(c->col, 3);

    assert_int_equal(mf_equations_index(eqs, "tau"), 4);
    assert_int_equal(mf_equations_index(eqs, "nope"), -1);
    assert_ptr_equal(mf_equations_find(eqs, "E"), &eqs->eq[5]);
    assert_null(mf_equations_find(eqs, "nope"));
    mf_equations_free(eqs);
    mf_equations_free(NULL);
}

static void test_units_after_colon(void **state)
{
    (void)state;
    mf_equations *eqs = parse_ok("a : siemens/meter**2\n"
                                 "b : 1\n"
                                 "c : amp/metre**2\n"
                                 "d : metre**2\n"
                                 "e1 : 1/second\n"
                                 "f : kilogram*metre**2/second**3/amp\n"
                                 "h : second**-1\n");
    assert_int_equal(eqs->n, 7);
    assert_dim(eqs->eq[0].dim, (mf_dim){{-4, -1, 3, 2, 0, 0, 0}});
    assert_dim(eqs->eq[1].dim, DIM_NONE);
    assert_dim(eqs->eq[2].dim, (mf_dim){{-2, 0, 0, 1, 0, 0, 0}});
    assert_dim(eqs->eq[3].dim, (mf_dim){{2, 0, 0, 0, 0, 0, 0}});
    assert_dim(eqs->eq[4].dim, (mf_dim){{0, 0, -1, 0, 0, 0, 0}});
    assert_dim(eqs->eq[5].dim, DIM_VOLT); /* volt spelled in base units */
    assert_dim(eqs->eq[6].dim, (mf_dim){{0, 0, -1, 0, 0, 0, 0}});
    assert_string_equal(eqs->eq[0].unit_text, "siemens/meter**2");
    mf_equations_free(eqs);
}

/* The HH tutorial's layout: expressions continue on lines that start no
 * definition, and the unit closes the definition. */
static void test_continuation_lines(void **state)
{
    (void)state;
    mf_equations *eqs = parse_ok("dm/dt = 0.32*(mV**-1)*(13.*mV-v)/\n"
                                 "    (exp((13.*mV-v)/(4.*mV))-1.)/ms*(1-m)\n"
                                 "    - 0.1/ms*m : 1\n"
                                 "x =\n"
                                 "  2*v\n"
                                 "  : volt\n"
                                 "v : volt\n");
    assert_int_equal(eqs->n, 3);
    assert_string_equal(eqs->eq[0].expr_text, "0.32*(mV**-1)*(13.*mV-v)/ "
                                              "(exp((13.*mV-v)/(4.*mV))-1.)/ms*(1-m) - "
                                              "0.1/ms*m");
    assert_string_equal(eqs->eq[0].text, "dm/dt = 0.32*(mV**-1)*(13.*mV-v)/");
    assert_string_equal(eqs->eq[1].expr_text, "2*v");
    assert_int_equal(eqs->eq[1].expr_line, 5);
    assert_int_equal(eqs->eq[1].expr_col, 3);
    assert_int_equal(eqs->eq[2].line, 7);
    mf_error err;
    assert_int_equal(mf_equations_check(eqs, NULL, &err), MF_OK);
    mf_equations_free(eqs);
    /* After an operator, an open parenthesis or a bare '=', the next line
     * continues the expression even when it looks like a definition. */
    eqs = parse_ok("x = a +\n"
                   "    b : 1\n"
                   "y =\n"
                   "    a : 1\n"
                   "z = (a\n"
                   "     ) + not_a and\n"
                   "  b : 1\n"
                   "a : 1\n"
                   "b : 1\n");
    assert_int_equal(eqs->n, 5);
    assert_string_equal(eqs->eq[0].expr_text, "a + b");
    assert_string_equal(eqs->eq[1].expr_text, "a");
    assert_string_equal(eqs->eq[2].expr_text, "(a ) + not_a and b");
    assert_string_equal(eqs->eq[3].name, "a");
    mf_equations_free(eqs);
    /* Errors inside continuation lines point into those lines. */
    expect_error("x = 1 +\n   2 * * 3 : 1\n", NULL, MF_ERR_PARSE, 2, 8, "");
    expect_error("x = 1 +\n   2 * y : 1\n", NULL, MF_ERR_NAME, 2, 8, "unknown name 'y'");
}

static void test_comments(void **state)
{
    (void)state;
    mf_equations *eqs = parse_ok("# a leaky neuron\n"
                                 "dv/dt = (E - v)/tau  # the leak\n"
                                 "   + 0*volt/second   # ': nonsense' inside a comment\n"
                                 "   : volt            # unit\n"
                                 "   # an indented comment line\n"
                                 "tau : second (constant)  # (shared) in a comment\n"
                                 "E : volt # no flags = here\n"
                                 "#\n");
    assert_int_equal(eqs->n, 3);
    assert_string_equal(eqs->eq[0].expr_text, "(E - v)/tau + 0*volt/second");
    assert_int_equal(eqs->eq[1].flags, MF_EQFLAG_CONSTANT);
    assert_int_equal(eqs->eq[2].flags, 0);
    assert_string_equal(eqs->eq[2].unit_text, "volt");
    mf_error err;
    assert_int_equal(mf_equations_check(eqs, NULL, &err), MF_OK);
    mf_equations_free(eqs);
}

static void test_flags(void **state)
{
    (void)state;
    mf_equations *eqs = parse_ok("dv/dt = -v/tau : volt ( unless   refractory )\n"
                                 "tau : second ( constant )\n"
                                 "w : amp\n"
                                 "dx/dt = -x/tau : 1 (unless refractory)\n"
                                 "y = 2*x : 1\n");
    assert_int_equal(eqs->eq[0].flags, MF_EQFLAG_UNLESS_REFRACTORY);
    assert_int_equal(eqs->eq[1].flags, MF_EQFLAG_CONSTANT);
    assert_int_equal(eqs->eq[2].flags, 0);
    assert_int_equal(eqs->eq[3].flags, MF_EQFLAG_UNLESS_REFRACTORY);
    assert_int_equal(eqs->eq[4].flags, 0);
    assert_string_equal(eqs->eq[3].unit_text, "1");
    mf_equations_free(eqs);
}

/* A parenthesised unit is the unit, not the flags: Brian writes
 * `g : siemens/(metre**2) (constant)`; the flags are the group after the
 * complete unit and a blank. */
static void test_parenthesised_units(void **state)
{
    (void)state;
    const mf_dim per_area = {{-4, -1, 3, 2, 0, 0, 0}};
    mf_equations *eqs = parse_ok("g : siemens/(metre**2) (constant)\n"
                                 "h : siemens/(metre**2)\n");
    assert_int_equal(eqs->eq[0].flags, MF_EQFLAG_CONSTANT);
    assert_dim(eqs->eq[0].dim, per_area);
    assert_string_equal(eqs->eq[0].unit_text, "siemens/(metre**2)");
    assert_int_equal(eqs->eq[1].flags, 0);
    assert_dim(eqs->eq[1].dim, per_area);
    assert_string_equal(eqs->eq[1].unit_text, "siemens/(metre**2)");
    mf_equations_free(eqs);
    eqs = parse_ok("k : siemens / (metre*metre) (constant)\n"
                   "a : (siemens)\n"
                   "b : (metre**2)**-1*siemens (constant)\n"
                   "dv/dt = -v/tau : volt/(second/second) (unless refractory)\n"
                   "tau : second\n");
    assert_int_equal(eqs->eq[0].flags, MF_EQFLAG_CONSTANT);
    assert_dim(eqs->eq[0].dim, per_area);
    assert_int_equal(eqs->eq[1].flags, 0);
    assert_dim(eqs->eq[1].dim, DIM_SIEMENS);
    assert_int_equal(eqs->eq[2].flags, MF_EQFLAG_CONSTANT);
    assert_dim(eqs->eq[2].dim, per_area);
    assert_int_equal(eqs->eq[3].flags, MF_EQFLAG_UNLESS_REFRACTORY);
    assert_dim(eqs->eq[3].dim, DIM_VOLT);
    mf_equations_free(eqs);
    /* The flags after a parenthesised unit are still checked. */
    expect_error("g : siemens/(metre**2) (constnt)\n", NULL, MF_ERR_PARSE, 1, 25,
                 "unknown flag 'constnt'");
    expect_error("g : siemens/(metre**2) (constant\n", NULL, MF_ERR_PARSE, 1, 33,
                 "missing ')'");
    expect_error("g : siemens/(metre**2) (constant) x\n", NULL, MF_ERR_PARSE, 1, 35,
                 "after the flags");
    /* A group glued to the unit is inside the unit, and refused there. */
    expect_error("g : siemens/(metre**2)(constant)\n", NULL, MF_ERR_PARSE, 1, 23, "");
    expect_error("g : siemens/(metre**2\n", NULL, MF_ERR_PARSE, 1, 22, "");
}

static void test_crlf_and_tabs(void **state)
{
    (void)state;
    mf_equations *eqs = parse_ok("dv/dt\t=\t-v/tau : volt\r\n\ttau : second (constant)\r\n");
    assert_int_equal(eqs->n, 2);
    assert_string_equal(eqs->eq[0].unit_text, "volt");
    assert_int_equal(eqs->eq[1].col, 2);
    mf_equations_free(eqs);
}

/* --------------------------------------------------------------------- */
/* Errors, each with its place                                            */

static void test_syntax_errors(void **state)
{
    (void)state;
    static const error_case cases[] = {
        {"dv/dt = -v/tau\ntau : second\n", MF_ERR_PARSE, 1, 15,
         "expected ': unit' after the expression of v"},
        {"tau : second\ndv/dt = -v/tau   \n", MF_ERR_PARSE, 2, 15, "expected ': unit'"},
        {"dv/dt = : volt\n", MF_ERR_PARSE, 1, 7, "missing expression"},
        {"v :  # no unit\n", MF_ERR_PARSE, 1, 3, "missing unit after ':'"},
        {"dv/dt -v/tau : volt\n", MF_ERR_PARSE, 1, 3, "dv/dt = expression"},
        {"v : volt\n  @@ x\n", MF_ERR_PARSE, 2, 3, "expected a definition"},
        {"  + 1\nv : volt\n", MF_ERR_PARSE, 1, 3, "expected a definition"},
        {"v volt\n", MF_ERR_PARSE, 1, 3, "expected '=' or ':' after 'v'"},
        {"v == 1 : volt\n", MF_ERR_PARSE, 1, 3, "expected '=' or ':'"},
        {"x = (1 + 2 : 1\n", MF_ERR_PARSE, 1, 12, ""},
        {"x = 1 + 2) : 1\n", MF_ERR_PARSE, 1, 10, ""},
        {"x = 1 + : 1\n", MF_ERR_PARSE, 1, 9, ""},
        {"v : volt : amp\n", MF_ERR_PARSE, 1, 10, ""},
    };
    EXPECT_ERRORS(cases);
}

static void test_unit_errors(void **state)
{
    (void)state;
    /* The message of the issue: both units, the equation as written. */
    static const error_case cases[] = {
        {"g : siemens (constant)\nE : volt (constant)\n"
         "dv/dt = g*(E - v) : volt\n",
         MF_ERR_UNITS, 3, 9,
         "dv/dt = g*(E - v) has unit V/s but the right-hand side has unit A"},
        {"I = g*v : volt\ng : siemens\nv : volt\n", MF_ERR_UNITS, 1, 5,
         "I = g*v has unit V but the right-hand side has unit A"},
        {"dm/dt = 1 - m : 1\n", MF_ERR_UNITS, 1, 9,
         "dm/dt = 1 - m has unit Hz but the right-hand side has unit 1"},
        {"x = v > 0*mV : 1\nv : volt\n", MF_ERR_UNITS, 1, 5, "condition"},
        {"v : volts\n", MF_ERR_UNITS, 1, 5, "unknown unit 'volts'"},
        {"v : siemens/meeter**2\n", MF_ERR_UNITS, 1, 13, "unknown unit 'meeter'"},
        {"v : mV\n", MF_ERR_UNITS, 1, 5, "unscaled"},
        {"v : 2\n", MF_ERR_UNITS, 1, 5, "unscaled"},
        {"v : volt + amp\n", MF_ERR_UNITS, 1, 5, "a unit is made of"},
        {"x : 1\nv : volt**x\n", MF_ERR_UNITS, 2, 11, "exponent"},
        {"b : boolean\n", MF_ERR_UNSUPPORTED, 1, 5, "boolean"},
        {"x = exp(v) : 1\nv : volt\n", MF_ERR_UNITS, 1, 9, ""},
    };
    EXPECT_ERRORS(cases);
}

static void test_name_errors(void **state)
{
    (void)state;
    static const error_case cases[] = {
        {"dv/dt = (E_rest - v)/tau : volt\ntau : second\n", MF_ERR_NAME, 1, 10,
         "unknown name 'E_rest'"},
        {"tau : second\nC : farad\ntau : second (constant)\n", MF_ERR_NAME, 3, 1,
         "tau is defined twice: on line 1 and on line 3"},
        {"dv/dt = -v/tau : volt\ntau : second\n\nv : volt\n", MF_ERR_NAME, 4, 1,
         "v is defined twice: on line 1 and on line 4"},
        {"x = 1 : 1\n dy/dt = 1/second : 1\nx : 1\ny : 1\n", MF_ERR_NAME, 3, 1,
         "x is defined twice: on line 1 and on line 3"},
        {"dv/dt = -v/tau + s*xi*tau**-0.5 : volt\ntau : second\ns : volt\n", MF_ERR_UNSUPPORTED,
         1, 20, "stochastic equations are not supported"},
        {"dv/dt = xi_1/second**0.5*volt : volt\n", MF_ERR_UNSUPPORTED, 1, 9,
         "stochastic equations are not supported"},
        {"dv/dt = -v/tau*(t - lastspike)/ms : volt\ntau : second\n", MF_ERR_UNSUPPORTED, 1, 21,
         "lastspike"},
    };
    EXPECT_ERRORS(cases);
    static const char *const reserved[] = {
        "t",     "dt",   "xi",   "i",    "N",  "lastspike", "not_refractory",
        "_x",    "xi_2", "exp",  "sqrt", "pi", "e",         "inf",
        "and",   "not",  "True", "mV",   "ms", "volt",      "siemens",
        "umetre"};
    for (size_t k = 0; k < sizeof reserved / sizeof reserved[0]; k++) {
        char text[64];
        snprintf(text, sizeof text, "\n  %s : 1\n", reserved[k]);
        expect_error(text, NULL, MF_ERR_NAME, 2, 3, "cannot define");
    }
    expect_error("dxi/dt = 1/second : 1\n", NULL, MF_ERR_NAME, 1, 2, "reserved by Brian");
}

static void test_cycles(void **state)
{
    (void)state;
    static const error_case cases[] = {
        {"a = a + 1 : 1\n", MF_ERR_NAME, 1, 1, "subexpression a refers to itself"},
        {"x : 1\na = b : 1\nb = 2*a : 1\n", MF_ERR_NAME, 2, 1, "cycle: a -> b -> a"},
        {"c = a*a : 1\nb = c : 1\na = b + 1 : 1\n", MF_ERR_NAME, 1, 1,
         "cycle: c -> a -> b -> c"},
    };
    EXPECT_ERRORS(cases);
}

static void test_flag_errors(void **state)
{
    (void)state;
    static const error_case cases[] = {
        {"v : volt (shared)\n", MF_ERR_PARSE, 1, 11,
         "unknown flag 'shared' (valid flags: constant, unless refractory)"},
        {"tau : second (constnt)\n", MF_ERR_PARSE, 1, 15, "unknown flag 'constnt'"},
        {"dv/dt = -v/tau : volt (constant)\ntau : second\n", MF_ERR_PARSE, 1, 24,
         "flag 'constant' is for parameters"},
        {"x = 1 : 1 (constant)\n", MF_ERR_PARSE, 1, 12, "not for subexpressions"},
        {"g : siemens (unless refractory)\n", MF_ERR_PARSE, 1, 14,
         "for differential equations"},
        {"g : siemens (constant\n", MF_ERR_PARSE, 1, 22, "missing ')'"},
        {"g : siemens ()\n", MF_ERR_PARSE, 1, 14, "empty flag"},
        {"g : siemens (constant,)\n", MF_ERR_PARSE, 1, 23, "empty flag"},
        {"g : siemens (constant) x\n", MF_ERR_PARSE, 1, 24, "after the flags"},
        {"g : siemens (constant, constant)\n", MF_ERR_PARSE, 1, 24, "twice"},
    };
    EXPECT_ERRORS(cases);
}

static void test_empty_models(void **state)
{
    (void)state;
    static const error_case cases[] = {
        {"", MF_ERR_PARSE, 1, 1, "the model defines no equations"},
        {"# only\n   # comments\n\n", MF_ERR_PARSE, 1, 1, "no equations"},
        {" \n\t\n\r\n", MF_ERR_PARSE, 1, 1, "no equations"},
    };
    EXPECT_ERRORS(cases);
}

/* --------------------------------------------------------------------- */
/* Resolution against a namespace                                        */

typedef struct seen {
    int n;
    const mf_expr *node[32];
} seen;

static void record(void *ctx, const mf_expr *name)
{
    seen *s = ctx;
    if (s->n < 32)
        s->node[s->n++] = name;
}

static const mf_expr *find_node(const seen *s, const char *name)
{
    for (int i = 0; i < s->n; i++)
        if (strcmp(s->node[i]->name, name) == 0)
            return s->node[i];
    fail_msg("no name %s", name);
    return NULL;
}

static void test_resolution(void **state)
{
    (void)state;
    mf_name_def consts[] = {{"El", -0.065, DIM_VOLT}, {"tau_m", 0.01, DIM_SECOND}};
    mf_name_def inputs[] = {{"I_ext", 1, DIM_AMP}};
    mf_name_def extras[] = {{"v_target", 0, DIM_VOLT}};
    mf_namespace ns = {consts, 2, inputs, 1, extras, 1};
    mf_equations *eqs = check_ok("dv/dt = (El - v + w)/tau_m + I_ext/C\n"
                                 "        + (v_target - v)*0/tau_m + 0*volt*t/dt/tau_m : volt\n"
                                 "w = 2*mV*gain : volt\n"
                                 "C : farad (constant)\n"
                                 "gain : 1\n",
                                 &ns);
    seen s = {0};
    mf_expr_visit_names(eqs->eq[0].expr, record, &s);
    const mf_expr *n;
    n = find_node(&s, "v");
    assert_int_equal(n->sym_kind, MF_SYM_STATE);
    assert_int_equal(n->sym_index, 0);
    n = find_node(&s, "w");
    assert_int_equal(n->sym_kind, MF_SYM_SUBEXPR);
    assert_int_equal(n->sym_index, 1);
    n = find_node(&s, "C");
    assert_int_equal(n->sym_kind, MF_SYM_PARAM);
    assert_int_equal(n->sym_index, 2);
    n = find_node(&s, "El");
    assert_int_equal(n->sym_kind, MF_SYM_CONST);
    assert_true(fabs(n->sym_value - -0.065) < 1e-15);
    n = find_node(&s, "tau_m");
    assert_int_equal(n->sym_kind, MF_SYM_CONST);
    assert_true(fabs(n->sym_value - 0.01) < 1e-15);
    n = find_node(&s, "I_ext");
    assert_int_equal(n->sym_kind, MF_SYM_INPUT);
    assert_int_equal(n->sym_index, 0);
    n = find_node(&s, "v_target");
    assert_int_equal(n->sym_kind, MF_SYM_EXTRA);
    assert_int_equal(n->sym_index, 0);
    assert_int_equal(find_node(&s, "t")->sym_kind, MF_SYM_TIME);
    assert_int_equal(find_node(&s, "dt")->sym_kind, MF_SYM_DT);
    s.n = 0;
    mf_expr_visit_names(eqs->eq[1].expr, record, &s);
    n = find_node(&s, "gain");
    assert_int_equal(n->sym_kind, MF_SYM_PARAM);
    assert_int_equal(n->sym_index, 3);
    assert_int_equal(find_node(&s, "mV")->sym_kind, MF_SYM_CONST);
    assert_true(fabs(find_node(&s, "mV")->sym_value - 1e-3) < 1e-18);
    mf_equations_free(eqs);
}

static void test_namespace_errors(void **state)
{
    (void)state;
    mf_name_def consts[] = {{"E", -0.065, DIM_VOLT}};
    mf_name_def inputs[] = {{"I", 1, DIM_AMP}};
    mf_namespace ns = {consts, 1, inputs, 1, NULL, 0};
    expect_error("dv/dt = (E - v)/(10*ms) : volt\nE : volt (constant)\n", &ns, MF_ERR_NAME, 2,
                 1, "E is defined by the model and also given as a constant");
    expect_error("I = 1*amp : amp\n", &ns, MF_ERR_NAME, 1, 1, "also given as an input");
    /* A constant used with the wrong unit is a unit error. */
    expect_error("dv/dt = (E - v)/(10*ms) + I : volt\n", &ns, MF_ERR_UNITS, 1, 9, "");

    mf_equations *eqs = parse_ok("x : 1\n");
    mf_error err;
    mf_name_def twice[] = {{"a", 1, DIM_NONE}};
    mf_namespace dup = {twice, 1, twice, 1, NULL, 0};
    assert_int_equal(mf_equations_check(eqs, &dup, &err), MF_ERR_NAME);
    assert_non_null(strstr(err.message, "a is given twice"));
    mf_name_def bad[] = {{"2x", 1, DIM_NONE}};
    mf_namespace badns = {bad, 1, NULL, 0, NULL, 0};
    assert_int_equal(mf_equations_check(eqs, &badns, &err), MF_ERR_NAME);
    assert_non_null(strstr(err.message, "not a valid name"));
    mf_name_def reserved[] = {{"t", 1, DIM_SECOND}};
    mf_namespace resns = {NULL, 0, reserved, 1, NULL, 0};
    assert_int_equal(mf_equations_check(eqs, &resns, &err), MF_ERR_NAME);
    assert_false(eqs->checked);
    /* As in Brian, the caller's namespace may shadow a unit name. */
    mf_name_def unitlike[] = {{"mV", 2.0, DIM_VOLT}};
    mf_namespace unitns = {unitlike, 1, NULL, 0, NULL, 0};
    assert_int_equal(mf_equations_check(eqs, &unitns, &err), MF_OK);
    mf_equations_free(eqs);
}

/* Every subexpression comes after the subexpressions it uses. */
static void test_subexpression_order(void **state)
{
    (void)state;
    mf_equations *eqs = check_ok("a = b + c + d : 1\n"
                                 "dv/dt = a/second : 1\n"
                                 "b = c*2 + f : 1\n"
                                 "c = 3*f : 1\n"
                                 "d = 1 : 1\n"
                                 "f = v : 1\n",
                                 NULL);
    assert_int_equal(eqs->n_subexpr, 5);
    int at[16];
    for (int i = 0; i < eqs->n; i++)
        at[i] = -1;
    for (int k = 0; k < eqs->n_subexpr; k++) {
        int i = eqs->subexpr_order[k];
        assert_int_equal(eqs->eq[i].kind, MF_EQ_SUBEXPR);
        assert_int_equal(at[i], -1);
        at[i] = k;
    }
    static const char *const uses[][2] = {{"a", "b"}, {"a", "c"}, {"a", "d"},
                                          {"b", "c"}, {"b", "f"}, {"c", "f"}};
    for (size_t k = 0; k < sizeof uses / sizeof uses[0]; k++)
        assert_true(at[mf_equations_index(eqs, uses[k][1])] <
                    at[mf_equations_index(eqs, uses[k][0])]);
    /* Checking again (another namespace) recomputes, not appends. */
    mf_error err;
    assert_int_equal(mf_equations_check(eqs, NULL, &err), MF_OK);
    assert_int_equal(eqs->n_subexpr, 5);
    mf_equations_free(eqs);
}

/* A long chain of subexpressions is ordered without deep recursion. */
static void test_long_chain(void **state)
{
    (void)state;
    enum { N = 3000 };
    char *text = malloc(N * 32);
    size_t n = 0;
    for (int i = 0; i < N - 1; i++)
        n += (size_t)sprintf(text + n, "s%d = s%d + 1 : 1\n", i, i + 1);
    sprintf(text + n, "s%d = 1 : 1\n", N - 1);
    mf_equations *eqs = check_ok(text, NULL);
    assert_int_equal(eqs->n_subexpr, N);
    assert_int_equal(eqs->subexpr_order[0], N - 1);
    assert_int_equal(eqs->subexpr_order[N - 1], 0);
    mf_equations_free(eqs);
    free(text);
}

/* --------------------------------------------------------------------- */
/* Hostile input: never a crash, always an error with a place            */

static void expect_some_error(const char *text, size_t len)
{
    mf_equations *eqs = NULL;
    mf_error err;
    mf_status st = mf_equations_parse_n(text, len, "model", &eqs, &err);
    if (!st) {
        st = mf_equations_check(eqs, NULL, &err);
        mf_equations_free(eqs);
    }
    assert_int_not_equal(st, MF_OK);
    assert_true(err.line > 0 && err.col > 0);
    assert_int_equal(strncmp(err.message, "model:", 6), 0);
}

static uint32_t lcg(uint32_t *s)
{
    *s = *s * 1664525u + 1013904223u;
    return *s >> 8;
}

static void test_garbage(void **state)
{
    (void)state;
    uint32_t seed = 12345;
    char buf[4096];
    for (size_t i = 0; i < sizeof buf; i++)
        buf[i] = (char)(lcg(&seed) & 0xff);
    expect_some_error(buf, sizeof buf);
    /* A NUL byte in the middle of an otherwise valid model. */
    static const char nul[] = "v : volt\nw : amp\0 garbage\n";
    mf_equations *eqs = NULL;
    mf_error err;
    assert_int_equal(mf_equations_parse_n(nul, sizeof nul - 1, "model", &eqs, &err),
                     MF_ERR_PARSE);
    assert_null(eqs);
    assert_int_equal(err.line, 2);
    assert_int_equal(err.col, 8);
    assert_non_null(strstr(err.message, "NUL byte"));
    /* A non-ASCII byte is fine in a comment and an error elsewhere. */
    mf_equations *ok = parse_ok("v : volt # \xc2\xb5V would be nice\n");
    mf_equations_free(ok);
    expect_error("v : v\xc3\xb8lt\n", NULL, MF_ERR_PARSE, 1, 6, "byte 0xC3");
}

static char *repeat(const char *head, const char *unit, size_t n, const char *tail)
{
    size_t h = strlen(head), u = strlen(unit), t = strlen(tail);
    char *s = malloc(h + n * u + t + 1);
    memcpy(s, head, h);
    for (size_t i = 0; i < n; i++)
        memcpy(s + h + i * u, unit, u);
    memcpy(s + h + n * u, tail, t + 1);
    return s;
}

static void test_huge_lines(void **state)
{
    (void)state;
    size_t mb = 1 << 20;
    char *s = repeat("x = 1", "+1", mb / 2, " : 1\n");
    expect_error(s, NULL, MF_ERR_PARSE, 1, 5, "characters long; the limit is");
    free(s);
    s = repeat("x = ", "(", mb, "1 : 1\n");
    expect_error(s, NULL, MF_ERR_PARSE, 1, 5, "the limit is");
    free(s);
    s = repeat("x = ", "(", 150, "1 : 1\n");
    expect_error(s, NULL, MF_ERR_PARSE, 1, 105, "parentheses nested more than 100 deep");
    free(s);
    s = repeat("v : volt", "*volt", mb / 5, "\n");
    expect_error(s, NULL, MF_ERR_PARSE, 1, 5, "the unit of v is");
    free(s);
    s = repeat("", "@", mb, "\n");
    expect_error(s, NULL, MF_ERR_PARSE, 1, 1, "expected a definition");
    free(s);
    /* A 1 MB comment and a 1 MB name are legal. */
    s = repeat("v : volt #", "x", mb, "\n");
    mf_equations *eqs = parse_ok(s);
    mf_equations_free(eqs);
    free(s);
    s = repeat("", "a", mb, " : 1\n");
    eqs = parse_ok(s);
    assert_int_equal(strlen(eqs->eq[0].name), mb);
    mf_equations_free(eqs);
    free(s);
    /* Long but legal: just under the limit, a flat sum. */
    s = repeat("x = 1", "+1", 9000, " : 1\n");
    eqs = check_ok(s, NULL);
    mf_equations_free(eqs);
    free(s);
}

/* Random models made of the language's own pieces: definitions with
 * random right-hand sides, units and flags. Whatever the parser makes of
 * them, it returns MF_OK or an error with a place. */
static const char *pick(uint32_t *seed, const char *const *list, size_t n)
{
    return list[lcg(seed) % n];
}

#define PICK(list) pick(&seed, list, sizeof list / sizeof list[0])

static void test_token_soup(void **state)
{
    (void)state;
    static const char *const lhs[] = {
        "dv/dt =", "dw/dt =", "x =", "y =", "v :", "w :", "tau :", "g :", "dv/dt", "("};
    static const char *const atoms[] = {
        "v", "w",  "x", "y",  "tau",  "g",     "1",     "2.5", "mV", "ms",
        "t", "dt", "I", "xi", "exp(", "sqrt(", "clip(", "(",   ")",  ",",
        "+", "-",  "*", "/",  "**",   ">",     "and",   "not", "\n", "#"};
    static const char *const units[] = {
        ": volt",        ": 1",  ": amp", ": second",  ": siemens",
        ": volt/second", ": mV", ":",     ": volt**2", ""};
    static const char *const flags[] = {
        "", "", "", "(constant)", "(unless refractory)", "(shared)", "(constant", "()"};
    /* A valid model that half of the rounds mutate in one to three places. */
    static const char base[] = "# a model\n"
                               "dv/dt = (El - v)/tau + I/C  # leak\n"
                               "    + g*(v - El)/C : volt (unless refractory)\n"
                               "x = exp((v - El)/(4*mV)) : 1\n"
                               "tau : second (constant)\n"
                               "C : farad\n"
                               "g : siemens (constant)\n";
    mf_name_def inputs[] = {{"I", 1, DIM_AMP}};
    mf_name_def consts[] = {{"El", -0.065, DIM_VOLT}};
    mf_namespace ns = {consts, 1, inputs, 1, NULL, 0};
    mf_equations_free(check_ok(base, &ns));
    uint32_t seed = 777;
    char text[1024];
    int ok = 0;
    for (int round = 0; round < 3000; round++) {
        size_t n = 0;
        if (round % 2) {
            n = sizeof base - 1;
            memcpy(text, base, n + 1);
            int edits = 1 + (int)(lcg(&seed) % 3);
            for (int k = 0; k < edits; k++) {
                size_t at = lcg(&seed) % n;
                const char *piece = lcg(&seed) % 2 ? PICK(atoms) : PICK(units);
                size_t cut = lcg(&seed) % 4, len = strlen(piece);
                if (at + cut > n)
                    cut = n - at;
                if (n - cut + len + 1 > sizeof text)
                    continue;
                memmove(text + at + len, text + at + cut, n - at - cut + 1);
                memcpy(text + at, piece, len);
                n = n - cut + len;
            }
        } else {
            int lines = 1 + (int)(lcg(&seed) % 4);
            for (int l = 0; l < lines; l++) {
                int count = (int)(lcg(&seed) % 6);
                n += (size_t)snprintf(text + n, sizeof text - n, "%s ", PICK(lhs));
                for (int k = 0; k < count; k++)
                    n += (size_t)snprintf(text + n, sizeof text - n, "%s ", PICK(atoms));
                n += (size_t)snprintf(text + n, sizeof text - n, "%s %s\n", PICK(units),
                                      PICK(flags));
            }
        }
        mf_equations *eqs = NULL;
        mf_error err;
        mf_status st = mf_equations_parse(text, "model", &eqs, &err);
        if (!st) {
            st = mf_equations_check(eqs, &ns, &err);
            mf_equations_free(eqs);
        }
        if (st == MF_OK) {
            ok++;
            continue;
        }
        if (!(err.line > 0 && err.col > 0 && strncmp(err.message, "model:", 6) == 0))
            fail_msg("no place in '%s' for:\n%s", err.message, text);
    }
    print_message("random models: %d of 3000 were valid\n", ok);
    assert_true(ok > 0 && ok < 3000);
}

/* --------------------------------------------------------------------- */
/* The models in ../shared/models, with the constants and inputs of their
 * header comments (`# constants: A = 1*mV, B = 2*mV`, `# inputs: I : amp`). */

typedef struct header_ns {
    mf_name_def defs[2][32];
    char names[2][32][64];
    int n[2];
} header_ns;

static char *trim(char *s)
{
    while (*s == ' ' || *s == '\t')
        s++;
    size_t n = strlen(s);
    while (n > 0 && (s[n - 1] == ' ' || s[n - 1] == '\t' || s[n - 1] == '\r'))
        s[--n] = '\0';
    return s;
}

/* Reads "NAME <sep> QUANTITY, ..." after a header keyword into list k. */
static void parse_header_list(char *list, char sep, header_ns *h, int k, const char *file)
{
    for (char *item = strtok(list, ","); item; item = strtok(NULL, ",")) {
        char *cut = strchr(item, sep);
        if (!cut)
            fail_msg("%s: bad header item '%s'", file, item);
        *cut = '\0';
        int i = h->n[k]++;
        assert_true(i < 32);
        snprintf(h->names[k][i], sizeof h->names[k][i], "%s", trim(item));
        mf_error err;
        double value;
        mf_dim dim;
        if (mf_quantity_parse(trim(cut + 1), &value, &dim, &err))
            fail_msg("%s: header quantity '%s': %s", file, trim(cut + 1), err.message);
        h->defs[k][i] = (mf_name_def){h->names[k][i], value, dim};
    }
}

static void read_header(char *text, header_ns *h, const char *file)
{
    for (char *line = text; line && *line;
         line = strchr(line, '\n') ? strchr(line, '\n') + 1 : NULL) {
        char copy[512];
        size_t len = strcspn(line, "\n");
        if (len >= sizeof copy)
            continue;
        memcpy(copy, line, len);
        copy[len] = '\0';
        if (strncmp(copy, "# constants:", 12) == 0)
            parse_header_list(copy + 12, '=', h, 0, file);
        else if (strncmp(copy, "# inputs:", 9) == 0)
            parse_header_list(copy + 9, ':', h, 1, file);
    }
}

static char *slurp(const char *path)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    char *buf = malloc(1 << 20);
    size_t n = fread(buf, 1, (1 << 20) - 1, f);
    buf[n] = '\0';
    fclose(f);
    return buf;
}

/* Counts definitions the simple way, independently of the parser: lines
 * that start with `dNAME/dt` and lines with `(constant)`. */
static void count_by_lines(const char *text, int *n_diff, int *n_const)
{
    *n_diff = *n_const = 0;
    for (const char *line = text; line;
         line = strchr(line, '\n') ? strchr(line, '\n') + 1 : NULL) {
        if (line[0] == 'd' && strcspn(line, "/\n ") > 1 &&
            strncmp(line + strcspn(line, "/\n "), "/dt", 3) == 0)
            (*n_diff)++;
        const char *hash = strchr(line, '#');
        const char *c = strstr(line, "(constant)");
        const char *eol = strchr(line, '\n');
        if (c && (!eol || c < eol) && (!hash || c < hash))
            (*n_const)++;
    }
}

static void test_shared_models(void **state)
{
    (void)state;
    char dir[1024];
    snprintf(dir, sizeof dir, "%s/models", MF_SHARED_DIR);
    DIR *d = opendir(dir);
    if (!d) {
        print_message("no shared models at %s\n", dir);
        skip();
    }
    int checked = 0;
    struct dirent *ent;
    while ((ent = readdir(d))) {
        size_t len = strlen(ent->d_name);
        if (len < 5 || strcmp(ent->d_name + len - 4, ".eqs") != 0)
            continue;
        char path[2048];
        snprintf(path, sizeof path, "%s/%s", dir, ent->d_name);
        char *text = slurp(path);
        assert_non_null(text);
        header_ns *h = calloc(1, sizeof *h);
        char *copy = strdup(text);
        read_header(copy, h, ent->d_name);
        free(copy);
        mf_namespace ns = {h->defs[0], h->n[0], h->defs[1], h->n[1], NULL, 0};
        mf_equations *eqs = NULL;
        mf_error err;
        if (mf_equations_parse(text, ent->d_name, &eqs, &err) ||
            mf_equations_check(eqs, &ns, &err))
            fail_msg("%s does not check clean: %s", ent->d_name, err.message);
        int n_diff = 0, n_const = 0, want_diff, want_const;
        for (int i = 0; i < eqs->n; i++) {
            n_diff += eqs->eq[i].kind == MF_EQ_DIFF;
            n_const += (eqs->eq[i].flags & MF_EQFLAG_CONSTANT) != 0;
        }
        count_by_lines(text, &want_diff, &want_const);
        assert_int_equal(n_diff, want_diff);
        assert_int_equal(n_const, want_const);
        print_message("%s: %d definitions, %d constants, %d inputs: clean\n", ent->d_name,
                      eqs->n, h->n[0], h->n[1]);
        mf_equations_free(eqs);
        free(h);
        free(text);
        checked++;
    }
    closedir(d);
    assert_true(checked >= 5);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_each_kind),
        cmocka_unit_test(test_units_after_colon),
        cmocka_unit_test(test_continuation_lines),
        cmocka_unit_test(test_comments),
        cmocka_unit_test(test_flags),
        cmocka_unit_test(test_parenthesised_units),
        cmocka_unit_test(test_crlf_and_tabs),
        cmocka_unit_test(test_syntax_errors),
        cmocka_unit_test(test_unit_errors),
        cmocka_unit_test(test_name_errors),
        cmocka_unit_test(test_cycles),
        cmocka_unit_test(test_flag_errors),
        cmocka_unit_test(test_empty_models),
        cmocka_unit_test(test_resolution),
        cmocka_unit_test(test_namespace_errors),
        cmocka_unit_test(test_subexpression_order),
        cmocka_unit_test(test_long_chain),
        cmocka_unit_test(test_garbage),
        cmocka_unit_test(test_huge_lines),
        cmocka_unit_test(test_token_soup),
        cmocka_unit_test(test_shared_models),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

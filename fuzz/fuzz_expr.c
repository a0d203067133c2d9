/* Fuzzes the expression module (core/expr.h): parse, print, re-parse,
 * check units, fold, differentiate and split for exponential Euler.
 *
 * Promises checked beyond the sanitizers:
 * - printing a parsed tree and parsing the text again gives an equal tree
 *   (mf_expr_to_string: "parsing the text gives the same tree back"), and
 *   printing that tree gives the same text;
 * - a checked tree folds into a tree that checks again with the same unit;
 * - d e/d v has the unit of e divided by the unit of v (when e uses v);
 * - the split e = A*v + B has A free of v, B with v only inside functions,
 *   comparisons or exponents, and the units of e/v and e.
 * Names: v (volt, a state), w (amp, a parameter), x (dimensionless, a
 * state); everything else resolves to built-ins and units or is an error. */
#include "expr.h"
#include "fuzz_util.h"

#include <stdbool.h>

typedef struct fuzz_name {
    const char *name;
    const char *unit; /* NULL: dimensionless */
    mf_sym_kind kind;
} fuzz_name;

static const fuzz_name names[] = {
    {"v", "volt", MF_SYM_STATE},
    {"w", "amp", MF_SYM_PARAM},
    {"x", NULL, MF_SYM_STATE},
};
enum { N_NAMES = sizeof names / sizeof names[0] };

static mf_dim dim_of(const char *unit)
{
    double scale;
    mf_dim d = mf_dim_none();
    if (unit && !mf_unit_lookup(unit, &scale, &d))
        abort();
    return d;
}

static bool resolve(void *ctx, const char *name, mf_symbol *out)
{
    (void)ctx;
    for (int i = 0; i < N_NAMES; i++) {
        if (strcmp(name, names[i].name) == 0) {
            *out = (mf_symbol){names[i].kind, i, dim_of(names[i].unit), 0.0, false};
            return true;
        }
    }
    return false;
}

static void fail_text(const char *what, const char *a, const char *b)
{
    fprintf(stderr, "%s\n  first:  %s\n  second: %s\n", what, a ? a : "(null)",
            b ? b : "(null)");
    abort();
}

/* print -> parse -> equal tree -> print -> same text. */
static void check_round_trip(const mf_expr *e)
{
    char *text = mf_expr_to_string(e);
    FUZZ_CHECK(text != NULL, "mf_expr_to_string returned NULL");
    mf_error err;
    mf_expr *again = mf_expr_parse(text, "printed", 1, 1, &err);
    if (!again)
        fail_text("the printed text does not parse", text, err.message);
    char *text2 = mf_expr_to_string(again);
    if (!mf_expr_equal(e, again))
        fail_text("printing then parsing changed the tree", text, text2);
    if (!text2 || strcmp(text, text2) != 0)
        fail_text("printing is not stable", text, text2);
    free(text);
    free(text2);
    mf_expr_free(again);
}

static void check_dim(const mf_expr *e, mf_dim want, const char *what)
{
    if (!mf_dim_eq(e->dim, want)) {
        char a[64], b[64];
        fprintf(stderr, "%s has unit %s, expected %s\n", what, mf_dim_format(e->dim, a, 64),
                mf_dim_format(want, b, 64));
        abort();
    }
}

static void check_fold(const mf_expr *e)
{
    mf_expr *f = mf_expr_fold(mf_expr_clone(e));
    FUZZ_CHECK(f != NULL, "mf_expr_fold returned NULL");
    mf_error err;
    mf_status st = mf_expr_check(f, resolve, NULL, "folded", &err);
    FUZZ_CHECK(st == MF_OK, "a folded tree does not check again: %s", err.message);
    check_dim(f, e->dim, "the folded tree");
    mf_expr_free(f);
}

static void check_diff(const mf_expr *e, const char *var, mf_dim var_dim)
{
    mf_error err;
    mf_expr *d = mf_expr_diff(e, var, &err);
    if (!d) {
        FUZZ_CHECK(err.status != MF_OK && err.message[0], "diff failed without a message");
        return;
    }
    /* Without var in e, the unit of var is unknown to mf_expr_diff. */
    if (mf_expr_uses(e, var))
        check_dim(d, mf_dim_div(e->dim, var_dim), "the derivative");
    mf_expr_free(d);
}

/* True when a factor of the product d is a sum that uses x: such a
 * denominator (or power base) is opaque to Brian's collect(), so the split
 * puts the whole term into B. */
static bool has_sum_factor(const mf_expr *d, const char *x)
{
    switch (d->kind) {
    case MF_EX_ADD:
    case MF_EX_SUB: return mf_expr_uses(d, x);
    case MF_EX_NEG: return has_sum_factor(d->arg[0], x);
    case MF_EX_POW: return has_sum_factor(d->arg[0], x);
    case MF_EX_MUL:
    case MF_EX_DIV: return has_sum_factor(d->arg[0], x) || has_sum_factor(d->arg[1], x);
    default: return false;
    }
}

/* True when x occurs outside function calls, comparisons, logic,
 * exponents and denominators or power bases that are sums using x: the
 * places where Brian's collect() treats it as opaque. */
static bool has_bare(const mf_expr *e, const char *x)
{
    switch (e->kind) {
    case MF_EX_NUM: return false;
    case MF_EX_NAME: return strcmp(e->name, x) == 0;
    case MF_EX_POW: return !has_sum_factor(e->arg[0], x) && has_bare(e->arg[0], x);
    case MF_EX_DIV:
        return has_bare(e->arg[0], x) ||
               (!has_sum_factor(e->arg[1], x) && has_bare(e->arg[1], x));
    case MF_EX_NEG:
    case MF_EX_ADD:
    case MF_EX_SUB:
    case MF_EX_MUL: return has_bare(e->arg[0], x) || (e->nargs > 1 && has_bare(e->arg[1], x));
    case MF_EX_CALL: return e->fn == MF_FN_SQRT && has_bare(e->arg[0], x);
    default: return false;
    }
}

static void check_split(const mf_expr *e, const char *var, mf_dim var_dim)
{
    mf_expr *A = NULL, *B = NULL;
    mf_error err;
    mf_status st = mf_expr_split_linear(e, var, &A, &B, &err);
    if (st != MF_OK) {
        fuzz_check_error(st, &err);
        FUZZ_CHECK(A == NULL && B == NULL, "a failed split returned trees");
        return;
    }
    FUZZ_CHECK(A && B, "split returned OK without A and B");
    FUZZ_CHECK(!mf_expr_uses(A, var), "A uses %s", var);
    FUZZ_CHECK(!has_bare(B, var), "B has a bare %s", var);
    if (mf_expr_uses(e, var)) /* else the unit of var is unknown to the split */
        check_dim(A, mf_dim_div(e->dim, var_dim), "A");
    check_dim(B, e->dim, "B");
    mf_expr_free(A);
    mf_expr_free(B);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *src = fuzz_cstring(data, size);
    mf_error err;
    mf_expr *e = mf_expr_parse(src, "fuzz", 1, 1, &err);
    free(src);
    if (!e) {
        FUZZ_CHECK(err.status != MF_OK && err.message[0], "parse failed without a message");
        return 0;
    }
    check_round_trip(e);
    mf_status st = mf_expr_check(e, resolve, NULL, "fuzz", &err);
    if (st != MF_OK) {
        fuzz_check_error(st, &err);
    } else {
        check_fold(e);
        if (!e->is_bool) {
            check_diff(e, "v", dim_of("volt"));
            check_diff(e, "x", mf_dim_none());
            check_split(e, "v", dim_of("volt"));
            check_split(e, "x", mf_dim_none());
        }
    }
    mf_expr_free(e);
    return 0;
}

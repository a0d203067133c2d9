/* Fuzzes the Brian equation parser and the unit checker (core/equations.h):
 * any byte string is a model text. The namespace is fixed and small, like a
 * user's: constants El and VT (volts) and one input I (amps), so names and
 * units are resolved and checked as in a real fit.
 *
 * Beyond the sanitizers it checks the promises of equations.h: a failure
 * fills the error record and returns no model; a parsed model has at least
 * one named definition with an expression exactly when it is not a
 * parameter; a checked model has every name resolved and every
 * subexpression once in its evaluation order, after those it uses. */
#include "equations.h"
#include "fuzz_util.h"

#include <stdbool.h>

static mf_name_def constants[2];
static mf_name_def inputs[1];
static mf_namespace ns;

static mf_dim unit_dim(const char *name)
{
    double scale;
    mf_dim d;
    if (!mf_unit_lookup(name, &scale, &d))
        abort();
    return d;
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    constants[0] = (mf_name_def){"El", -0.070, unit_dim("volt")};
    constants[1] = (mf_name_def){"VT", -0.050, unit_dim("volt")};
    inputs[0] = (mf_name_def){"I", 0.0, unit_dim("amp")};
    ns = (mf_namespace){constants, 2, inputs, 1, NULL, 0};
    return 0;
}

static void check_names_resolved(void *ctx, const mf_expr *name)
{
    (void)ctx;
    FUZZ_CHECK(name->sym_kind != MF_SYM_UNRESOLVED, "name '%s' left unresolved", name->name);
}

static void check_parsed(const mf_equations *eqs)
{
    FUZZ_CHECK(eqs->n > 0, "a model without definitions was accepted");
    for (int i = 0; i < eqs->n; i++) {
        const mf_equation *eq = &eqs->eq[i];
        FUZZ_CHECK(eq->name && eq->name[0], "definition %d has no name", i);
        FUZZ_CHECK((eq->expr == NULL) == (eq->kind == MF_EQ_PARAM),
                   "definition '%s': expression presence does not match its kind", eq->name);
        FUZZ_CHECK(mf_equations_index(eqs, eq->name) == i, "duplicate name '%s' accepted",
                   eq->name);
    }
}

/* Every subexpression appears once in the order, after the subexpressions
 * it uses. */
static void check_order(const mf_equations *eqs)
{
    int n_sub = 0;
    for (int i = 0; i < eqs->n; i++)
        n_sub += eqs->eq[i].kind == MF_EQ_SUBEXPR;
    FUZZ_CHECK(eqs->n_subexpr == n_sub, "order has %d subexpressions, model has %d",
               eqs->n_subexpr, n_sub);
    bool *done = calloc((size_t)eqs->n, sizeof *done);
    if (!done)
        abort();
    for (int k = 0; k < eqs->n_subexpr; k++) {
        int i = eqs->subexpr_order[k];
        FUZZ_CHECK(i >= 0 && i < eqs->n && eqs->eq[i].kind == MF_EQ_SUBEXPR && !done[i],
                   "bad entry %d in the subexpression order", i);
        for (int j = 0; j < eqs->n; j++)
            if (j != i && eqs->eq[j].kind == MF_EQ_SUBEXPR &&
                mf_expr_uses(eqs->eq[i].expr, eqs->eq[j].name))
                FUZZ_CHECK(done[j], "'%s' ordered before '%s', which it uses", eqs->eq[i].name,
                           eqs->eq[j].name);
        done[i] = true;
    }
    free(done);
}

static void check_checked(const mf_equations *eqs)
{
    FUZZ_CHECK(eqs->checked, "check returned OK but the model is not marked checked");
    for (int i = 0; i < eqs->n; i++)
        mf_expr_visit_names(eqs->eq[i].expr, check_names_resolved, NULL);
    check_order(eqs);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    mf_equations *eqs = (mf_equations *)&ns; /* must be overwritten */
    mf_error err;
    mf_status st = mf_equations_parse_n((const char *)data, size, "fuzz", &eqs, &err);
    if (st != MF_OK) {
        fuzz_check_error(st, &err);
        FUZZ_CHECK(eqs == NULL, "a failed parse returned a model");
        return 0;
    }
    FUZZ_CHECK(eqs != NULL, "parse returned OK without a model");
    check_parsed(eqs);
    st = mf_equations_check(eqs, &ns, &err);
    if (st != MF_OK)
        fuzz_check_error(st, &err);
    else
        check_checked(eqs);
    mf_equations_free(eqs);
    return 0;
}

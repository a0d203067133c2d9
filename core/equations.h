/* Brian equation lines:
 *   dx/dt = expr : unit [(flags)]     differential equation
 *   x = expr : unit [(flags)]         subexpression
 *   p : unit [(flags)]                parameter (with flag constant) or per-lane variable
 * `#` starts a comment; an expression may continue on the following lines
 * (a line that does not start a new definition continues the previous
 * expression, as in the HH tutorial model); `: 1` is dimensionless;
 * flags: constant, unless refractory. Units after ':' are Brian unit names
 * and products/powers of them (`volt`, `siemens/meter**2`, `1`, `amp/metre**2`). */
#ifndef MF_CORE_EQUATIONS_H
#define MF_CORE_EQUATIONS_H

#include "expr.h"
#include "units.h"

typedef enum mf_eq_kind { MF_EQ_DIFF, MF_EQ_SUBEXPR, MF_EQ_PARAM } mf_eq_kind;

enum { MF_EQFLAG_CONSTANT = 1u, MF_EQFLAG_UNLESS_REFRACTORY = 2u };

typedef struct mf_equation {
    mf_eq_kind kind;
    char *name;
    mf_expr *expr;   /* NULL for MF_EQ_PARAM */
    mf_dim dim;      /* the declared unit's dimension */
    char *unit_text; /* the unit as written ("volt", "1") */
    unsigned flags;
    int line, col; /* where the definition starts */
    char *text;    /* the definition as written, first line, for messages */
    /* The right-hand side as written, continuation lines joined by single
     * spaces, comments removed (NULL for MF_EQ_PARAM), and where it starts. */
    char *expr_text;
    int expr_line, expr_col;
} mf_equation;

/* A name the caller defines: a constant (Brian's namespace) or an input. */
typedef struct mf_name_def {
    const char *name;
    double value; /* constants: SI value; ignored for inputs and extras */
    mf_dim dim;
} mf_name_def;

/* Everything outside the model text that names may resolve to. Resolution
 * order: the model's own names, t and dt, inputs, extras, constants, then
 * built-ins and Brian units (inside mf_expr_check). */
typedef struct mf_namespace {
    const mf_name_def *constants;
    int n_constants;
    const mf_name_def *inputs;
    int n_inputs; /* per-step input traces, e.g. I */
    const mf_name_def *extras;
    int n_extras; /* per-lane: v_target, iteration */
} mf_namespace;

typedef struct mf_equations {
    mf_equation *eq;
    int n;
    char *source; /* "model" or the file name, for messages */
    /* Filled by mf_equations_check: */
    int *subexpr_order; /* indices into eq[] of the subexpressions in dependency order */
    int n_subexpr;
    bool checked;
} mf_equations;

/* Parses the text: syntax, units after ':', flags, duplicates. Expressions
 * are parsed but not resolved. A model with no definitions is an error.
 * Errors: "source:line:col: error: ..." with MF_ERR_PARSE / MF_ERR_NAME /
 * MF_ERR_UNITS. */
mf_status mf_equations_parse(const char *text, const char *source, mf_equations **out,
                             mf_error *err);
/* The same for a text of `len` bytes that need not end in NUL; a NUL byte
 * inside the text is an error with its place (binary files). */
mf_status mf_equations_parse_n(const char *text, size_t len, const char *source,
                               mf_equations **out, mf_error *err);
void mf_equations_free(mf_equations *eqs);

/* Resolves names (sym_kind/sym_index of every name node: MF_SYM_STATE,
 * MF_SYM_SUBEXPR, MF_SYM_PARAM with sym_index = the index into eq[],
 * MF_SYM_INPUT / MF_SYM_EXTRA with the index into ns->inputs / ns->extras,
 * MF_SYM_CONST with the value), checks units (dx/dt = rhs: dim(rhs) must be
 * dim(x)/second; x = rhs: dim(rhs) must be dim(x)), orders subexpressions
 * (a cycle is an error naming its members), rejects unknown names, names
 * that shadow a constant or input, Brian's reserved names (t, dt, xi, i, N,
 * lastspike, not_refractory) and the stochastic `xi` ("not supported"). */
mf_status mf_equations_check(mf_equations *eqs, const mf_namespace *ns, mf_error *err);

/* NULL when `name` may name a model variable (units false) or a constant
 * or input (units true: as in Brian, the caller's namespace may shadow a
 * unit name); else writes why not into buf (not an identifier, reserved by
 * Brian, keyword, built-in constant, function or unit name), returns buf. */
const char *mf_equations_name_problem(const char *name, bool units, char *buf, size_t n);
/* What a name Brian reserves means ("the simulation time"), or NULL. */
const char *mf_equations_reserved(const char *name);

/* The equation named `name`, or NULL. */
const mf_equation *mf_equations_find(const mf_equations *eqs, const char *name);
int mf_equations_index(const mf_equations *eqs, const char *name); /* -1 if absent */

#endif

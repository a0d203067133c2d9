/* A runnable model: Brian equations + threshold + reset + refractory +
 * integration method + initial values, compiled once (names resolved, units
 * checked, the method chosen and checked) and then run by the engine many
 * times with new parameters.
 *
 * Variables (each an array over lanes in the engine), in this order:
 *   [0, n_state)  state variables (dx/dt), in the order of the equations;
 *   then the per-lane variables `p : unit` with and without (constant), in
 *   the order of the equations (kind MF_VAR_PARAM / MF_VAR_LANE);
 *   then the internal `lastspike`, `not_refractory` (Brian's names, only
 *   when a refractory period is given) and `_spike` (the threshold's result
 *   of the current step).
 * Subexpressions are not stored: they are computed where they are used.
 *
 * Names in the model's expressions carry the equations' convention
 * (MF_SYM_STATE / SUBEXPR / PARAM with sym_index = the index into eqs->eq,
 * MF_SYM_INPUT / MF_SYM_EXTRA with the index into the namespace arrays).
 * The internal variables lastspike and not_refractory appear as
 * MF_SYM_PARAM with sym_index = eqs->n + 0 and eqs->n + 1;
 * mf_model_var_of() maps any of these to a variable index. */
#ifndef MF_CORE_MODEL_H
#define MF_CORE_MODEL_H

#include "equations.h"
#include "statements.h"

typedef enum mf_var_kind {
    MF_VAR_STATE,          /* dx/dt = ... */
    MF_VAR_PARAM,          /* p : unit (constant): a value per lane, never assigned */
    MF_VAR_LANE,           /* p : unit: per lane, may be assigned by the reset */
    MF_VAR_LASTSPIKE,      /* time of the last spike, -1e4 s at the start (Brian) */
    MF_VAR_NOT_REFRACTORY, /* 1 or 0 */
    MF_VAR_SPIKE           /* 1 where the threshold fired in this step */
} mf_var_kind;

typedef enum mf_method {
    MF_METHOD_DEFAULT = 0, /* resolved at compile time, never stored in a model */
    MF_METHOD_EULER,
    MF_METHOD_RK2,
    MF_METHOD_RK4,
    MF_METHOD_EXPONENTIAL_EULER,
    MF_METHOD_GSL_RKF45,
    MF_METHOD_GSL_RK8PD
} mf_method;

typedef enum mf_refractory_kind {
    MF_REFRACTORY_NONE,
    MF_REFRACTORY_TIME,     /* a time or a time-valued expression, re-evaluated each step */
    MF_REFRACTORY_CONDITION /* a boolean condition that can end refractoriness */
} mf_refractory_kind;

typedef struct mf_model_var {
    char *name;
    mf_var_kind kind;
    mf_dim dim;
    int eq;                 /* index in eqs->eq; -1 for the internal variables */
    bool unless_refractory; /* (unless refractory): not updated while refractory */
    mf_expr *init;          /* the param_init expression (checked) or NULL: starts at 0 */
} mf_model_var;

/* What the caller defines around the model text. */
typedef struct mf_model_spec {
    const char *equations;
    const char *source; /* names the model text in messages; NULL: "model" */
    const mf_name_def *constants;
    int n_constants;
    const mf_name_def *inputs; /* traces sampled per step (TimedArray): I : amp */
    int n_inputs;
    /* Outputs a fitter compares with targets, variables or subexpressions:
     * each defines the per-step series `<name>_target` (the target trace, as
     * brian2modelfitting exposes it); giving any also defines the scalar
     * `iteration`. */
    const char *const *outputs;
    int n_outputs;
    const char *threshold;  /* NULL or "": no spikes */
    const char *reset;      /* NULL or "" */
    const char *refractory; /* NULL or "" */
    const char *method;     /* NULL or "": the default (see mf_method_parse) */
    /* param_init: variable name -> value or expression ("-65*mV", "VT",
     * "b*v"); evaluated per lane in dependency order. */
    const char *const *init_names;
    const char *const *init_exprs;
    int n_init;
    /* Defines the scalar `iteration` (the fit's round) even without outputs:
     * fitters set it, so a spike fitter's model may use it too. */
    bool iteration;
} mf_model_spec;

typedef struct mf_model {
    mf_equations *eqs;
    mf_model_var *var;
    int n_var;
    int n_state;
    int v_lastspike, v_not_refractory, v_spike; /* -1 when absent */
    int *var_of_eq;                             /* eqs->n + 2 entries: -1 for subexpressions */

    /* The namespace the expressions were resolved against (copied). */
    mf_name_def *constants;
    int n_constants;
    mf_name_def *inputs;
    int n_inputs;
    mf_name_def *extras; /* the <out>_target series, then iteration */
    int n_extras;
    int n_targets; /* extras [0, n_targets) are series, the rest scalars */

    /* Per state variable: the right-hand side with the subexpressions
     * substituted and constants folded (what the integrators use). */
    mf_expr **rhs;
    mf_method method;
    /* Exponential Euler: dx/dt = A*x + B per state variable (A may be the
     * number 0). NULL unless method is MF_METHOD_EXPONENTIAL_EULER. */
    mf_expr **lin_A, **lin_B;

    mf_expr *threshold;
    mf_statements *reset;
    mf_refractory_kind refractory_kind;
    mf_expr *refractory;

    int *init_order; /* variable indices with an init, in dependency order */
    int n_init;

    /* The subexpressions in the order of the equations: subexpression i is
     * eqs->eq[sub_eq[i]]. */
    int *sub_eq;
    int n_sub;
} mf_model;

mf_status mf_model_compile(const mf_model_spec *spec, mf_model **out, mf_error *err);
void mf_model_free(mf_model *m);

/* "euler", "rk2", "rk4", "exponential_euler", "gsl_rkf45", "gsl_rk8pd"; NULL
 * or "" gives MF_METHOD_DEFAULT: exponential Euler when every equation is
 * conditionally linear, else Euler. (Brian would try its analytic `exact`
 * solver first for linear systems; for one linear equation whose input is
 * held over the step, exponential Euler computes the same update.) */
mf_status mf_method_parse(const char *name, mf_method *out, mf_error *err);
const char *mf_method_name(mf_method m);

/* The variable index behind a resolved name (STATE/PARAM with the
 * equations' index, or the internal lastspike/not_refractory), -1 for
 * anything else (subexpressions, inputs, constants, t). */
int mf_model_var_of(const mf_model *m, const mf_expr *name);
/* The index of a variable by name, or -1. */
int mf_model_find_var(const mf_model *m, const char *name);

/* The subexpression behind a resolved MF_SYM_SUBEXPR name, or NULL. */
const mf_expr *mf_model_subexpr(const mf_model *m, const mf_expr *name);

/* Quantities, what the engine can record and read at the end of a run:
 * quantity q < n_var is variable q, q = n_var + i is subexpression i.
 * mf_model_find_quantity gives the quantity named `name` (a variable other
 * than the internal _spike, or a subexpression), or -1. */
int mf_model_find_quantity(const mf_model *m, const char *name);
int mf_model_n_quantities(const mf_model *m);
const char *mf_model_quantity_name(const mf_model *m, int q);
mf_dim mf_model_quantity_dim(const mf_model *m, int q);
/* The right-hand side of subexpression quantity q (names resolved), or
 * NULL when q is a variable. */
const mf_expr *mf_model_quantity_expr(const mf_model *m, int q);

#endif

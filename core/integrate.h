/* State-update schemes: euler, rk2 (midpoint), rk4, exponential Euler, as
 * Brian 2 writes them, turned into straight-line "abstract code" (Brian's
 * term): a list of lines `target = expr` over the model's names and earlier
 * temporaries. A backend (the bytecode compiler, or a C code generator)
 * turns the code into something that runs.
 *
 * Semantics of a code list:
 *  - a temporary line defines a name (`_k1_v`) usable by later lines; such
 *    names are MF_EX_NAME nodes with sym_kind MF_SYM_UNRESOLVED;
 *  - a store line (var >= 0) assigns a model variable; all stores of the list
 *    take effect together after the last line, so every line reads the state
 *    at the start of the step (Brian's `x = _x` lines at the end);
 *  - t and the inputs inside a line are taken at t + t_offset*dt; an input
 *    (a TimedArray in Brian) then reads sample floor(k + t_offset + 1/16):
 *    sample k at the midpoint t + dt/2, sample k+1 at t + dt;
 *  - unless_refractory: a temporary is 0 where the lane is refractory (the
 *    derivative of an `(unless refractory)` variable, so Runge-Kutta stages
 *    see it frozen, as Brian's multiplication by int(not_refractory) does),
 *    and a store does not happen there. Brian would evaluate 0/0 in
 *    exponential Euler for such lanes and discard it; skipping the update is
 *    the same without the NaN. */
#ifndef MF_CORE_INTEGRATE_H
#define MF_CORE_INTEGRATE_H

#include "model.h"

typedef struct mf_code_line {
    char *target; /* the temporary's or the variable's name */
    int var;      /* >= 0: a store into this model variable */
    mf_expr *expr;
    double t_offset;
    bool unless_refractory;
} mf_code_line;

typedef struct mf_code {
    mf_code_line *line;
    int n;
} mf_code;

/* The update code of m->method (an explicit method; GSL methods have none:
 * MF_ERR_INVALID). */
mf_status mf_integrate_code(const mf_model *m, mf_code **out, mf_error *err);
void mf_code_free(mf_code *c);

/* The input sample offset of a time offset (in steps): floor(c + 1/16). */
int mf_input_offset(double t_offset);

#endif

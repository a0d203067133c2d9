/* Subexpressions for the engine's recording (engine.c): each subexpression
 * of the model lowered to a bytecode program (the interpreter's lowering,
 * lower.c) that reads a block's variables and writes one array.
 *
 * This is backend-independent on purpose: whichever backend advances the
 * state (interpreter, native kernel, GSL driver), the engine holds the
 * block's variables between steps, and a recorded subexpression is computed
 * from them at the step start, exactly when and from what the recorded
 * variables are read. Being the interpreter's lowering, the values agree bit
 * for bit with what the interpreter computes for the same expression. */
#ifndef MF_CORE_ENGINE_SUBEXPR_H
#define MF_CORE_ENGINE_SUBEXPR_H

#include "engine.h"

typedef struct mf_subexpr_code mf_subexpr_code;
typedef struct mf_subexpr_block mf_subexpr_block;

/* Programs for every subexpression of m (m->n_sub > 0). */
mf_status mf_subexpr_code_new(const mf_model *m, double dt, mf_subexpr_code **out,
                              mf_error *err);
void mf_subexpr_code_free(mf_subexpr_code *c);

/* Registers for one block of `capacity` lanes (NULL when out of memory). */
mf_subexpr_block *mf_subexpr_block_new(const mf_subexpr_code *c, int capacity);
void mf_subexpr_block_free(mf_subexpr_block *s);

/* Binds the block's variables and computes what depends on the parameters
 * only; call once the variables have their initial values. */
void mf_subexpr_begin(mf_subexpr_block *s, const mf_block *b);

/* Subexpression i (an index into m->sub_eq) of the block's lanes from the
 * current variables, with t = k*dt and the inputs' sample k (the last
 * sample past their end): b->n values, valid until the next call. */
const double *mf_subexpr_eval(mf_subexpr_block *s, const mf_block *b, long k, int i);

#endif

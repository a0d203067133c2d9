/* Checking a model: parse Brian 2 equations, resolve their names against
 * the caller's constants and inputs, check every unit, and list what the
 * model defines. This is what `modelfit check` prints; the fitter takes the
 * same constants and inputs.
 *
 * Names in the equations resolve, in this order, to the model's own
 * variables, t and dt, the inputs, the constants (Brian's namespace), and
 * finally Brian's unit names and pi, e, inf. */
#ifndef MODELFIT_MODEL_H
#define MODELFIT_MODEL_H

#include "modelfit/quantity.h"
#include "modelfit/status.h"

#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef struct mf_model_info mf_model_info;

typedef enum mf_model_entry_kind {
    MF_MODEL_STATE = 0,     /* dx/dt = expr : unit */
    MF_MODEL_SUBEXPRESSION, /* x = expr : unit */
    MF_MODEL_PARAMETER,     /* p : unit (constant) */
    MF_MODEL_LANE_VARIABLE, /* p : unit (a per-lane variable, not constant) */
    MF_MODEL_INPUT          /* an input trace the caller declared, e.g. I */
} mf_model_entry_kind;

/* Flags of an entry, as written after the unit. */
enum { MF_MODEL_FLAG_CONSTANT = 1u, MF_MODEL_FLAG_UNLESS_REFRACTORY = 2u };

/* Parses and checks `length` bytes of model text (need not end in NUL; a NUL
 * byte inside is an error). `source` names the text in messages: a file
 * name, or NULL for "model". Constants have a value and a unit; inputs only
 * a unit (the value of input_units[i] is ignored). Either array may be NULL
 * when its count is 0. On success *out is a new mf_model_info; on failure
 * *out is NULL and err holds "source:line:col: error: ..." (or "error: ..."
 * for a problem in the constants or inputs). */
MF_API mf_status mf_model_info_new(mf_model_info **out, const char *text, size_t length,
                                   const char *source, int n_constants,
                                   const char *const *constant_names,
                                   const mf_quantity *constant_values, int n_inputs,
                                   const char *const *input_names,
                                   const mf_quantity *input_units, mf_error *err);
MF_API void mf_model_info_free(mf_model_info *info);

/* Entries: the state variables, subexpressions, parameters and per-lane
 * variables in the order of the model text, then the inputs in the order
 * given. Index i runs from 0 to mf_model_info_count() - 1; accessors return
 * NULL / 0 for an index out of range. Strings live as long as info. */
MF_API int mf_model_info_count(const mf_model_info *info);
MF_API const char *mf_model_info_name(const mf_model_info *info, int i);
MF_API mf_model_entry_kind mf_model_info_kind(const mf_model_info *info, int i);
/* The unit as Brian prints a dimension ("V", "S", "V/s", "1"). */
MF_API const char *mf_model_info_unit(const mf_model_info *info, int i);
/* MF_MODEL_FLAG_* bits. */
MF_API unsigned mf_model_info_flags(const mf_model_info *info, int i);
/* The right-hand side as written (continuation lines joined), for state
 * variables and subexpressions; NULL otherwise. */
MF_API const char *mf_model_info_expression(const mf_model_info *info, int i);
/* The line of the definition in the model text; 0 for inputs. */
MF_API int mf_model_info_line(const mf_model_info *info, int i);

/* "state variable", "subexpression", "parameter", "per-lane variable",
 * "input". */
MF_API const char *mf_model_entry_kind_name(mf_model_entry_kind kind);

/* The dimension (exponents of m kg s A K mol cd) a variable of the model
 * text is declared with ("v" of "dv/dt = ... : volt" is a voltage), from
 * parsing alone. MF_ERR_PARSE for bad text, MF_ERR_NAME when the model does
 * not define `name`. (core/model_dim.c) */
MF_API mf_status mf_model_variable_dim(const char *model, const char *name, double dim[7],
                                       mf_error *err);

#ifdef __cplusplus
}
#endif
#endif

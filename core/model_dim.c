/* The declared unit of one variable of a model, from its text alone: for
 * callers that receive values in SI (a simulation's recorded traces) and
 * want to attach their unit. Parsing is enough: the declaration after ':'
 * fixes the dimension, whatever the right-hand side says. */
#include "equations.h"
#include "error.h"
#include "modelfit/model.h"

#include <string.h>

mf_status mf_model_variable_dim(const char *model, const char *name, double dim[7],
                                mf_error *err)
{
    if (!model || !name || !dim)
        return mf_error_set(err, MF_ERR_INVALID, "mf_model_variable_dim: NULL argument");
    memset(dim, 0, 7 * sizeof dim[0]);
    mf_equations *eqs = NULL;
    mf_status st = mf_equations_parse(model, NULL, &eqs, err);
    if (st != MF_OK)
        return st;
    const mf_equation *eq = mf_equations_find(eqs, name);
    if (eq) {
        for (int i = 0; i < MF_NDIM; i++)
            dim[i] = eq->dim.e[i];
    } else
        st = mf_error_set(err, MF_ERR_NAME, "the model defines no variable '%s'", name);
    mf_equations_free(eqs);
    return st;
}

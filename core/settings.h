/* What the setters of a simulation (mf_sim, simulate.c) and of a fitter
 * spec (mf_fitter_spec, fitter_spec.c) share: named constants, named
 * series (inputs, traced outputs), initial values and optional texts, each
 * copied in, checked alone, replaced when set again under the same name,
 * and turned into the model compiler's name definitions. The two public
 * APIs keep their own structs; these are their parts. */
#ifndef MF_CORE_SETTINGS_H
#define MF_CORE_SETTINGS_H

#include "error.h"
#include "model.h"
#include "modelfit/quantity.h"

/* A name of Brian's namespace (El = -65 mV). */
typedef struct mf_setting_const {
    char *name;
    mf_quantity q;
} mf_setting_const;

/* n_traces rows of n_steps values, SI, with their dimension. */
typedef struct mf_setting_series {
    char *name;
    mf_dim dim;
    int n_traces;
    long n_steps;
    double *v;
} mf_setting_series;

/* param_init: a variable and the expression of its initial value. */
typedef struct mf_setting_init {
    char *name;
    char *value;
} mf_setting_init;

/* Each setter sets or replaces the entry `name` of the array (*arr, *n),
 * which grows by one when the name is new; on an error nothing changes.
 *
 * series: `what` names it in messages ("input", "output"); the unit must
 * be SI (value 1); at least one trace of one sample. */
mf_status mf_settings_constant(mf_setting_const **arr, int *n, const char *name,
                               mf_quantity value, mf_error *err);
mf_status mf_settings_series(mf_setting_series **arr, int *n, const char *what,
                             const char *name, mf_quantity unit, int n_traces, long n_steps,
                             const double *values, mf_error *err);
mf_status mf_settings_init(mf_setting_init **arr, int *n, const char *variable,
                           const char *value, mf_error *err);

/* Finds `name` in an array of structs whose first member is the name, or
 * appends a zeroed entry holding a copy of the name. NULL: out of memory. */
void *mf_settings_slot(void **arr, int *n, size_t size, const char *name);

/* *dst = a copy of text, or NULL for NULL or "" (clears). */
mf_status mf_settings_text(char **dst, const char *text, mf_error *err);

/* "the WHAT has no name" for NULL or "". */
mf_status mf_settings_need_name(const char *name, const char *what, mf_error *err);

/* dt > 0 and finite. */
mf_status mf_settings_dt(double *dst, double dt, mf_error *err);

/* The model compiler's definitions of the constants and the inputs (new
 * arrays of n + 1 entries, names borrowed from the settings). */
mf_status mf_settings_defs(const mf_setting_const *consts, int n_consts,
                           const mf_setting_series *inputs, int n_inputs,
                           mf_name_def **const_defs, mf_name_def **input_defs, mf_error *err);

void mf_settings_free_consts(mf_setting_const *c, int n);
void mf_settings_free_series(mf_setting_series *s, int n);
void mf_settings_free_inits(mf_setting_init *in, int n);

#endif

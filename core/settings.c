/* The parts of the simulation and fitter-spec setters (see settings.h). */
#include "settings.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

static mf_dim dim_of(const double d[MF_NDIM])
{
    mf_dim out;
    for (int i = 0; i < MF_NDIM; i++)
        out.e[i] = d[i];
    return out;
}

void *mf_settings_slot(void **arr, int *n, size_t size, const char *name)
{
    char *base = *arr;
    for (int i = 0; i < *n; i++)
        if (strcmp(*(char **)(base + (size_t)i * size), name) == 0)
            return base + (size_t)i * size;
    char *grown = realloc(*arr, ((size_t)*n + 1) * size);
    if (!grown)
        return NULL;
    *arr = grown;
    char *e = grown + (size_t)*n * size;
    memset(e, 0, size);
    *(char **)e = strdup(name);
    if (!*(char **)e)
        return NULL;
    (*n)++;
    return e;
}

mf_status mf_settings_text(char **dst, const char *text, mf_error *err)
{
    char *c = NULL;
    if (text && *text && !(c = strdup(text)))
        return mf_error_nomem(err, "a copy of a setting's text", strlen(text) + 1);
    free(*dst);
    *dst = c;
    return MF_OK;
}

mf_status mf_settings_need_name(const char *name, const char *what, mf_error *err)
{
    if (!name || !*name)
        return mf_error_set(err, MF_ERR_INVALID, "the %s has no name", what);
    return MF_OK;
}

mf_status mf_settings_dt(double *dst, double dt, mf_error *err)
{
    if (!(dt > 0) || !isfinite(dt))
        return mf_error_set(err, MF_ERR_INVALID, "dt must be a positive time, not %g s", dt);
    *dst = dt;
    return MF_OK;
}

mf_status mf_settings_constant(mf_setting_const **arr, int *n, const char *name,
                               mf_quantity value, mf_error *err)
{
    mf_status rc = mf_settings_need_name(name, "constant", err);
    if (rc != MF_OK)
        return rc;
    if (!isfinite(value.value))
        return mf_error_set(err, MF_ERR_NUMERIC, "the constant '%s' is not finite", name);
    mf_setting_const *c = mf_settings_slot((void **)arr, n, sizeof *c, name);
    if (!c)
        return mf_error_nomem(err, "the list of constants", ((size_t)*n + 1) * sizeof *c);
    c->q = value;
    return MF_OK;
}

mf_status mf_settings_series(mf_setting_series **arr, int *n, const char *what,
                             const char *name, mf_quantity unit, int n_traces, long n_steps,
                             const double *values, mf_error *err)
{
    mf_status rc = mf_settings_need_name(name, what, err);
    if (rc != MF_OK)
        return rc;
    if (n_traces < 1 || n_steps < 1 || !values)
        return mf_error_set(
            err, MF_ERR_INVALID,
            "%s %s needs at least one trace of at least one sample (got %d x %ld)", what, name,
            n_traces, n_steps);
    if (unit.value != 1.0) {
        char buf[64];
        return mf_error_set(err, MF_ERR_UNITS,
                            "%s %s: values are in SI units, so give the unit as the SI unit "
                            "(%s) rather than a scaled one",
                            what, name, mf_quantity_unit_string(unit.dim, buf, sizeof buf));
    }
    size_t len = (size_t)n_traces * (size_t)n_steps;
    double *copy = malloc(len * sizeof *copy);
    if (!copy)
        return mf_error_nomem(err, "a copy of a series", len * sizeof *copy);
    memcpy(copy, values, len * sizeof *copy);
    mf_setting_series *e = mf_settings_slot((void **)arr, n, sizeof *e, name);
    if (!e) {
        free(copy);
        return mf_error_nomem(err, "the list of series", ((size_t)*n + 1) * sizeof *e);
    }
    free(e->v);
    e->v = copy;
    e->dim = dim_of(unit.dim);
    e->n_traces = n_traces;
    e->n_steps = n_steps;
    return MF_OK;
}

mf_status mf_settings_init(mf_setting_init **arr, int *n, const char *variable,
                           const char *value, mf_error *err)
{
    mf_status rc = mf_settings_need_name(variable, "param_init variable", err);
    if (rc != MF_OK)
        return rc;
    if (!value || !*value)
        return mf_error_set(err, MF_ERR_INVALID, "param_init: no value for '%s'", variable);
    char *v = strdup(value);
    mf_setting_init *in = v ? mf_settings_slot((void **)arr, n, sizeof *in, variable) : NULL;
    if (!in) {
        free(v);
        return mf_error_nomem(err, "a param_init entry",
                              ((size_t)*n + 1) * sizeof *in + strlen(value) + 1);
    }
    free(in->value);
    in->value = v;
    return MF_OK;
}

mf_status mf_settings_defs(const mf_setting_const *consts, int n_consts,
                           const mf_setting_series *inputs, int n_inputs,
                           mf_name_def **const_defs, mf_name_def **input_defs, mf_error *err)
{
    *const_defs = calloc((size_t)n_consts + 1, sizeof **const_defs);
    *input_defs = calloc((size_t)n_inputs + 1, sizeof **input_defs);
    if (!*const_defs || !*input_defs)
        return mf_error_nomem(err, "the tables of constants and inputs",
                              ((size_t)(n_consts + n_inputs) + 2) *
                                  sizeof **const_defs); /* the caller frees both */
    for (int i = 0; i < n_consts; i++)
        (*const_defs)[i] =
            (mf_name_def){consts[i].name, consts[i].q.value, dim_of(consts[i].q.dim)};
    for (int i = 0; i < n_inputs; i++)
        (*input_defs)[i] = (mf_name_def){inputs[i].name, 0, inputs[i].dim};
    return MF_OK;
}

void mf_settings_free_consts(mf_setting_const *c, int n)
{
    for (int i = 0; i < n; i++)
        free(c[i].name);
    free(c);
}

void mf_settings_free_series(mf_setting_series *s, int n)
{
    for (int i = 0; i < n; i++) {
        free(s[i].name);
        free(s[i].v);
    }
    free(s);
}

void mf_settings_free_inits(mf_setting_init *in, int n)
{
    for (int i = 0; i < n; i++) {
        free(in[i].name);
        free(in[i].value);
    }
    free(in);
}

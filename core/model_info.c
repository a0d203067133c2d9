/* mf_model_info: the public view of a checked model (modelfit/model.h),
 * built on the equations module. */
#include "modelfit/model.h"

#include "equations.h"
#include "error.h"

#include <stdlib.h>
#include <string.h>

_Static_assert((unsigned)MF_MODEL_FLAG_CONSTANT == (unsigned)MF_EQFLAG_CONSTANT &&
                   (unsigned)MF_MODEL_FLAG_UNLESS_REFRACTORY ==
                       (unsigned)MF_EQFLAG_UNLESS_REFRACTORY,
               "public and internal flag bits agree");

typedef struct mf_model_entry {
    char *name;
    mf_model_entry_kind kind;
    char unit[64];
    unsigned flags;
    char *expression;
    int line;
} mf_model_entry;

struct mf_model_info {
    mf_model_entry *entries;
    int n;
};

static mf_dim dim_of(const mf_quantity *q)
{
    mf_dim d;
    for (int k = 0; k < MF_NDIM; k++)
        d.e[k] = q->dim[k];
    return d;
}

/* Copies the caller's arrays into the equations module's namespace form. */
static mf_status make_defs(int n, const char *const *names, const mf_quantity *values,
                           const char *what, mf_name_def **out, mf_error *err)
{
    *out = NULL;
    if (n < 0 || (n > 0 && (!names || !values)))
        return mf_error_set(err, MF_ERR_INVALID, "mf_model_info_new: bad %s arrays", what);
    if (n == 0)
        return MF_OK;
    mf_name_def *defs = calloc((size_t)n, sizeof *defs);
    if (!defs)
        return mf_error_nomem(err, "the table of names", (size_t)n * sizeof *defs);
    for (int i = 0; i < n; i++)
        defs[i] = (mf_name_def){names[i], values[i].value, dim_of(&values[i])};
    *out = defs;
    return MF_OK;
}

static mf_model_entry_kind entry_kind(const mf_equation *eq)
{
    switch (eq->kind) {
    case MF_EQ_DIFF: return MF_MODEL_STATE;
    case MF_EQ_SUBEXPR: return MF_MODEL_SUBEXPRESSION;
    case MF_EQ_PARAM: break;
    }
    return (eq->flags & MF_EQFLAG_CONSTANT) ? MF_MODEL_PARAMETER : MF_MODEL_LANE_VARIABLE;
}

static mf_status fill_entries(mf_model_info *info, const mf_equations *eqs,
                              const mf_namespace *ns, mf_error *err)
{
    int n = eqs->n + ns->n_inputs;
    info->entries = calloc((size_t)n, sizeof *info->entries);
    if (!info->entries)
        return mf_error_nomem(err, "the model's entries", (size_t)n * sizeof *info->entries);
    for (int i = 0; i < n; i++) {
        mf_model_entry *e = &info->entries[i];
        info->n++;
        if (i < eqs->n) {
            const mf_equation *eq = &eqs->eq[i];
            e->name = strdup(eq->name);
            e->kind = entry_kind(eq);
            e->flags = eq->flags;
            e->line = eq->line;
            mf_dim_format(eq->dim, e->unit, sizeof e->unit);
            if (eq->expr_text && !(e->expression = strdup(eq->expr_text)))
                return mf_error_nomem(err, "an expression's text", strlen(eq->expr_text) + 1);
        } else {
            const mf_name_def *in = &ns->inputs[i - eqs->n];
            e->name = strdup(in->name);
            e->kind = MF_MODEL_INPUT;
            mf_dim_format(in->dim, e->unit, sizeof e->unit);
        }
        if (!e->name)
            return mf_error_nomem(
                err, "an entry's name",
                strlen(i < eqs->n ? eqs->eq[i].name : ns->inputs[i - eqs->n].name) + 1);
    }
    return MF_OK;
}

mf_status mf_model_info_new(mf_model_info **out, const char *text, size_t length,
                            const char *source, int n_constants,
                            const char *const *constant_names,
                            const mf_quantity *constant_values, int n_inputs,
                            const char *const *input_names, const mf_quantity *input_units,
                            mf_error *err)
{
    mf_error_clear(err);
    if (!out)
        return mf_error_set(err, MF_ERR_INVALID, "mf_model_info_new: out is NULL");
    *out = NULL;
    mf_name_def *consts = NULL, *inputs = NULL;
    mf_equations *eqs = NULL;
    mf_model_info *info = NULL;
    mf_status st =
        make_defs(n_constants, constant_names, constant_values, "constant", &consts, err);
    if (!st)
        st = make_defs(n_inputs, input_names, input_units, "input", &inputs, err);
    mf_namespace ns = {consts, consts ? n_constants : 0, inputs, inputs ? n_inputs : 0, NULL,
                       0};
    if (!st)
        st = mf_equations_parse_n(text, length, source, &eqs, err);
    if (!st)
        st = mf_equations_check(eqs, &ns, err);
    if (!st && !(info = calloc(1, sizeof *info)))
        st = mf_error_nomem(err, "a model description", sizeof *info);
    if (!st)
        st = fill_entries(info, eqs, &ns, err);
    mf_equations_free(eqs);
    free(consts);
    free(inputs);
    if (st) {
        mf_model_info_free(info);
        return st;
    }
    *out = info;
    return MF_OK;
}

void mf_model_info_free(mf_model_info *info)
{
    if (!info)
        return;
    for (int i = 0; i < info->n; i++) {
        free(info->entries[i].name);
        free(info->entries[i].expression);
    }
    free(info->entries);
    free(info);
}

static const mf_model_entry *entry(const mf_model_info *info, int i)
{
    return info && i >= 0 && i < info->n ? &info->entries[i] : NULL;
}

int mf_model_info_count(const mf_model_info *info)
{
    return info ? info->n : 0;
}

const char *mf_model_info_name(const mf_model_info *info, int i)
{
    const mf_model_entry *e = entry(info, i);
    return e ? e->name : NULL;
}

mf_model_entry_kind mf_model_info_kind(const mf_model_info *info, int i)
{
    const mf_model_entry *e = entry(info, i);
    return e ? e->kind : MF_MODEL_STATE;
}

const char *mf_model_info_unit(const mf_model_info *info, int i)
{
    const mf_model_entry *e = entry(info, i);
    return e ? e->unit : NULL;
}

unsigned mf_model_info_flags(const mf_model_info *info, int i)
{
    const mf_model_entry *e = entry(info, i);
    return e ? e->flags : 0;
}

const char *mf_model_info_expression(const mf_model_info *info, int i)
{
    const mf_model_entry *e = entry(info, i);
    return e ? e->expression : NULL;
}

int mf_model_info_line(const mf_model_info *info, int i)
{
    const mf_model_entry *e = entry(info, i);
    return e ? e->line : 0;
}

const char *mf_model_entry_kind_name(mf_model_entry_kind kind)
{
    switch (kind) {
    case MF_MODEL_STATE: return "state variable";
    case MF_MODEL_SUBEXPRESSION: return "subexpression";
    case MF_MODEL_PARAMETER: return "parameter";
    case MF_MODEL_LANE_VARIABLE: return "per-lane variable";
    case MF_MODEL_INPUT: return "input";
    }
    return "unknown";
}

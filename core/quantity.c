/* Quantities written as text ("0.01*ms", "-65*mV"): parsed with the
 * expression parser, checked against the unit table alone (no model names),
 * and evaluated to an SI value and a dimension. */
#include "error.h"
#include "expr.h"
#include "modelfit/quantity.h"

#include <stdio.h>
#include <string.h>

mf_status mf_quantity_parse(const char *s, double *value, mf_dim *dim, mf_error *err)
{
    if (!s || !value || !dim)
        return mf_error_set(err, MF_ERR_INVALID, "mf_quantity_parse: missing argument");
    /* The text itself names the source: "\"5*foo\":1:3: error: ...". */
    char source[80];
    snprintf(source, sizeof source, strlen(s) > 60 ? "\"%.57s...\"" : "\"%s\"", s);
    mf_expr *e = mf_expr_parse(s, source, 1, 1, err);
    if (!e)
        return err ? err->status : MF_ERR_PARSE;
    mf_status st = mf_expr_check(e, NULL, NULL, source, err);
    if (st == MF_OK && e->is_bool)
        st = mf_error_at(err, MF_ERR_INVALID, source, e->line, e->col,
                         "a quantity must be a number with a unit, not a condition");
    if (st == MF_OK && !mf_expr_is_const(e)) /* unreachable without a resolver */
        st = mf_error_at(err, MF_ERR_INVALID, source, e->line, e->col,
                         "a quantity must be a constant");
    if (st == MF_OK) {
        *value = mf_expr_eval(e, NULL, NULL);
        *dim = e->dim;
    }
    mf_expr_free(e);
    return st;
}

mf_status mf_quantity_from_string(const char *s, mf_quantity *q, mf_error *err)
{
    if (!q || !s)
        return mf_error_set(err, MF_ERR_INVALID, "mf_quantity_from_string: %s is NULL",
                            q ? "the text" : "q");
    double value = 0.0;
    mf_dim dim = mf_dim_none();
    mf_status st = mf_quantity_parse(s, &value, &dim, err);
    if (st != MF_OK) {
        value = 0.0;
        dim = mf_dim_none();
    }
    q->value = value;
    for (int i = 0; i < MF_NDIM; i++)
        q->dim[i] = dim.e[i];
    return st;
}

static mf_dim dim_of(const double d[7])
{
    mf_dim dim;
    for (int i = 0; i < MF_NDIM; i++)
        dim.e[i] = d[i];
    return dim;
}

char *mf_quantity_to_string(mf_quantity q, char *buf, size_t n)
{
    if (!buf || n == 0)
        return NULL;
    return mf_quantity_format(q.value, dim_of(q.dim), buf, n);
}

char *mf_quantity_unit_string(const double dim[7], char *buf, size_t n)
{
    if (!buf || n == 0)
        return NULL;
    return mf_dim_format(dim ? dim_of(dim) : mf_dim_none(), buf, n);
}

bool mf_quantity_same_unit(mf_quantity a, mf_quantity b)
{
    return mf_dim_eq(dim_of(a.dim), dim_of(b.dim));
}

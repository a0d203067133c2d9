#include "options.h"

#include "error.h"
#include "expr.h"

#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* ---- the user's bag ----------------------------------------------------- */

bool mf_is_identifier(const char *s)
{
    if (!s || !(isalpha((unsigned char)*s) || *s == '_'))
        return false;
    for (s++; *s; s++)
        if (!(isalnum((unsigned char)*s) || *s == '_'))
            return false;
    return true;
}

mf_status mf_options_new(mf_options **out, mf_error *err)
{
    if (!out)
        return mf_error_set(err, MF_ERR_INVALID, "mf_options_new: out is NULL");
    *out = calloc(1, sizeof **out);
    if (!*out)
        return mf_error_set(err, MF_ERR_NOMEM, "out of memory creating options");
    return MF_OK;
}

static void value_clear(mf_option_value *v)
{
    free(v->name);
    free(v->text);
    free(v->array);
    memset(v, 0, sizeof *v);
}

void mf_options_free(mf_options *opts)
{
    if (!opts)
        return;
    for (size_t i = 0; i < opts->n; i++)
        value_clear(&opts->v[i]);
    free(opts->v);
    free(opts);
}

size_t mf_options_count(const mf_options *opts)
{
    return opts ? opts->n : 0;
}

/* The slot for `name`: the existing one emptied, or a new one. */
static mf_status slot(mf_options *opts, const char *name, mf_option_value **out, mf_error *err)
{
    if (!opts)
        return mf_error_set(err, MF_ERR_INVALID, "options: the options object is NULL");
    if (!mf_is_identifier(name))
        return mf_error_set(err, MF_ERR_INVALID,
                            "options: '%s' is not a valid option name (letters, digits, '_')",
                            name ? name : "(null)");
    for (size_t i = 0; i < opts->n; i++) {
        if (strcmp(opts->v[i].name, name) == 0) {
            char *keep = opts->v[i].name;
            opts->v[i].name = NULL;
            value_clear(&opts->v[i]);
            opts->v[i].name = keep;
            *out = &opts->v[i];
            return MF_OK;
        }
    }
    if (opts->n == opts->cap) {
        size_t cap = opts->cap ? 2 * opts->cap : 8;
        mf_option_value *v = realloc(opts->v, cap * sizeof *v);
        if (!v)
            return mf_error_set(err, MF_ERR_NOMEM, "out of memory setting option '%s'", name);
        opts->v = v;
        opts->cap = cap;
    }
    mf_option_value *v = &opts->v[opts->n];
    memset(v, 0, sizeof *v);
    v->name = strdup(name);
    if (!v->name)
        return mf_error_set(err, MF_ERR_NOMEM, "out of memory setting option '%s'", name);
    opts->n++;
    *out = v;
    return MF_OK;
}

/* Stores `val` (its kind and scalar fields; name and owned buffers come
 * from the slot) under `name`; *out, if asked, is the stored value, for
 * the setters that copy a buffer into it. */
static mf_status put(mf_options *opts, const char *name, mf_option_value val,
                     mf_option_value **out, mf_error *err)
{
    mf_option_value *v;
    mf_status st = slot(opts, name, &v, err);
    if (st)
        return st;
    val.name = v->name;
    *v = val;
    if (out)
        *out = v;
    return MF_OK;
}

mf_status mf_options_set_double(mf_options *opts, const char *name, double value, mf_error *err)
{
    return put(opts, name, (mf_option_value){.kind = MF_VAL_DOUBLE, .number = value}, NULL,
               err);
}

mf_status mf_options_set_int(mf_options *opts, const char *name, int64_t value, mf_error *err)
{
    return put(opts, name, (mf_option_value){.kind = MF_VAL_INT, .integer = value}, NULL, err);
}

mf_status mf_options_set_bool(mf_options *opts, const char *name, bool value, mf_error *err)
{
    return put(opts, name, (mf_option_value){.kind = MF_VAL_BOOL, .flag = value}, NULL, err);
}

mf_status mf_options_set_string(mf_options *opts, const char *name, const char *value,
                                mf_error *err)
{
    mf_option_value *v;
    mf_status st = put(opts, name, (mf_option_value){.kind = MF_VAL_STRING}, &v, err);
    if (st)
        return st;
    v->text = strdup(value ? value : "");
    if (!v->text)
        return mf_error_set(err, MF_ERR_NOMEM, "out of memory setting option '%s'", name);
    return MF_OK;
}

mf_status mf_options_set_quantity(mf_options *opts, const char *name, double value_si,
                                  const double dims[MF_N_BASE_UNITS], mf_error *err)
{
    mf_option_value val = {.kind = MF_VAL_QUANTITY, .number = value_si, .dim = mf_dim_none()};
    for (int i = 0; i < MF_N_BASE_UNITS && dims; i++)
        val.dim.e[i] = dims[i];
    return put(opts, name, val, NULL, err);
}

mf_status mf_options_set_array(mf_options *opts, const char *name, const double *values,
                               size_t n, mf_error *err)
{
    if (n > 0 && !values)
        return mf_error_set(err, MF_ERR_INVALID,
                            "options: array '%s' has %zu values but NULL data",
                            name ? name : "(null)", n);
    mf_option_value *v;
    mf_status st = put(opts, name, (mf_option_value){.kind = MF_VAL_ARRAY}, &v, err);
    if (st)
        return st;
    if (n > 0) {
        v->array = malloc(n * sizeof *v->array);
        if (!v->array)
            return mf_error_set(err, MF_ERR_NOMEM, "out of memory setting option '%s'", name);
        memcpy(v->array, values, n * sizeof *v->array);
    }
    v->n = n;
    return MF_OK;
}

/* ---- option tables ------------------------------------------------------ */

/* A nested message without its "...error: " head. */
static const char *bare(const char *message)
{
    const char *e = strstr(message, "error: ");
    return e ? e + 7 : message;
}

static const char *type_name(uint32_t type)
{
    switch (type) {
    case MF_OPT_DOUBLE: return "double";
    case MF_OPT_INT: return "int";
    case MF_OPT_BOOL: return "bool";
    case MF_OPT_STRING: return "string";
    case MF_OPT_QUANTITY: return "quantity";
    case MF_OPT_DOUBLE_ARRAY: return "double array";
    }
    return "unknown type";
}

const char *mf_plugin_option_type_name(uint32_t type)
{
    return type_name(type);
}

static const char *given_name(mf_value_kind k)
{
    switch (k) {
    case MF_VAL_DOUBLE: return "a number";
    case MF_VAL_INT: return "an integer";
    case MF_VAL_BOOL: return "a boolean";
    case MF_VAL_STRING: return "a string";
    case MF_VAL_QUANTITY: return "a quantity";
    case MF_VAL_ARRAY: return "an array";
    }
    return "a value";
}

mf_status mf_option_unit_dim(const char *unit, bool *any, mf_dim *dim, mf_error *err)
{
    *dim = mf_dim_none();
    *any = !unit || !*unit;
    if (*any)
        return MF_OK;
    double scale;
    mf_error perr;
    if (mf_quantity_parse(unit, &scale, dim, &perr) != MF_OK)
        return mf_error_set(err, MF_ERR_UNITS, "unit '%s' is not a Brian unit expression (%s)",
                            unit, bare(perr.message));
    return MF_OK;
}

/* Whether `word` is one of the '|'-separated `choices`. */
static bool in_choices(const char *choices, const char *word)
{
    size_t n = strlen(word);
    for (const char *p = choices; p && *p;) {
        const char *bar = strchr(p, '|');
        size_t len = bar ? (size_t)(bar - p) : strlen(p);
        if (len == n && strncmp(p, word, n) == 0)
            return true;
        p = bar ? bar + 1 : NULL;
    }
    return false;
}

static mf_status check_range(const mf_option_spec *s, double x, const char *owner,
                             mf_error *err)
{
    if ((s->flags & MF_OPT_HAS_MIN) && !(x >= s->min))
        return mf_error_set(err, MF_ERR_INVALID, "option '%s' of %s must be >= %g, got %g",
                            s->name, owner, s->min, x);
    if ((s->flags & MF_OPT_HAS_MAX) && !(x <= s->max))
        return mf_error_set(err, MF_ERR_INVALID, "option '%s' of %s must be <= %g, got %g",
                            s->name, owner, s->max, x);
    return MF_OK;
}

mf_status mf_option_spec_check(const mf_option_spec *s, mf_error *err)
{
    if (!mf_is_identifier(s->name))
        return mf_error_set(err, MF_ERR_PLUGIN, "option name '%s' is not an identifier",
                            s->name ? s->name : "(null)");
    if (s->type < MF_OPT_DOUBLE || s->type > MF_OPT_DOUBLE_ARRAY)
        return mf_error_set(err, MF_ERR_PLUGIN, "option '%s' has unknown type %u", s->name,
                            (unsigned)s->type);
    if (s->flags & ~(uint32_t)(MF_OPT_REQUIRED | MF_OPT_HAS_MIN | MF_OPT_HAS_MAX))
        return mf_error_set(err, MF_ERR_PLUGIN, "option '%s' has unknown flags 0x%x", s->name,
                            (unsigned)s->flags);
    if (s->type == MF_OPT_QUANTITY) {
        bool any;
        mf_dim dim;
        mf_error uerr;
        if (mf_option_unit_dim(s->unit, &any, &dim, &uerr) != MF_OK)
            return mf_error_set(err, MF_ERR_PLUGIN, "option '%s': %s", s->name,
                                bare(uerr.message));
    }
    bool numeric = s->type == MF_OPT_DOUBLE || s->type == MF_OPT_INT ||
                   s->type == MF_OPT_QUANTITY || s->type == MF_OPT_BOOL;
    if (numeric && !(s->flags & MF_OPT_REQUIRED)) {
        double d = s->default_number;
        if (isnan(d))
            return mf_error_set(err, MF_ERR_PLUGIN, "option '%s' has a NaN default", s->name);
        if (s->type == MF_OPT_INT && d != floor(d))
            return mf_error_set(err, MF_ERR_PLUGIN, "option '%s' is an int with default %g",
                                s->name, d);
        if (s->type == MF_OPT_BOOL && d != 0 && d != 1)
            return mf_error_set(err, MF_ERR_PLUGIN, "option '%s' is a bool with default %g",
                                s->name, d);
        if (s->type != MF_OPT_BOOL && check_range(s, d, "its plugin", err))
            return mf_error_set(err, MF_ERR_PLUGIN,
                                "option '%s' has default %g outside its range", s->name, d);
    }
    if (s->type == MF_OPT_STRING && s->choices && !(s->flags & MF_OPT_REQUIRED) &&
        !in_choices(s->choices, s->default_string ? s->default_string : ""))
        return mf_error_set(err, MF_ERR_PLUGIN, "option '%s' has default \"%s\" not among %s",
                            s->name, s->default_string ? s->default_string : "", s->choices);
    return MF_OK;
}

/* ---- resolution ---------------------------------------------------------- */

void mf_resolved_options_clear(mf_resolved_options *r)
{
    if (!r)
        return;
    for (size_t i = 0; r->values && i < r->n; i++) {
        free(r->values[i].text);
        free(r->values[i].array);
    }
    free(r->values);
    memset(r, 0, sizeof *r);
}

const mf_resolved_value *mf_resolved_find(const mf_resolved_options *r, const char *name,
                                          const mf_option_spec **spec)
{
    if (!r || !name)
        return NULL;
    for (size_t i = 0; i < r->n; i++) {
        if (strcmp(r->specs[i].name, name) == 0) {
            if (spec)
                *spec = &r->specs[i];
            return &r->values[i];
        }
    }
    return NULL;
}

/* "a, b, c" into buf. */
static void list_names(const mf_option_spec *specs, size_t n, char *buf, size_t cap)
{
    size_t used = 0;
    buf[0] = '\0';
    if (n == 0) {
        snprintf(buf, cap, "(none)");
        return;
    }
    for (size_t i = 0; i < n && used < cap; i++) {
        int w = snprintf(buf + used, cap - used, "%s%s", i ? ", " : "", specs[i].name);
        if (w < 0)
            break;
        used += (size_t)w;
    }
}

/* Parses the whole of s as a double; false on trailing text. */
static bool parse_number(const char *s, double *out)
{
    char *end;
    errno = 0;
    double d = strtod(s, &end);
    if (end == s)
        return false;
    while (isspace((unsigned char)*end))
        end++;
    if (*end || errno == ERANGE)
        return false;
    *out = d;
    return true;
}

static bool parse_bool(const char *s, bool *out)
{
    static const char *const yes[] = {"true", "1", "yes", "on"};
    static const char *const no[] = {"false", "0", "no", "off"};
    for (int i = 0; i < 4; i++) {
        if (strcasecmp(s, yes[i]) == 0)
            return (*out = true), true;
        if (strcasecmp(s, no[i]) == 0)
            return (*out = false), true;
    }
    return false;
}

static mf_status wrong_type(const mf_option_spec *s, const mf_option_value *v,
                            const char *owner, mf_error *err)
{
    return mf_error_set(err, MF_ERR_INVALID, "option '%s' of %s is a %s, but %s was given",
                        s->name, owner, type_name(s->type), given_name(v->kind));
}

static mf_status to_double(const mf_option_spec *s, const mf_option_value *v, const char *owner,
                           mf_resolved_value *r, mf_error *err)
{
    switch (v->kind) {
    case MF_VAL_DOUBLE: r->number = v->number; break;
    case MF_VAL_INT: r->number = (double)v->integer; break;
    case MF_VAL_QUANTITY:
        if (!mf_dim_is_none(v->dim)) {
            char u[64];
            return mf_error_set(err, MF_ERR_UNITS,
                                "option '%s' of %s is a dimensionless number, but a quantity "
                                "in %s was given",
                                s->name, owner, mf_dim_format(v->dim, u, sizeof u));
        }
        r->number = v->number;
        break;
    case MF_VAL_STRING:
        if (!parse_number(v->text, &r->number))
            return mf_error_set(err, MF_ERR_INVALID,
                                "option '%s' of %s is a number, not \"%s\"", s->name, owner,
                                v->text);
        break;
    default: return wrong_type(s, v, owner, err);
    }
    return check_range(s, r->number, owner, err);
}

static mf_status to_int(const mf_option_spec *s, const mf_option_value *v, const char *owner,
                        mf_resolved_value *r, mf_error *err)
{
    double d;
    switch (v->kind) {
    case MF_VAL_INT: r->integer = v->integer; break;
    case MF_VAL_DOUBLE:
    case MF_VAL_STRING:
        if (v->kind == MF_VAL_DOUBLE)
            d = v->number;
        else if (!parse_number(v->text, &d))
            return mf_error_set(err, MF_ERR_INVALID,
                                "option '%s' of %s is an integer, not \"%s\"", s->name, owner,
                                v->text);
        if (d != floor(d) || fabs(d) > 9007199254740992.0)
            return mf_error_set(err, MF_ERR_INVALID, "option '%s' of %s is an integer, not %g",
                                s->name, owner, d);
        r->integer = (int64_t)d;
        break;
    default: return wrong_type(s, v, owner, err);
    }
    r->number = (double)r->integer;
    return check_range(s, r->number, owner, err);
}

static mf_status to_bool(const mf_option_spec *s, const mf_option_value *v, const char *owner,
                         mf_resolved_value *r, mf_error *err)
{
    bool b;
    switch (v->kind) {
    case MF_VAL_BOOL: b = v->flag; break;
    case MF_VAL_INT:
        if (v->integer != 0 && v->integer != 1)
            return wrong_type(s, v, owner, err);
        b = v->integer == 1;
        break;
    case MF_VAL_STRING:
        if (!parse_bool(v->text, &b))
            return mf_error_set(err, MF_ERR_INVALID,
                                "option '%s' of %s is a bool (true or false), not \"%s\"",
                                s->name, owner, v->text);
        break;
    default: return wrong_type(s, v, owner, err);
    }
    r->integer = b;
    r->number = b;
    return MF_OK;
}

static mf_status to_string(const mf_option_spec *s, const mf_option_value *v, const char *owner,
                           mf_resolved_value *r, mf_error *err)
{
    if (v->kind != MF_VAL_STRING)
        return wrong_type(s, v, owner, err);
    if (s->choices && !in_choices(s->choices, v->text))
        return mf_error_set(err, MF_ERR_INVALID,
                            "option '%s' of %s must be one of %s, not \"%s\"", s->name, owner,
                            s->choices, v->text);
    r->text = strdup(v->text);
    if (!r->text)
        return mf_error_nomem(err, "an option's text", strlen(v->text) + 1);
    return MF_OK;
}

static mf_status to_quantity(const mf_option_spec *s, const mf_option_value *v,
                             const char *owner, mf_resolved_value *r, mf_error *err)
{
    bool any;
    mf_dim want;
    mf_status st = mf_option_unit_dim(s->unit, &any, &want, err);
    if (st)
        return st;
    char wu[64], gu[64];
    mf_dim_format(want, wu, sizeof wu);
    switch (v->kind) {
    case MF_VAL_QUANTITY:
        r->number = v->number;
        r->dim = v->dim;
        break;
    case MF_VAL_STRING: {
        mf_error perr;
        if (mf_quantity_parse(v->text, &r->number, &r->dim, &perr) != MF_OK)
            return mf_error_set(err, MF_ERR_INVALID,
                                "option '%s' of %s: \"%s\" is not a quantity (%s)", s->name,
                                owner, v->text, bare(perr.message));
        break;
    }
    case MF_VAL_DOUBLE:
    case MF_VAL_INT:
        r->number = v->kind == MF_VAL_DOUBLE ? v->number : (double)v->integer;
        r->dim = mf_dim_none();
        if (!any && !mf_dim_is_none(want))
            return mf_error_set(err, MF_ERR_UNITS,
                                "option '%s' of %s needs a unit (%s): give e.g. \"%g*%s\", not "
                                "the plain number %g",
                                s->name, owner, s->unit, r->number, s->unit, r->number);
        break;
    default: return wrong_type(s, v, owner, err);
    }
    if (!any && !mf_dim_eq(r->dim, want))
        return mf_error_set(err, MF_ERR_UNITS,
                            "option '%s' of %s has unit %s (%s), but %s was given", s->name,
                            owner, wu, s->unit, mf_dim_format(r->dim, gu, sizeof gu));
    return check_range(s, r->number, owner, err);
}

/* Splits "1, 2 3" into numbers. */
static mf_status parse_array(const mf_option_spec *s, const char *text, const char *owner,
                             mf_resolved_value *r, mf_error *err)
{
    size_t cap = 8, n = 0;
    double *a = malloc(cap * sizeof *a);
    if (!a)
        return mf_error_nomem(err, "an option's array", cap * sizeof *a);
    const char *p = text;
    for (;;) {
        while (isspace((unsigned char)*p) || *p == ',')
            p++;
        if (!*p)
            break;
        char *end;
        double d = strtod(p, &end);
        if (end == p) {
            free(a);
            return mf_error_set(err, MF_ERR_INVALID,
                                "option '%s' of %s is a list of numbers, not \"%s\"", s->name,
                                owner, text);
        }
        if (n == cap) {
            double *b = realloc(a, 2 * cap * sizeof *b);
            if (!b) {
                free(a);
                return mf_error_nomem(err, "an option's array", 2 * cap * sizeof *b);
            }
            a = b;
            cap *= 2;
        }
        a[n++] = d;
        p = end;
    }
    if (n == 0) {
        free(a);
        a = NULL;
    }
    r->array = a;
    r->n = n;
    return MF_OK;
}

static mf_status to_array(const mf_option_spec *s, const mf_option_value *v, const char *owner,
                          mf_resolved_value *r, mf_error *err)
{
    mf_status st = MF_OK;
    switch (v->kind) {
    case MF_VAL_ARRAY:
        if (v->n > 0) {
            r->array = malloc(v->n * sizeof *r->array);
            if (!r->array)
                return mf_error_nomem(err, "an option's array", v->n * sizeof *r->array);
            memcpy(r->array, v->array, v->n * sizeof *r->array);
        }
        r->n = v->n;
        break;
    case MF_VAL_DOUBLE:
    case MF_VAL_INT:
        r->array = malloc(sizeof *r->array);
        if (!r->array)
            return mf_error_nomem(err, "an option's array", sizeof *r->array);
        r->array[0] = v->kind == MF_VAL_DOUBLE ? v->number : (double)v->integer;
        r->n = 1;
        break;
    case MF_VAL_STRING: st = parse_array(s, v->text, owner, r, err); break;
    default: return wrong_type(s, v, owner, err);
    }
    for (size_t i = 0; st == MF_OK && i < r->n; i++)
        st = check_range(s, r->array[i], owner, err);
    return st;
}

static mf_status set_default(const mf_option_spec *s, mf_resolved_value *r, mf_error *err)
{
    r->number = s->default_number;
    r->integer = (int64_t)s->default_number;
    if (s->type == MF_OPT_QUANTITY) {
        bool any;
        return mf_option_unit_dim(s->unit, &any, &r->dim, err);
    }
    if (s->type == MF_OPT_STRING) {
        r->text = strdup(s->default_string ? s->default_string : "");
        if (!r->text)
            return mf_error_nomem(err, "an option's default text",
                                  strlen(s->default_string ? s->default_string : "") + 1);
    }
    return MF_OK;
}

static mf_status resolve_one(const mf_option_spec *s, const mf_option_value *v,
                             const char *owner, mf_resolved_value *r, mf_error *err)
{
    switch (s->type) {
    case MF_OPT_DOUBLE: return to_double(s, v, owner, r, err);
    case MF_OPT_INT: return to_int(s, v, owner, r, err);
    case MF_OPT_BOOL: return to_bool(s, v, owner, r, err);
    case MF_OPT_STRING: return to_string(s, v, owner, r, err);
    case MF_OPT_QUANTITY: return to_quantity(s, v, owner, r, err);
    case MF_OPT_DOUBLE_ARRAY: return to_array(s, v, owner, r, err);
    }
    return mf_error_set(err, MF_ERR_INTERNAL, "option '%s' has unknown type", s->name);
}

static const mf_option_value *given_value(const mf_options *given, const char *name)
{
    for (size_t i = 0; given && i < given->n; i++)
        if (strcmp(given->v[i].name, name) == 0)
            return &given->v[i];
    return NULL;
}

/* Every given name must be in the table. */
static mf_status check_unknown(const mf_options *given, const mf_option_spec *specs, size_t n,
                               const char *owner, mf_error *err)
{
    for (size_t i = 0; given && i < given->n; i++) {
        bool known = false;
        for (size_t k = 0; k < n && !known; k++)
            known = strcmp(specs[k].name, given->v[i].name) == 0;
        if (!known) {
            char names[768];
            list_names(specs, n, names, sizeof names);
            return mf_error_set(err, MF_ERR_NAME, "%s has no option '%s'; valid options: %s",
                                owner, given->v[i].name, names);
        }
    }
    return MF_OK;
}

mf_status mf_options_resolve(const mf_options *given, const mf_option_spec *specs,
                             size_t n_specs, const char *owner, mf_resolved_options *out,
                             mf_error *err)
{
    memset(out, 0, sizeof *out);
    mf_status st = check_unknown(given, specs, n_specs, owner, err);
    if (st)
        return st;
    mf_resolved_options r = {specs, n_specs, NULL};
    if (n_specs > 0) {
        r.values = calloc(n_specs, sizeof *r.values);
        if (!r.values)
            return mf_error_set(err, MF_ERR_NOMEM, "out of memory resolving options");
    }
    for (size_t k = 0; k < n_specs && st == MF_OK; k++) {
        const mf_option_spec *s = &specs[k];
        const mf_option_value *v = given_value(given, s->name);
        if (v) {
            st = resolve_one(s, v, owner, &r.values[k], err);
            r.values[k].given = true;
        } else if (s->flags & MF_OPT_REQUIRED) {
            st = mf_error_set(err, MF_ERR_INVALID, "%s needs option '%s' (%s%s%s): %s", owner,
                              s->name, type_name(s->type), s->unit && *s->unit ? " in " : "",
                              s->unit && *s->unit ? s->unit : "", s->help ? s->help : "");
        } else {
            st = set_default(s, &r.values[k], err);
        }
    }
    if (st) {
        mf_resolved_options_clear(&r);
        return st;
    }
    *out = r;
    return MF_OK;
}

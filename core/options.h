/* Options: the user's bag of named values (mf_options, public and opaque)
 * and its resolution against a plugin's option table.
 *
 * The user sets values with whatever type is natural where they come from
 * (a Lua number, a string on the command line, a quantity); resolution
 * converts each to the type the table declares, checks units, ranges and
 * choices, fills in defaults and yields one value per table entry, which the
 * plugin then reads through mf_host.opt_*. Every message names the owner
 * ("optimizer 'de'") and, for an unknown name, lists the valid ones. */
#ifndef MF_CORE_OPTIONS_H
#define MF_CORE_OPTIONS_H

#include "modelfit/plugins.h"
#include "units.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* How the user gave a value. */
typedef enum mf_value_kind {
    MF_VAL_DOUBLE = 1,
    MF_VAL_INT,
    MF_VAL_BOOL,
    MF_VAL_STRING,
    MF_VAL_QUANTITY,
    MF_VAL_ARRAY
} mf_value_kind;

typedef struct mf_option_value {
    char *name;
    mf_value_kind kind;
    double number;   /* DOUBLE; QUANTITY in SI */
    int64_t integer; /* INT */
    bool flag;       /* BOOL */
    char *text;      /* STRING */
    double *array;   /* ARRAY */
    size_t n;        /* ARRAY */
    mf_dim dim;      /* QUANTITY */
} mf_option_value;

struct mf_options {
    mf_option_value *v;
    size_t n, cap;
};

/* One table entry's final value. */
typedef struct mf_resolved_value {
    double number;   /* DOUBLE, QUANTITY (SI), INT and BOOL as numbers too */
    int64_t integer; /* INT; BOOL as 0/1 */
    char *text;      /* STRING: owned, never NULL */
    double *array;   /* DOUBLE_ARRAY: owned, NULL when n == 0 */
    size_t n;
    mf_dim dim; /* QUANTITY: the value's dimension */
    bool given; /* set by the user rather than defaulted */
} mf_resolved_value;

/* Values for a table (specs borrowed: they must outlive this). */
typedef struct mf_resolved_options {
    const mf_option_spec *specs;
    size_t n;
    mf_resolved_value *values;
} mf_resolved_options;

/* Resolves `given` (may be NULL) against specs[0..n_specs). owner names the
 * plugin in messages, e.g. "metric 'gamma'". On error *out is left empty. */
mf_status mf_options_resolve(const mf_options *given, const mf_option_spec *specs,
                             size_t n_specs, const char *owner, mf_resolved_options *out,
                             mf_error *err);
void mf_resolved_options_clear(mf_resolved_options *r);
/* The value of `name`, or NULL; *spec (when non-NULL) gets its entry. */
const mf_resolved_value *mf_resolved_find(const mf_resolved_options *r, const char *name,
                                          const mf_option_spec **spec);

/* Checks one table entry a plugin declares: identifier name, known type,
 * parseable unit, default within range and choices. */
mf_status mf_option_spec_check(const mf_option_spec *spec, mf_error *err);

/* The dimension a QUANTITY spec's unit names; *any is true for NULL/"". */
mf_status mf_option_unit_dim(const char *unit, bool *any, mf_dim *dim, mf_error *err);

/* true when s is [A-Za-z_][A-Za-z0-9_]*. */
bool mf_is_identifier(const char *s);

#endif

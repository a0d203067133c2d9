/* Physical quantities as plain values: a number in SI units and the
 * exponents of its dimension, with conversions from and to Brian's text
 * ("0.01*ms", "20000*umetre**2", "-65*mV").
 *
 * mf_quantity is a public struct on purpose: it is a value type that callers
 * keep on the stack and copy; its layout is fixed (fields are never added). */
#ifndef MODELFIT_QUANTITY_H
#define MODELFIT_QUANTITY_H

#include "modelfit/status.h"

#include <stdbool.h>
#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef struct mf_quantity {
    double value;  /* in SI base units: "-65*mV" has value -0.065 */
    double dim[7]; /* exponents of m kg s A K mol cd */
} mf_quantity;

/* Parses a quantity made of numbers, Brian unit names, * / ** and unary
 * minus ("1e-9*siemens", "3", "20000*umetre**2"). On error fills err with a
 * message naming the column, sets *q to 0 (dimensionless) and returns
 * MF_ERR_PARSE (syntax), MF_ERR_NAME (a name that is not a unit) or
 * MF_ERR_UNITS (e.g. "mV + ms"). */
MF_API mf_status mf_quantity_from_string(const char *s, mf_quantity *q, mf_error *err);

/* Writes q in its best unit, as Brian displays it ("-65 mV", "10.02 nS").
 * Truncates to fit n bytes; returns buf (NULL when buf is NULL or n 0). */
MF_API char *mf_quantity_to_string(mf_quantity q, char *buf, size_t n);

/* Writes a dimension as a unit ("V", "V/s", "m^2", "1"; dim NULL:
 * dimensionless); returns buf (NULL when buf is NULL or n 0). */
MF_API char *mf_quantity_unit_string(const double dim[7], char *buf, size_t n);

/* True when a and b have the same dimension (exponents within 1e-9). */
MF_API bool mf_quantity_same_unit(mf_quantity a, mf_quantity b);

#ifdef __cplusplus
}
#endif
#endif

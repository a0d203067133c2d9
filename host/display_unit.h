/* Choosing the unit to show numbers of one dimension in (axis labels,
 * printed arrays): the unit Brian would print a typical value in. */
#ifndef MF_HOST_DISPLAY_UNIT_H
#define MF_HOST_DISPLAY_UNIT_H

#include <stddef.h>

/* For values of dimension `dim` around `typical` (SI), writes the unit's
 * name ("mV", "ms", "nA"; "" when dimensionless) into name and sets *scale
 * so that value_si * scale is the number in that unit. A typical value of 0
 * or not finite is taken as 1 (the SI unit's own prefix). */
void mf_display_unit(const double dim[7], double typical, char *name, size_t n, double *scale);

#endif

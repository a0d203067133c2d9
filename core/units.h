/* Physical dimensions and Brian's unit names.
 *
 * A dimension is an exponent vector over the 7 SI base units. Exponents are
 * doubles because sqrt() halves them (Brian allows fractional exponents);
 * two dimensions are equal when every exponent agrees within 1e-9. */
#ifndef MF_CORE_UNITS_H
#define MF_CORE_UNITS_H

#include "modelfit/status.h"

#include <stdbool.h>
#include <stddef.h>

enum { MF_DIM_M, MF_DIM_KG, MF_DIM_S, MF_DIM_A, MF_DIM_K, MF_DIM_MOL, MF_DIM_CD, MF_NDIM };

typedef struct mf_dim {
    double e[MF_NDIM]; /* metre, kilogram, second, ampere, kelvin, mole, candela */
} mf_dim;

/* The dimensionless dimension (all exponents 0). */
mf_dim mf_dim_none(void);
/* A single base dimension, e.g. mf_dim_base(MF_DIM_S) for time. */
mf_dim mf_dim_base(int which);
mf_dim mf_dim_mul(mf_dim a, mf_dim b);
mf_dim mf_dim_div(mf_dim a, mf_dim b);
mf_dim mf_dim_pow(mf_dim a, double p);
bool mf_dim_eq(mf_dim a, mf_dim b);
bool mf_dim_is_none(mf_dim a);

/* Writes a dimension the way Brian prints it: a derived unit's symbol when
 * one matches exactly ("V", "A", "S", "F", "ohm", "Hz", "C", "J", "W", "s",
 * "m^2", "mol/m^3"...), else a product of base units ("V/s", "m^2 kg s^-3").
 * Dimensionless prints "1". Returns buf. */
char *mf_dim_format(mf_dim d, char *buf, size_t n);

/* Looks up a unit name of Brian's unit table: base and derived units with
 * every prefix (p n u m c k M G, and the others Brian has), the aliases Brian
 * accepts (amp/ampere, metre/meter, "molar" = mol/l ...), and the squared and
 * cubed forms ("umetre2", "cm2", "um3"). Sets the SI scale (mV -> 1e-3) and
 * dimension. Returns false for a name that is not a unit. */
bool mf_unit_lookup(const char *name, double *scale, mf_dim *dim);

/* Formats a value of the given dimension in its best unit, as Brian displays
 * quantities: the unit of this dimension with the prefix that puts the
 * mantissa in [1, 1000), 4 significant digits ("10.02 nS", "199.7 pF",
 * "-65 mV", "0 V"). A dimension without a named unit prints in base units.
 * Returns buf. */
char *mf_quantity_format(double value, mf_dim dim, char *buf, size_t n);

/* Formats as above but in a fixed unit given by name ("mV"); returns NULL
 * when the unit's dimension is not dim. */
char *mf_quantity_format_in(double value, mf_dim dim, const char *unit, char *buf, size_t n);

#endif

/* The display unit of a dimension, from the library's own choice of the
 * best unit for a value (mf_quantity_to_string prints "65 mV"), so the CLI
 * and the plots name units exactly as the library does. */
#include "display_unit.h"

#include "modelfit/quantity.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void mf_display_unit(const double dim[7], double typical, char *name, size_t n, double *scale)
{
    if (!isfinite(typical) || typical == 0.0)
        typical = 1.0;
    typical = fabs(typical);
    mf_quantity q = {typical, {0}};
    memcpy(q.dim, dim, sizeof q.dim);
    char text[128];
    mf_quantity_to_string(q, text, sizeof text);
    const char *space = strchr(text, ' ');
    double shown = strtod(text, NULL);
    if (!space || !(shown > 0.0) || !isfinite(shown)) {
        /* Dimensionless, or a text we cannot split: SI as is. */
        *scale = 1.0;
        if (n > 0)
            mf_quantity_unit_string(dim, name, n);
        if (n > 0 && strcmp(name, "1") == 0)
            name[0] = '\0';
        return;
    }
    /* The text is rounded; the prefixes are powers of ten. */
    *scale = pow(10.0, round(log10(shown / typical)));
    snprintf(name, n, "%s", space + 1);
}

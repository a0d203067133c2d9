/* Fuzzes quantity strings ("0.01*ms", "-65*mV", "20000*umetre**2"): the
 * internal mf_quantity_parse and the public mf_quantity_from_string, which
 * must agree, and the formatting of whatever was read.
 *
 * Promises checked beyond the sanitizers: both calls return the same status
 * and value; a failure fills the error record and leaves *q at 0 with no
 * dimension (modelfit/quantity.h); the formatted text is terminated and
 * fits the buffer. */
#include "expr.h"
#include "fuzz_util.h"
#include "modelfit/quantity.h"

#include <math.h>

static bool same_value(double a, double b)
{
    return a == b || (isnan(a) && isnan(b));
}

static void check_format(mf_quantity q)
{
    char buf[48];
    memset(buf, 'X', sizeof buf);
    mf_quantity_to_string(q, buf, sizeof buf);
    FUZZ_CHECK(memchr(buf, '\0', sizeof buf) != NULL, "formatted quantity not terminated");
    char small[4];
    mf_quantity_to_string(q, small, sizeof small);
    FUZZ_CHECK(memchr(small, '\0', sizeof small) != NULL, "truncated quantity not terminated");
    mf_quantity_unit_string(q.dim, buf, sizeof buf);
    FUZZ_CHECK(memchr(buf, '\0', sizeof buf) != NULL, "unit not terminated");
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *s = fuzz_cstring(data, size);
    double value = 0.0;
    mf_dim dim = mf_dim_none();
    mf_error err1, err2;
    mf_status st1 = mf_quantity_parse(s, &value, &dim, &err1);
    mf_quantity q = {.value = 12345.0, .dim = {1, 2, 3, 4, 5, 6, 7}};
    mf_status st2 = mf_quantity_from_string(s, &q, &err2);
    free(s);
    FUZZ_CHECK(st1 == st2, "mf_quantity_parse says %d, mf_quantity_from_string %d", (int)st1,
               (int)st2);
    if (st2 != MF_OK) {
        fuzz_check_error(st1, &err1);
        fuzz_check_error(st2, &err2);
        FUZZ_CHECK(strcmp(err1.message, err2.message) == 0, "messages differ: %s / %s",
                   err1.message, err2.message);
        FUZZ_CHECK(q.value == 0.0, "failed parse left value %g", q.value);
        for (int i = 0; i < 7; i++)
            FUZZ_CHECK(q.dim[i] == 0.0, "failed parse left a dimension");
        return 0;
    }
    FUZZ_CHECK(same_value(value, q.value), "values differ: %.17g / %.17g", value, q.value);
    for (int i = 0; i < 7; i++)
        FUZZ_CHECK(same_value(dim.e[i], q.dim[i]), "dimension %d differs", i);
    check_format(q);
    return 0;
}

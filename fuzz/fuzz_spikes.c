/* Fuzzes the spike-train reader (mf_read_spike_csv). The reader takes a
 * path, so each input is written to a per-process temporary file.
 *
 * Promises checked beyond the sanitizers (modelfit/data.h): either whole
 * trains or NULL with a filled error record; an accepted file has at least
 * one train, and every train's times are finite and non-decreasing. */
#include "fuzz_util.h"
#include "modelfit/data.h"

#include <math.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *path = fuzz_write_tmp(data, size);
    mf_spike_trains *s = (mf_spike_trains *)&size; /* must be overwritten */
    mf_error err;
    mf_status st = mf_read_spike_csv(path, &s, &err);
    if (st != MF_OK) {
        fuzz_check_error(st, &err);
        FUZZ_CHECK(s == NULL, "a failed read returned trains");
        return 0;
    }
    FUZZ_CHECK(s != NULL, "read returned OK without trains");
    int n = mf_spike_trains_count(s);
    FUZZ_CHECK(n > 0, "%d trains accepted", n);
    for (int i = 0; i < n; i++) {
        int len = mf_spike_trains_len(s, i);
        const double *t = mf_spike_trains_times(s, i);
        FUZZ_CHECK(len >= 0 && (len == 0 || t != NULL), "train %d: %d times at %p", i, len,
                   (const void *)t);
        for (int k = 0; k < len; k++) {
            FUZZ_CHECK(isfinite(t[k]), "train %d time %d is %g", i, k, t[k]);
            FUZZ_CHECK(k == 0 || t[k] >= t[k - 1], "train %d decreases at %d", i, k);
        }
    }
    FUZZ_CHECK(mf_spike_trains_len(s, n) == 0 && mf_spike_trains_times(s, n) == NULL,
               "train %d past the end exists", n);
    mf_spike_trains_free(s);
    return 0;
}

/* Fuzzes the NumPy .npy reader (mf_read_npy). The reader takes a path, so
 * each input is written to a per-process temporary file.
 *
 * Promises checked beyond the sanitizers (modelfit/data.h): either a whole
 * array or NULL with a filled error record; an accepted array holds no more
 * values than the file has data bytes for (8 or 4 bytes each), and every
 * value can be read. */
#include "fuzz_util.h"
#include "modelfit/data.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *path = fuzz_write_tmp(data, size);
    mf_array *a = (mf_array *)&size; /* must be overwritten */
    mf_error err;
    mf_status st = mf_read_npy(path, &a, &err);
    if (st != MF_OK) {
        fuzz_check_error(st, &err);
        FUZZ_CHECK(a == NULL, "a failed read returned an array");
        return 0;
    }
    FUZZ_CHECK(a != NULL, "read returned OK without an array");
    size_t rows = mf_array_rows(a), cols = mf_array_cols(a);
    FUZZ_CHECK(cols == 0 || rows <= size / 4 / cols, "%zu x %zu values from %zu bytes", rows,
               cols, size);
    const double *v = mf_array_cdata(a);
    volatile double sum = 0.0; /* touch every value: ASan sees a short buffer */
    for (size_t i = 0; i < rows * cols; i++)
        sum += v[i];
    (void)sum;
    mf_array_free(a);
    return 0;
}

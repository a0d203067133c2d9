/* Fuzzes the CSV reader (mf_read_csv) in its three layouts. The reader
 * takes a path, so each input is written to a per-process temporary file.
 *
 * Promises checked beyond the sanitizers (modelfit/data.h): either a whole
 * array or NULL with a filled error record; an accepted array is non-empty
 * and every one of its rows x cols values can be read. */
#include "fuzz_util.h"
#include "modelfit/data.h"

static void read_one(const char *path, mf_csv_layout layout)
{
    mf_array *a = (mf_array *)&layout; /* must be overwritten */
    mf_error err;
    mf_status st = mf_read_csv(path, layout, &a, &err);
    if (st != MF_OK) {
        fuzz_check_error(st, &err);
        FUZZ_CHECK(a == NULL, "a failed read returned an array");
        return;
    }
    FUZZ_CHECK(a != NULL, "read returned OK without an array");
    size_t rows = mf_array_rows(a), cols = mf_array_cols(a);
    FUZZ_CHECK(rows > 0, "an array without rows was accepted (layout %d)", (int)layout);
    const double *v = mf_array_cdata(a);
    volatile double sum = 0.0; /* touch every value: ASan sees a short buffer */
    for (size_t i = 0; i < rows * cols; i++)
        sum += v[i];
    (void)sum;
    mf_array_free(a);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *path = fuzz_write_tmp(data, size);
    read_one(path, MF_CSV_AUTO);
    read_one(path, MF_CSV_PLAIN);
    read_one(path, MF_CSV_PANDAS);
    return 0;
}

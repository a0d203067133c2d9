/* modelfit: reading and writing data (traces, inputs, spike trains).
 *
 * Contract: a reader either returns a complete object in *out or sets *out
 * to NULL and fills err; nothing half-read is ever returned. Errors about a
 * place in a text file read "path:line:col: error: ..." (1-based, col in
 * bytes). Numbers are read and written in the C locale whatever the
 * program's locale is. All `_free(NULL)` are no-ops. */
#ifndef MODELFIT_DATA_H
#define MODELFIT_DATA_H

#include "modelfit/status.h"

#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

/* ---- dense arrays -------------------------------------------------------- */

/* A dense row-major 2-D array of doubles: rows are traces, columns are time
 * steps (element (r, c) is data[r * cols + c]). */
typedef struct mf_array mf_array;

/* A rows x cols array of zeros. Either size may be 0 (an empty array). */
MF_API mf_status mf_array_new(size_t rows, size_t cols, mf_array **out, mf_error *err);
MF_API void mf_array_free(mf_array *a);
MF_API size_t mf_array_rows(const mf_array *a);
MF_API size_t mf_array_cols(const mf_array *a);
/* The rows * cols values, row-major; the array owns them. NULL for NULL. */
MF_API double *mf_array_data(mf_array *a);
MF_API const double *mf_array_cdata(const mf_array *a);
/* Element (r, c); NaN when r or c is out of range or a is NULL. */
MF_API double mf_array_at(const mf_array *a, size_t r, size_t c);

/* ---- CSV ----------------------------------------------------------------- */

typedef enum mf_csv_layout {
    /* A first row whose first field is empty or not a number is a header:
     * it is skipped, and when its first field is empty (pandas'
     * DataFrame.to_csv() writes the index column's empty label there) the
     * first column of every row, the row index, is dropped too. Otherwise
     * the file is plain. */
    MF_CSV_AUTO = 0,
    /* Numbers only, no header, no index column (np.savetxt(..., delimiter=",")). */
    MF_CSV_PLAIN = 1,
    /* DataFrame.to_csv(): a header row, then rows starting with the index. */
    MF_CSV_PANDAS = 2
} mf_csv_layout;

/* Reads comma-separated numbers, one row per line. Accepts "\n" and "\r\n",
 * a missing final newline, spaces or tabs around values, blank lines
 * (skipped), lines of any length, and the spellings Python writes for
 * special values ("nan", "inf", "-inf"). Errors: MF_ERR_IO for a file that
 * cannot be opened or read (with the system's reason); MF_ERR_PARSE, naming
 * the place, for a cell that is not a number (quoted in the message), an
 * empty cell, a row with a different number of values than the first
 * ("row 3 has 4 values, row 1 has 5"), or a file without data rows. */
MF_API mf_status mf_read_csv(const char *path, mf_csv_layout layout, mf_array **out,
                             mf_error *err);

/* Writes one row per line, values with "%.17g" (so they read back exactly),
 * after `header` (written as given, followed by a newline) unless it is
 * NULL. The file is written to "<path>.tmp" and renamed over path, so a
 * reader never sees a half-written file; on failure path is untouched. */
MF_API mf_status mf_write_csv(const char *path, const mf_array *a, const char *header,
                              mf_error *err);

/* ---- NumPy .npy ---------------------------------------------------------- */

/* Reads a .npy file (format versions 1.0, 2.0 and 3.0) holding float64
 * ('<f8') or float32 ('<f4', widened to double), of shape (n,) (read as
 * 1 x n), (rows, cols), or () (1 x 1), in C or Fortran order (Fortran order
 * is transposed into row-major). Errors name the file and the problem: bad
 * magic, an unsupported version, dtype (named, e.g. '<i8') or number of
 * dimensions, a malformed header, or truncated data (MF_ERR_PARSE); a file
 * that cannot be opened (MF_ERR_IO). */
MF_API mf_status mf_read_npy(const char *path, mf_array **out, mf_error *err);

/* ---- spike trains -------------------------------------------------------- */

/* Ragged spike trains: for each trace (or neuron) the spike times in
 * seconds, in increasing order. */
typedef struct mf_spike_trains mf_spike_trains;

/* Reads one line per trace of comma-separated spike times in seconds; an
 * empty (or blank) line is a trace without spikes, so "\n" is one empty
 * trace and the final newline does not start a trace. Times must be finite
 * and non-decreasing along a line. Errors as for mf_read_csv; an empty file
 * (0 bytes) is an error because it cannot say how many traces it holds. */
MF_API mf_status mf_read_spike_csv(const char *path, mf_spike_trains **out, mf_error *err);

/* Copies n trains: train i has lens[i] times, times[i][0 .. lens[i]-1]
 * (times[i] may be NULL when lens[i] is 0). n >= 0, lens[i] >= 0; times
 * must be finite (else MF_ERR_NUMERIC) and non-decreasing (else
 * MF_ERR_INVALID). */
MF_API mf_status mf_spike_trains_new_from(int n, const int *lens, const double *const *times,
                                          mf_spike_trains **out, mf_error *err);
MF_API void mf_spike_trains_free(mf_spike_trains *s);
/* The number of trains (0 for NULL). */
MF_API int mf_spike_trains_count(const mf_spike_trains *s);
/* The number of spikes of train i (0 when i is out of range). */
MF_API int mf_spike_trains_len(const mf_spike_trains *s, int i);
/* The times of train i, len(i) values owned by s; NULL when i is out of
 * range. */
MF_API const double *mf_spike_trains_times(const mf_spike_trains *s, int i);

#ifdef __cplusplus
}
#endif
#endif

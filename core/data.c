/* Dense arrays of doubles and their CSV form (plain numbers, or the layout
 * of pandas' DataFrame.to_csv()). */
#include "modelfit/data.h"

#include "data_text.h"
#include "error.h"

#include <errno.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct mf_array {
    size_t rows, cols;
    double *data; /* never NULL, even for an empty array */
};

static mf_status array_wrap(size_t rows, size_t cols, double *data, mf_array **out,
                            mf_error *err)
{
    mf_array *a = malloc(sizeof *a);
    if (!a)
        return mf_error_set(err, MF_ERR_NOMEM, "out of memory creating an array");
    a->rows = rows;
    a->cols = cols;
    a->data = data;
    *out = a;
    return MF_OK;
}

mf_status mf_array_new(size_t rows, size_t cols, mf_array **out, mf_error *err)
{
    if (!out)
        return mf_error_set(err, MF_ERR_INVALID, "mf_array_new: out is NULL");
    *out = NULL;
    if (cols != 0 && rows > SIZE_MAX / sizeof(double) / cols)
        return mf_error_set(err, MF_ERR_NOMEM, "an array of %zu x %zu doubles is too large",
                            rows, cols);
    size_t count = rows * cols;
    double *data = calloc(count ? count : 1, sizeof *data);
    if (!data)
        return mf_error_set(err, MF_ERR_NOMEM, "out of memory for a %zu x %zu array", rows,
                            cols);
    mf_status st = array_wrap(rows, cols, data, out, err);
    if (st != MF_OK)
        free(data);
    return st;
}

void mf_array_free(mf_array *a)
{
    if (!a)
        return;
    free(a->data);
    free(a);
}

size_t mf_array_rows(const mf_array *a)
{
    return a ? a->rows : 0;
}

size_t mf_array_cols(const mf_array *a)
{
    return a ? a->cols : 0;
}

double *mf_array_data(mf_array *a)
{
    return a ? a->data : NULL;
}

const double *mf_array_cdata(const mf_array *a)
{
    return a ? a->data : NULL;
}

double mf_array_at(const mf_array *a, size_t r, size_t c)
{
    if (!a || r >= a->rows || c >= a->cols)
        return NAN;
    return a->data[r * a->cols + c];
}

/* ---- reading CSV --------------------------------------------------------- */

typedef struct csv_reader {
    const char *path;
    mf_error *err;
    bool drop_index;    /* the first field of each data row is pandas' index */
    size_t header_cols; /* data columns the header names; 0 without a header */
    size_t cols;        /* values per row, fixed by the first data row */
    size_t rows;
    double *vals;
    size_t n_vals, cap;
} csv_reader;

static mf_status push_value(csv_reader *r, double v)
{
    if (r->n_vals == r->cap) {
        size_t cap = r->cap ? r->cap * 2 : 1024;
        double *grown =
            cap < SIZE_MAX / sizeof(double) ? realloc(r->vals, cap * sizeof(double)) : NULL;
        if (!grown)
            return mf_error_set(r->err, MF_ERR_NOMEM, "out of memory reading '%s'", r->path);
        r->vals = grown;
        r->cap = cap;
    }
    r->vals[r->n_vals++] = v;
    return MF_OK;
}

static mf_status cell_error(csv_reader *r, const mf_text_line *line, char *cell,
                            mf_cell_status cs)
{
    char *start = cell + strspn(cell, " \t");
    int col = (int)(start - line->text) + 1;
    char quoted[64];
    mf_text_quote_cell(cell, quoted, sizeof quoted);
    if (cs == MF_CELL_EMPTY)
        return mf_error_at(r->err, MF_ERR_PARSE, r->path, line->number, col,
                           "empty cell (write missing values as nan; pandas needs "
                           "to_csv(na_rep='nan'))");
    if (cs == MF_CELL_RANGE)
        return mf_error_at(r->err, MF_ERR_PARSE, r->path, line->number, col,
                           "%s is too large for a double", quoted);
    return mf_error_at(r->err, MF_ERR_PARSE, r->path, line->number, col, "%s is not a number",
                       quoted);
}

static mf_status count_error(csv_reader *r, const mf_text_line *line, size_t n, int col)
{
    if (r->header_cols)
        return mf_error_at(r->err, MF_ERR_PARSE, r->path, line->number, col,
                           "row %zu has %zu values, the header names %zu columns", r->rows + 1,
                           n, r->header_cols);
    return mf_error_at(r->err, MF_ERR_PARSE, r->path, line->number, col,
                       "row %zu has %zu values, row 1 has %zu", r->rows + 1, n, r->cols);
}

/* Parses one data line into r->vals. */
static mf_status read_row(csv_reader *r, const mf_text_line *line)
{
    size_t expected = r->header_cols ? r->header_cols : r->cols;
    size_t n = 0;
    int extra_col = 0; /* where the first value past the expected ones starts */
    char *cell = line->text;
    for (bool skip = r->drop_index;; skip = false) {
        char *comma = strchr(cell, ',');
        if (comma)
            *comma = '\0';
        if (!skip) {
            if (expected && n == expected && !extra_col)
                extra_col = (int)(cell - line->text) + 1;
            double v = 0;
            char *start;
            mf_cell_status cs = mf_text_parse_cell(cell, &v, &start);
            if (cs != MF_CELL_OK)
                return cell_error(r, line, cell, cs);
            mf_status st = push_value(r, v);
            if (st != MF_OK)
                return st;
            n++;
        }
        if (!comma)
            break;
        cell = comma + 1;
    }
    if (r->rows == 0 && !r->header_cols)
        r->cols = n;
    else if (n != expected)
        return count_error(r, line, n, extra_col ? extra_col : (int)line->len + 1);
    if (r->rows == 0)
        r->cols = n;
    r->rows++;
    return MF_OK;
}

/* The first field of a line (trimmed) is empty or not a number. */
static bool first_field_is_label(const char *text, bool *empty)
{
    size_t len = strcspn(text, ",");
    char field[64];
    if (len >= sizeof field) {
        *empty = false;
        return true; /* no number is that long */
    }
    memcpy(field, text, len);
    field[len] = '\0';
    double v;
    char *start;
    mf_cell_status cs = mf_text_parse_cell(field, &v, &start);
    *empty = cs == MF_CELL_EMPTY;
    return cs != MF_CELL_OK;
}

static size_t count_fields(const char *text)
{
    size_t n = 1;
    for (const char *p = text; (p = strchr(p, ',')) != NULL; p++)
        n++;
    return n;
}

/* Decides from the first non-blank line whether it is a header. */
static bool take_header(csv_reader *r, mf_csv_layout layout, const mf_text_line *line)
{
    bool empty = false;
    bool label = first_field_is_label(line->text, &empty);
    if (layout == MF_CSV_PLAIN || (layout == MF_CSV_AUTO && !label))
        return false;
    r->drop_index = layout == MF_CSV_PANDAS || empty;
    size_t fields = count_fields(line->text);
    r->header_cols = r->drop_index ? fields - 1 : fields;
    return true;
}

static mf_status read_lines(csv_reader *r, mf_csv_layout layout, char *text, size_t len)
{
    mf_text_cursor cur;
    mf_text_cursor_init(&cur, text, len);
    mf_text_line line;
    bool first = true;
    int last_line = 0;
    while (mf_text_next_line(&cur, &line)) {
        last_line = line.number;
        if (mf_text_is_blank(line.text))
            continue;
        if (first) {
            first = false;
            if (take_header(r, layout, &line)) {
                if (r->header_cols == 0)
                    return mf_error_at(r->err, MF_ERR_PARSE, r->path, line.number, 1,
                                       "the header names no data columns");
                continue;
            }
        }
        mf_status st = read_row(r, &line);
        if (st != MF_OK)
            return st;
    }
    if (r->rows == 0)
        return mf_error_at(r->err, MF_ERR_PARSE, r->path, last_line ? last_line : 1, 1,
                           first ? "the file is empty" : "no data rows after the header");
    return MF_OK;
}

mf_status mf_read_csv(const char *path, mf_csv_layout layout, mf_array **out, mf_error *err)
{
    if (!out)
        return mf_error_set(err, MF_ERR_INVALID, "mf_read_csv: out is NULL");
    *out = NULL;
    if (!path)
        return mf_error_set(err, MF_ERR_INVALID, "mf_read_csv: path is NULL");
    if (layout != MF_CSV_AUTO && layout != MF_CSV_PLAIN && layout != MF_CSV_PANDAS)
        return mf_error_set(err, MF_ERR_INVALID, "mf_read_csv: unknown layout %d", (int)layout);
    char *text;
    size_t len;
    mf_status st = mf_text_read_file(path, &text, &len, err);
    if (st != MF_OK)
        return st;
    csv_reader r = {.path = path, .err = err};
    mf_c_locale loc;
    mf_c_locale_enter(&loc);
    st = read_lines(&r, layout, text, len);
    mf_c_locale_leave(&loc);
    free(text);
    if (st == MF_OK) {
        double *exact = realloc(r.vals, r.n_vals * sizeof(double));
        if (exact)
            r.vals = exact;
        st = array_wrap(r.rows, r.cols, r.vals, out, err);
    }
    if (st != MF_OK)
        free(r.vals);
    return st;
}

/* ---- writing CSV --------------------------------------------------------- */

bool mf_csv_write_row(FILE *f, const double *row, size_t n)
{
    for (size_t c = 0; c < n; c++)
        if (fprintf(f, c ? ",%.17g" : "%.17g", row[c]) < 0)
            return false;
    return fputc('\n', f) != EOF;
}

static bool write_rows(FILE *f, const mf_array *a, const char *header)
{
    if (header && fprintf(f, "%s\n", header) < 0)
        return false;
    for (size_t r = 0; r < a->rows; r++)
        if (!mf_csv_write_row(f, a->data + r * a->cols, a->cols))
            return false;
    return true;
}

mf_status mf_write_csv(const char *path, const mf_array *a, const char *header, mf_error *err)
{
    if (!path || !a)
        return mf_error_set(err, MF_ERR_INVALID, "mf_write_csv: %s is NULL",
                            path ? "the array" : "path");
    mf_atomic_file out;
    mf_status rc = mf_atomic_open(&out, path, false, NULL, err);
    if (rc != MF_OK)
        return rc;
    mf_c_locale loc;
    mf_c_locale_enter(&loc);
    bool ok = write_rows(out.f, a, header);
    mf_c_locale_leave(&loc);
    return mf_atomic_commit(&out, ok, err);
}

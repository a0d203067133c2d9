/* core/data*.c: arrays, CSV (plain and pandas), NPY and spike-train files.
 *
 * Small files are written into MF_TEST_BINARY_DIR at run time (NPY files
 * byte by byte, following NumPy's format description), and the reference
 * data of the HH tutorial and the LIF simulation are read from
 * MF_SHARED_DIR; the expected values there were read with Python's csv
 * module. */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <cmocka.h>

#include <errno.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "data_text.h"
#include "modelfit/modelfit.h"

/* A non-NULL value a reader must overwrite with NULL on failure. */
#define SENTINEL ((void *)&sentinel_target)
static int sentinel_target;

static const char *test_path(const char *name)
{
    static char buf[4096];
    snprintf(buf, sizeof buf, "%s/%s", MF_TEST_BINARY_DIR, name);
    return buf;
}

static const char *write_bytes(const char *name, const void *bytes, size_t len)
{
    const char *path = test_path(name);
    FILE *f = fopen(path, "wb");
    if (!f)
        fail_msg("cannot create %s: %s", path, strerror(errno));
    assert_int_equal(fwrite(bytes, 1, len, f), len);
    assert_int_equal(fclose(f), 0);
    return path;
}

static const char *write_text(const char *name, const char *text)
{
    return write_bytes(name, text, strlen(text));
}

static mf_array *read_ok(const char *path, mf_csv_layout layout)
{
    mf_array *a = SENTINEL;
    mf_error err = {0};
    mf_status st = mf_read_csv(path, layout, &a, &err);
    if (st != MF_OK)
        fail_msg("reading %s failed: %s", path, err.message);
    assert_non_null(a);
    return a;
}

/* The message of a refused read contains each fragment (NULL: none). */
static void assert_message(const mf_error *err, const char *frag1, const char *frag2)
{
    if (frag1 && !strstr(err->message, frag1))
        fail_msg("message '%s' lacks '%s'", err->message, frag1);
    if (frag2 && !strstr(err->message, frag2))
        fail_msg("message '%s' lacks '%s'", err->message, frag2);
}

/* Reading must fail with status and a message containing each of the
 * fragments, and leave *out NULL. */
static void csv_fails(const char *path, mf_csv_layout layout, mf_status status,
                      const char *frag1, const char *frag2)
{
    mf_array *a = SENTINEL;
    mf_error err = {0};
    mf_status st = mf_read_csv(path, layout, &a, &err);
    assert_null(a);
    if (st != status)
        fail_msg("status %d, expected %d (%s)", st, status, err.message);
    assert_message(&err, frag1, frag2);
}

static void assert_values(const mf_array *a, size_t rows, size_t cols, const double *want)
{
    assert_int_equal(mf_array_rows(a), rows);
    assert_int_equal(mf_array_cols(a), cols);
    for (size_t r = 0; r < rows; r++)
        for (size_t c = 0; c < cols; c++)
            if (mf_array_at(a, r, c) != want[r * cols + c])
                fail_msg("(%zu, %zu) = %.17g, expected %.17g", r, c, mf_array_at(a, r, c),
                         want[r * cols + c]);
}

/* ---- arrays -------------------------------------------------------------- */

static void test_array_basics(void **state)
{
    (void)state;
    mf_array *a = NULL;
    mf_error err;
    assert_int_equal(mf_array_new(2, 3, &a, &err), MF_OK);
    assert_int_equal(mf_array_rows(a), 2);
    assert_int_equal(mf_array_cols(a), 3);
    for (size_t i = 0; i < 6; i++)
        assert_true(mf_array_data(a)[i] == 0.0);
    mf_array_data(a)[1 * 3 + 2] = 7.5; /* row-major */
    assert_true(mf_array_at(a, 1, 2) == 7.5);
    assert_true(mf_array_cdata(a)[5] == 7.5);
    assert_true(isnan(mf_array_at(a, 2, 0)));
    assert_true(isnan(mf_array_at(a, 0, 3)));
    assert_true(isnan(mf_array_at(NULL, 0, 0)));
    assert_int_equal(mf_array_rows(NULL), 0);
    assert_null(mf_array_data(NULL));
    mf_array_free(a);
    mf_array_free(NULL);

    assert_int_equal(mf_array_new(0, 5, &a, &err), MF_OK);
    assert_int_equal(mf_array_rows(a), 0);
    assert_non_null(mf_array_data(a));
    mf_array_free(a);

    a = SENTINEL;
    assert_int_equal(mf_array_new(SIZE_MAX / 2, 4, &a, &err), MF_ERR_NOMEM);
    assert_null(a);
    assert_int_equal(mf_array_new(1, 1, NULL, &err), MF_ERR_INVALID);
}

/* ---- CSV ----------------------------------------------------------------- */

static void test_csv_plain(void **state)
{
    (void)state;
    const char *path = write_text("data_plain.csv", "1,2,3\n4.5,-6e-3,1e10\n");
    static const double want[] = {1, 2, 3, 4.5, -6e-3, 1e10};
    mf_array *a = read_ok(path, MF_CSV_AUTO);
    assert_values(a, 2, 3, want);
    mf_array_free(a);
    a = read_ok(path, MF_CSV_PLAIN);
    assert_values(a, 2, 3, want);
    mf_array_free(a);
    /* Read as pandas, the first row is a header and the first column an index. */
    a = read_ok(path, MF_CSV_PANDAS);
    static const double want_pd[] = {-6e-3, 1e10};
    assert_values(a, 1, 2, want_pd);
    mf_array_free(a);
}

static void test_csv_pandas(void **state)
{
    (void)state;
    /* What DataFrame([[1.5, 2.5, 3.5], [4, 5, 6]]).to_csv() writes. */
    const char *path = write_text("data_pandas.csv", ",0,1,2\n0,1.5,2.5,3.5\n1,4.0,5.0,6.0\n");
    static const double want[] = {1.5, 2.5, 3.5, 4, 5, 6};
    mf_array *a = read_ok(path, MF_CSV_AUTO);
    assert_values(a, 2, 3, want);
    mf_array_free(a);
    a = read_ok(path, MF_CSV_PANDAS);
    assert_values(a, 2, 3, want);
    mf_array_free(a);
    /* A plain reading refuses the header, quoting the first bad cell. */
    csv_fails(path, MF_CSV_PLAIN, MF_ERR_PARSE, "data_pandas.csv:1:1: error:", "empty cell");

    /* to_csv(index=False): a header of labels and no index column. */
    path = write_text("data_labels.csv", "v,w\n1,2\n3,4\n");
    static const double want2[] = {1, 2, 3, 4};
    a = read_ok(path, MF_CSV_AUTO);
    assert_values(a, 2, 2, want2);
    mf_array_free(a);
    csv_fails(path, MF_CSV_PLAIN, MF_ERR_PARSE,
              "data_labels.csv:1:1: error: 'v' is not a number", NULL);

    /* A pandas row that lacks a value is named against the header. */
    path = write_text("data_pandas_short.csv", ",0,1,2\n0,1,2,3\n1,4,5\n");
    csv_fails(path, MF_CSV_AUTO, MF_ERR_PARSE,
              "data_pandas_short.csv:3:", "row 2 has 2 values, the header names 3 columns");
    /* Only a header: no data. */
    path = write_text("data_header_only.csv", ",0,1,2\n");
    csv_fails(path, MF_CSV_AUTO, MF_ERR_PARSE, "data_header_only.csv:1:1:", "no data rows");
}

static void test_csv_crlf_spaces_no_final_newline(void **state)
{
    (void)state;
    const char *path = write_text("data_crlf.csv", "1, 2 ,\t3\r\n\r\n 4,5,6 \r\n7,8,9");
    static const double want[] = {1, 2, 3, 4, 5, 6, 7, 8, 9};
    mf_array *a = read_ok(path, MF_CSV_AUTO);
    assert_values(a, 3, 3, want);
    mf_array_free(a);
    path = write_text("data_pandas_crlf.csv", ",0,1\r\n0,1,2\r\n1,3,4\r\n");
    static const double want2[] = {1, 2, 3, 4};
    a = read_ok(path, MF_CSV_AUTO);
    assert_values(a, 2, 2, want2);
    mf_array_free(a);
}

static void test_csv_special_values(void **state)
{
    (void)state;
    const char *path = write_text("data_special.csv", "nan,inf,-inf\n1,NaN,-0.0\n");
    mf_array *a = read_ok(path, MF_CSV_AUTO);
    assert_int_equal(mf_array_rows(a), 2);
    assert_true(isnan(mf_array_at(a, 0, 0)));
    assert_true(isinf(mf_array_at(a, 0, 1)) && mf_array_at(a, 0, 1) > 0);
    assert_true(isinf(mf_array_at(a, 0, 2)) && mf_array_at(a, 0, 2) < 0);
    assert_true(isnan(mf_array_at(a, 1, 1)));
    assert_true(mf_array_at(a, 1, 2) == 0 && signbit(mf_array_at(a, 1, 2)));
    mf_array_free(a);
}

static void test_csv_errors(void **state)
{
    (void)state;
    const char *path =
        write_text("data_ragged.csv", "1,2,3,4,5\n1,2,3,4,5\n1,2,3,4\n1,2,3,4,5\n");
    csv_fails(path, MF_CSV_AUTO, MF_ERR_PARSE,
              "data_ragged.csv:3:8: error:", "row 3 has 4 values, row 1 has 5");
    path = write_text("data_long_row.csv", "1,2\n3,4,5\n");
    csv_fails(path, MF_CSV_PLAIN, MF_ERR_PARSE,
              "data_long_row.csv:2:5:", "row 2 has 3 values, row 1 has 2");
    path = write_text("data_word.csv", "1,2\n3, abc\n");
    csv_fails(path, MF_CSV_AUTO, MF_ERR_PARSE,
              "data_word.csv:2:4: error: 'abc' is not a number", NULL);
    path = write_text("data_1x.csv", "1,2\n3,1.5x\n");
    csv_fails(path, MF_CSV_AUTO, MF_ERR_PARSE, "'1.5x' is not a number", NULL);
    path = write_text("data_empty_cell.csv", "1,2,3\n4,,6\n");
    csv_fails(path, MF_CSV_AUTO, MF_ERR_PARSE, "data_empty_cell.csv:2:3:", "empty cell");
    path = write_text("data_huge.csv", "1,1e999\n");
    csv_fails(path, MF_CSV_AUTO, MF_ERR_PARSE, "'1e999' is too large", NULL);
    path = write_text("data_empty.csv", "");
    csv_fails(path, MF_CSV_AUTO, MF_ERR_PARSE, "data_empty.csv:1:1:", "empty");
    path = write_text("data_blank.csv", "\n  \n\r\n");
    csv_fails(path, MF_CSV_AUTO, MF_ERR_PARSE, "data_blank.csv:", "empty");

    char missing[4200];
    snprintf(missing, sizeof missing, "%s", test_path("data_no_such_file.csv"));
    remove(missing);
    csv_fails(missing, MF_CSV_AUTO, MF_ERR_IO, "data_no_such_file.csv", strerror(ENOENT));
    /* A directory opens but cannot be read. */
    csv_fails(MF_TEST_BINARY_DIR, MF_CSV_AUTO, MF_ERR_IO, MF_TEST_BINARY_DIR, NULL);

    mf_error err;
    assert_int_equal(mf_read_csv(missing, MF_CSV_AUTO, NULL, &err), MF_ERR_INVALID);
    mf_array *a = SENTINEL;
    assert_int_equal(mf_read_csv(missing, (mf_csv_layout)42, &a, &err), MF_ERR_INVALID);
    assert_null(a);
}

static void test_csv_megabyte_line(void **state)
{
    (void)state;
    /* Two rows of 100000 values of 11 bytes: lines of 1.1 MB. */
    enum { N = 100000 };
    size_t cap = 2 * (size_t)N * 12 + 16, len = 0;
    char *text = malloc(cap);
    assert_non_null(text);
    for (int r = 0; r < 2; r++)
        for (int i = 0; i < N; i++)
            len += (size_t)snprintf(text + len, cap - len, "%d.%08d%c", r, i,
                                    i == N - 1 ? '\n' : ',');
    assert_true(len > 2000000);
    const char *path = write_bytes("data_long_line.csv", text, len);
    free(text);
    mf_array *a = read_ok(path, MF_CSV_AUTO);
    assert_int_equal(mf_array_rows(a), 2);
    assert_int_equal(mf_array_cols(a), N);
    assert_true(mf_array_at(a, 0, 0) == 0.0);
    assert_true(mf_array_at(a, 0, 12345) == 0.00012345);
    assert_true(mf_array_at(a, 1, N - 1) == 1.00099999);
    mf_array_free(a);
}

static void test_csv_write_roundtrip(void **state)
{
    (void)state;
    mf_array *a;
    mf_error err;
    assert_int_equal(mf_array_new(2, 4, &a, &err), MF_OK);
    double *d = mf_array_data(a);
    const double vals[8] = {0.1, 1.0 / 3.0, -1e-300,   6.02214076e23,
                            NAN, INFINITY,  -INFINITY, -0.0};
    memcpy(d, vals, sizeof vals);
    const char *path = test_path("data_written.csv");
    char saved[4200];
    snprintf(saved, sizeof saved, "%s", path);
    write_text("data_written.csv", "old contents\n");
    assert_int_equal(mf_write_csv(saved, a, NULL, &err), MF_OK);
    mf_array *b = read_ok(saved, MF_CSV_PLAIN);
    assert_int_equal(mf_array_rows(b), 2);
    assert_int_equal(mf_array_cols(b), 4);
    for (int i = 0; i < 8; i++) {
        double x = vals[i], y = mf_array_cdata(b)[i];
        if (isnan(x))
            assert_true(isnan(y));
        else
            assert_memory_equal(&x, &y, sizeof x); /* bit for bit */
    }
    mf_array_free(b);
    /* No temporary file is left behind. */
    char tmp[4300];
    snprintf(tmp, sizeof tmp, "%s.tmp", saved);
    assert_int_equal(access(tmp, F_OK), -1);

    /* A header of labels reads back through AUTO detection. */
    assert_int_equal(mf_write_csv(saved, a, "a,b,c,d", &err), MF_OK);
    b = read_ok(saved, MF_CSV_AUTO);
    assert_int_equal(mf_array_rows(b), 2);
    assert_true(mf_array_at(b, 0, 0) == 0.1);
    mf_array_free(b);

    char bad[4200];
    snprintf(bad, sizeof bad, "%s/no_such_dir/x.csv", MF_TEST_BINARY_DIR);
    assert_int_equal(mf_write_csv(bad, a, NULL, &err), MF_ERR_IO);
    assert_non_null(strstr(err.message, "no_such_dir"));
    assert_non_null(strstr(err.message, strerror(ENOENT)));
    assert_int_equal(mf_write_csv(bad, NULL, NULL, &err), MF_ERR_INVALID);
    mf_array_free(a);
}

/* The one atomic writer (data_text.h) behind the CSV, the JSON history and
 * checkpoints: whole new contents or the old ones, the right permissions,
 * and a failure that says why. */
static void test_atomic_write(void **state)
{
    (void)state;
    mf_error err;
    char path[4200];
    snprintf(path, sizeof path, "%s", test_path("atomic.txt"));
    mode_t old_mask = umask(022);
    assert_int_equal(mf_text_write_file(path, "public\n", 7, NULL, false, &err), MF_OK);
    struct stat st;
    assert_int_equal(stat(path, &st), 0);
    assert_int_equal(st.st_mode & 0777, 0644);
    assert_int_equal(mf_text_write_file(path, "private\n", 8, "the secret", true, &err), MF_OK);
    assert_int_equal(stat(path, &st), 0);
    assert_int_equal(st.st_mode & 0777, 0600);
    umask(old_mask);
    char *text;
    size_t len;
    assert_int_equal(mf_text_read_file(path, &text, &len, &err), MF_OK);
    assert_string_equal(text, "private\n");
    free(text);

    /* An abandoned write (a failed fprintf) keeps the old contents and
     * leaves no temporary file. */
    mf_atomic_file a;
    assert_int_equal(mf_atomic_open(&a, path, false, NULL, &err), MF_OK);
    fputs("half", a.f);
    errno = ENOSPC;
    assert_int_equal(mf_atomic_commit(&a, false, &err), MF_ERR_IO);
    assert_non_null(strstr(err.message, strerror(ENOSPC)));
    assert_int_equal(mf_text_read_file(path, &text, &len, &err), MF_OK);
    assert_string_equal(text, "private\n");
    free(text);
    char tmp[4300];
    snprintf(tmp, sizeof tmp, "%s.tmp", path);
    assert_int_equal(access(tmp, F_OK), -1);

    /* A rename over a directory fails: the message names what, the path
     * and the system's reason. */
    const char *dir = test_path("atomic_dir");
    mkdir(dir, 0755);
    assert_int_equal(mf_text_write_file(dir, "x", 1, "the checkpoint", true, &err), MF_ERR_IO);
    assert_non_null(strstr(err.message, "cannot write the checkpoint '"));
    assert_non_null(strstr(err.message, strerror(EISDIR)));
}

/* ---- NPY ----------------------------------------------------------------- */

typedef struct npy_spec {
    int major;
    const char *descr;
    bool fortran;
    const char *shape; /* "(2, 3)" */
    const double *vals;
    size_t n_vals; /* in file order */
    size_t drop;   /* bytes cut from the end (truncation) */
} npy_spec;

static void put_le(unsigned char *p, uint64_t v, int nbytes)
{
    for (int i = 0; i < nbytes; i++)
        p[i] = (unsigned char)(v >> (8 * i));
}

/* Writes an .npy file as NumPy's format.py does: the header dict padded with
 * spaces and ended with '\n' so the data starts at a multiple of 64. */
static const char *write_npy(const char *name, const npy_spec *s)
{
    char dict[256];
    snprintf(dict, sizeof dict, "{'descr': '%s', 'fortran_order': %s, 'shape': %s, }", s->descr,
             s->fortran ? "True" : "False", s->shape);
    size_t field = s->major == 1 ? 2 : 4;
    size_t pre = 8 + field;
    size_t hlen = strlen(dict) + 1;
    hlen += (64 - (pre + hlen) % 64) % 64;
    size_t item = strcmp(s->descr, "<f4") == 0 ? 4 : 8;
    size_t total = pre + hlen + s->n_vals * item;
    unsigned char *b = calloc(total, 1);
    assert_non_null(b);
    memcpy(b, "\x93NUMPY", 6);
    b[6] = (unsigned char)s->major;
    b[7] = 0;
    put_le(b + 8, hlen, (int)field);
    memset(b + pre, ' ', hlen);
    memcpy(b + pre, dict, strlen(dict));
    b[pre + hlen - 1] = '\n';
    for (size_t i = 0; i < s->n_vals; i++) {
        unsigned char *p = b + pre + hlen + i * item;
        if (item == 8) {
            uint64_t bits;
            memcpy(&bits, &s->vals[i], 8);
            put_le(p, bits, 8);
        } else {
            float f = (float)s->vals[i];
            uint32_t bits;
            memcpy(&bits, &f, 4);
            put_le(p, bits, 4);
        }
    }
    const char *path = write_bytes(name, b, total - s->drop);
    free(b);
    return path;
}

static mf_array *npy_ok(const char *path)
{
    mf_array *a = SENTINEL;
    mf_error err = {0};
    if (mf_read_npy(path, &a, &err) != MF_OK)
        fail_msg("reading %s failed: %s", path, err.message);
    return a;
}

static void npy_fails(const char *path, const char *frag1, const char *frag2)
{
    mf_array *a = SENTINEL;
    mf_error err = {0};
    mf_status st = mf_read_npy(path, &a, &err);
    assert_null(a);
    if (st == MF_OK)
        fail_msg("reading %s should fail", path);
    assert_message(&err, frag1, frag2);
}

static const double k_2x3[6] = {1.5, -2.25, 3e-3, 4e10, -5.0, 0.1};

static void test_npy_f8_c_order(void **state)
{
    (void)state;
    npy_spec s = {1, "<f8", false, "(2, 3)", k_2x3, 6, 0};
    mf_array *a = npy_ok(write_npy("data_f8.npy", &s));
    assert_values(a, 2, 3, k_2x3);
    mf_array_free(a);
    /* Versions 2.0 and 3.0 have a 4-byte header length. */
    s.major = 2;
    a = npy_ok(write_npy("data_f8_v2.npy", &s));
    assert_values(a, 2, 3, k_2x3);
    mf_array_free(a);
    s.major = 3;
    a = npy_ok(write_npy("data_f8_v3.npy", &s));
    assert_values(a, 2, 3, k_2x3);
    mf_array_free(a);
}

static void test_npy_f4_and_shapes(void **state)
{
    (void)state;
    npy_spec s = {1, "<f4", false, "(2, 3)", k_2x3, 6, 0};
    mf_array *a = npy_ok(write_npy("data_f4.npy", &s));
    double want[6];
    for (int i = 0; i < 6; i++)
        want[i] = (double)(float)k_2x3[i];
    assert_values(a, 2, 3, want);
    mf_array_free(a);
    /* 1-D arrays read as one row. */
    npy_spec v = {1, "<f8", false, "(6,)", k_2x3, 6, 0};
    a = npy_ok(write_npy("data_1d.npy", &v));
    assert_values(a, 1, 6, k_2x3);
    mf_array_free(a);
    npy_spec sc = {1, "<f8", false, "()", k_2x3, 1, 0};
    a = npy_ok(write_npy("data_scalar.npy", &sc));
    assert_values(a, 1, 1, k_2x3);
    mf_array_free(a);
    npy_spec e = {1, "<f8", false, "(0, 3)", NULL, 0, 0};
    a = npy_ok(write_npy("data_empty.npy", &e));
    assert_int_equal(mf_array_rows(a), 0);
    assert_int_equal(mf_array_cols(a), 3);
    mf_array_free(a);
}

static void test_npy_fortran_order(void **state)
{
    (void)state;
    /* Fortran order stores column 0, then column 1...: the 2 x 3 matrix
     * [[1, 2, 3], [4, 5, 6]] is the sequence 1 4 2 5 3 6. */
    static const double file_order[6] = {1, 4, 2, 5, 3, 6};
    static const double want[6] = {1, 2, 3, 4, 5, 6};
    npy_spec s = {1, "<f8", true, "(2, 3)", file_order, 6, 0};
    mf_array *a = npy_ok(write_npy("data_fortran.npy", &s));
    assert_values(a, 2, 3, want);
    mf_array_free(a);
    s.descr = "<f4";
    a = npy_ok(write_npy("data_fortran_f4.npy", &s));
    assert_values(a, 2, 3, want);
    mf_array_free(a);
}

static void test_npy_errors(void **state)
{
    (void)state;
    npy_spec s = {1, "<i8", false, "(2, 3)", k_2x3, 6, 0};
    npy_fails(write_npy("data_i8.npy", &s), "dtype '<i8' is not supported", "data_i8.npy");
    s.descr = ">f8";
    npy_fails(write_npy("data_be.npy", &s), "dtype '>f8'", NULL);
    s.descr = "<f8";
    s.drop = 5;
    npy_fails(write_npy("data_trunc.npy", &s), "truncated data", "48 bytes");
    s.drop = 0;
    s.shape = "(2, 3, 1)";
    npy_fails(write_npy("data_3d.npy", &s), "3 dimensions", NULL);
    s.shape = "(2, x)";
    npy_fails(write_npy("data_badshape.npy", &s), "bad .npy header", "'shape'");
    s.shape = "(2, 3)";
    s.major = 4;
    npy_fails(write_npy("data_v4.npy", &s), "version 4.0", NULL);
    npy_fails(write_text("data_magic.npy", "1,2,3\n4,5,6\n"), "not a NumPy .npy file",
              "data_magic.npy");
    npy_fails(write_bytes("data_short.npy", "\x93NUMPY\x01\x00\x76", 9), "not a NumPy", NULL);
    /* The header length runs past the end of the file. */
    npy_fails(write_bytes("data_short_header.npy", "\x93NUMPY\x01\x00\x76\x00{'descr'", 18),
              "truncated .npy header", NULL);
    char missing[4200];
    snprintf(missing, sizeof missing, "%s", test_path("data_missing.npy"));
    remove(missing);
    npy_fails(missing, "data_missing.npy", strerror(ENOENT));
}

/* ---- spike trains -------------------------------------------------------- */

static mf_spike_trains *spikes_ok(const char *path)
{
    mf_spike_trains *s = SENTINEL;
    mf_error err = {0};
    if (mf_read_spike_csv(path, &s, &err) != MF_OK)
        fail_msg("reading %s failed: %s", path, err.message);
    return s;
}

static void spikes_fail(const char *path, const char *frag1, const char *frag2)
{
    mf_spike_trains *s = SENTINEL;
    mf_error err = {0};
    mf_status st = mf_read_spike_csv(path, &s, &err);
    assert_null(s);
    if (st == MF_OK)
        fail_msg("reading %s should fail", path);
    assert_message(&err, frag1, frag2);
}

static void test_spike_csv(void **state)
{
    (void)state;
    mf_spike_trains *s = spikes_ok(write_text("data_spikes.csv", "0.1,0.25\n\n 0.3 \n"));
    assert_int_equal(mf_spike_trains_count(s), 3);
    assert_int_equal(mf_spike_trains_len(s, 0), 2);
    assert_int_equal(mf_spike_trains_len(s, 1), 0);
    assert_int_equal(mf_spike_trains_len(s, 2), 1);
    assert_true(mf_spike_trains_times(s, 0)[1] == 0.25);
    assert_true(mf_spike_trains_times(s, 2)[0] == 0.3);
    assert_null(mf_spike_trains_times(s, 3));
    assert_null(mf_spike_trains_times(s, -1));
    assert_int_equal(mf_spike_trains_len(s, 3), 0);
    mf_spike_trains_free(s);

    /* Without a final newline, and with CRLF line ends. */
    s = spikes_ok(write_text("data_spikes_nonl.csv", "\r\n0.5,0.5,0.7"));
    assert_int_equal(mf_spike_trains_count(s), 2);
    assert_int_equal(mf_spike_trains_len(s, 0), 0);
    assert_int_equal(mf_spike_trains_len(s, 1), 3);
    mf_spike_trains_free(s);
    s = spikes_ok(write_text("data_spikes_one_empty.csv", "\n"));
    assert_int_equal(mf_spike_trains_count(s), 1);
    assert_int_equal(mf_spike_trains_len(s, 0), 0);
    mf_spike_trains_free(s);
    mf_spike_trains_free(NULL);
    assert_int_equal(mf_spike_trains_count(NULL), 0);

    spikes_fail(write_text("data_spikes_empty.csv", ""), "data_spikes_empty.csv:1:1:", "empty");
    spikes_fail(write_text("data_spikes_word.csv", "0.1\n0.2,x1\n"),
                "data_spikes_word.csv:2:5:", "'x1'");
    spikes_fail(write_text("data_spikes_gap.csv", "0.1,,0.2\n"),
                "data_spikes_gap.csv:1:5:", "empty cell");
    spikes_fail(write_text("data_spikes_down.csv", "0.1,0.3,0.2\n"),
                "data_spikes_down.csv:1:9:", "must not decrease");
    spikes_fail(write_text("data_spikes_nan.csv", "0.1,nan\n"), "not finite", NULL);
    char missing[4200];
    snprintf(missing, sizeof missing, "%s", test_path("data_spikes_missing.csv"));
    remove(missing);
    spikes_fail(missing, "data_spikes_missing.csv", strerror(ENOENT));
}

static void test_spike_trains_new_from(void **state)
{
    (void)state;
    double t0[] = {0.001, 0.002, 0.004};
    double t2[] = {0.5};
    const double *times[] = {t0, NULL, t2};
    int lens[] = {3, 0, 1};
    mf_spike_trains *s = NULL;
    mf_error err;
    assert_int_equal(mf_spike_trains_new_from(3, lens, times, &s, &err), MF_OK);
    t0[0] = 99; /* the trains are copies */
    assert_int_equal(mf_spike_trains_count(s), 3);
    assert_int_equal(mf_spike_trains_len(s, 0), 3);
    assert_int_equal(mf_spike_trains_len(s, 1), 0);
    assert_true(mf_spike_trains_times(s, 0)[0] == 0.001);
    assert_true(mf_spike_trains_times(s, 2)[0] == 0.5);
    mf_spike_trains_free(s);

    assert_int_equal(mf_spike_trains_new_from(0, NULL, NULL, &s, &err), MF_OK);
    assert_int_equal(mf_spike_trains_count(s), 0);
    mf_spike_trains_free(s);

    double down[] = {0.2, 0.1};
    const double *bad[] = {down};
    int two[] = {2};
    s = SENTINEL;
    assert_int_equal(mf_spike_trains_new_from(1, two, bad, &s, &err), MF_ERR_INVALID);
    assert_null(s);
    assert_non_null(strstr(err.message, "spike train 1, spike 2 (counting from 1)"));
    /* NaN is printed "nan" whatever its sign bit (0.0/0.0 sets it on x86). */
    volatile double zero = 0.0;
    double nan_t[] = {0.1, -(zero / zero)};
    bad[0] = nan_t;
    assert_int_equal(mf_spike_trains_new_from(1, two, bad, &s, &err), MF_ERR_NUMERIC);
    assert_non_null(strstr(err.message, "spike train 1, spike 2 (counting from 1): the time is "
                                        "nan;"));
    nan_t[1] = nan_t[0];
    double inf_t[] = {-INFINITY};
    const double *two_trains[] = {nan_t, inf_t};
    int lens2[] = {2, 1};
    assert_int_equal(mf_spike_trains_new_from(2, lens2, two_trains, &s, &err), MF_ERR_NUMERIC);
    assert_non_null(strstr(err.message, "spike train 2, spike 1 (counting from 1): the time is "
                                        "-inf;"));
    int neg[] = {-1};
    assert_int_equal(mf_spike_trains_new_from(1, neg, bad, &s, &err), MF_ERR_INVALID);
    assert_non_null(strstr(err.message, "spike train 1 (counting from 1): negative length"));
    assert_int_equal(mf_spike_trains_new_from(-1, neg, bad, &s, &err), MF_ERR_INVALID);
}

/* ---- reference data ------------------------------------------------------ */

static bool shared_dir_present(void)
{
    struct stat st;
    return stat(MF_SHARED_DIR "/refdata", &st) == 0 && S_ISDIR(st.st_mode);
}

static void test_hh_tutorial_csv(void **state)
{
    (void)state;
    if (!shared_dir_present())
        skip();
    const char *in = MF_SHARED_DIR "/refdata/hh_tutorial/input_traces_hh.csv";
    mf_array *a = read_ok(in, MF_CSV_AUTO);
    assert_int_equal(mf_array_rows(a), 5);
    assert_int_equal(mf_array_cols(a), 1497);
    /* Trace 0: a 10 nA step over samples 499..997 (Python's csv module). */
    assert_true(mf_array_at(a, 0, 498) == 0.0);
    assert_true(mf_array_at(a, 0, 499) == 1e-08);
    assert_true(mf_array_at(a, 0, 997) == 1e-08);
    assert_true(mf_array_at(a, 0, 998) == 0.0);
    assert_true(mf_array_at(a, 2, 0) == 2e-09); /* trace 2 starts at t = 0 */
    assert_true(mf_array_at(a, 3, 499) == 5.0000000000000004e-08);
    assert_true(mf_array_at(a, 4, 500) == 2.0000000000000003e-10);
    mf_array_free(a);
    a = read_ok(in, MF_CSV_PANDAS);
    assert_int_equal(mf_array_cols(a), 1497);
    mf_array_free(a);

    const char *out = MF_SHARED_DIR "/refdata/hh_tutorial/output_traces_hh.csv";
    a = read_ok(out, MF_CSV_AUTO);
    assert_int_equal(mf_array_rows(a), 5);
    assert_int_equal(mf_array_cols(a), 1497);
    assert_true(mf_array_at(a, 0, 0) == -63.54211144921105);
    assert_true(mf_array_at(a, 2, 699) == 19.879277567574896);
    assert_true(mf_array_at(a, 4, 1496) == -60.013921874228465);
    mf_array_free(a);
}

static void test_lif_spikes_csv(void **state)
{
    (void)state;
    if (!shared_dir_present())
        skip();
    mf_spike_trains *s = spikes_ok(MF_SHARED_DIR "/refdata/lif/lif_spikes.csv");
    static const int lens[10] = {0, 50, 89, 133, 175, 0, 10, 44, 77, 111};
    assert_int_equal(mf_spike_trains_count(s), 10);
    for (int i = 0; i < 10; i++)
        assert_int_equal(mf_spike_trains_len(s, i), lens[i]);
    assert_true(mf_spike_trains_times(s, 1)[0] == 0.11550000000000001);
    assert_true(mf_spike_trains_times(s, 1)[2] == 0.14700000000000002);
    assert_true(mf_spike_trains_times(s, 9)[110] == 0.89740000000000009);
    mf_spike_trains_free(s);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_array_basics),
        cmocka_unit_test(test_csv_plain),
        cmocka_unit_test(test_csv_pandas),
        cmocka_unit_test(test_csv_crlf_spaces_no_final_newline),
        cmocka_unit_test(test_csv_special_values),
        cmocka_unit_test(test_csv_errors),
        cmocka_unit_test(test_csv_megabyte_line),
        cmocka_unit_test(test_csv_write_roundtrip),
        cmocka_unit_test(test_atomic_write),
        cmocka_unit_test(test_npy_f8_c_order),
        cmocka_unit_test(test_npy_f4_and_shapes),
        cmocka_unit_test(test_npy_fortran_order),
        cmocka_unit_test(test_npy_errors),
        cmocka_unit_test(test_spike_csv),
        cmocka_unit_test(test_spike_trains_new_from),
        cmocka_unit_test(test_hh_tutorial_csv),
        cmocka_unit_test(test_lif_spikes_csv),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

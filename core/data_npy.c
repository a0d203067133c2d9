/* NumPy's .npy format (numpy/lib/format.py, "NEP 1"): the magic
 * "\x93NUMPY", a version byte pair, a little-endian header length (2 bytes
 * in version 1, 4 in versions 2 and 3), a Python dict literal
 * {'descr': '<f8', 'fortran_order': False, 'shape': (r, c), } and the raw
 * data. We read float64 and float32 only, in either memory order. */
#include "modelfit/data.h"

#include "data_text.h"
#include "error.h"

#include <ctype.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct npy_header {
    char descr[32];
    int fortran; /* -1 until found */
    int ndim;    /* -1 until found */
    size_t shape[2];
} npy_header;

static uint64_t read_le(const unsigned char *p, int nbytes)
{
    uint64_t v = 0;
    for (int i = nbytes - 1; i >= 0; i--)
        v = (v << 8) | p[i];
    return v;
}

static const char *skip_space(const char *p)
{
    while (*p == ' ' || *p == '\t' || *p == '\n' || *p == '\r')
        p++;
    return p;
}

/* The value following key ('key' or "key") and its colon, or NULL. */
static const char *find_key(const char *dict, const char *key)
{
    size_t kl = strlen(key);
    for (const char *p = dict; (p = strstr(p, key)) != NULL; p += kl) {
        if (p == dict || (p[-1] != '\'' && p[-1] != '"') || p[kl] != p[-1])
            continue;
        const char *v = skip_space(p + kl + 1);
        if (*v == ':')
            return skip_space(v + 1);
    }
    return NULL;
}

static const char *parse_descr(const char *v, npy_header *h)
{
    if (!v)
        return "no 'descr' key";
    if (*v == '[' || *v == '(' || *v == '{')
        return "a structured dtype";
    if (*v != '\'' && *v != '"')
        return "'descr' is not a string";
    const char *close = strchr(v + 1, *v);
    if (!close || (size_t)(close - v - 1) >= sizeof h->descr)
        return "'descr' is malformed";
    memcpy(h->descr, v + 1, (size_t)(close - v - 1));
    h->descr[close - v - 1] = '\0';
    return NULL;
}

static const char *parse_shape(const char *v, npy_header *h)
{
    if (!v || *v != '(')
        return "no 'shape' tuple";
    size_t dims[8];
    int n = 0;
    const char *p = skip_space(v + 1);
    while (*p != ')') {
        if (!isdigit((unsigned char)*p))
            return "'shape' is malformed";
        char *end;
        unsigned long long d = strtoull(p, &end, 10);
        if (d > SIZE_MAX)
            return "'shape' is too large";
        if (n < 8)
            dims[n] = (size_t)d;
        n++;
        p = skip_space(end);
        if (*p == 'L') /* Python 2 longs */
            p = skip_space(p + 1);
        if (*p == ',')
            p = skip_space(p + 1);
        else if (*p != ')')
            return "'shape' is malformed";
    }
    h->ndim = n;
    h->shape[0] = n == 2 ? dims[0] : 1;
    h->shape[1] = n == 2 ? dims[1] : n == 1 ? dims[0] : 1;
    return NULL;
}

static const char *parse_header(const char *dict, npy_header *h)
{
    const char *why = parse_descr(find_key(dict, "descr"), h);
    if (why)
        return why;
    const char *f = find_key(dict, "fortran_order");
    if (!f)
        return "no 'fortran_order' key";
    if (strncmp(f, "True", 4) == 0)
        h->fortran = 1;
    else if (strncmp(f, "False", 5) == 0)
        h->fortran = 0;
    else
        return "'fortran_order' is neither True nor False";
    return parse_shape(find_key(dict, "shape"), h);
}

/* Splits the file into header dict (copied, NUL-terminated) and data. */
static mf_status split_file(const char *path, const unsigned char *b, size_t len, char **dict,
                            size_t *data_at, mf_error *err)
{
    static const unsigned char magic[6] = {0x93, 'N', 'U', 'M', 'P', 'Y'};
    if (len < 10 || memcmp(b, magic, 6) != 0)
        return mf_error_set(err, MF_ERR_PARSE,
                            "'%s' is not a NumPy .npy file (it does not start with the "
                            "magic \\x93NUMPY)",
                            path);
    int major = b[6], minor = b[7];
    if (major < 1 || major > 3)
        return mf_error_set(
            err, MF_ERR_PARSE,
            "'%s': .npy format version %d.%d is not supported (1.0, 2.0, 3.0 are)", path, major,
            minor);
    size_t field = major == 1 ? 2 : 4;
    if (len < 8 + field)
        return mf_error_set(err, MF_ERR_PARSE, "'%s': truncated .npy header", path);
    size_t hlen = (size_t)read_le(b + 8, (int)field);
    size_t start = 8 + field;
    if (hlen > len - start)
        return mf_error_set(err, MF_ERR_PARSE,
                            "'%s': truncated .npy header (%zu bytes promised, %zu present)",
                            path, hlen, len - start);
    *dict = malloc(hlen + 1);
    if (!*dict)
        return mf_error_set(err, MF_ERR_NOMEM, "out of memory reading '%s'", path);
    memcpy(*dict, b + start, hlen);
    (*dict)[hlen] = '\0';
    *data_at = start + hlen;
    return MF_OK;
}

static double decode(const unsigned char *p, size_t item)
{
    if (item == 8) {
        uint64_t bits = read_le(p, 8);
        double d;
        memcpy(&d, &bits, sizeof d);
        return d;
    }
    uint32_t bits = (uint32_t)read_le(p, 4);
    float f;
    memcpy(&f, &bits, sizeof f);
    return (double)f;
}

static mf_status fill_array(const char *path, const npy_header *h, const unsigned char *data,
                            size_t avail, mf_array **out, mf_error *err)
{
    size_t item = strcmp(h->descr, "<f8") == 0 ? 8 : 4;
    size_t rows = h->shape[0], cols = h->shape[1];
    if (cols != 0 && rows > SIZE_MAX / item / cols)
        return mf_error_set(err, MF_ERR_PARSE, "'%s': shape (%zu, %zu) is too large", path,
                            rows, cols);
    size_t count = rows * cols;
    if (avail < count * item)
        return mf_error_set(err, MF_ERR_PARSE,
                            "'%s': truncated data: shape (%zu, %zu) of '%s' needs %zu bytes, "
                            "the file has %zu",
                            path, rows, cols, h->descr, count * item, avail);
    mf_status st = mf_array_new(rows, cols, out, err);
    if (st != MF_OK)
        return st;
    double *dst = mf_array_data(*out);
    for (size_t r = 0; r < rows; r++)
        for (size_t c = 0; c < cols; c++) {
            /* Fortran order stores columns one after the other. */
            size_t k = h->fortran ? c * rows + r : r * cols + c;
            dst[r * cols + c] = decode(data + k * item, item);
        }
    return MF_OK;
}

static mf_status check_header(const char *path, const npy_header *h, mf_error *err)
{
    if (strcmp(h->descr, "<f8") != 0 && strcmp(h->descr, "<f4") != 0)
        return mf_error_set(err, MF_ERR_PARSE,
                            "'%s': dtype '%s' is not supported (only float64 '<f8' and "
                            "float32 '<f4'; use arr.astype(np.float64))",
                            path, h->descr);
    if (h->ndim > 2)
        return mf_error_set(err, MF_ERR_PARSE,
                            "'%s': %d dimensions are not supported (only 1-D and 2-D arrays)",
                            path, h->ndim);
    return MF_OK;
}

mf_status mf_read_npy(const char *path, mf_array **out, mf_error *err)
{
    if (!out)
        return mf_error_set(err, MF_ERR_INVALID, "mf_read_npy: out is NULL");
    *out = NULL;
    if (!path)
        return mf_error_set(err, MF_ERR_INVALID, "mf_read_npy: path is NULL");
    char *text;
    size_t len;
    mf_status st = mf_text_read_file(path, &text, &len, err);
    if (st != MF_OK)
        return st;
    const unsigned char *b = (const unsigned char *)text;
    char *dict = NULL;
    size_t data_at = 0;
    st = split_file(path, b, len, &dict, &data_at, err);
    if (st == MF_OK) {
        npy_header h = {.fortran = -1, .ndim = -1};
        const char *why = parse_header(dict, &h);
        if (why)
            st = mf_error_set(err, MF_ERR_PARSE, "'%s': bad .npy header: %s", path, why);
        else
            st = check_header(path, &h, err);
        if (st == MF_OK)
            st = fill_array(path, &h, b + data_at, len - data_at, out, err);
    }
    free(dict);
    free(text);
    return st;
}

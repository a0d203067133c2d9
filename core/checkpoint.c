/* The checkpoint container and its byte buffers (checkpoint.h). */
#include "checkpoint.h"

#include "data_text.h"
#include "modelfit/plugin.h"
#include "sha256.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static const unsigned char MAGIC[8] = {'M', 'F', 'C', 'K', 'P', 'T', '\r', '\n'};
static const uint32_t BYTE_ORDER_MARK = 0x01020304u;

/* ---- the byte buffer ---------------------------------------------------------- */

void mf_ckpt_put(mf_ckpt_buf *b, const void *src, size_t n)
{
    if (b->bad || n == 0)
        return;
    if (n > SIZE_MAX / 2 - b->n) {
        b->bad = true;
        return;
    }
    if (b->n + n > b->cap) {
        size_t cap = b->cap ? b->cap : 4096;
        while (cap < b->n + n)
            cap *= 2;
        unsigned char *p = realloc(b->p, cap);
        if (!p) {
            b->bad = true;
            return;
        }
        b->p = p;
        b->cap = cap;
    }
    memcpy(b->p + b->n, src, n);
    b->n += n;
}

void mf_ckpt_put_u32(mf_ckpt_buf *b, uint32_t x)
{
    mf_ckpt_put(b, &x, sizeof x);
}

void mf_ckpt_put_u64(mf_ckpt_buf *b, uint64_t x)
{
    mf_ckpt_put(b, &x, sizeof x);
}

void mf_ckpt_put_i64(mf_ckpt_buf *b, int64_t x)
{
    mf_ckpt_put(b, &x, sizeof x);
}

void mf_ckpt_put_f64(mf_ckpt_buf *b, double x)
{
    mf_ckpt_put(b, &x, sizeof x);
}

void mf_ckpt_put_str(mf_ckpt_buf *b, const char *s)
{
    size_t n = s ? strlen(s) : 0;
    if (n > UINT32_MAX) {
        b->bad = true;
        return;
    }
    mf_ckpt_put_u32(b, (uint32_t)n);
    mf_ckpt_put(b, s, n);
}

void mf_ckpt_buf_free(mf_ckpt_buf *b)
{
    free(b->p);
    memset(b, 0, sizeof *b);
}

/* ---- the cursor ------------------------------------------------------------------ */

bool mf_ckpt_get(mf_ckpt_in *in, void *dst, size_t n)
{
    if (in->bad || n > in->n - in->at) {
        in->bad = true;
        memset(dst, 0, n);
        return false;
    }
    memcpy(dst, in->p + in->at, n);
    in->at += n;
    return true;
}

uint32_t mf_ckpt_get_u32(mf_ckpt_in *in)
{
    uint32_t x;
    mf_ckpt_get(in, &x, sizeof x);
    return x;
}

uint64_t mf_ckpt_get_u64(mf_ckpt_in *in)
{
    uint64_t x;
    mf_ckpt_get(in, &x, sizeof x);
    return x;
}

int64_t mf_ckpt_get_i64(mf_ckpt_in *in)
{
    int64_t x;
    mf_ckpt_get(in, &x, sizeof x);
    return x;
}

double mf_ckpt_get_f64(mf_ckpt_in *in)
{
    double x;
    mf_ckpt_get(in, &x, sizeof x);
    return x;
}

const unsigned char *mf_ckpt_get_span(mf_ckpt_in *in, size_t n)
{
    if (in->bad || n > in->n - in->at) {
        in->bad = true;
        return NULL;
    }
    const unsigned char *p = in->p + in->at;
    in->at += n;
    return p;
}

bool mf_ckpt_has(const mf_ckpt_in *in, uint64_t count, size_t size)
{
    size_t left = in->n - in->at;
    return !in->bad && (size == 0 || count <= left / size);
}

char *mf_ckpt_get_str(mf_ckpt_in *in)
{
    uint32_t n = mf_ckpt_get_u32(in);
    const unsigned char *p = mf_ckpt_get_span(in, n);
    if (!p)
        return NULL;
    char *s = malloc((size_t)n + 1);
    if (!s) {
        in->bad = true;
        return NULL;
    }
    memcpy(s, p, n);
    s[n] = '\0';
    return s;
}

/* ---- the container ------------------------------------------------------------- */

mf_status mf_ckpt_wrap(const void *payload, size_t n, uint32_t format, uint32_t abi,
                       unsigned char **out, size_t *out_n, mf_error *err)
{
    if (n > SIZE_MAX - MF_CKPT_HEAD - MF_CKPT_SUM)
        return mf_error_set(err, MF_ERR_NOMEM, "the checkpoint is too large");
    size_t total = MF_CKPT_HEAD + n + MF_CKPT_SUM;
    unsigned char *p = malloc(total);
    if (!p)
        return mf_error_set(err, MF_ERR_NOMEM, "out of memory writing a checkpoint");
    uint32_t zero = 0;
    uint64_t len = n;
    memcpy(p, MAGIC, 8);
    memcpy(p + 8, &format, 4);
    memcpy(p + 12, &abi, 4);
    memcpy(p + 16, &BYTE_ORDER_MARK, 4);
    memcpy(p + 20, &zero, 4);
    memcpy(p + 24, &len, 8);
    if (n)
        memcpy(p + MF_CKPT_HEAD, payload, n);
    mf_sha256(p, MF_CKPT_HEAD + n, p + MF_CKPT_HEAD + n);
    *out = p;
    *out_n = total;
    return MF_OK;
}

mf_status mf_ckpt_write(const char *path, const void *payload, size_t n, mf_error *err)
{
    unsigned char *bytes;
    size_t total;
    mf_status rc =
        mf_ckpt_wrap(payload, n, MF_CKPT_FORMAT, MF_PLUGIN_ABI_VERSION, &bytes, &total, err);
    if (rc != MF_OK)
        return rc;
    /* Private: a checkpoint holds the user's data and the optimizer's
     * random state. */
    rc = mf_text_write_file(path, bytes, total, "the checkpoint", true, err);
    free(bytes);
    return rc;
}

mf_status mf_ckpt_open(const void *data, size_t n, const char *name, const void **payload,
                       size_t *payload_n, mf_error *err)
{
    const unsigned char *p = data;
    if (n < 8 || memcmp(p, MAGIC, 8) != 0)
        return mf_error_set(err, MF_ERR_INVALID,
                            "'%s' is not a modelfit checkpoint (it does not start with the "
                            "checkpoint magic)",
                            name);
    if (n < MF_CKPT_HEAD + MF_CKPT_SUM)
        return mf_error_set(err, MF_ERR_INVALID,
                            "the checkpoint '%s' is truncated: %zu bytes, less than a header "
                            "and checksum",
                            name, n);
    uint64_t len;
    memcpy(&len, p + 24, 8);
    size_t body = n - MF_CKPT_HEAD - MF_CKPT_SUM;
    uint8_t sum[32];
    mf_sha256(p, n - MF_CKPT_SUM, sum);
    if (memcmp(sum, p + n - MF_CKPT_SUM, 32) != 0) {
        if (len > body)
            return mf_error_set(err, MF_ERR_INVALID,
                                "the checkpoint '%s' is truncated: %zu bytes where its header "
                                "announces %llu (an interrupted copy?)",
                                name, n, (unsigned long long)len + MF_CKPT_HEAD + MF_CKPT_SUM);
        return mf_error_set(err, MF_ERR_INVALID,
                            "the checkpoint '%s' is damaged: its SHA-256 checksum does not "
                            "match its contents",
                            name);
    }
    if (len != body)
        return mf_error_set(err, MF_ERR_INVALID,
                            "the checkpoint '%s' is damaged: its header announces %llu bytes "
                            "of contents but it holds %zu",
                            name, (unsigned long long)len, body);
    uint32_t format, abi, bom;
    memcpy(&format, p + 8, 4);
    memcpy(&abi, p + 12, 4);
    memcpy(&bom, p + 16, 4);
    if (bom != BYTE_ORDER_MARK)
        return mf_error_set(err, MF_ERR_INVALID,
                            "the checkpoint '%s' was written on a machine with another byte "
                            "order and cannot be read here",
                            name);
    if (format != MF_CKPT_FORMAT)
        return mf_error_set(err, MF_ERR_INVALID,
                            "the checkpoint '%s' has format version %u, but this modelfit "
                            "reads version %u",
                            name, (unsigned)format, (unsigned)MF_CKPT_FORMAT);
    if (abi != MF_PLUGIN_ABI_VERSION)
        return mf_error_set(err, MF_ERR_INVALID,
                            "the checkpoint '%s' was written with plugin ABI %u.%u, but this "
                            "modelfit has plugin ABI %u.%u: its optimizer state cannot be "
                            "trusted",
                            name, (unsigned)(abi >> 16), (unsigned)(abi & 0xffff),
                            (unsigned)MF_PLUGIN_ABI_MAJOR, (unsigned)MF_PLUGIN_ABI_MINOR);
    *payload = p + MF_CKPT_HEAD;
    *payload_n = body;
    return MF_OK;
}

static mf_status read_all(const char *path, unsigned char **data, size_t *n, mf_error *err)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return mf_error_set(err, MF_ERR_IO, "cannot open the checkpoint '%s': %s", path,
                            strerror(errno));
    unsigned char *buf = NULL;
    size_t len = 0, cap = 0;
    bool ok = true;
    for (;;) {
        if (len == cap) {
            size_t nc = cap ? 2 * cap : 65536;
            unsigned char *nb = nc > cap ? realloc(buf, nc) : NULL;
            if (!nb) {
                ok = false;
                break;
            }
            buf = nb;
            cap = nc;
        }
        size_t got = fread(buf + len, 1, cap - len, f);
        len += got;
        if (got == 0)
            break;
    }
    bool failed = ferror(f) != 0;
    fclose(f);
    if (!ok || failed) {
        free(buf);
        return ok ? mf_error_set(err, MF_ERR_IO, "cannot read the checkpoint '%s'", path)
                  : mf_error_set(err, MF_ERR_NOMEM, "out of memory reading '%s'", path);
    }
    *data = buf;
    *n = len;
    return MF_OK;
}

mf_status mf_ckpt_read(const char *path, unsigned char **data, size_t *n, const void **payload,
                       size_t *payload_n, mf_error *err)
{
    *data = NULL;
    mf_status rc = read_all(path, data, n, err);
    if (rc == MF_OK)
        rc = mf_ckpt_open(*data, *n, path, payload, payload_n, err);
    if (rc != MF_OK) {
        free(*data);
        *data = NULL;
    }
    return rc;
}

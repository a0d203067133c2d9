/* Checkpoint files: a container that is either whole or refused, and the
 * byte buffers its contents are written to and read from.
 *
 * Layout (native byte order: a checkpoint is read back by the build that
 * wrote it, on the same kind of machine; a byte-order mark refuses others):
 *
 *   offset  size
 *        0     8  magic "MFCKPT\r\n" (the \r\n catches text-mode mangling)
 *        8     4  format version (MF_CKPT_FORMAT)
 *       12     4  plugin ABI version (MF_PLUGIN_ABI_VERSION): optimizer
 *                 states inside were saved through that ABI
 *       16     4  byte-order mark 0x01020304
 *       20     4  0
 *       24     8  payload length L
 *       32     L  payload
 *   32 + L    32  SHA-256 of every byte before it
 *
 * The checksum is always the last 32 bytes, whatever the version, so a
 * damaged file is reported as damaged before anything in it is believed.
 *
 * Files are written atomically: a temporary file in the same directory,
 * flushed and fsync'ed, renamed over the target, and the directory
 * fsync'ed, so the path always holds a whole checkpoint (the old or the
 * new one), also after a crash or a kill. */
#ifndef MF_CORE_CHECKPOINT_H
#define MF_CORE_CHECKPOINT_H

#include "error.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define MF_CKPT_FORMAT 1u
enum { MF_CKPT_HEAD = 32, MF_CKPT_SUM = 32 };

/* ---- writing -------------------------------------------------------------- */

/* A growing byte buffer; `bad` records an allocation failure (every later
 * put is ignored), so writers check once at the end. */
typedef struct mf_ckpt_buf {
    unsigned char *p;
    size_t n, cap;
    bool bad;
} mf_ckpt_buf;

void mf_ckpt_put(mf_ckpt_buf *b, const void *src, size_t n);
void mf_ckpt_put_u32(mf_ckpt_buf *b, uint32_t x);
void mf_ckpt_put_u64(mf_ckpt_buf *b, uint64_t x);
void mf_ckpt_put_i64(mf_ckpt_buf *b, int64_t x);
void mf_ckpt_put_f64(mf_ckpt_buf *b, double x);
/* A string as u32 length + bytes (NULL as length 0). */
void mf_ckpt_put_str(mf_ckpt_buf *b, const char *s);
void mf_ckpt_buf_free(mf_ckpt_buf *b);

/* The container around `payload` (header + payload + checksum) with the
 * given format and ABI versions (tests make other versions with it);
 * *out is malloc'ed. */
mf_status mf_ckpt_wrap(const void *payload, size_t n, uint32_t format, uint32_t abi,
                       unsigned char **out, size_t *out_n, mf_error *err);

/* Wraps the payload and writes it to path atomically. */
mf_status mf_ckpt_write(const char *path, const void *payload, size_t n, mf_error *err);

/* ---- reading -------------------------------------------------------------- */

/* A bounds-checked cursor: a read past the end returns zeros and sets
 * `bad`, so a reader checks once after a group of reads. */
typedef struct mf_ckpt_in {
    const unsigned char *p;
    size_t n, at;
    bool bad;
} mf_ckpt_in;

bool mf_ckpt_get(mf_ckpt_in *in, void *dst, size_t n);
uint32_t mf_ckpt_get_u32(mf_ckpt_in *in);
uint64_t mf_ckpt_get_u64(mf_ckpt_in *in);
int64_t mf_ckpt_get_i64(mf_ckpt_in *in);
double mf_ckpt_get_f64(mf_ckpt_in *in);
/* The next n bytes in place, or NULL (and bad) when fewer are left. */
const unsigned char *mf_ckpt_get_span(mf_ckpt_in *in, size_t n);
/* true when at least count items of size bytes are left (no overflow). */
bool mf_ckpt_has(const mf_ckpt_in *in, uint64_t count, size_t size);
/* A string written by mf_ckpt_put_str: a malloc'ed copy, NULL when bad. */
char *mf_ckpt_get_str(mf_ckpt_in *in);

/* Checks a container held in memory and finds its payload (inside data).
 * `name` names it in messages. Refusals, in this order: not a checkpoint
 * (magic), truncated (shorter than its header says), damaged (checksum),
 * another byte order, another format version, another plugin ABI. */
mf_status mf_ckpt_open(const void *data, size_t n, const char *name, const void **payload,
                       size_t *payload_n, mf_error *err);

/* Reads a whole file (malloc'ed into *data) and opens it. A missing file
 * is MF_ERR_IO with errno's words. */
mf_status mf_ckpt_read(const char *path, unsigned char **data, size_t *n, const void **payload,
                       size_t *payload_n, mf_error *err);

#endif

/* SHA-256 (FIPS 180-4): one call for a buffer, or init / update / final for
 * data that comes in pieces. Shared by the kernel cache (keys, trailers)
 * and checkpoints (checksum, fingerprints). */
#ifndef MF_CORE_SHA256_H
#define MF_CORE_SHA256_H

#include <stddef.h>
#include <stdint.h>

typedef struct mf_sha256_ctx {
    uint32_t h[8];
    uint8_t buf[64];
    size_t fill;
    uint64_t bits;
} mf_sha256_ctx;

void mf_sha256_init(mf_sha256_ctx *s);
void mf_sha256_update(mf_sha256_ctx *s, const void *data, size_t n);
void mf_sha256_final(mf_sha256_ctx *s, uint8_t out[32]);

/* SHA-256 of n bytes into out[32]. */
void mf_sha256(const void *data, size_t n, uint8_t out[32]);

#endif

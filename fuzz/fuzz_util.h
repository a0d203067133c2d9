/* Small helpers shared by the fuzz targets: a NUL-terminated copy of the
 * input, a per-process temporary file for the readers that take a path, and
 * a check that stops the run (libFuzzer then saves the input) when a
 * promise of the library is broken without any sanitizer noticing. */
#ifndef MF_FUZZ_UTIL_H
#define MF_FUZZ_UTIL_H

#include "modelfit/status.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* A broken contract is a crash for the fuzzer: print why, then abort. */
#define FUZZ_CHECK(cond, ...)                                                                  \
    do {                                                                                       \
        if (!(cond)) {                                                                         \
            fprintf(stderr, "fuzz check failed at %s:%d: %s\n  ", __FILE__, __LINE__, #cond);  \
            fprintf(stderr, __VA_ARGS__);                                                      \
            fputc('\n', stderr);                                                               \
            abort();                                                                           \
        }                                                                                      \
    } while (0)

/* The input as a C string (the library's text APIs take NUL-terminated
 * strings); the caller frees it. */
static inline char *fuzz_cstring(const uint8_t *data, size_t size)
{
    char *s = malloc(size + 1);
    if (!s)
        abort();
    if (size)
        memcpy(s, data, size);
    s[size] = '\0';
    return s;
}

/* A failed call must say so in its error record: the status it returned
 * and a message a user can read. */
static inline void fuzz_check_error(mf_status st, const mf_error *err)
{
    FUZZ_CHECK(err->status == st, "returned %d but the error record says %d", (int)st,
               (int)err->status);
    FUZZ_CHECK(err->message[0] != '\0', "status %d with an empty message", (int)st);
    FUZZ_CHECK(memchr(err->message, '\0', sizeof err->message) != NULL,
               "message not terminated");
}

/* One temporary file per process (libFuzzer's -fork and -jobs run several
 * processes), created on first use in $TMPDIR or /tmp, removed at exit. */
static char fuzz_tmp_path[4096];

static void fuzz_tmp_remove(void)
{
    if (fuzz_tmp_path[0])
        unlink(fuzz_tmp_path);
}

/* Writes the input to the temporary file and returns its path. */
static inline const char *fuzz_write_tmp(const uint8_t *data, size_t size)
{
    if (!fuzz_tmp_path[0]) {
        const char *dir = getenv("TMPDIR");
        snprintf(fuzz_tmp_path, sizeof fuzz_tmp_path, "%s/mf-fuzz-XXXXXX",
                 dir && dir[0] ? dir : "/tmp");
        int fd = mkstemp(fuzz_tmp_path);
        if (fd < 0) {
            perror("mf fuzz: mkstemp");
            abort();
        }
        close(fd);
        atexit(fuzz_tmp_remove);
    }
    FILE *f = fopen(fuzz_tmp_path, "wb");
    if (!f || (size && fwrite(data, 1, size, f) != size) || fclose(f) != 0) {
        perror("mf fuzz: writing the temporary file");
        abort();
    }
    return fuzz_tmp_path;
}

#endif

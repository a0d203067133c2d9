/* Helpers every test directory may use, through the public API only
 * (header only, static): reading a whole file, a plain CSV, whether the
 * shared reference data are there, a monotonic clock. Tests that need the
 * library's internals add common/model_util.h. */
#ifndef MF_TEST_COMMON_TEST_UTIL_H
#define MF_TEST_COMMON_TEST_UTIL_H

#include "modelfit/data.h"

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

/* Brian 2.5.1's reference runs (read at run time, never copied). */
#define TU_REF MF_SHARED_DIR "/refdata"

/* A whole file as a new string (NULL when it cannot be read). */
static inline char *tu_slurp(const char *path)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    rewind(f);
    char *s = n >= 0 ? malloc((size_t)n + 1) : NULL;
    if (s && fread(s, 1, (size_t)n, f) != (size_t)n) {
        free(s);
        s = NULL;
    }
    if (s)
        s[n] = '\0';
    fclose(f);
    return s;
}

/* A plain CSV (no header) as an array; prints the error and returns NULL
 * on failure. */
static inline mf_array *tu_csv(const char *path)
{
    mf_array *a = NULL;
    mf_error err;
    if (mf_read_csv(path, MF_CSV_PLAIN, &a, &err) != MF_OK)
        printf("%s\n", err.message);
    return a;
}

/* Whether ../shared/refdata is there: tests that need it skip() without. */
static inline bool tu_have_refdata(void)
{
    FILE *f = fopen(TU_REF "/hh/hh.json", "r");
    if (!f)
        return false;
    fclose(f);
    return true;
}

static inline double tu_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

#endif

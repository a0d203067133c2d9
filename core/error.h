/* Internal helpers to fill an mf_error. All accept err == NULL. */
#ifndef MF_CORE_ERROR_H
#define MF_CORE_ERROR_H

#include "modelfit/status.h"

#include <stdarg.h>
#include <stddef.h>

#if defined(__GNUC__)
#define MF_PRINTF(a, b) __attribute__((format(printf, a, b)))
#else
#define MF_PRINTF(a, b)
#endif

/* Sets err to "error: <message>" with no place; returns status. */
mf_status mf_error_set(mf_error *err, mf_status status, const char *fmt, ...) MF_PRINTF(3, 4);

/* Sets err to "<source>:<line>:<col>: error: <message>"; returns status.
 * source NULL means "model". */
mf_status mf_error_at(mf_error *err, mf_status status, const char *source, int line, int col,
                      const char *fmt, ...) MF_PRINTF(6, 7);

mf_status mf_error_vset(mf_error *err, mf_status status, const char *source, int line, int col,
                        const char *fmt, va_list ap);

/* MF_ERR_NOMEM naming what could not be allocated and how much:
 * "out of memory allocating <what> (<size>)", the size in bytes, or in
 * kB/MB/GB past 10 kB. Returns MF_ERR_NOMEM. */
mf_status mf_error_nomem(mf_error *err, const char *what, size_t bytes);

/* Clears err to MF_OK and an empty message. */
void mf_error_clear(mf_error *err);

/* Prepends "context: " to an existing message (keeps status and place). */
void mf_error_prefix(mf_error *err, const char *fmt, ...) MF_PRINTF(2, 3);

/* A message without its leading "error: " (a place before it is kept), for
 * a message quoted inside another one or kept as a note. */
const char *mf_error_body(const char *message);

#endif

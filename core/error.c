#include "error.h"
#include "memory.h"

#include <stdio.h>
#include <string.h>

const char *mf_status_string(mf_status status)
{
    switch (status) {
    case MF_OK: return "ok";
    case MF_ERR_INVALID: return "invalid argument";
    case MF_ERR_PARSE: return "syntax error";
    case MF_ERR_UNITS: return "unit error";
    case MF_ERR_NAME: return "name error";
    case MF_ERR_IO: return "input/output error";
    case MF_ERR_NOMEM: return "out of memory";
    case MF_ERR_PLUGIN: return "plugin error";
    case MF_ERR_NUMERIC: return "numerical error";
    case MF_ERR_STOPPED: return "stopped";
    case MF_ERR_UNSUPPORTED: return "not supported";
    case MF_ERR_INTERNAL: return "internal error";
    }
    return "unknown status";
}

mf_status mf_error_vset(mf_error *err, mf_status status, const char *source, int line, int col,
                        const char *fmt, va_list ap)
{
    if (!err)
        return status;
    err->status = status;
    err->line = line;
    err->col = col;
    int n;
    if (line > 0)
        n = snprintf(err->message, sizeof err->message,
                     "%s:%d:%d: error: ", source ? source : "model", line, col);
    else
        n = snprintf(err->message, sizeof err->message, "error: ");
    if (n < 0)
        n = 0;
    if ((size_t)n < sizeof err->message)
        vsnprintf(err->message + n, sizeof err->message - (size_t)n, fmt, ap);
    return status;
}

mf_status mf_error_set(mf_error *err, mf_status status, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    mf_error_vset(err, status, NULL, 0, 0, fmt, ap);
    va_end(ap);
    return status;
}

mf_status mf_error_at(mf_error *err, mf_status status, const char *source, int line, int col,
                      const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    mf_error_vset(err, status, source, line, col, fmt, ap);
    va_end(ap);
    return status;
}

mf_status mf_error_nomem(mf_error *err, const char *what, size_t bytes)
{
    char size[48];
    return mf_error_set(err, MF_ERR_NOMEM, "out of memory allocating %s (%s)",
                        what ? what : "memory",
                        mf_bytes_text((double)bytes, size, sizeof size));
}

void mf_error_clear(mf_error *err)
{
    if (!err)
        return;
    err->status = MF_OK;
    err->line = 0;
    err->col = 0;
    err->message[0] = '\0';
}

void mf_error_prefix(mf_error *err, const char *fmt, ...)
{
    if (!err)
        return;
    char head[256], old[MF_ERROR_MESSAGE_MAX];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(head, sizeof head, fmt, ap);
    va_end(ap);
    memcpy(old, err->message, sizeof old);
    /* Truncation is intended: a message never outgrows its buffer. */
    size_t h = strlen(head);
    if (h > sizeof err->message - 3)
        h = sizeof err->message - 3;
    memcpy(err->message, head, h);
    memcpy(err->message + h, ": ", 2);
    size_t room = sizeof err->message - h - 3;
    size_t o = strnlen(old, room);
    memcpy(err->message + h + 2, old, o);
    err->message[h + 2 + o] = '\0';
}

const char *mf_error_body(const char *message)
{
    return strncmp(message, "error: ", 7) == 0 ? message + 7 : message;
}

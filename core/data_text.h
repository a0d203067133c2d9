/* Internal helpers shared by the data readers and writers (data.c,
 * data_npy.c, data_spikes.c, the fitter's results and checkpoints):
 * whole-file reading and atomic writing, line splitting, number cells, and
 * the C locale for strtod/printf. */
#ifndef MF_CORE_DATA_TEXT_H
#define MF_CORE_DATA_TEXT_H

#include "modelfit/status.h"

#include <locale.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

/* Reads the whole file into a malloc'ed buffer with a NUL appended (binary
 * files are fine: *len counts the bytes without the NUL). MF_ERR_IO with the
 * system's reason when the file cannot be opened or read. */
mf_status mf_text_read_file(const char *path, char **text, size_t *len, mf_error *err);

/* Writing a file atomically: a temporary file in the same directory,
 * written through a, fsync'ed, renamed over path, and the directory
 * fsync'ed, so path holds the old or the new contents, whole, also after a
 * crash. private_file: readable by its owner only (else the umask's
 * permissions). Failures are MF_ERR_IO "cannot write <what> 'path':
 * <reason>" (what may be NULL). commit(ok = false) abandons the file
 * (e.g. after a failed fprintf); it always closes a. */
typedef struct mf_atomic_file {
    FILE *f; /* write here */
    const char *path, *what;
    char *tmp;
} mf_atomic_file;

mf_status mf_atomic_open(mf_atomic_file *a, const char *path, bool private_file,
                         const char *what, mf_error *err);
mf_status mf_atomic_commit(mf_atomic_file *a, bool ok, mf_error *err);

/* Checks, leaving nothing behind, that an atomic write of path can get as
 * far as the file system goes: path is not a directory, and a temporary
 * file can be made in its directory (which exists and is writable).
 * MF_ERR_IO "cannot write <what> 'path': <reason>" naming the directory
 * otherwise. For settings checked long before their first write. */
mf_status mf_atomic_probe(const char *path, const char *what, mf_error *err);

/* n bytes to path, atomically (as above). */
mf_status mf_text_write_file(const char *path, const void *bytes, size_t n, const char *what,
                             bool private_file, mf_error *err);

/* One line of a text buffer, NUL-terminated in place ('\n' and a '\r'
 * before it removed). number is 1-based. */
typedef struct mf_text_line {
    char *text;
    size_t len;
    int number;
} mf_text_line;

typedef struct mf_text_cursor {
    char *pos, *end;
    int number;
} mf_text_cursor;

void mf_text_cursor_init(mf_text_cursor *c, char *text, size_t len);
/* The next line: "a\nb" and "a\nb\n" both hold two lines, "" none, "\n" one
 * empty line. Returns false past the last line. */
bool mf_text_next_line(mf_text_cursor *c, mf_text_line *line);

/* True when s (NUL-terminated) holds only spaces and tabs. */
bool mf_text_is_blank(const char *s);

typedef enum mf_cell_status {
    MF_CELL_OK,
    MF_CELL_EMPTY,      /* nothing but spaces */
    MF_CELL_NOT_NUMBER, /* text that is not a number */
    MF_CELL_RANGE       /* a number too large for a double */
} mf_cell_status;

/* Parses one cell (NUL-terminated, may have spaces or tabs around it) as a
 * double, accepting Python's "nan", "inf", "-inf". *start is set to the
 * first non-blank character (for error columns). Call within a C locale. */
mf_cell_status mf_text_parse_cell(char *cell, double *value, char **start);

/* Writes a cell into an error message: quoted, shortened past 40 bytes. */
void mf_text_quote_cell(const char *cell, char *buf, size_t n);

/* Makes the calling thread use the "C" locale for numbers until leave(), so
 * a program's LC_NUMERIC (a decimal comma) cannot change what we read or
 * write. Falls back to the current locale if "C" cannot be created. */
typedef struct mf_c_locale {
    locale_t c, old;
} mf_c_locale;

void mf_c_locale_enter(mf_c_locale *g);
void mf_c_locale_leave(mf_c_locale *g);

/* Writes one CSV row of n numbers ("%.17g", comma-separated, '\n'), as
 * mf_write_csv writes its rows; call within a C locale. False on a write
 * error. */
bool mf_csv_write_row(FILE *f, const double *row, size_t n);

#endif

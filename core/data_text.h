/* Internal helpers shared by the data readers (data.c, data_npy.c,
 * data_spikes.c): whole-file reading, line splitting, number cells, and
 * the C locale for strtod/printf. */
#ifndef MF_CORE_DATA_TEXT_H
#define MF_CORE_DATA_TEXT_H

#include "modelfit/status.h"

#include <locale.h>
#include <stdbool.h>
#include <stddef.h>

/* Reads the whole file into a malloc'ed buffer with a NUL appended (binary
 * files are fine: *len counts the bytes without the NUL). MF_ERR_IO with the
 * system's reason when the file cannot be opened or read. */
mf_status mf_text_read_file(const char *path, char **text, size_t *len, mf_error *err);

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

#endif

#include "data_text.h"

#include "error.h"

#include <errno.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

mf_status mf_text_read_file(const char *path, char **text, size_t *len, mf_error *err)
{
    *text = NULL;
    *len = 0;
    FILE *f = fopen(path, "rb");
    if (!f)
        return mf_error_set(err, MF_ERR_IO, "cannot open '%s': %s", path, strerror(errno));
    size_t cap = 1 << 16, n = 0;
    char *buf = malloc(cap);
    for (;;) {
        if (!buf) {
            fclose(f);
            return mf_error_set(err, MF_ERR_NOMEM, "out of memory reading '%s'", path);
        }
        n += fread(buf + n, 1, cap - n - 1, f);
        if (n < cap - 1)
            break;
        char *grown = cap <= SIZE_MAX / 2 ? realloc(buf, cap * 2) : NULL;
        if (!grown)
            free(buf);
        buf = grown;
        cap *= 2;
    }
    if (ferror(f)) {
        int e = errno;
        free(buf);
        fclose(f);
        return mf_error_set(err, MF_ERR_IO, "cannot read '%s': %s", path, strerror(e));
    }
    fclose(f);
    buf[n] = '\0';
    *text = buf;
    *len = n;
    return MF_OK;
}

void mf_text_cursor_init(mf_text_cursor *c, char *text, size_t len)
{
    c->pos = text;
    c->end = text + len;
    c->number = 0;
}

bool mf_text_next_line(mf_text_cursor *c, mf_text_line *line)
{
    if (c->pos >= c->end)
        return false;
    char *start = c->pos;
    char *nl = memchr(start, '\n', (size_t)(c->end - start));
    char *stop = nl ? nl : c->end;
    c->pos = nl ? nl + 1 : c->end;
    if (stop > start && stop[-1] == '\r')
        stop--;
    *stop = '\0';
    line->text = start;
    line->len = (size_t)(stop - start);
    line->number = ++c->number;
    return true;
}

bool mf_text_is_blank(const char *s)
{
    return s[strspn(s, " \t")] == '\0';
}

mf_cell_status mf_text_parse_cell(char *cell, double *value, char **start)
{
    char *s = cell + strspn(cell, " \t");
    *start = s;
    size_t n = strlen(s);
    while (n > 0 && (s[n - 1] == ' ' || s[n - 1] == '\t'))
        n--;
    if (n == 0)
        return MF_CELL_EMPTY;
    char saved = s[n];
    s[n] = '\0';
    char *endp;
    errno = 0;
    double v = strtod(s, &endp);
    bool whole = endp == s + n;
    bool range = errno == ERANGE && isinf(v);
    s[n] = saved;
    if (!whole)
        return MF_CELL_NOT_NUMBER;
    if (range)
        return MF_CELL_RANGE;
    *value = v;
    return MF_CELL_OK;
}

void mf_text_quote_cell(const char *cell, char *buf, size_t n)
{
    const char *s = cell + strspn(cell, " \t");
    size_t len = strcspn(s, ",");
    while (len > 0 && (s[len - 1] == ' ' || s[len - 1] == '\t'))
        len--;
    if (len > 40)
        snprintf(buf, n, "'%.40s...'", s);
    else
        snprintf(buf, n, "'%.*s'", (int)len, s);
}

void mf_c_locale_enter(mf_c_locale *g)
{
    g->c = newlocale(LC_ALL_MASK, "C", (locale_t)0);
    g->old = g->c ? uselocale(g->c) : (locale_t)0;
}

void mf_c_locale_leave(mf_c_locale *g)
{
    if (!g->c)
        return;
    uselocale(g->old);
    freelocale(g->c);
    g->c = (locale_t)0;
}

#include "data_text.h"

#include "error.h"

#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

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

/* ---- writing a whole file atomically ------------------------------------------ */

/* The directory part of path ("." when there is none); malloc'ed. */
static char *dir_of(const char *path)
{
    const char *slash = strrchr(path, '/');
    if (!slash)
        return strdup(".");
    size_t n = slash == path ? 1 : (size_t)(slash - path);
    char *d = malloc(n + 1);
    if (d) {
        memcpy(d, path, n);
        d[n] = '\0';
    }
    return d;
}

/* A rename is durable once the directory entry is: fsync the directory
 * (best effort: some file systems refuse, which loses nothing here). */
static void sync_dir(const char *path)
{
    char *dir = dir_of(path);
    if (!dir)
        return;
    int fd = open(dir, O_RDONLY);
    if (fd >= 0) {
        (void)fsync(fd);
        close(fd);
    }
    free(dir);
}

/* The temporary file next to path: a fresh private one (mkstemp, 0600), or
 * path.tmp with the umask's permissions, as the final file should have. */
static int open_temp(const char *path, bool private_file, char *tmp, size_t n)
{
    if (private_file) {
        snprintf(tmp, n, "%s.XXXXXX", path);
        return mkstemp(tmp);
    }
    snprintf(tmp, n, "%s.tmp", path);
    return open(tmp, O_WRONLY | O_CREAT | O_TRUNC, 0666);
}

static mf_status write_error(const char *path, const char *what, int e, mf_error *err)
{
    return mf_error_set(err, MF_ERR_IO, "cannot write %s%s'%s': %s", what ? what : "",
                        what ? " " : "", path, strerror(e));
}

mf_status mf_atomic_open(mf_atomic_file *a, const char *path, bool private_file,
                         const char *what, mf_error *err)
{
    memset(a, 0, sizeof *a);
    a->path = path;
    a->what = what;
    size_t n = strlen(path) + sizeof ".XXXXXX";
    if (!(a->tmp = malloc(n)))
        return mf_error_set(err, MF_ERR_NOMEM, "out of memory writing '%s'", path);
    int fd = open_temp(path, private_file, a->tmp, n);
    if (fd >= 0 && !(a->f = fdopen(fd, "wb")))
        close(fd);
    if (a->f)
        return MF_OK;
    int e = errno;
    if (fd >= 0)
        unlink(a->tmp);
    free(a->tmp);
    a->tmp = NULL;
    return write_error(path, what, e, err);
}

mf_status mf_atomic_commit(mf_atomic_file *a, bool ok, mf_error *err)
{
    if (!a->f)
        return MF_ERR_IO;
    int e = errno;
    if (ok && (fflush(a->f) != 0 || fsync(fileno(a->f)) != 0)) {
        ok = false;
        e = errno;
    }
    if (fclose(a->f) != 0 && ok) {
        ok = false;
        e = errno;
    }
    if (ok && rename(a->tmp, a->path) != 0) {
        ok = false;
        e = errno;
    }
    if (!ok)
        unlink(a->tmp);
    free(a->tmp);
    a->f = NULL;
    a->tmp = NULL;
    if (!ok)
        return write_error(a->path, a->what, e, err);
    sync_dir(a->path);
    return MF_OK;
}

mf_status mf_atomic_probe(const char *path, const char *what, mf_error *err)
{
    struct stat st;
    if (stat(path, &st) == 0 && S_ISDIR(st.st_mode))
        return mf_error_set(err, MF_ERR_IO, "cannot write %s%s'%s': it is a directory",
                            what ? what : "", what ? " " : "", path);
    size_t n = strlen(path) + sizeof ".XXXXXX";
    char *tmp = malloc(n);
    if (!tmp)
        return mf_error_nomem(err, "a file name", n);
    int fd = open_temp(path, true, tmp, n);
    int e = errno;
    if (fd >= 0) {
        close(fd);
        unlink(tmp);
    }
    free(tmp);
    if (fd >= 0)
        return MF_OK;
    char *dir = dir_of(path);
    mf_status rc =
        mf_error_set(err, MF_ERR_IO,
                     "cannot write %s%s'%s': %s (its directory '%s' must exist and "
                     "be writable)",
                     what ? what : "", what ? " " : "", path, strerror(e), dir ? dir : ".");
    free(dir);
    return rc;
}

mf_status mf_text_write_file(const char *path, const void *bytes, size_t n, const char *what,
                             bool private_file, mf_error *err)
{
    mf_atomic_file a;
    mf_status rc = mf_atomic_open(&a, path, private_file, what, err);
    if (rc != MF_OK)
        return rc;
    return mf_atomic_commit(&a, fwrite(bytes, 1, n, a.f) == n, err);
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

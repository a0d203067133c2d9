/* Temporary file + fsync + rename (atomic_file.h). */
#include "atomic_file.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static char *dup_text(const char *s)
{
    size_t n = strlen(s) + 1;
    char *d = malloc(n);
    if (d)
        memcpy(d, s, n);
    return d;
}

static void release(mf_host_atomic *a)
{
    free(a->tmp);
    free(a->path);
    a->tmp = a->path = NULL;
    a->f = NULL;
}

int mf_host_atomic_open(mf_host_atomic *a, const char *path, char *msg, size_t n)
{
    memset(a, 0, sizeof *a);
    static const char suffix[] = ".tmp-XXXXXX";
    size_t len = strlen(path);
    a->path = dup_text(path);
    a->tmp = malloc(len + sizeof suffix);
    if (!a->path || !a->tmp) {
        release(a);
        snprintf(msg, n, "%s: cannot write: out of memory", path);
        return -1;
    }
    memcpy(a->tmp, path, len);
    memcpy(a->tmp + len, suffix, sizeof suffix);
    int fd = mkstemp(a->tmp);
    if (fd < 0) {
        snprintf(msg, n, "%s: cannot write: %s", path, strerror(errno));
        release(a);
        return -1;
    }
    /* mkstemp makes the file private (0600); a plot is an ordinary file. */
    mode_t mask = umask(0);
    umask(mask);
    fchmod(fd, 0666 & ~mask);
    a->f = fdopen(fd, "wb");
    if (!a->f) {
        snprintf(msg, n, "%s: cannot write: %s", path, strerror(errno));
        close(fd);
        unlink(a->tmp);
        release(a);
        return -1;
    }
    return 0;
}

int mf_host_atomic_commit(mf_host_atomic *a, char *msg, size_t n)
{
    int bad = fflush(a->f) != 0 || ferror(a->f) || fsync(fileno(a->f)) != 0;
    int why = errno;
    if (fclose(a->f) != 0 && !bad) {
        bad = 1;
        why = errno;
    }
    a->f = NULL;
    if (!bad && rename(a->tmp, a->path) != 0) {
        bad = 1;
        why = errno;
    }
    if (bad) {
        snprintf(msg, n, "%s: cannot write: %s", a->path, strerror(why ? why : EIO));
        unlink(a->tmp);
    }
    release(a);
    return bad ? -1 : 0;
}

void mf_host_atomic_abort(mf_host_atomic *a)
{
    if (a->f) {
        fclose(a->f);
        unlink(a->tmp);
    }
    release(a);
}

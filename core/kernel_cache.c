/* The compiler, the flags and the on-disk cache of kernels (kernel_cache.h). */
#include "kernel_cache.h"

#include "dl.h"
#include "error.h"

#include <errno.h>
#include <fcntl.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

extern char **environ;

/* Floating point, decided deliberately (the kernels must agree with the
 * interpreter to 1e-12 relative; they agree bit for bit, exp being mf_exp
 * in both, tests/native/test_native_parity.c):
 *  -ffp-contract=off  no implicit fused multiply-add: a*b + c rounds twice,
 *                     as in the interpreter, whose separate instructions
 *                     cannot fuse (mf_exp's explicit fma() calls are fused
 *                     in both: fma() is exact by definition).
 *                     FMA changes results in the last bit at every step and
 *                     the HH dynamics amplify it: measured with
 *                     -ffp-contract=fast, HH traces moved 6e-11 relative
 *                     (exponential Euler) and 4e-11 (rk4) from the
 *                     interpreter's, beyond the 1e-12 we promise.
 *  no -ffast-math     it assumes no NaN/inf (our threshold and select code
 *                     must see them) and reassociates sums.
 *  -fno-math-errno    errno is never read; it only lets sqrt and friends be
 *                     inlined and vectorised, with identical results.
 *  -fopenmp-simd      honours `omp simd` / `omp declare simd` without an
 *                     OpenMP runtime.
 *  -march=native      the host CPU's vectors (the key includes the CPU).
 *  -std=c11           ISO C: no GNU extensions that change floating point. */
static const char *const CFLAGS[] = {"-std=c11",
                                     "-O3",
                                     "-march=native",
                                     "-fPIC",
                                     "-shared",
                                     "-fopenmp-simd",
                                     "-ffp-contract=off",
                                     "-fno-math-errno",
                                     "-fvisibility=hidden",
                                     "-w",
                                     NULL};

const char *const *mf_kernel_cflags(void)
{
    return CFLAGS;
}

static void hex_of(const uint8_t d[32], char out[65])
{
    static const char digits[] = "0123456789abcdef";
    for (int i = 0; i < 32; i++) {
        out[2 * i] = digits[d[i] >> 4];
        out[2 * i + 1] = digits[d[i] & 15];
    }
    out[64] = '\0';
}

/* --- running a program --------------------------------------------------------- */

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

/* Runs argv (PATH searched) with stdout and stderr captured into *output
 * (malloc'd, may be NULL on out of memory); returns the exit status, or -1
 * when it could not be started (errno kept in *spawn_errno). */
static int run_capture(char *const *argv, char **output, int *spawn_errno)
{
    *output = NULL;
    *spawn_errno = 0;
    int fd[2];
    if (pipe(fd) != 0) {
        *spawn_errno = errno;
        return -1;
    }
    posix_spawn_file_actions_t fa;
    posix_spawn_file_actions_init(&fa);
    posix_spawn_file_actions_adddup2(&fa, fd[1], 1);
    posix_spawn_file_actions_adddup2(&fa, fd[1], 2);
    posix_spawn_file_actions_addclose(&fa, fd[0]);
    posix_spawn_file_actions_addclose(&fa, fd[1]);
    pid_t pid;
    int rc = posix_spawnp(&pid, argv[0], &fa, NULL, argv, environ);
    posix_spawn_file_actions_destroy(&fa);
    close(fd[1]);
    if (rc != 0) {
        close(fd[0]);
        *spawn_errno = rc;
        return -1;
    }
    size_t len = 0, cap = 4096;
    char *buf = malloc(cap);
    for (;;) {
        char chunk[4096];
        ssize_t r = read(fd[0], chunk, sizeof chunk);
        if (r < 0 && errno == EINTR)
            continue;
        if (r <= 0)
            break;
        if (buf && len + (size_t)r + 1 > cap) {
            while (len + (size_t)r + 1 > cap)
                cap *= 2;
            char *n = realloc(buf, cap);
            if (!n) {
                free(buf);
                buf = NULL;
            } else {
                buf = n;
            }
        }
        if (buf) {
            memcpy(buf + len, chunk, (size_t)r);
            len += (size_t)r;
        }
    }
    close(fd[0]);
    if (buf)
        buf[len] = '\0';
    *output = buf;
    int status = 0;
    while (waitpid(pid, &status, 0) < 0)
        if (errno != EINTR)
            return -1;
    if (WIFEXITED(status))
        return WEXITSTATUS(status);
    return 128 + (WIFSIGNALED(status) ? WTERMSIG(status) : 0);
}

/* The first line of a program's output, for a one-line message. */
static void first_line(const char *text, char *out, size_t n)
{
    if (!text)
        text = "";
    while (*text == '\n')
        text++;
    size_t i = 0;
    while (text[i] && text[i] != '\n' && i + 1 < n) {
        out[i] = text[i];
        i++;
    }
    out[i] = '\0';
}

/* --- the compiler ---------------------------------------------------------------- */

void mf_cc_clear(mf_cc *cc)
{
    if (!cc)
        return;
    for (int i = 0; cc->argv && i < cc->argc; i++)
        free(cc->argv[i]);
    free(cc->argv);
    free(cc->identity);
    memset(cc, 0, sizeof *cc);
}

/* Splits $CC at blanks (no quoting: a compiler path with spaces is not
 * supported, as in make's default rules). */
static bool split_words(const char *s, mf_cc *cc)
{
    cc->argv = calloc(strlen(s) / 2 + 2, sizeof *cc->argv);
    if (!cc->argv)
        return false;
    while (*s) {
        while (*s == ' ' || *s == '\t')
            s++;
        size_t n = strcspn(s, " \t");
        if (n == 0)
            break;
        char *w = malloc(n + 1);
        if (!w)
            return false;
        memcpy(w, s, n);
        w[n] = '\0';
        cc->argv[cc->argc++] = w;
        s += n;
    }
    return cc->argc > 0;
}

mf_status mf_cc_find(mf_cc *out, mf_error *err)
{
    memset(out, 0, sizeof *out);
    const char *env = getenv("CC");
    bool from_env = env && *env;
    const char *cmd = from_env ? env : "cc";
    if (!split_words(cmd, out)) {
        mf_cc_clear(out);
        if (from_env)
            return mf_error_set(err, MF_ERR_UNSUPPORTED, "CC='%s' names no compiler", env);
        return mf_error_nomem(err, "the compiler's command", strlen(cmd) + 1);
    }
    /* `<cc> [args] --version`: proves the program runs and names it. */
    char **argv = calloc((size_t)out->argc + 2, sizeof *argv);
    if (!argv) {
        mf_cc_clear(out);
        return mf_error_nomem(err, "the compiler's arguments",
                              ((size_t)out->argc + 2) * sizeof *argv);
    }
    for (int i = 0; i < out->argc; i++)
        argv[i] = out->argv[i];
    argv[out->argc] = "--version";
    char *text = NULL;
    int serr = 0;
    int rc = run_capture(argv, &text, &serr);
    free(argv);
    if (rc != 0) {
        char line[256];
        first_line(text, line, sizeof line);
        free(text);
        char what[512];
        snprintf(what, sizeof what, "%s%s%s", from_env ? "CC=" : "", cmd,
                 from_env ? "" : " (in PATH)");
        mf_cc_clear(out);
        if (rc < 0)
            return mf_error_set(err, MF_ERR_UNSUPPORTED, "no C compiler: %s: %s", what,
                                strerror(serr));
        return mf_error_set(err, MF_ERR_UNSUPPORTED,
                            "no C compiler: %s --version exited with %d%s%s", what, rc,
                            line[0] ? ": " : "", line);
    }
    out->identity = text ? text : strdup("");
    if (!out->identity) {
        mf_cc_clear(out);
        return mf_error_nomem(err, "the compiler's name", 1);
    }
    return MF_OK;
}

/* --- the key ------------------------------------------------------------------------- */

/* The host CPU's "model name" and "flags" lines (Linux), so that objects
 * built for one CPU are not loaded on another sharing the cache. */
static void hash_cpu(mf_sha256_ctx *s)
{
    FILE *f = fopen("/proc/cpuinfo", "r");
    if (!f)
        return;
    char line[8192];
    int seen = 0;
    while (seen < 2 && fgets(line, sizeof line, f)) {
        if (strncmp(line, "model name", 10) == 0 || strncmp(line, "flags", 5) == 0) {
            mf_sha256_update(s, line, strlen(line));
            seen++;
        }
    }
    fclose(f);
}

static void make_key(const mf_cc *cc, const char *source, char key[65])
{
    static const char zero = 0;
    mf_sha256_ctx s;
    mf_sha256_init(&s);
    mf_sha256_update(&s, "modelfit kernel 1", 18);
    mf_sha256_update(&s, source, strlen(source) + 1);
    for (int i = 0; i < cc->argc; i++)
        mf_sha256_update(&s, cc->argv[i], strlen(cc->argv[i]) + 1);
    mf_sha256_update(&s, cc->identity, strlen(cc->identity) + 1);
    for (int i = 0; CFLAGS[i]; i++)
        mf_sha256_update(&s, CFLAGS[i], strlen(CFLAGS[i]) + 1);
    mf_sha256_update(&s, &zero, 1);
    hash_cpu(&s);
    uint8_t d[32];
    mf_sha256_final(&s, d);
    hex_of(d, key);
}

/* --- the trailer ----------------------------------------------------------------------- */

/* 16 bytes of magic, the 64 hex digits of the key, 32 bytes of the SHA-256
 * of everything before the trailer. */
static const char TRAILER_MAGIC[16] = "modelfit-kernel1";
enum { TRAILER_SIZE = 16 + 64 + 32 };

static char *read_file(const char *path, size_t *n)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    char *buf = NULL;
    if (fseek(f, 0, SEEK_END) == 0) {
        long len = ftell(f);
        if (len >= 0 && fseek(f, 0, SEEK_SET) == 0) {
            buf = malloc((size_t)len + 1);
            if (buf && fread(buf, 1, (size_t)len, f) != (size_t)len) {
                free(buf);
                buf = NULL;
            }
            *n = (size_t)len;
        }
    }
    fclose(f);
    return buf;
}

/* NULL when the object at path is whole and belongs to key, else why not. */
static const char *check_object(const char *path, const char *key)
{
    size_t n = 0;
    char *buf = read_file(path, &n);
    if (!buf)
        return "cannot be read";
    const char *why = NULL;
    if (n < TRAILER_SIZE + 64) {
        why = "is truncated";
    } else {
        const char *tr = buf + n - TRAILER_SIZE;
        uint8_t d[32];
        if (memcmp(tr, TRAILER_MAGIC, 16) != 0)
            why = "has no kernel trailer";
        else if (memcmp(tr + 16, key, 64) != 0)
            why = "belongs to another key";
        else {
            mf_sha256(buf, n - TRAILER_SIZE, d);
            if (memcmp(tr + 80, d, 32) != 0)
                why = "fails its checksum";
        }
    }
    free(buf);
    return why;
}

static bool append_trailer(const char *path, const char *key)
{
    size_t n = 0;
    char *buf = read_file(path, &n);
    if (!buf)
        return false;
    uint8_t d[32];
    mf_sha256(buf, n, d);
    free(buf);
    FILE *f = fopen(path, "ab");
    if (!f)
        return false;
    bool ok = fwrite(TRAILER_MAGIC, 1, 16, f) == 16 && fwrite(key, 1, 64, f) == 64 &&
              fwrite(d, 1, 32, f) == 32;
    ok = fflush(f) == 0 && ok;
    ok = fsync(fileno(f)) == 0 && ok;
    return fclose(f) == 0 && ok;
}

/* --- files and directories ------------------------------------------------------------ */

static bool mkdirs(const char *dir)
{
    char buf[4096];
    if (snprintf(buf, sizeof buf, "%s", dir) >= (int)sizeof buf)
        return false;
    for (char *p = buf + 1; *p; p++) {
        if (*p != '/')
            continue;
        *p = '\0';
        if (mkdir(buf, 0755) != 0 && errno != EEXIST)
            return false;
        *p = '/';
    }
    return mkdir(buf, 0755) == 0 || errno == EEXIST;
}

/* Why code in dir cannot be trusted, or NULL: a kernel there is loaded
 * into this process, so a directory another user owns, or every user may
 * write to (a cache under /tmp), could hand us their code. */
static const char *unsafe_dir(const char *dir)
{
    struct stat st;
    if (stat(dir, &st) != 0)
        return "cannot be examined";
    if (st.st_uid != geteuid())
        return "belongs to another user";
    if (st.st_mode & S_IWOTH)
        return "is writable by every user";
    return NULL;
}

/* Creates the cache's kernel directory and checks that it and the cache
 * root are safe to load code from. */
static mf_status prepare_dir(const char *root, const char *dir, mf_error *err)
{
    if (!mkdirs(dir))
        return mf_error_set(err, MF_ERR_IO, "cannot create the kernel cache %s: %s", dir,
                            strerror(errno));
    const char *bad = root, *why = unsafe_dir(root);
    if (!why)
        why = unsafe_dir(bad = dir);
    if (why)
        return mf_error_set(err, MF_ERR_IO,
                            "the kernel cache %s %s, so its kernels could be replaced by "
                            "another user's code: set XDG_CACHE_HOME (or the context's cache "
                            "directory) to a directory of your own",
                            bad, why);
    return MF_OK;
}

/* A new empty file named <prefix>XXXXXX (mkstemp); its name in out. */
static bool temp_file(const char *prefix, char *out, size_t n)
{
    if (snprintf(out, n, "%sXXXXXX", prefix) >= (int)n)
        return false;
    int fd = mkstemp(out);
    if (fd < 0)
        return false;
    close(fd);
    return true;
}

static bool write_text(const char *path, const char *text)
{
    FILE *f = fopen(path, "wb");
    if (!f)
        return false;
    size_t n = strlen(text);
    bool ok = fwrite(text, 1, n, f) == n;
    return fclose(f) == 0 && ok;
}

/* --- compile ------------------------------------------------------------------------------ */

static mf_status compile(const mf_context *ctx, const mf_cc *cc, const char *source,
                         const char *dir, const char *final, const char *key, mf_error *err)
{
    char src[4200], obj[4200], prefix[4200];
    snprintf(prefix, sizeof prefix, "%s/%.16s.c.tmp", dir, key);
    if (!temp_file(prefix, src, sizeof src))
        return mf_error_set(err, MF_ERR_IO, "cannot create a file in %s: %s", dir,
                            strerror(errno));
    snprintf(prefix, sizeof prefix, "%s/%.16s.so.tmp", dir, key);
    if (!temp_file(prefix, obj, sizeof obj)) {
        unlink(src);
        return mf_error_set(err, MF_ERR_IO, "cannot create a file in %s: %s", dir,
                            strerror(errno));
    }
    mf_status rc = MF_OK;
    if (!write_text(src, source)) {
        rc = mf_error_set(err, MF_ERR_IO, "cannot write %s", src);
    } else {
        int n_flags = 0;
        while (CFLAGS[n_flags])
            n_flags++;
        char **argv = calloc((size_t)(cc->argc + n_flags + 10), sizeof *argv);
        if (!argv) {
            rc = mf_error_nomem(err, "the compiler's arguments",
                                (size_t)(cc->argc + n_flags + 10) * sizeof *argv);
        } else {
            int a = 0;
            for (int i = 0; i < cc->argc; i++)
                argv[a++] = cc->argv[i];
            for (int i = 0; i < n_flags; i++)
                argv[a++] = (char *)CFLAGS[i];
            char *tail[] = {"-o", obj, "-x", "c", src, "-x", "none", "-lm", NULL};
            for (int i = 0; tail[i]; i++)
                argv[a++] = tail[i];
            char *text = NULL;
            int serr = 0;
            double t0 = now();
            int st = run_capture(argv, &text, &serr);
            double dt = now() - t0;
            free(argv);
            char line[512];
            first_line(text, line, sizeof line);
            free(text);
            if (st < 0)
                rc = mf_error_set(err, MF_ERR_IO, "cannot run %s: %s", cc->argv[0],
                                  strerror(serr));
            else if (st != 0)
                rc = mf_error_set(err, MF_ERR_INTERNAL, "%s failed (exit %d)%s%s", cc->argv[0],
                                  st, line[0] ? ": " : "", line);
            else
                mf_log(ctx, MF_LOG_INFO, "native kernel %.16s: compiled in %.0f ms", key,
                       dt * 1e3);
        }
    }
    if (rc == MF_OK && !append_trailer(obj, key))
        rc = mf_error_set(err, MF_ERR_IO, "cannot finish %s: %s", obj, strerror(errno));
    /* The source is kept next to the object for whoever wants to read it. */
    if (rc == MF_OK) {
        char csrc[4200];
        snprintf(csrc, sizeof csrc, "%s/%s.c", dir, key);
        if (rename(src, csrc) != 0)
            unlink(src);
    } else {
        unlink(src);
    }
    if (rc == MF_OK && rename(obj, final) != 0)
        rc = mf_error_set(err, MF_ERR_IO, "cannot rename %s to %s: %s", obj, final,
                          strerror(errno));
    if (rc != MF_OK)
        unlink(obj);
    return rc;
}

/* --- open
 * -------------------------------------------------------------------------------------- */

static mf_status load(mf_kernel_lib *k, mf_error *err)
{
    char why[512];
    k->handle = mf_dl_open(k->path, why, sizeof why);
    if (!k->handle)
        return mf_error_set(err, MF_ERR_IO, "cannot load %s: %s", k->path, why);
    return MF_OK;
}

void mf_kernel_lib_close(mf_kernel_lib *k)
{
    if (!k)
        return;
    mf_dl_close(k->handle);
    free(k->path);
    memset(k, 0, sizeof *k);
}

void *mf_kernel_lib_sym(const mf_kernel_lib *k, const char *name)
{
    return mf_dl_sym(k->handle, name);
}

mf_status mf_kernel_lib_open(const mf_context *ctx, const mf_cc *cc, const char *source,
                             mf_kernel_lib *out, mf_error *err)
{
    memset(out, 0, sizeof *out);
    double t0 = now();
    const char *root = mf_context_cache_dir(ctx);
    if (!root)
        return mf_error_set(err, MF_ERR_INVALID, "no cache directory for kernels");
    char dir[4096];
    if (snprintf(dir, sizeof dir, "%s/kernels", root) >= (int)sizeof dir)
        return mf_error_set(err, MF_ERR_INVALID, "the cache directory path is too long");
    make_key(cc, source, out->key);
    size_t plen = strlen(dir) + 80;
    out->path = malloc(plen);
    if (!out->path)
        return mf_error_nomem(err, "a kernel's file name", plen);
    snprintf(out->path, plen, "%s/%s.so", dir, out->key);

    mf_status rc = prepare_dir(root, dir, err);
    struct stat st;
    if (rc == MF_OK && stat(out->path, &st) == 0) {
        const char *why = st.st_uid != geteuid() ? "belongs to another user"
                                                 : check_object(out->path, out->key);
        if (!why) {
            rc = load(out, err);
            if (rc == MF_OK) {
                out->seconds = now() - t0;
                return MF_OK;
            }
            why = "cannot be loaded";
        }
        mf_log(ctx, MF_LOG_WARNING, "native kernel %s %s: rebuilding it", out->path, why);
        unlink(out->path);
        out->rebuilt = true;
        rc = MF_OK;
    }
    if (rc == MF_OK) {
        rc = compile(ctx, cc, source, dir, out->path, out->key, err);
        out->compiled = rc == MF_OK;
    }
    if (rc == MF_OK) {
        const char *why = check_object(out->path, out->key);
        rc = why ? mf_error_set(err, MF_ERR_IO, "the kernel just built %s", why)
                 : load(out, err);
    }
    out->seconds = now() - t0;
    if (rc != MF_OK) {
        bool compiled = out->compiled;
        mf_kernel_lib_close(out);
        out->compiled = compiled;
    }
    return rc;
}

/* Compiling generated C into shared objects, cached on disk.
 *
 * The compiler is found at run time: $CC (its first word is the program, the
 * rest are arguments) or `cc` in PATH. Its identity is the output of
 * `<cc> --version`.
 *
 * A kernel is cached under <mf_context_cache_dir>/kernels/<key>.so where key
 * is the SHA-256 of (the source, the compiler identity, the flags, the host
 * CPU's model and feature flags: -march=native code must not be loaded on
 * another CPU sharing the directory). A second request for the same key
 * compiles nothing.
 *
 * Writing is atomic: the compiler writes a temporary file in the same
 * directory, a trailer (magic, key, SHA-256 of the object) is appended, and
 * the file is renamed into place, so another process sees either no file or
 * a complete one. Before loading, the trailer is checked: a truncated,
 * damaged or misnamed object is deleted and rebuilt (one log line), never
 * loaded. The dynamic loader ignores bytes after an ELF object's sections.
 *
 * Objects are loaded with libltdl (local symbols), as plugins are. Not
 * thread-safe (libltdl is not): load and close on one thread. */
#ifndef MF_CORE_KERNEL_CACHE_H
#define MF_CORE_KERNEL_CACHE_H

#include "context.h"
#include "sha256.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef struct mf_cc {
    char **argv; /* the compiler command (NULL-terminated) */
    int argc;
    char *identity; /* `--version` output */
} mf_cc;

/* Finds the compiler; MF_ERR_UNSUPPORTED with a message saying what was
 * looked for when there is none that runs. */
mf_status mf_cc_find(mf_cc *out, mf_error *err);
void mf_cc_clear(mf_cc *cc);

/* The flags every kernel is compiled with (NULL-terminated). */
const char *const *mf_kernel_cflags(void);

typedef struct mf_kernel_lib {
    void *handle; /* dl.h */
    char key[65];
    char *path;
    bool compiled;  /* this open ran the compiler */
    bool rebuilt;   /* a damaged cached object was found and replaced */
    double seconds; /* wall time of the whole open (compile included) */
} mf_kernel_lib;

/* Opens the kernel of `source`, compiling it on a cache miss. ctx gives the
 * cache directory and receives log lines (a compile, a rebuild). */
mf_status mf_kernel_lib_open(const mf_context *ctx, const mf_cc *cc, const char *source,
                             mf_kernel_lib *out, mf_error *err);
void *mf_kernel_lib_sym(const mf_kernel_lib *k, const char *name);
void mf_kernel_lib_close(mf_kernel_lib *k);

#endif

/* Shared objects, opened the one way modelfit opens them (plugins,
 * plugin.c; native kernels, kernel_cache.c):
 *   - through libltdl with local symbols (lt_dlopenadvise + lt_dladvise_local),
 *     so two loaded objects never see each other's symbols;
 *   - by the exact path given (callers pass a real or absolute path, so
 *     libltdl's own search path plays no part);
 *   - each open handle holds its own lt_dlinit reference (libltdl counts
 *     them), released by mf_dl_close, so callers never init libltdl.
 * libltdl is not thread-safe: callers open and close from one thread at a
 * time. */
#ifndef MF_CORE_DL_H
#define MF_CORE_DL_H

#include <stddef.h>

/* The handle of path, or NULL with the reason in why (why_len bytes, always
 * terminated): the system loader's reason when it has one (an undefined
 * symbol, a wrong architecture), else libltdl's. */
void *mf_dl_open(const char *path, char *why, size_t why_len);

/* The address of symbol name in h, NULL if absent (or h is NULL). */
void *mf_dl_sym(void *h, const char *name);

/* Closes h and releases its libltdl reference; NULL is a no-op. */
void mf_dl_close(void *h);

#endif

/* Writing a file the host makes (a plot) so that it is never seen half
 * written: the data go to a temporary file in the target's directory (the
 * same file system, so the rename is atomic), which is flushed, fsync'ed
 * and renamed over the target. A failure or a kill before the rename
 * leaves the old file (or none) and no partial one. The library writes its
 * own files the same way, but its writer is internal and the host links
 * only the public library, so the host has this small one. */
#ifndef MF_HOST_ATOMIC_FILE_H
#define MF_HOST_ATOMIC_FILE_H

#include <stddef.h>
#include <stdio.h>

typedef struct mf_host_atomic {
    FILE *f;    /* write here between open and commit */
    char *tmp;  /* the temporary file's name */
    char *path; /* the target */
} mf_host_atomic;

/* Creates the temporary file next to `path` (mode 0666 less the umask, as
 * fopen would). Returns 0, or -1 with "PATH: cannot write: REASON" in msg. */
int mf_host_atomic_open(mf_host_atomic *a, const char *path, char *msg, size_t n);

/* Flushes, syncs and closes the file, then renames it onto the target.
 * Returns 0, or -1 with a message (the temporary file is removed). */
int mf_host_atomic_commit(mf_host_atomic *a, char *msg, size_t n);

/* Drops the temporary file, leaving the target as it was. No-op after a
 * commit or on a zeroed struct. */
void mf_host_atomic_abort(mf_host_atomic *a);

#endif

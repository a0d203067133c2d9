/* Spreading the rounds of a fit over processes (DESIGN.md section 8).
 *
 * libmodelfit links no MPI. A group is a set of processes that run the
 * same program on the same data, seen through three collective operations
 * (broadcast, scatter, gather) that the caller supplies; libmodelfit_mpi
 * (<modelfit/mpi.h>) makes one from an MPI communicator, and `mpirun -n K
 * modelfit run fit.lua` uses it. Once a context has a group of two or more
 * processes, mf_fitter_fit on a fitter of that context is collective: every
 * process calls it, with the same arguments, in the same order.
 *
 *  - Process 0 owns the optimizer, the round loop, the callback and the
 *    history. Each round's points are dealt out in equal numbers (in a
 *    fixed shuffled order, so that neighbouring points of a grid do not
 *    all land on one process); each process simulates its share on its own
 *    threads with the same local batch evaluation as a single process, and
 *    the errors come back to process 0. No lane's arithmetic depends on the
 *    deal, so with a fixed seed the history is identical to one process's,
 *    for any number of processes and threads.
 *  - The other processes serve batches until process 0 ends the fit. Then
 *    they receive its outcome: status and message, every point and error
 *    of the fit's rounds (appended to their history, so best, results and
 *    a following fit agree everywhere) and the counters. Their callback is
 *    then called once per round with the same values as process 0's (its
 *    return value is ignored: process 0 decides when a fit stops).
 *  - Before the first round (or at the end of a fit without rounds), each
 *    process sets its fit up and compares hashes of its model, data and
 *    settings with process 0's. A difference, a process that cannot set up
 *    its fit or evaluate its share, or a process that has ended its
 *    program ends the fit on every process with an error naming the
 *    process and the reason.
 *  - mf_fitter_refine and mf_fitter_generate are not spread: every process
 *    runs them in full (with the same arithmetic, so the same results).
 *
 * A group belongs to its creator: free it after the contexts that use it,
 * or detach it first (mf_context_set_group(ctx, NULL)). A group is used
 * by one thread at a time. */
#ifndef MODELFIT_DISTRIBUTE_H
#define MODELFIT_DISTRIBUTE_H

#include "modelfit/context.h"
#include "modelfit/status.h"

#include <stdbool.h>
#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

/* The collective operations, each called by every process of the group in
 * the same order. On failure they return non-zero and fill err; the group
 * is then broken (every later operation fails at once without
 * communicating) and the program should end every process (MPI_Abort). */
typedef struct mf_group_ops {
    /* Process 0's `bytes` bytes at buf into every process's buf. */
    mf_status (*bcast)(void *user, void *buf, size_t bytes, mf_error *err);
    /* Process 0 sends bytes[r] bytes from send + at[r] to process r, which
     * receives them into recv. bytes and at (size entries) are the same on
     * every process; send is read on process 0 only. */
    mf_status (*scatter)(void *user, const void *send, const size_t *bytes, const size_t *at,
                         void *recv, mf_error *err);
    /* The reverse: process r's bytes[r] bytes at send land at recv + at[r]
     * on process 0 (recv is written on process 0 only). */
    mf_status (*gather)(void *user, const void *send, void *recv, const size_t *bytes,
                        const size_t *at, mf_error *err);
} mf_group_ops;

typedef struct mf_group mf_group;

/* A group of `size` processes in which this one is `rank`. ops is copied;
 * user is passed to every operation. */
MF_API mf_status mf_group_new(const mf_group_ops *ops, void *user, int rank, int size,
                              mf_group **out, mf_error *err);
MF_API void mf_group_free(mf_group *group);
/* A NULL group is this process alone: rank 0 of 1. */
MF_API int mf_group_rank(const mf_group *group);
MF_API int mf_group_size(const mf_group *group);

/* Makes the fits of ctx's fitters collective over group (NULL: this process
 * alone again). Not during a fit. */
MF_API void mf_context_set_group(mf_context *ctx, mf_group *group);
MF_API mf_group *mf_context_group(const mf_context *ctx);

/* The end of this process's part, called once by every process when its
 * program ends, with its own outcome (status and, when not MF_OK, a
 * message). Processes > 0 first serve whatever process 0 still asks
 * (answering a fit they are not in with an error), then report their
 * outcome; process 0 collects the reports. Returns on process 0 the first
 * failure of another process as "process R: message" (MF_OK when all of
 * them succeeded), on the others MF_OK, or a transport error anywhere.
 * A NULL group (this process alone) or a group of one: MF_OK, nothing to
 * do. */
MF_API mf_status mf_group_finish(mf_group *group, mf_status status, const char *message,
                                 mf_error *err);
/* True after a failed operation: the processes may be out of step, and
 * only ending all of them (MPI_Abort) is safe. */
MF_API bool mf_group_broken(const mf_group *group);

/* What the group's fits cost this process, summed since mf_group_new. */
typedef struct mf_group_stats {
    long batches;      /* rounds evaluated over the group */
    long points;       /* points this process simulated */
    double local;      /* seconds simulating them */
    double comm;       /* seconds in the group's operations during rounds */
    double wait;       /* of which (process 0) waiting for the slowest process:
                          the largest other local time minus its own, per round */
    double bytes_out;  /* process 0: bytes of points sent to the others */
    double bytes_back; /* process 0: bytes of errors received from them */
} mf_group_stats;
/* All zero for a NULL group. */
MF_API void mf_group_get_stats(const mf_group *group, mf_group_stats *stats);

#ifdef __cplusplus
}
#endif
#endif

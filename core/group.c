/* A group of processes (modelfit/distribute.h): the object, and its three
 * collective operations wrapped with the broken state and the time spent
 * in them. The protocol of a fit over a group is distribute.c. */
#include "group.h"

#include "context.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>

double mf_group_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

/* --- the group object ------------------------------------------------------------------ */

mf_status mf_group_new(const mf_group_ops *ops, void *user, int rank, int size, mf_group **out,
                       mf_error *err)
{
    if (!out)
        return mf_error_set(err, MF_ERR_INVALID, "mf_group_new: out is NULL");
    *out = NULL;
    if (!ops || !ops->bcast || !ops->scatter || !ops->gather)
        return mf_error_set(err, MF_ERR_INVALID,
                            "mf_group_new: the three operations are needed");
    if (size < 1 || rank < 0 || rank >= size)
        return mf_error_set(err, MF_ERR_INVALID,
                            "mf_group_new: rank %d of %d processes is not a process", rank,
                            size);
    mf_group *g = calloc(1, sizeof *g);
    if (!g)
        return mf_error_nomem(err, "a process group", sizeof *g);
    g->ops = *ops;
    g->user = user;
    g->rank = rank;
    g->size = size;
    *out = g;
    return MF_OK;
}

void mf_group_free(mf_group *g)
{
    free(g);
}

int mf_group_rank(const mf_group *g)
{
    return g ? g->rank : 0;
}

int mf_group_size(const mf_group *g)
{
    return g ? g->size : 1;
}

bool mf_group_broken(const mf_group *g)
{
    return g && g->broken;
}

void mf_group_get_stats(const mf_group *g, mf_group_stats *s)
{
    if (!s)
        return;
    if (g)
        *s = g->stats;
    else
        memset(s, 0, sizeof *s);
}

void mf_context_set_group(mf_context *ctx, mf_group *group)
{
    if (ctx)
        ctx->group = group;
}

mf_group *mf_context_group(const mf_context *ctx)
{
    return ctx ? ctx->group : NULL;
}

/* The operations, with the broken state and the time spent in them. */
static mf_status broken(mf_error *err)
{
    return mf_error_set(err, MF_ERR_IO,
                        "the process group failed earlier: its processes are out of step");
}

static mf_status done_op(mf_group *g, mf_status rc, double t0, double *timer)
{
    if (rc != MF_OK)
        g->broken = true;
    if (timer)
        *timer += mf_group_now() - t0;
    return rc;
}

mf_status mf_group_bcast(mf_group *g, void *buf, size_t n, double *timer, mf_error *err)
{
    if (g->broken)
        return broken(err);
    double t0 = mf_group_now();
    return done_op(g, g->ops.bcast(g->user, buf, n, err), t0, timer);
}

mf_status mf_group_scatter(mf_group *g, const void *send, const size_t *bytes, const size_t *at,
                           void *recv, double *timer, mf_error *err)
{
    if (g->broken)
        return broken(err);
    double t0 = mf_group_now();
    return done_op(g, g->ops.scatter(g->user, send, bytes, at, recv, err), t0, timer);
}

mf_status mf_group_gather(mf_group *g, const void *send, void *recv, const size_t *bytes,
                          const size_t *at, double *timer, mf_error *err)
{
    if (g->broken)
        return broken(err);
    double t0 = mf_group_now();
    return done_op(g, g->ops.gather(g->user, send, recv, bytes, at, err), t0, timer);
}

/* Gathers `each` bytes from every process (bytes/at made here). */
mf_status mf_group_gather_fixed(mf_group *g, const void *send, void *recv, size_t each,
                                mf_error *err)
{
    size_t *bytes = malloc(sizeof *bytes * (size_t)g->size * 2);
    if (!bytes) {
        g->broken = true; /* the others are in the gather already */
        return mf_error_nomem(err, "the table of gathered bytes",
                              sizeof *bytes * (size_t)g->size * 2);
    }
    size_t *at = bytes + g->size;
    for (int r = 0; r < g->size; r++) {
        bytes[r] = each;
        at[r] = (size_t)r * each;
    }
    mf_status rc = mf_group_gather(g, send, recv, bytes, at, NULL, err);
    free(bytes);
    return rc;
}

/* The internal view of a process group (group.c), for the protocol of a
 * fit over it (distribute.c). */
#ifndef MF_CORE_GROUP_H
#define MF_CORE_GROUP_H

#include "error.h"
#include "modelfit/distribute.h"

struct mf_group {
    mf_group_ops ops;
    void *user;
    int rank, size;
    bool broken;   /* an operation failed: the processes may be out of step */
    bool finished; /* this process has answered EXIT */
    mf_group_stats stats;
};

/* Seconds on a monotonic clock. */
double mf_group_now(void);

/* The group's operations (modelfit/distribute.h). Once one fails the group
 * is broken and every later call fails at once. When timer is not NULL,
 * the seconds spent are added to it. */
mf_status mf_group_bcast(mf_group *g, void *buf, size_t n, double *timer, mf_error *err);
mf_status mf_group_scatter(mf_group *g, const void *send, const size_t *bytes, const size_t *at,
                           void *recv, double *timer, mf_error *err);
mf_status mf_group_gather(mf_group *g, const void *send, void *recv, const size_t *bytes,
                          const size_t *at, double *timer, mf_error *err);
/* Gathers `each` bytes of every process into recv (rank r's at r * each). */
mf_status mf_group_gather_fixed(mf_group *g, const void *send, void *recv, size_t each,
                                mf_error *err);

#endif

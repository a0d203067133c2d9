/* libmodelfit_mpi: the three collective operations of a process group
 * (modelfit/distribute.h) as MPI_Bcast, MPI_Scatterv and MPI_Gatherv on a
 * duplicate of the caller's communicator, rooted at rank 0. */
#include "modelfit/mpi.h"

#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

struct mf_mpi {
    MPI_Comm comm;
    int rank, size;
    int *counts, *displs; /* size entries each: the byte counts as MPI takes them */
    mf_group *group;
};

/* libmodelfit's error setter is internal: fill the public struct here. */
static mf_status fail(mf_error *err, mf_status st, const char *fmt, ...)
{
    if (err) {
        va_list ap;
        va_start(ap, fmt);
        err->status = st;
        err->line = err->col = 0;
        /* As libmodelfit writes its messages: "error: " first. */
        int n = snprintf(err->message, sizeof err->message, "error: ");
        vsnprintf(err->message + n, sizeof err->message - (size_t)n, fmt, ap);
        va_end(ap);
    }
    return st;
}

static mf_status mpi_fail(const mf_mpi *m, int code, const char *what, mf_error *err)
{
    char text[MPI_MAX_ERROR_STRING];
    int len = 0;
    if (MPI_Error_string(code, text, &len) != MPI_SUCCESS)
        snprintf(text, sizeof text, "error code %d", code);
    return fail(err, MF_ERR_IO, "MPI_%s on rank %d of %d failed: %s", what, m->rank, m->size,
                text);
}

/* MPI counts are ints: one message of 2 GiB or more per rank is refused. */
static mf_status to_ints(mf_mpi *m, const size_t *bytes, const size_t *at, mf_error *err)
{
    for (int r = 0; r < m->size; r++) {
        if (bytes[r] > INT_MAX || at[r] > INT_MAX)
            return fail(err, MF_ERR_INVALID,
                        "a round of %zu bytes for one rank is more than MPI's int counts "
                        "take: use fewer samples per round or more ranks",
                        bytes[r]);
        m->counts[r] = (int)bytes[r];
        m->displs[r] = (int)at[r];
    }
    return MF_OK;
}

static mf_status op_bcast(void *user, void *buf, size_t bytes, mf_error *err)
{
    mf_mpi *m = user;
    /* In pieces below 2 GiB (END carries a fit's whole history). */
    for (size_t done = 0; done < bytes;) {
        size_t n = bytes - done < (size_t)1 << 30 ? bytes - done : (size_t)1 << 30;
        int rc = MPI_Bcast((char *)buf + done, (int)n, MPI_BYTE, 0, m->comm);
        if (rc != MPI_SUCCESS)
            return mpi_fail(m, rc, "Bcast", err);
        done += n;
    }
    return MF_OK;
}

static mf_status op_scatter(void *user, const void *send, const size_t *bytes, const size_t *at,
                            void *recv, mf_error *err)
{
    mf_mpi *m = user;
    mf_status st = to_ints(m, bytes, at, err);
    if (st != MF_OK)
        return st;
    int rc = MPI_Scatterv(send, m->counts, m->displs, MPI_BYTE, recv, m->counts[m->rank],
                          MPI_BYTE, 0, m->comm);
    return rc == MPI_SUCCESS ? MF_OK : mpi_fail(m, rc, "Scatterv", err);
}

static mf_status op_gather(void *user, const void *send, void *recv, const size_t *bytes,
                           const size_t *at, mf_error *err)
{
    mf_mpi *m = user;
    mf_status st = to_ints(m, bytes, at, err);
    if (st != MF_OK)
        return st;
    int rc = MPI_Gatherv(send, m->counts[m->rank], MPI_BYTE, recv, m->counts, m->displs,
                         MPI_BYTE, 0, m->comm);
    return rc == MPI_SUCCESS ? MF_OK : mpi_fail(m, rc, "Gatherv", err);
}

mf_status mf_mpi_new(MPI_Comm comm, mf_mpi **out, mf_error *err)
{
    *out = NULL;
    int ready = 0;
    MPI_Initialized(&ready);
    if (!ready)
        return fail(err, MF_ERR_INVALID,
                    "mf_mpi_new: MPI is not initialized (MPI_Init_thread)");
    mf_mpi *m = calloc(1, sizeof *m);
    if (!m)
        return fail(err, MF_ERR_NOMEM, "out of memory");
    int rc = MPI_Comm_dup(comm, &m->comm);
    if (rc != MPI_SUCCESS) {
        free(m);
        return fail(err, MF_ERR_IO, "MPI_Comm_dup failed (code %d)", rc);
    }
    MPI_Comm_set_errhandler(m->comm, MPI_ERRORS_RETURN);
    MPI_Comm_rank(m->comm, &m->rank);
    MPI_Comm_size(m->comm, &m->size);
    m->counts = malloc(sizeof(int) * 2 * (size_t)m->size);
    m->displs = m->counts ? m->counts + m->size : NULL;
    static const mf_group_ops ops = {op_bcast, op_scatter, op_gather};
    mf_status st = m->counts ? mf_group_new(&ops, m, m->rank, m->size, &m->group, err)
                             : fail(err, MF_ERR_NOMEM, "out of memory");
    if (st != MF_OK) {
        mf_mpi_free(m);
        return st;
    }
    *out = m;
    return MF_OK;
}

void mf_mpi_free(mf_mpi *m)
{
    if (!m)
        return;
    mf_group_free(m->group);
    MPI_Comm_free(&m->comm);
    free(m->counts);
    free(m);
}

mf_group *mf_mpi_group(mf_mpi *m)
{
    return m->group;
}

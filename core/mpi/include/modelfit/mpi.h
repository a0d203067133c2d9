/* libmodelfit_mpi: a process group (modelfit/distribute.h) over an MPI
 * communicator, so that the fits of a context run over its ranks.
 *
 *     MPI_Init_thread(&argc, &argv, MPI_THREAD_FUNNELED, &provided);
 *     mf_mpi *m;
 *     mf_mpi_new(MPI_COMM_WORLD, &m, &err);
 *     mf_context_set_group(ctx, mf_mpi_group(m));
 *     ... the same calls on every rank: fitters, mf_fitter_fit ...
 *     mf_group_finish(mf_mpi_group(m), status, message, &err);
 *     mf_context_set_group(ctx, NULL);
 *     mf_mpi_free(m);
 *     MPI_Finalize();   (or MPI_Abort when mf_group_broken)
 *
 * Only the thread that called MPI_Init_thread calls MPI (the fitter's
 * OpenMP threads never do): MPI_THREAD_FUNNELED is enough. Bytes go as
 * MPI_BYTE, so every rank must have the same byte order and double format
 * (a mismatch shows up as different data at the first round).
 * Link with -lmodelfit_mpi -lmodelfit and MPI's C library. */
#ifndef MODELFIT_MPI_H
#define MODELFIT_MPI_H

#include <modelfit/distribute.h>
#include <mpi.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef struct mf_mpi mf_mpi;

/* Collective over comm: duplicates it (the group's traffic never mixes
 * with the program's own) and makes MPI errors on the duplicate return
 * codes, which become mf_error messages, instead of aborting. */
MF_API mf_status mf_mpi_new(MPI_Comm comm, mf_mpi **out, mf_error *err);
/* Collective: frees the duplicate communicator. */
MF_API void mf_mpi_free(mf_mpi *m);
MF_API mf_group *mf_mpi_group(mf_mpi *m);

#ifdef __cplusplus
}
#endif
#endif

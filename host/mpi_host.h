/* The CLI under mpirun or srun (docs/mpi.md): `mpirun -n K modelfit run
 * fit.lua` runs the same script on every rank; the fits of the run's
 * context are spread over the ranks (modelfit/distribute.h), rank 0 alone
 * prints and writes files. Built without MPI, or started without a
 * launcher, these functions do nothing and the run is one process. */
#ifndef MF_HOST_MPI_HOST_H
#define MF_HOST_MPI_HOST_H

#include "modelfit/modelfit.h"

#include <lua.h>

/* When a launcher started this process: initializes MPI, gives ctx a group
 * of all the ranks and, on ranks > 0, sends stdout and stderr to /dev/null
 * (unless MODELFIT_MPI_OUTPUT=all). Returns 0, or 1 after printing an
 * error (also when srun started several tasks without an MPI plugin). */
int mf_host_mpi_begin(mf_context *ctx);

/* After mf_lua_preload: on ranks > 0, the functions that write files
 * (modelfit.write_csv, modelfit.plot_traces, fitter:save_results,
 * fitter:plot, io.open for writing, io.output, os.remove, os.rename) do
 * nothing (io.open for writing opens /dev/null). */
void mf_host_mpi_lua(lua_State *L);

/* The run failed with `message`: printed on rank 0 (as mf_host_fail),
 * kept for rank 0 on the others. */
void mf_host_mpi_fail(const char *message);

/* The end of the run (status 0 or 1): reports to rank 0, which prints the
 * first other rank's failure; detaches the group from ctx; finalizes MPI,
 * or aborts every rank when the ranks are out of step. Returns the exit
 * status. */
int mf_host_mpi_end(mf_context *ctx, int status);

#endif

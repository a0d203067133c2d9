/* bench_mpi: the HH tutorial fit over MPI ranks, and what one round's
 * communication costs on this machine (docs/mpi.md). Run by run.sh:
 *
 *   mpirun -n K bench_mpi [n_samples [rounds]]     (defaults 30 20)
 *
 * Rank 0 prints one line per measurement:
 *  - pingpong: MPI_Send/MPI_Recv between ranks 0 and 1, half the round
 *    trip for 8 bytes (the latency) and for 1 MiB (the bandwidth);
 *  - null round: the collectives of one round without any simulation
 *    (a 32-byte MPI_Bcast, the points' MPI_Scatterv, the errors'
 *    MPI_Gatherv, sized as the fit's), the best of 200;
 *  - fit: n_samples x rounds of DE on the tutorial (exponential Euler),
 *    wall time per round on rank 0, and per round: the time rank 0
 *    simulated its share, its time in the group's operations, how much of
 *    that was waiting for the slowest other rank, and the bytes moved.
 * With K = 1 there is no group: the fit is the single-process fit. Not a
 * test: it only measures. */
#include "hh.h"
#include "modelfit/mpi.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void pingpong(int rank, int size, size_t bytes, int reps, double *one_way)
{
    *one_way = NAN;
    if (size < 2)
        return;
    char *buf = calloc(bytes, 1);
    MPI_Barrier(MPI_COMM_WORLD);
    double t0 = MPI_Wtime();
    for (int i = 0; i < reps && rank < 2; i++) {
        if (rank == 0) {
            MPI_Send(buf, (int)bytes, MPI_BYTE, 1, 0, MPI_COMM_WORLD);
            MPI_Recv(buf, (int)bytes, MPI_BYTE, 1, 0, MPI_COMM_WORLD, MPI_STATUS_IGNORE);
        } else {
            MPI_Recv(buf, (int)bytes, MPI_BYTE, 0, 0, MPI_COMM_WORLD, MPI_STATUS_IGNORE);
            MPI_Send(buf, (int)bytes, MPI_BYTE, 0, 0, MPI_COMM_WORLD);
        }
    }
    *one_way = (MPI_Wtime() - t0) / reps / 2;
    free(buf);
}

/* One round's collectives with the fit's sizes (the protocol of
 * core/distribute.c), no simulation: the best of `reps`. */
static double null_round(int rank, int size, int n, int n_params, int n_out, int reps)
{
    int *cnt = malloc(sizeof(int) * 4 * (size_t)size), *dsp = cnt + size;
    int *rcnt = dsp + size, *rdsp = rcnt + size;
    int reply_max = 16 + 8 * (n / size + 1) * (1 + 2 * n_out);
    for (int r = 0, at = 0; r < size; r++) {
        int c = n / size + (r < n % size);
        cnt[r] = 8 * c * n_params;
        dsp[r] = at;
        at += cnt[r];
        rcnt[r] = 16 + 8 * c * (1 + 2 * n_out);
        rdsp[r] = r * reply_max;
    }
    char *send = calloc((size_t)n * (size_t)n_params * 8 + 1, 1);
    char *share = calloc((size_t)n * (size_t)n_params * 8 + 1, 1);
    char *back = calloc((size_t)reply_max * (size_t)size, 1);
    char *reply = calloc((size_t)reply_max, 1);
    char header[32] = {0};
    double best = INFINITY;
    for (int i = 0; i < reps; i++) {
        MPI_Barrier(MPI_COMM_WORLD);
        double t0 = MPI_Wtime();
        MPI_Bcast(header, 32, MPI_BYTE, 0, MPI_COMM_WORLD);
        MPI_Scatterv(send, cnt, dsp, MPI_BYTE, share, cnt[rank], MPI_BYTE, 0, MPI_COMM_WORLD);
        MPI_Gatherv(reply, rcnt[rank], MPI_BYTE, back, rcnt, rdsp, MPI_BYTE, 0, MPI_COMM_WORLD);
        best = fmin(best, MPI_Wtime() - t0);
    }
    free(cnt);
    free(send);
    free(share);
    free(back);
    free(reply);
    return best;
}

static void fit(int rank, int size, int n, int rounds)
{
    mf_error err;
    mf_context *ctx;
    hh_check(mf_context_new(&ctx, &err), &err);
    mf_mpi *m = NULL;
    if (size > 1) {
        hh_check(mf_mpi_new(MPI_COMM_WORLD, &m, &err), &err);
        mf_context_set_group(ctx, mf_mpi_group(m));
    }
    mf_options *o;
    mf_optimizer *de;
    hh_check(mf_options_new(&o, &err), &err);
    hh_check(mf_options_set_int(o, "seed", 1, &err), &err);
    hh_check(mf_optimizer_new(ctx, "de", o, &de, &err), &err);
    mf_fitter *f = hh_fitter(ctx, "exponential_euler", n, de);
    MPI_Barrier(MPI_COMM_WORLD);
    double t0 = MPI_Wtime();
    hh_check(
        mf_fitter_fit(f, NULL, NULL, rounds, 0, NULL, NULL, NULL, NULL, NULL, false, -1, &err),
        &err);
    double wall = (MPI_Wtime() - t0) / rounds;
    double best = NAN;
    mf_fitter_best(f, NULL, &best, &err);
    mf_group_stats st;
    mf_group_get_stats(m ? mf_mpi_group(m) : NULL, &st);
    if (rank == 0) {
        printf("fit: %d ranks, %d samples x 5 traces x 1497 steps, %d rounds: %.2f ms/round, "
               "best error %.6g mV^2\n",
               size, n, rounds, 1e3 * wall, best * 1e6);
        if (m)
            printf("  per round on rank 0: simulating %.2f ms (%ld points in all), in MPI "
                   "%.3f ms, of which waiting for the slowest rank %.3f ms; "
                   "communication alone %.3f ms; %.0f bytes out, %.0f back\n",
                   1e3 * st.local / st.batches, st.points, 1e3 * st.comm / st.batches,
                   1e3 * st.wait / st.batches, 1e3 * (st.comm - st.wait) / st.batches,
                   st.bytes_out / st.batches, st.bytes_back / st.batches);
    }
    mf_fitter_free(f);
    mf_optimizer_free(de);
    mf_options_free(o);
    if (m) {
        hh_check(mf_group_finish(mf_mpi_group(m), MF_OK, NULL, &err), &err);
        mf_context_set_group(ctx, NULL);
        mf_mpi_free(m);
    }
    mf_context_free(ctx);
}

int main(int argc, char **argv)
{
    int provided;
    MPI_Init_thread(&argc, &argv, MPI_THREAD_FUNNELED, &provided);
    int rank, size;
    MPI_Comm_rank(MPI_COMM_WORLD, &rank);
    MPI_Comm_size(MPI_COMM_WORLD, &size);
    int n = argc > 1 ? atoi(argv[1]) : 30;
    int rounds = argc > 2 ? atoi(argv[2]) : 20;
    if (n < 1 || rounds < 1) {
        if (rank == 0)
            fprintf(stderr, "usage: mpirun -n K bench_mpi [n_samples [rounds]]\n");
        MPI_Finalize();
        return 2;
    }
    double lat, bw;
    pingpong(rank, size, 8, 2000, &lat);
    pingpong(rank, size, (size_t)1 << 20, 50, &bw);
    double nr = size > 1 ? null_round(rank, size, n, 4, 1, 200) : NAN;
    if (rank == 0 && size > 1)
        printf("pingpong: %.2f us one way (8 B), %.2f GB/s (1 MiB); null round (%d samples): "
               "%.2f us\n",
               1e6 * lat, (1 << 20) / bw / 1e9, n, 1e6 * nr);
    fit(rank, size, n, rounds);
    MPI_Finalize();
    return 0;
}

#!/bin/sh
# The MPI benchmark of docs/mpi.md: the HH tutorial fit with 1 and 2 ranks
# x 1 thread, the speed-up, the communication per round; and the balance
# measurement (how unequal lanes are, static against dynamic deals).
#
#   bench/mpi/run.sh BUILD_DIR [n_samples [rounds]]   (defaults 30 20)
#
# As root (a container), set OMPI_ALLOW_RUN_AS_ROOT=1 and
# OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1 first.
set -eu
build=${1:?usage: run.sh BUILD_DIR [n_samples [rounds]]}
n=${2:-30}
rounds=${3:-20}
bench=$build/bench/mpi/bench_mpi
export OMP_NUM_THREADS=1
export XDG_CACHE_HOME="${XDG_CACHE_HOME:-$build/test-cache}"
# Warm the native kernel cache so that no run pays for a compile.
mpirun -n 1 "$bench" "$n" 1 >/dev/null
one=$(mpirun -n 1 "$bench" "$n" "$rounds")
two=$(mpirun -n 2 --bind-to core "$bench" "$n" "$rounds")
echo "$one"
echo "$two"
t1=$(echo "$one" | sed -n 's/^fit:.*rounds: \([0-9.]*\) ms\/round.*/\1/p')
t2=$(echo "$two" | sed -n 's/^fit:.*rounds: \([0-9.]*\) ms\/round.*/\1/p')
echo "speed-up with 2 ranks x 1 thread: $(echo "$t1 $t2" | awk '{printf "%.2f", $1 / $2}')"
echo
"$build/bench/mpi/bench_mpi_balance"

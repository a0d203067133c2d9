#!/bin/sh
# The MPI tests (tests/mpi/CMakeLists.txt): fit_same.lua alone and under
# mpirun, on the built modelfit.
#
#   check_mpi.sh CASE MODELFIT MPIEXEC WORKDIR
#
# CASE identical  alone (1 thread), then `mpirun -n 2` (2 threads each):
#                 every file the script writes is the same byte for byte
#      quiet      -n 1 ... DIR_A : -n 1 ... DIR_B (MPMD): rank 0 writes
#                 DIR_A, the same files; rank 1 writes nothing in DIR_B
#      mismatch   rank 1 fits other data: exit status 1 and a message on
#                 rank 0 that names process 1 and the data
#      rankfail   rank 1 fails before its first fit: exit status 1 and its
#                 error reported by rank 0
# Every mpirun runs under `timeout` so that a hang fails the test. Exit 77
# (a skip) when modelfit has no MPI component or MPIEXEC is not an
# executable.
set -u
case_=$1 modelfit=$2 mpiexec=$3 work=$4
here=$(cd "$(dirname "$0")" && pwd)

if [ "$mpiexec" = no-component ]; then
    echo "skipped: modelfit was built without its MPI component (MPI not found, or -DMF_MPI=OFF)"
    exit 77
fi
if [ ! -x "$mpiexec" ]; then
    echo "skipped: no mpirun found (install openmpi-bin and libopenmpi-dev)"
    exit 77
fi
# Open MPI's own allocations at exit are suppressed (lsan.supp); the slow
# unwinder lets the stacks reach its libraries. Harmless without ASan.
ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}fast_unwind_on_malloc=0"
LSAN_OPTIONS="${LSAN_OPTIONS:+$LSAN_OPTIONS:}suppressions=$here/lsan.supp"
export ASAN_OPTIONS LSAN_OPTIONS
# A test machine may have fewer cores than ranks.
mpirun() { timeout 120 "$mpiexec" --oversubscribe "$@"; }

fail() { echo "FAIL: $*"; exit 1; }

rm -rf "$work"
mkdir -p "$work/one" "$work/two" "$work/other"
cd "$here" || exit 1

# The files the single process wrote, each compared with those in $1.
same_as_one() {
    n=0
    for f in "$work"/one/*; do
        name=$(basename "$f")
        cmp "$f" "$1/$name" || fail "$1/$name differs from the single-process $name"
        n=$((n + 1))
    done
    [ "$n" -ge 5 ] || fail "the single process wrote $n files, expected 5"
    echo "ok: $n files identical to the single process's ($1)"
}

run_one() {
    OMP_NUM_THREADS=1 "$modelfit" run fit_same.lua "$work/one" || fail "the single process failed"
}

case $case_ in
identical)
    run_one
    # Rank 1's stderr kept: a sanitizer report of its own would show here.
    OMP_NUM_THREADS=2 MODELFIT_MPI_OUTPUT=all mpirun -n 2 "$modelfit" run fit_same.lua "$work/two" ||
        fail "mpirun -n 2 failed (status $?)"
    same_as_one "$work/two"
    ;;
quiet)
    run_one
    OMP_NUM_THREADS=1 mpirun -n 1 "$modelfit" run fit_same.lua "$work/two" : \
        -n 1 "$modelfit" run fit_same.lua "$work/other" || fail "mpirun failed (status $?)"
    same_as_one "$work/two"
    [ -z "$(ls -A "$work/other")" ] || fail "rank 1 wrote files: $(ls "$work/other")"
    echo "ok: rank 1 wrote nothing"
    ;;
mismatch | rankfail)
    variant=other-data
    want="process 1 of 2 fits with other settings than process 0: the data (input or target traces) differs;"
    if [ "$case_" = rankfail ]; then
        variant=fail
        want="process 1 of 2: it has ended its program with an error: fit_same.lua:[0-9]*: this process fails on purpose"
    fi
    OMP_NUM_THREADS=1 mpirun -n 1 "$modelfit" run fit_same.lua "$work/two" : \
        -n 1 "$modelfit" run fit_same.lua "$work/other" "$variant" >"$work/out.txt" 2>&1
    status=$?
    cat "$work/out.txt"
    [ "$status" -ne 0 ] && [ "$status" -ne 124 ] || fail "exit status $status, expected an error"
    grep -q "^modelfit: error: fit_same.lua:[0-9]*: $want" "$work/out.txt" ||
        fail "no message from rank 0 matching: $want"
    [ "$(grep -c '^modelfit: error:' "$work/out.txt")" -eq 1 ] ||
        fail "the error is printed more than once"
    echo "ok: the fit ended with one message on rank 0"
    ;;
*)
    fail "unknown case $case_"
    ;;
esac

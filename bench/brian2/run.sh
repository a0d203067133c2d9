#!/bin/sh
# Brian 2 (C++ standalone) against modelfit on the HH tutorial model: the
# same model, method (exponential Euler), dt (0.01 ms), parameters and step
# input, 1000 neurons x 10000 steps by default, on 1 thread and on all
# threads. Prints ns per neuron-step of both and how many times faster
# modelfit is (Brian / modelfit; the target of issue 5 is >= 3). Brian's
# compile time is not counted: its time is its own C++ timer around the
# network run. Not a test.
#
#   bench/brian2/run.sh BUILD_DIR [n_neurons [n_steps [repeats]]]
#
# Needs Debian's python3-brian (run with /usr/bin/python3) and a built
# BUILD_DIR/bench/bench_engine. Brian's projects go to a temporary directory,
# removed at the end.
set -eu
build=${1:?usage: run.sh BUILD_DIR [n_neurons [n_steps [repeats]]]}
neurons=${2:-1000}
steps=${3:-10000}
repeats=${4:-3}
here=$(cd "$(dirname "$0")" && pwd)
py=/usr/bin/python3
bench="$build/bench/bench_engine"

if ! "$py" -c 'import brian2' 2>/dev/null; then
    echo "run.sh: Brian 2 is not importable by $py: apt-get install python3-brian" >&2
    exit 1
fi
[ -x "$bench" ] || { echo "run.sh: no $bench: build the tree first" >&2; exit 1; }

all=$(nproc)
work=$(mktemp -d "${TMPDIR:-/tmp}/modelfit-brian2-XXXXXX")
trap 'rm -rf "$work"' EXIT
export XDG_CACHE_HOME="$work/cache" # bench_engine uses its own temporary cache anyway

echo "machine: $(uptime)"
echo "== Brian 2 C++ standalone =="
# Brian's best of `repeats` runs of the built binary, per thread count.
for th in 1 $all; do
    [ "$th" = 1 ] || [ "$all" -gt 1 ] || continue
    i=0
    while [ $i -lt "$repeats" ]; do
        "$py" "$here/hh_standalone.py" --neurons "$neurons" --steps "$steps" --threads "$th" \
            --dir "$work/brian-$th-$i" 2>"$work/brian-$th-$i.log" | tee -a "$work/brian.out"
        i=$((i + 1))
    done
done
echo "== modelfit bench_engine =="
"$bench" "$neurons" "$steps" 64 "$repeats" | tee "$work/mf.out"

echo "== Brian 2 / modelfit (how many times faster modelfit is per neuron-step; target >= 3) =="
for th in 1 $all; do
    [ "$th" = 1 ] || [ "$all" -gt 1 ] || continue
    brian=$(awk -v th="$th" '$1 == "brian2" && $2 == "threads" && $3 == th":" {
        v = $6; if (best == "" || v < best) best = v } END { print best }' "$work/brian.out")
    for which in "native" "interpreter" "hand kernel" "hand+mf_exp"; do
        label="modelfit $which"
        [ "$which" != "hand kernel" ] || label="hand-written C kernel"
        [ "$which" != "hand+mf_exp" ] || label="hand-written, mf_exp"
        mf=$(awk -v th="$th" -v w="$which" 'index($0, "threads " th ": " w " ") == 1 {
            s = substr($0, length("threads " th ": " w) + 1); split(s, f, " "); print f[1] }' \
            "$work/mf.out")
        awk -v th="$th" -v w="$label" -v b="$brian" -v m="$mf" 'BEGIN {
            printf "threads %s: brian2 %.2f ns/neuron-step, %-27s %6.2f ns/neuron-step: %.2fx\n",
                   th, b, w, m, b / m }'
    done
done

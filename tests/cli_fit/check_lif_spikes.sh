#!/bin/sh
# The spike-fitting example (examples/lif_spikes/fit.lua): it runs, the
# gamma error ends below 0.1 (0: every spike matched within 2 ms), R and tau
# are within 5% of the truth, and the fitted model fires as many spikes as
# the targets in every trace.
# Usage: check_lif_spikes.sh MODELFIT SOURCE_DIR WORK_DIR
set -u
bin=$1; src=$2; work=$3
mkdir -p "$work" || exit 1
"$bin" run "$src/examples/lif_spikes/fit.lua" > "$work/out" 2> "$work/err"
status=$?
cat "$work/out"
[ $status -eq 0 ] || { cat "$work/err"; echo "FAIL: exit status $status"; exit 1; }
awk '
    /^(R|tau) / { n++; p = $NF; sub(/%/, "", p); p += 0; if (p < 0) p = -p
                  if (p > 5) { print "FAIL: " $1 " off by " $NF; bad = 1 } }
    /^gamma error/ { g = $3; if (!(g >= 0 && g < 0.1)) { print "FAIL: gamma error " g; bad = 1 } }
    /^trace [0-9]+:/ { t++; if ($3 != $6) { print "FAIL: " $0; bad = 1 } }
    END { if (n != 2 || t != 3 || g == "") { print "FAIL: unexpected output"; bad = 1 }
          if (!bad) print "ok: R and tau within 5%, spike counts match"; exit bad }
' "$work/out"

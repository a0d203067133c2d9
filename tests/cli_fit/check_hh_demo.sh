#!/bin/sh
# The HH demo (examples/hh_tutorial/fit.lua) with few DE rounds: it runs,
# writes a PNG, its best error falls from the first round's by a factor of
# 10 or more and ends finite within 3% of the noise floor the script
# computes, and the refined parameters are within 5% of the truth.
# Usage: check_hh_demo.sh MODELFIT SOURCE_DIR WORK_DIR ROUNDS
set -u
bin=$1; src=$2; work=$3; rounds=$4
mkdir -p "$work" || exit 1
rm -f "$work/fit.png"
"$bin" run "$src/examples/hh_tutorial/fit.lua" "$work/fit.png" "$rounds" \
    > "$work/out" 2> "$work/err"
status=$?
cat "$work/out" "$work/err"
[ $status -eq 0 ] || { echo "FAIL: exit status $status"; exit 1; }
# A PNG starts with \211PNG.
[ "$(od -An -c -N4 "$work/fit.png" 2>/dev/null | tr -d ' ')" = '211PNG' ] ||
    { echo "FAIL: $work/fit.png is not a PNG"; exit 1; }
first=$(sed -n "s|^round 1/$rounds: best error \([^ ]*\) mV^2.*|\1|p" "$work/err")
final=$(sed -n 's/^MSE after refine *\([^ ]*\) mV^2.*/\1/p' "$work/out")
floor=$(sed -n 's/^noise floor *\([^ ]*\) mV^2.*/\1/p' "$work/out")
[ -n "$first" ] && [ -n "$final" ] && [ -n "$floor" ] ||
    { echo "FAIL: cannot read the first error ($first), final ($final), floor ($floor)"; exit 1; }
awk -v a="$first" -v b="$final" -v f="$floor" 'BEGIN {
    if (!(b == b + 0 && b > 0 && b < 1e300)) { print "FAIL: final MSE " b " is not finite"; exit 1 }
    if (!(b <= a / 10)) { print "FAIL: MSE went from " a " to " b " only"; exit 1 }
    r = b / f
    if (!(r > 0.97 && r < 1.03)) { print "FAIL: MSE " b " is not within 3% of the floor " f; exit 1 }
    print "ok: MSE " a " -> " b " mV^2, floor " f " mV^2"
}' || exit 1
# The parameter rows end in "+x.xx%  (+- ...)".
awk '
    /\(\+- / { n++; for (i = 1; i <= NF; i++) if ($i ~ /%$/) p = $i
               q = p; sub(/%/, "", q); q += 0; if (q < 0) q = -q
               if (q > 5) { print "FAIL: " $1 " is off by " p; bad = 1 } }
    END { if (n != 4) { print "FAIL: expected 4 parameter rows, found " n; bad = 1 }
          if (!bad) print "ok: 4 parameters within 5% of the truth"; exit bad }
' "$work/out"

#!/bin/sh
# examples/custom_plugin: build the SDK template's plugins with its
# build.sh, list them through MODELFIT_PLUGIN_PATH, and run the example's
# fit with them (by path); gl and C must come back within 5%.
# Usage: check_custom_plugin.sh MODELFIT SOURCE_DIR WORK_DIR
set -u
bin=$1; src=$2; work=$3
rm -rf "$work" && mkdir -p "$work" || exit 1
sh "$src/examples/custom_plugin/build.sh" "$work/plugins" || { echo "FAIL: build.sh"; exit 1; }
# The output is kept in a file, not piped into grep, so modelfit's own exit
# status is checked too.
MODELFIT_PLUGIN_PATH="$work/plugins" "$bin" plugins hillclimb > "$work/plugins.out" 2>&1
status=$?
[ $status -eq 0 ] ||
    { cat "$work/plugins.out"; echo "FAIL: modelfit plugins hillclimb: exit status $status"; exit 1; }
grep -q "file: $work/plugins/hillclimb.so" "$work/plugins.out" ||
    { cat "$work/plugins.out"; echo "FAIL: modelfit plugins does not name the built file"; exit 1; }
"$bin" run "$src/examples/custom_plugin/fit.lua" "$work/plugins" > "$work/out" 2> "$work/err"
status=$?
cat "$work/out"
[ $status -eq 0 ] || { cat "$work/err"; echo "FAIL: exit status $status"; exit 1; }
grep -q "^optimizer hillclimb" "$work/out" && grep -q "^metric    mae" "$work/out" ||
    { echo "FAIL: the template plugins were not used"; exit 1; }
awk '
    /^(gl|C) +truth/ { n++; p = $NF; gsub(/[(%)+-]/, "", p); p += 0
                       if (p > 5) { print "FAIL: " $0; bad = 1 } }
    END { if (n != 2) { print "FAIL: expected 2 parameter lines"; bad = 1 }
          if (!bad) print "ok: gl and C within 5% with hillclimb + mae"; exit bad }
' "$work/out"

#!/bin/sh
# `modelfit plugins` lists the built-ins with kind, version, ABI and file;
# `modelfit plugins NAME` prints a plugin's options; an unknown name is a
# one-line error and exit status 1.
# usage: cli_test.sh MODELFIT_EXE PLUGIN_BUILD_DIR
set -eu
exe=$1
dir=$2
out=$(mktemp)
trap 'rm -f "$out"' EXIT
fail() { echo "FAIL: $*"; cat "$out"; exit 1; }

# The build tree's plugins first, whatever is installed.
export MODELFIT_PLUGIN_PATH="$dir"

"$exe" plugins >"$out" 2>&1 || fail "modelfit plugins exited with $?"
for p in "de +optimizer" "grid +optimizer" "random +optimizer" "mse +metric" "gamma +metric"; do
    grep -Eq "^$p +1\.0\.0 +ABI 1\.1 +$dir/" "$out" || fail "no line for '$p' from $dir"
done

"$exe" plugins de >"$out" 2>&1 || fail "modelfit plugins de exited with $?"
grep -q 'strategy .*string .*default "currenttobest1", one of currenttobest1|best1bin' "$out" ||
    fail "de's strategy option not shown"
grep -q '^  seed ' "$out" || fail "the host option seed is not shown"

"$exe" plugins gamma >"$out" 2>&1 || fail "modelfit plugins gamma exited with $?"
grep -q 'delta .*quantity .*default (required), unit second' "$out" || fail "gamma's delta"
grep -q 'compares spike trains' "$out" || fail "gamma's kind"

"$exe" plugins mse >"$out" 2>&1 || fail "modelfit plugins mse exited with $?"
grep -q 't_start .*quantity .*default 0 s, unit second' "$out" || fail "mse's t_start"
grep -q 'has an online form' "$out" || fail "mse's online form"

if "$exe" plugins no_such_plugin >"$out" 2>&1; then
    fail "an unknown plugin succeeded"
fi
[ "$(wc -l <"$out")" -eq 1 ] || fail "the error is not one line"
grep -q "^modelfit: error: no plugin named 'no_such_plugin'; available: de, gamma, grid, mse, random" \
    "$out" || fail "unexpected error text"
echo "ok: modelfit plugins"

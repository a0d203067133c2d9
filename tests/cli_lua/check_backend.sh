#!/bin/sh
# scripts/backend.lua compares the interpreter with native kernels. After a
# silent fallback to the interpreter it would compare the interpreter with
# itself, so this driver checks that native really ran: with an empty
# kernel cache ($XDG_CACHE_HOME/modelfit), the run must leave a compiled
# kernel there (the interpreter writes none) and print nothing on stderr
# (a kernel that fails to compile or load is a warning line). Without a C
# compiler native cannot run: exit 77, a visible skip.
# Usage: check_backend.sh MODELFIT SCRIPTS_DIR WORK_DIR
set -u
bin=$1; scripts=$2; work=$3
fail() { echo "FAIL: $*"; exit 1; }
cc=${CC:-cc}
command -v "${cc%% *}" > /dev/null 2>&1 || { echo "skip: no C compiler ($cc)"; exit 77; }
rm -rf "$work" && mkdir -p "$work/cache" || exit 1

cd "$scripts" || exit 1
XDG_CACHE_HOME="$work/cache" "$bin" run backend.lua > "$work/out" 2> "$work/err"
status=$?
cat "$work/out"
[ $status -eq 0 ] || { cat "$work/err"; fail "exit status $status"; }
[ -s "$work/err" ] && { cat "$work/err"; fail "stderr is not empty (a native fallback?)"; }
n=$(find "$work/cache/modelfit/kernels" -name '*.so' 2> /dev/null | wc -l)
[ "$n" -ge 1 ] || fail "no kernel in the empty cache: native did not run"
echo "ok: native ran ($n kernel(s) compiled into an empty cache) and agreed with interp"

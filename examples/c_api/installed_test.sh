#!/bin/sh
# examples/c_api builds against an installed modelfit with pkg-config alone:
# install the build tree into a temporary prefix, compile fit_passive.c with
# `cc $(pkg-config --cflags --libs modelfit)` and run it (exit 0 = the fit
# found g and E within 1%). No LD_LIBRARY_PATH: the program finds the
# installed libmodelfit through the run path it was linked with
# (-Wl,-rpath,LIBDIR, as a program built against a private prefix is), and
# the installed `modelfit` through its own ($ORIGIN/../lib); ldd must show
# both resolving libmodelfit.so.1 inside the prefix, not in the build tree.
# usage: installed_test.sh BUILD_DIR SOURCE_DIR [EXTRA_CFLAGS]
set -eu
build=$1
src=$2
extra=${3:-}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail() { echo "FAIL: $*"; exit 1; }

cmake --install "$build" --prefix "$tmp/prefix" >"$tmp/install.log" 2>&1 ||
    { cat "$tmp/install.log"; fail "cmake --install"; }
pc=$(find "$tmp/prefix" -name modelfit.pc | head -n 1)
[ -n "$pc" ] || fail "modelfit.pc is not installed"
export PKG_CONFIG_PATH="$(dirname "$pc")"
libdir=$(pkg-config --variable=libdir modelfit)
unset LD_LIBRARY_PATH
# shellcheck disable=SC2046,SC2086 # pkg-config's words are meant to split
cc -std=c11 -Wall -Wextra -Werror $extra -o "$tmp/fit_passive" "$src/examples/c_api/fit_passive.c" \
    $(pkg-config --cflags --libs modelfit) -Wl,-rpath,"$libdir" -lm >"$tmp/cc.log" 2>&1 ||
    { cat "$tmp/cc.log"; fail "compiling against the installed library"; }

# Where the dynamic loader finds libmodelfit.so.1 for $1: inside the prefix.
# (libdir may hold ".." and $ORIGIN paths: compare the real paths.)
check_resolves() {
    found=$(ldd "$1" | awk '$1 == "libmodelfit.so.1" && $3 ~ /^\// { print $3 }')
    [ -n "$found" ] || { ldd "$1"; fail "$1: libmodelfit.so.1 is not found without LD_LIBRARY_PATH"; }
    [ "$(realpath "$(dirname "$found")")" = "$(realpath "$libdir")" ] ||
        fail "$1 loads $found, not the installed $libdir/libmodelfit.so.1"
}
check_resolves "$tmp/fit_passive"
"$tmp/fit_passive" || fail "the installed example did not reach the truth"

# The installed CLI, moved with its prefix, runs on its RUNPATH alone.
check_resolves "$tmp/prefix/bin/modelfit"
printf 'dv/dt = (El - v)/tau : volt\nEl : volt (constant)\ntau : second (constant)\n' \
    >"$tmp/leak.eqs"
"$tmp/prefix/bin/modelfit" check "$tmp/leak.eqs" >"$tmp/check.out" 2>&1 ||
    { cat "$tmp/check.out"; fail "the installed modelfit does not run"; }
grep -q "the model is valid" "$tmp/check.out" ||
    { cat "$tmp/check.out"; fail "the installed modelfit check printed no verdict"; }
echo "ok: examples/c_api built with pkg-config against $tmp/prefix and fitted, no LD_LIBRARY_PATH"

#!/bin/sh
# examples/c_api builds against an installed modelfit with pkg-config alone:
# install the build tree into a temporary prefix, compile fit_passive.c with
# `cc $(pkg-config --cflags --libs modelfit)` and run it (exit 0 = the fit
# found g and E within 1%).
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
# shellcheck disable=SC2046,SC2086 # pkg-config's words are meant to split
cc -std=c11 -Wall -Wextra -Werror $extra -o "$tmp/fit_passive" "$src/examples/c_api/fit_passive.c" \
    $(pkg-config --cflags --libs modelfit) -lm >"$tmp/cc.log" 2>&1 ||
    { cat "$tmp/cc.log"; fail "compiling against the installed library"; }
LD_LIBRARY_PATH="$libdir${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}" "$tmp/fit_passive" ||
    fail "the installed example did not reach the truth"
echo "ok: examples/c_api built with pkg-config against $tmp/prefix and fitted"

#!/bin/sh
# The SDK works from an installation alone: install into a temporary
# prefix, build sdk/template out of tree twice (pkg-config + make, and
# CMake's find_package), check the exports, then load each build through
# MODELFIT_PLUGIN_PATH and run the conformance suite on it.
# usage: sdk_install_test.sh BUILD_DIR SOURCE_DIR CONFORMANCE_EXE MODELFIT_EXE
set -eu
build=$1
src=$2
conformance=$3
exe=$4
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail() { echo "FAIL: $*"; exit 1; }

cmake --install "$build" --prefix "$tmp/prefix" >"$tmp/install.log" 2>&1 ||
    { cat "$tmp/install.log"; fail "cmake --install"; }
pc=$(find "$tmp/prefix" -name modelfit.pc | head -n 1)
[ -n "$pc" ] || fail "modelfit.pc is not installed"
[ -f "$tmp/prefix/include/modelfit/plugin.h" ] || fail "plugin.h is not installed"
[ -d "$(dirname "$(dirname "$pc")")/modelfit/plugins" ] || fail "no plugin directory"
# The installed CLI finds libmodelfit through its RUNPATH, not the environment.
env -u LD_LIBRARY_PATH "$tmp/prefix/bin/modelfit" --version >"$tmp/version.log" 2>&1 &&
    grep -q '^modelfit [0-9]' "$tmp/version.log" ||
    { cat "$tmp/version.log"; fail "the installed modelfit does not start without LD_LIBRARY_PATH"; }

# The installed library searches its own <libdir>/modelfit/plugins, found
# from where it is (not the configured prefix), and never the build tree's:
# every plugin `modelfit plugins` lists is an installed file, also after
# the whole installation is moved elsewhere.
libdir=$(dirname "$(dirname "$pc")")
check_installed_plugins() { # PREFIX LIBDIR
    env -u MODELFIT_PLUGIN_PATH "$1/bin/modelfit" plugins >"$tmp/list.txt" 2>&1 ||
        { cat "$tmp/list.txt"; fail "modelfit plugins failed from $1"; }
    for p in de gamma grid mse random; do
        grep -q "^$p .* $2/modelfit/plugins/$p.so\$" "$tmp/list.txt" ||
            { cat "$tmp/list.txt"; fail "the installed modelfit in $1 does not list $2/modelfit/plugins/$p.so"; }
    done
    ! grep -q "$build/plugins" "$tmp/list.txt" ||
        { cat "$tmp/list.txt"; fail "the installed modelfit in $1 loads the build tree's plugins"; }
    env -u MODELFIT_PLUGIN_PATH "$1/bin/modelfit" plugins de >"$tmp/de.txt" 2>&1 &&
        grep -q "^  file: $2/modelfit/plugins/de.so\$" "$tmp/de.txt" ||
        { cat "$tmp/de.txt"; fail "modelfit plugins de from $1 is not $2/modelfit/plugins/de.so"; }
}
check_installed_plugins "$tmp/prefix" "$libdir"
mv "$tmp/prefix" "$tmp/moved"
check_installed_plugins "$tmp/moved" "$tmp/moved/${libdir#"$tmp/prefix/"}"
mv "$tmp/moved" "$tmp/prefix"
# The build tree's CLI still uses the build tree's plugins.
env -u MODELFIT_PLUGIN_PATH "$exe" plugins de >"$tmp/de.txt" 2>&1 &&
    grep -q "^  file: $build/plugins/de.so\$" "$tmp/de.txt" ||
    { cat "$tmp/de.txt"; fail "the build tree's modelfit does not use $build/plugins"; }

# 1. pkg-config and the template's Makefile, from a directory of our own.
mkdir "$tmp/pc"
(cd "$tmp/pc" && PKG_CONFIG_PATH="$(dirname "$pc")" make -f "$src/sdk/template/Makefile") \
    >"$tmp/pc.log" 2>&1 || { cat "$tmp/pc.log"; fail "pkg-config build"; }
plugindir=$(PKG_CONFIG_PATH="$(dirname "$pc")" pkg-config --variable=plugindir modelfit)
[ -d "$plugindir" ] || fail "pkg-config's plugindir $plugindir does not exist"

# 2. CMake, find_package(modelfit) from the prefix only.
cmake -S "$src/sdk/template" -B "$tmp/cm" -DCMAKE_PREFIX_PATH="$tmp/prefix" \
    -DCMAKE_BUILD_TYPE=Release >"$tmp/cm.log" 2>&1 && cmake --build "$tmp/cm" >>"$tmp/cm.log" 2>&1 ||
    { cat "$tmp/cm.log"; fail "CMake build"; }

for d in pc cm; do
    for p in hillclimb mae; do
        f="$tmp/$d/$p.so"
        [ -f "$f" ] || fail "$f was not built"
        funcs=$(nm -D --defined-only "$f" | awk 'NF == 3 && $2 ~ /^[TWi]$/ { print $3 }')
        [ "$funcs" = "mf_plugin_entry" ] || fail "$f exports: $funcs"
    done
    # Loaded through MODELFIT_PLUGIN_PATH, first in the search order.
    MODELFIT_PLUGIN_PATH="$tmp/$d" MF_CONFORMANCE_EXPECT="hillclimb,mae" "$conformance" ||
        fail "conformance of the $d build"
    # Into a file, not a pipe, so modelfit's exit status is checked too.
    MODELFIT_PLUGIN_PATH="$tmp/$d" "$exe" plugins hillclimb > "$tmp/$d.plugins" 2>&1 ||
        { cat "$tmp/$d.plugins"; fail "modelfit plugins hillclimb failed for the $d build"; }
    grep -q "file: $tmp/$d/hillclimb.so" "$tmp/$d.plugins" ||
        { cat "$tmp/$d.plugins"; fail "modelfit plugins does not find the $d build"; }
done
echo "ok: SDK installed, its plugins found where installed (and moved), template built with pkg-config and CMake, loaded and conformant"

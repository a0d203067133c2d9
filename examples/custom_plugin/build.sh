#!/bin/sh
# Builds the SDK's template plugins (sdk/template: the optimizer
# "hillclimb" and the metric "mae") into DIR, against this source tree's
# plugin header: no install needed, and nothing of modelfit is linked.
# Usage: examples/custom_plugin/build.sh [DIR]   (default: ./plugins)
set -eu
root=$(cd "$(dirname "$0")/../.." && pwd)
out=${1:-plugins}
mkdir -p "$out"
for p in hillclimb mae; do
    # -fvisibility=hidden: mf_plugin_entry is the only exported symbol.
    ${CC:-cc} -std=c11 -O2 -Wall -Wextra -fPIC -fvisibility=hidden -I"$root/sdk/include" \
        -shared -o "$out/$p.so" "$root/sdk/template/$p.c" -lm
    echo "built $out/$p.so"
done

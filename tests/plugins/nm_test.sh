#!/bin/sh
# Each built-in plugin exports one function, mf_plugin_entry: the defined
# function symbols of its dynamic table (nm -D --defined-only, types T W i)
# must be exactly that one name.
# usage: nm_test.sh PLUGIN_BUILD_DIR
set -eu
dir=$1
status=0
for name in random grid de mse gamma; do
    f="$dir/$name.so"
    if [ ! -f "$f" ]; then
        echo "FAIL: $f is missing"
        status=1
        continue
    fi
    funcs=$(nm -D --defined-only "$f" | awk 'NF == 3 && $2 ~ /^[TWi]$/ { print $3 }')
    if [ "$funcs" = "mf_plugin_entry" ]; then
        echo "ok: $name.so exports only mf_plugin_entry"
    else
        echo "FAIL: $name.so exports functions:" $funcs
        status=1
    fi
done
exit $status

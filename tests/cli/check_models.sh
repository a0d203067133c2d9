#!/bin/sh
# Every model in ../shared/models checks clean with the constants and inputs
# named in its header comment (`# constants: A = 1*mV, B = 2*mV`,
# `# inputs: I : amp`), and `modelfit check` lists the variables, units and
# constants written down by hand in expected/MODEL.txt (section|name|unit,
# plus |unless refractory when the flag is set).
#
# usage: check_models.sh MODELFIT_CLI MODELS_DIR EXPECTED_DIR WORK_DIR
set -u
cli=$1
models=$2
expected=$3
work=$4

if [ ! -d "$models" ]; then
    echo "SKIP: no shared models at $models"
    exit 77
fi
ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}exitcode=86"
UBSAN_OPTIONS="${UBSAN_OPTIONS:+$UBSAN_OPTIONS:}exitcode=87:print_stacktrace=1"
export ASAN_OPTIONS UBSAN_OPTIONS
mkdir -p "$work" || exit 2

# The header's list after KEY, one item a line, blanks removed.
header_items() {
    sed -n "s/^# $1://p" "$2" | tr ',' '\n' | tr -d ' \t' | grep -v '^$'
}

# The table as section|name|unit lines.
key_lines() {
    awk '
        /^[a-z].* \([0-9]+\)$/ { section = $0; sub(/ \([0-9]+\)$/, "", section); next }
        /^  / {
            line = substr($0, 3)
            n = split(line, f, /  +/)
            out = section "|" f[1] "|" f[2]
            if (line ~ /\(unless refractory\)$/) out = out "|unless refractory"
            print out
        }' "$1"
}

n=0
failed=0
for model in "$models"/*.eqs; do
    name=$(basename "$model" .eqs)
    n=$((n + 1))
    set --
    for c in $(header_items constants "$model"); do set -- "$@" --const "$c"; done
    for i in $(header_items inputs "$model"); do set -- "$@" --input "$i"; done
    "$cli" check "$model" "$@" >"$work/$name.out" 2>"$work/$name.err"
    rc=$?
    if [ $rc -ne 0 ] || [ -s "$work/$name.err" ]; then
        echo "FAIL: $name: exit status $rc: $(cat "$work/$name.err")"
        failed=$((failed + 1))
        continue
    fi
    if ! head -n 1 "$work/$name.out" | grep -q -F "$model: the model is valid"; then
        echo "FAIL: $name: first line: $(head -n 1 "$work/$name.out")"
        failed=$((failed + 1))
        continue
    fi
    if [ ! -f "$expected/$name.txt" ]; then
        echo "FAIL: $name: no expected listing $expected/$name.txt (write one by hand)"
        failed=$((failed + 1))
        continue
    fi
    key_lines "$work/$name.out" >"$work/$name.keys"
    if ! diff -u "$expected/$name.txt" "$work/$name.keys"; then
        echo "FAIL: $name: the listing differs (- expected, + printed)"
        failed=$((failed + 1))
        continue
    fi
    echo "ok: $name ($(wc -l <"$work/$name.keys") variables, units and constants)"
done
echo "shared models: $n checked, $failed failed"
[ $n -gt 0 ] && [ $failed -eq 0 ]

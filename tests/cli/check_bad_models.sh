#!/bin/sh
# The bad-model corpus: every file in tests/data/bad_models, plus cases made
# here at test time (binary garbage, NUL bytes, 1 MB lines), must make
# `modelfit check` exit with status exactly 1 and print one
# "modelfit: FILE:LINE:COL: error: ..." line on stderr. Anything else
# (another status, a signal, a sanitizer report) fails. A file's first line
# `# expect: LINE:COL TEXT` also fixes the place and a part of the message.
#
# usage: check_bad_models.sh MODELFIT_CLI CORPUS_DIR WORK_DIR
set -u
cli=$1
corpus=$2
work=$3

# A sanitizer report must not look like our exit status 1.
ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}exitcode=86"
UBSAN_OPTIONS="${UBSAN_OPTIONS:+$UBSAN_OPTIONS:}exitcode=87:print_stacktrace=1"
export ASAN_OPTIONS UBSAN_OPTIONS

rm -rf "$work"
mkdir -p "$work/gen" || exit 2
gen=$work/gen

# --- cases generated deterministically -----------------------------------
# Writes bytes given as decimal numbers on stdin (one per line).
bytes() {
    printf "$(awk '{ printf "\\%03o", $1 % 256 }')"
}
# 4 KiB from a linear congruential generator (glibc's constants).
awk 'BEGIN { s = 12345; for (i = 0; i < 4096; i++) {
        s = (s * 1103515245 + 12345) % 2147483648; print int(s / 65536) } }' |
    bytes >"$gen/binary_random.eqs"
# The start of an executable: ELF header, NUL bytes.
head -c 4096 "$cli" >"$gen/binary_executable.eqs"
printf '# expect: 3:8 NUL byte\nv : volt\nw : amp\000 garbage\n' >"$gen/binary_nul_in_middle.eqs"
printf '# expect: 3:1 byte 0x01\nv : volt\n\001w : amp\n' >"$gen/binary_control_char.eqs"
printf '# expect: 2:6 byte 0xFF\nv : v\377\376\n' >"$gen/binary_high_bytes.eqs"
# 1 MB lines: a flat sum, nothing but parentheses, garbage, a huge name.
mb=1048576
{ printf '# expect: 2:5 the limit is\nx = 1'; yes +1 | head -n $((mb / 2)) | tr -d '\n'; printf ' : 1\n'; } \
    >"$gen/long_line_sum_1mb.eqs"
{ printf '# expect: 2:5 the limit is\nx = '; head -c $mb /dev/zero | tr '\0' '('; printf '1 : 1\n'; } \
    >"$gen/long_line_parentheses_1mb.eqs"
{ printf '# expect: 2:1 expected a definition\n'; head -c $mb /dev/zero | tr '\0' '@'; echo; } \
    >"$gen/long_line_garbage_1mb.eqs"
{ printf '# expect: 2:%d unknown unit\n' $((mb + 4)); head -c $mb /dev/zero | tr '\0' 'a'; printf ' : voltz\n'; } \
    >"$gen/long_line_name_1mb.eqs"
{ printf '# expect: 2:5 the unit of v is\nv : volt'; yes '*volt' | head -n $((mb / 5)) | tr -d '\n'; echo; } \
    >"$gen/long_line_unit_1mb.eqs"
{ printf '# expect: 3:1 expected a definition\nv : volt\n'; head -c $mb /dev/zero | tr '\0' '\n'; } |
    { cat; printf '@\n'; } >"$gen/many_blank_lines.eqs"
sed -i "1s/3:1/$((mb + 3)):1/" "$gen/many_blank_lines.eqs"

# --- the check ------------------------------------------------------------
n=0
failed=0
fail() {
    echo "FAIL: $1"
    failed=$((failed + 1))
}
for f in "$corpus"/*.eqs "$gen"/*.eqs; do
    n=$((n + 1))
    name=${f##*/}
    "$cli" check "$f" >"$work/out" 2>"$work/err"
    rc=$?
    msg=$(head -c 300 "$work/err" | head -n 1)
    if [ $rc -ne 1 ]; then
        fail "$name: exit status $rc, want 1; stderr: $(head -c 2000 "$work/err")"
        continue
    fi
    if grep -q -e 'Sanitizer' -e 'runtime error' "$work/err"; then
        fail "$name: sanitizer report: $(head -c 2000 "$work/err")"
        continue
    fi
    if [ "$(wc -l <"$work/err")" -ne 1 ]; then
        fail "$name: want one line on stderr, got $(wc -l <"$work/err")"
    fi
    if ! grep -q "^modelfit: .*:[0-9][0-9]*:[0-9][0-9]*: error: " "$work/err"; then
        fail "$name: no 'FILE:LINE:COL: error:' message: $msg"
        continue
    fi
    if [ -s "$work/out" ]; then
        fail "$name: printed on stdout although the model is invalid"
    fi
    expect=$(head -c 300 "$f" | head -n 1 | sed -n 's/^# expect: //p')
    if [ -n "$expect" ]; then
        place=${expect%% *}
        text=${expect#* }
        if ! grep -q -F "modelfit: $f:$place: error: " "$work/err"; then
            fail "$name: want place $place, got: $msg"
        elif ! grep -q -F -- "$text" "$work/err"; then
            fail "$name: want '$text' in: $msg"
        fi
    fi
done
echo "bad models: $n cases, $((n - failed)) gave exit 1 with FILE:LINE:COL, $failed failed"
[ $n -ge 40 ] || { echo "FAIL: only $n cases"; exit 1; }
[ $failed -eq 0 ]

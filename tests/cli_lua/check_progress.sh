#!/bin/sh
# The progress printer's output, byte for byte: plain lines off a terminal,
# a bar redrawn with '\r' on one (forced by tty = true in the script).
# Usage: check_progress.sh MODELFIT SCRIPT WORK_DIR
set -u
mkdir -p "$3" || exit 1
"$1" run "$2" > "$3/out" || exit 1
{
    printf 'round 1/4: best error 3 mV, elapsed 1.0 s, ETA 3.0 s\n'
    printf 'round 2/4: best error 2 mV, elapsed 2.5 s, ETA 2.5 s\n'
    printf '\rround 2/4 [############............] best 2 mV  2.0 s  ETA 2.0 s'
    # 4 spaces blank the end of the longer line before.
    printf '\rround 4/4 [########################] best -  1:15  ETA 0.0 s    \n'
    printf 'round 3: best error 0.5, elapsed 1:01:40\n'
} > "$3/expected"
if ! cmp -s "$3/out" "$3/expected"; then
    echo "FAIL: progress output differs"
    od -c "$3/out" | head -20
    echo "expected:"
    od -c "$3/expected" | head -20
    exit 1
fi
echo "progress output as expected"

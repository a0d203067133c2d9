#!/bin/sh
# Fits that survive, through the CLI (scripts/fit_ckpt.lua: DE with a fixed
# seed, checkpoint every 2 rounds, history appended round by round):
#   1. an uninterrupted run: the reference history and results;
#   2. SIGKILL half-way (after a checkpoint exists), then `--resume`: the
#      history file and the results are byte-identical to the reference;
#   3. SIGINT half-way: exit status 130 and one line naming the signal and
#      the command that resumes; running that exact command gives the
#      reference again;
#   4. the same with SIGTERM: exit status 143.
# Usage: check_interrupt.sh MODELFIT SCRIPTS_DIR WORK_DIR
set -u
bin=$1; scripts=$2; work=$3
script=$scripts/fit_ckpt.lua
rounds=30
rm -rf "$work" && mkdir -p "$work/ref" || exit 1
fail() { echo "FAIL: $*"; exit 1; }

"$bin" run "$script" "$work/ref" $rounds > "$work/ref.out" 2> "$work/ref.err" ||
    { cat "$work/ref.err"; fail "the reference run failed"; }
ref_rows=$(wc -l < "$work/ref/history.csv")
[ "$ref_rows" -eq $((rounds * 16 + 1)) ] || fail "reference history has $ref_rows lines"
cmp -s "$work/ref/history.csv" "$work/ref/results.csv" ||
    fail "the appended history differs from save_results"

# Starts a slow run in $1 in the background and waits for its first checkpoint.
start_slow() {
    mkdir -p "$1"
    "$bin" run "$script" "$1" $rounds slow > "$1.out" 2> "$1.err" &
    pid=$!
    i=0
    while [ ! -f "$1/fit.ckpt" ]; do
        i=$((i + 1))
        [ $i -le 1200 ] || { kill -9 $pid; fail "no checkpoint after 60 s"; }
        kill -0 $pid 2> /dev/null || fail "the run ended before its first checkpoint"
        sleep 0.05
    done
}

# $1 stopped half-way: fewer rows than the reference, whole rows only.
check_partial() {
    rows=$(wc -l < "$1/history.csv")
    [ "$rows" -lt "$ref_rows" ] || fail "$1: the run was not stopped half-way ($rows rows)"
    awk -F, 'NR > 1 && NF != 4 { bad = 1 } END { exit bad }' "$1/history.csv" ||
        fail "$1: a partial row in the history file"
}

check_same() {
    cmp "$1/history.csv" "$work/ref/history.csv" || fail "$1: history differs from the reference"
    cmp "$1/results.csv" "$work/ref/results.csv" || fail "$1: results differ from the reference"
}

# 2. SIGKILL: no chance to write anything more; the last checkpoint resumes.
# Killed once 5 rounds are in the history file: usually one more than the
# last checkpoint (every 2 rounds) holds, so the resume must redo a round.
start_slow "$work/kill"
i=0
while [ "$(wc -l < "$work/kill/history.csv")" -lt 81 ]; do
    i=$((i + 1))
    [ $i -le 1200 ] || { kill -9 $pid; fail "no 5 rounds after 60 s"; }
    sleep 0.01
done
kill -9 $pid
wait $pid
status=$?
[ $status -eq 137 ] || fail "SIGKILL: exit status $status"
check_partial "$work/kill"
killed_rows=$rows
"$bin" run --resume "$script" "$work/kill" $rounds > "$work/kill.out2" 2> "$work/kill.err2" ||
    { cat "$work/kill.err2"; fail "the resumed run failed"; }
check_same "$work/kill"
echo "ok: SIGKILL half-way ($killed_rows of $ref_rows history lines), resumed: identical"

# 3, 4. SIGINT and SIGTERM: a clean stop, status 128 + n, the resume line.
for sig in INT TERM; do
    dir=$work/sig$sig
    start_slow "$dir"
    kill -$sig $pid
    wait $pid
    status=$?
    want=130; [ $sig = TERM ] && want=143
    [ $status -eq $want ] || { cat "$dir.err"; fail "SIG$sig: exit status $status, not $want"; }
    [ "$(wc -l < "$dir.err")" -eq 1 ] || { cat "$dir.err"; fail "SIG$sig: not one line"; }
    grep -q "^modelfit: interrupted by SIG$sig: .*checkpoint '$dir/fit.ckpt'" "$dir.err" ||
        { cat "$dir.err"; fail "SIG$sig: the line does not name the signal and checkpoint"; }
    cmd=$(sed -n 's/.*; resume with: modelfit //p' "$dir.err")
    [ -n "$cmd" ] || { cat "$dir.err"; fail "SIG$sig: no resume command"; }
    check_partial "$dir"
    stopped_rows=$rows
    eval "\"\$bin\" $cmd" > "$dir.out2" 2> "$dir.err2" ||
        { cat "$dir.err2"; fail "SIG$sig: the resume command failed: $cmd"; }
    check_same "$dir"
    echo "ok: SIG$sig half-way ($stopped_rows rows) -> exit $status; resumed with: modelfit $cmd"
done

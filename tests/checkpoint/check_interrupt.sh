#!/bin/sh
# Fits that survive, through the CLI (scripts/fit_ckpt.lua: DE with a fixed
# seed, checkpoint every 2 rounds, history appended round by round):
#   1. an uninterrupted run: the reference history and results;
#   2. SIGKILL half-way (after a checkpoint exists), then `--resume`: the
#      history file and the results are byte-identical to the reference;
#   3. SIGINT half-way: exit status 130 and one line naming the signal and
#      the command that resumes; running that exact command gives the
#      reference again;
#   4. the same with SIGTERM: exit status 143;
#   5. a fit without checkpoint option (nothing on disk while it runs),
#      SIGINT half-way: the host writes fit_ckpt.ckpt and
#      fit_ckpt.results.csv in the current directory (the results so far:
#      the reference's first rows) and prints both and the resume command;
#      that command finds the default checkpoint, continues after the last
#      round saved and gives the reference results;
#   6. the same with an optimizer that cannot save (nosave.so) and SIGTERM:
#      exit status 143, the results written, no checkpoint (a stale one is
#      removed), and the line says the fit cannot be resumed;
#   7. as 5 when the fit is the script's second fitter: its default files
#      are fit_ckpt.2.ckpt and fit_ckpt.2.results.csv, and --resume finds
#      them (the first fitter, which has none, runs afresh).
# Usage: check_interrupt.sh MODELFIT SCRIPTS_DIR WORK_DIR NOSAVE_PLUGIN
set -u
bin=$1; scripts=$2; work=$3; nosave=$4
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

# Starts a slow run without checkpoint option in $1 (its current directory)
# in the background, with more arguments $2..., and waits for 3 rounds.
start_nockpt() {
    d=$1
    shift
    mkdir -p "$d"
    (cd "$d" && exec "$bin" run "$script" "$d" $rounds slow nockpt "$@" > "$d.out" 2> "$d.err") &
    pid=$!
    i=0
    while ! grep -q "^round 3$" "$d.out"; do
        i=$((i + 1))
        [ $i -le 1200 ] || { kill -9 $pid; fail "no 3 rounds after 60 s"; }
        kill -0 $pid 2> /dev/null || { cat "$d.err"; fail "the run ended before round 3"; }
        sleep 0.05
    done
}

# $1 holds whole rows of the history (round, El, tau, error), at least one
# round's and fewer than the reference's; sets rows.
check_results_rows() {
    [ -f "$1" ] || fail "$1 was not written"
    rows=$(wc -l < "$1")
    [ "$rows" -gt 1 ] && [ "$rows" -lt "$ref_rows" ] && [ $(((rows - 1) % 16)) -eq 0 ] ||
        fail "$1 has $rows lines, not 1 + 16 per round, fewer than the reference's"
    awk -F, 'NR > 1 && NF != 4 { bad = 1 } END { exit bad }' "$1" || fail "$1: a partial row"
}

# 5, 7. SIGINT without checkpoint option: $1 the work directory, $2 the
# default files' stem, $3... more arguments of the script.
check_default() {
    dir=$1; stem=$2
    shift 2
    start_nockpt "$dir" "$@"
    kill -INT $pid
    wait $pid
    status=$?
    [ $status -eq 130 ] || { cat "$dir.err"; fail "$dir: SIGINT: exit status $status"; }
    [ "$(wc -l < "$dir.err")" -eq 1 ] || { cat "$dir.err"; fail "$dir: not one line"; }
    real=$(cd "$dir" && pwd -P)
    grep -qF "saved the checkpoint '$real/$stem.ckpt' and the results '$real/$stem.results.csv'; resume from $real with: modelfit run --resume " "$dir.err" ||
        { cat "$dir.err"; fail "$dir: the line does not name both files and the command"; }
    [ -f "$dir/$stem.ckpt" ] || fail "no default checkpoint $dir/$stem.ckpt"
    check_results_rows "$dir/$stem.results.csv"
    head -n "$rows" "$work/ref/results.csv" | cmp -s - "$dir/$stem.results.csv" ||
        fail "$dir: the saved results are not the reference's first $rows lines"
    saved_rounds=$(((rows - 1) / 16))
    cmd=$(sed -n 's/.* with: modelfit //p' "$dir.err")
    (cd "$dir" && eval "\"\$bin\" $cmd") > "$dir.out2" 2> "$dir.err2" ||
        { cat "$dir.err2"; fail "$dir: the resume command failed: $cmd"; }
    [ "$(head -n 1 "$dir.out2")" = "round $((saved_rounds + 1))" ] ||
        { head -n 3 "$dir.out2"; fail "$dir: the resumed run did not start after round $saved_rounds"; }
    cmp "$dir/results.csv" "$work/ref/results.csv" ||
        fail "$dir: resumed results differ from the reference"
    echo "ok: no checkpoint option, SIGINT after $saved_rounds rounds -> $stem.ckpt and $stem.results.csv; resumed with: modelfit $cmd"
}
check_default "$work/nockpt" fit_ckpt

# 6. SIGTERM, an optimizer without save/load, a stale default checkpoint.
dir=$work/nosave
mkdir -p "$dir" && echo stale > "$dir/fit_ckpt.ckpt"
start_nockpt "$dir" "opt=$nosave"
kill -TERM $pid
wait $pid
status=$?
[ $status -eq 143 ] || { cat "$dir.err"; fail "optimizer without save, SIGTERM: exit status $status"; }
[ "$(wc -l < "$dir.err")" -eq 1 ] || { cat "$dir.err"; fail "optimizer without save: not one line"; }
real=$(cd "$dir" && pwd -P)
grep -qF "saved the results '$real/fit_ckpt.results.csv'; the fit cannot be resumed: its optimizer cannot save its state" "$dir.err" ||
    { cat "$dir.err"; fail "optimizer without save: the line does not say what was saved and why"; }
[ ! -e "$dir/fit_ckpt.ckpt" ] || fail "a stale default checkpoint was left"
check_results_rows "$dir/fit_ckpt.results.csv"
echo "ok: optimizer without save, SIGTERM -> results ($rows lines), no checkpoint, exit 143"

check_default "$work/second" fit_ckpt.2 second

#!/bin/sh
# `modelfit check` on bad command lines and unreadable files: exit status 1
# and a "modelfit: error: ..." line naming the problem; never a crash.
#
# usage: check_cli_args.sh MODELFIT_CLI WORK_DIR
set -u
cli=$1
work=$2
ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}exitcode=86"
UBSAN_OPTIONS="${UBSAN_OPTIONS:+$UBSAN_OPTIONS:}exitcode=87:print_stacktrace=1"
export ASAN_OPTIONS UBSAN_OPTIONS
rm -rf "$work"
mkdir -p "$work" || exit 2
model=$work/leak.eqs
printf 'dv/dt = (E_L - v)/tau + I/C : volt\nC : farad\n' >"$model"

n=0
failed=0
# expect STATUS TEXT -- ARGS...: runs `modelfit check ARGS` and wants the
# status and TEXT in stderr (status 0: TEXT in stdout, stderr empty).
expect() {
    want=$1
    text=$2
    shift 3
    n=$((n + 1))
    "$cli" check "$@" >"$work/out" 2>"$work/err"
    rc=$?
    where=$work/err
    [ "$want" -eq 0 ] && where=$work/out
    if [ $rc -ne "$want" ]; then
        echo "FAIL: check $*: exit status $rc, want $want: $(head -c 1000 "$work/err")"
        failed=$((failed + 1))
    elif ! grep -q -F -- "$text" "$where"; then
        echo "FAIL: check $*: want '$text' in: $(head -c 1000 "$where")"
        failed=$((failed + 1))
    elif [ "$want" -eq 1 ] && ! grep -q '^modelfit: ' "$work/err"; then
        echo "FAIL: check $*: message does not start with 'modelfit: '"
        failed=$((failed + 1))
    elif [ "$want" -eq 0 ] && [ -s "$work/err" ]; then
        echo "FAIL: check $*: stderr not empty: $(cat "$work/err")"
        failed=$((failed + 1))
    fi
}

ok="--const E_L=-65*mV --const tau=10*ms --input I:amp"
# shellcheck disable=SC2086
expect 0 "the model is valid" -- "$model" $ok
# shellcheck disable=SC2086
expect 0 "the model is valid" -- "$model" --const=E_L=-65*mV --const=tau=10*ms --input=I:nA
expect 1 "cannot read '$work/missing.eqs': No such file or directory" -- "$work/missing.eqs" $ok
expect 1 "cannot read '$work'" -- "$work" $ok
expect 1 "no model file" --
expect 1 "more than one model file" -- "$model" "$model"
expect 1 "unknown option '--frobnicate'" -- "$model" --frobnicate
expect 1 "bad --const 'El': expected NAME=QUANTITY" -- "$model" --const El
expect 1 "bad --const '=-65*mV'" -- "$model" --const =-65*mV
expect 1 "bad --const 'E_L='" -- "$model" --const E_L=
expect 1 "bad --const 'E_L=-65*mvolts'" -- "$model" --const E_L=-65*mvolts
expect 1 "bad --const 'E_L=-65*mV+'" -- "$model" --const E_L=-65*mV+
expect 1 "bad --const ''" -- "$model" --const
expect 1 "bad --input 'I'" -- "$model" --input I
expect 1 "bad --input 'I:ampere2x'" -- "$model" --input I:ampere2x
expect 1 "not a valid name" -- "$model" --const 2x=1*mV --const E_L=-65*mV --const tau=10*ms --input I:amp
expect 1 "given twice" -- "$model" --const E_L=-65*mV --const E_L=-60*mV --const tau=10*ms --input I:amp
expect 1 "$model:2:1: error: C is defined by the model and also given as a constant" -- "$model" --const E_L=-65*mV --const tau=10*ms --const C=1*nF --input I:amp
expect 1 "unknown name 'E_L'" -- "$model" --const tau=10*ms --input I:amp
expect 1 "$model:1:" -- "$model" --const E_L=-65*mA --const tau=10*ms --input I:amp
expect 1 "$model:1:" -- "$model" --const E_L=-65*mV --const tau=10*ms --input I:volt
echo "command lines: $n cases, $failed failed"
[ $failed -eq 0 ]

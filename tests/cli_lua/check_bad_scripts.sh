#!/bin/sh
# Bad scripts end with exit status exactly 1 and one line on stderr that
# starts "modelfit: error: SCRIPT:LINE:" and holds the library's or Lua's
# message. Each script lists what its message must contain in its leading
# "-- expect: TEXT" comments (the first also fixes the start of the line).
# Usage: check_bad_scripts.sh MODELFIT BAD_SCRIPTS_DIR WORK_DIR
set -u
bin=$1
dir=$2
work=$3
mkdir -p "$work" || exit 1
failed=0
cd "$dir" || exit 1

check() { # name, expected status, err file, expectations...
    name=$1; status=$2; err=$3; shift 3
    if [ "$status" -ne 1 ]; then
        echo "FAIL $name: exit status $status, expected 1"; failed=1; return
    fi
    lines=$(wc -l < "$err")
    if [ "$lines" -ne 1 ]; then
        echo "FAIL $name: stderr has $lines lines, expected 1:"; cat "$err"; failed=1; return
    fi
    first=1
    bad=0
    for want in "$@"; do
        if [ $first -eq 1 ]; then
            case $(cat "$err") in
            "$want"*) ;;
            *) echo "FAIL $name: stderr does not start with '$want':"; cat "$err"; bad=1 ;;
            esac
            first=0
        elif ! grep -qF -- "$want" "$err"; then
            echo "FAIL $name: stderr lacks '$want':"; cat "$err"; bad=1
        fi
    done
    if [ $bad -eq 1 ]; then failed=1; else echo "ok   $name: $(cat "$err")"; fi
}

for script in *.lua; do
    "$bin" run "$script" > "$work/out" 2> "$work/err"
    status=$?
    # The expectations, one a line, from the "-- expect: " comments.
    sed -n 's/^-- expect: //p' "$script" > "$work/expect"
    set --
    while IFS= read -r line; do set -- "$@" "$line"; done < "$work/expect"
    if [ $# -eq 0 ]; then
        echo "FAIL $script: no '-- expect:' line"; failed=1; continue
    fi
    check "$script" "$status" "$work/err" "$@"
done

# A script that does not exist, and no script at all.
"$bin" run no_such_script.lua > "$work/out" 2> "$work/err"
check no_such_script.lua $? "$work/err" "modelfit: error: cannot open no_such_script.lua"
"$bin" run > "$work/out" 2> "$work/err"
check "(no script)" $? "$work/err" "modelfit: error: usage: modelfit run SCRIPT.lua"
exit $failed

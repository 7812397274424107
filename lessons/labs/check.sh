#!/bin/sh
# check.sh WTA_TRACE - prove each lab's grader both ways (part of `make test`):
# the reference scores full marks, the untouched starter scores 0 without
# crashing the grader, and the planted wrong answer loses exactly the
# points of the test it targets (PLANTED_FAILS in lab.conf).
set -u
TRACE_TOOL=$1
failed=0
fail() { echo "labs: FAIL: $*" >&2; failed=1; }
for conf in lessons/labs/[0-9][0-9]-*/lab.conf; do
    dir=$(dirname "$conf")
    name=$(basename "$dir")
    n=${name%%-*}
    PLANTED_FAILS=""
    . "$conf"
    for which in reference starter planted; do
        out=build/labs/$name.$which.txt
        mkdir -p build/labs
        sh lessons/labs/grade.sh "$n" "$which" "$TRACE_TOOL" >"$out" 2>&1
        score=$(sed -n 's/^score: //p' "$out")
        got=${score%/*} total=${score#*/}
        if [ -z "$score" ]; then
            fail "$name $which: the grader printed no score:"; sed 's/^/    /' "$out" >&2; continue
        fi
        case $which in
        reference) [ "$got" = "$total" ] || { fail "$name reference scored $score:"; sed 's/^/    /' "$out" >&2; } ;;
        starter) [ "$got" = 0 ] || { fail "$name starter scored $score, not 0:"; sed 's/^/    /' "$out" >&2; } ;;
        planted)
            lost=$(awk -v t="$PLANTED_FAILS" '$1 == t { print $2 }' "$dir/tests.txt")
            failing=$(sed -n 's/^  FAIL  \([^ ]*\).*/\1/p' "$out" | tr '\n' ' ')
            if [ "$got" != $((total - lost)) ] || [ "$failing" != "$PLANTED_FAILS " ]; then
                fail "$name planted scored $score; expected only $PLANTED_FAILS to fail ($lost points):"
                sed 's/^/    /' "$out" >&2
            fi ;;
        esac
    done
    echo "labs: $name: reference, starter and planted answer graded as expected"
done
exit $failed

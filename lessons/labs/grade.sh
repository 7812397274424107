#!/bin/sh
# grade.sh N [student|reference|starter|planted] WTA_TRACE_BIN
#
# Builds the runtime with one file swapped for the lab's variant of it
# (the student's copy in labs-work/, the runtime's own = reference, the
# untouched starter, or the planted wrong answer), runs every scenario in
# tests.txt once per run it lists (a seed in deterministic mode, or "real"
# threads) in a child process with a time limit, lints each run's trace,
# and prints one line per test and the score.
set -u
. lessons/labs/lib.sh
LAB=${1:?usage: grade.sh N [student|reference|starter|planted] WTA_TRACE}
WHICH=${2:-student}
TRACE_TOOL=${3:-build/debug/viz/wta-trace}
LIMIT=${LAB_TIME_LIMIT:-20}
dir=$(lab_dir "$LAB") || exit 2
. "$dir/lab.conf"
name=$(basename "$dir")
work=build/labs/$name/$WHICH
rm -rf "$work" && mkdir -p "$work/runtime"
cp runtime/*.c runtime/*.h "$work/runtime/"
target=$work/runtime/$(basename "$FILE")
case $WHICH in
reference) ;;
student)
    mine=labs-work/$name/$(basename "$FILE")
    [ -f "$mine" ] || { echo "labs: no $mine yet: run make lab-start LAB=$LAB first" >&2; exit 2; }
    cp "$mine" "$target" ;;
starter) with_functions "$FILE" "$dir/starter" "$target" || exit 2 ;;
planted) with_functions "$FILE" "$dir/planted" "$target" || exit 2 ;;
*) echo "grade.sh: WHICH must be student, reference, starter or planted" >&2; exit 2 ;;
esac

# Seeds need deterministic mode; without it a seeded run would repeat "real".
det=no
grep -q WTA_SEED runtime/*.c 2>/dev/null && det=yes

echo "lab $name ($WHICH): building"
total=0 score=0
if ! ${CC:-cc} -std=c11 -D_GNU_SOURCE -O1 -g -Wall -I"$work/runtime" -Ilessons/labs \
        "$work"/runtime/*.c lessons/labs/lab.c "$dir/scenarios.c" -lpthread \
        -o "$work/scenarios" 2>"$work/build.log"; then
    why=$(grep -m 1 'error' "$work/build.log")
    while read -r t pts runs; do
        case $t in '#'*|'') continue ;; esac
        total=$((total + pts))
        printf '  FAIL  %-26s 0/%s  does not compile: %s\n' "$t" "$pts" "$why"
    done <"$dir/tests.txt"
    echo "score: 0/$total"
    exit 1
fi

# run_one TEST RUN: 0 and nothing printed if it passed, else one sentence.
run_one() {
    t=$1 run=$2 tr=$work/$1.$2.jsonl
    rm -f "$tr"
    if [ "$run" = real ]; then seed_env=""; else seed_env="WTA_SEED=$run"; fi
    env -u WTA_WORKERS -u WTA_SCHEDULER -u WTA_BUGS -u WTA_SEED WTA_TRACE="$tr" $seed_env \
        timeout -k 2 "$LIMIT" "$work/scenarios" "$t" >"$work/$t.$run.out" 2>&1
    rc=$?
    label=$([ "$run" = real ] && echo "real threads" || echo "seed $run")
    if [ $rc -eq 124 ] || [ $rc -eq 137 ]; then
        echo "$label: hung (no result after $LIMIT s)"; return
    elif [ $rc -gt 128 ]; then
        echo "$label: crashed (signal $((rc - 128)))"; return
    elif [ $rc -ne 0 ]; then
        echo "$label: $(grep -m 1 . "$work/$t.$run.out")"; return
    fi
    # --allow hang: a scenario judges a hang by block_on's own result
    # (drop_cancels expects -EDEADLK), so the `hang` lint is not a failure here.
    errs=$("$TRACE_TOOL" lint "$tr" --json --allow hang 2>/dev/null | tr '{' '\n' |
        sed -n 's/.*"lint":"\([^"]*\)","severity":"error".*/\1/p' | sort -u | tr '\n' ' ')
    [ -z "$errs" ] || echo "$label: the trace trips the lint ${errs% } ($TRACE_TOOL lint $tr)"
}

while read -r t pts runs; do
    case $t in '#'*|'') continue ;; esac
    total=$((total + pts))
    why=""
    for run in $runs; do
        [ "$run" != real ] && [ $det = no ] && continue
        why=$(run_one "$t" "$run")
        [ -n "$why" ] && break
    done
    if [ -z "$why" ]; then
        score=$((score + pts))
        printf '  PASS  %-26s %s/%s\n' "$t" "$pts" "$pts"
    else
        printf '  FAIL  %-26s 0/%s  %s\n' "$t" "$pts" "$why"
    fi
done <"$dir/tests.txt"
echo "score: $score/$total"

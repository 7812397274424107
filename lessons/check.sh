#!/bin/sh
# check.sh BUILD [--regen] - re-run every lesson and check what it teaches.
#
# For each lesson (and its second run, --fixed or --global, if it has one):
#   - it builds, runs, exits 0 (the lesson's own verdict) and writes a trace;
#   - the trace validates, and trips exactly the lints lessons/expect.txt
#     lists for it (bug runs: the bug's lint; fixed runs: none);
#   - a deterministic trace equals its reference traces/NAME.jsonl byte for
#     byte (on a mismatch: the first differing line and how to regenerate).
# And for the lessons as a whole:
#   - every `// LESSON NN:` anchor a README cites exists in runtime/;
#   - every README has the five parts; README.md's table lists every lesson;
#   - `make run` without a display exits 0 (and writes its PNG with wta-viz).
# --regen copies each deterministic trace over its reference in traces/.
#
# check.sh BUILD --find-seed NN-slug [MAX] - for a lesson author: tries
# seeds 1..MAX (default 200) and prints the first under which every run of
# the lesson shows what it teaches (exit 0, no "(unexpected)" verdict, the
# lints expect.txt lists). Pin it as the lesson's `.seed`, then regenerate.
set -u
unset WTA_SEED WTA_TRACE   # each lesson runs its own pinned configuration
BUILD=$1
REGEN=${2:-}
SEED=""   # --find-seed: the seed being tried (passed as --seed)
TRACE=$BUILD/viz/wta-trace
OUT=$BUILD/lessons/traces
mkdir -p "$OUT"
failed=0
fail() { echo "lessons: FAIL: $*" >&2; failed=1; }

# The lints trace $1 trips: one name a line ("error" ones only with $2 = errors).
lints_of() {
    "$TRACE" lint "$1" --json | tr '{' '\n' |
        sed -n 's/.*"lint":"\([^"]*\)","severity":"\([a-z]*\)".*/\1 \2/p' |
        if [ "${2:-}" = errors ]; then sed -n 's/ error$//p'; else sed 's/ [a-z]*$//'; fi |
        sort -u
}

# Checks one run: $1 lesson, $2 alt name or "" (the main run).
check_run() {
    name=$1 alt=$2
    run=$name${alt:+.$alt}
    trace=$OUT/$run.jsonl
    if ! "$BUILD/lessons/$name" ${alt:+--$alt} ${SEED:+--seed $SEED} --trace "$trace" \
            >"$OUT/$run.out" 2>&1; then
        fail "$run: the lesson exited non-zero:"; sed 's/^/    /' "$OUT/$run.out" >&2
        return
    fi
    if [ -n "$SEED" ] && grep -q '(unexpected)' "$OUT/$run.out"; then
        fail "$run: seed $SEED does not show what the lesson teaches"
        return
    fi
    if ! "$TRACE" validate "$trace" >"$OUT/$run.validate" 2>&1; then
        fail "$run: its trace does not validate:"; sed 's/^/    /' "$OUT/$run.validate" >&2
        return
    fi
    det=no
    head -n 1 "$trace" | grep -q '"mode":"deterministic"' && det=yes
    want=$(awk -v r="$run" '$1 == r { for (i = 2; i <= NF; i++) if ($i != "-") print $i }' \
        lessons/expect.txt | sort -u)
    if [ -n "$want" ]; then
        got=$(lints_of "$trace")
        for l in $want; do
            echo "$got" | grep -qx "$l" || fail "$run: expected lint '$l'; the trace trips: $(echo $got)"
        done
    else
        if [ $det = yes ]; then got=$(lints_of "$trace"); else got=$(lints_of "$trace" errors); fi
        [ -z "$got" ] || fail "$run: expected no lint, got: $(echo $got) ($TRACE lint $trace)"
    fi
    ref=traces/$run.jsonl
    [ -n "$SEED" ] && return
    if [ $det = no ]; then
        [ -e "$ref" ] && fail "$run: traces/ has a reference but the run was not deterministic"
        return
    fi
    if [ "$REGEN" = --regen ]; then
        cp "$trace" "$ref" && echo "lessons: re-recorded $ref"
    elif [ ! -e "$ref" ]; then
        fail "$run: no reference trace $ref (record it: make lessons-regen)"
    elif ! cmp -s "$trace" "$ref"; then
        line=$(cmp "$trace" "$ref" 2>/dev/null | sed -n 's/.* line \([0-9]*\).*/\1/p')
        fail "$run: the trace differs from $ref at line $line:
    reference: $(sed -n "${line}p" "$ref")
    this run:  $(sed -n "${line}p" "$trace")
  If the change is intended, re-record every reference with: make lessons-regen"
    fi
}

if [ "$REGEN" = --find-seed ]; then
    name=${3:?usage: check.sh BUILD --find-seed NN-slug [MAX]}
    [ -f "lessons/$name/lesson.c" ] || { echo "check.sh: no lesson lessons/$name/" >&2; exit 2; }
    alt=$(sed -n 's/^ *\.alt = "\([a-z]*\)".*/\1/p' "lessons/$name/lesson.c")
    fail() { failed=1; }
    for SEED in $(seq 1 "${4:-200}"); do
        failed=0
        check_run "$name" ""
        [ $failed = 0 ] && [ -n "$alt" ] && check_run "$name" "$alt"
        if [ $failed = 0 ]; then
            echo "$name: seed $SEED shows what the lesson teaches (pin it: .seed = $SEED)"
            exit 0
        fi
    done
    echo "$name: no seed in 1..${4:-200} shows what the lesson teaches" >&2
    exit 1
fi

names=$(cd lessons && ls -d [0-9][0-9]-*/ | tr -d /)
for name in $names; do
    check_run "$name" ""
    alt=$(sed -n 's/^ *\.alt = "\([a-z]*\)".*/\1/p' "lessons/$name/lesson.c")
    [ -n "$alt" ] && check_run "$name" "$alt"

    readme=lessons/$name/README.md
    for part in "## What you will see" "## Predict" "## What to watch" "## What happened" \
                "## Try this"; do
        grep -q "^$part" "$readme" || fail "$readme: no '$part' section"
    done
    for n in $(grep -o 'LESSON [0-9][0-9]' "$readme" | sort -u | cut -c8-); do
        grep -rq "// LESSON $n:" runtime/ ||
            fail "$readme cites 'LESSON $n', but no runtime line carries '// LESSON $n:'"
    done
    grep -q "lessons/$name/" README.md || fail "README.md's lesson table does not list lessons/$name/"
done

# The guided tour without a display: exits 0, prints the notes, writes the sheet if it can.
if ! env -u DISPLAY -u WAYLAND_DISPLAY sh scripts/run-lesson.sh "$BUILD" 01 >"$OUT/run.out" 2>&1; then
    fail "make run (no display) exited non-zero:"; sed 's/^/    /' "$OUT/run.out" >&2
elif ! grep -q '?' "$OUT/run.out"; then
    fail "make run (no display) printed no notes walk-through"
elif [ -x "$BUILD/viz/wta-viz" ] && [ ! -s "$BUILD/lessons/01-block-on.png" ]; then
    fail "make run (no display) wrote no contact sheet $BUILD/lessons/01-block-on.png"
fi

if [ $failed = 0 ]; then
    echo "lessons: $(echo $names | wc -w) lessons checked: traces, lints, anchors, READMEs, make run"
fi
exit $failed

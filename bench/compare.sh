#!/bin/sh
# compare.sh - wta next to tokio on the same workloads, 3 rounds, one machine.
#
# Builds tokio's anchor (../shared/anchors/tokio-bench) offline if cargo and
# Debian's librust-tokio-dev are installed, builds wta's bench in release
# mode, then runs ROUNDS rounds of: tokio, tokio's timer_precision twin
# (unless --only leaves timer_precision out), wta, wta --trace (and, when
# wta's default scheduler is no longer the global queue, wta --scheduler
# global).
# Each round is one log; summarize.py and ratios.py read them. Ratios are
# taken within a round only: these machines drift up to 2x over minutes.
#
# Usage (from anywhere):  bench/compare.sh [bench flags, e.g. --quick --only a,b]
# Environment: ROUNDS (3), OUT (a new temp dir: the logs and summary.md),
#              ANCHOR (../shared/anchors/tokio-bench), TOKIO_TARGET (cargo's
#              target dir: /tmp/tokio-anchor, since shared/ may be read-only).
set -eu
cd "$(dirname "$0")/.."
ROUNDS=${ROUNDS:-3}
ANCHOR=${ANCHOR:-../shared/anchors/tokio-bench}
TOKIO_TARGET=${TOKIO_TARGET:-/tmp/tokio-anchor}
OUT=${OUT:-$(mktemp -d /tmp/wta-compare-XXXXXX)}
mkdir -p "$OUT"

tokio_bin=
tokio_precision=
if command -v cargo >/dev/null 2>&1 && ls -d /usr/share/cargo/registry/tokio-1* >/dev/null 2>&1; then
    echo "compare: building tokio's anchor in $TOKIO_TARGET" >&2
    # From inside: its .cargo/config points cargo at Debian's crates.
    (cd "$ANCHOR" && CARGO_TARGET_DIR=$TOKIO_TARGET cargo build --release --offline --quiet)
    tokio_bin=$TOKIO_TARGET/release/tokio-anchor-bench
    tokio_precision=$TOKIO_TARGET/release/timer_precision
else
    echo "compare: no cargo or librust-tokio-dev: wta only (apt-get install cargo librust-tokio-dev)" >&2
fi

make --no-print-directory RELEASE=1 SAN= build/release/bench/bench >&2
wta=build/release/bench/bench

# tokio's anchor has no --trace/--scheduler; pass it only what it knows.
# Its timer_precision twin takes no flags: it runs unless --only leaves it out.
tokio_args=
skip=
for a in "$@"; do
    if [ -n "$skip" ]; then
        tokio_args="$tokio_args $a"
        case $skip,$a in
        only,timer_precision | only,timer_precision,* | only,*,timer_precision | \
        only,*,timer_precision,*) ;;
        only,*) tokio_precision= ;;
        esac
        skip=
        continue
    fi
    case $a in
    --only) tokio_args="$tokio_args $a"; skip=only ;;
    --quick) tokio_args="$tokio_args $a" ;;
    --reps|--workers) tokio_args="$tokio_args $a"; skip=1 ;;
    esac
done

for r in $(seq 1 "$ROUNDS"); do
    log=$OUT/r$r.txt
    echo "compare: round $r of $ROUNDS -> $log" >&2
    : >"$log"
    # shellcheck disable=SC2086 # tokio_args is a word list on purpose
    [ -n "$tokio_bin" ] && "$tokio_bin" $tokio_args >>"$log"
    [ -n "$tokio_precision" ] && "$tokio_precision" >>"$log"
    "$wta" "$@" >>"$log"
    "$wta" --trace "$@" >>"$log"
    if ! grep -q '^bench .*impl=wta-[^ ]*+global' "$log"; then
        "$wta" --scheduler global "$@" >>"$log"
    fi
done

{
    echo "# wta vs tokio: $ROUNDS rounds, $(date -u '+%Y-%m-%d %H:%M UTC')"
    echo
    python3 bench/ratios.py "$OUT"/r*.txt
    echo
    python3 "$ANCHOR/../summarize.py" "$OUT"/r*.txt
} >"$OUT/summary.md"
cat "$OUT/summary.md"
echo "compare: logs and summary in $OUT" >&2

#!/bin/sh
# profile.sh - where a workload's time goes: syscalls, switches, mallocs per op.
#
# Runs each workload alone under `perf stat` and divides the counts by the
# ops it ran (every rep and the warm-up: ops x (reps + 1), read from the
# bench's own output line). Counts cover the whole process, so the start-up
# (a probe runtime, thread creation: a few hundred calls) is in them; the
# rep counts below keep that under ~1% of any figure.
#
# malloc/calloc/free and pthread_mutex_lock are counted with uprobes on libc
# (perf probe, as root);
# without them those columns say "-". Remove the probes afterwards with
#     perf probe -d 'probe_libc:*'
#
# Usage: bench/profile.sh [workload...]     (default: the scheduling ones)
# Environment: BENCH (build/release/bench/bench), ARGS (extra bench flags,
#              e.g. "--scheduler global" or "--trace").
set -eu
cd "$(dirname "$0")/.."
BENCH=${BENCH:-build/release/bench/bench}
ARGS=${ARGS:-}
[ -x "$BENCH" ] || make --no-print-directory RELEASE=1 SAN= "$BENCH" >&2
LIBC=$(ldd "$BENCH" | awk '/libc.so/ {print $3}')
if [ "$(id -u)" = 0 ] && ! perf probe -l 2>/dev/null | grep -q 'probe_libc:malloc'; then
    for f in malloc calloc free pthread_mutex_lock; do
        perf probe -q -x "$LIBC" "$f" 2>/dev/null || true
    done
fi
# Two runs per workload: a uprobe hit costs microseconds, so the malloc
# counts come from a second run whose timings are not reported.
EVENTS=task-clock,context-switches,syscalls:sys_enter_futex,syscalls:sys_enter_epoll_pwait2
EVENTS=$EVENTS,syscalls:sys_enter_write,syscalls:sys_enter_read
MEVENTS=
if perf probe -l 2>/dev/null | grep -q 'probe_libc:malloc'; then
    MEVENTS=probe_libc:malloc,probe_libc:calloc,probe_libc:free,probe_libc:pthread_mutex_lock
fi

# Reps per workload so that each run has >= ~100k ops or >= ~20k round trips.
reps_for() {
    case $1 in
    chained_spawn|ping_pong) echo 50 ;;
    spawn_join_blockon|mpsc_contention) echo 10 ;;
    *) echo 1 ;;
    esac
}

[ $# -gt 0 ] || set -- block_on_ready spawn_join_blockon spawn_many_local spawn_many_remote \
    yield_many chained_spawn ping_pong ping_pong_mpsc mpsc_contention
out=$(mktemp)
trap 'rm -f "$out"' EXIT
printf '| workload | params | ns/op | CPU ns/op | ctx sw/op | futex/op | epoll_wait/op | write/op | read/op | malloc+calloc/op | free/op | mutex locks/op |\n'
printf '|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|\n'
for w in "$@"; do
    reps=$(reps_for "$w")
    # shellcheck disable=SC2086 # ARGS is a word list on purpose
    perf stat -x, -e "$EVENTS" -o "$out" -- "$BENCH" --only "$w" --reps "$reps" $ARGS |
        grep '^bench ' >"$out.lines"
    if [ -n "$MEVENTS" ]; then
        # shellcheck disable=SC2086
        perf stat -x, -e "$MEVENTS" -o "$out.m" -- "$BENCH" --only "$w" --reps "$reps" $ARGS \
            >/dev/null
        cat "$out.m" >>"$out"
    fi
    # One run may print several lines (two parameter sets): the counts are
    # the process's, so they are divided by the ops of all its lines.
    awk -v reps="$reps" -v w="$w" '
        FILENAME ~ /lines$/ {
            n = split($0, t, " "); params = ""
            for (i = 3; i <= n; i++) {
                split(t[i], kv, "=")
                if (kv[1] == "ops") ops += kv[2] * (reps + 1)
                else if (kv[1] == "median_ns_per_op") nsop = nsop (nsop == "" ? "" : " / ") kv[2]
                else if (kv[1] !~ /^(impl|workers|reps|median_ns|min_ns|max_ns|rec_per_op|note|late_.*)$/)
                    params = params (params == "" ? "" : " ") t[i]
            }
            allparams = allparams (allparams == "" ? "" : "; ") params
            next
        }
        /^[0-9.]/ { split($0, f, ","); c[f[3]] = f[1] }
        END {
            m = ("probe_libc:malloc" in c) ? sprintf("%.2f", (c["probe_libc:malloc"] + c["probe_libc:calloc"]) / ops) : "-"
            fr = ("probe_libc:free" in c) ? sprintf("%.2f", c["probe_libc:free"] / ops) : "-"
            lk = ("probe_libc:pthread_mutex_lock" in c) ? sprintf("%.1f", c["probe_libc:pthread_mutex_lock"] / ops) : "-"
            printf "| %s | %s | %s | %.0f | %.3f | %.3f | %.3f | %.3f | %.3f | %s | %s | %s |\n", w, allparams, nsop,
                c["task-clock"] * 1e6 / ops, c["context-switches"] / ops,
                c["syscalls:sys_enter_futex"] / ops, c["syscalls:sys_enter_epoll_pwait2"] / ops,
                c["syscalls:sys_enter_write"] / ops, c["syscalls:sys_enter_read"] / ops, m, fr, lk
        }' "$out.lines" "$out"
    rm -f "$out.lines" "$out.m"
done

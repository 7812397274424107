/*
 * bench.h - what the benchmark's files share (see ../../shared/BENCH.md).
 *
 * One program, one line per workload:
 *
 *   bench NAME impl=IMPL workers=W reps=R PARAMS... ops=N median_ns=T
 *         min_ns=T max_ns=T median_ns_per_op=X [EXTRA...]
 *
 * A workload is one function. It calls bench_start() (a fresh runtime,
 * untimed), bench_reps() (one warm-up, then the timed reps; each rep
 * function times its own region and returns ns), then bench_finish()
 * (shutdown, untimed; counts the trace's events; prints the line).
 *
 * Tables of contents, as in xv6's defs.h: every cross-file function is
 * listed under the file that defines it.
 */
#ifndef WTA_BENCH_H
#define WTA_BENCH_H

#include <stdbool.h>
#include <stdint.h>

#include "wta.h"

/* The command line, parsed once. */
struct bench_opts {
    int reps;                 /* timed reps after one warm-up */
    int workers;
    bool quick;               /* smaller counts, for a CI smoke run */
    bool trace;               /* the runtime's trace recorder on */
    enum wta_scheduler scheduler;
    char impl[64];            /* "wta-0.1.0", "+global", "+trace" */
    char **only;              /* NULL: every workload */
    int nonly;
};

/* One workload's run: its runtime, its reps, its output line. */
struct bench {
    const struct bench_opts *opt;
    const char *name;
    char params[160];         /* "tasks=100000", in the spec's order */
    uint64_t ops;             /* ops in one rep */
    struct wta_runtime *rt;
    bool traced;              /* this runtime records a trace */
    bool keep_trace;          /* WTA_TRACE named the file: bench_finish keeps it */
    char trace_path[4096];    /* temp file, deleted by bench_finish unless kept */
    int rep;                  /* 0: the warm-up; 1..reps: timed */
    uint64_t *ns;             /* [reps] timed wall times */
    char extra[256];          /* EXTRA fields, space separated */
};

/* One repetition: run the timed region, return its wall time in ns. */
typedef uint64_t (*bench_rep_fn)(struct bench *b, void *arg);

// bench_main.c
uint64_t bench_now_ns(void);               /* CLOCK_MONOTONIC */
_Noreturn void bench_fail(const struct bench *b, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
/* Starts a fresh runtime for workload `name` (tracing as --trace says;
 * trace = 1 forces it on, 0 off, -1 follows --trace). */
struct wta_runtime *bench_start(struct bench *b, const struct bench_opts *opt,
                                const char *name, int trace, uint64_t ops,
                                const char *params_fmt, ...)
    __attribute__((format(printf, 6, 7)));
void bench_reps(struct bench *b, bench_rep_fn rep, void *arg);
/* bench_start, bench_reps, bench_finish: a workload with no setup of its own. */
void bench_run(const struct bench_opts *opt, const char *name, uint64_t ops,
               bench_rep_fn rep, void *arg, const char *params_fmt, ...)
    __attribute__((format(printf, 6, 7)));
void bench_extra(struct bench *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void bench_finish(struct bench *b);
/* Runs f to completion on b's runtime; aborts the program if it fails. */
intptr_t bench_block_on(struct bench *b, struct wta_future *f);

// bench_fut.c: small futures every file uses
/* Drops for futures that hold nothing: one from malloc, one on a stack. */
void bench_heap_drop(struct wta_future *self);
void bench_stack_drop(struct wta_future *self);
struct wta_future *bench_empty_new(void);   /* ready at once with 1 */
/* Spawns an empty task moved into its task's block; returns its handle
 * (rt NULL: the calling thread's runtime), or NULL as wta_spawn_move_at. */
struct wta_future *bench_spawn_empty(struct wta_runtime *rt);
/* Awaits n JoinHandles in order, dropping each; output: sum of outputs.
 * Takes ownership of hs (an array from malloc). */
struct wta_future *bench_join_all_new(struct wta_future **hs, int n);
/* Spawns f on its first poll, then awaits its JoinHandle: `spawn(f).await`
 * (f NULL: an empty task, bench_spawn_empty). Lives on the caller's stack
 * (block_on's drop leaves it there). */
struct bench_spawn_await {
    struct wta_future base;
    struct wta_future *f, *handle;
};
void bench_spawn_await_init(struct bench_spawn_await *sa, struct wta_future *f);
/* Polls *op; once it finishes, drops it and sets *op = NULL. As wta_poll. */
int bench_await(struct wta_future **op, struct wta_context *cx, intptr_t *out);

// bench_sched.c
void bench_block_on_ready(const struct bench_opts *opt);
void bench_spawn_join_blockon(const struct bench_opts *opt);
void bench_spawn_many_local(const struct bench_opts *opt);
void bench_spawn_many_remote(const struct bench_opts *opt);
void bench_yield_many(const struct bench_opts *opt);
void bench_chained_spawn(const struct bench_opts *opt);

// bench_pong.c
void bench_ping_pong(const struct bench_opts *opt);

// bench_chan.c
void bench_ping_pong_mpsc(const struct bench_opts *opt);
void bench_mpsc_contention(const struct bench_opts *opt);

// bench_timer.c
void bench_timers(const struct bench_opts *opt);
void bench_timer_precision(const struct bench_opts *opt);

// bench_io.c
void bench_tcp_echo(const struct bench_opts *opt);

// bench_trace.c
void bench_trace_record(const struct bench_opts *opt);
void bench_trace_disabled(const struct bench_opts *opt);

#endif /* WTA_BENCH_H */

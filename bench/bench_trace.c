/*
 * bench_trace.c - what one trace event costs the thread that records it.
 *
 * trace_record: `threads` threads each record `events` marks through
 * wta_trace_mark(), the recorder's cheapest public event, on a runtime
 * whose tracing is on. One op is one event *on each thread*: the threads
 * run at once, so with threads=2 the figure is what an event costs a
 * thread while another records too (each line's rec_per_op is then 2).
 * The writer thread formats and writes in the background and competes for
 * the same cores; that is part of the cost, so it is inside the timing.
 *
 * trace_disabled: the same call site on a runtime with tracing off: a call
 * into the library and one branch.
 *
 * The recording threads live as long as the workload's runtime and meet
 * at a barrier before and after each rep, so no rep pays for creating a
 * thread or for a thread's first event (its buffer is made then).
 */
#include <pthread.h>
#include <stdlib.h>

#include "bench.h"

enum { MAX_THREADS = 2 };

struct recorders {
    struct wta_runtime *rt;
    uint64_t events;
    int threads;
    bool stop;                     /* read after `start`: the barrier orders it */
    pthread_barrier_t start, end;
    pthread_t helper[MAX_THREADS];
};

static void record(struct recorders *r, uint64_t who)
{
    for (uint64_t i = 0; i < r->events; i++)
        wta_trace_mark(r->rt, who, i);
}

/* Threads 1..threads-1: record once per rep until told to stop. */
static void *helper_main(void *arg)
{
    struct recorders *r = arg;
    for (;;) {
        pthread_barrier_wait(&r->start);
        if (r->stop)
            return NULL;
        record(r, 1);
        pthread_barrier_wait(&r->end);
    }
}

static uint64_t record_rep(struct bench *b, void *arg)
{
    struct recorders *r = arg;
    (void)b;
    uint64_t t0 = bench_now_ns();
    pthread_barrier_wait(&r->start);
    record(r, 0);
    pthread_barrier_wait(&r->end);
    return bench_now_ns() - t0;
}

static void run(const struct bench_opts *opt, const char *name, bool trace, int threads,
                uint64_t events)
{
    struct bench b;
    struct recorders r = {.events = events, .threads = threads};
    r.rt = bench_start(&b, opt, name, trace, events, "threads=%d events=%llu", threads,
                       (unsigned long long)events);
    pthread_barrier_init(&r.start, NULL, (unsigned)threads);
    pthread_barrier_init(&r.end, NULL, (unsigned)threads);
    for (int i = 1; i < threads; i++)
        if (pthread_create(&r.helper[i], NULL, helper_main, &r) != 0)
            bench_fail(&b, "pthread_create failed");
    bench_reps(&b, record_rep, &r);
    r.stop = true;
    pthread_barrier_wait(&r.start);
    for (int i = 1; i < threads; i++)
        pthread_join(r.helper[i], NULL);
    pthread_barrier_destroy(&r.start);
    pthread_barrier_destroy(&r.end);
    if (threads > 1)
        bench_extra(&b, "note=ops_per_thread");
    bench_finish(&b);
}

void bench_trace_record(const struct bench_opts *opt)
{
    run(opt, "trace_record", true, 1, 1000000);
    run(opt, "trace_record", true, 2, 1000000);
}

void bench_trace_disabled(const struct bench_opts *opt)
{
    run(opt, "trace_disabled", false, 1, 5000000);
}

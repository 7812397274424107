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
 * trace_format (printed with trace_record): what the writer spends turning
 * one binary record into its JSON line, alone: a batch of 1024 records
 * (poll.begin, poll.end, waker.wake, queue.push, mark in turn, with the
 * sizes of t, seq and ids a real trace has) formatted into memory, no
 * file and no lock. The on/off ratios of the other workloads show the
 * rest: the write to the file and the recording itself.
 *
 * The recording threads live as long as the workload's runtime and meet
 * at a barrier before and after each rep, so no rep pays for creating a
 * thread or for a thread's first event (its buffer is made then).
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bench.h"
#include "internal.h"

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

enum { FMT_RECS = 1024, FMT_PASSES = 100 };

struct format_input {
    struct wta_trace_rec recs[FMT_RECS];
    char arena[256];
    char th[64];
    size_t th_len;
    char *out;
};

/* A batch like a worker's: its strings are the runtime's usual literals. */
static void format_input_init(struct format_input *in)
{
    static const char *strs[] = {"ready", "pending", "self", "none", "scheduled", "local"};
    uint64_t off[6];
    size_t used = 0;
    for (int i = 0; i < 6; i++) {
        off[i] = used + 1;
        memcpy(in->arena + used, strs[i], strlen(strs[i]) + 1);
        used += strlen(strs[i]) + 1;
    }
    uint64_t t = 3703703670ull;   // 3.7 s into the trace
    for (uint32_t i = 0; i < FMT_RECS; i++) {
        struct wta_trace_rec *r = &in->recs[i];
        uint64_t task = 1000 + i % 97;
        uint32_t seq = 100000 + i;
        t += 37 + (i * 7919u) % 900;
        switch (i % 5) {
        case 0: *r = (struct wta_trace_rec){t, WTA_EV_POLL_BEGIN, seq, {task, i}}; break;
        case 1: *r = (struct wta_trace_rec){t, WTA_EV_POLL_END, seq,
                                            {task, i, off[i % 2], off[2]}}; break;
        case 2: *r = (struct wta_trace_rec){t, WTA_EV_WAKER_WAKE, seq,
                                            {task, off[3], off[4], 7, i & 1}}; break;
        case 3: *r = (struct wta_trace_rec){t, WTA_EV_QUEUE_PUSH, seq,
                                            {task, off[5], i % 300}}; break;
        default: *r = (struct wta_trace_rec){t, WTA_EV_MARK, seq, {i & 1, i * 12345u}}; break;
        }
    }
    in->th_len = (size_t)snprintf(in->th, sizeof in->th, ",\"th\":\"%s\",\"seq\":", "w0");
    in->out = malloc((size_t)FMT_RECS * WTA_FORMAT_MAX_LINE);
}

static uint64_t format_rep(struct bench *b, void *arg)
{
    struct format_input *in = arg;
    (void)b;
    uint64_t t0 = bench_now_ns();
    for (int pass = 0; pass < FMT_PASSES; pass++) {
        char *o = in->out;
        for (int i = 0; i < FMT_RECS; i++)
            o = wta_format_rec(o, in->th, in->th_len, &in->recs[i], 0, in->arena);
        __asm__ volatile("" : : "r"(o) : "memory");   // the lines are used
    }
    return bench_now_ns() - t0;
}

void bench_trace_record(const struct bench_opts *opt)
{
    run(opt, "trace_record", true, 1, 1000000);
    run(opt, "trace_record", true, 2, 1000000);
    struct format_input *in = calloc(1, sizeof *in);
    wta_format_init();
    format_input_init(in);
    if (in->out == NULL)
        abort();
    bench_run(opt, "trace_format", (uint64_t)FMT_RECS * FMT_PASSES, format_rep, in,
              "events=%d", FMT_RECS * FMT_PASSES);
    free(in->out);
    free(in);
}

void bench_trace_disabled(const struct bench_opts *opt)
{
    run(opt, "trace_disabled", false, 1, 5000000);
}

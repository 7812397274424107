/*
 * bench_timer.c - the workloads that wait on timers: timers, timer_precision.
 *
 * Both spawn `count` tasks; task i sleeps until its own deadline and
 * returns how late it woke (signed ns, measured inside the task: a
 * negative value would be a timer that fired early, which must never
 * happen). The line reports the wall time of a rep and, over every timer
 * of every timed rep, the lateness percentiles in µs. The warm-up's
 * timers are not counted.
 *
 * timers: 10000 tasks, 1 + (i mod 10) ms each: an overloaded burst, about
 * a thousand timers due in the same millisecond. Its lateness is mostly
 * queueing behind the others.
 *
 * timer_precision: 300 tasks, each its own 1..50 ms plus a sub-millisecond
 * offset, on an otherwise idle runtime: few timers are due together, so
 * the lateness is the reactor's own (how late epoll returns, and how fast
 * the woken task runs). The delays are those of the tokio twin
 * (../shared/anchors/tokio-bench, binary timer_precision).
 */
#include <stdio.h>
#include <stdlib.h>

#include "bench.h"

enum { TIMERS = 10000, TIMER_MIN_MS = 1, TIMER_MAX_MS = 10 };
enum { PRECISION_TIMERS = 300, PRECISION_MIN_MS = 1, PRECISION_MAX_MS = 50 };

/* Task i: sleep until now + delay_ns; output: lateness in ns. */
struct timer_task {
    struct wta_future base;
    uint64_t delay_ns;
    uint64_t deadline_ns;
    struct wta_future *sleep;   /* NULL before the first poll */
};

static int timer_task_poll(struct wta_future *self, struct wta_context *cx, intptr_t *out)
{
    struct timer_task *t = (struct timer_task *)self;
    if (t->sleep == NULL) {
        t->deadline_ns = wta_now() + t->delay_ns;
        if ((t->sleep = wta_sleep_until(t->deadline_ns)) == NULL)
            abort();
    }
    int rc = wta_poll(t->sleep, cx, NULL);
    if (rc == WTA_PENDING)
        return WTA_PENDING;   // the timer wakes us at the deadline
    if (rc < 0)
        return rc;
    *out = (intptr_t)((int64_t)wta_now() - (int64_t)t->deadline_ns);
    return WTA_READY;
}

static void timer_task_drop(struct wta_future *self)
{
    wta_future_drop(((struct timer_task *)self)->sleep);
    free(self);
}

static const struct wta_future_vt timer_task_vt = {"timer", timer_task_poll, timer_task_drop};

/* Task i's delay in ns, for a workload of this shape. */
typedef uint64_t (*delay_fn)(int i);

static uint64_t timers_delay(int i)
{
    return (TIMER_MIN_MS + (uint64_t)(i % (TIMER_MAX_MS - TIMER_MIN_MS + 1))) * 1000000u;
}

/* The tokio twin's delays: 1..50 ms spread by a prime stride, plus 0..999 µs. */
static uint64_t precision_delay(int i)
{
    uint64_t ms = PRECISION_MIN_MS + (uint64_t)i * 7919 % PRECISION_MAX_MS;
    uint64_t us = (uint64_t)i * 3331 % 1000;
    return ms * 1000000u + us * 1000u;
}

/* block_on's future, on the stack: spawn every timer task, collect lateness. */
struct timers_main {
    struct wta_future base;
    int count;
    delay_fn delay;
    struct wta_future **hs;   /* [count] JoinHandles */
    int spawned, next;
    int64_t *late_ns;         /* [count] outputs, in task order */
};

static int timers_main_poll(struct wta_future *self, struct wta_context *cx, intptr_t *out)
{
    struct timers_main *m = (struct timers_main *)self;
    for (; m->spawned < m->count; m->spawned++) {
        struct timer_task *t = calloc(1, sizeof *t);
        if (t == NULL)
            abort();
        t->base.vt = &timer_task_vt;
        t->delay_ns = m->delay(m->spawned);
        if ((m->hs[m->spawned] = wta_spawn(&t->base)) == NULL)
            abort();
    }
    for (; m->next < m->count; m->next++) {
        intptr_t v;
        int rc = wta_poll(m->hs[m->next], cx, &v);
        if (rc == WTA_PENDING)
            return WTA_PENDING;   // the task's end wakes us (join)
        if (rc < 0)
            return rc;
        wta_future_drop(m->hs[m->next]);
        m->hs[m->next] = NULL;
        m->late_ns[m->next] = v;
    }
    *out = m->count;
    return WTA_READY;
}

static void timers_main_drop(struct wta_future *self)
{
    struct timers_main *m = (struct timers_main *)self;
    for (int i = m->next; i < m->spawned; i++)
        wta_future_drop(m->hs[i]);
}

static const struct wta_future_vt timers_main_vt = {"timers_main", timers_main_poll,
                                                    timers_main_drop};

/* One workload's shape and its lateness samples, [reps * count]. */
struct timers_arg {
    int count;
    delay_fn delay;
    int64_t *late_all;
};

static uint64_t timers_rep(struct bench *b, void *arg)
{
    struct timers_arg *a = arg;
    struct timers_main m = {.base = {&timers_main_vt}, .count = a->count, .delay = a->delay};
    if ((m.hs = calloc((size_t)a->count, sizeof *m.hs)) == NULL)
        abort();
    m.late_ns = a->late_all + (size_t)(b->rep > 0 ? b->rep - 1 : 0) * (size_t)a->count;
    uint64_t t0 = bench_now_ns();
    intptr_t n = bench_block_on(b, &m.base);
    uint64_t ns = bench_now_ns() - t0;
    free(m.hs);
    if (n != a->count)
        bench_fail(b, "%ld of %d timers finished", (long)n, a->count);
    return ns;
}

static int cmp_i64(const void *a, const void *b)
{
    int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
    return x < y ? -1 : x > y;
}

/* Runs one timer workload: count tasks, delay(i) each; EXTRA: lateness percentiles. */
static void run_timers(const struct bench_opts *opt, const char *name, int count,
                       delay_fn delay, int min_ms, int max_ms)
{
    struct bench b;
    size_t n = (size_t)opt->reps * (size_t)count;
    struct timers_arg a = {.count = count, .delay = delay, .late_all = calloc(n, sizeof(int64_t))};
    if (a.late_all == NULL)
        abort();
    bench_start(&b, opt, name, -1, (uint64_t)count, "count=%d min_ms=%d max_ms=%d", count,
                min_ms, max_ms);
    bench_reps(&b, timers_rep, &a);
    int64_t *late = a.late_all;
    qsort(late, n, sizeof *late, cmp_i64);
    bench_extra(&b, "late_p50_us=%.1f late_p99_us=%.1f late_max_us=%.1f late_min_us=%.1f",
                late[(size_t)((double)(n - 1) * 0.50)] / 1e3,
                late[(size_t)((double)(n - 1) * 0.99)] / 1e3, late[n - 1] / 1e3, late[0] / 1e3);
    if (late[0] < 0)
        bench_extra(&b, "note=timer_fired_early");
    free(late);
    bench_finish(&b);
}

void bench_timers(const struct bench_opts *opt)
{
    run_timers(opt, "timers", TIMERS, timers_delay, TIMER_MIN_MS, TIMER_MAX_MS);
}

void bench_timer_precision(const struct bench_opts *opt)
{
    run_timers(opt, "timer_precision", PRECISION_TIMERS, precision_delay, PRECISION_MIN_MS,
               PRECISION_MAX_MS);
}

/*
 * bench_io.c - the workloads that wait on the reactor: timers, tcp_echo.
 *
 * timers: 10000 tasks each sleep until their own deadline, 1..10 ms
 * ahead, and return how late they woke (signed ns: a negative value would
 * be a timer that fired early, which must never happen). The line reports
 * the wall time of a rep and, over every timer of every timed rep, the
 * lateness percentiles in µs. The warm-up's timers are not counted.
 */
#include <stdlib.h>

#include "bench.h"

/* ---------------------------------------------------------------- timers */

enum { TIMERS = 10000, TIMER_MIN_MS = 1, TIMER_MAX_MS = 10 };

/* Task i: sleep until now + 1 + (i mod 10) ms; output: lateness in ns. */
struct timer_task {
    struct wta_future base;
    int i;
    uint64_t deadline_ns;
    struct wta_future *sleep;   /* NULL before the first poll */
};

static int timer_task_poll(struct wta_future *self, struct wta_context *cx, intptr_t *out)
{
    struct timer_task *t = (struct timer_task *)self;
    if (t->sleep == NULL) {
        uint64_t d_ms = TIMER_MIN_MS + (uint64_t)(t->i % (TIMER_MAX_MS - TIMER_MIN_MS + 1));
        t->deadline_ns = wta_now() + d_ms * 1000000u;
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

/* block_on's future, on the stack: spawn every timer task, collect lateness. */
struct timers_main {
    struct wta_future base;
    struct wta_future *hs[TIMERS];
    int spawned, next;
    int64_t *late_ns;   /* [TIMERS] outputs, in task order */
};

static int timers_main_poll(struct wta_future *self, struct wta_context *cx, intptr_t *out)
{
    struct timers_main *m = (struct timers_main *)self;
    for (; m->spawned < TIMERS; m->spawned++) {
        struct timer_task *t = calloc(1, sizeof *t);
        if (t == NULL)
            abort();
        t->base.vt = &timer_task_vt;
        t->i = m->spawned;
        if ((m->hs[m->spawned] = wta_spawn(&t->base)) == NULL)
            abort();
    }
    for (; m->next < TIMERS; m->next++) {
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
    *out = TIMERS;
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

static uint64_t timers_rep(struct bench *b, void *arg)
{
    int64_t *late_all = arg;   // [reps * TIMERS]
    static struct timers_main m;   // 80 KB of handles: not on the stack
    m = (struct timers_main){.base = {&timers_main_vt}};
    m.late_ns = late_all + (size_t)(b->rep > 0 ? b->rep - 1 : 0) * TIMERS;
    uint64_t t0 = bench_now_ns();
    intptr_t n = bench_block_on(b, &m.base);
    uint64_t ns = bench_now_ns() - t0;
    if (n != TIMERS)
        bench_fail(b, "%ld of %d timers finished", (long)n, TIMERS);
    return ns;
}

static int cmp_i64(const void *a, const void *b)
{
    int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
    return x < y ? -1 : x > y;
}

void bench_timers(const struct bench_opts *opt)
{
    struct bench b;
    size_t n = (size_t)opt->reps * TIMERS;
    int64_t *late = calloc(n, sizeof *late);
    if (late == NULL)
        abort();
    bench_start(&b, opt, "timers", -1, TIMERS, "count=%d min_ms=%d max_ms=%d", TIMERS,
                TIMER_MIN_MS, TIMER_MAX_MS);
    bench_reps(&b, timers_rep, late);
    qsort(late, n, sizeof *late, cmp_i64);
    bench_extra(&b, "late_p50_us=%.1f late_p99_us=%.1f late_max_us=%.1f late_min_us=%.1f",
                late[(size_t)((double)(n - 1) * 0.50)] / 1e3,
                late[(size_t)((double)(n - 1) * 0.99)] / 1e3, late[n - 1] / 1e3, late[0] / 1e3);
    if (late[0] < 0)
        bench_extra(&b, "note=timer_fired_early");
    free(late);
    bench_finish(&b);
}

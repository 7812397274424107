/*
 * timer.c - timers: a binary min-heap of deadlines, and the sleep future.
 *
 * The heap is ordered by (deadline, seq): seq is the insertion number, so
 * timers with equal deadlines fire in the order they were started (libuv's
 * rule). Inserting and cancelling are O(log n); each timer remembers its
 * index in the heap so a dropped sleep can be removed at once.
 *
 * Firing happens in the reactor's turn: every due timer is popped and its
 * waker collected first, and only after the reactor's lock is released are
 * the wakers called. A waker never runs under the lock, and a timer that a
 * woken task starts now cannot fire in the same sweep.
 *
 * Clock: CLOCK_MONOTONIC in ns, the same clock as the trace. The reactor
 * waits with epoll_pwait2 where the kernel has it (Linux 5.11+), which
 * takes a nanosecond timeout: a sleep is then late by the kernel's wakeup
 * latency only. Where it is missing (older kernels, valgrind) epoll_wait's
 * millisecond timeout is rounded up, so a sleep may be up to 1 ms late.
 *
 * All heap functions must be called with the reactor's lock held.
 */
#include <errno.h>
#include <stdlib.h>

#include "internal.h"

#define NOT_IN_HEAP ((size_t)-1)

void wta_timer_heap_init(struct wta_timer_heap *h, struct wta_mutex *lock)
{
    h->lock = lock;
    h->v = NULL;
    h->len = h->cap = 0;
    h->next_seq = 1;
    h->next_id = 1;
}

void wta_timer_heap_destroy(struct wta_timer_heap *h)
{
    free(h->v);
}

size_t wta_timer_heap_len(const struct wta_timer_heap *h)
{
    WTA_ASSERT_HELD(h->lock, "timer_heap_len: reactor lock not held");
    return h->len;
}

static bool before(const struct wta_timer *a, const struct wta_timer *b)
{
    return a->deadline_ns < b->deadline_ns ||
           (a->deadline_ns == b->deadline_ns && a->seq < b->seq);
}

static void put(struct wta_timer_heap *h, size_t i, struct wta_timer *t)
{
    h->v[i] = t;
    t->index = i;
}

static void sift_up(struct wta_timer_heap *h, size_t i)
{
    struct wta_timer *t = h->v[i];
    while (i > 0 && before(t, h->v[(i - 1) / 2])) {
        put(h, i, h->v[(i - 1) / 2]);
        i = (i - 1) / 2;
    }
    put(h, i, t);
}

static void sift_down(struct wta_timer_heap *h, size_t i)
{
    struct wta_timer *t = h->v[i];
    for (;;) {
        size_t c = 2 * i + 1;
        if (c >= h->len)
            break;
        if (c + 1 < h->len && before(h->v[c + 1], h->v[c]))
            c++;
        if (!before(h->v[c], t))
            break;
        put(h, i, h->v[c]);
        i = c;
    }
    put(h, i, t);
}

/* Adds t; returns true if it is now the earliest (the waiter must re-arm). */
bool wta_timer_heap_insert(struct wta_timer_heap *h, struct wta_timer *t)
{
    WTA_ASSERT_HELD(h->lock, "timer_heap_insert: reactor lock not held");
    if (h->len == h->cap) {
        size_t cap = h->cap ? h->cap * 2 : 64;
        struct wta_timer **v = realloc(h->v, cap * sizeof *v);
        if (v == NULL)
            wta_panic("oom");
        h->v = v;
        h->cap = cap;
    }
    t->seq = h->next_seq++;
    t->id = h->next_id++;
    t->fired = false;
    put(h, h->len++, t);
    sift_up(h, t->index);
    return t->index == 0;
}

void wta_timer_heap_remove(struct wta_timer_heap *h, struct wta_timer *t)
{
    WTA_ASSERT_HELD(h->lock, "timer_heap_remove: reactor lock not held");
    size_t i = t->index;
    if (i == NOT_IN_HEAP)
        return;
    struct wta_timer *last = h->v[--h->len];
    t->index = NOT_IN_HEAP;
    if (last == t)
        return;
    put(h, i, last);
    if (i > 0 && before(last, h->v[(i - 1) / 2]))
        sift_up(h, i);
    else
        sift_down(h, i);
}

/* ns until the earliest deadline (0 if due), or -1 if there is none. */
int64_t wta_timer_heap_wait_ns(const struct wta_timer_heap *h)
{
    WTA_ASSERT_HELD(h->lock, "timer_heap_wait_ns: reactor lock not held");
    if (h->len == 0)
        return -1;
    uint64_t now = wta_clock_ns(), d = h->v[0]->deadline_ns;
    return d <= now ? 0 : (int64_t)(d - now);
}

/*
 * Pops every due timer (up to max), marks it fired and moves its waker to
 * out[]. The caller wakes them after letting go of the lock.
 */
int wta_timer_heap_fire(struct wta_timer_heap *h, struct wta_runtime *rt,
                        struct wta_wake *out, int max)
{
    WTA_ASSERT_HELD(h->lock, "timer_heap_fire: reactor lock not held");
    int n = 0;
    uint64_t now = wta_clock_ns();
    while (h->len > 0 && h->v[0]->deadline_ns <= now && n < max) {   // LESSON 06: earliest first
        struct wta_timer *t = h->v[0];
        wta_timer_heap_remove(h, t);
        t->fired = true;
        WTA_TRACE(rt, TIMER_FIRE, t->id, wta_trace_clock(rt, t->deadline_ns),
                  (int64_t)(now - t->deadline_ns));
        if (wta_waker_is_set(&t->waker))
            out[n++] = (struct wta_wake){t->waker, t->id};   // the wake names this timer
        t->waker = (struct wta_waker){0};
    }
    return n;
}

/* ---------------------------------------------------------------- sleep */

struct sleep {
    struct wta_future base;
    struct wta_timer timer;
    struct wta_reactor *r;   /* set when armed */
};

static int sleep_poll(struct wta_future *self, struct wta_context *cx, intptr_t *out)
{
    struct sleep *s = (struct sleep *)self;
    *out = 0;
    if (s->r == NULL) {
        if (wta_poll_clock_ns() >= s->timer.deadline_ns)
            return WTA_READY;   // already due when this poll began: no timer needed
        struct wta_runtime *rt = wta_thread_rt();
        if (rt == NULL)
            return -ESRCH;
        s->r = rt->reactor;
    }
    struct wta_reactor *r = s->r;
    struct wta_runtime *rt = wta_reactor_runtime(r);
    struct wta_waker old = {0};
    bool earliest = false;
    wta_mutex_lock(wta_reactor_lock(r));
    if (s->timer.fired) {
        wta_mutex_unlock(wta_reactor_lock(r));
        return WTA_READY;
    }
    if (!wta_waker_will_wake(&s->timer.waker, cx->waker)) {
        old = s->timer.waker;
        s->timer.waker = wta_waker_clone_held(cx->waker, WTA_WAIT_TIMER, s->timer.id,
                                              (int64_t)wta_trace_clock(rt, s->timer.deadline_ns));
    }
    if (s->timer.index == NOT_IN_HEAP) {
        earliest = wta_timer_heap_insert(wta_reactor_timers(r), &s->timer);
        struct wta_task *cur = wta_self.current;
        WTA_TRACE(rt, TIMER_INSERT, s->timer.id, wta_trace_clock(rt, s->timer.deadline_ns),
                  cur != NULL ? wta_task_id(cur) : 0);
    }
    // A thread already in its turn has read the old deadline and must
    // shorten its wait. A turn that starts later reads this one (the turn
    // marks itself and reads the heap under the same lock): no interrupt,
    // so a worker about to wait in epoll is not woken by its own sleep.
    bool interrupt = earliest && wta_reactor_turning(r);
    wta_mutex_unlock(wta_reactor_lock(r));
    wta_waker_drop(&old);
    if (interrupt)
        wta_reactor_unpark(r);
    return WTA_PENDING;          // the reactor's turn fires the timer and wakes us
}

static void sleep_drop(struct wta_future *self)
{
    struct sleep *s = (struct sleep *)self;
    if (s->r != NULL) {
        struct wta_waker w;
        wta_mutex_lock(wta_reactor_lock(s->r));
        if (s->timer.index != NOT_IN_HEAP) {
            wta_timer_heap_remove(wta_reactor_timers(s->r), &s->timer);
            WTA_TRACE(wta_reactor_runtime(s->r), TIMER_CANCEL, s->timer.id);
        }
        w = s->timer.waker;
        s->timer.waker = (struct wta_waker){0};
        wta_mutex_unlock(wta_reactor_lock(s->r));
        wta_waker_drop(&w);
    }
    free(s);
}

static const struct wta_future_vt sleep_vt = {"sleep", sleep_poll, sleep_drop};

struct wta_future *wta_sleep_until(uint64_t deadline_ns)
{
    struct sleep *s = calloc(1, sizeof *s);
    if (s == NULL)
        return NULL;
    s->base.vt = &sleep_vt;
    s->timer.deadline_ns = deadline_ns;
    s->timer.index = NOT_IN_HEAP;
    return &s->base;
}

struct wta_future *wta_sleep(uint64_t ns)
{
    return wta_sleep_until(wta_clock_ns() + ns);
}

uint64_t wta_now(void)
{
    // A switch point: in deterministic mode, a loop that waits for time
    // to pass lets the other threads run (and the virtual clock move).
    wta_sim_point();
    return wta_clock_ns();
}

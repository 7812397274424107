/*
 * time.c - futures built on sleep: timeout and interval.
 *
 * Neither touches the timer heap itself: each holds a sleep future
 * (timer.c) and polls it with the context it was given, so the sleep's
 * timer holds our task's waker. Dropping the sleep cancels its timer.
 *
 * timeout(fut, ns) polls fut first, then its sleep. If fut finishes, the
 * sleep is dropped (its timer leaves the heap) and fut's result passes
 * through. If the sleep fires first, fut is dropped in that same poll, so
 * whatever it held (a socket's waker, a channel slot, its own timers) is
 * released at the deadline, not later when the timeout is dropped.
 *
 * interval(period) is a stream: each READY is a tick, and it may be
 * polled again. Tick k is due at start + k * period, computed from the
 * start rather than from the previous wake-up, so lateness does not add
 * up (no drift). One sleep per tick: the simple way, at one allocation
 * a tick; the upgrade is to re-arm one timer in place.
 */
#include <errno.h>
#include <stdlib.h>

#include "internal.h"

/* ---------------------------------------------------------------- timeout */

struct timeout {
    struct wta_future base;
    struct wta_future *inner;      /* NULL once finished or dropped */
    struct wta_future *sleep;
};

static int timeout_poll(struct wta_future *self, struct wta_context *cx, intptr_t *out)
{
    struct timeout *t = (struct timeout *)self;
    int rc = wta_poll(t->inner, cx, out);
    if (rc == WTA_PENDING) {
        intptr_t ignored;
        if (wta_poll(t->sleep, cx, &ignored) == WTA_PENDING)
            return WTA_PENDING;    // inner or the sleep's timer wakes us
        rc = -ETIMEDOUT;
    }
    // Either way, both children go now: their resources are released here.
    wta_future_drop(t->inner);
    wta_future_drop(t->sleep);
    t->inner = t->sleep = NULL;
    return rc;
}

static void timeout_drop(struct wta_future *self)
{
    struct timeout *t = (struct timeout *)self;
    wta_future_drop(t->inner);
    wta_future_drop(t->sleep);
    free(t);
}

static const struct wta_future_vt timeout_vt = {"timeout", timeout_poll, timeout_drop};

struct wta_future *wta_timeout(struct wta_future *fut, uint64_t ns)
{
    if (fut == NULL) {
        errno = EINVAL;
        return NULL;
    }
    struct timeout *t = malloc(sizeof *t);
    struct wta_future *sleep = wta_sleep(ns);
    if (t == NULL || sleep == NULL) {
        free(t);
        wta_future_drop(sleep);
        wta_future_drop(fut);   // consumed either way
        errno = ENOMEM;
        return NULL;
    }
    t->base.vt = &timeout_vt;
    t->inner = fut;
    t->sleep = sleep;
    return &t->base;
}

/* ---------------------------------------------------------------- interval */

struct interval {
    struct wta_future base;
    uint64_t start_ns, period_ns;
    intptr_t ticks;                /* ticks delivered so far */
    struct wta_future *sleep;      /* until the next tick; NULL: not armed */
};

static int interval_poll(struct wta_future *self, struct wta_context *cx, intptr_t *out)
{
    struct interval *iv = (struct interval *)self;
    if (iv->sleep == NULL) {
        uint64_t due = iv->start_ns + (uint64_t)(iv->ticks + 1) * iv->period_ns;
        iv->sleep = wta_sleep_until(due);
        if (iv->sleep == NULL)
            return -ENOMEM;
    }
    intptr_t ignored;
    int rc = wta_poll(iv->sleep, cx, &ignored);
    if (rc == WTA_PENDING)
        return WTA_PENDING;        // the sleep's timer wakes us at the tick
    wta_future_drop(iv->sleep);
    iv->sleep = NULL;              // the next poll arms the next tick
    if (rc != 0)
        return rc;
    *out = ++iv->ticks;
    return WTA_READY;
}

static void interval_drop(struct wta_future *self)
{
    struct interval *iv = (struct interval *)self;
    wta_future_drop(iv->sleep);
    free(iv);
}

static const struct wta_future_vt interval_vt = {"interval", interval_poll, interval_drop};

/* The first tick is one period after this call. period_ns 0: NULL, EINVAL. */
struct wta_future *wta_interval(uint64_t period_ns)
{
    if (period_ns == 0) {
        errno = EINVAL;
        return NULL;
    }
    struct interval *iv = calloc(1, sizeof *iv);
    if (iv == NULL)
        return NULL;
    iv->base.vt = &interval_vt;
    iv->start_ns = wta_now();
    iv->period_ns = period_ns;
    return &iv->base;
}

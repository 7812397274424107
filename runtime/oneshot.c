/*
 * oneshot.c - a channel for exactly one value; JoinHandles are built on it.
 *
 * One sender (struct wta_oneshot_tx) and one receiver (a future). Shared
 * state under one lock: the value once sent, whether each side is still
 * alive, and the receiver's waker. The receiver's poll either takes the
 * value, learns the sender is gone, or stores a clone of its waker and
 * returns PENDING: the sender's send (or its drop) will call that waker.
 * Wakers are called after the lock is released, never under it.
 *
 * A JoinHandle is the receiver of the oneshot whose sender the task holds:
 * the task's output is "sent" when its future finishes; a task dropped
 * unfinished drops the sender, and the handle completes with -ECANCELED
 * instead of a plain oneshot's -EPIPE. Dropping the handle detaches the
 * task: the send then finds no receiver and the value is discarded.
 */
#include <errno.h>
#include <stdlib.h>

#include "internal.h"

/*
 * One allocation holds both sides: the receiver future is its first member
 * (so a JoinHandle costs one malloc), and the sender is a pointer to the
 * whole. It is freed when both sides are gone.
 */
struct wta_oneshot_tx {
    struct wta_future rx;         /* the receiving side, as a future */
    struct wta_mutex lock;        /* guards everything below but refs */
    bool sent;                    /* a value (or result) is waiting */
    bool taken;                   /* the receiver took it */
    bool tx_alive, rx_alive;
    int result;                   /* 0 or -errno, delivered with value */
    intptr_t value;
    struct wta_waker rx_waker;    /* the receiver's, while it waits */
    int closed_err;               /* -EPIPE, or -ECANCELED for JoinHandles */
    enum wta_wake_source src;     /* how the send's wake is traced */
    uint64_t cause;               /* and what it names: the task, the job (0: none) */
    uint64_t task;                /* JoinHandles: the task's id, for the trace */
    _Atomic int refs;             /* one per live side */
};

static int rx_poll(struct wta_future *self, struct wta_context *cx, intptr_t *out);
static void rx_drop(struct wta_future *self);

static const struct wta_future_vt oneshot_rx_vt = {"oneshot_recv", rx_poll, rx_drop};
static const struct wta_future_vt join_rx_vt = {"join_handle", rx_poll, rx_drop};

static void release(struct wta_oneshot_tx *os)
{
    if (wta_atomic_fetch_sub(&os->refs, 1) != 1)
        return;
    wta_waker_drop(&os->rx_waker);
    wta_mutex_destroy(&os->lock);
    free(os);
}

static int make(struct wta_oneshot_tx **tx, struct wta_future **rx,
                const struct wta_future_vt *vt, int closed_err, enum wta_wake_source src)
{
    struct wta_oneshot_tx *os = calloc(1, sizeof *os);
    if (os == NULL)
        return -ENOMEM;
    wta_mutex_init(&os->lock);
    os->tx_alive = os->rx_alive = true;
    os->closed_err = closed_err;
    os->src = src;
    atomic_init(&os->refs, 2);
    os->rx.vt = vt;
    *tx = os;
    *rx = &os->rx;
    return 0;
}

int wta_oneshot_new(struct wta_oneshot_tx **tx, struct wta_future **rx)
{
    if (tx == NULL || rx == NULL)
        return -EINVAL;
    return make(tx, rx, &oneshot_rx_vt, -EPIPE, WTA_SRC_TASK);
}

int wta_join_new(struct wta_oneshot_tx **tx, struct wta_future **rx, enum wta_wake_source src)
{
    return make(tx, rx, &join_rx_vt, -ECANCELED, src);
}

/* The task whose output this is: join.* events and the wake name it. */
void wta_join_set_task(struct wta_oneshot_tx *tx, uint64_t task)
{
    tx->task = task;
    tx->cause = task;
}

/* What the receiver's wake names, if not the task (a blocking job). */
void wta_join_set_cause(struct wta_oneshot_tx *tx, uint64_t cause)
{
    tx->cause = cause;
}

/* Closes the sending side, with a value (sent) or without; wakes the receiver. */
static int close_tx(struct wta_oneshot_tx *os, bool sent, int result, intptr_t value)
{
    wta_mutex_lock(&os->lock);
    int rc = os->rx_alive ? 0 : -EPIPE;
    if (sent && os->rx_alive) {
        os->sent = true;
        os->result = result;
        os->value = value;
    }
    os->tx_alive = false;
    struct wta_waker w = os->rx_waker;   // take it: wake outside the lock
    os->rx_waker = (struct wta_waker){0};
    wta_mutex_unlock(&os->lock);
    if (wta_waker_is_set(&w)) {
        wta_waker_wake_cause(&w, os->src, os->cause);   // LESSON 02: the receiver's poll will see it
        wta_waker_drop(&w);
    }
    release(os);
    return rc;
}

int wta_oneshot_send(struct wta_oneshot_tx *tx, intptr_t value)
{
    if (tx == NULL)
        return -EINVAL;
    return close_tx(tx, true, 0, value);
}

void wta_oneshot_tx_drop(struct wta_oneshot_tx *tx)
{
    if (tx != NULL)
        close_tx(tx, false, 0, 0);
}

void wta_join_send(struct wta_oneshot_tx *tx, int result, intptr_t value)
{
    close_tx(tx, true, result, value);
}

void wta_join_cancel(struct wta_oneshot_tx *tx)
{
    close_tx(tx, false, 0, 0);
}

static int rx_poll(struct wta_future *self, struct wta_context *cx, intptr_t *out)
{
    struct wta_oneshot_tx *os = (struct wta_oneshot_tx *)self;
    struct wta_waker old = {0};
    int rc;
    wta_mutex_lock(&os->lock);
    if (os->sent && !os->taken) {
        os->taken = true;
        *out = os->value;
        rc = os->result;
    } else if (!os->tx_alive) {
        rc = os->closed_err;
    } else {
        // LESSON 02: Pending: the sender's send or drop will wake this waker.
        if (!wta_waker_will_wake(&os->rx_waker, cx->waker)) {
            old = os->rx_waker;
            os->rx_waker = self->vt == &join_rx_vt   // a plain oneshot's sender may be anywhere
                ? wta_waker_clone_held(cx->waker, WTA_WAIT_JOIN, os->task, 0)
                : wta_waker_clone(cx->waker);
        }
        rc = WTA_PENDING;
    }
    wta_mutex_unlock(&os->lock);
    wta_waker_drop(&old);
    if (rc != WTA_PENDING && self->vt == &join_rx_vt)
        WTA_TRACE(wta_thread_rt(), JOIN_COMPLETE, os->task, rc);
    return rc;
}

static void rx_drop(struct wta_future *self)
{
    struct wta_oneshot_tx *os = (struct wta_oneshot_tx *)self;
    wta_mutex_lock(&os->lock);
    // Unawaited: the task runs on, or its output was sent and is discarded.
    bool detached = os->tx_alive || (os->sent && !os->taken);
    os->rx_alive = false;
    struct wta_waker w = os->rx_waker;
    os->rx_waker = (struct wta_waker){0};
    wta_mutex_unlock(&os->lock);
    wta_waker_drop(&w);
    if (detached && self->vt == &join_rx_vt)
        WTA_TRACE(wta_thread_rt(), JOIN_DETACH, os->task);
    release(os);
}

int wta_join_try(struct wta_future *handle, intptr_t *out)
{
    struct wta_context cx = {.waker = wta_waker_noop()};
    intptr_t v = 0;
    int rc = wta_poll(handle, &cx, &v);
    if (out != NULL && rc == 0)
        *out = v;
    return rc;
}

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
 * The state (struct wta_oneshot_tx, in internal.h so a task can carry its
 * JoinHandle's inline) holds both sides: the receiver future is its first
 * member, and the sender is a pointer to the whole. Who frees it:
 *   - a plain oneshot (and a spawn_blocking job's handle) is its own block,
 *     counted by refs, one per live side: the last side gone frees it;
 *   - a spawned task's JoinHandle lives in the task's block (task_block.c): its
 *     receiver holds one of the task's references until dropped, and its
 *     sender is the task itself, which keeps its block alive until it has
 *     sent. The task frees the block (wta_join_destroy, then free).
 */

static int rx_poll(struct wta_future *self, struct wta_context *cx, intptr_t *out);
static void rx_drop(struct wta_future *self);

static const struct wta_future_vt oneshot_rx_vt = {"oneshot_recv", rx_poll, rx_drop};
static const struct wta_future_vt join_rx_vt = {"join_handle", rx_poll, rx_drop};

/* Tears down a oneshot's state once both sides are gone (its memory is its block's owner's). */
void wta_join_destroy(struct wta_oneshot_tx *os)
{
    wta_waker_drop(&os->rx_waker);
    wta_mutex_destroy(&os->lock);
}

/* One side is done with os (see above for who counts). */
static void release(struct wta_oneshot_tx *os, bool rx_side)
{
    if (os->owner != NULL) {
        if (rx_side)
            wta_task_release(os->owner);
        return;
    }
    if (wta_atomic_fetch_sub(&os->refs, 1) != 1)
        return;
    wta_join_destroy(os);
    free(os);
}

static void init(struct wta_oneshot_tx *os, const struct wta_future_vt *vt, int closed_err,
                 enum wta_wake_source src)
{
    wta_mutex_init(&os->lock);
    os->tx_alive = os->rx_alive = true;
    os->closed_err = closed_err;
    os->src = src;
    atomic_init(&os->refs, 2);
    os->rx.vt = vt;
}

static int make(struct wta_oneshot_tx **tx, struct wta_future **rx,
                const struct wta_future_vt *vt, int closed_err, enum wta_wake_source src)
{
    struct wta_oneshot_tx *os = calloc(1, sizeof *os);
    if (os == NULL)
        return -ENOMEM;
    init(os, vt, closed_err, src);
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

/*
 * A spawned task's JoinHandle, in the task's own (zeroed) block: the caller
 * has counted the handle's reference on owner. Returns the handle.
 */
struct wta_future *wta_join_init(struct wta_oneshot_tx *os, struct wta_task *owner,
                                 uint64_t task)
{
    init(os, &join_rx_vt, -ECANCELED, WTA_SRC_JOIN);
    os->owner = owner;
    os->task = task;
    os->cause = task;   // its send names the finished task
    return &os->rx;
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
    release(os, false);
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
    release(os, true);
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

/*
 * channel_ends.c - a channel's two ends: making a channel, its sender
 * (tx) and receiver (rx) handles, and closing it from either end. The
 * send and recv futures are in channel.c; the shared state in channel.h.
 *
 * The stream stays open while a sender lives: a tx handle, or a send
 * future not yet finished - a pending send counts as a sender, so the
 * stream cannot end while a value is still on its way. The last sender's
 * drop ends it and wakes the receiver, which then drains what is queued
 * and gets -EPIPE.
 *
 * The receiver's drop closes the other way: no sender joins the wait list
 * any more, and every waiting sender is woken to find -EPIPE. Values are
 * intptr_t; values still queued when the receiver goes are discarded.
 *
 * Every handle and future holds a reference on the shared state; the
 * last release frees it, whichever end goes last.
 */
#include <errno.h>
#include <stdlib.h>

#include "channel.h"

static _Atomic uint64_t next_chan_id = 1;   /* channels made outside any runtime */

struct chan *wta_chan_hold(struct chan *c)
{
    wta_atomic_fetch_add(&c->refs, 1);
    return c;
}

void wta_chan_release(struct chan *c)
{
    if (wta_atomic_fetch_sub(&c->refs, 1) != 1)
        return;
    wta_waker_drop(&c->rx_waker);
    wta_mutex_destroy(&c->lock);
    free(c->ring);
    free(c);
}

int wta_chan_new(size_t cap, struct wta_chan_tx **tx, struct wta_chan_rx **rx)
{
    if (cap == 0 || tx == NULL || rx == NULL)
        return -EINVAL;
    struct chan *c = calloc(1, sizeof *c);
    *tx = malloc(sizeof **tx);
    *rx = malloc(sizeof **rx);
    if (c != NULL)
        c->ring = calloc(cap, sizeof *c->ring);
    if (c == NULL || c->ring == NULL || *tx == NULL || *rx == NULL) {
        if (c != NULL)
            free(c->ring);
        free(c);
        free(*tx);
        free(*rx);
        return -ENOMEM;
    }
    wta_mutex_init(&c->lock);
    c->cap = cap;
    c->senders = 1;
    c->rx_alive = true;
    // Numbered per runtime, as tasks are: a trace's ids do not depend on
    // what ran before it in the same process.
    struct wta_runtime *rt = wta_thread_rt();
    c->id = wta_atomic_fetch_add(rt != NULL ? &rt->next_chan_id : &next_chan_id, 1);
    atomic_init(&c->refs, 2);
    (*tx)->c = c;
    (*rx)->c = c;
    return 0;
}

/* ---------------------------------------------------------------- senders */

struct wta_chan_tx *wta_chan_tx_clone(struct wta_chan_tx *tx)
{
    struct wta_chan_tx *t = malloc(sizeof *t);
    if (t == NULL)
        return NULL;
    t->c = wta_chan_hold(tx->c);
    wta_mutex_lock(&t->c->lock);
    t->c->senders++;
    wta_mutex_unlock(&t->c->lock);
    return t;
}

/* One sender fewer; the last one ends the stream and wakes the receiver. */
void wta_chan_sender_gone(struct chan *c)
{
    struct wta_waker w = {0};
    struct wta_runtime *rt = wta_thread_rt();   // before the lock: it may take runtime.c's live_lock
    wta_mutex_lock(&c->lock);
    bool last = --c->senders == 0;
    if (last) {
        w = c->rx_waker;   // it will see the end of the stream
        c->rx_waker = (struct wta_waker){0};
        // Under the lock: the receiver may see the end at once, and its
        // chan.recv must sort after this.
        WTA_TRACE(rt, CHAN_CLOSE, c->id, WTA_S("tx"), wta_current_task_id());
    }
    wta_mutex_unlock(&c->lock);
    wake_and_drop(c, &w);
    wta_chan_release(c);
}

void wta_chan_tx_drop(struct wta_chan_tx *tx)
{
    if (tx == NULL)
        return;
    wta_chan_sender_gone(tx->c);
    free(tx);
}

/* ---------------------------------------------------------------- receiver */

/* The receiver goes: every waiting sender is woken to find -EPIPE. */
void wta_chan_rx_drop(struct wta_chan_rx *rx)
{
    if (rx == NULL)
        return;
    struct chan *c = rx->c;
    struct wta_runtime *rt = wta_thread_rt();   // before the lock: it may take runtime.c's live_lock
    wta_mutex_lock(&c->lock);
    c->rx_alive = false;   // from now on no sender joins the wait list
    WTA_TRACE(rt, CHAN_CLOSE, c->id, WTA_S("rx"), wta_current_task_id());   // before any send sees it
    wta_mutex_unlock(&c->lock);
    for (;;) {             // one waiter at a time: taken under the lock, woken outside it
        wta_mutex_lock(&c->lock);
        struct wta_waker w = pop_waiter(c);
        wta_mutex_unlock(&c->lock);
        if (!wta_waker_is_set(&w))
            break;
        wake_and_drop(c, &w);
    }
    wta_chan_release(c);
    free(rx);
}

/*
 * channel.c - a bounded multi-producer, single-consumer channel.
 *
 * Shared state (struct chan) under one lock: a ring of at most cap values,
 * the number of live senders, whether the receiver is alive, the
 * receiver's waker, and a FIFO list of send futures waiting for room.
 *
 *   send:  room -> queue the value, wake the receiver. Full -> join the
 *          wait list with our waker, PENDING: a recv that frees a slot
 *          wakes the first waiter.
 *   recv:  a value -> take it, wake the first waiting sender. Empty and
 *          no senders left -> -EPIPE (end of stream). Else store our waker,
 *          PENDING: the next send, or the last sender's drop, wakes us.
 *
 * The baton rule: a recv wakes *one* waiting sender per freed slot. That
 * sender either sends (uses the slot) or finds the slot taken by a newer
 * sender and waits again (then the channel is full, and the next recv
 * wakes someone). If it is dropped after being woken but before sending,
 * it passes the wake on to the next waiter, or that waiter would hang.
 *
 * A pending send future counts as a sender, so the stream cannot end
 * while a value is still on its way. Wakers are called after the lock is
 * released, never under it. Values are intptr_t; values still queued when
 * the receiver goes are discarded.
 */
#include <errno.h>
#include <stdlib.h>

#include "internal.h"

struct send_fut;

struct chan {
    struct wta_mutex lock;         /* guards everything but id and refs */
    intptr_t *ring;
    size_t cap, head, len;
    int senders;                   /* tx handles + send futures alive */
    bool rx_alive;
    struct wta_waker rx_waker;     /* the receiver's, while it waits */
    struct send_fut *wait_head, *wait_tail;   /* senders waiting for room */
    uint64_t id;                   /* for the trace */
    _Atomic int refs;              /* every handle and future holds one */
};

struct wta_chan_tx { struct chan *c; };
struct wta_chan_rx { struct chan *c; };

struct send_fut {
    struct wta_future base;
    struct chan *c;
    intptr_t value;
    bool sent;
    bool waiting;                  /* [c->lock] on the wait list */
    bool woken;                    /* [c->lock] taken off it by a recv, not yet polled */
    struct wta_waker waker;        /* [c->lock] while waiting */
    struct send_fut *next;         /* [c->lock] */
};

struct recv_fut {
    struct wta_future base;
    struct chan *c;
};

static _Atomic uint64_t next_chan_id = 1;   /* channels made outside any runtime */

static struct chan *chan_hold(struct chan *c)
{
    wta_atomic_fetch_add(&c->refs, 1);
    return c;
}

static void chan_release(struct chan *c)
{
    if (wta_atomic_fetch_sub(&c->refs, 1) != 1)
        return;
    wta_waker_drop(&c->rx_waker);
    wta_mutex_destroy(&c->lock);
    free(c->ring);
    free(c);
}

/* Takes the first waiting sender off the list; returns its waker. Hold c->lock. */
static struct wta_waker pop_waiter(struct chan *c)
{
    WTA_ASSERT_HELD(&c->lock, "chan pop_waiter: c->lock not held");
    struct send_fut *s = c->wait_head;
    if (s == NULL)
        return (struct wta_waker){0};
    c->wait_head = s->next;
    if (c->wait_head == NULL)
        c->wait_tail = NULL;
    s->waiting = false;
    s->woken = true;
    struct wta_waker w = s->waker;
    s->waker = (struct wta_waker){0};
    return w;
}

/* Takes s off the wait list wherever it is. Hold c->lock. */
static void unlink_waiter(struct chan *c, struct send_fut *s)
{
    WTA_ASSERT_HELD(&c->lock, "chan unlink_waiter: c->lock not held");
    struct send_fut **pp = &c->wait_head, *prev = NULL;
    while (*pp != s) {
        prev = *pp;
        pp = &(*pp)->next;
    }
    *pp = s->next;
    if (c->wait_tail == s)
        c->wait_tail = prev;
    s->waiting = false;
}

/* Wakes w, if set, and drops it; the trace names channel c as the cause. Without c->lock. */
static void wake_and_drop(struct chan *c, struct wta_waker *w)
{
    if (wta_waker_is_set(w)) {
        wta_waker_wake_cause(w, WTA_SRC_CHAN, c->id);
        wta_waker_drop(w);
    }
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
    t->c = chan_hold(tx->c);
    wta_mutex_lock(&t->c->lock);
    t->c->senders++;
    wta_mutex_unlock(&t->c->lock);
    return t;
}

/* One sender fewer; the last one ends the stream and wakes the receiver. */
static void sender_gone(struct chan *c)
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
    chan_release(c);
}

void wta_chan_tx_drop(struct wta_chan_tx *tx)
{
    if (tx == NULL)
        return;
    sender_gone(tx->c);
    free(tx);
}

static int send_poll(struct wta_future *self, struct wta_context *cx, intptr_t *out)
{
    struct send_fut *s = (struct send_fut *)self;
    struct chan *c = s->c;
    struct wta_waker rx = {0}, old = {0};
    int rc;
    *out = 0;
    wta_mutex_lock(&c->lock);
    s->woken = false;
    if (!c->rx_alive) {
        rc = -EPIPE;
    } else if (c->len < c->cap) {
        c->ring[(c->head + c->len++) % c->cap] = s->value;
        s->sent = true;
        rx = c->rx_waker;
        c->rx_waker = (struct wta_waker){0};
        rc = 0;
    } else {
        if (!wta_waker_will_wake(&s->waker, cx->waker)) {
            old = s->waker;
            s->waker = wta_waker_clone_held(cx->waker, WTA_WAIT_CHAN, c->id, 1);
        }
        if (!s->waiting) {
            s->waiting = true;
            s->next = NULL;
            if (c->wait_tail != NULL)
                c->wait_tail->next = s;
            else
                c->wait_head = s;
            c->wait_tail = s;
        }
        rc = WTA_PENDING;
    }
    if (rc != WTA_PENDING && s->waiting)
        unlink_waiter(c, s);
    size_t len = c->len;
    wta_mutex_unlock(&c->lock);
    wta_waker_drop(&old);
    if (rc == WTA_PENDING)
        return WTA_PENDING;   // LESSON 08: full: a recv that frees a slot (or the receiver's drop) wakes us
    WTA_TRACE(wta_thread_rt(), CHAN_SEND, c->id, rc, len, wta_current_task_id());
    wake_and_drop(c, &rx);
    return rc;
}

static void send_drop(struct wta_future *self)
{
    struct send_fut *s = (struct send_fut *)self;
    struct chan *c = s->c;
    struct wta_waker next = {0};
    wta_mutex_lock(&c->lock);
    if (s->waiting)
        unlink_waiter(c, s);
    else if (s->woken && c->len < c->cap)
        next = pop_waiter(c);   // pass the baton: we were woken for a slot we won't use
    struct wta_waker mine = s->waker;
    s->waker = (struct wta_waker){0};
    wta_mutex_unlock(&c->lock);
    wta_waker_drop(&mine);
    wake_and_drop(c, &next);
    free(s);
    sender_gone(c);
}

static const struct wta_future_vt send_vt = {"chan_send", send_poll, send_drop};

struct wta_future *wta_chan_send(struct wta_chan_tx *tx, intptr_t value)
{
    struct send_fut *s = calloc(1, sizeof *s);
    if (s == NULL)
        return NULL;
    s->base.vt = &send_vt;
    s->c = chan_hold(tx->c);
    s->value = value;
    wta_mutex_lock(&s->c->lock);
    s->c->senders++;   // a value on its way keeps the stream open
    wta_mutex_unlock(&s->c->lock);
    return &s->base;
}

/* ---------------------------------------------------------------- receiver */

static int recv_poll(struct wta_future *self, struct wta_context *cx, intptr_t *out)
{
    struct chan *c = ((struct recv_fut *)self)->c;
    struct wta_waker sender = {0}, old = {0};
    int rc;
    wta_mutex_lock(&c->lock);
    if (c->len > 0) {
        *out = c->ring[c->head];
        c->head = (c->head + 1) % c->cap;
        c->len--;
        sender = pop_waiter(c);   // LESSON 08: one slot freed: one waiting sender may use it
        rc = 0;
    } else if (c->senders == 0) {
        rc = -EPIPE;              // drained, and nobody can send any more
    } else {
        if (!wta_waker_will_wake(&c->rx_waker, cx->waker)) {
            old = c->rx_waker;
            c->rx_waker = wta_waker_clone_held(cx->waker, WTA_WAIT_CHAN, c->id, 0);
        }
        rc = WTA_PENDING;
    }
    size_t len = c->len;
    wta_mutex_unlock(&c->lock);
    wta_waker_drop(&old);
    if (rc == WTA_PENDING)
        return WTA_PENDING;       // empty: the next send, or the last sender's drop, wakes us
    WTA_TRACE(wta_thread_rt(), CHAN_RECV, c->id, rc, len, wta_current_task_id());
    wake_and_drop(c, &sender);
    return rc;
}

/* A recv dropped while waiting takes its waker back: one receiver at a time. */
static void recv_drop(struct wta_future *self)
{
    struct chan *c = ((struct recv_fut *)self)->c;
    wta_mutex_lock(&c->lock);
    struct wta_waker w = c->rx_waker;
    c->rx_waker = (struct wta_waker){0};
    wta_mutex_unlock(&c->lock);
    wta_waker_drop(&w);
    chan_release(c);
    free(self);
}

static const struct wta_future_vt recv_vt = {"chan_recv", recv_poll, recv_drop};

struct wta_future *wta_chan_recv(struct wta_chan_rx *rx)
{
    struct recv_fut *r = malloc(sizeof *r);
    if (r == NULL)
        return NULL;
    r->base.vt = &recv_vt;
    r->c = chan_hold(rx->c);
    return &r->base;
}

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
    chan_release(c);
    free(rx);
}

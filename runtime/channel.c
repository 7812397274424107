/*
 * channel.c - a bounded multi-producer, single-consumer channel: its send
 * and recv futures. The shared state is in channel.h; making a channel,
 * its handles and closing it are in channel_ends.c.
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
 */
#include <errno.h>
#include <stdlib.h>

#include "channel.h"

struct recv_fut {
    struct wta_future base;
    struct chan *c;
};

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

/* ---------------------------------------------------------------- senders */

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
    wta_chan_sender_gone(c);
}

static const struct wta_future_vt send_vt = {"chan_send", send_poll, send_drop};

struct wta_future *wta_chan_send(struct wta_chan_tx *tx, intptr_t value)
{
    struct send_fut *s = calloc(1, sizeof *s);
    if (s == NULL)
        return NULL;
    s->base.vt = &send_vt;
    s->c = wta_chan_hold(tx->c);
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
    wta_chan_release(c);
    free(self);
}

static const struct wta_future_vt recv_vt = {"chan_recv", recv_poll, recv_drop};

struct wta_future *wta_chan_recv(struct wta_chan_rx *rx)
{
    struct recv_fut *r = malloc(sizeof *r);
    if (r == NULL)
        return NULL;
    r->base.vt = &recv_vt;
    r->c = wta_chan_hold(rx->c);
    return &r->base;
}

/*
 * channel.h - a channel's shared state, shared by its two files:
 * channel_ends.c (making a channel; its tx and rx handles; closing it from
 * either end; freeing it) and channel.c (the send and recv futures).
 * Nothing else includes this: the rest of the runtime sees only wta.h.
 *
 * Shared state (struct chan) under one lock: a ring of at most cap values,
 * the number of live senders, whether the receiver is alive, the
 * receiver's waker, and a FIFO list of send futures waiting for room.
 * Every handle and every future holds one reference; the last one frees
 * it. Wakers are taken out under the lock and called after it is
 * released, never under it (wake_and_drop).
 */
#ifndef WTA_CHANNEL_H
#define WTA_CHANNEL_H

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

// channel_ends.c
struct chan *wta_chan_hold(struct chan *c);    /* one reference more */
void wta_chan_release(struct chan *c);         /* one fewer; the last frees c */
void wta_chan_sender_gone(struct chan *c);     /* the last one ends the stream */

/*
 * The two steps both files take: the wait list's pop (a recv that frees a
 * slot, a dropped sender passing the baton, the receiver going) and the
 * wake after the lock. Inline here so each file reads them by name.
 */

/* Takes the first waiting sender off the list; returns its waker. Hold c->lock. */
static inline struct wta_waker pop_waiter(struct chan *c)
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

/* Wakes w, if set, and drops it; the trace names channel c as the cause. Without c->lock. */
static inline void wake_and_drop(struct chan *c, struct wta_waker *w)
{
    if (wta_waker_is_set(w)) {
        wta_waker_wake_cause(w, WTA_SRC_CHAN, c->id);
        wta_waker_drop(w);
    }
}

#endif

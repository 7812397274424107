/*
 * Lesson 11 - W2: a task woken while it is running, and NOTIFIED.
 *
 * Task "consumer" runs on worker w0 and waits for one message from main.
 * When the channel is empty its recv leaves the task's waker in the
 * channel, and the poll returns Pending a moment later. Main, on its own
 * thread, sends: the send calls that waker. If it lands in that moment -
 * waker left, poll not yet returned - the task is RUNNING, and the
 * original wta, whose task slot is empty during a poll, loses the wake.
 * With --fixed the wake marks the task NOTIFIED and w0 re-queues it when
 * the poll returns. The moment is a few steps wide; the pinned seed is an
 * interleaving in which main's send lands in it. Read main() first.
 */
#include <errno.h>
#include <stdlib.h>

#include "lesson.h"

static const struct lesson lesson = {
    .name = "11-w2-woken-while-running",
    .title = "W2: woken while running, and NOTIFIED",
    .seed = 52,
    .workers = 1,
    .alt = "fixed",
};

/* Both sides: one end of the channel and the send or recv being awaited. */
struct side {
    struct wta_future base;
    struct wta_chan_tx *tx;
    struct wta_chan_rx *rx;
    struct wta_future *op, *consumer;   /* main: the send, then the JoinHandle */
};

/* The consumer: receive one message; finish with it. */
static int consumer_poll(struct wta_future *base, struct wta_context *cx, intptr_t *out)
{
    struct side *self = (struct side *)base;
    if (self->op == NULL) {
        wta_note("? consumer's recv: if the channel is still empty, it leaves the task's waker "
                 "there and the poll returns Pending. If main's send calls that waker before "
                 "the poll has returned, will consumer run again?");
        self->op = wta_chan_recv(self->rx);
    }
    int rc = wta_poll(self->op, cx, out);
    if (rc == WTA_PENDING)
        return WTA_PENDING;   // main's send wakes us
    wta_note("consumer was polled again and got %ld", (long)*out);
    return rc;
}

/* Main: send 42 (waking the consumer), then await the consumer's JoinHandle. */
static int main_poll(struct wta_future *base, struct wta_context *cx, intptr_t *out)
{
    struct side *self = (struct side *)base;
    if (self->tx != NULL) {
        self->op = wta_chan_send(self->tx, 42);
        int rc = wta_poll(self->op, cx, NULL);   // room for one: never Pending
        wta_future_drop(self->op);
        self->op = NULL;
        if (rc != 0)
            return rc;
        wta_chan_tx_drop(self->tx);
        self->tx = NULL;
    }
    return wta_poll(self->consumer, cx, out);   // the consumer's end wakes us
}

static void side_drop(struct wta_future *base)
{
    struct side *self = (struct side *)base;
    wta_future_drop(self->op);
    wta_future_drop(self->consumer);
    wta_chan_tx_drop(self->tx);
    wta_chan_rx_drop(self->rx);
    free(self);
}

static const struct wta_future_vt consumer_vt = {"consumer", consumer_poll, side_drop};
static const struct wta_future_vt main_vt = {"main", main_poll, side_drop};

int main(int argc, char **argv)
{
    struct wta_config cfg;
    bool fixed = lesson_start(&lesson, argc, argv, &cfg);

    // The bug run brings back the original's empty slot during a poll.
    if (!fixed)
        cfg.bugs = WTA_BUG_W2;
    struct wta_runtime *rt = lesson_runtime(&lesson, &cfg);

    // A channel of one; the consumer task gets the receiving end, main the other.
    struct side *m = lesson_future(sizeof *m, &main_vt);
    struct side *c = lesson_future(sizeof *c, &consumer_vt);
    wta_chan_new(1, &m->tx, &c->rx);
    m->consumer = wta_runtime_spawn(rt, &c->base);
    intptr_t got = 0;
    int rc = wta_block_on(rt, &m->base, &got);
    if (rc == -ECANCELED)
        wta_runtime_note(rt, "the JoinHandle says -ECANCELED: the send's wake was lost while "
                             "consumer ran, so the runtime freed it after that poll");

    wta_runtime_free(rt);
    return lesson_expect(&lesson, "the consumer's message (42, or -125 = -ECANCELED)",
                         rc == 0 ? (long)got : rc, fixed ? 42 : -ECANCELED);
}

/*
 * Lesson 08 - channels and backpressure.
 *
 * A producer task sends 1..6 into a channel that holds at most 2 values;
 * a consumer task receives and adds them up. When the channel is full the
 * producer's send returns Pending: it waits for room, so a fast producer
 * can never run ahead of a slow consumer by more than the channel's
 * capacity. That is backpressure. One worker, so the two take turns.
 */
#include <errno.h>
#include <stdlib.h>

#include "lesson.h"

static const struct lesson lesson = {
    .name = "08-channels",
    .title = "channels and backpressure",
    .seed = 1,
    .workers = 1,
};

#define CAPACITY 2
#define COUNT 6

/* Both tasks: one end of the channel and the send or recv being awaited. */
struct end {
    struct wta_future base;
    int next, waited;         /* producer: the next value; waited: already noted */
    intptr_t sum;             /* consumer: the total so far */
    struct wta_chan_tx *tx;
    struct wta_chan_rx *rx;
    struct wta_future *op;
};

static int producer_poll(struct wta_future *base, struct wta_context *cx, intptr_t *out)
{
    struct end *self = (struct end *)base;
    while (self->next <= COUNT) {   // send the next value; wait while the channel is full
        if (self->op == NULL)
            self->op = wta_chan_send(self->tx, self->next);
        int rc = lesson_await(&self->op, cx, NULL);
        if (rc == WTA_PENDING) {
            if (!self->waited++)
                wta_note("? the channel is full (2 values), so sending %d returns Pending. "
                         "Who will wake the producer?", self->next);
            return WTA_PENDING;   // a recv that frees a slot wakes us
        }
        if (rc < 0)
            return rc;
        self->next++;
    }
    wta_chan_tx_drop(self->tx);   // the last sender: the consumer sees the end
    self->tx = NULL;
    *out = COUNT;
    return WTA_READY;
}

static int consumer_poll(struct wta_future *base, struct wta_context *cx, intptr_t *out)
{
    struct end *self = (struct end *)base;
    for (;;) {   // receive the next value, or the end of the stream
        intptr_t v;
        if (self->op == NULL)
            self->op = wta_chan_recv(self->rx);
        int rc = lesson_await(&self->op, cx, &v);
        if (rc == WTA_PENDING)
            return WTA_PENDING;   // the next send (or the last sender's drop) wakes us
        if (rc == -EPIPE) {   // every sender is gone and the channel is drained
            wta_note("the consumer saw the end of the stream: sum %ld", (long)self->sum);
            *out = self->sum;
            return WTA_READY;
        }
        if (v == 1)
            wta_note("the consumer took 1: the slot it freed wakes the waiting producer");
        self->sum += v;
    }
}

static void end_drop(struct wta_future *base)
{
    struct end *self = (struct end *)base;
    wta_future_drop(self->op);
    wta_chan_tx_drop(self->tx);
    wta_chan_rx_drop(self->rx);
    free(self);
}

static const struct wta_future_vt producer_vt = {"producer", producer_poll, end_drop};
static const struct wta_future_vt consumer_vt = {"consumer", consumer_poll, end_drop};

int main(int argc, char **argv)
{
    struct wta_config cfg;
    lesson_start(&lesson, argc, argv, &cfg);
    struct wta_runtime *rt = lesson_runtime(&lesson, &cfg);

    // A channel of capacity 2; the producer gets the sending end, the consumer the other.
    struct end *p = lesson_future(sizeof *p, &producer_vt);
    struct end *c = lesson_future(sizeof *c, &consumer_vt);
    wta_chan_new(CAPACITY, &p->tx, &c->rx);
    p->next = 1;
    struct wta_future *producer = wta_runtime_spawn(rt, &p->base);

    // Run the consumer as a task too, and wait for its sum on the main thread;
    // then collect the producer's count, so that no output is left unread.
    intptr_t sum = 0, sent = 0;
    int rc = wta_block_on(rt, wta_runtime_spawn(rt, &c->base), &sum);
    if (rc == 0)
        rc = wta_block_on(rt, producer, &sent);
    else
        wta_future_drop(producer);

    wta_runtime_free(rt);
    return lesson_expect(&lesson, "the consumer's sum of 1..6", rc == 0 ? (long)sum : rc, 21);
}

/*
 * Lab 4 scenarios: a bounded channel between tasks and main, judged by the
 * values that arrive, their order, and who waits when.
 */
#include <errno.h>
#include <stdlib.h>

#include "lab.h"

/* A task that sends 0, 1, ... n-1 and then drops its sender. */
struct producer {
    struct wta_future base;
    struct wta_chan_tx *tx;
    struct wta_future *send;
    int next, n;
};

static int producer_poll(struct wta_future *self, struct wta_context *cx, intptr_t *out)
{
    struct producer *p = (struct producer *)self;
    while (p->next < p->n) {
        if (p->send == NULL)
            p->send = wta_chan_send(p->tx, p->next);
        int rc = wta_poll(p->send, cx, out);
        if (rc == WTA_PENDING)
            return WTA_PENDING;   // full: the receiver's next recv wakes us
        wta_future_drop(p->send);
        p->send = NULL;
        if (rc != 0)
            return rc;
        p->next++;
    }
    wta_chan_tx_drop(p->tx);
    p->tx = NULL;
    *out = p->n;
    return WTA_READY;
}

static void producer_drop(struct wta_future *self)
{
    struct producer *p = (struct producer *)self;
    wta_future_drop(p->send);
    wta_chan_tx_drop(p->tx);
    free(p);
}

static const struct wta_future_vt producer_vt = {"producer", producer_poll, producer_drop};

static struct wta_future *producer(struct wta_chan_tx *tx, int n)
{
    struct producer *p = calloc(1, sizeof *p);
    p->base.vt = &producer_vt;
    p->tx = tx;
    p->n = n;
    return &p->base;
}

/* Receives every value on the main thread; returns the count or a failure note. */
static int receive_all(struct wta_runtime *rt, struct wta_chan_rx *rx, int n)
{
    for (int i = 0; i < n; i++) {
        intptr_t v = -1;
        int rc = wta_block_on(rt, wta_chan_recv(rx), &v);
        LAB_EXPECT(rc == 0 && v == i, "value %d to arrive in order, got rc %d value %ld",
                   i, rc, (long)v);
    }
    intptr_t v;
    int rc = wta_block_on(rt, wta_chan_recv(rx), &v);
    LAB_EXPECT(rc == -EPIPE, "recv after the last sender finished to return -EPIPE, got %d", rc);
    return 0;
}

/* Do values arrive, in order, when there is always room? */
static int values_in_order(void)
{
    struct wta_runtime *rt = lab_runtime(2);
    struct wta_chan_tx *tx;
    struct wta_chan_rx *rx;
    wta_chan_new(200, &tx, &rx);
    wta_future_drop(wta_runtime_spawn(rt, producer(tx, 100)));
    int bad = receive_all(rt, rx, 100);
    wta_chan_rx_drop(rx);
    wta_runtime_free(rt);
    return bad;
}

/* Does a receiver that came first get woken by the send? */
static int recv_waits_for_send(void)
{
    struct wta_runtime *rt = lab_runtime(2);
    struct wta_chan_tx *tx;
    struct wta_chan_rx *rx;
    wta_chan_new(1, &tx, &rx);
    struct wta_future *recv = wta_chan_recv(rx);
    intptr_t v = -1;
    int first = wta_poll(recv, &(struct wta_context){wta_waker_noop()}, &v);
    wta_future_drop(recv);
    LAB_EXPECT(first == WTA_PENDING, "recv on an empty channel to be pending, got %d", first);
    for (int round = 0; round < 100; round++) {
        struct wta_chan_tx *one = wta_chan_tx_clone(tx);
        wta_future_drop(wta_runtime_spawn(rt, producer(one, 1)));
        int rc = wta_block_on(rt, wta_chan_recv(rx), &v);
        LAB_EXPECT(rc == 0 && v == 0, "round %d: the waiting recv to get the task's 0, got rc %d",
                   round, rc);
    }
    wta_chan_tx_drop(tx);
    wta_chan_rx_drop(rx);
    wta_runtime_free(rt);
    return 0;
}

/* Backpressure: does a sender wait while the channel is full, and go on after a recv? */
static int send_waits_when_full(void)
{
    struct wta_runtime *rt = lab_runtime(2);
    struct wta_chan_tx *tx;
    struct wta_chan_rx *rx;
    wta_chan_new(1, &tx, &rx);
    struct wta_context cx = {wta_waker_noop()};
    intptr_t ignored;
    struct wta_future *a = wta_chan_send(tx, 0), *b = wta_chan_send(tx, 1);
    int ra = wta_poll(a, &cx, &ignored), rb = wta_poll(b, &cx, &ignored);
    wta_future_drop(a);
    wta_future_drop(b);
    LAB_EXPECT(ra == 0 && rb == WTA_PENDING, "with capacity 1, the first send to be ready (0) "
               "and the second pending, got %d and %d", ra, rb);
    intptr_t v;
    int rc = wta_block_on(rt, wta_chan_recv(rx), &v);
    LAB_EXPECT(rc == 0 && v == 0, "the queued 0 to be received, got rc %d", rc);
    // A producer of 50 values through one slot must be woken 49 times.
    wta_future_drop(wta_runtime_spawn(rt, producer(tx, 50)));
    int bad = receive_all(rt, rx, 50);
    wta_chan_rx_drop(rx);
    wta_runtime_free(rt);
    return bad;
}

/* Closing: a send with no receiver gets -EPIPE; so does a recv with no senders. */
static int close_both_ways(void)
{
    struct wta_runtime *rt = lab_runtime(2);
    struct wta_chan_tx *tx;
    struct wta_chan_rx *rx;
    wta_chan_new(2, &tx, &rx);
    intptr_t v = 0;
    int rc = wta_block_on(rt, wta_chan_send(tx, 5), NULL);
    LAB_EXPECT(rc == 0, "a send with room to return 0, got %d", rc);
    wta_chan_tx_drop(tx);
    rc = wta_block_on(rt, wta_chan_recv(rx), &v);
    LAB_EXPECT(rc == 0 && v == 5, "a value sent before the close to still arrive, got rc %d", rc);
    rc = wta_block_on(rt, wta_chan_recv(rx), &v);
    LAB_EXPECT(rc == -EPIPE, "recv on a drained channel with no sender to return -EPIPE, got %d",
               rc);
    wta_chan_rx_drop(rx);
    wta_chan_new(2, &tx, &rx);
    wta_chan_rx_drop(rx);
    rc = wta_block_on(rt, wta_chan_send(tx, 1), NULL);
    wta_chan_tx_drop(tx);
    wta_runtime_free(rt);
    LAB_EXPECT(rc == -EPIPE, "send with the receiver gone to return -EPIPE, got %d", rc);
    return 0;
}

const struct lab_scenario lab_scenarios[] = {
    {"values_in_order", values_in_order},
    {"recv_waits_for_send", recv_waits_for_send},
    {"send_waits_when_full", send_waits_when_full},
    {"close_both_ways", close_both_ways},
};
const int lab_nscenarios = sizeof lab_scenarios / sizeof lab_scenarios[0];

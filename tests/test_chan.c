/*
 * test_chan.c - the bounded mpsc channel: delivery under contention, close
 * from either side, end of stream.
 */
#include <CUnit/CUnit.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "suites.h"
#include "test_util.h"

#define PRODUCERS 4
#define PER_PRODUCER 10000
#define SEQ_BITS 20

/* ---- a producer: send PER_PRODUCER values (its number, then a sequence) */

struct producer {
    struct wta_chan_tx *tx;
    struct wta_future *op;
    intptr_t id, i;
};

static int producer_poll(void *st, struct wta_context *cx, intptr_t *out)
{
    struct producer *p = st;
    while (p->i < PER_PRODUCER) {
        if (p->op == NULL)
            p->op = wta_chan_send(p->tx, p->id << SEQ_BITS | p->i);
        int rc = wta_poll(p->op, cx, out);
        if (rc == WTA_PENDING)
            return WTA_PENDING;   // full: the receiver's next recv wakes us
        wta_future_drop(p->op);
        p->op = NULL;
        if (rc != 0)
            return rc;
        p->i++;
    }
    wta_chan_tx_drop(p->tx);      // our part of the stream is over
    p->tx = NULL;
    *out = p->i;
    return 0;
}

static void producer_drop(void *st)
{
    struct producer *p = st;
    wta_future_drop(p->op);
    wta_chan_tx_drop(p->tx);
    free(p);
}

/* ---- the consumer: receive until end of stream, checking each producer's order */

struct consumer {
    struct wta_chan_rx *rx;
    struct wta_future *op;
    intptr_t next[PRODUCERS];
    int total, out_of_order;
};

static int consumer_poll(void *st, struct wta_context *cx, intptr_t *out)
{
    struct consumer *c = st;
    for (;;) {
        if (c->op == NULL)
            c->op = wta_chan_recv(c->rx);
        intptr_t v;
        int rc = wta_poll(c->op, cx, &v);
        if (rc == WTA_PENDING)
            return WTA_PENDING;   // empty: the next send (or the last sender's drop) wakes us
        wta_future_drop(c->op);
        c->op = NULL;
        if (rc == -EPIPE) {       // every sender is gone and the channel is drained
            *out = c->total;
            return 0;
        }
        if (rc != 0)
            return rc;
        intptr_t p = v >> SEQ_BITS, seq = v & ((1 << SEQ_BITS) - 1);
        if (p < 0 || p >= PRODUCERS || seq != c->next[p])
            c->out_of_order++;
        else
            c->next[p]++;
        c->total++;
    }
}

static void consumer_drop(void *st)
{
    struct consumer *c = st;
    wta_future_drop(c->op);
}

/* Do 4 producers on a small channel deliver every message once, in per-producer order? */
static void chan_mpsc_four_producers(void)
{
    char *path = test_trace_path("mpsc");
    struct wta_runtime *rt = test_runtime(4, 0, path);
    struct wta_chan_tx *tx;
    struct consumer c = {0};
    CU_ASSERT_FATAL(wta_chan_new(8, &tx, &c.rx) == 0);
    for (int i = 0; i < PRODUCERS; i++) {
        struct producer *p = calloc(1, sizeof *p);
        p->tx = wta_chan_tx_clone(tx);
        p->id = i;
        wta_future_drop(wta_runtime_spawn(rt, fn_future("producer", producer_poll, p, producer_drop)));
    }
    wta_chan_tx_drop(tx);   // only the producers' clones keep the stream open now
    intptr_t total = 0;
    CU_ASSERT_EQUAL(wta_block_on(rt, fn_future("consumer", consumer_poll, &c, consumer_drop), &total), 0);
    CU_ASSERT_EQUAL(total, PRODUCERS * PER_PRODUCER);
    CU_ASSERT_EQUAL(c.out_of_order, 0);
    for (int i = 0; i < PRODUCERS; i++)
        CU_ASSERT_EQUAL(c.next[i], PER_PRODUCER);
    wta_chan_rx_drop(c.rx);
    wta_runtime_free(rt);
    struct trace tr;
    if (trace_load(path, &tr) == 0) {
        CU_ASSERT_EQUAL(trace_count(&tr, "chan.send"), PRODUCERS * PER_PRODUCER);
        CU_ASSERT_EQUAL(trace_count(&tr, "chan.recv"), PRODUCERS * PER_PRODUCER + 1);  // + the end
        int i = trace_find(&tr, 0, "chan.close", NULL, 0);
        CU_ASSERT(i >= 0 && strcmp(ev_str(tr.ev[i], "side"), "tx") == 0);
        trace_free(&tr);
    }
    unlink(path);
    free(path);
}

/* What does a send get once the receiver is gone? (-EPIPE, also for a sender waiting on a full channel) */
static void chan_send_to_closed(void)
{
    struct wta_runtime *rt = test_runtime(2, 0, NULL);
    struct wta_chan_tx *tx;
    struct wta_chan_rx *rx;
    CU_ASSERT_FATAL(wta_chan_new(1, &tx, &rx) == 0);
    CU_ASSERT_EQUAL(wta_block_on(rt, wta_chan_send(tx, 1), NULL), 0);   // now full
    struct wta_future *waiting = wta_runtime_spawn(rt, wta_chan_send(tx, 2));
    wta_chan_rx_drop(rx);   // before or after the task waits: -EPIPE either way
    CU_ASSERT_EQUAL(wta_block_on(rt, waiting, NULL), -EPIPE);
    CU_ASSERT_EQUAL(wta_block_on(rt, wta_chan_send(tx, 3), NULL), -EPIPE);
    wta_chan_tx_drop(tx);
    wta_runtime_free(rt);
}

/* Does the receiver get every queued value after the last sender went, then end of stream? */
static void chan_end_of_stream(void)
{
    struct wta_runtime *rt = test_runtime(2, 0, NULL);
    struct wta_chan_tx *tx;
    struct wta_chan_rx *rx;
    CU_ASSERT_EQUAL(wta_chan_new(0, &tx, &rx), -EINVAL);
    CU_ASSERT_FATAL(wta_chan_new(4, &tx, &rx) == 0);
    for (intptr_t i = 10; i < 13; i++)
        CU_ASSERT_EQUAL(wta_block_on(rt, wta_chan_send(tx, i), NULL), 0);
    wta_chan_tx_drop(tx);
    for (intptr_t i = 10; i < 13; i++) {
        intptr_t v = 0;
        CU_ASSERT_EQUAL(wta_block_on(rt, wta_chan_recv(rx), &v), 0);
        CU_ASSERT_EQUAL(v, i);
    }
    CU_ASSERT_EQUAL(wta_block_on(rt, wta_chan_recv(rx), NULL), -EPIPE);
    wta_chan_rx_drop(rx);
    wta_runtime_free(rt);
}

/* Do channel events name the task that caused them (0: main)? */
static void chan_events_carry_task(void)
{
    char *path = test_trace_path("chan_task");
    struct wta_runtime *rt = test_runtime(2, 0, path);
    struct wta_chan_tx *tx;
    struct wta_chan_rx *rx;
    CU_ASSERT_FATAL(wta_chan_new(1, &tx, &rx) == 0);
    struct wta_future *sender = wta_runtime_spawn(rt, wta_chan_send(tx, 7));
    intptr_t v = 0;
    CU_ASSERT_EQUAL(wta_block_on(rt, wta_chan_recv(rx), &v), 0);
    CU_ASSERT_EQUAL(v, 7);
    CU_ASSERT_EQUAL(wta_block_on(rt, sender, NULL), 0);
    wta_chan_tx_drop(tx);
    wta_chan_rx_drop(rx);
    wta_runtime_free(rt);
    struct trace tr;
    if (trace_load(path, &tr) == 0) {
        int s = trace_find(&tr, 0, "task.spawn", NULL, 0);
        int send = trace_find(&tr, 0, "chan.send", NULL, 0);
        int recv = trace_find(&tr, 0, "chan.recv", NULL, 0);
        CU_ASSERT_FATAL(s >= 0 && send >= 0 && recv >= 0);
        CU_ASSERT_EQUAL(ev_int(tr.ev[send], "task"), ev_int(tr.ev[s], "task"));
        CU_ASSERT_EQUAL(ev_int(tr.ev[recv], "task"), 0);
        trace_free(&tr);
    }
    unlink(path);
    free(path);
}

void suite_chan(void)
{
    CU_pSuite s = CU_add_suite("chan", NULL, NULL);
    CU_add_test(s, "chan_mpsc_four_producers", chan_mpsc_four_producers);
    CU_add_test(s, "chan_send_to_closed", chan_send_to_closed);
    CU_add_test(s, "chan_end_of_stream", chan_end_of_stream);
    CU_add_test(s, "chan_events_carry_task", chan_events_carry_task);
}

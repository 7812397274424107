/*
 * bench_chan.c - the mpsc workloads: tasks waking tasks through channels.
 *
 * ping_pong_mpsc: `pairs` pairs each bounce one value over two bounded(1)
 * channels, `rounds` times: a send and a recv on each side per op, each
 * of which may park the task until the other side moves.
 *
 * mpsc_contention: 5 producers share one bounded(100) channel and wait
 * when it is full; block_on's future drains it until every sender is gone.
 *
 * Channel futures are heap objects here (the API's futures all are), so
 * each send or recv costs a malloc + free that tokio's in-place futures do
 * not: about 10 ns each on these machines (BENCH.md's floors).
 */
#include <errno.h>
#include <stdlib.h>

#include "bench.h"

/* ---------------------------------------------------------------- ping_pong_mpsc */

enum { MAX_PAIRS = 4 };

/* echo: while v = recv(a): send(b, v + 1). Ends when a's sender is gone. */
struct echo {
    struct wta_future base;
    struct wta_chan_rx *a;
    struct wta_chan_tx *b;
    struct wta_future *op;   /* the recv or send being awaited */
    bool sending;
    intptr_t v;
};

static int echo_poll(struct wta_future *self, struct wta_context *cx, intptr_t *out)
{
    struct echo *e = (struct echo *)self;
    for (;;) {
        if (e->op == NULL)
            e->op = e->sending ? wta_chan_send(e->b, e->v + 1) : wta_chan_recv(e->a);
        intptr_t v;
        int rc = bench_await(&e->op, cx, &v);
        if (rc == WTA_PENDING)
            return WTA_PENDING;   // the pinger's send (or recv, freeing room) wakes us
        if (rc < 0) {             // -EPIPE: the pinger is done
            *out = 0;
            return WTA_READY;
        }
        if (!e->sending)
            e->v = v;
        e->sending = !e->sending;
    }
}

static void echo_drop(struct wta_future *self)
{
    struct echo *e = (struct echo *)self;
    wta_future_drop(e->op);   // before the ends it borrows
    wta_chan_rx_drop(e->a);
    wta_chan_tx_drop(e->b);
    free(e);
}

static const struct wta_future_vt echo_vt = {"echo", echo_poll, echo_drop};

/* pinger: v = 0; rounds x (send(a, v); v = recv(b)); output v (== rounds). */
struct pinger {
    struct wta_future base;
    struct wta_chan_tx *a;
    struct wta_chan_rx *b;
    struct wta_future *op;
    bool receiving;
    int round, rounds;
    intptr_t v;
};

static int pinger_poll(struct wta_future *self, struct wta_context *cx, intptr_t *out)
{
    struct pinger *p = (struct pinger *)self;
    while (p->round < p->rounds) {
        if (p->op == NULL)
            p->op = p->receiving ? wta_chan_recv(p->b) : wta_chan_send(p->a, p->v);
        intptr_t v;
        int rc = bench_await(&p->op, cx, &v);
        if (rc == WTA_PENDING)
            return WTA_PENDING;   // echo's send (or recv) wakes us
        if (rc < 0)
            return rc;
        if (p->receiving) {
            p->v = v;
            p->round++;
        }
        p->receiving = !p->receiving;
    }
    wta_chan_tx_drop(p->a);   // echo's recv now ends: it finishes too
    p->a = NULL;
    *out = p->v;
    return WTA_READY;
}

static void pinger_drop(struct wta_future *self)
{
    struct pinger *p = (struct pinger *)self;
    wta_future_drop(p->op);
    wta_chan_tx_drop(p->a);
    wta_chan_rx_drop(p->b);
    free(p);
}

static const struct wta_future_vt pinger_vt = {"pinger", pinger_poll, pinger_drop};

/* block_on's future, on the stack: start every pair, await the pingers. */
struct ppm_main {
    struct wta_future base;
    int pairs, rounds;
    struct wta_future *all;   /* join_all over the pingers' handles */
};

static int ppm_main_poll(struct wta_future *self, struct wta_context *cx, intptr_t *out)
{
    struct ppm_main *m = (struct ppm_main *)self;
    if (m->all == NULL) {
        struct wta_future **hs = malloc(MAX_PAIRS * sizeof *hs);
        for (int i = 0; i < m->pairs; i++) {
            struct echo *e = calloc(1, sizeof *e);
            struct pinger *p = calloc(1, sizeof *p);
            if (hs == NULL || e == NULL || p == NULL || wta_chan_new(1, &p->a, &e->a) != 0 ||
                wta_chan_new(1, &e->b, &p->b) != 0)
                abort();
            e->base.vt = &echo_vt;
            p->base.vt = &pinger_vt;
            p->rounds = m->rounds;
            wta_future_drop(wta_spawn(&e->base));   // detached: ends with its pinger
            if ((hs[i] = wta_spawn(&p->base)) == NULL)
                abort();
        }
        m->all = bench_join_all_new(hs, m->pairs);
    }
    return wta_poll(m->all, cx, out);   // PENDING: a pinger's end wakes us
}

static void ppm_main_drop(struct wta_future *self)
{
    struct ppm_main *m = (struct ppm_main *)self;
    wta_future_drop(m->all);
    m->all = NULL;
}

static const struct wta_future_vt ppm_main_vt = {"ping_pong_mpsc_main", ppm_main_poll,
                                                 ppm_main_drop};

static uint64_t ping_pong_mpsc_rep(struct bench *b, void *arg)
{
    int pairs = *(int *)arg;
    struct ppm_main m = {.base = {&ppm_main_vt}, .pairs = pairs,
                         .rounds = (int)b->ops / pairs};
    uint64_t t0 = bench_now_ns();
    intptr_t sum = bench_block_on(b, &m.base);
    uint64_t ns = bench_now_ns() - t0;
    if (sum != (intptr_t)b->ops)   // each pinger returns `rounds`
        bench_fail(b, "pingers returned %ld in all, expected %llu", (long)sum,
                   (unsigned long long)b->ops);
    return ns;
}

void bench_ping_pong_mpsc(const struct bench_opts *opt)
{
    int rounds = opt->quick ? 1000 : 10000;
    static const int pairs[] = {1, MAX_PAIRS};
    for (int i = 0; i < 2; i++)
        bench_run(opt, "ping_pong_mpsc", (uint64_t)pairs[i] * rounds, ping_pong_mpsc_rep,
                  (void *)&pairs[i], "pairs=%d rounds=%d", pairs[i], rounds);
}

/* ---------------------------------------------------------------- mpsc_contention */

enum { PRODUCERS = 5, MSGS = 1000, CAP = 100 };

/* Sends 0..MSGS-1 on its own sender, waiting while the channel is full. */
struct producer {
    struct wta_future base;
    struct wta_chan_tx *tx;
    struct wta_future *op;
    int i;
};

static int producer_poll(struct wta_future *self, struct wta_context *cx, intptr_t *out)
{
    struct producer *p = (struct producer *)self;
    for (; p->i < MSGS; p->i++) {
        if (p->op == NULL)
            p->op = wta_chan_send(p->tx, p->i);
        int rc = bench_await(&p->op, cx, NULL);
        if (rc == WTA_PENDING)
            return WTA_PENDING;   // the receiver's recv makes room and wakes us
        if (rc < 0)
            return rc;
    }
    wta_chan_tx_drop(p->tx);   // the last one gone ends the receiver's loop
    p->tx = NULL;
    *out = 0;
    return WTA_READY;
}

static void producer_drop(struct wta_future *self)
{
    struct producer *p = (struct producer *)self;
    wta_future_drop(p->op);
    wta_chan_tx_drop(p->tx);
    free(p);
}

static const struct wta_future_vt producer_vt = {"producer", producer_poll, producer_drop};

/* block_on's future, on the stack: spawn the producers, drain the channel. */
struct mc_main {
    struct wta_future base;
    struct wta_chan_rx *rx;
    struct wta_future *op;
    intptr_t n, sum;
};

static int mc_main_poll(struct wta_future *self, struct wta_context *cx, intptr_t *out)
{
    struct mc_main *m = (struct mc_main *)self;
    if (m->rx == NULL) {
        struct wta_chan_tx *tx;
        if (wta_chan_new(CAP, &tx, &m->rx) != 0)
            abort();
        for (int i = 0; i < PRODUCERS; i++) {
            struct producer *p = calloc(1, sizeof *p);
            if (p == NULL || (p->tx = wta_chan_tx_clone(tx)) == NULL)
                abort();
            p->base.vt = &producer_vt;
            wta_future_drop(wta_spawn(&p->base));   // detached, like tokio's
        }
        wta_chan_tx_drop(tx);
    }
    for (;;) {
        if (m->op == NULL)
            m->op = wta_chan_recv(m->rx);
        intptr_t v;
        int rc = bench_await(&m->op, cx, &v);
        if (rc == WTA_PENDING)
            return WTA_PENDING;   // a producer's send wakes us
        if (rc == -EPIPE)
            break;                // every sender is gone and the queue is empty
        if (rc < 0)
            return rc;
        m->n++;
        m->sum += v;
    }
    *out = m->n;
    return WTA_READY;
}

static void mc_main_drop(struct wta_future *self)
{
    struct mc_main *m = (struct mc_main *)self;
    wta_future_drop(m->op);
    wta_chan_rx_drop(m->rx);
    m->op = NULL;
    m->rx = NULL;
}

static const struct wta_future_vt mc_main_vt = {"mpsc_contention_main", mc_main_poll,
                                                mc_main_drop};

static uint64_t mpsc_contention_rep(struct bench *b, void *arg)
{
    (void)arg;
    struct mc_main m = {.base = {&mc_main_vt}};
    uint64_t t0 = bench_now_ns();
    intptr_t n = bench_block_on(b, &m.base);
    uint64_t ns = bench_now_ns() - t0;
    intptr_t want_sum = (intptr_t)PRODUCERS * MSGS * (MSGS - 1) / 2;
    if (n != PRODUCERS * MSGS || m.sum != want_sum)
        bench_fail(b, "received %ld values summing to %ld, expected %d summing to %ld",
                   (long)n, (long)m.sum, PRODUCERS * MSGS, (long)want_sum);
    return ns;
}

void bench_mpsc_contention(const struct bench_opts *opt)
{
    bench_run(opt, "mpsc_contention", PRODUCERS * MSGS, mpsc_contention_rep, NULL,
              "producers=%d msgs=%d cap=%d", PRODUCERS, MSGS, CAP);
}

/*
 * pipeline.c - three stages joined by channels, with the slow work off the workers.
 *
 * Build and run it against the installed library (after `make install`):
 *
 *     $ cc -o pipeline pipeline.c $(pkg-config --cflags --libs wta)
 *     $ ./pipeline
 *
 *     producer --numbers--> counter --counts--> main
 *
 * The producer task sends 1..N into a bounded channel (it waits when the
 * channel is full: back-pressure). The counter task takes each n and counts
 * the primes below n * 10000 with wta_spawn_blocking, so the CPU-heavy loop
 * runs on a blocking thread and never stalls a worker; it sends each count
 * on. Main sums the counts. When the producer is done it drops its sender;
 * the counter sees the end of the stream (-EPIPE), drops its own sender,
 * and main sees the end in turn: closing flows down the pipe.
 *
 * Try: WTA_TRACE=pipe.jsonl ./pipeline, then wta-trace stats pipe.jsonl
 * (the blocking jobs show on their own blocking-K threads).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <wta.h>

#define N   8   /* numbers through the pipe */
#define CAP 2   /* channel capacity: the producer waits when 2 are queued */

/* ---- the blocking job: primes below n, by trial division */

static intptr_t count_primes(void *arg)
{
    intptr_t below = (intptr_t)arg, count = 0;
    for (intptr_t k = 2; k < below; k++) {
        intptr_t d = 2;
        while (d * d <= k && k % d != 0)
            d++;
        count += d * d > k;
    }
    return count;
}

/* ---- the producer: send 1..N, then hang up */

struct producer {
    struct wta_future base;
    struct wta_chan_tx *tx;
    struct wta_future *send;
    intptr_t next;
};

static int producer_poll(struct wta_future *self, struct wta_context *cx, intptr_t *out)
{
    struct producer *p = (struct producer *)self;
    int rc;
    while (p->next <= N) {
        if (p->send == NULL)
            p->send = wta_chan_send(p->tx, p->next);
        WTA_AWAIT(rc, p->send, cx, NULL);   // full: the counter's recv makes room and wakes us
        wta_future_drop(p->send);
        p->send = NULL;
        if (rc < 0)
            return rc;
        p->next++;
    }
    wta_chan_tx_drop(p->tx);   // end of stream for the counter
    p->tx = NULL;
    *out = N;
    return 0;
}

static void producer_drop(struct wta_future *self)
{
    struct producer *p = (struct producer *)self;
    wta_future_drop(p->send);
    wta_chan_tx_drop(p->tx);
    free(p);
}

static const struct wta_future_vt producer_vt = {"producer", producer_poll, producer_drop};

/* ---- the counter: receive n, count on a blocking thread, send the count on */

struct counter {
    struct wta_future base;
    int step;
    struct wta_chan_rx *rx;
    struct wta_chan_tx *tx;
    struct wta_future *op;   /* the recv, the blocking job, or the send */
    intptr_t n, count;
};

static int counter_poll(struct wta_future *self, struct wta_context *cx, intptr_t *out)
{
    struct counter *c = (struct counter *)self;
    int rc;
    for (;;) {
        switch (c->step) {
        case 0:   // next number
            if (c->op == NULL)
                c->op = wta_chan_recv(c->rx);
            WTA_AWAIT(rc, c->op, cx, &c->n);   // the producer's send wakes us
            break;
        case 1:   // count its primes, off the workers
            if (c->op == NULL)
                c->op = wta_spawn_blocking(count_primes, (void *)(c->n * 10000));
            WTA_AWAIT(rc, c->op, cx, &c->count);   // the blocking thread wakes us when done
            break;
        case 2:   // pass the count on
            if (c->op == NULL)
                c->op = wta_chan_send(c->tx, c->count);
            WTA_AWAIT(rc, c->op, cx, NULL);   // full: main's recv wakes us
            break;
        default:
            return -EINVAL;
        }
        wta_future_drop(c->op);
        c->op = NULL;
        if (rc == -EPIPE && c->step == 0) {   // the producer hung up: so do we
            wta_chan_tx_drop(c->tx);
            c->tx = NULL;
            *out = 0;
            return 0;
        }
        if (rc < 0)
            return rc;
        if (c->step == 1)
            printf("counter: %2ld -> %5ld primes below %ld\n", (long)c->n, (long)c->count,
                   (long)c->n * 10000);
        c->step = (c->step + 1) % 3;
    }
}

static void counter_drop(struct wta_future *self)
{
    struct counter *c = (struct counter *)self;
    wta_future_drop(c->op);
    wta_chan_rx_drop(c->rx);
    wta_chan_tx_drop(c->tx);
    free(c);
}

static const struct wta_future_vt counter_vt = {"counter", counter_poll, counter_drop};

/* ---- main: build the pipe, sum what comes out of it */

struct pipe_main {
    struct wta_future base;
    struct wta_chan_rx *rx;   /* NULL until the pipe is built */
    struct wta_future *recv, *tasks[2];
    intptr_t sum, got;
};

static int main_poll(struct wta_future *self, struct wta_context *cx, intptr_t *out)
{
    struct pipe_main *m = (struct pipe_main *)self;
    int rc;
    if (m->rx == NULL) {
        struct producer *p = calloc(1, sizeof *p);
        struct counter *c = calloc(1, sizeof *c);
        p->base.vt = &producer_vt;
        c->base.vt = &counter_vt;
        p->next = 1;
        if ((rc = wta_chan_new(CAP, &p->tx, &c->rx)) < 0 ||
            (rc = wta_chan_new(CAP, &c->tx, &m->rx)) < 0) {
            producer_drop(&p->base);
            counter_drop(&c->base);
            return rc;
        }
        m->tasks[0] = wta_spawn(&p->base);
        m->tasks[1] = wta_spawn(&c->base);
    }
    for (;;) {
        if (m->recv == NULL)
            m->recv = wta_chan_recv(m->rx);
        intptr_t count;
        WTA_AWAIT(rc, m->recv, cx, &count);   // the counter's send wakes us
        wta_future_drop(m->recv);
        m->recv = NULL;
        if (rc == -EPIPE)   // the counter hung up: every count is in
            break;
        if (rc < 0)
            return rc;
        m->sum += count;
        m->got++;
    }
    printf("main: %ld counts, %ld primes in all\n", (long)m->got, (long)m->sum);
    *out = m->sum;
    return 0;
}

static void main_drop(struct wta_future *self)
{
    struct pipe_main *m = (struct pipe_main *)self;
    wta_future_drop(m->recv);
    wta_chan_rx_drop(m->rx);
    wta_future_drop(m->tasks[0]);   // detaches each task (done, or finishing)
    wta_future_drop(m->tasks[1]);
    free(m);
}

static const struct wta_future_vt main_vt = {"pipeline_main", main_poll, main_drop};

int main(void)
{
    struct wta_runtime *rt = wta_runtime_new(NULL);   // WTA_WORKERS, WTA_TRACE, ... apply
    if (rt == NULL) {
        perror("pipeline: cannot start the runtime");
        return 1;
    }
    struct pipe_main *m = calloc(1, sizeof *m);
    m->base.vt = &main_vt;
    intptr_t sum;
    int rc = wta_block_on(rt, &m->base, &sum);
    wta_runtime_free(rt);
    if (rc < 0) {
        fprintf(stderr, "pipeline: %s\n", wta_strerror(rc));
        return 1;
    }
    return 0;
}

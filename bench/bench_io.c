/*
 * bench_io.c - the workload that waits on sockets: tcp_echo (the timer
 * workloads are in bench_timer.c).
 *
 * tcp_echo: an echo server and its clients in one runtime, over
 * 127.0.0.1 with TCP_NODELAY on both ends. The accept task is started
 * once (untimed) and knows how many connections the whole workload makes:
 * it accepts them all, awaits their echo tasks (each ends when its client
 * closes), then closes the listener, so every socket is closed before the
 * runtime is freed. One op is one 64-byte round trip; with several
 * clients the round trips of all clients count together.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bench.h"

/* ---------------------------------------------------------------- tcp_echo */

enum { ECHO_BYTES = 64, MAX_CLIENTS = 8 };

/* Server side of one connection: loop { read exactly 64; write 64 }. */
struct echo_conn {
    struct wta_future base;
    struct wta_tcp_stream *s;
    struct wta_future *op;
    bool writing;
    char buf[ECHO_BYTES];
};

static int echo_conn_poll(struct wta_future *self, struct wta_context *cx, intptr_t *out)
{
    struct echo_conn *c = (struct echo_conn *)self;
    for (;;) {
        if (c->op == NULL)
            c->op = c->writing ? wta_tcp_write_all(c->s, c->buf, ECHO_BYTES)
                               : wta_tcp_read_exact(c->s, c->buf, ECHO_BYTES);
        int rc = bench_await(&c->op, cx, NULL);
        if (rc == WTA_PENDING)
            return WTA_PENDING;   // the reactor wakes us when the socket is ready
        if (rc < 0)
            break;                // -EPIPE: the client closed; we are done
        c->writing = !c->writing;
    }
    wta_tcp_close(c->s);
    c->s = NULL;
    *out = 1;
    return WTA_READY;
}

static void echo_conn_drop(struct wta_future *self)
{
    struct echo_conn *c = (struct echo_conn *)self;
    wta_future_drop(c->op);   // before the socket it borrows
    wta_tcp_close(c->s);
    free(c);
}

static const struct wta_future_vt echo_conn_vt = {"echo_conn", echo_conn_poll, echo_conn_drop};

/* Accepts `total` connections, spawning an echo_conn for each; awaits them
 * all, then closes the listener. Output: connections served. */
struct acceptor {
    struct wta_future base;
    struct wta_tcp_listener *l;
    int total, accepted;
    struct wta_future **hs;   /* [total] echo_conn handles */
    struct wta_future *op;    /* accept, then join_all */
};

static int acceptor_poll(struct wta_future *self, struct wta_context *cx, intptr_t *out)
{
    struct acceptor *a = (struct acceptor *)self;
    while (a->accepted < a->total) {
        if (a->op == NULL)
            a->op = wta_tcp_accept(a->l);
        intptr_t s;
        int rc = bench_await(&a->op, cx, &s);
        if (rc == WTA_PENDING)
            return WTA_PENDING;   // the reactor wakes us on a new connection
        if (rc < 0)
            return rc;
        struct echo_conn *c = calloc(1, sizeof *c);
        if (c == NULL)
            abort();
        c->base.vt = &echo_conn_vt;
        c->s = (struct wta_tcp_stream *)s;
        if (wta_tcp_set_nodelay(c->s, true) != 0)
            abort();
        if ((a->hs[a->accepted++] = wta_spawn(&c->base)) == NULL)
            abort();
        if (a->accepted == a->total) {
            a->op = bench_join_all_new(a->hs, a->total);   // takes hs
            a->hs = NULL;
        }
    }
    int rc = bench_await(&a->op, cx, out);
    if (rc == WTA_PENDING)
        return WTA_PENDING;   // the last echo_conn's end wakes us
    wta_tcp_listener_close(a->l);
    a->l = NULL;
    return rc;
}

static void acceptor_drop(struct wta_future *self)
{
    struct acceptor *a = (struct acceptor *)self;
    wta_future_drop(a->op);
    for (int i = 0; a->hs != NULL && i < a->accepted; i++)
        wta_future_drop(a->hs[i]);
    free(a->hs);
    wta_tcp_listener_close(a->l);
    free(a);
}

static const struct wta_future_vt acceptor_vt = {"acceptor", acceptor_poll, acceptor_drop};

/* Client c: connect, then rounds x (write 64 B; read exactly 64 B). */
struct client {
    struct wta_future base;
    uint16_t port;
    int c, round, rounds, step;   /* step: 0 connect, 1 write, 2 read */
    struct wta_tcp_stream *s;
    struct wta_future *op;
    char out[ECHO_BYTES], in[ECHO_BYTES];
};

static int client_poll(struct wta_future *self, struct wta_context *cx, intptr_t *out)
{
    struct client *k = (struct client *)self;
    while (k->round < k->rounds) {
        if (k->op == NULL) {
            if (k->step == 0)
                k->op = wta_tcp_connect("127.0.0.1", k->port);
            else if (k->step == 1)
                k->op = wta_tcp_write_all(k->s, k->out, ECHO_BYTES);
            else
                k->op = wta_tcp_read_exact(k->s, k->in, ECHO_BYTES);
        }
        intptr_t v;
        int rc = bench_await(&k->op, cx, &v);
        if (rc == WTA_PENDING)
            return WTA_PENDING;   // the reactor wakes us when the socket is ready
        if (rc < 0)
            return rc;
        if (k->step == 0) {
            k->s = (struct wta_tcp_stream *)v;
            if (wta_tcp_set_nodelay(k->s, true) != 0)
                return -EIO;
        } else if (k->step == 2) {
            if (memcmp(k->in, k->out, ECHO_BYTES) != 0)
                return -EBADMSG;   // the echo is not what we sent
            k->round++;
            memset(k->out, 'a' + (k->c + k->round) % 26, ECHO_BYTES);
        }
        k->step = k->step == 1 ? 2 : 1;
    }
    wta_tcp_close(k->s);   // the server's read sees the end and its task ends
    k->s = NULL;
    *out = k->rounds;
    return WTA_READY;
}

static void client_drop(struct wta_future *self)
{
    struct client *k = (struct client *)self;
    wta_future_drop(k->op);
    wta_tcp_close(k->s);
    free(k);
}

static const struct wta_future_vt client_vt = {"client", client_poll, client_drop};

/* block_on's future (setup): listen, spawn the acceptor. Output: the port. */
struct listen_fut {
    struct wta_future base;
    int total;
    struct wta_future *acceptor;   /* out: the acceptor's JoinHandle */
};

static int listen_poll(struct wta_future *self, struct wta_context *cx, intptr_t *out)
{
    (void)cx;
    struct listen_fut *lf = (struct listen_fut *)self;
    struct acceptor *a = calloc(1, sizeof *a);
    if (a == NULL || (a->hs = calloc((size_t)lf->total, sizeof *a->hs)) == NULL)
        abort();
    a->base.vt = &acceptor_vt;
    a->total = lf->total;
    int rc = wta_tcp_listen("127.0.0.1", 0, &a->l);
    if (rc != 0) {
        free(a->hs);
        free(a);
        return rc;
    }
    *out = wta_tcp_listener_port(a->l);
    lf->acceptor = wta_spawn(&a->base);
    return lf->acceptor != NULL ? WTA_READY : -ENOMEM;
}

static const struct wta_future_vt listen_vt = {"listen", listen_poll, bench_stack_drop};

struct tcp_echo_arg {
    int clients, rounds;
    uint16_t port;
};

static uint64_t tcp_echo_rep(struct bench *b, void *arg)
{
    struct tcp_echo_arg *e = arg;
    uint64_t t0 = bench_now_ns();
    struct wta_future **hs = malloc(MAX_CLIENTS * sizeof *hs);
    if (hs == NULL)
        abort();
    for (int i = 0; i < e->clients; i++) {
        struct client *k = calloc(1, sizeof *k);
        if (k == NULL)
            abort();
        k->base.vt = &client_vt;
        k->port = e->port;
        k->c = i;
        k->rounds = e->rounds;
        k->step = 0;
        memset(k->out, 'a' + i % 26, ECHO_BYTES);
        if ((hs[i] = wta_runtime_spawn(b->rt, &k->base)) == NULL)
            abort();
    }
    intptr_t rounds = bench_block_on(b, bench_join_all_new(hs, e->clients));
    uint64_t ns = bench_now_ns() - t0;
    if (rounds != (intptr_t)b->ops)
        bench_fail(b, "clients made %ld round trips, expected %llu", (long)rounds,
                   (unsigned long long)b->ops);
    return ns;
}

static void tcp_echo(const struct bench_opts *opt, int clients, int rounds)
{
    struct bench b;
    struct tcp_echo_arg e = {.clients = clients, .rounds = rounds};
    bench_start(&b, opt, "tcp_echo", -1, (uint64_t)clients * rounds,
                "clients=%d rounds=%d bytes=%d", clients, rounds, ECHO_BYTES);
    // Untimed setup: the listener and the acceptor.
    struct listen_fut lf = {.base = {&listen_vt}, .total = clients * (opt->reps + 1)};
    e.port = (uint16_t)bench_block_on(&b, &lf.base);
    bench_reps(&b, tcp_echo_rep, &e);
    // Untimed teardown: every connection closed, then the listener.
    intptr_t served = bench_block_on(&b, lf.acceptor);
    if (served != lf.total)
        bench_fail(&b, "the server saw %ld connections end, expected %d", (long)served,
                   lf.total);
    bench_finish(&b);
}

void bench_tcp_echo(const struct bench_opts *opt)
{
    tcp_echo(opt, 1, opt->quick ? 500 : 10000);
    tcp_echo(opt, MAX_CLIENTS, opt->quick ? 500 : 2000);
}

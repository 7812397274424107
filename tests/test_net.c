/*
 * test_net.c - TCP on loopback: an echo server under load, refused
 * connects, partial writes, and a stream that ends early.
 *
 * The echo client is written with WTA_AWAIT, the server's handler without
 * it, so both spellings of a state machine are exercised.
 */
#include <CUnit/CUnit.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

#include "suites.h"
#include "test_util.h"

#define CLIENTS 100
#define MSGS    100
#define MSG_LEN 64

static struct wta_tcp_stream *as_stream(intptr_t v) { return (struct wta_tcp_stream *)v; }

/* ---- the echo server: accept CLIENTS connections, echo each until EOF */

struct handler {
    struct wta_tcp_stream *s;
    struct wta_future *op;
    bool writing;
    char buf[256];
    size_t n;                      /* bytes read, to write back */
    intptr_t echoed;
};

static int handler_poll(void *st, struct wta_context *cx, intptr_t *out)
{
    struct handler *h = st;
    for (;;) {
        if (h->op == NULL)
            h->op = h->writing ? wta_tcp_write_all(h->s, h->buf, h->n)
                               : wta_tcp_read(h->s, h->buf, sizeof h->buf);
        int rc = wta_poll(h->op, cx, out);
        if (rc == WTA_PENDING)
            return WTA_PENDING;    // the reactor wakes us when the socket is ready
        wta_future_drop(h->op);
        h->op = NULL;
        if (rc != 0)
            return rc;
        if (!h->writing && *out == 0) {
            *out = h->echoed;      // the client closed: done
            return 0;
        }
        if (h->writing)
            h->echoed += *out;
        else
            h->n = (size_t)*out;
        h->writing = !h->writing;
    }
}

static void handler_drop(void *st)
{
    struct handler *h = st;
    wta_future_drop(h->op);
    wta_tcp_close(h->s);
    free(h);
}

struct server {
    struct wta_tcp_listener *l;
    struct wta_future *op;
    struct wta_future *handles[CLIENTS];
    int accepted;
    intptr_t *echoed;              /* [CLIENTS], the test's: bytes each handler echoed */
};

static int server_poll(void *st, struct wta_context *cx, intptr_t *out)
{
    struct server *sv = st;
    int rc;
    intptr_t v;
    while (sv->accepted < CLIENTS) {
        if (sv->op == NULL)
            sv->op = wta_tcp_accept(sv->l);
        WTA_AWAIT(rc, sv->op, cx, &v);
        wta_future_drop(sv->op);
        sv->op = NULL;
        if (rc != 0)
            return rc;
        struct handler *h = calloc(1, sizeof *h);
        h->s = as_stream(v);
        sv->handles[sv->accepted++] = wta_spawn(fn_future("echo", handler_poll, h, handler_drop));
        if (sv->accepted == CLIENTS)   // now wait for every handler
            sv->op = wta_join_all(sv->handles, CLIENTS, NULL, sv->echoed);
    }
    WTA_AWAIT(rc, sv->op, cx, out);
    return rc;
}

static void server_drop(void *st)
{
    struct server *sv = st;
    wta_future_drop(sv->op);
    free(sv);
}

/* ---- a client: connect, then MSGS times write 64 bytes and read them back */

enum { C_CONNECT, C_WRITE, C_READ };

struct client {
    int id, i, step, ok;
    uint16_t port;
    struct wta_tcp_stream *s;
    struct wta_future *op;
    char sent[MSG_LEN], got[MSG_LEN];
};

static int client_poll(void *st, struct wta_context *cx, intptr_t *out)
{
    struct client *c = st;
    int rc;
    intptr_t v;
    for (;;) {
        switch (c->step) {
        case C_CONNECT:
            if (c->op == NULL)
                c->op = wta_tcp_connect("127.0.0.1", c->port);
            WTA_AWAIT(rc, c->op, cx, &v);
            c->s = rc == 0 ? as_stream(v) : NULL;
            c->step = C_WRITE;
            break;
        case C_WRITE:   // every byte says which client and which message it is
            if (c->op == NULL) {
                for (int k = 0; k < MSG_LEN; k++)
                    c->sent[k] = (char)(c->id * 31 + c->i * 7 + k);
                c->op = wta_tcp_write_all(c->s, c->sent, MSG_LEN);
            }
            WTA_AWAIT(rc, c->op, cx, &v);
            c->step = C_READ;
            break;
        case C_READ:
            if (c->op == NULL)
                c->op = wta_tcp_read_exact(c->s, c->got, MSG_LEN);
            WTA_AWAIT(rc, c->op, cx, &v);
            c->ok += rc == 0 && memcmp(c->sent, c->got, MSG_LEN) == 0;
            c->i++;
            c->step = C_WRITE;
            break;
        }
        wta_future_drop(c->op);
        c->op = NULL;
        if (rc != 0)
            return rc;
        if (c->i == MSGS) {
            *out = c->ok;
            return 0;
        }
    }
}

static void client_drop(void *st)
{
    struct client *c = st;
    wta_future_drop(c->op);
    wta_tcp_close(c->s);   // the handler reads EOF and finishes
    free(c);
}

/* Do 100 concurrent clients x 100 messages all come back, every byte intact?
 * And does its trace, a correct program's, lint clean? */
static void net_echo_100_clients(void)
{
    char *path = test_trace_path("echo");
    struct wta_runtime *rt = test_runtime(4, 0, path);
    struct wta_tcp_listener *l;
    CU_ASSERT_FATAL(wta_tcp_listen("127.0.0.1", 0, &l) == 0);
    CU_ASSERT(wta_tcp_listener_port(l) != 0);
    intptr_t echoed[CLIENTS] = {0};
    struct server *sv = calloc(1, sizeof *sv);   // the server task frees it
    sv->l = l;
    sv->echoed = echoed;
    struct wta_future *tasks[CLIENTS + 1];
    tasks[0] = wta_runtime_spawn(rt, fn_future("server", server_poll, sv, server_drop));
    for (int i = 0; i < CLIENTS; i++) {
        struct client *c = calloc(1, sizeof *c);
        c->id = i;
        c->port = wta_tcp_listener_port(l);
        tasks[i + 1] = wta_runtime_spawn(rt, fn_future("client", client_poll, c, client_drop));
    }
    int results[CLIENTS + 1];
    intptr_t outs[CLIENTS + 1];
    CU_ASSERT_EQUAL(wta_block_on(rt, wta_join_all(tasks, CLIENTS + 1, results, outs), NULL), 0);
    int ok = 0;
    for (int i = 1; i <= CLIENTS; i++)
        ok += results[i] == 0 ? (int)outs[i] : 0;
    CU_ASSERT_EQUAL(results[0], 0);
    CU_ASSERT_EQUAL(outs[0], CLIENTS);
    CU_ASSERT_EQUAL(ok, CLIENTS * MSGS);
    intptr_t total = 0;
    for (int i = 0; i < CLIENTS; i++)
        total += echoed[i];
    CU_ASSERT_EQUAL(total, CLIENTS * MSGS * MSG_LEN);
    wta_tcp_listener_close(l);
    wta_runtime_free(rt);
    if (lint_trace_clean(path) == 0)
        unlink(path);
    free(path);
}

/* What does a connect to a port nobody listens on give? (-ECONNREFUSED, traced) */
static void net_connect_refused(void)
{
    char *path = test_trace_path("connect_refused");
    struct wta_runtime *rt = test_runtime(2, 0, path);
    struct wta_tcp_listener *l;
    CU_ASSERT_FATAL(wta_tcp_listen("127.0.0.1", 0, &l) == 0);
    uint16_t port = wta_tcp_listener_port(l);
    wta_tcp_listener_close(l);   // the port is free again: nobody listens
    CU_ASSERT_EQUAL(wta_block_on(rt, wta_tcp_connect("127.0.0.1", port), NULL), -ECONNREFUSED);
    CU_ASSERT_EQUAL(wta_block_on(rt, wta_tcp_connect("::1", port), NULL), -ECONNREFUSED);
    CU_ASSERT_PTR_NULL(wta_tcp_connect("localhost", port));   // numeric addresses only
    wta_runtime_free(rt);
    struct trace tr;
    if (trace_load(path, &tr) == 0) {
        int i = trace_find(&tr, 0, "io.op", "result", -ECONNREFUSED);
        CU_ASSERT(i >= 0 && strcmp(ev_str(tr.ev[i], "op"), "connect") == 0);
        trace_free(&tr);
    }
    unlink(path);
    free(path);
}

/* A connected pair on loopback, made with one join_all of accept and connect. */
static void make_pair(struct wta_runtime *rt, struct wta_tcp_stream **a, struct wta_tcp_stream **b)
{
    struct wta_tcp_listener *l;
    CU_ASSERT_FATAL(wta_tcp_listen("127.0.0.1", 0, &l) == 0);
    struct wta_future *v[2] = {wta_tcp_accept(l), wta_tcp_connect(NULL, wta_tcp_listener_port(l))};
    intptr_t outs[2] = {0, 0};
    CU_ASSERT_FATAL(wta_block_on(rt, wta_join_all(v, 2, NULL, outs), NULL) == 0);
    wta_tcp_listener_close(l);
    *a = as_stream(outs[0]);
    *b = as_stream(outs[1]);
    CU_ASSERT_EQUAL(wta_tcp_set_nodelay(*b, true), 0);
}

/* How many io.op events of op there are (only those that said EAGAIN, with eagain). */
static int count_ops(const struct trace *tr, const char *op, bool eagain)
{
    int n = 0;
    for (int i = trace_find(tr, 0, "io.op", NULL, 0); i >= 0; i = trace_find(tr, i + 1, "io.op", NULL, 0))
        n += strcmp(ev_str(tr->ev[i], "op"), op) == 0 &&
             (!eagain || ev_int(tr->ev[i], "result") == -EAGAIN);
    return n;
}

/* Does write_all finish a 48 MiB write that the socket takes in pieces? */
static void net_write_all_partial(void)
{
    // More than the kernel's largest send plus receive buffers (Linux
    // defaults: 4 MiB + 32 MiB), so the socket is full at least once
    // however fast the reader is; 4 MiB sometimes went through whole.
    enum { LEN = 48 << 20 };
    char *path = test_trace_path("write_all");
    struct wta_runtime *rt = test_runtime(2, 0, path);
    struct wta_tcp_stream *a, *b;
    make_pair(rt, &a, &b);
    char *src = malloc(LEN), *dst = calloc(1, LEN);
    for (int i = 0; i < LEN; i++)
        src[i] = (char)((unsigned)i * 131u + ((unsigned)i >> 13));
    struct wta_future *v[2] = {wta_tcp_write_all(a, src, LEN), wta_tcp_read_exact(b, dst, LEN)};
    intptr_t outs[2];
    CU_ASSERT_EQUAL(wta_block_on(rt, wta_join_all(v, 2, NULL, outs), NULL), 0);
    CU_ASSERT_EQUAL(outs[0], LEN);
    CU_ASSERT_EQUAL(outs[1], LEN);
    CU_ASSERT(memcmp(src, dst, LEN) == 0);
    wta_tcp_close(a);
    wta_tcp_close(b);
    wta_runtime_free(rt);
    struct trace tr;
    // The socket was full at least once: write_all took more than one
    // send (a short one, or one that said EAGAIN). (In deterministic mode
    // a seed may let the reader drain it after every piece, so it never fills.)
    if (!test_deterministic() && trace_load(path, &tr) == 0) {
        CU_ASSERT(count_ops(&tr, "write_all", false) > 1);
        trace_free(&tr);
    }
    unlink(path);
    free(path);
    free(src);
    free(dst);
}

/* What if the stream ends before read_exact has its bytes? (-EPIPE; read then sees 0) */
static void net_read_exact_eof(void)
{
    struct wta_runtime *rt = test_runtime(2, 0, NULL);
    struct wta_tcp_stream *a, *b;
    make_pair(rt, &a, &b);
    char buf[64];
    intptr_t n = -1;
    CU_ASSERT_EQUAL(wta_block_on(rt, wta_tcp_write_all(a, "0123456789", 10), &n), 0);
    CU_ASSERT_EQUAL(n, 10);
    CU_ASSERT_EQUAL(wta_tcp_shutdown(a, SHUT_WR), 0);
    CU_ASSERT_EQUAL(wta_block_on(rt, wta_tcp_read_exact(b, buf, sizeof buf), NULL), -EPIPE);
    CU_ASSERT_EQUAL(wta_block_on(rt, wta_tcp_read(b, buf, sizeof buf), &n), 0);
    CU_ASSERT_EQUAL(n, 0);   // end of stream
    wta_tcp_close(a);
    wta_tcp_close(b);
    wta_runtime_free(rt);
}

/*
 * A read takes what is queued beyond its buffer into the stream's
 * read-ahead: does the next read get those bytes, in order, without a
 * syscall?
 */
static void net_read_ahead_in_order(void)
{
    char *path = test_trace_path("read_ahead");
    struct wta_runtime *rt = test_runtime(2, 0, path);
    struct wta_tcp_stream *a, *b;
    make_pair(rt, &a, &b);
    char buf[64] = {0};
    intptr_t n = -1;
    CU_ASSERT_EQUAL(wta_block_on(rt, wta_tcp_write_all(a, "0123456789", 10), &n), 0);
    CU_ASSERT_EQUAL(wta_block_on(rt, wta_tcp_read_exact(b, buf, 4), &n), 0);
    CU_ASSERT_EQUAL(n, 4);
    CU_ASSERT(memcmp(buf, "0123", 4) == 0);
    CU_ASSERT_EQUAL(wta_block_on(rt, wta_tcp_read(b, buf, sizeof buf), &n), 0);
    CU_ASSERT_EQUAL(n, 6);
    CU_ASSERT(memcmp(buf, "456789", 6) == 0);
    wta_tcp_close(a);
    wta_tcp_close(b);
    wta_runtime_free(rt);
    struct trace tr;
    if (trace_load(path, &tr) == 0) {
        CU_ASSERT_EQUAL(count_ops(&tr, "read_exact", false), 1);   // took all 10
        CU_ASSERT_EQUAL(count_ops(&tr, "read", false), 0);         // from the read-ahead
        trace_free(&tr);
    }
    unlink(path);
    free(path);
}

/*
 * In a ping-pong of 64-byte messages, does a read that drained the socket
 * make the next read wait for the reactor, without trying (and failing
 * with EAGAIN) first?
 */
static void net_short_read_waits(void)
{
    enum { ROUNDS = 20 };
    char *path = test_trace_path("short_read");
    struct wta_runtime *rt = test_runtime(2, 0, path);
    struct wta_tcp_stream *a, *b;
    make_pair(rt, &a, &b);
    char out[MSG_LEN], in[MSG_LEN];
    for (int r = 0; r < ROUNDS; r++) {
        memset(out, 'a' + r, sizeof out);
        intptr_t n = -1;
        CU_ASSERT_EQUAL(wta_block_on(rt, wta_tcp_write_all(a, out, sizeof out), &n), 0);
        CU_ASSERT_EQUAL(wta_block_on(rt, wta_tcp_read_exact(b, in, sizeof in), &n), 0);
        CU_ASSERT(memcmp(in, out, sizeof in) == 0);
    }
    wta_tcp_close(a);
    wta_tcp_close(b);
    wta_runtime_free(rt);
    struct trace tr;
    if (trace_load(path, &tr) == 0) {
        CU_ASSERT_EQUAL(count_ops(&tr, "read_exact", false), ROUNDS);
        CU_ASSERT_EQUAL(count_ops(&tr, "read_exact", true), 0);
        trace_free(&tr);
    }
    unlink(path);
    free(path);
}

/* Does accept hand EMFILE to the caller, and take the same queued connection once fds are free? */
static void net_accept_emfile(void)
{
    struct wta_runtime *rt = test_runtime(2, 0, NULL);
    struct wta_tcp_listener *l;
    CU_ASSERT_FATAL(wta_tcp_listen(NULL, 0, &l) == 0);
    intptr_t c = 0, a = 0;
    CU_ASSERT_FATAL(wta_block_on(rt, wta_tcp_connect(NULL, wta_tcp_listener_port(l)), &c) == 0);
    // Now one connection waits in the backlog. Use up every fd the limit allows.
    struct rlimit saved, low;
    CU_ASSERT_FATAL(getrlimit(RLIMIT_NOFILE, &saved) == 0);
    int probe = dup(0), fds[64], n = 0;
    close(probe);
    low = saved;
    low.rlim_cur = (rlim_t)probe + 8;
    CU_ASSERT_FATAL(setrlimit(RLIMIT_NOFILE, &low) == 0);
    while (n < 64 && (fds[n] = dup(0)) >= 0)
        n++;
    int rc = wta_block_on(rt, wta_tcp_accept(l), &a);
    while (n > 0)
        close(fds[--n]);
    setrlimit(RLIMIT_NOFILE, &saved);
    CU_ASSERT_EQUAL(rc, -EMFILE);
    CU_ASSERT_EQUAL(wta_block_on(rt, wta_tcp_accept(l), &a), 0);   // still queued, still "ready"
    wta_tcp_close(as_stream(a));
    wta_tcp_close(as_stream(c));
    wta_tcp_listener_close(l);
    wta_runtime_free(rt);
}

/* A listener and a stream still open at wta_runtime_free: named on stderr, and safe to close after? */
static void net_close_after_runtime_free(void)
{
    char *log = test_trace_path("free_warning");   // a temporary file for stderr
    struct wta_runtime *rt = test_runtime(1, 0, NULL);
    struct wta_tcp_listener *l;
    CU_ASSERT_FATAL(wta_tcp_listen("127.0.0.1", 0, &l) == 0);
    uint16_t port = wta_tcp_listener_port(l);
    intptr_t out = 0;
    CU_ASSERT_FATAL(wta_block_on(rt, wta_tcp_connect(NULL, port), &out) == 0);
    struct wta_tcp_stream *c = (struct wta_tcp_stream *)out;
    fflush(stderr);
    int saved = dup(2), fd = open(log, O_WRONLY | O_CREAT | O_TRUNC, 0600);
    CU_ASSERT_FATAL(saved >= 0 && fd >= 0);
    dup2(fd, 2);
    wta_runtime_free(rt);          // the program forgot both sockets
    fflush(stderr);
    dup2(saved, 2);
    close(saved);
    close(fd);
    wta_tcp_listener_close(l);     // after the runtime: must not touch it
    wta_tcp_close(c);
    char text[1024] = "", want[64];
    FILE *f = fopen(log, "r");
    CU_ASSERT_FATAL(f != NULL);
    size_t n = fread(text, 1, sizeof text - 1, f);
    text[n] = '\0';
    fclose(f);
    snprintf(want, sizeof want, "a listener on port %u", (unsigned)port);
    CU_ASSERT_PTR_NOT_NULL(strstr(text, want));
    CU_ASSERT_PTR_NOT_NULL(strstr(text, "a stream from wta_tcp_connect"));
    CU_ASSERT_PTR_NOT_NULL(strstr(text, "is still open"));
    unlink(log);
    free(log);
}

void suite_net(void)
{
    CU_pSuite s = CU_add_suite("net", NULL, NULL);
    CU_add_test(s, "net_echo_100_clients", net_echo_100_clients);
    CU_add_test(s, "net_connect_refused", net_connect_refused);
    CU_add_test(s, "net_write_all_partial", net_write_all_partial);
    CU_add_test(s, "net_read_exact_eof", net_read_exact_eof);
    CU_add_test(s, "net_read_ahead_in_order", net_read_ahead_in_order);
    CU_add_test(s, "net_short_read_waits", net_short_read_waits);
    CU_add_test(s, "net_accept_emfile", net_accept_emfile);
    CU_add_test(s, "net_close_after_runtime_free", net_close_after_runtime_free);
}

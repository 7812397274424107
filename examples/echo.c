/*
 * echo.c - an echo server with timeouts, and a client, on 127.0.0.1.
 *
 * Build and run it against the installed library (after `make install`):
 *
 *     $ cc -o echo echo.c $(pkg-config --cflags --libs wta)
 *     $ ./echo
 *
 * The server task accepts connections and spawns a session task for each.
 * A session echoes what it reads, but gives each read IDLE_MS: a client
 * that goes quiet is disconnected (wta_timeout drops the read, and with it
 * its place in the reactor). The server itself stops once no new client
 * has come for ACCEPT_MS. The client sends three words, checks each echo,
 * then goes quiet and waits to be disconnected.
 *
 * Every future is a state machine: `step` says where the last poll left
 * off, and each `return WTA_PENDING` is a promise that something holds our
 * waker (a socket, a timer, a task) and will wake us.
 *
 * Try: WTA_TRACE=echo.jsonl ./echo, then wta-trace stats echo.jsonl.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <wta.h>

#define IDLE_MS   200   /* a session closes a connection quiet for this long */
#define ACCEPT_MS 1000  /* the server stops when no client comes for this long */
#define MS        1000000ull

/* ---- a session: echo one connection until it ends or goes quiet */

struct session {
    struct wta_future base;
    int step;
    struct wta_tcp_stream *s;
    struct wta_future *op;   /* the read or write in flight */
    char buf[256];
    intptr_t n;
};

static int session_poll(struct wta_future *self, struct wta_context *cx, intptr_t *out)
{
    struct session *ss = (struct session *)self;
    int rc;
    for (;;) {
        switch (ss->step) {
        case 0:   // read, but give up after IDLE_MS
            ss->op = wta_timeout(wta_tcp_read(ss->s, ss->buf, sizeof ss->buf), IDLE_MS * MS);
            ss->step = 1;
            /* fall through */
        case 1:
            WTA_AWAIT(rc, ss->op, cx, &ss->n);   // the socket or the timer wakes us
            wta_future_drop(ss->op);
            ss->op = NULL;
            if (rc == -ETIMEDOUT)
                printf("server: connection quiet for %d ms, closing it\n", IDLE_MS);
            if (rc < 0 || ss->n == 0) {   // timed out, failed, or the client closed
                *out = 0;
                return rc == -ETIMEDOUT ? 0 : rc;
            }
            ss->op = wta_tcp_write_all(ss->s, ss->buf, (size_t)ss->n);
            ss->step = 2;
            /* fall through */
        case 2:   // echo it back
            WTA_AWAIT(rc, ss->op, cx, NULL);   // the socket wakes us when it can take more
            wta_future_drop(ss->op);
            ss->op = NULL;
            if (rc < 0)
                return rc;
            ss->step = 0;
        }
    }
}

static void session_drop(struct wta_future *self)
{
    struct session *ss = (struct session *)self;
    wta_future_drop(ss->op);   // before closing the socket it borrows
    wta_tcp_close(ss->s);
    free(ss);
}

static const struct wta_future_vt session_vt = {"session", session_poll, session_drop};

/* ---- the server: accept until no client comes for ACCEPT_MS */

struct server {
    struct wta_future base;
    struct wta_tcp_listener *l;
    struct wta_future *accept;
    int served;
};

static int server_poll(struct wta_future *self, struct wta_context *cx, intptr_t *out)
{
    struct server *sv = (struct server *)self;
    for (;;) {
        if (sv->accept == NULL)
            sv->accept = wta_timeout(wta_tcp_accept(sv->l), ACCEPT_MS * MS);
        intptr_t conn;
        int rc;
        WTA_AWAIT(rc, sv->accept, cx, &conn);   // a connection or the timer wakes us
        wta_future_drop(sv->accept);
        sv->accept = NULL;
        if (rc == -ETIMEDOUT) {
            printf("server: no new client for %d ms, stopping after %d connection(s)\n",
                   ACCEPT_MS, sv->served);
            *out = sv->served;
            return 0;
        }
        if (rc < 0)
            return rc;
        printf("server: client connected\n");
        struct session *ss = calloc(1, sizeof *ss);
        ss->base.vt = &session_vt;
        ss->s = (struct wta_tcp_stream *)conn;
        wta_future_drop(wta_spawn(&ss->base));   // detached: it ends on its own
        sv->served++;
    }
}

static void server_drop(struct wta_future *self)
{
    struct server *sv = (struct server *)self;
    wta_future_drop(sv->accept);
    wta_tcp_listener_close(sv->l);
    free(sv);
}

static const struct wta_future_vt server_vt = {"server", server_poll, server_drop};

/* ---- the client: three words, then quiet until the server hangs up */

static const char *const words[] = {"hello", "from", "wta"};
enum { NWORDS = sizeof words / sizeof words[0] };

struct client {
    struct wta_future base;
    int step, word;
    uint16_t port;
    struct wta_tcp_stream *s;
    struct wta_future *op;
    char buf[64];
};

/* Finishes the op in flight: its result; ready for the next one. */
static int client_done(struct client *c, int rc)
{
    wta_future_drop(c->op);
    c->op = NULL;
    return rc;
}

static int client_poll(struct wta_future *self, struct wta_context *cx, intptr_t *out)
{
    struct client *c = (struct client *)self;
    const char *w = words[c->word];
    intptr_t v;
    int rc;
    for (;;) {
        switch (c->step) {
        case 0:   // connect
            if (c->op == NULL)
                c->op = wta_tcp_connect("127.0.0.1", c->port);
            WTA_AWAIT(rc, c->op, cx, &v);   // the socket wakes us when connected
            if (client_done(c, rc) < 0)
                return rc;
            c->s = (struct wta_tcp_stream *)v;
            c->step = 1;
            break;
        case 1:   // send a word
            if (c->op == NULL)
                c->op = wta_tcp_write_all(c->s, w, strlen(w));
            WTA_AWAIT(rc, c->op, cx, NULL);   // the socket wakes us when it takes more
            if (client_done(c, rc) < 0)
                return rc;
            c->step = 2;
            break;
        case 2:   // read its echo
            if (c->op == NULL)
                c->op = wta_tcp_read_exact(c->s, c->buf, strlen(w));
            WTA_AWAIT(rc, c->op, cx, NULL);   // the socket wakes us when the echo arrives
            if (client_done(c, rc) < 0)
                return rc;
            printf("client: sent \"%s\", got back \"%.*s\"\n", w, (int)strlen(w), c->buf);
            if (++c->word < NWORDS) {
                c->step = 1;
                w = words[c->word];
            } else {
                printf("client: going quiet; the server closes quiet connections\n");
                c->step = 3;
            }
            break;
        case 3:   // wait for the end of the stream (a safety timeout, should it never come)
            if (c->op == NULL)
                c->op = wta_timeout(wta_tcp_read(c->s, c->buf, sizeof c->buf),
                                    10 * IDLE_MS * MS);
            WTA_AWAIT(rc, c->op, cx, &v);   // the socket (or the safety timer) wakes us
            if (client_done(c, rc) < 0)
                return rc;
            printf("client: the server hung up (read returned %ld)\n", (long)v);
            *out = v;
            return 0;
        default:
            return -EINVAL;
        }
    }
}

static void client_drop(struct wta_future *self)
{
    struct client *c = (struct client *)self;
    wta_future_drop(c->op);
    wta_tcp_close(c->s);
    free(c);
}

static const struct wta_future_vt client_vt = {"client", client_poll, client_drop};

/* ---- main: start the server, run the client next to it, await both */

struct echo_main {
    struct wta_future base;
    int step;
    struct wta_future *both;
    int results[2];
};

static int main_poll(struct wta_future *self, struct wta_context *cx, intptr_t *out)
{
    struct echo_main *m = (struct echo_main *)self;
    int rc;
    if (m->step == 0) {
        struct server *sv = calloc(1, sizeof *sv);
        sv->base.vt = &server_vt;
        rc = wta_tcp_listen("127.0.0.1", 0, &sv->l);   // port 0: any free port
        if (rc < 0) {
            free(sv);
            return rc;
        }
        printf("echo server listening on 127.0.0.1:%u\n", wta_tcp_listener_port(sv->l));
        struct client *c = calloc(1, sizeof *c);
        c->base.vt = &client_vt;
        c->port = wta_tcp_listener_port(sv->l);
        struct wta_future *tasks[2] = {wta_spawn(&sv->base), wta_spawn(&c->base)};
        m->both = wta_join_all(tasks, 2, m->results, NULL);
        m->step = 1;
    }
    intptr_t n;
    WTA_AWAIT(rc, m->both, cx, &n);   // the last task to finish wakes us
    *out = n;
    return rc;
}

static void main_drop(struct wta_future *self)
{
    struct echo_main *m = (struct echo_main *)self;
    wta_future_drop(m->both);
    free(m);
}

static const struct wta_future_vt main_vt = {"echo_main", main_poll, main_drop};

int main(void)
{
    struct wta_runtime *rt = wta_runtime_new(NULL);   // WTA_WORKERS, WTA_TRACE, ... apply
    if (rt == NULL) {
        perror("echo: cannot start the runtime");
        return 1;
    }
    struct echo_main *m = calloc(1, sizeof *m);
    m->base.vt = &main_vt;
    int rc = wta_block_on(rt, &m->base, NULL);
    wta_runtime_free(rt);
    if (rc < 0) {
        fprintf(stderr, "echo: %s\n", wta_strerror(rc));
        return 1;
    }
    printf("echo: done\n");
    return 0;
}

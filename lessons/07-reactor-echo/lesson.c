/*
 * Lesson 07 - the reactor: epoll, and a loopback TCP echo.
 *
 * Main listens on 127.0.0.1 (a port the kernel picks), spawns an echo
 * server task that owns the listener, connects, sends "hello" and reads
 * the echo. A socket call that would block returns EAGAIN; the future then
 * leaves its waker with the reactor and returns Pending, and the worker
 * waiting in epoll wakes it when the socket is ready. Read main() first.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "lesson.h"

static const struct lesson lesson = {
    .name = "07-reactor-echo",
    .title = "the reactor: epoll, and a loopback TCP echo",
    .seed = 1,
    .workers = 1,
};

/* Either side of the echo: one socket operation awaited at a time. */
struct side {
    struct wta_future base;
    int step;
    struct wta_future *op, *server;   /* the operation awaited; main: the server's handle */
    struct wta_tcp_listener *listener;
    struct wta_tcp_stream *conn;
    char buf[64];
};

/* Polls self->op and drops it once finished: WTA_PENDING, or its result. */
static int await_op(struct side *self, struct wta_context *cx, intptr_t *out)
{
    int rc = wta_poll(self->op, cx, out);
    if (rc == WTA_PENDING)
        return WTA_PENDING;   // the operation left our waker with the reactor
    wta_future_drop(self->op);
    self->op = NULL;
    return rc;
}

static void side_drop(struct wta_future *base)
{
    struct side *self = (struct side *)base;
    wta_future_drop(self->op);
    wta_future_drop(self->server);
    wta_tcp_close(self->conn);
    wta_tcp_listener_close(self->listener);
    free(self);
}

/* ---- the server task: accept one connection, echo one message */

static int server_poll(struct wta_future *base, struct wta_context *cx, intptr_t *out)
{
    struct side *self = (struct side *)base;
    intptr_t v;
    int rc;
    switch (self->step) {
    case 0:   // accept
        self->op = wta_tcp_accept(self->listener);
        self->step = 1;
        /* fall through */
    case 1:
        if ((rc = await_op(self, cx, &v)) != 0)
            return rc;   // Pending: epoll reports the listener readable, then we run
        self->conn = (struct wta_tcp_stream *)v;
        wta_note("server accepted the connection and reads");
        self->op = wta_tcp_read(self->conn, self->buf, sizeof self->buf);
        self->step = 2;
        /* fall through */
    case 2:   // read what is there
        if ((rc = await_op(self, cx, &v)) != 0)
            return rc;   // Pending: read said EAGAIN; the reactor wakes us on data
        self->op = wta_tcp_write_all(self->conn, self->buf, (size_t)v);
        self->step = 3;
        /* fall through */
    case 3:   // echo it back
        if ((rc = await_op(self, cx, out)) != 0)
            return rc;   // Pending: the send buffer is full; the reactor wakes us
        return WTA_READY;
    }
    return -EINVAL;
}

static const struct wta_future_vt server_vt = {"echo_server", server_poll, side_drop};

/* ---- the client, as the main future */

static int client_poll(struct wta_future *base, struct wta_context *cx, intptr_t *out)
{
    struct side *self = (struct side *)base;
    intptr_t v;
    int rc;
    switch (self->step) {
    case 0: {   // listen, start the server (it owns the listener), connect
        struct side *srv = lesson_future(sizeof *srv, &server_vt);
        if ((rc = wta_tcp_listen("127.0.0.1", 0, &srv->listener)) < 0)
            return rc;
        uint16_t port = wta_tcp_listener_port(srv->listener);
        self->server = wta_spawn_named(&srv->base, "echo_server");
        self->op = wta_tcp_connect("127.0.0.1", port);
        self->step = 1;
    }   /* fall through */
    case 1:
        if ((rc = await_op(self, cx, &v)) != 0)
            return rc;   // Pending: the connect completes when epoll says writable
        self->conn = (struct wta_tcp_stream *)v;
        self->op = wta_tcp_write_all(self->conn, "hello", 5);
        self->step = 2;
        /* fall through */
    case 2:
        if ((rc = await_op(self, cx, &v)) != 0)
            return rc;
        wta_note("? main sent 'hello' and reads the echo. If it is not there yet, the read "
                 "says EAGAIN: who wakes main when it arrives?");
        self->op = wta_tcp_read_exact(self->conn, self->buf, 5);
        self->step = 3;
        /* fall through */
    case 3:
        if ((rc = await_op(self, cx, &v)) != 0)
            return rc;   // Pending: the reactor calls our MainWaker when data arrives
        wta_note("the echo arrived: '%.5s'", self->buf);
        self->step = 4;
        /* fall through */
    case 4:   // wait for the server to finish
        if ((rc = wta_poll(self->server, cx, &v)) == WTA_PENDING)
            return WTA_PENDING;   // the server's JoinHandle wakes us
        *out = memcmp(self->buf, "hello", 5) == 0 ? v : 0;
        return rc;
    }
    return -EINVAL;
}

static const struct wta_future_vt client_vt = {"echo_client", client_poll, side_drop};

int main(int argc, char **argv)
{
    struct wta_config cfg;
    lesson_start(&lesson, argc, argv, &cfg);
    struct wta_runtime *rt = lesson_runtime(&lesson, &cfg);

    intptr_t echoed = 0;
    int rc = wta_block_on(rt, lesson_future(sizeof(struct side), &client_vt), &echoed);

    wta_runtime_free(rt);
    return lesson_expect(&lesson, "bytes echoed intact", rc == 0 ? (long)echoed : rc, 5);
}

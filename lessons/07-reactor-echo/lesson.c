/*
 * Lesson 07 - the reactor: epoll, and a loopback TCP echo.
 *
 * Main listens on 127.0.0.1, spawns an echo server task that owns the
 * listener, connects, sends "hello" and reads the echo. A socket call that
 * would block returns EAGAIN: the future leaves its waker with the reactor
 * and returns Pending; the worker waiting in epoll wakes it when the socket
 * is ready. Each side is a list of steps, one socket operation each.
 */
#include <stdlib.h>
#include <string.h>

#include "lesson.h"

static const struct lesson lesson = {
    .name = "07-reactor-echo",
    .title = "the reactor: epoll, and a loopback TCP echo",
    .seed = 1,
    .workers = 1,
};

struct side {
    struct wta_future base;
    int step;
    struct wta_future *op, *server;   /* the operation awaited; main: the server's handle */
    struct wta_tcp_listener *listener;
    struct wta_tcp_stream *conn;
    char buf[64];
};

static void side_drop(struct wta_future *base)
{
    struct side *self = (struct side *)base;
    wta_future_drop(self->op);
    wta_future_drop(self->server);
    wta_tcp_close(self->conn);
    wta_tcp_listener_close(self->listener);
    free(self);
}

/* The server task: accept one connection, echo one message. */
static int server_poll(struct wta_future *base, struct wta_context *cx, intptr_t *out)
{
    struct side *self = (struct side *)base;
    intptr_t v = 0;
    for (int rc;;) {
        if (self->op != NULL && (rc = lesson_await(&self->op, cx, &v)) != 0)
            return rc;   // Pending: the reactor wakes us when epoll says the socket is ready
        switch (self->step++) {
        case 0:   // accept (EAGAIN until main connects)
            self->op = wta_tcp_accept(self->listener);
            break;
        case 1:   // read what is there (EAGAIN until main's bytes arrive)
            self->conn = (struct wta_tcp_stream *)v;
            wta_note("server accepted the connection and reads");
            self->op = wta_tcp_read(self->conn, self->buf, sizeof self->buf);
            break;
        case 2:   // echo the v bytes back
            self->op = wta_tcp_write_all(self->conn, self->buf, (size_t)v);
            break;
        default:   // echoed
            *out = v;
            return WTA_READY;
        }
    }
}

static const struct wta_future_vt server_vt = {"echo_server", server_poll, side_drop};

/* The client, as the main future. */
static int client_poll(struct wta_future *base, struct wta_context *cx, intptr_t *out)
{
    struct side *self = (struct side *)base, *srv;
    intptr_t v = 0;
    for (int rc;;) {
        if (self->op != NULL && (rc = lesson_await(&self->op, cx, &v)) != 0)
            return rc;   // Pending: the reactor calls our MainWaker when the socket is ready
        switch (self->step++) {
        case 0:   // listen, start the server (it owns the listener), connect
            srv = lesson_future(sizeof *srv, &server_vt);
            if ((rc = wta_tcp_listen("127.0.0.1", 0, &srv->listener)) < 0)
                return rc;
            self->op = wta_tcp_connect("127.0.0.1", wta_tcp_listener_port(srv->listener));
            self->server = wta_spawn_named(&srv->base, "echo_server");
            break;
        case 1:   // connected (epoll said writable): send
            self->conn = (struct wta_tcp_stream *)v;
            self->op = wta_tcp_write_all(self->conn, "hello", 5);
            break;
        case 2:   // sent: read the echo
            wta_note("? main sent 'hello' and reads the echo. If it is not there yet, the read "
                     "says EAGAIN: who wakes main when it arrives?");
            self->op = wta_tcp_read_exact(self->conn, self->buf, 5);
            break;
        case 3:   // await the server's end: its JoinHandle wakes us
            wta_note("the echo arrived: '%.5s'", self->buf);
            self->op = self->server;
            self->server = NULL;
            break;
        default:   // the server echoed v bytes
            *out = memcmp(self->buf, "hello", 5) == 0 ? v : 0;
            return WTA_READY;
        }
    }
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

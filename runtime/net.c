/*
 * net.c - TCP sockets: listen, accept, connect, shutdown, close.
 *
 * Every socket is non-blocking and registered with the reactor once, for
 * both directions, edge-triggered (io_source.c). A leaf future on a socket
 * follows one loop, the same everywhere:
 *
 *     for (;;) {
 *         if (!wta_io_poll_ready(src, dir, cx, &tick))
 *             return WTA_PENDING;        // waker stored: the reactor wakes us
 *         try the syscall;
 *         EAGAIN -> wta_io_clear_ready(src, dir, tick); loop (stores the waker)
 *         else   -> done (bytes, a new socket, or -errno)
 *     }
 *
 * Edge-triggered means "tell me when it changes", so the reactor's
 * readiness flag is cleared only by an operation that saw EAGAIN (or, in
 * io.c, a read or write that moved less than it asked: the same news one
 * syscall earlier): until then the next operation just tries. That is how accept drains a backlog
 * across polls without waiting once per connection.
 *
 * connect is the one operation that cannot be retried: it starts the
 * handshake, and the socket turning writable says it ended, well or not
 * (SO_ERROR tells which). accept's EMFILE/ENFILE is returned to the caller
 * rather than retried: retrying at once would spin, since the waiting
 * connection keeps the listener readable.
 *
 * Reading and writing streams, and closing them, is in io.c.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "internal.h"

struct wta_tcp_listener {
    int fd;
    uint16_t port;                 /* the bound port (the kernel's pick for 0) */
    struct wta_io_source *src;
    struct wta_runtime *rt;
};

/* Fills *ss from a numeric host (NULL: 127.0.0.1) and port. -EINVAL if bad. */
static int parse_addr(const char *host, uint16_t port, struct sockaddr_storage *ss,
                      socklen_t *len)
{
    memset(ss, 0, sizeof *ss);
    struct sockaddr_in *v4 = (struct sockaddr_in *)ss;
    struct sockaddr_in6 *v6 = (struct sockaddr_in6 *)ss;
    if (host == NULL)
        host = "127.0.0.1";
    if (inet_pton(AF_INET, host, &v4->sin_addr) == 1) {
        v4->sin_family = AF_INET;
        v4->sin_port = htons(port);
        *len = sizeof *v4;
        return 0;
    }
    if (inet_pton(AF_INET6, host, &v6->sin6_addr) == 1) {
        v6->sin6_family = AF_INET6;
        v6->sin6_port = htons(port);
        *len = sizeof *v6;
        return 0;
    }
    return -EINVAL;
}

/* The port fd is bound to, or 0. */
uint16_t wta_fd_port(int fd)
{
    struct sockaddr_storage ss;
    socklen_t len = sizeof ss;
    if (getsockname(fd, (struct sockaddr *)&ss, &len) != 0)
        return 0;
    if (ss.ss_family == AF_INET6)
        return ntohs(((struct sockaddr_in6 *)&ss)->sin6_port);
    return ntohs(((struct sockaddr_in *)&ss)->sin_port);
}

/* Wraps a connected non-blocking fd and registers it; closes fd on failure. */
static int stream_new(struct wta_runtime *rt, int fd, struct wta_tcp_stream **out,
                      const char *what)
{
    struct wta_tcp_stream *s = malloc(sizeof *s);
    if (s != NULL)
        s->src = wta_io_register(rt->reactor, fd, what);
    if (s == NULL || s->src == NULL) {
        int err = errno;
        free(s);
        close(fd);
        return -err;
    }
    s->fd = fd;
    s->rt = rt;
    s->ahead_pos = s->ahead_len = 0;
    *out = s;
    return 0;
}

/* ---------------------------------------------------------------- listener */

int wta_tcp_listen(const char *host, uint16_t port, struct wta_tcp_listener **out)
{
    struct sockaddr_storage ss;
    socklen_t len;
    struct wta_runtime *rt = wta_thread_rt();
    if (out == NULL || parse_addr(host, port, &ss, &len) != 0)
        return -EINVAL;
    if (rt == NULL)
        return -ESRCH;
    struct wta_tcp_listener *l = calloc(1, sizeof *l);
    if (l == NULL)
        return -ENOMEM;
    int one = 1, err;
    char what[40];
    l->fd = socket(ss.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (l->fd < 0 ||
        setsockopt(l->fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one) != 0 ||
        bind(l->fd, (struct sockaddr *)&ss, len) != 0 || listen(l->fd, SOMAXCONN) != 0)
        goto fail;
    l->port = wta_fd_port(l->fd);
    snprintf(what, sizeof what, "a listener on port %u", (unsigned)l->port);
    if ((l->src = wta_io_register(rt->reactor, l->fd, what)) == NULL)
        goto fail;
    l->rt = rt;
    WTA_TRACE(rt, IO_OP, l->fd, WTA_S("listen"), l->port, wta_current_task_id());
    *out = l;
    return 0;

fail:
    err = errno;
    if (l->fd >= 0)
        close(l->fd);
    free(l);
    WTA_TRACE(rt, IO_OP, -1, WTA_S("listen"), -err, wta_current_task_id());
    return -err;
}

uint16_t wta_tcp_listener_port(const struct wta_tcp_listener *l)
{
    return l->port;
}

/* Deregisters, then closes. Any thread; no accept may be pending on it. */
void wta_tcp_listener_close(struct wta_tcp_listener *l)
{
    if (l == NULL)
        return;
    wta_io_close(l->src);
    free(l);
}

/* ---------------------------------------------------------------- accept */

struct accept_fut {
    struct wta_future base;
    struct wta_tcp_listener *l;    /* borrowed */
};

static int accept_poll(struct wta_future *self, struct wta_context *cx, intptr_t *out)
{
    struct wta_tcp_listener *l = ((struct accept_fut *)self)->l;
    for (;;) {
        uint64_t tick;
        if (!wta_io_poll_ready(l->src, WTA_IO_READ, cx, &tick))
            return WTA_PENDING;   // the reactor wakes us when a connection arrives
        int fd = accept4(l->fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
        int err = fd < 0 ? errno : 0;
        WTA_TRACE(l->rt, IO_OP, l->fd, WTA_S("accept"), fd < 0 ? -err : fd,
                  wta_current_task_id());
        if (fd >= 0) {
            struct wta_tcp_stream *s;
            int rc = stream_new(l->rt, fd, &s, "a stream from wta_tcp_accept");
            if (rc == 0)
                *out = (intptr_t)s;
            return rc;
        }
        if (err == EAGAIN || err == EWOULDBLOCK)
            wta_io_clear_ready(l->src, WTA_IO_READ, tick);   // backlog drained
        else if (err != EINTR && err != ECONNABORTED)
            return -err;   // EMFILE, ENFILE, ENOBUFS...: the caller decides
    }
}

static void plain_drop(struct wta_future *self)
{
    free(self);
}

static const struct wta_future_vt accept_vt = {"tcp_accept", accept_poll, plain_drop};

struct wta_future *wta_tcp_accept(struct wta_tcp_listener *l)
{
    struct accept_fut *f = malloc(sizeof *f);
    if (f == NULL)
        return NULL;
    f->base.vt = &accept_vt;
    f->l = l;
    return &f->base;
}

/* ---------------------------------------------------------------- connect */

struct connect_fut {
    struct wta_future base;
    struct sockaddr_storage addr;
    socklen_t len;
    struct wta_tcp_stream *s;      /* owned until handed out */
};

/* First poll: a socket, and the handshake started. 0, or -errno. */
static int connect_start(struct connect_fut *c)
{
    struct wta_runtime *rt = wta_thread_rt();
    if (rt == NULL)
        return -ESRCH;
    int fd = socket(c->addr.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (fd < 0)
        return -errno;
    // A non-blocking connect returns at once: EINPROGRESS (or EINTR, which
    // also means "going on in the background": calling again would say EALREADY).
    int err = connect(fd, (struct sockaddr *)&c->addr, c->len) == 0 ? 0 : errno;
    if (err != 0 && err != EINPROGRESS && err != EINTR) {
        WTA_TRACE(rt, IO_OP, fd, WTA_S("connect"), -err, wta_current_task_id());
        close(fd);
        return -err;
    }
    return stream_new(rt, fd, &c->s, "a stream from wta_tcp_connect");
}

static int connect_poll(struct wta_future *self, struct wta_context *cx, intptr_t *out)
{
    struct connect_fut *c = (struct connect_fut *)self;
    int rc = c->s == NULL ? connect_start(c) : 0;
    if (rc != 0)
        return rc;
    struct wta_tcp_stream *s = c->s;
    for (;;) {
        uint64_t tick;
        if (!wta_io_poll_ready(s->src, WTA_IO_WRITE, cx, &tick))
            return WTA_PENDING;   // the reactor wakes us when the handshake ends
        int soerr = 0;
        socklen_t len = sizeof soerr;
        if (getsockopt(s->fd, SOL_SOCKET, SO_ERROR, &soerr, &len) != 0)
            soerr = errno;
        struct sockaddr_storage peer;
        socklen_t plen = sizeof peer;
        if (soerr == 0 && getpeername(s->fd, (struct sockaddr *)&peer, &plen) != 0)
            soerr = errno;
        if (soerr == ENOTCONN) {   // writable, yet not connected: still going
            wta_io_clear_ready(s->src, WTA_IO_WRITE, tick);
            continue;
        }
        WTA_TRACE(s->rt, IO_OP, s->fd, WTA_S("connect"), -soerr, wta_current_task_id());
        if (soerr != 0)
            return -soerr;          // drop closes the socket
        *out = (intptr_t)s;
        c->s = NULL;                // the caller owns it now
        return WTA_READY;
    }
}

static void connect_drop(struct wta_future *self)
{
    wta_tcp_close(((struct connect_fut *)self)->s);
    free(self);
}

static const struct wta_future_vt connect_vt = {"tcp_connect", connect_poll, connect_drop};

/* NULL with errno EINVAL for a bad address; every other error comes from the poll. */
struct wta_future *wta_tcp_connect(const char *host, uint16_t port)
{
    struct connect_fut *c = calloc(1, sizeof *c);
    if (c == NULL)
        return NULL;
    c->base.vt = &connect_vt;
    if (parse_addr(host, port, &c->addr, &c->len) != 0) {
        free(c);
        errno = EINVAL;
        return NULL;
    }
    return &c->base;
}

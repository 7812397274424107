/*
 * io.c - reading and writing a TCP stream: four futures, one poll loop;
 * and the stream's other calls (shutdown, nodelay, its port, close).
 *
 * read, read_exact, write and write_all differ only in direction and in
 * when they are done, so one future serves all four (struct io_fut, with
 * its kind). Its poll is the loop in net.c's opening comment: ask the
 * reactor whether the direction is ready, try the syscall, and on EAGAIN
 * clear the readiness and go round again, which stores our waker. So a
 * PENDING from here always has a waker parked in the reactor.
 *
 * read_exact and write_all keep how far they got (done) across polls:
 * a partial write is the normal case for a large buffer on a full socket,
 * not an error. write uses send(MSG_NOSIGNAL) so a peer that went away
 * gives -EPIPE instead of killing the process with SIGPIPE.
 *
 * A read asks the kernel for more than its buffer: readv fills the
 * buffer, then the stream's read-ahead (s->ahead), which the next read
 * empties first. A read that gets less than it asked for has drained the
 * socket, and a write that moves less than it was given has filled it:
 * either way the next try would only say EAGAIN, so the readiness is
 * cleared at once (as after an EAGAIN) and the next operation waits
 * without that syscall. In an echo, that is one syscall saved per read:
 * 64 bytes read_exact'ed would otherwise leave the reader unsure whether
 * more is queued. (The reactor keeps a hang-up's readiness: clearing it
 * would lose the end of the stream.) tokio clears readiness after a short
 * read or write the same way.
 *
 * Every syscall is traced as io.op with its result (bytes, or -errno,
 * EAGAIN included: the trace shows each "would block"); bytes taken from
 * the read-ahead are not a syscall and are not traced.
 */
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <unistd.h>

#include "internal.h"

enum io_kind { IO_READ, IO_READ_EXACT, IO_WRITE, IO_WRITE_ALL };

static const char *const io_op_names[] = {"read", "read_exact", "write", "write_all"};

struct io_fut {
    struct wta_future base;
    enum io_kind kind;
    struct wta_tcp_stream *s;      /* borrowed */
    char *buf;                     /* borrowed; const for the writes */
    size_t len, done;              /* done: bytes moved so far */
};

/*
 * One syscall in f's direction: bytes moved, or -errno. A read's bytes
 * beyond f's buffer go to the stream's read-ahead (empty when we get
 * here), and count in the result.
 */
static ssize_t io_once(struct io_fut *f)
{
    struct wta_tcp_stream *s = f->s;
    size_t want = f->len - f->done;
    ssize_t n;
    if (f->kind == IO_READ || f->kind == IO_READ_EXACT) {
        struct iovec iov[2] = {{f->buf + f->done, want}, {s->ahead, sizeof s->ahead}};
        n = readv(s->fd, iov, want > 0 ? 2 : 1);   // len 0 reads nothing, as read() would
        if (n > (ssize_t)want) {
            s->ahead_pos = 0;
            s->ahead_len = (size_t)n - want;
        }
    } else {
        n = send(s->fd, f->buf + f->done, want, MSG_NOSIGNAL);
    }
    n = n < 0 ? -errno : n;
    WTA_TRACE(s->rt, IO_OP, s->fd, WTA_S(io_op_names[f->kind]), n, wta_current_task_id());
    return n;
}

/* Moves what the read-ahead holds (up to what f still wants) into f's buffer. */
static size_t take_ahead(struct io_fut *f)
{
    struct wta_tcp_stream *s = f->s;
    size_t n = f->len - f->done < s->ahead_len ? f->len - f->done : s->ahead_len;
    memcpy(f->buf + f->done, s->ahead + s->ahead_pos, n);
    s->ahead_pos += n;
    s->ahead_len -= n;
    f->done += n;
    return n;
}

static int io_poll(struct wta_future *self, struct wta_context *cx, intptr_t *out)
{
    struct io_fut *f = (struct io_fut *)self;
    bool reading = f->kind == IO_READ || f->kind == IO_READ_EXACT;
    bool whole = f->kind == IO_READ_EXACT || f->kind == IO_WRITE_ALL;
    int dir = reading ? WTA_IO_READ : WTA_IO_WRITE;
    while (!whole || f->done < f->len) {
        if (reading && f->s->ahead_len > 0 && f->done < f->len) {
            size_t n = take_ahead(f);   // read before, not yet handed out
            if (!whole) {
                *out = (intptr_t)n;
                return WTA_READY;
            }
            continue;
        }
        uint64_t tick;
        if (!wta_io_poll_ready(f->s->src, dir, cx, &tick))
            return WTA_PENDING;   // LESSON 07: the reactor wakes us when the socket is ready for dir
        size_t asked = f->len - f->done + (reading ? sizeof f->s->ahead : 0);
        ssize_t n = io_once(f);
        if (n == -EAGAIN || n == -EWOULDBLOCK) {
            wta_io_clear_ready(f->s->src, dir, tick);   // next round stores the waker
            continue;
        }
        if (n == -EINTR)
            continue;
        if (n < 0)
            return (int)n;
        if (n == 0 && whole && reading)
            return -EPIPE;        // end of stream before len bytes
        if (n > 0 && (size_t)n < asked)
            wta_io_clear_ready(f->s->src, dir, tick);   // drained (or full): next time, wait
        if (n > (ssize_t)(f->len - f->done))
            n = (ssize_t)(f->len - f->done);   // the rest is in the read-ahead
        f->done += (size_t)n;
        if (!whole) {
            *out = n;             // read: 0 here means end of stream
            return WTA_READY;
        }
    }
    *out = (intptr_t)f->done;
    return WTA_READY;
}

static void io_drop(struct wta_future *self)
{
    free(self);
}

static const struct wta_future_vt io_vts[] = {
    {"tcp_read", io_poll, io_drop},
    {"tcp_read_exact", io_poll, io_drop},
    {"tcp_write", io_poll, io_drop},
    {"tcp_write_all", io_poll, io_drop},
};

static struct wta_future *io_new(enum io_kind kind, struct wta_tcp_stream *s,
                                 const void *buf, size_t len)
{
    if (s == NULL || (buf == NULL && len > 0)) {
        errno = EINVAL;
        return NULL;
    }
    struct io_fut *f = malloc(sizeof *f);
    if (f == NULL)
        return NULL;
    f->base.vt = &io_vts[kind];
    f->kind = kind;
    f->s = s;
    f->buf = (char *)buf;   // cast away const: the write kinds never store through it
    f->len = len;
    f->done = 0;
    return &f->base;
}

struct wta_future *wta_tcp_read(struct wta_tcp_stream *s, void *buf, size_t len)
{
    return io_new(IO_READ, s, buf, len);
}

struct wta_future *wta_tcp_read_exact(struct wta_tcp_stream *s, void *buf, size_t len)
{
    return io_new(IO_READ_EXACT, s, buf, len);
}

struct wta_future *wta_tcp_write(struct wta_tcp_stream *s, const void *buf, size_t len)
{
    return io_new(IO_WRITE, s, buf, len);
}

struct wta_future *wta_tcp_write_all(struct wta_tcp_stream *s, const void *buf, size_t len)
{
    return io_new(IO_WRITE_ALL, s, buf, len);
}

/* ---------------------------------------------------------------- stream */

int wta_tcp_shutdown(struct wta_tcp_stream *s, int how)
{
    int rc = shutdown(s->fd, how) == 0 ? 0 : -errno;
    WTA_TRACE(s->rt, IO_OP, s->fd, WTA_S("shutdown"), rc, wta_current_task_id());
    return rc;
}

int wta_tcp_set_nodelay(struct wta_tcp_stream *s, bool on)
{
    int v = on;
    return setsockopt(s->fd, IPPROTO_TCP, TCP_NODELAY, &v, sizeof v) == 0 ? 0 : -errno;
}

uint16_t wta_tcp_local_port(const struct wta_tcp_stream *s)
{
    return wta_fd_port(s->fd);
}

/* Deregisters, then closes and frees. Any thread; no read or write may be pending. */
void wta_tcp_close(struct wta_tcp_stream *s)
{
    if (s == NULL)
        return;
    wta_io_close(s->src);
    free(s);
}

/*
 * io.c - reading and writing a TCP stream: four futures, one poll loop.
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
 * Every syscall is traced as io.op with its result (bytes, or -errno,
 * EAGAIN included: the trace shows each "would block").
 */
#include <errno.h>
#include <stdlib.h>
#include <sys/socket.h>
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

/* One syscall in f's direction: bytes moved, or -errno. */
static ssize_t io_once(struct io_fut *f)
{
    ssize_t n;
    if (f->kind == IO_READ || f->kind == IO_READ_EXACT)
        n = read(f->s->fd, f->buf + f->done, f->len - f->done);
    else
        n = send(f->s->fd, f->buf + f->done, f->len - f->done, MSG_NOSIGNAL);
    n = n < 0 ? -errno : n;
    WTA_TRACE(f->s->rt, IO_OP, f->s->fd, WTA_S(io_op_names[f->kind]), n,
              wta_current_task_id());
    return n;
}

static int io_poll(struct wta_future *self, struct wta_context *cx, intptr_t *out)
{
    struct io_fut *f = (struct io_fut *)self;
    bool reading = f->kind == IO_READ || f->kind == IO_READ_EXACT;
    bool whole = f->kind == IO_READ_EXACT || f->kind == IO_WRITE_ALL;
    int dir = reading ? WTA_IO_READ : WTA_IO_WRITE;
    while (!whole || f->done < f->len) {
        uint64_t tick;
        if (!wta_io_poll_ready(f->s->src, dir, cx, &tick))
            return WTA_PENDING;   // LESSON 07: the reactor wakes us when the socket is ready for dir
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

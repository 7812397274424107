/*
 * io_source.c - a socket registered with the reactor, and its readiness.
 *
 * Sources (sockets) are registered once, edge-triggered, for both
 * directions. The reactor records readiness per direction; a leaf future
 * that gets EAGAIN clears it and stores its waker (io.c). A readiness tick
 * counts events, so a clear never erases an event that arrived after the
 * operation that saw EAGAIN. The turn (reactor.c) sets the readiness and
 * takes the stored wakers; this file is the other side: the futures'
 * questions "ready?" and "not any more".
 *
 * A source may be deregistered while another thread is inside epoll_wait
 * and about to report it: such sources are freed only after the turn
 * (pending_free), never under an event that points at them.
 *
 * Every field is guarded by the reactor's lock (reactor.h).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "reactor.h"

/* Registers fd; what says what it is ("a listener on port 4000"). NULL + errno on error. */
struct wta_io_source *wta_io_register(struct wta_reactor *r, int fd, const char *what)
{
    struct wta_io_source *s = calloc(1, sizeof *s);
    if (s == NULL)
        return NULL;
    s->fd = fd;
    s->r = r;
    snprintf(s->what, sizeof s->what, "%s", what);
    s->task = wta_current_task_id();
    struct epoll_event ev = {.events = EPOLLIN | EPOLLOUT | EPOLLRDHUP | EPOLLET, .data.ptr = s};
    // Under the lock: the turning thread reads *s under it, so it sees s whole.
    wta_mutex_lock(&r->lock);
    int rc = epoll_ctl(r->epfd, EPOLL_CTL_ADD, fd, &ev);
    int err = errno;
    if (rc == 0) {
        r->nsources++;
        s->next = r->sources;
        if (r->sources != NULL)
            r->sources->prev = s;
        r->sources = s;
    }
    wta_mutex_unlock(&r->lock);
    if (rc != 0) {
        free(s);
        errno = err;
        return NULL;
    }
    WTA_TRACE(r->rt, IO_REGISTER, fd, WTA_S("rw"), wta_current_task_id());
    return s;
}

/*
 * Removes s from epoll (before the caller closes fd) and frees it safely.
 * False if its runtime was freed first (s was cut loose): then only s goes.
 */
bool wta_io_deregister(struct wta_io_source *s)
{
    struct wta_reactor *r = s->r;
    if (r == NULL) {
        free(s);
        return false;
    }
    epoll_ctl(r->epfd, EPOLL_CTL_DEL, s->fd, NULL);
    WTA_TRACE(r->rt, IO_DEREGISTER, s->fd, wta_current_task_id());
    struct wta_waker w[2];
    wta_mutex_lock(&r->lock);
    s->closed = true;
    r->nsources--;
    if (s->prev != NULL)
        s->prev->next = s->next;
    else
        r->sources = s->next;
    if (s->next != NULL)
        s->next->prev = s->prev;
    w[0] = s->waker[0];
    w[1] = s->waker[1];
    s->waker[0] = s->waker[1] = (struct wta_waker){0};
    if (r->turning) {
        s->next_free = r->pending_free;   // an event may still point at it
        r->pending_free = s;
        s = NULL;
    }
    wta_mutex_unlock(&r->lock);
    wta_waker_drop(&w[0]);
    wta_waker_drop(&w[1]);
    free(s);
    return true;
}

int wta_io_fd(const struct wta_io_source *s) { return s->fd; }

/*
 * Is s ready for dir (WTA_IO_READ or WTA_IO_WRITE)? If so returns true and
 * the readiness tick in *tick. If not, stores the waker: the next event
 * for dir wakes it. The caller then returns PENDING.
 */
bool wta_io_poll_ready(struct wta_io_source *s, int dir, struct wta_context *cx,
                       uint64_t *tick)
{
    struct wta_reactor *r = s->r;
    struct wta_waker old = {0};
    int i = dir == WTA_IO_READ ? 0 : 1;
    wta_mutex_lock(&r->lock);
    bool ready = (s->ready & (uint32_t)dir) != 0;
    *tick = s->tick;
    if (!ready && !wta_waker_will_wake(&s->waker[i], cx->waker)) {
        old = s->waker[i];
        s->waker[i] = wta_waker_clone_held(cx->waker, WTA_WAIT_FD, (uint64_t)s->fd, i + 1);
    }
    wta_mutex_unlock(&r->lock);
    wta_waker_drop(&old);
    return ready;
}

/*
 * An operation saw EAGAIN, or a short read or write (io.c): clear dir's
 * readiness unless an event came since tick. A hang-up or an error stays:
 * no new event would come to report it again.
 */
void wta_io_clear_ready(struct wta_io_source *s, int dir, uint64_t tick)
{
    wta_mutex_lock(&s->r->lock);
    if (s->tick == tick)
        s->ready &= ~((uint32_t)dir & ~s->hup);
    wta_mutex_unlock(&s->r->lock);
}

/*
 * Deregisters s (no event can name it after this), then closes its fd and
 * records the close. Any thread; no operation on it may be pending.
 */
void wta_io_close(struct wta_io_source *s)
{
    int fd = s->fd;
    struct wta_runtime *rt = s->r != NULL ? s->r->rt : NULL;
    if (wta_io_deregister(s))   // else the runtime is gone: nothing to record into
        WTA_TRACE(rt, IO_OP, fd, WTA_S("close"), 0, wta_current_task_id());
    close(fd);   // not retried on EINTR: on Linux the fd is gone either way
}

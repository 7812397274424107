/*
 * reactor.c - the reactor: epoll for sockets, a deadline heap for timers.
 *
 * One turn (wta_reactor_turn) is: fire the timers that are due, then wait
 * in epoll until an fd is ready, the next deadline passes, or someone
 * interrupts us, then wake the tasks waiting on what became ready.
 *
 * Who turns it? Not a thread of its own: whichever worker runs out of
 * tasks first becomes the "driver" and waits in epoll_wait instead of on
 * its condvar (park.c). A push that finds the driver waiting writes to
 * an eventfd to interrupt it. So an idle runtime sleeps in one syscall and
 * burns no CPU, and timers fire whether or not any thread is in block_on.
 * (The original turned the reactor only inside block_on, every 100 us:
 * bug W5, kept switchable.)
 *
 * Waiting in epoll precisely enough for timers is reactor_wait.c; the
 * sockets' side (register, "ready?", "not any more") is io_source.c; the
 * structures they share are in reactor.h.
 *
 * The reactor lists its sources. One still open when the runtime is freed
 * is a socket the program forgot: stderr names it and where it was made,
 * and it is cut loose (s->r = NULL), so that closing its handle later
 * only closes the fd instead of touching the freed reactor.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include "reactor.h"

struct wta_reactor *wta_reactor_new(struct wta_runtime *rt)
{
    struct wta_reactor *r = wta_xcalloc(1, sizeof *r);
    r->rt = rt;
    r->epfd = epoll_create1(EPOLL_CLOEXEC);
    r->evfd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
    struct epoll_event ev = {.events = EPOLLIN, .data.ptr = NULL};  // NULL: the eventfd
    if (r->epfd < 0 || r->evfd < 0 || epoll_ctl(r->epfd, EPOLL_CTL_ADD, r->evfd, &ev) != 0) {
        int err = errno;
        if (r->epfd >= 0)
            close(r->epfd);
        if (r->evfd >= 0)
            close(r->evfd);
        free(r);
        errno = err;
        return NULL;
    }
    wta_mutex_init(&r->w5_lock);
    wta_mutex_init(&r->lock);
    wta_timer_heap_init(&r->timers, &r->lock);
    return r;
}

static void free_pending(struct wta_reactor *r)
{
    while (r->pending_free != NULL) {
        struct wta_io_source *s = r->pending_free;
        r->pending_free = s->next_free;
        free(s);
    }
}

/* Cuts a source the program never closed loose from the reactor, saying so. */
static void orphan(struct wta_io_source *s)
{
    char task[32] = "outside any task";
    if (s->task != 0)
        snprintf(task, sizeof task, "in task %llu", (unsigned long long)s->task);
    fprintf(stderr, "wta: wta_runtime_free: fd %d is still open: %s, made %s. It no longer "
            "works; close it (its handle stays safe to close)\n", s->fd, s->what, task);
    epoll_ctl(s->r->epfd, EPOLL_CTL_DEL, s->fd, NULL);
    wta_waker_drop(&s->waker[0]);   // the tasks are gone; their wakers' memory goes now
    wta_waker_drop(&s->waker[1]);
    s->r = NULL;
}

void wta_reactor_free(struct wta_reactor *r)
{
    while (r->sources != NULL) {   // no other thread runs now: no lock needed
        struct wta_io_source *s = r->sources;
        r->sources = s->next;
        orphan(s);
    }
    free_pending(r);
    wta_timer_heap_destroy(&r->timers);
    close(r->epfd);
    close(r->evfd);
    wta_mutex_destroy(&r->lock);
    wta_mutex_destroy(&r->w5_lock);
    free(r);
}

/* Interrupts a thread waiting in epoll_wait (or its next wait). Any thread. */
void wta_reactor_unpark(struct wta_reactor *r)
{
    uint64_t one = 1;
    while (write(r->evfd, &one, sizeof one) < 0 && errno == EINTR)
        ;   // EAGAIN: the counter is already non-zero, the wake is pending
}

/*
 * Hang check hook (hang.c): could the reactor still wake a task? Any
 * thread. *delivered (if not NULL): how many batches of wakes it has
 * handed to the tasks so far, so a caller can tell whether work came back
 * from the reactor between two looks.
 */
bool wta_reactor_busy(struct wta_reactor *r, uint64_t *delivered)
{
    wta_mutex_lock(&r->lock);
    bool busy = r->nsources > 0 || wta_timer_heap_len(&r->timers) > 0 || r->dispatching > 0;
    if (delivered != NULL)
        *delivered = r->delivered;
    wta_mutex_unlock(&r->lock);
    return busy;
}

/* Is a thread inside a turn (past reading the next deadline)? Hold the reactor's lock. */
bool wta_reactor_turning(struct wta_reactor *r)
{
    WTA_ASSERT_HELD(&r->lock, "reactor_turning: reactor lock not held");
    return r->turning;
}

struct wta_mutex *wta_reactor_lock(struct wta_reactor *r) { return &r->lock; }
struct wta_timer_heap *wta_reactor_timers(struct wta_reactor *r) { return &r->timers; }
struct wta_runtime *wta_reactor_runtime(struct wta_reactor *r) { return r->rt; }

/* ---------------------------------------------------------------- the turn */

/* Records an epoll event on s; returns the wakers to call (after unlock), each naming s's fd. */
static int take_ready(struct wta_io_source *s, uint32_t events, struct wta_wake *out)
{
    int n = 0;
    if (s->closed)
        return 0;
    uint32_t rd = EPOLLIN | EPOLLRDHUP | EPOLLHUP | EPOLLERR;
    uint32_t wr = EPOLLOUT | EPOLLHUP | EPOLLERR;
    s->tick++;
    if (events & (EPOLLRDHUP | EPOLLHUP | EPOLLERR))
        s->hup |= WTA_IO_READ;
    if (events & (EPOLLHUP | EPOLLERR))
        s->hup |= WTA_IO_WRITE;
    if (events & rd) {
        s->ready |= WTA_IO_READ;
        if (wta_waker_is_set(&s->waker[0]))
            out[n++] = (struct wta_wake){s->waker[0], (uint64_t)s->fd};
        s->waker[0] = (struct wta_waker){0};
    }
    if (events & wr) {
        s->ready |= WTA_IO_WRITE;
        if (wta_waker_is_set(&s->waker[1]))
            out[n++] = (struct wta_wake){s->waker[1], (uint64_t)s->fd};
        s->waker[1] = (struct wta_waker){0};
    }
    return n;
}

static const char *ready_name(uint32_t e)
{
    if (e & EPOLLERR)
        return "err";
    bool rd = e & (EPOLLIN | EPOLLRDHUP | EPOLLHUP), wr = e & EPOLLOUT;
    return rd && wr ? "rw" : rd ? "r" : "w";
}

/* Collected wakes are delivered: the reactor may look idle again. */
static void dispatched(struct wta_reactor *r)
{
    wta_mutex_lock(&r->lock);
    r->dispatching--;
    r->delivered++;
    wta_mutex_unlock(&r->lock);
}

/*
 * Fires every due timer, in batches of MAX_EVENTS: each batch's wakers are
 * collected under the lock and called after it. Returns how many fired.
 */
static int fire_due(struct wta_reactor *r)
{
    struct wta_wake wakers[MAX_EVENTS];
    int total = 0, n;
    do {
        wta_mutex_lock(&r->lock);
        n = wta_timer_heap_fire(&r->timers, r->rt, wakers, MAX_EVENTS);
        // Hang check hook: until the wakes are delivered, the reactor is not idle.
        r->dispatching += n > 0;
        wta_mutex_unlock(&r->lock);
        wta_wake_all(wakers, n, WTA_SRC_TIMER);   // collected first, woken after
        if (n > 0)
            dispatched(r);
        total += n;
    } while (n == MAX_EVENTS);
    return total;
}

/*
 * One turn: fire due timers, wait for events (at most until the next
 * deadline, and at most max_wait_ns; -1: no limit), wake their tasks, and
 * fire the timers that came due meanwhile. One thread at a time (the
 * executor's driver, or block_on under W5). Returns the number of wakes.
 */
/*
 * W5's turn, from block_on: with several threads in block_on each would
 * turn at once, so they take turns (the executor's driver and maintenance
 * are kept to one thread by ex->driving; under W5 no worker turns). Takes
 * the W5 lock with nothing else held.
 */
int wta_reactor_turn_w5(struct wta_reactor *r, int64_t max_wait_ns)
{
    wta_mutex_lock(&r->w5_lock);
    int n = wta_reactor_turn(r, max_wait_ns);
    wta_mutex_unlock(&r->w5_lock);
    return n;
}

int wta_reactor_turn(struct wta_reactor *r, int64_t max_wait_ns)
{
    struct wta_runtime *rt = r->rt;
    struct wta_wake wakers[2 * MAX_EVENTS];   // up to 2 per fd event
    struct epoll_event evs[MAX_EVENTS];

    wta_mutex_lock(&r->lock);
    r->turning = true;
    free_pending(r);
    wta_mutex_unlock(&r->lock);
    int fired = fire_due(r);
    wta_mutex_lock(&r->lock);
    int64_t wait = fired > 0 ? 0 : wta_timer_heap_wait_ns(&r->timers);   // LESSON 06: until the next deadline
    bool io = r->nsources > 0;
    wta_mutex_unlock(&r->lock);
    if (max_wait_ns >= 0 && (wait < 0 || wait > max_wait_ns))
        wait = max_wait_ns;

    WTA_TRACE(rt, REACTOR_TURN_BEGIN, wait);
    int n = wta_reactor_wait(r, evs, wait, io);

    int nwake = 0, nio = 0;
    wta_mutex_lock(&r->lock);
    for (int i = 0; i < n; i++) {
        struct wta_io_source *s = evs[i].data.ptr;
        if (s == NULL) {   // the eventfd: someone wants this thread back
            uint64_t v;
            while (read(r->evfd, &v, sizeof v) < 0 && errno == EINTR)
                ;
            continue;
        }
        int took = take_ready(s, evs[i].events, wakers + nwake);   // LESSON 07: the waiting task's waker
        if (!s->closed)   // task: the one this event wakes (the reader's, if both)
            WTA_TRACE(rt, IO_EVENT, s->fd, WTA_S(ready_name(evs[i].events)),
                      took > 0 ? wta_waker_task_id(&wakers[nwake].waker) : 0);
        nio++;
        nwake += took;
    }
    r->turning = false;
    r->dispatching++;
    free_pending(r);
    wta_mutex_unlock(&r->lock);
    wta_wake_all(wakers, nwake, WTA_SRC_REACTOR);
    dispatched(r);

    fired += fire_due(r);   // timers that came due while we waited: this turn, not the next
    WTA_TRACE(rt, REACTOR_TURN_END, nio, fired);
    return fired + nwake;
}

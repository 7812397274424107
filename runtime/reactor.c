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
 * Timers fire tens of microseconds late, not hundreds: the waiting
 * thread drops its timer slack, and a long wait is cut in two so that
 * epoll's own rounding stays small (wait_events).
 *
 * Sources (sockets) are registered once, edge-triggered, for both
 * directions. The reactor records readiness per direction; a leaf future
 * that gets EAGAIN clears it and stores its waker (io.c). A readiness tick
 * counts events, so a clear never erases an event that arrived after the
 * operation that saw EAGAIN.
 *
 * A source may be deregistered while another thread is inside epoll_wait
 * and about to report it: such sources are freed only after the turn
 * (pending_free), never under an event that points at them.
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
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/prctl.h>
#include <unistd.h>

#include "internal.h"

#define MAX_EVENTS 256

struct wta_io_source {
    int fd;
    struct wta_reactor *r;
    uint32_t ready;                  /* [r->lock] WTA_IO_READ | WTA_IO_WRITE */
    uint32_t hup;                    /* [r->lock] directions hung up or failed: stay ready */
    uint64_t tick;                   /* [r->lock] events seen so far */
    struct wta_waker waker[2];       /* [r->lock] reader, writer */
    bool closed;                     /* [r->lock] deregistered */
    struct wta_io_source *next_free; /* [r->lock] on pending_free */
    struct wta_io_source *prev, *next;  /* [r->lock] r->sources */
    char what[48];                   /* "a listener on port 4000", for the warning at free */
    uint64_t task;                   /* the task that made it (0: none) */
};

struct wta_reactor {
    struct wta_runtime *rt;
    int epfd, evfd;
    struct wta_mutex w5_lock;        /* W5: one block_on thread's turn at a time */
    struct wta_mutex lock;           /* guards sources, timers, turning */
    struct wta_timer_heap timers;    /* timer.c */
    int nsources;
    struct wta_io_source *sources;   /* registered, not yet deregistered */
    bool turning;                    /* a thread is inside a turn */
    int dispatching;                 /* wakes collected, not yet delivered (hang check hook) */
    struct wta_io_source *pending_free;
};

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

/* Hang check hook (hang.c): could the reactor still wake a task? Any thread. */
bool wta_reactor_busy(struct wta_reactor *r)
{
    wta_mutex_lock(&r->lock);
    bool busy = r->nsources > 0 || wta_timer_heap_len(&r->timers) > 0 || r->dispatching > 0;
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

/* ---------------------------------------------------------------- sources */

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
    wta_mutex_unlock(&r->lock);
}

/*
 * Takes this thread's timer slack down to 1 ns, once per thread. Linux
 * lets a sleeping thread's timeout expire up to its "timer slack" late
 * (50 us by default) so that it can batch wake-ups: every timer would
 * fire that much late. Any thread that waits in a turn.
 */
static void no_timer_slack(void)
{
    static _Thread_local bool done;
    if (done)
        return;
    done = true;
    if (prctl(PR_SET_TIMERSLACK, 1UL, 0UL, 0UL, 0UL) != 0)
        wta_panic("prctl PR_SET_TIMERSLACK");
}

/*
 * epoll_wait with a nanosecond timeout (-1: none). epoll_pwait2 needs
 * Linux 5.11; where it is missing (older kernels, valgrind) fall back to
 * epoll_wait, rounding the timeout *up* to a millisecond: late, never early.
 */
static int epoll_wait_ns(struct wta_reactor *r, struct epoll_event *evs, int64_t wait_ns)
{
    static _Atomic bool no_pwait2;
    int n = -1;
    if (!wta_atomic_load_explicit(&no_pwait2, memory_order_relaxed)) {
        struct timespec ts = {.tv_sec = wait_ns / 1000000000, .tv_nsec = wait_ns % 1000000000};
        n = epoll_pwait2(r->epfd, evs, MAX_EVENTS, wait_ns < 0 ? NULL : &ts, NULL);
        if (n < 0 && errno == ENOSYS)
            wta_atomic_store(&no_pwait2, true);
    }
    if (wta_atomic_load_explicit(&no_pwait2, memory_order_relaxed)) {
        int64_t ms = wait_ns < 0 ? -1 : (wait_ns + 999999) / 1000000;
        n = epoll_wait(r->epfd, evs, MAX_EVENTS, ms > INT32_MAX ? INT32_MAX : (int)ms);
    }
    if (n < 0 && errno != EINTR)
        wta_panic("epoll_wait");
    return n < 0 ? 0 : n;
}

/* Waits longer than this are split in two (wait_events). */
#define SPLIT_MIN_NS 2000000

/*
 * Waits for events or wait_ns (-1: no limit). Besides the timer slack,
 * epoll lets a timeout of T end up to T/1000 late (T/200 for a niced
 * process: the kernel's select_estimate_accuracy), 50 to 250 us for a
 * 50 ms wait. So a long wait is split: sleep until T/128 before the end
 * (late by T/200 at most: still early), then sleep the short rest, whose
 * own error is about a hundred times smaller. It costs one more wake-up
 * per long wait.
 */
static int wait_events(struct wta_reactor *r, struct epoll_event *evs, int64_t wait_ns,
                       bool io)
{
    no_timer_slack();
    if (wta_sim_me != NULL) {
        // Deterministic mode: wait as a runner, until the epoll fd is
        // readable or wait_ns of virtual time has passed; then take the
        // events without blocking.
        wta_sim_wait_fd(r->epfd, wait_ns, io);
        return epoll_wait_ns(r, evs, 0);
    }
    if (wait_ns < SPLIT_MIN_NS)
        return epoll_wait_ns(r, evs, wait_ns);
    uint64_t end_ns = wta_clock_ns() + (uint64_t)wait_ns;
    int n = epoll_wait_ns(r, evs, wait_ns - wait_ns / 128);
    uint64_t now = wta_clock_ns();
    if (n > 0 || now >= end_ns)
        return n;
    return epoll_wait_ns(r, evs, (int64_t)(end_ns - now));
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
    int n = wait_events(r, evs, wait, io);

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

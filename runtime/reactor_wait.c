/*
 * reactor_wait.c - waiting in epoll so that timers fire on time.
 *
 * Timers fire tens of microseconds late, not hundreds: the waiting
 * thread drops its timer slack, and a long wait is cut in two so that
 * epoll's own rounding stays small. In deterministic mode the wait is
 * in virtual time, as a runner of the simulation (sim_block.c).
 *
 * Only the thread in a turn waits here (reactor.c), with no lock held.
 */
#include <errno.h>
#include <stdint.h>
#include <sys/prctl.h>
#include <time.h>

#include "reactor.h"

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

/* Waits longer than this are split in two (wta_reactor_wait). */
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
int wta_reactor_wait(struct wta_reactor *r, struct epoll_event *evs, int64_t wait_ns, bool io)
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

/*
 * sim.c - deterministic mode: every runtime thread runs one at a time, in
 * an order chosen by a seeded generator, on a virtual clock. This file
 * holds the runners, the scheduler and the clock; how a runner waits and
 * its thread starts and ends is sim_block.c; the trace's own fd and port
 * numbers, sim_trace.c.
 *
 * The model: real threads passing a baton. Each thread of the runtime -
 * the creating thread ("main", which runs block_on), the workers and the
 * blocking threads - is a *runner*. Exactly one runner holds the baton and
 * runs; the others wait on their own condvar. At every switch point the
 * holder asks the scheduler who runs next and, if that is someone else,
 * hands the baton over and waits until it comes back. Switch points live
 * inside the primitives (sync.c): each lock and unlock, each publishing
 * atomic, condvar waits and signals, thread start and join; and the
 * runtime adds a few of its own (before and after each poll, the
 * reactor's wait). So no code can race past the scheduler: anything new
 * that synchronizes goes through those wrappers and becomes a switch point.
 *
 * Why real threads and not coroutines on one thread: the runtime's code
 * stays exactly the code that runs in real mode (thread-local state,
 * blocking jobs that really block, the trace writer), and the sanitizers
 * keep checking it; the price is a futex hand-off per switch, which a
 * teaching runtime can afford.
 *
 * Who runs next: PCT (probabilistic concurrency testing, Burckhardt et
 * al. 2010). Each runner gets a random priority when it is started; the
 * runnable runner with the highest priority runs. At a change point the
 * running runner's priority drops below every other. PCT places d change
 * points at random steps of a run of known length; the length is not
 * known here, so each switch point is a change point with probability
 * 1/CHANGE_ODDS (a Poisson process with the same effect). A bug that
 * needs one thread to be preempted at one exact point (W2: a wake from
 * another worker inside a poll) is then found with a probability that does
 * not shrink with the number of other switch points in the run.
 *
 * Blocking (sim_block.c): a runner that cannot go on gives up the baton,
 * marked waiting on the object it needs, until someone wakes it.
 *
 * The virtual clock starts at VIRTUAL_START_NS and advances STEP_NS at
 * every switch point, so time passes while runners work. When every runner
 * waits it jumps to the earliest deadline; if there is none but sockets are
 * registered it waits for the kernel (loopback traffic from a write that
 * was already made); if nothing at all can happen, the thread in block_on
 * is woken to report the hang (-EDEADLK), as the real hang check would.
 *
 * Left out on purpose: threads the runtime did not start (a test's own
 * pthread) are not runners; if they touch the runtime while it steps, the
 * order is no longer a function of the seed. The trace writer is one such
 * thread; it only formats and writes, and the recorder's calls into it run
 * outside the scheduler (wta_sim_detach), so tracing adds no switch
 * points. The kernel's part in I/O is taken as it comes: how much of a
 * large write a socket accepts can vary with the machine's memory, so only
 * runs whose writes fit in the socket buffers are sure to repeat byte for
 * byte.
 */
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>

#include "sim.h"

#define VIRTUAL_START_NS 1000000000ull  /* t = 0 of a deterministic trace */
#define STEP_NS 100                     /* virtual time one switch point takes */
#define CHANGE_ODDS 8                  /* 1 in CHANGE_ODDS switch points is a change point */

_Thread_local struct wta_sim_runner *wta_sim_me;

const char wta_sim_waiting_fd = 0;       /* only its address is used (sim.h) */

/* splitmix64: small, fast, and the same numbers on every machine. */
static uint64_t next_random(struct wta_sim *s)
{
    uint64_t z = (s->rng += 0x9e3779b97f4a7c15ull);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
}

/* A new runner, runnable, with a random priority above every change point's. */
struct wta_sim_runner *wta_sim_add_runner(struct wta_sim *s)
{
    if (s->n == s->cap) {
        s->cap = s->cap ? 2 * s->cap : 8;
        s->r = realloc(s->r, (size_t)s->cap * sizeof *s->r);
        if (s->r == NULL)
            wta_panic("oom");
    }
    struct wta_sim_runner *r = wta_xcalloc(1, sizeof *r);
    r->sim = s;
    r->index = s->n;
    pthread_cond_init(&r->go, NULL);
    r->prio = (1ull << 40) + (next_random(s) >> 24);
    r->wait_fd = -1;
    s->r[s->n++] = r;
    return r;
}

struct wta_sim *wta_sim_new(uint64_t seed, const void *hang_obj)
{
    if (wta_sim_me != NULL)
        return NULL;   // one deterministic runtime per thread at a time
    struct wta_sim *s = wta_xcalloc(1, sizeof *s);
    pthread_mutex_init(&s->lock, NULL);
    s->seed = seed;
    s->rng = seed;
    s->now_ns = VIRTUAL_START_NS;
    s->low_prio = 1ull << 32;
    s->hang_obj = hang_obj;
    struct wta_sim_runner *me = wta_sim_add_runner(s);
    me->tid = wta_thread_id();
    s->current = me;
    wta_sim_me = me;
    return s;
}

/* The calling thread (the creator) must be the last runner left. */
void wta_sim_free(struct wta_sim *s)
{
    if (s == NULL)
        return;
    for (int i = 0; i < s->n; i++) {
        pthread_cond_destroy(&s->r[i]->go);
        free(s->r[i]);
    }
    free(s->r);
    pthread_mutex_destroy(&s->lock);
    free(s);
    wta_sim_me = NULL;
}

uint64_t wta_sim_seed(const struct wta_sim *s) { return s->seed; }

uint64_t wta_sim_now(void)
{
    return wta_sim_me->sim->now_ns;
}

uint64_t wta_sim_start_ns(void)
{
    return VIRTUAL_START_NS;
}

/* ---------------------------------------------------------------- choosing */

static bool fd_readable(int fd)
{
    struct pollfd p = {.fd = fd, .events = POLLIN};
    return poll(&p, 1, 0) > 0;
}

/* Marks runnable every fd waiter whose fd is readable or deadline passed. */
static void check_waiters(struct wta_sim *s)
{
    for (int i = 0; i < s->n; i++) {
        struct wta_sim_runner *r = s->r[i];
        if (r->done || r->waiting_on != &wta_sim_waiting_fd)
            continue;
        if (r->deadline_ns <= s->now_ns || (r->wait_fd >= 0 && fd_readable(r->wait_fd)))
            r->waiting_on = NULL;
    }
}

static struct wta_sim_runner *highest_runnable(struct wta_sim *s)
{
    struct wta_sim_runner *best = NULL;
    for (int i = 0; i < s->n; i++) {
        struct wta_sim_runner *r = s->r[i];
        if (!r->done && r->waiting_on == NULL && (best == NULL || r->prio > best->prio))
            best = r;
    }
    return best;
}

/* Every runner waits: make something possible, or report the hang. Holds s->lock. */
static void when_all_wait(struct wta_sim *s)
{
    // 1. The clock jumps to the earliest deadline.
    uint64_t first = NO_DEADLINE;
    for (int i = 0; i < s->n; i++)
        if (!s->r[i]->done && s->r[i]->waiting_on == &wta_sim_waiting_fd &&
            s->r[i]->deadline_ns < first)
            first = s->r[i]->deadline_ns;
    if (first != NO_DEADLINE) {
        if (first > s->now_ns)
            s->now_ns = first;
        return;
    }
    // 2. No deadline, but sockets: only the kernel can move things now.
    for (int i = 0; i < s->n; i++) {
        struct wta_sim_runner *r = s->r[i];
        if (!r->done && r->waiting_on == &wta_sim_waiting_fd && r->fd_may_wake) {
            struct pollfd p = {.fd = r->wait_fd, .events = POLLIN};
            while (poll(&p, 1, -1) < 0 && errno == EINTR)
                ;
            return;
        }
    }
    // 3. Nothing can ever happen: block_on reports it.
    for (int i = 0; i < s->n; i++) {
        if (!s->r[i]->done && s->r[i]->waiting_on == s->hang_obj && s->hang_obj != NULL) {
            s->hung = true;
            s->r[i]->waiting_on = NULL;
            return;
        }
    }
    fprintf(stderr, "wta: deterministic mode (seed %llu): every thread waits and nothing "
            "can wake one\n", (unsigned long long)s->seed);
    wta_panic("sim: all runners wait");
}

/* Who runs next. Holds s->lock. */
static struct wta_sim_runner *pick(struct wta_sim *s)
{
    for (;;) {
        check_waiters(s);
        struct wta_sim_runner *r = highest_runnable(s);
        if (r != NULL)
            return r;
        when_all_wait(s);
    }
}

/*
 * One switch point of the baton holder `me`: time passes, maybe a change
 * point, then the scheduler's choice runs. Returns when `me` holds the
 * baton again (at once if it is still the choice). Holds s->lock.
 */
void wta_sim_reschedule(struct wta_sim *s, struct wta_sim_runner *me)
{
    s->now_ns += STEP_NS;
    s->steps++;
    if (me->waiting_on == NULL && !me->done && next_random(s) % CHANGE_ODDS == 0)
        me->prio = s->low_prio--;   // a change point: everyone else goes first now
    struct wta_sim_runner *next = pick(s);
    if (next == me)
        return;
    s->current = next;
    pthread_cond_signal(&next->go);
    if (me->done)
        return;
    while (s->current != me)
        pthread_cond_wait(&me->go, &s->lock);
}

void wta_sim_point_slow(void)
{
    struct wta_sim_runner *me = wta_sim_me;
    struct wta_sim *s = me->sim;
    pthread_mutex_lock(&s->lock);
    wta_sim_reschedule(s, me);
    pthread_mutex_unlock(&s->lock);
}

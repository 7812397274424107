/*
 * sim_block.c - deterministic mode's waits: how a runner stops until it
 * can go on, and is woken, without blocking its OS thread (sim.c chooses
 * who runs next among the runnable).
 *
 * A runner that cannot go on (a lock held by another runner, a condvar,
 * a join, the reactor waiting for events) is marked waiting on that
 * object and gives up the baton; whoever unlocks, signals or exits marks
 * it runnable again. sync.c's wrappers wait on the lock or the condvar
 * itself; a join waits on the joined runner. The reactor's wait watches
 * its epoll fd (polled without blocking, and without taking its events,
 * at each decision) and a virtual deadline; time spent in code the
 * runtime does not see is a wait on a deadline alone.
 *
 * Threads: a runtime thread starts as a runner (not runnable until its OS
 * thread exists, and running only once handed the baton) and, when its
 * function returns, wakes its joiners and hands the baton on for good.
 */
#include <stdlib.h>

#include "sim.h"

/* ---------------------------------------------------------------- waiting */

/* Gives up the baton until someone wakes `obj` (wta_sim_wake). */
void wta_sim_block(const void *obj)
{
    struct wta_sim_runner *me = wta_sim_me;
    struct wta_sim *s = me->sim;
    pthread_mutex_lock(&s->lock);
    me->waiting_on = obj;
    wta_sim_reschedule(s, me);
    pthread_mutex_unlock(&s->lock);
}

/* Makes runnable the first (or every) runner waiting on obj. Baton holder only. */
void wta_sim_wake(const void *obj, bool all)
{
    struct wta_sim *s = wta_sim_me->sim;
    pthread_mutex_lock(&s->lock);
    for (int i = 0; i < s->n; i++) {
        if (s->r[i]->waiting_on == obj) {
            s->r[i]->waiting_on = NULL;
            if (!all)
                break;
        }
    }
    pthread_mutex_unlock(&s->lock);
}

/*
 * The reactor's wait: gives up the baton until fd is readable, or wait_ns
 * of virtual time has passed (-1: no limit). may_wake: sockets are
 * registered, so the kernel may make fd readable while every runner waits.
 */
void wta_sim_wait_fd(int fd, int64_t wait_ns, bool may_wake)
{
    struct wta_sim_runner *me = wta_sim_me;
    struct wta_sim *s = me->sim;
    pthread_mutex_lock(&s->lock);
    if (wait_ns != 0) {
        me->waiting_on = &wta_sim_waiting_fd;
        me->wait_fd = fd;
        me->fd_may_wake = may_wake;
        me->deadline_ns = wait_ns < 0 ? NO_DEADLINE : s->now_ns + (uint64_t)wait_ns;
    }
    wta_sim_reschedule(s, me);
    me->wait_fd = -1;
    pthread_mutex_unlock(&s->lock);
}

/*
 * The baton holder spent ns in code the runtime does not see (a
 * computation, a blocking call). It was busy for ns while the other
 * threads went on, so it waits out ns of virtual time as a deadline, and
 * the others run meanwhile: a timer due halfway fires halfway.
 */
void wta_sim_spend(uint64_t ns)
{
    wta_sim_wait_fd(-1, (int64_t)ns, false);
}

/* block_on after a wake: did the scheduler wake it to report a hang? (Clears it.) */
bool wta_sim_take_hang(struct wta_sim *s)
{
    pthread_mutex_lock(&s->lock);
    bool hung = s->hung;
    s->hung = false;
    pthread_mutex_unlock(&s->lock);
    return hung;
}

/* Is the thread with this wta_thread_id() a runner of the caller's sim? */
bool wta_sim_is_runner(unsigned long tid)
{
    struct wta_sim *s = wta_sim_me->sim;
    pthread_mutex_lock(&s->lock);
    bool found = false;
    for (int i = 0; i < s->n && !found; i++)
        found = s->r[i]->tid == tid && !s->r[i]->done;
    pthread_mutex_unlock(&s->lock);
    return found;
}

/* ---------------------------------------------------------------- threads */

static void *trampoline(void *p)
{
    struct wta_sim_runner *r = p;
    struct wta_sim *s = r->sim;
    pthread_mutex_lock(&s->lock);
    while (s->current != r)
        pthread_cond_wait(&r->go, &s->lock);
    r->tid = wta_thread_id();
    pthread_mutex_unlock(&s->lock);
    wta_sim_me = r;
    void *ret = r->fn(r->arg);

    pthread_mutex_lock(&s->lock);
    r->done = true;
    for (int i = 0; i < s->n; i++)
        if (s->r[i]->waiting_on == r)   // joiners
            s->r[i]->waiting_on = NULL;
    wta_sim_reschedule(s, r);   // hands the baton on for good
    pthread_mutex_unlock(&s->lock);
    wta_sim_me = NULL;
    return ret;
}

/* Starts fn(arg) on a new thread that runs as a runner. 0 or -errno. */
int wta_sim_thread_start(pthread_t *th, void *(*fn)(void *), void *arg)
{
    struct wta_sim *s = wta_sim_me->sim;
    pthread_mutex_lock(&s->lock);
    struct wta_sim_runner *r = wta_sim_add_runner(s);
    r->fn = fn;
    r->arg = arg;
    r->waiting_on = &wta_sim_waiting_fd;   // not runnable until its thread exists
    r->deadline_ns = NO_DEADLINE;
    pthread_mutex_unlock(&s->lock);
    int err = pthread_create(th, NULL, trampoline, r);
    pthread_mutex_lock(&s->lock);
    if (err != 0) {
        r->done = true;
    } else {
        r->thread = *th;
        r->has_thread = true;
        r->waiting_on = NULL;
    }
    pthread_mutex_unlock(&s->lock);
    if (err == 0)
        wta_sim_point_slow();
    return -err;
}

/* Waits (as a runner) until the thread th has returned, then joins it. */
void wta_sim_thread_join(pthread_t th)
{
    struct wta_sim_runner *me = wta_sim_me;
    struct wta_sim *s = me->sim;
    pthread_mutex_lock(&s->lock);
    struct wta_sim_runner *r = NULL;
    for (int i = 0; i < s->n && r == NULL; i++)
        if (s->r[i]->has_thread && pthread_equal(s->r[i]->thread, th))
            r = s->r[i];
    if (r == NULL)
        wta_panic("sim: join of a thread that is not a runner");
    while (!r->done) {
        me->waiting_on = r;
        wta_sim_reschedule(s, me);
    }
    pthread_mutex_unlock(&s->lock);
    pthread_join(th, NULL);
}

/* The recorder's calls into the writer thread run outside the scheduler. */
struct wta_sim_runner *wta_sim_detach(void)
{
    struct wta_sim_runner *me = wta_sim_me;
    wta_sim_me = NULL;
    return me;
}

void wta_sim_attach(struct wta_sim_runner *r)
{
    wta_sim_me = r;
}

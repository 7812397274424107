/*
 * steal.c - where a worker finds its next task, under the per-worker
 * scheduler (cfg.scheduler = WTA_SCHED_LOCAL, the default).
 *
 * Each worker keeps what it spawns, wakes and yields in its own queue:
 * the task it just woke is likely to touch the same data, and no other
 * worker contends for that queue's lock. Spawns and wakes from outside the
 * workers (main, blocking threads) go to the shared global queue.
 *
 * A worker looks, in order (wta_find_task):
 *   0. every GLOBAL_FIRST_TICK-th poll only: the global queue first, so
 *      work that arrives from outside is never starved by a busy worker;
 *   1. its "next" slot: the task it woke last (a channel's receiver, a
 *      socket's reader) runs right after the waker, on the same worker;
 *      after NEXT_MAX slot runs in a row (runq.c) the slot waits its turn in the
 *      queue, so two tasks waking each other cannot starve the rest;
 *   2. its own queue;
 *   3. the global queue, taking a fair share (len / workers + 1) in one
 *      lock, so N idle workers split a burst instead of queueing on it;
 *   4. another worker's queue, taking its older half ("work stealing"), so
 *      no task waits behind a busy worker while another worker is idle.
 * Only then does it park (park.c), after one more look under the lock.
 *
 * None of this is in the original (one global queue, wta's scheduler,
 * kept as WTA_SCHED_GLOBAL). The slot, the tick and its number (61) are
 * tokio 1.x's: its LIFO slot and its global_queue_interval.
 *
 * Locks: a worker's qlock before ex->lock (from_global); a thief holds two
 * qlocks at once, the lower-numbered worker's first (steal_from).
 */
#include "executor.h"

#define GLOBAL_FIRST_TICK 61
#define REFILL_MAX 64

static struct wta_task *pop_local(struct wta_worker *w)
{
    if (wta_atomic_load_explicit(&w->local.len, memory_order_relaxed) == 0)
        return NULL;
    wta_mutex_lock(&w->qlock);
    struct wta_task *t = wta_runq_pop(w->ex->rt, &w->local);
    wta_mutex_unlock(&w->qlock);
    return t;
}

/* One task from the global queue, plus a fair share moved to our own queue. */
static struct wta_task *from_global(struct wta_worker *w)
{
    struct wta_executor *ex = w->ex;
    if (wta_atomic_load(&ex->global.len) == 0)
        return NULL;   // a peek: parking looks again under the lock
    wta_mutex_lock(&w->qlock);
    wta_mutex_lock(&ex->lock);
    uint64_t len = wta_atomic_load(&ex->global.len);
    uint64_t share = len / (uint64_t)ex->nworkers + 1;
    if (share > REFILL_MAX)
        share = REFILL_MAX;
    struct wta_task *t = wta_runq_pop(ex->rt, &ex->global);
    if (t != NULL)
        wta_runq_move(ex->rt, &ex->global, &w->local, share - 1);
    wta_mutex_unlock(&ex->lock);
    wta_mutex_unlock(&w->qlock);
    return t;
}

/* Takes the older half of victim v's queue: one to run, the rest to ours. */
static struct wta_task *steal_from(struct wta_worker *w, struct wta_worker *v)
{
    if (wta_atomic_load(&v->local.len) == 0)
        return NULL;
    // Two queue locks: always the lower-numbered worker's first.
    struct wta_worker *first = w->index < v->index ? w : v;
    struct wta_worker *second = first == w ? v : w;
    wta_mutex_lock(&first->qlock);
    wta_mutex_lock(&second->qlock);
    uint64_t half = (wta_atomic_load(&v->local.len) + 1) / 2;   // LESSON 16: the older half
    struct wta_task *t = wta_runq_pop(w->ex->rt, &v->local);
    if (t != NULL && half > 1)
        wta_runq_move(w->ex->rt, &v->local, &w->local, half - 1);
    wta_mutex_unlock(&second->qlock);
    wta_mutex_unlock(&first->qlock);
    return t;
}

static struct wta_task *steal(struct wta_worker *w)
{
    struct wta_executor *ex = w->ex;
    for (int i = 1; i < ex->nworkers; i++) {
        struct wta_task *t = steal_from(w, &ex->workers[(w->index + i) % ex->nworkers]);
        if (t != NULL)
            return t;
    }
    return NULL;
}

/* The next task for w, or NULL if every queue looked empty. Never sleeps. */
struct wta_task *wta_find_task(struct wta_worker *w)
{
    struct wta_task *t = NULL;
    bool global_first = w->polls % GLOBAL_FIRST_TICK == 0;
    if (global_first)
        t = from_global(w);
    if (t == NULL && (t = wta_next_take(w)) != NULL)
        return t;
    w->next_streak = 0;
    if (t == NULL)
        t = pop_local(w);
    if (t == NULL && !global_first)
        t = from_global(w);
    if (t == NULL)
        t = steal(w);
    return t;
}

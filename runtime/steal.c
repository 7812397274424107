/*
 * steal.c - where a worker finds its next task, under the per-worker
 * scheduler (cfg.scheduler = WTA_SCHED_LOCAL, the default).
 *
 * Each worker keeps what it spawns, wakes and yields in its own queue, a
 * ring with no lock (ring.c): the task it just woke is likely to touch
 * the same data, and only a thief ever contends for that queue. Spawns and wakes from outside the
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
 *   4. another worker's queue, taking its older half with one
 *      compare-and-swap ("work stealing"), so no task waits behind a busy
 *      worker while another worker is idle.
 * Only then does it park (park.c), after one more look under the lock.
 *
 * None of this is in the original (one global queue, wta's scheduler,
 * kept as WTA_SCHED_GLOBAL). The slot, the tick and its number (61) are
 * tokio 1.x's: its LIFO slot and its global_queue_interval.
 *
 * Locks: only ex->lock, to take from the global queue (from_global).
 */
#include "executor.h"

#define GLOBAL_FIRST_TICK 61
#define REFILL_MAX 64

/*
 * One task from the global queue, plus a fair share moved to our own
 * queue, as far as it has room (so the move never overflows back).
 */
static struct wta_task *from_global(struct wta_worker *w)
{
    struct wta_executor *ex = w->ex;
    if (wta_atomic_load(&ex->global.len) == 0)
        return NULL;   // a peek: parking looks again under the lock
    uint64_t room = WTA_RING_CAP - wta_ring_len(&w->local);   // only thieves change it: upward
    wta_mutex_lock(&ex->lock);
    uint64_t len = wta_atomic_load(&ex->global.len);
    uint64_t share = len / (uint64_t)ex->nworkers + 1;
    if (share > REFILL_MAX)
        share = REFILL_MAX;
    if (share > room + 1)
        share = room + 1;
    struct wta_task *t = wta_runq_pop(ex->rt, &ex->global);
    struct wta_task *more;
    for (uint64_t i = 1; t != NULL && i < share; i++) {
        if ((more = wta_runq_pop(ex->rt, &ex->global)) == NULL)
            break;
        if (!wta_ring_push(ex->rt, &w->local, more))   // room was counted above
            wta_panic("from_global: own queue full");
    }
    wta_mutex_unlock(&ex->lock);
    return t;
}

/* Takes the older half of another worker's queue: one to run, the rest to ours. */
static struct wta_task *steal(struct wta_worker *w)
{
    struct wta_executor *ex = w->ex;
    for (int i = 1; i < ex->nworkers; i++) {
        struct wta_worker *v = &ex->workers[(w->index + i) % ex->nworkers];
        struct wta_task *t = wta_ring_steal(ex->rt, &w->local, &v->local);   // LESSON 16: the older half
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
        t = wta_ring_pop(w->ex->rt, &w->local);
    if (t == NULL && !global_first)
        t = from_global(w);
    if (t == NULL)
        t = steal(w);
    return t;
}

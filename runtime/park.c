/*
 * park.c - putting workers to sleep and waking them up.
 *
 * The lost wakeup (xv6's sleep/wakeup): a worker must never decide "no
 * work" and sleep where a pusher cannot see it. So it registers as a
 * sleeper under ex->lock and looks at the queues once more *after*
 * registering; a push to the global queue happens under the same lock,
 * and a push to a local queue reads the sleeper count after pushing. One
 * of the two always sees the other. The original looked, let go of the
 * lock, then registered (bug W3).
 *
 * Waking is rationed (per-worker scheduler): a push wakes a sleeper only
 * if no worker is already "searching" (woken and looking for work); a
 * searcher that finds work and sees more left wakes the next. That keeps
 * a burst of spawns from waking every worker for one task each.
 *
 * The first worker to sleep waits in the reactor (epoll) rather than on a
 * condvar: it is the "driver" (reactor.c). A push wakes a condvar sleeper
 * if there is one, else interrupts the driver.
 */
#include "executor.h"

/* ---------------------------------------------------------------- waking */

/*
 * Wakes one sleeping worker: a condvar sleeper if any, else the driver.
 * Must hold ex->lock. Returns what the caller must do after unlocking:
 * signal *to_signal, or interrupt the reactor (*interrupt).
 */
void wta_pick_sleeper(struct wta_executor *ex, const char *why,
                      struct wta_worker **to_signal, bool *interrupt)
{
    struct wta_worker *w = ex->sleepers;
    *to_signal = NULL;
    *interrupt = false;
    if (w != NULL) {
        ex->sleepers = w->next_sleeper;
        w->unparked = true;
        *to_signal = w;
    } else if (ex->driver_waiting) {
        ex->driver_waiting = false;
        w = ex->driver;
        // The driver pushing what its own turn woke needs no interrupt.
        *interrupt = wta_self.worker != w;
    } else {
        return;
    }
    atomic_store(&ex->nparked, ex->nparked - 1);
    if (ex->per_worker)
        atomic_fetch_add(&ex->nsearching, 1);   // it wakes up looking for work
    w->unpark_t = 0;
    if (ex->rt->trace != NULL && wta_self.worker != w)
        w->unpark_t = wta_trace_rec(ex->rt, 0, WTA_EV_WORKER_UNPARK, w->index,
                                    WTA_S(why), 0, 0, 0, 0);
}

void wta_finish_wake(struct wta_executor *ex, struct wta_worker *to_signal, bool interrupt)
{
    if (to_signal != NULL)
        pthread_cond_signal(&to_signal->cond);
    if (interrupt)
        wta_reactor_unpark(ex->rt->reactor);
}

/* Wakes one sleeper to come and look for work (per-worker scheduler). */
void wta_executor_wake_searcher(struct wta_executor *ex)
{
    struct wta_worker *w;
    bool interrupt;
    wta_mutex_lock(&ex->lock);
    wta_pick_sleeper(ex, "steal", &w, &interrupt);
    wta_mutex_unlock(&ex->lock);
    wta_finish_wake(ex, w, interrupt);
}

static bool work_left(struct wta_executor *ex)
{
    if (atomic_load(&ex->global.len) > 0)
        return true;
    for (int i = 0; i < ex->nworkers; i++)
        if (atomic_load(&ex->workers[i].local.len) > 0)
            return true;
    return false;
}

/* A searching worker found a task: the last searcher wakes the next if work is left. */
void wta_found_work(struct wta_worker *w)
{
    struct wta_executor *ex = w->ex;
    if (!w->searching)
        return;
    w->searching = false;
    if (atomic_fetch_sub(&ex->nsearching, 1) == 1 && atomic_load(&ex->nparked) > 0 &&
        work_left(ex))
        wta_executor_wake_searcher(ex);
}

/*
 * Runnable: queue t and, if needed, wake a sleeping worker. Any thread.
 * woken: t was woken (not spawned or re-queued after a yield); under the
 * per-worker scheduler a worker runs what it woke next, in its slot.
 */
void wta_executor_push(struct wta_executor *ex, struct wta_task *t, bool woken)
{
    struct wta_worker *me = wta_self.worker;
    if (ex->per_worker && me != NULL && me->ex == ex) {
        if (woken) {
            // LESSON 08: the task we just woke (the other end of a channel, a
            // socket's reader) runs next, here: its data is still in our cache.
            struct wta_task *displaced = me->next;
            wta_next_put(me, t);
            if (displaced == NULL)
                return;
            t = displaced;   // the one it replaces waits in the queue, stealable
        }
        wta_mutex_lock(&me->qlock);
        runq_push(ex->rt, &me->local, t);   // LESSON 07: keep it close: our own queue
        bool more = atomic_load(&me->local.len) + (me->next != NULL) > 1;
        wta_mutex_unlock(&me->qlock);
        // One task in our queue is the one we run next ourselves: waking a
        // sleeper for it would only make two threads race for it. From the
        // second on, another worker could help. (Read after the push: pairs
        // with park()'s register-then-look.)
        if (more && atomic_load(&ex->nsearching) == 0 && atomic_load(&ex->nparked) > 0)
            wta_executor_wake_searcher(ex);
        return;
    }
    struct wta_worker *w = NULL;
    bool interrupt = false;
    wta_mutex_lock(&ex->lock);
    if (ex->shutdown) {
        // Nobody will poll it; shutdown's drop_all finds it in rt->task_lists.
        wta_mutex_unlock(&ex->lock);
        return;
    }
    runq_push(ex->rt, &ex->global, t);
    if (!ex->per_worker || atomic_load(&ex->nsearching) == 0)
        wta_pick_sleeper(ex, "push", &w, &interrupt);   // LESSON 01: push + wake one sleeper
    wta_mutex_unlock(&ex->lock);
    wta_finish_wake(ex, w, interrupt);
}

/* ---------------------------------------------------------------- parking */

/* Is there a task anywhere? Must hold ex->lock (exact for global; a peek for locals). */
static bool any_work(struct wta_executor *ex)
{
    return work_left(ex);
}

/*
 * Sleeps until a push picks this worker, or shutdown. Must hold ex->lock;
 * lets go of it while asleep. With recheck, looks at the queues once more
 * after registering (the fix for W3). The first sleeper waits in the
 * reactor; the last one to sleep pokes block_on's hang check.
 */
void wta_park(struct wta_worker *w, bool recheck)
{
    struct wta_executor *ex = w->ex;
    if (w->searching) {
        w->searching = false;   // before the last look: pairs with push's check
        atomic_fetch_sub(&ex->nsearching, 1);
    }
    bool drive = !ex->driving && !wta_bug(ex->rt, WTA_BUG_W5);
    int parked = atomic_load(&ex->nparked) + 1;
    atomic_store(&ex->nparked, parked);
    if (drive) {
        ex->driving = true;
        ex->driver = w;
        ex->driver_waiting = true;
    } else {
        w->unparked = false;
        w->next_sleeper = ex->sleepers;
        ex->sleepers = w;
    }
    if (recheck && (any_work(ex) || w->next != NULL)) {   // LESSON 03: registered, then look again
        // Take ourselves back out (we are still on top: we hold the lock).
        if (drive) {
            ex->driver_waiting = false;
            ex->driving = false;
            ex->driver = NULL;
        } else {
            ex->sleepers = w->next_sleeper;
        }
        atomic_store(&ex->nparked, ex->nparked - 1);
        return;
    }
    WTA_TRACE(ex->rt, WORKER_PARK, w->index, atomic_load(&ex->global.len));
    // The last to sleep asks block_on to look for a hang; not while the
    // reactor waits on something (a running thread must then change that,
    // and it will sleep again and ask again).
    if (parked == ex->nworkers && !wta_reactor_busy(ex->rt->reactor)) {
        // Safe to let go: we are registered, so a push will find us.
        wta_mutex_unlock(&ex->lock);
        wta_main_poke(ex->rt);
        wta_mutex_lock(&ex->lock);
    }
    if (drive) {
        wta_mutex_unlock(&ex->lock);
        wta_reactor_turn(ex->rt->reactor, -1);   // LESSON 06: an idle worker waits in epoll
        wta_mutex_lock(&ex->lock);
        if (ex->driver_waiting) {   // we came back on our own, not woken by a push
            ex->driver_waiting = false;
            atomic_store(&ex->nparked, ex->nparked - 1);
        } else if (ex->per_worker) {
            w->searching = true;
        }
        ex->driving = false;
        ex->driver = NULL;
        WTA_TRACE_AFTER(ex->rt, w->unpark_t, WORKER_RESUME, w->index);
        return;
    }
    while (!w->unparked && !ex->shutdown)
        wta_cond_wait(&w->cond, &ex->lock);
    if (w->unparked && ex->per_worker)
        w->searching = true;
    WTA_TRACE_AFTER(ex->rt, w->unpark_t, WORKER_RESUME, w->index);
}


/*
 * block_on's hang check: can nothing the runtime knows ever run a task
 * again? Every worker asleep, no task in any worker's own queue (a worker
 * never leaves its own queue behind: if one holds a task, its owner is on
 * its way back), no blocking job, and the reactor waiting on nothing.
 * (*queued: tasks left in the global queue, which only bug W3 strands.)
 *
 * Work moves between the reactor and the workers in both directions: a
 * timer fires into a worker's queue (reactor, then queue), and a task arms
 * a timer before its worker sleeps (reactor, then parked). Looking at one
 * and then the other can find the work in neither place. So the reactor is
 * asked before the workers (catches the first move: what it handed on is
 * then visible) and again after (catches the second: its lock orders it
 * after the worker's sleep we saw).
 */
bool wta_executor_stuck(struct wta_executor *ex, uint64_t *queued)
{
    struct wta_runtime *rt = ex->rt;
    if (wta_reactor_busy(rt->reactor) || !wta_blocking_idle(rt->blocking))
        return false;   // blocking jobs hand work on like the reactor: same two looks
    wta_mutex_lock(&ex->lock);
    *queued = atomic_load(&ex->global.len);
    bool stuck = atomic_load(&ex->nparked) == ex->nworkers;
    for (int i = 0; stuck && i < ex->nworkers; i++)
        stuck = atomic_load(&ex->workers[i].local.len) == 0 &&
                !atomic_load(&ex->workers[i].next_full);
    wta_mutex_unlock(&ex->lock);
    return stuck && wta_blocking_idle(rt->blocking) && !wta_reactor_busy(rt->reactor);
}

/*
 * park.c - putting workers to sleep and waking them up.
 *
 * The lost wakeup (xv6's sleep/wakeup): a worker must never decide "no
 * work" and sleep where a pusher cannot see it. So it registers as a
 * sleeper under ex->lock and looks at the queues once more *after*
 * registering; a push to the global queue happens under the same lock,
 * and a push to a worker's own ring reads the sleeper count after
 * pushing, behind a full fence (executor.c). One of the two always sees
 * the other. The original looked, let go of the
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
    WTA_ASSERT_HELD(&ex->lock, "pick_sleeper: ex->lock not held");
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
    wta_atomic_store(&ex->nparked, ex->nparked - 1);
    if (ex->per_worker)
        wta_atomic_fetch_add(&ex->nsearching, 1);   // it wakes up looking for work
    w->unpark_t = 0;
    if (ex->rt->trace != NULL && wta_self.worker != w)
        w->unpark_t = wta_trace_rec(ex->rt, 0, WTA_EV_WORKER_UNPARK, w->index,
                                    WTA_S(why), 0, 0, 0, 0);
}

void wta_finish_wake(struct wta_executor *ex, struct wta_worker *to_signal, bool interrupt)
{
    if (to_signal != NULL)
        wta_cond_signal(&to_signal->cond);
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
    if (wta_atomic_load(&ex->global.len) > 0)
        return true;
    for (int i = 0; i < ex->nworkers; i++)
        if (wta_ring_len(&ex->workers[i].local) > 0)
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
    if (wta_atomic_fetch_sub(&ex->nsearching, 1) == 1 && wta_atomic_load(&ex->nparked) > 0 &&
        work_left(ex))
        wta_executor_wake_searcher(ex);
}

/* ---------------------------------------------------------------- parking */

/*
 * Registers w as asleep: as the driver (it will wait in the reactor) or
 * on the sleeper stack. Must hold ex->lock. Returns the new parked count.
 */
static int register_sleeper(struct wta_worker *w, bool drive)
{
    struct wta_executor *ex = w->ex;
    if (w->searching) {
        w->searching = false;   // before the last look: pairs with push's check
        wta_atomic_fetch_sub(&ex->nsearching, 1);
    }
    int parked = wta_atomic_load(&ex->nparked) + 1;
    wta_atomic_store(&ex->nparked, parked);
    if (drive) {
        ex->driving = true;
        ex->driver = w;
        ex->driver_waiting = true;
    } else {
        w->unparked = false;
        w->next_sleeper = ex->sleepers;
        ex->sleepers = w;
    }
    return parked;
}

/* Takes w back out (it is still on top: we hold ex->lock since registering). */
static void unregister_sleeper(struct wta_worker *w, bool drive)
{
    struct wta_executor *ex = w->ex;
    if (drive) {
        ex->driver_waiting = false;
        ex->driving = false;
        ex->driver = NULL;
    } else {
        ex->sleepers = w->next_sleeper;
    }
    wta_atomic_store(&ex->nparked, ex->nparked - 1);
}

/* The driver's sleep: a reactor turn with no time limit. Must hold ex->lock. */
static void sleep_in_reactor(struct wta_worker *w)
{
    struct wta_executor *ex = w->ex;
    wta_mutex_unlock(&ex->lock);
    wta_reactor_turn(ex->rt->reactor, -1);   // LESSON 06: an idle worker waits in epoll
    wta_mutex_lock(&ex->lock);
    if (ex->driver_waiting) {   // we came back on our own, not woken by a push
        ex->driver_waiting = false;
        wta_atomic_store(&ex->nparked, ex->nparked - 1);
    } else if (ex->per_worker) {
        w->searching = true;
    }
    ex->driving = false;
    ex->driver = NULL;
}

/* A sleeper's sleep: on its condvar until a push picks it. Must hold ex->lock. */
static void sleep_on_cond(struct wta_worker *w)
{
    struct wta_executor *ex = w->ex;
    while (!w->unparked && !ex->shutdown)
        wta_cond_wait(&w->cond, &ex->lock);
    if (w->unparked && ex->per_worker)
        w->searching = true;
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
    WTA_ASSERT_HELD(&ex->lock, "park: ex->lock not held");
    bool drive = !ex->driving && !wta_bug(ex->rt, WTA_BUG_W5);
    int parked = register_sleeper(w, drive);
    if (recheck && (work_left(ex) || w->next != NULL)) {   // LESSON 12: registered, then look again
        unregister_sleeper(w, drive);
        return;
    }
    WTA_TRACE(ex->rt, WORKER_PARK, w->index, wta_atomic_load(&ex->global.len));
    wta_hang_last_asleep(ex, parked);   // hang check hook (hang.c)
    if (drive)
        sleep_in_reactor(w);
    else
        sleep_on_cond(w);
    WTA_TRACE_AFTER(ex->rt, w->unpark_t, WORKER_RESUME, w->index);
}

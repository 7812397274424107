/*
 * hang.c - block_on's hang check: could anything still wake the main future?
 *
 * The original has no such check: a block_on whose MainWaker nobody will
 * ever set spins forever. wta answers -EDEADLK instead, and the trace
 * records `hang` at the moment it became certain. Everything that decides
 * it is in this file; the core files only keep the few facts it reads,
 * each marked "hang check hook" where it is kept:
 *
 *   park.c      the last worker to fall asleep calls wta_hang_last_asleep()
 *   reactor.c   wta_reactor_busy(): sources, timers, or wakes in flight
 *   blocking.c  wta_blocking_idle(), and a poke when a job finishes
 *
 * The answer is "nothing can wake main" when every worker is asleep, no
 * task waits in any worker's own queue or run-next slot, no blocking job
 * is queued or running, and the reactor waits on nothing. A sleeping
 * block_on is poked (woken to look again) whenever one of those may have
 * just become true; a block_on that starts waiting later looks for itself.
 *
 * Left out on purpose: threads the runtime does not know (a thread of the
 * user's own holding a waker) can still wake main; set cfg.no_hang_check.
 *
 * Deterministic mode knows the answer outright: its scheduler (sim.c)
 * wakes block_on when every thread waits and no deadline or socket can
 * change that, and the looks below are not needed.
 */
#include "executor.h"

/* Wakes every block_on so it looks again. Any thread, no locks held. */
void wta_hang_poke(struct wta_runtime *rt)
{
    // Nobody in book_keeping: a block_on that starts waiting later checks
    // for itself before it sleeps (it counts itself first, then looks).
    if (wta_atomic_load(&rt->main_waiters) == 0)
        return;
    wta_mutex_lock(&rt->main_lock);
    wta_cond_broadcast(&rt->main_cond);
    wta_mutex_unlock(&rt->main_lock);
}

/*
 * park.c's hook, called by a worker that has just registered as asleep
 * (parked workers counted in `parked`, this one included). Must hold
 * ex->lock; lets go of it around the poke. The last to sleep asks block_on
 * to look; not while the reactor waits on something (a running thread
 * must then change that, and it will sleep again and ask again).
 */
void wta_hang_last_asleep(struct wta_executor *ex, int parked)
{
    if (parked != ex->nworkers || wta_reactor_busy(ex->rt->reactor))
        return;
    // Safe to let go: the caller is registered, so a push will find it.
    wta_mutex_unlock(&ex->lock);
    wta_hang_poke(ex->rt);
    wta_mutex_lock(&ex->lock);
}

/*
 * Can nothing the runtime knows ever run a task again? (*queued: tasks
 * left in the global queue, which only bug W3 strands.) A worker never
 * leaves its own queue behind: if one holds a task, its owner is on its
 * way back.
 *
 * Work moves between the reactor and the workers in both directions: a
 * timer fires into a worker's queue (reactor, then queue), and a task arms
 * a timer before its worker sleeps (reactor, then parked). Looking at one
 * and then the other can find the work in neither place. So the reactor is
 * asked before the workers (catches the first move: what it handed on is
 * then visible) and again after (catches the second: its lock orders it
 * after the worker's sleep we saw). Blocking jobs hand work on like the
 * reactor: the same two looks. Takes ex->lock: a parking worker counts
 * itself before its last look at the queues, and must not be caught in
 * between.
 */
static bool nothing_can_wake(struct wta_runtime *rt, uint64_t *queued)
{
    struct wta_executor *ex = rt->exec;
    if (wta_reactor_busy(rt->reactor) || !wta_blocking_idle(rt->blocking))
        return false;
    wta_mutex_lock(&ex->lock);
    *queued = wta_atomic_load(&ex->global.len);
    bool stuck = wta_atomic_load(&ex->nparked) == ex->nworkers;
    for (int i = 0; stuck && i < ex->nworkers; i++)
        stuck = wta_atomic_load(&ex->workers[i].local.len) == 0 &&
                !wta_atomic_load(&ex->workers[i].next_full);
    wta_mutex_unlock(&ex->lock);
    return stuck && wta_blocking_idle(rt->blocking) && !wta_reactor_busy(rt->reactor);
}

/*
 * block_on's question, asked while its MainWaker's flag `ready` is clear:
 * is a hang certain? If so records `hang` and returns true (block_on then
 * returns -EDEADLK). Reads `ready` again after looking: a worker may have
 * set it and gone back to sleep while we looked. May hold rt->main_lock
 * (it is above every lock taken here).
 */
bool wta_hang_certain(struct wta_runtime *rt, _Atomic bool *ready)
{
    uint64_t queued = 0;
    // Under W5 block_on turns the reactor itself, on a deadline, so the
    // scheduler never sees it wait: then the looks below decide.
    if (rt->sim != NULL && !wta_bug(rt, WTA_BUG_W5)) {
        if (!wta_sim_take_hang(rt->sim) || wta_atomic_load(ready))
            return false;
        nothing_can_wake(rt, &queued);   // only for the count left queued
        WTA_TRACE(rt, HANG, rt->nworkers, queued);
        return true;
    }
    if (rt->cfg.no_hang_check || !nothing_can_wake(rt, &queued) || wta_atomic_load(ready))
        return false;
    WTA_TRACE(rt, HANG, rt->nworkers, queued);
    return true;
}

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
 *   reactor.c   wta_reactor_busy(): sources, timers, wakes in flight, and
 *               how many it has delivered
 *   blocking.c  wta_blocking_idle() and jobs finished, and a poke when a
 *               job finishes
 *   task_list.c wta_task_all_held(), wta_task_for_each(): every live
 *               task's wakers, and what each waits on for the dump
 *
 * The answer is "nothing can wake main" when every worker is asleep, no
 * task waits in any worker's own queue or run-next slot, no blocking job
 * is queued or running, and the reactor waits on nothing. A sleeping
 * block_on is poked (woken to look again) whenever one of those may have
 * just become true; a block_on that starts waiting later looks for itself.
 *
 * Nor while another thread is in block_on on this runtime: its main
 * future is the user's code, and may wake ours (rt->block_on_threads).
 *
 * And it is certain only if nobody outside the runtime can wake anything:
 * every live clone of main's waker and of every task's is held by a
 * runtime structure (a channel, a JoinHandle; timers and sockets keep the
 * reactor busy already), counted apart in waker.c. A clone the user holds
 * - maybe on a thread of their own - may fire any time: then block_on
 * keeps waiting, and the trace says so once (`wait.external`). Dropping
 * such a clone pokes block_on to look again.
 *
 * At a hang, dump(): the trace gets `hang.main` and one `hang.task` per
 * live task, stderr the same as text, like Go's "all goroutines are
 * asleep": state, polls, time since the last poll, what each waits on,
 * where it was spawned.
 *
 * Left out on purpose: a waker a task keeps in its own future's memory is
 * the user's; a hang where one is alive waits forever, since the runtime
 * cannot tell that memory from a foreign thread's.
 *
 * Deterministic mode knows the answer outright: its scheduler (sim.c)
 * wakes block_on when every thread waits and no deadline or socket can
 * change that, and the looks below are not needed. Only a thread the
 * runtime did not start could still wake something, and such a thread is
 * outside deterministic mode anyway (sim.c), so a clone the user holds
 * does not hold the hang back there.
 */
#include <stdio.h>
#include <stdlib.h>

#include "executor.h"

/* Tests only: called between nothing_can_wake()'s looks (see there). */
void (*wta_hang_test_between_looks)(struct wta_runtime *rt, int look);

/* A MainWaker's clone came (+1) or went (-1); held: a runtime structure's.
 * `held` moves first, so in between the counts differ and no hang is called. */
void wta_hang_main_clones(struct wta_hang_main *hm, int delta, bool held)
{
    if (held)
        wta_atomic_fetch_add(&hm->held, delta);
    wta_atomic_fetch_add(&hm->clones, delta);
}

/* Is every clone of main's and every task's waker held by the runtime? If
 * not, records `wait.external` once per wait (task 0: main's). */
static bool all_wakers_held(struct wta_runtime *rt, struct wta_hang_main *hm)
{
    uint64_t id = 0;
    int held = wta_atomic_load(&hm->held), wakers = wta_atomic_load(&hm->clones);
    if (wakers == held && wta_task_all_held(rt, &id, &wakers, &held))
        return true;
    if (!hm->told_external) {
        hm->told_external = true;
        WTA_TRACE(rt, WAIT_EXTERNAL, id, wakers, held);
    }
    return false;
}

/* ---------------------------------------------------------------- the dump */

#define DUMP_LINES 100   /* stderr shows this many tasks; the trace gets all */

struct dump {
    struct wta_task_info *v;
    size_t n, cap;
};

static void collect(const struct wta_task_info *info, void *arg)
{
    struct dump *d = arg;
    if (d->n == d->cap) {
        d->cap = d->cap ? 2 * d->cap : 64;
        d->v = realloc(d->v, d->cap * sizeof *d->v);
        if (d->v == NULL)
            wta_panic("oom");
    }
    d->v[d->n++] = *info;
}

static int by_id(const void *a, const void *b)
{
    const struct wta_task_info *x = a, *y = b;
    return x->id < y->id ? -1 : x->id > y->id;
}

/* "channel 2 (recv)", "nothing: no waker held", ... */
static void describe(char *buf, size_t cap, int held, const struct wta_wait *w)
{
    if (held == 0) {
        snprintf(buf, cap, "nothing: no waker held");
        return;
    }
    int n = 0;
    switch (w->kind) {
    case WTA_WAIT_TIMER:
        n = snprintf(buf, cap, "timer %llu (deadline %.3f ms)", (unsigned long long)w->id,
                     (double)w->arg / 1e6);
        break;
    case WTA_WAIT_FD:
        n = snprintf(buf, cap, "fd %llu (%s)", (unsigned long long)w->id,
                     w->arg == 2 ? "write" : "read");
        break;
    case WTA_WAIT_CHAN:
        n = snprintf(buf, cap, "channel %llu (%s)", (unsigned long long)w->id,
                     w->arg ? "send" : "recv");
        break;
    case WTA_WAIT_JOIN:
        n = w->id ? snprintf(buf, cap, "the JoinHandle of task %llu", (unsigned long long)w->id)
                  : snprintf(buf, cap, "the JoinHandle of a blocking job");
        break;
    default:
        n = snprintf(buf, cap, "a waker");
    }
    if (held > 1 && n > 0 && (size_t)n < cap)
        snprintf(buf + n, cap - (size_t)n, " and %d more", held - 1);
}

static double ms_since(uint64_t now, uint64_t then)
{
    return then != 0 && now > then ? (double)(now - then) / 1e6 : 0;
}

/* The task dump at a hang: into the trace and onto stderr. */
static void dump(struct wta_runtime *rt, struct wta_hang_main *hm)
{
    struct dump d = {0};
    wta_task_for_each(rt, collect, &d);
    if (d.n > 1)
        qsort(d.v, d.n, sizeof *d.v, by_id);
    uint64_t now = wta_clock_ns();
    int held = wta_atomic_load(&hm->held);
    char what[128];
    describe(what, sizeof what, held, &hm->wait);
    static const struct wta_wait none = {WTA_WAIT_NOTHING, 0, 0};
    const struct wta_wait *mw = held ? &hm->wait : &none;
    WTA_TRACE(rt, HANG_MAIN, hm->polls, now - hm->last_poll_ns, wta_atomic_load(&hm->clones),
              WTA_S(wta_wait_name(mw)), mw->id);
    fprintf(stderr, "wta: hang: nothing can ever wake the main future; block_on returns "
            "-EDEADLK. %zu live task(s):\n"
            "  main future \"%s\": polled %llu time(s), last %.3f ms ago; waits on %s\n",
            d.n, hm->name ? hm->name : "?", (unsigned long long)hm->polls,
            ms_since(now, hm->last_poll_ns), what);
    for (size_t i = 0; i < d.n; i++) {
        const struct wta_task_info *t = &d.v[i];
        const struct wta_wait *w = t->held ? &t->wait : &none;
        WTA_TRACE(rt, HANG_TASK, t->id, WTA_S(wta_task_state_name(t->state)),
                  t->polls ? now - t->last_poll_ns : 0, WTA_S(wta_wait_name(w)), w->id);
        if (i == DUMP_LINES)
            fprintf(stderr, "  ... and %zu more (the trace has them all)\n", d.n - i);
        if (i >= DUMP_LINES)
            continue;
        char polled[64] = "never polled";
        if (t->polls > 0)
            snprintf(polled, sizeof polled, "polled %llu time(s), last %.3f ms ago",
                     (unsigned long long)t->polls, ms_since(now, t->last_poll_ns));
        describe(what, sizeof what, t->held, &t->wait);
        fprintf(stderr, "  task %llu \"%s\" %s, %s, spawned at %s:%d; waits on %s\n",
                (unsigned long long)t->id, t->name, wta_task_state_name(t->state), polled,
                t->file ? t->file : "?", t->line, what);
    }
    free(d.v);
}

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
    WTA_ASSERT_HELD(&ex->lock, "hang_last_asleep: ex->lock not held");
    if (parked != ex->nworkers || wta_reactor_busy(ex->rt->reactor, NULL))
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
 * a timer before its worker sleeps (worker, then reactor). Looking at one
 * and then the other can find the work in neither place. So the reactor is
 * asked before the workers (catches the first move: what it handed on is
 * then visible) and again after (catches the second: its lock orders it
 * after the worker's sleep we saw). And the work may make both moves
 * while we look: a task still running at the first look arms a timer,
 * its worker sleeps before the look at the workers, and the timer fires
 * back into a queue before the second look, which then finds the reactor
 * idle. So the second look also asks whether the reactor delivered any
 * wake since the first: if it did, the work may be anywhere, and this is
 * no hang (the worker that takes it will sleep again and ask again).
 * Blocking jobs hand work on like the reactor: the same looks, counting
 * finished jobs. Takes ex->lock: a parking worker counts itself before
 * its last look at the queues, and must not be caught in between.
 */
static bool nothing_can_wake(struct wta_runtime *rt, uint64_t *queued)
{
    struct wta_executor *ex = rt->exec;
    uint64_t delivered, finished, delivered2, finished2;
    if (wta_reactor_busy(rt->reactor, &delivered) || !wta_blocking_idle(rt->blocking, &finished))
        return false;
    if (wta_hang_test_between_looks != NULL)
        wta_hang_test_between_looks(rt, 1);
    wta_mutex_lock(&ex->lock);
    *queued = wta_atomic_load(&ex->global.len);
    bool stuck = wta_atomic_load(&ex->nparked) == ex->nworkers;
    for (int i = 0; stuck && i < ex->nworkers; i++)
        stuck = wta_ring_len(&ex->workers[i].local) == 0 &&
                !wta_atomic_load(&ex->workers[i].next_full);
    wta_mutex_unlock(&ex->lock);
    if (wta_hang_test_between_looks != NULL)
        wta_hang_test_between_looks(rt, 2);
    return stuck && wta_blocking_idle(rt->blocking, &finished2) &&
           !wta_reactor_busy(rt->reactor, &delivered2) && delivered2 == delivered &&
           finished2 == finished;
}

/*
 * block_on's question, asked while its MainWaker's flag `ready` is clear:
 * is a hang certain? If so records `hang` and returns true (block_on then
 * returns -EDEADLK). Reads `ready` again after looking: a worker may have
 * set it and gone back to sleep while we looked. May hold rt->main_lock
 * (it is above every lock taken here).
 */
bool wta_hang_certain(struct wta_runtime *rt, _Atomic bool *ready, struct wta_hang_main *hm)
{
    uint64_t queued = 0;
    // Under W5 block_on turns the reactor itself, on a deadline, so the
    // scheduler never sees it wait: then the looks below decide.
    if (rt->sim != NULL && !wta_bug(rt, WTA_BUG_W5)) {
        if (!wta_sim_take_hang(rt->sim) || wta_atomic_load(ready))
            return false;
        nothing_can_wake(rt, &queued);   // only for the count left queued
        WTA_TRACE(rt, HANG, rt->nworkers, queued);
        dump(rt, hm);
        return true;
    }
    // Another thread in block_on is code of the user's that may still wake
    // main (a channel between two block_on futures): no hang is certain.
    if (rt->cfg.no_hang_check || wta_atomic_load(&rt->block_on_threads) > 1 ||
        !nothing_can_wake(rt, &queued) || !all_wakers_held(rt, hm) || wta_atomic_load(ready))
        return false;
    WTA_TRACE(rt, HANG, rt->nworkers, queued);
    dump(rt, hm);
    return true;
}

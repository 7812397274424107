/*
 * executor.c - the original's Executor: each worker thread's poll_once
 * loop; spawn, and wake (push + unpark). Making the executor and starting
 * and stopping its threads is workers.c.
 *
 * Each worker loops poll_once(): find a task and poll it, or sleep until
 * there is one (park.c). A wake pushes the task and unparks at most one
 * sleeping worker (wta_executor_push, the original's Executor::wake).
 * Two schedulers decide where tasks wait (cfg.scheduler):
 *
 *   global (wta's original): one FIFO under one lock, ex->global. Every
 *     spawn and wake pushes at its tail and wakes one sleeping worker.
 *   per-worker (the default): a worker pushes what it spawns and wakes to
 *     its own queue; only outside threads use the global queue; an idle
 *     worker takes a share of the global queue or steals (steal.c).
 *
 * spawn wraps the future in a task whose output goes into a oneshot, the
 * JoinHandle, and pushes it.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>

#include "executor.h"

const char *wta_executor_scheduler_name(const struct wta_runtime *rt)
{
    return rt->cfg.scheduler == WTA_SCHED_GLOBAL ? "global" : "local";
}

/* ---------------------------------------------------------------- the loop */

/* Global scheduler: the next task, sleeping while there is none; NULL at shutdown. */
static struct wta_task *next_global(struct wta_worker *w)
{
    struct wta_executor *ex = w->ex;
    struct wta_task *t = NULL;
    wta_mutex_lock(&ex->lock);
    while (!ex->shutdown && (t = wta_runq_pop(ex->rt, &ex->global)) == NULL)
        wta_park(w, true);
    wta_mutex_unlock(&ex->lock);
    return t;
}

/* Parks w unless the runtime is shutting down. false: shutdown. */
static bool park_unless_shutdown(struct wta_worker *w, bool recheck)
{
    struct wta_executor *ex = w->ex;
    wta_mutex_lock(&ex->lock);
    if (!ex->shutdown)
        wta_park(w, recheck);
    bool stop = ex->shutdown;
    wta_mutex_unlock(&ex->lock);
    return !stop;
}

/* Per-worker scheduler: the same, looking in every queue (steal.c). */
static struct wta_task *next_local(struct wta_worker *w)
{
    for (;;) {
        struct wta_task *t = wta_find_task(w);
        if (t != NULL) {
            wta_found_work(w);
            return t;
        }
        if (!park_unless_shutdown(w, true))
            return NULL;
    }
}

/* W3 on: the original's order. Look, let go, (window), sleep without looking again. */
static struct wta_task *next_task_w3(struct wta_worker *w)
{
    struct wta_executor *ex = w->ex;
    struct wta_runtime *rt = ex->rt;
    for (;;) {
        struct wta_task *t = NULL;
        if (ex->per_worker) {
            t = wta_find_task(w);
        } else {
            wta_mutex_lock(&ex->lock);
            t = wta_runq_pop(rt, &ex->global);
            wta_mutex_unlock(&ex->lock);
        }
        if (t != NULL) {
            if (ex->per_worker)
                wta_found_work(w);   // as next_local: a woken searcher has found
            return t;
        }
        // LESSON 12: the window: a push now sees no sleeper and wakes nobody.
        WTA_TRACE(rt, BUG_WINDOW, WTA_S("W3"), WTA_S("between queue check and sleep"));
        if (rt->cfg.hooks.w3_before_sleep != NULL)
            rt->cfg.hooks.w3_before_sleep(rt->cfg.hooks.arg, w->index);
        if (!park_unless_shutdown(w, false))   // no second look: the bug
            return NULL;
    }
}

/*
 * Every EVENT_INTERVAL polls a busy worker turns the reactor without
 * waiting, if nobody else is in it, so timers and sockets are not starved
 * while every worker has work. The original has nothing like it (its
 * reactor turns only in block_on: W5). The idea, the name and the number
 * are tokio 1.x's: a worker's "maintenance" every event_interval (61)
 * ticks.
 */
#define EVENT_INTERVAL 61

static void maintenance(struct wta_worker *w)
{
    struct wta_executor *ex = w->ex;
    if (wta_bug(ex->rt, WTA_BUG_W5))
        return;
    wta_mutex_lock(&ex->lock);
    bool mine = !ex->driving;
    if (mine) {
        ex->driving = true;
        ex->driver = w;
    }
    wta_mutex_unlock(&ex->lock);
    if (!mine)
        return;
    wta_reactor_turn(ex->rt->reactor, 0);
    wta_mutex_lock(&ex->lock);
    ex->driving = false;
    ex->driver = NULL;
    wta_mutex_unlock(&ex->lock);
}

/* One step of a worker: poll one task, or sleep. false at shutdown. */
static bool poll_once(struct wta_worker *w)
{
    struct wta_executor *ex = w->ex;
    // A worker that always finds work never reaches the shutdown checks
    // where it would sleep: look before every poll, so shutdown stops each
    // worker within one poll whatever the load (tasks left stay listed).
    if (wta_atomic_load_explicit(&ex->shutdown, memory_order_relaxed))
        return false;
    struct wta_task *t = wta_bug(ex->rt, WTA_BUG_W3) ? next_task_w3(w)
                         : ex->per_worker            ? next_local(w)
                                                     : next_global(w);
    if (t == NULL)
        return false;
    wta_task_run(t);
    if (++w->polls % EVENT_INTERVAL == 0)
        maintenance(w);
    return true;
}

/* A worker thread's body (workers.c starts it): poll_once until shutdown. */
void *wta_worker_main(void *arg)
{
    struct wta_worker *w = arg;
    char name[16];
    snprintf(name, sizeof name, "w%d", w->index);
    wta_thread_enter(w->ex->rt, name);
    wta_self.worker = w;
    WTA_TRACE(w->ex->rt, WORKER_START, w->index);
    while (poll_once(w))
        ;
    WTA_TRACE(w->ex->rt, WORKER_STOP, w->index);
    wta_trace_thread_done();
    wta_thread_leave();
    return NULL;
}

/* ---------------------------------------------------------------- spawn */

/* Both spawns: f boxed (size 0) or moved (its size). One allocation, the task's. */
static struct wta_future *spawn(struct wta_runtime *rt, struct wta_future *f, size_t size,
                                const char *name, const char *file, int line)
{
    if (f == NULL) {
        errno = EINVAL;
        return NULL;
    }
    if (rt == NULL)
        rt = wta_thread_rt();
    if (rt == NULL) {
        wta_future_drop(f);   // consumed either way
        errno = ESRCH;
        return NULL;
    }
    struct wta_future *handle;
    struct wta_task *t = wta_task_new(rt, f, size, name != NULL ? name : f->vt->name,
                                      file, line, &handle);
    wta_executor_push(rt->exec, t, false);
    return handle;
}

struct wta_future *wta_spawn_at(struct wta_runtime *rt, struct wta_future *f,
                                const char *name, const char *file, int line)
{
    return spawn(rt, f, 0, name, file, line);
}

struct wta_future *wta_spawn_move_at(struct wta_runtime *rt, struct wta_future *f, size_t size,
                                     const char *name, const char *file, int line)
{
    if (f != NULL && size < sizeof *f) {
        wta_future_drop(f);
        errno = EINVAL;
        return NULL;
    }
    return spawn(rt, f, size, name, file, line);
}

/*
 * Appends t to w's own queue (owner only: w is the calling worker). When
 * the ring is full its older half moves to the global queue first, where
 * any worker may take it (tokio's overflow), and a sleeper is woken for it.
 */
void wta_worker_push_local(struct wta_worker *w, struct wta_task *t)
{
    struct wta_executor *ex = w->ex;
    struct wta_task *half[WTA_RING_CAP / 2];
    while (!wta_ring_push(ex->rt, &w->local, t)) {
        size_t n = wta_ring_take_half(ex->rt, &w->local, half);
        if (n == 0)
            continue;   // a thief made room meanwhile
        struct wta_worker *sleeper = NULL;
        bool interrupt = false;
        wta_mutex_lock(&ex->lock);
        for (size_t i = 0; i < n; i++)
            wta_runq_push(ex->rt, &ex->global, half[i]);
        if (wta_atomic_load(&ex->nsearching) == 0)
            wta_pick_sleeper(ex, "push", &sleeper, &interrupt);
        wta_mutex_unlock(&ex->lock);
        wta_finish_wake(ex, sleeper, interrupt);
    }
}

/*
 * The original's Executor::wake: queue t and, if needed, wake (unpark) a
 * sleeping worker. Any thread; no locks held.
 * woken: t was woken (not spawned or re-queued after a yield); under the
 * per-worker scheduler a worker runs what it woke next, in its slot.
 */
void wta_executor_push(struct wta_executor *ex, struct wta_task *t, bool woken)
{
    struct wta_worker *me = wta_self.worker;
    if (ex->per_worker && me != NULL && me->ex == ex) {
        if (woken) {
            // LESSON 16: the task we just woke (the other end of a channel, a
            // socket's reader) runs next, here: its data is still in our cache.
            struct wta_task *displaced = me->next;
            wta_next_put(me, t);
            if (displaced == NULL)
                return;
            t = displaced;   // the one it replaces waits in the queue, stealable
        }
        wta_worker_push_local(me, t);   // LESSON 16: keep it close: our own queue
        // One task in our queue is the one we run next ourselves: waking a
        // sleeper for it would only make two threads race for it. From the
        // second on, another worker could help.
        if (wta_ring_len(&me->local) + (me->next != NULL) <= 1)
            return;
        // The counts are read after the push, with a full fence between:
        // pairs with park()'s register-then-look (a release store of the
        // ring's tail alone may pass a later load).
        wta_atomic_thread_fence(memory_order_seq_cst);
        if (wta_atomic_load(&ex->nsearching) == 0 && wta_atomic_load(&ex->nparked) > 0)
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
    wta_runq_push(ex->rt, &ex->global, t);
    if (!ex->per_worker || wta_atomic_load(&ex->nsearching) == 0)
        wta_pick_sleeper(ex, "push", &w, &interrupt);   // LESSON 03: push + wake one sleeper
    wta_mutex_unlock(&ex->lock);
    wta_finish_wake(ex, w, interrupt);
}

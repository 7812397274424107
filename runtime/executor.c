/*
 * executor.c - worker threads: the poll_once loop, parking, waking; spawn.
 *
 * Each worker loops poll_once(): find a task and poll it, or sleep until
 * there is one. Two schedulers decide where tasks wait (cfg.scheduler):
 *
 *   global (wta's original): one FIFO under one lock, ex->global. Every
 *     spawn and wake pushes at its tail and wakes one sleeping worker.
 *   per-worker (the default): a worker pushes what it spawns and wakes to
 *     its own queue; only outside threads use the global queue; an idle
 *     worker takes a share of the global queue or steals (steal.c).
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
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>

#include "executor.h"

const char *wta_executor_scheduler_name(const struct wta_runtime *rt)
{
    return rt->cfg.scheduler == WTA_SCHED_GLOBAL ? "global" : "local";
}

int wta_worker_index(const struct wta_worker *w)
{
    return w->index;
}

/* ---------------------------------------------------------------- waking */

/*
 * Wakes one sleeping worker: a condvar sleeper if any, else the driver.
 * Must hold ex->lock. Returns what the caller must do after unlocking:
 * signal *to_signal, or interrupt the reactor (*interrupt).
 */
static void pick_sleeper(struct wta_executor *ex, const char *why,
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

static void finish_wake(struct wta_executor *ex, struct wta_worker *to_signal, bool interrupt)
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
    pick_sleeper(ex, "steal", &w, &interrupt);
    wta_mutex_unlock(&ex->lock);
    finish_wake(ex, w, interrupt);
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
static void found_work(struct wta_worker *w)
{
    struct wta_executor *ex = w->ex;
    if (!w->searching)
        return;
    w->searching = false;
    if (atomic_fetch_sub(&ex->nsearching, 1) == 1 && atomic_load(&ex->nparked) > 0 &&
        work_left(ex))
        wta_executor_wake_searcher(ex);
}

/* Runnable: queue t and, if needed, wake a sleeping worker. Any thread. */
void wta_executor_push(struct wta_executor *ex, struct wta_task *t)
{
    struct wta_worker *me = wta_self.worker;
    if (ex->per_worker && me != NULL && me->ex == ex) {
        wta_mutex_lock(&me->qlock);
        runq_push(ex->rt, &me->local, t);   // LESSON 07: keep it close: our own queue
        bool more = atomic_load(&me->local.len) > 1;
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
        pick_sleeper(ex, "push", &w, &interrupt);   // LESSON 01: push + wake one sleeper
    wta_mutex_unlock(&ex->lock);
    finish_wake(ex, w, interrupt);
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
static void park(struct wta_worker *w, bool recheck)
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
    if (recheck && any_work(ex)) {   // LESSON 03: registered first, then look again
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
    if (parked == ex->nworkers) {
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

/* ---------------------------------------------------------------- the loop */

/* Global scheduler: the next task, sleeping while there is none; NULL at shutdown. */
static struct wta_task *next_global(struct wta_worker *w)
{
    struct wta_executor *ex = w->ex;
    struct wta_task *t = NULL;
    wta_mutex_lock(&ex->lock);
    while (!ex->shutdown && (t = runq_pop(ex->rt, &ex->global)) == NULL)
        park(w, true);
    wta_mutex_unlock(&ex->lock);
    return t;
}

/* Per-worker scheduler: the same, looking in every queue (steal.c). */
static struct wta_task *next_local(struct wta_worker *w)
{
    struct wta_executor *ex = w->ex;
    for (;;) {
        struct wta_task *t = wta_steal_find(w);
        if (t != NULL) {
            found_work(w);
            return t;
        }
        wta_mutex_lock(&ex->lock);
        if (!ex->shutdown)
            park(w, true);
        bool stop = ex->shutdown;
        wta_mutex_unlock(&ex->lock);
        if (stop)
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
            t = wta_steal_find(w);
        } else {
            wta_mutex_lock(&ex->lock);
            t = runq_pop(rt, &ex->global);
            wta_mutex_unlock(&ex->lock);
        }
        if (t != NULL)
            return t;
        // The window: a push now sees no sleeper and wakes nobody.
        if (rt->cfg.hooks.w3_before_sleep != NULL) {
            WTA_TRACE(rt, BUG_WINDOW, WTA_S("W3"), WTA_S("between queue check and sleep"));
            rt->cfg.hooks.w3_before_sleep(rt->cfg.hooks.arg, w->index);
        }
        wta_mutex_lock(&ex->lock);
        if (!ex->shutdown)
            park(w, false);   // no second look: the bug
        bool stop = ex->shutdown;
        wta_mutex_unlock(&ex->lock);
        if (stop)
            return NULL;
    }
}

/*
 * Every MAINTENANCE_TICK polls a busy worker turns the reactor without
 * waiting, if nobody else is in it, so timers and sockets are not starved
 * while every worker has work (the original's "maintenance").
 */
#define MAINTENANCE_TICK 61

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
    struct wta_task *t = wta_bug(ex->rt, WTA_BUG_W3) ? next_task_w3(w)
                         : ex->per_worker            ? next_local(w)
                                                     : next_global(w);
    if (t == NULL)
        return false;
    wta_task_run(t);
    if (++w->polls % MAINTENANCE_TICK == 0)
        maintenance(w);
    return true;
}

static void *worker_main(void *arg)
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

/* ---------------------------------------------------------------- life cycle */

struct wta_executor *wta_executor_new(struct wta_runtime *rt)
{
    struct wta_executor *ex = wta_xcalloc(1, sizeof *ex);
    ex->rt = rt;
    ex->per_worker = rt->cfg.scheduler == WTA_SCHED_LOCAL;
    wta_mutex_init(&ex->lock);
    runq_init(&ex->global, "global");
    atomic_init(&ex->nparked, 0);
    atomic_init(&ex->nsearching, 0);
    ex->nworkers = rt->nworkers;
    ex->workers = wta_xcalloc((size_t)ex->nworkers, sizeof *ex->workers);
    for (int i = 0; i < ex->nworkers; i++) {
        struct wta_worker *w = &ex->workers[i];
        char name[24];
        snprintf(name, sizeof name, "local-%d", i);
        w->ex = ex;
        w->index = i;
        wta_mutex_init(&w->qlock);
        runq_init(&w->local, name);
        pthread_cond_init(&w->cond, NULL);
    }
    return ex;
}

int wta_executor_start(struct wta_executor *ex)
{
    for (int i = 0; i < ex->nworkers; i++) {
        int err = pthread_create(&ex->workers[i].thread, NULL, worker_main, &ex->workers[i]);
        if (err != 0) {
            wta_executor_stop(ex);
            return -err;
        }
        ex->workers[i].started = true;
    }
    return 0;
}

/* Tells every worker to stop and joins them. Tasks left stay listed. */
void wta_executor_stop(struct wta_executor *ex)
{
    struct wta_worker *w;
    bool interrupt, any_interrupt = false;
    wta_mutex_lock(&ex->lock);
    ex->shutdown = true;
    do {
        pick_sleeper(ex, "shutdown", &w, &interrupt);
        any_interrupt |= interrupt;
    } while (w != NULL || interrupt);
    any_interrupt |= ex->driving;
    wta_mutex_unlock(&ex->lock);
    if (any_interrupt)
        wta_reactor_unpark(ex->rt->reactor);
    for (int i = 0; i < ex->nworkers; i++)
        pthread_cond_signal(&ex->workers[i].cond);
    for (int i = 0; i < ex->nworkers; i++) {
        if (ex->workers[i].started)
            pthread_join(ex->workers[i].thread, NULL);
        ex->workers[i].started = false;
    }
}

void wta_executor_free(struct wta_executor *ex)
{
    for (int i = 0; i < ex->nworkers; i++) {
        pthread_cond_destroy(&ex->workers[i].cond);
        wta_mutex_destroy(&ex->workers[i].qlock);
    }
    free(ex->workers);
    wta_mutex_destroy(&ex->lock);
    free(ex);
}

/*
 * For the hang check: every worker asleep? (*queued: tasks left in the
 * global queue.) Takes ex->lock: a parking worker counts itself before its
 * last look at the queues, and must not be caught in between.
 */
bool wta_executor_all_parked(struct wta_executor *ex, uint64_t *queued)
{
    wta_mutex_lock(&ex->lock);
    *queued = atomic_load(&ex->global.len);
    bool all = atomic_load(&ex->nparked) == ex->nworkers;
    wta_mutex_unlock(&ex->lock);
    return all;
}

/* ---------------------------------------------------------------- spawn */

struct wta_future *wta_spawn_at(struct wta_runtime *rt, struct wta_future *f,
                                const char *name, const char *file, int line)
{
    if (f == NULL) {
        errno = EINVAL;
        return NULL;
    }
    if (rt == NULL)
        rt = wta_self.rt;
    if (rt == NULL) {
        wta_future_drop(f);   // consumed either way
        errno = ESRCH;
        return NULL;
    }
    struct wta_oneshot_tx *tx;
    struct wta_future *handle;
    int err = wta_join_new(&tx, &handle, WTA_SRC_JOIN);
    if (err != 0) {
        wta_future_drop(f);
        errno = -err;
        return NULL;
    }
    struct wta_task *t = wta_task_new(rt, f, tx, name != NULL ? name : f->vt->name, file, line);
    wta_join_set_task(tx, wta_task_id(t));
    wta_executor_push(rt->exec, t);
    return handle;
}

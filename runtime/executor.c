/*
 * executor.c - worker threads, the run queue, parking; and spawn.
 *
 * This is wta's scheduler: one FIFO run queue under one lock, shared by
 * every worker. Each worker loops poll_once(): take the task at the head
 * and poll it, or, if the queue is empty, sleep until a push wakes it.
 * spawn (and every wake that makes a task runnable) pushes at the tail and
 * wakes at most one sleeping worker.
 *
 * The one subtle point is the lost wakeup (xv6's sleep/wakeup): a worker
 * must never decide "the queue is empty" and then go to sleep without a
 * pusher being able to see it asleep. So the check and the registration as
 * a sleeper happen under the same lock that a push takes; a push after our
 * check must then find us in the sleeper list and wake us. The original
 * checked, let go of the lock, then registered (bug W3).
 *
 * When there is no task, the first worker to sleep waits in the reactor
 * (epoll) rather than on a condvar: it is the "driver" (reactor.c). A push
 * wakes a condvar sleeper if there is one, else interrupts the driver.
 *
 * Fields of struct wta_executor marked [lock] are guarded by ex->lock.
 * nparked and len are also atomics so the hang check can read them
 * without taking the lock.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>

#include "internal.h"

struct wta_worker {
    struct wta_executor *ex;
    int index;
    pthread_t thread;
    bool started;
    pthread_cond_t cond;             /* sleeps here, with ex->lock */
    bool unparked;                   /* [lock] a pusher picked us */
    uint64_t unpark_t;               /* [lock] trace stamp of that unpark */
    struct wta_worker *next_sleeper; /* [lock] */
    uint64_t polls;                  /* this worker's own count */
};

struct wta_executor {
    struct wta_runtime *rt;
    struct wta_mutex lock;
    struct wta_task *head, *tail;    /* [lock] the run queue */
    _Atomic uint64_t len;            /* [lock] to write */
    struct wta_worker *sleepers;     /* [lock] a stack of parked workers */
    _Atomic int nparked;             /* [lock] to write; counts the driver too */
    bool shutdown;                   /* [lock] */
    bool driving;                    /* [lock] a worker has the reactor */
    bool driver_waiting;             /* [lock] ...and is (about to be) in epoll_wait */
    int nworkers;
    struct wta_worker *workers;
    struct wta_worker *driver;       /* [lock] the worker in the reactor, if any */
};

/* The scheduler actually running, as the trace names it. */
const char *wta_executor_scheduler_name(const struct wta_runtime *rt)
{
    (void)rt;
    return "global";
}

int wta_worker_index(const struct wta_worker *w)
{
    return w->index;
}

/* Appends t. Must hold ex->lock. */
static void enqueue(struct wta_executor *ex, struct wta_task *t)
{
    wta_task_set_next(t, NULL);
    if (ex->tail != NULL)
        wta_task_set_next(ex->tail, t);
    else
        ex->head = t;
    ex->tail = t;
    atomic_store_explicit(&ex->len, ex->len + 1, memory_order_relaxed);
    WTA_TRACE(ex->rt, QUEUE_PUSH, wta_task_id(t), WTA_S("global"), ex->len);
}

/* Takes the head, or NULL. Must hold ex->lock. */
static struct wta_task *dequeue(struct wta_executor *ex)
{
    struct wta_task *t = ex->head;
    if (t == NULL)
        return NULL;
    ex->head = wta_task_next(t);
    if (ex->head == NULL)
        ex->tail = NULL;
    atomic_store_explicit(&ex->len, ex->len - 1, memory_order_relaxed);
    WTA_TRACE_AFTER(ex->rt, wta_task_last_wake_t(t), QUEUE_POP, wta_task_id(t),
                    WTA_S("global"), ex->len);
    return t;
}

/* Picks one sleeping worker and marks it unparked. Must hold ex->lock. */
static struct wta_worker *pick_sleeper(struct wta_executor *ex, const char *why)
{
    struct wta_worker *w = ex->sleepers;
    if (w == NULL)
        return NULL;
    ex->sleepers = w->next_sleeper;
    w->unparked = true;
    atomic_store(&ex->nparked, ex->nparked - 1);
    w->unpark_t = 0;
    if (ex->rt->trace != NULL)
        w->unpark_t = wta_trace_rec(ex->rt, 0, WTA_EV_WORKER_UNPARK, w->index,
                                    WTA_S(why), 0, 0, 0, 0);
    return w;
}

/*
 * Takes the driver out of its wait: it is no longer counted as parked.
 * Returns true if the caller must interrupt epoll_wait (after unlocking):
 * not when the driver itself is pushing what its turn woke.
 */
static bool stop_driver_wait(struct wta_executor *ex, const char *why)
{
    if (!ex->driver_waiting)
        return false;
    ex->driver_waiting = false;
    atomic_store(&ex->nparked, ex->nparked - 1);
    bool self = wta_self.worker != NULL && wta_self.worker == ex->driver;
    if (!self)
        WTA_TRACE(ex->rt, WORKER_UNPARK, ex->driver->index, WTA_S(why));
    return !self;
}

/* Runnable: queue t and wake at most one sleeping worker. Any thread. */
void wta_executor_push(struct wta_executor *ex, struct wta_task *t)
{
    wta_mutex_lock(&ex->lock);
    if (ex->shutdown) {
        // Nobody will poll it; shutdown's drop_all finds it in rt->tasks.
        wta_mutex_unlock(&ex->lock);
        return;
    }
    enqueue(ex, t);
    // A worker asleep on its condvar is the cheapest to wake; else the driver.
    struct wta_worker *w = pick_sleeper(ex, "push");
    bool interrupt = w == NULL && stop_driver_wait(ex, "push");
    wta_mutex_unlock(&ex->lock);
    if (w != NULL)
        pthread_cond_signal(&w->cond);
    if (interrupt)
        wta_reactor_unpark(ex->rt->reactor);
}

/*
 * Sleeps in the reactor instead of on the condvar: this worker is the
 * driver until the turn returns (a socket or timer is ready, or a push
 * interrupted it). Must hold ex->lock; lets go of it while waiting.
 */
static void drive(struct wta_worker *w)
{
    struct wta_executor *ex = w->ex;
    ex->driving = true;
    ex->driver = w;
    ex->driver_waiting = true;
    int parked = atomic_load(&ex->nparked) + 1;
    atomic_store(&ex->nparked, parked);
    wta_mutex_unlock(&ex->lock);
    if (parked == ex->nworkers)
        wta_main_poke(ex->rt);
    wta_reactor_turn(ex->rt->reactor, -1);   // LESSON 06: an idle worker waits in epoll
    wta_mutex_lock(&ex->lock);
    stop_driver_wait(ex, "reactor");
    ex->driving = false;
    ex->driver = NULL;
}

/*
 * Sleeps until a push picks this worker or shutdown. Must hold ex->lock,
 * which the wait lets go of. The last worker to sleep pokes block_on so it
 * can check whether anything can still wake its future.
 */
static void park(struct wta_worker *w)
{
    struct wta_executor *ex = w->ex;
    if (!ex->driving && !wta_bug(ex->rt, WTA_BUG_W5)) {
        drive(w);   // nobody waits on the reactor yet: we do
        return;
    }
    w->unparked = false;
    w->next_sleeper = ex->sleepers;
    ex->sleepers = w;
    int parked = atomic_load(&ex->nparked) + 1;
    atomic_store(&ex->nparked, parked);
    WTA_TRACE(ex->rt, WORKER_PARK, w->index, ex->len);
    if (parked == ex->nworkers) {
        // Safe to let go: we are listed, so a push will set w->unparked.
        wta_mutex_unlock(&ex->lock);
        wta_main_poke(ex->rt);
        wta_mutex_lock(&ex->lock);
    }
    while (!w->unparked && !ex->shutdown)
        wta_cond_wait(&w->cond, &ex->lock);
    WTA_TRACE_AFTER(ex->rt, w->unpark_t, WORKER_RESUME, w->index);
}

/*
 * The next task for worker w, sleeping while there is none; NULL at
 * shutdown. Correct: check and register under one lock.
 */
static struct wta_task *next_task(struct wta_worker *w)
{
    struct wta_executor *ex = w->ex;
    struct wta_task *t = NULL;
    wta_mutex_lock(&ex->lock);
    while (!ex->shutdown && (t = dequeue(ex)) == NULL)
        park(w);   // LESSON 03: registered as sleeper under the lock that checked
    wta_mutex_unlock(&ex->lock);
    return t;
}

/* W3 on: the original's order. Check, let go, (window), register, park. */
static struct wta_task *next_task_w3(struct wta_worker *w)
{
    struct wta_executor *ex = w->ex;
    struct wta_runtime *rt = ex->rt;
    for (;;) {
        wta_mutex_lock(&ex->lock);
        struct wta_task *t = ex->shutdown ? NULL : dequeue(ex);
        bool stop = ex->shutdown;
        wta_mutex_unlock(&ex->lock);
        if (t != NULL || stop)
            return t;
        // The window: a push now sees no sleeper and wakes nobody.
        if (rt->cfg.hooks.w3_before_sleep != NULL) {
            WTA_TRACE(rt, BUG_WINDOW, WTA_S("W3"), WTA_S("between queue check and sleep"));
            rt->cfg.hooks.w3_before_sleep(rt->cfg.hooks.arg, w->index);
        }
        wta_mutex_lock(&ex->lock);
        if (!ex->shutdown)
            park(w);   // no re-check: the bug
        wta_mutex_unlock(&ex->lock);
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
    bool w3 = wta_bug(w->ex->rt, WTA_BUG_W3);
    struct wta_task *t = w3 ? next_task_w3(w) : next_task(w);
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

struct wta_executor *wta_executor_new(struct wta_runtime *rt)
{
    struct wta_executor *ex = wta_xcalloc(1, sizeof *ex);
    ex->rt = rt;
    wta_mutex_init(&ex->lock);
    ex->nworkers = rt->nworkers;
    ex->workers = wta_xcalloc((size_t)ex->nworkers, sizeof *ex->workers);
    for (int i = 0; i < ex->nworkers; i++) {
        ex->workers[i].ex = ex;
        ex->workers[i].index = i;
        pthread_cond_init(&ex->workers[i].cond, NULL);
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
    wta_mutex_lock(&ex->lock);
    ex->shutdown = true;
    while (pick_sleeper(ex, "shutdown") != NULL)
        ;
    bool interrupt = stop_driver_wait(ex, "shutdown");
    wta_mutex_unlock(&ex->lock);
    if (interrupt)
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
    for (int i = 0; i < ex->nworkers; i++)
        pthread_cond_destroy(&ex->workers[i].cond);
    free(ex->workers);
    wta_mutex_destroy(&ex->lock);
    free(ex);
}

/* For the hang check: every worker asleep? (*queued: tasks left queued) */
bool wta_executor_all_parked(struct wta_executor *ex, uint64_t *queued)
{
    *queued = atomic_load(&ex->len);
    return atomic_load(&ex->nparked) == ex->nworkers;
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
    wta_executor_push(rt->exec, t);   // LESSON 01: spawn = push + wake one sleeper
    return handle;
}

/*
 * runq.c - where a runnable task waits: a run queue (a FIFO of tasks,
 * linked through the tasks) or a worker's run-next slot.
 *
 * The slot (per-worker scheduler; tokio 1.x's LIFO slot) holds the task a
 * worker woke last, to run right after the poll that woke it. Only its
 * owner touches it, so it needs no lock; it is never stolen.
 *
 * A task is in one run queue at most (or in a worker's run-next slot,
 * steal.c), so one `next` link per task is enough. A queued task is
 * SCHEDULED; but a SCHEDULED task is not always in a queue: it may be in
 * a run-next slot or a worker's own ring (ring.c), or between its wake and
 * its push, or between its pop and its poll. The queue has no lock of its
 * own: the lock named at init (ex->lock: this is the global queue) must be
 * held, and debug builds assert it. Every push and pop is traced with the
 * queue's name, so a reader can rebuild each queue's contents at any event.
 */
#include <stdio.h>
#include <string.h>

#include "executor.h"

#define NEXT_MAX 3   /* slot runs in a row before the slot's task waits its turn */

void wta_runq_init(struct wta_runq *q, const char *name, struct wta_mutex *lock)
{
    q->head = q->tail = NULL;
    q->lock = lock;
    atomic_init(&q->len, 0);
    snprintf(q->name, sizeof q->name, "%s", name);
}

/* Appends t. Must hold the queue's lock. */
void wta_runq_push(struct wta_runtime *rt, struct wta_runq *q, struct wta_task *t)
{
    WTA_ASSERT_HELD(q->lock, "runq_push: queue lock not held");
    wta_task_set_queued(t, true);
    wta_task_set_next(t, NULL);
    if (q->tail != NULL)
        wta_task_set_next(q->tail, t);
    else
        q->head = t;
    q->tail = t;
    uint64_t len = wta_atomic_load_explicit(&q->len, memory_order_relaxed) + 1;
    wta_atomic_store_explicit(&q->len, len, memory_order_relaxed);
    WTA_TRACE(rt, QUEUE_PUSH, wta_task_id(t), WTA_S(q->name), len);
}

/* Takes the oldest task, or NULL. Must hold the queue's lock. */
struct wta_task *wta_runq_pop(struct wta_runtime *rt, struct wta_runq *q)
{
    WTA_ASSERT_HELD(q->lock, "runq_pop: queue lock not held");
    struct wta_task *t = q->head;
    if (t == NULL)
        return NULL;
    q->head = wta_task_next(t);
    if (q->head == NULL)
        q->tail = NULL;
    wta_task_set_queued(t, false);
    uint64_t len = wta_atomic_load_explicit(&q->len, memory_order_relaxed) - 1;
    wta_atomic_store_explicit(&q->len, len, memory_order_relaxed);
    WTA_TRACE_AFTER(rt, wta_task_last_wake_t(t), QUEUE_POP, wta_task_id(t), WTA_S(q->name), len);
    return t;
}

/* ---------------------------------------------------------------- the run-next slot */

/* Puts t in w's slot (owner only). The caller queues what it displaces. */
void wta_next_put(struct wta_worker *w, struct wta_task *t)
{
    WTA_ASSERT(wta_self.worker == w, "next_put: not the slot's owner");
    if (w->next != NULL) {
        wta_task_set_queued(w->next, false);
        WTA_TRACE(w->ex->rt, QUEUE_POP, wta_task_id(w->next), WTA_S(w->next_name), 0);
    }
    wta_task_set_queued(t, true);
    w->next = t;
    wta_atomic_store(&w->next_full, true);
    WTA_TRACE(w->ex->rt, QUEUE_PUSH, wta_task_id(t), WTA_S(w->next_name), 1);
}

/*
 * The slot's task, or NULL (owner only). Past NEXT_MAX runs in a row it
 * goes to the back of w's own queue instead, so two tasks waking each
 * other cannot starve the rest.
 */
struct wta_task *wta_next_take(struct wta_worker *w)
{
    WTA_ASSERT(wta_self.worker == w, "next_take: not the slot's owner");
    struct wta_task *t = w->next;
    if (t == NULL)
        return NULL;
    w->next = NULL;
    wta_task_set_queued(t, false);
    WTA_TRACE_AFTER(w->ex->rt, wta_task_last_wake_t(t), QUEUE_POP, wta_task_id(t),
                    WTA_S(w->next_name), 0);
    if (++w->next_streak <= NEXT_MAX) {
        wta_atomic_store(&w->next_full, false);
        return t;
    }
    w->next_streak = 0;   // fairness: to the back of our queue
    wta_worker_push_local(w, t);
    wta_atomic_store(&w->next_full, false);
    return NULL;
}

/*
 * runq.c - a run queue: a FIFO of tasks, linked through the tasks.
 *
 * A task is SCHEDULED exactly when it is in one run queue, so one `next`
 * link per task is enough. The queue has no lock of its own: its owner
 * (ex->lock for the global queue, a worker's qlock for its local queue)
 * must be held. Every push and pop is traced with the queue's name, so a
 * reader can rebuild each queue's contents at any event.
 */
#include <stdio.h>
#include <string.h>

#include "executor.h"

void runq_init(struct wta_runq *q, const char *name)
{
    q->head = q->tail = NULL;
    atomic_init(&q->len, 0);
    snprintf(q->name, sizeof q->name, "%s", name);
}

/* Appends t. Must hold the queue's lock. */
void runq_push(struct wta_runtime *rt, struct wta_runq *q, struct wta_task *t)
{
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
struct wta_task *runq_pop(struct wta_runtime *rt, struct wta_runq *q)
{
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

/* Moves the n oldest tasks of `from` to the back of `to`. Must hold both locks
 * (or own `to` privately, as a thief's scratch list). */
void runq_move(struct wta_runtime *rt, struct wta_runq *from, struct wta_runq *to, uint64_t n)
{
    struct wta_task *t;
    while (n-- > 0 && (t = runq_pop(rt, from)) != NULL)
        runq_push(rt, to, t);
}

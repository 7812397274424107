/*
 * task_block.c - a task's memory: the block spawn allocates, and the
 * references that keep it.
 *
 * One block per spawn: the task, its JoinHandle's oneshot (t->join) and,
 * for wta_spawn_move, the future's own bytes (t->moved) are one malloc.
 * The block is freed with the task's last reference. References: the
 * runtime holds one while the task is not DONE (it sits in one of
 * rt->task_lists so that shutdown can find it); every waker clone holds
 * one; the JoinHandle holds one until it is dropped, so a handle awaited
 * long after its task finished (or was dropped unfinished: -ECANCELED)
 * still reads its oneshot. The sending side holds none: the task sends
 * (or cancels) before it lets go of the runtime's reference. The task's
 * memory holds one on the runtime's struct, so a waker kept after
 * wta_runtime_free finds its task DONE (a stale wake, a no-op) and a
 * runtime whose trace is closed.
 *
 * Also here: the small accessors the run queues and wakers use, so that
 * outside task.h's three files nobody sees inside struct wta_task.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "task.h"

uint64_t wta_task_id(const struct wta_task *t) { return t->id; }

/* The task being polled on the calling thread, or 0 (main, or no task). */
uint64_t wta_current_task_id(void)
{
    return wta_self.current != NULL ? wta_self.current->id : 0;
}
uint64_t wta_task_last_wake_t(const struct wta_task *t) { return t->last_wake_t; }
struct wta_task *wta_task_next(struct wta_task *t) { return t->next; }
void wta_task_set_next(struct wta_task *t, struct wta_task *next) { t->next = next; }

/* Run queues call this on push (true) and pop (false): a task is in one queue at most. */
void wta_task_set_queued(struct wta_task *t, bool queued)
{
    if (t->queued == queued)
        wta_panic(queued ? "task pushed twice" : "task popped but not queued");
    t->queued = queued;
}
struct wta_runtime *wta_task_runtime(const struct wta_task *t) { return t->rt; }

/*
 * Creates a task in state SCHEDULED (the caller pushes it) and lists it;
 * *handle is its JoinHandle. size 0: f is a boxed future, now the task's;
 * else f's first size bytes are moved into the task's block (f's drop must
 * not free it).
 */
struct wta_task *wta_task_new(struct wta_runtime *rt, struct wta_future *f, size_t size,
                              const char *name, const char *file, int line,
                              struct wta_future **handle)
{
    struct wta_task *t = wta_xcalloc(1, sizeof *t + size);
    atomic_init(&t->state, WTA_TASK_SCHEDULED);
    t->rt = rt;
    t->id = wta_atomic_fetch_add(&rt->next_task_id, 1);
    t->parent = wta_self.current != NULL ? wta_self.current->id : 0;
    t->fut = f;
    if (size > 0)
        t->fut = memcpy(t->moved, f, size);
    atomic_init(&t->refs, 2);   // the runtime's and the handle's
    *handle = wta_join_init(&t->join, t, t->id);
    atomic_init(&t->wakers, 0);
    wta_runtime_hold(rt);   // a waker kept past wta_runtime_free still reaches t->rt
    atomic_init(&t->held, 0);
    snprintf(t->name, sizeof t->name, "%s", name != NULL ? name : f->vt->name);
    t->file = file;
    t->line = line;

    wta_task_list_add(t);

    t->last_wake_t = 0;
    WTA_TRACE(rt, TASK_SPAWN, t->id, t->parent, WTA_S(name), WTA_S(file), line);
    return t;
}

void wta_task_hold(struct wta_task *t)
{
    wta_atomic_fetch_add_explicit(&t->refs, 1, memory_order_relaxed);
}

/* Drops one reference; the last one frees the task's memory. */
void wta_task_release(struct wta_task *t)
{
    if (wta_atomic_fetch_sub_explicit(&t->refs, 1, memory_order_acq_rel) != 1)
        return;
    struct wta_runtime *rt = t->rt;
    wta_join_destroy(&t->join);
    free(t);
    wta_runtime_release(rt);
}

int wta_task_wakers_delta(struct wta_task *t, int delta)
{
    return wta_atomic_fetch_add_explicit(&t->wakers, delta, memory_order_relaxed) + delta;
}

int wta_task_held_delta(struct wta_task *t, int delta)
{
    return wta_atomic_fetch_add_explicit(&t->held, delta, memory_order_relaxed) + delta;
}

/* A runtime structure took a clone of t's waker: say what for (t's poll only). */
void wta_task_set_wait(struct wta_task *t, const struct wta_wait *w)
{
    t->wait = *w;
}

/*
 * Ends an unfinished task: its future is dropped and its JoinHandle sees
 * -ECANCELED. The caller has set DONE. Runs user code (drop): no locks held.
 */
void wta_task_cancel(struct wta_task *t, const char *why)
{
    WTA_TRACE(t->rt, TASK_DROP, t->id, WTA_S(why));
    wta_future_drop(t->fut);
    t->fut = NULL;
    WTA_TRACE(t->rt, JOIN_CANCEL, t->id);
    wta_join_cancel(&t->join);
    wta_task_unlist(t);
}

/*
 * task.c - a task is a spawned future plus the state that says where it is.
 *
 * The states, read aloud (one enum, guarded by task->lock):
 *
 *   IDLE       waiting for a wake. In no queue. Whoever wakes it first
 *              moves it to SCHEDULED and pushes it: exactly one push.
 *   SCHEDULED  in a run queue exactly once. More wakes change nothing.
 *   RUNNING    a worker is inside its poll. A wake now cannot push it (it
 *              would run twice at once), so it becomes NOTIFIED instead.
 *   NOTIFIED   woken while RUNNING. When the poll returns PENDING, the
 *              worker pushes it again itself. Without this state the wake
 *              is lost and the task hangs (the original's bug W2).
 *   DONE       finished, or dropped at shutdown. Wakes are stale: no-ops.
 *
 * Impossible: a task in two queues; a RUNNING task in a queue; a wake that
 * moves a task out of DONE.
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
 * The future itself is touched only by the worker that set RUNNING, so
 * polling needs no lock.
 */
#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <stdlib.h>

#include "task.h"

const char *wta_task_state_name(enum wta_task_state s)
{
    static const char *names[] = {"IDLE", "SCHEDULED", "RUNNING", "NOTIFIED", "DONE"};
    return (unsigned)s < 5 ? names[s] : "?";
}

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
    wta_mutex_init(&t->lock);
    t->state = WTA_TASK_SCHEDULED;
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
    wta_mutex_destroy(&t->lock);
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

/*
 * The wake state machine: called by a task's waker, on any thread.
 * Pushes the task only on IDLE -> SCHEDULED, so it is queued at most once.
 */
void wta_wake_task(struct wta_task *t, bool by_ref)
{
    struct wta_runtime *rt = t->rt;
    const char *outcome;
    bool push = false;
    struct wta_task *cur = wta_self.current;

    wta_mutex_lock(&t->lock);
    switch (t->state) {
    case WTA_TASK_IDLE:
        t->state = WTA_TASK_SCHEDULED;
        outcome = "scheduled";
        push = true;
        break;
    case WTA_TASK_SCHEDULED:
    case WTA_TASK_NOTIFIED:
        outcome = "already-scheduled";
        break;
    case WTA_TASK_RUNNING:
        if (t->running_on == wta_thread_id() && wta_bug(rt, WTA_BUG_W4)) {
            outcome = "lost";       // LESSON 13: W4: the original drops a self-wake...
            t->lost_wake = true;    // ...and then frees the task
        } else if (t->running_on != wta_thread_id() && wta_bug(rt, WTA_BUG_W2)) {
            outcome = "lost";       // LESSON 11: W2: the original's slot is empty during the poll...
            t->lost_wake = true;    // ...and the same slot frees the task
        } else {
            // LESSON 05: woken while running: remember it, and the worker
            // re-queues the task when this poll returns.
            t->state = WTA_TASK_NOTIFIED;
            outcome = "notified-while-running";
        }
        break;
    case WTA_TASK_DONE:
    default:
        outcome = "stale";   // LESSON 04: a wake after DONE changes nothing
        break;
    }
    // Stamped under the lock, so it sorts before the poll it causes.
    uint64_t tw = 0;
    if (rt->trace != NULL)
        tw = wta_trace_rec(rt, 0, WTA_EV_WAKER_WAKE, t->id,
                           WTA_S(wta_wake_source_name(wta_self.src)), WTA_S(outcome),
                           cur != NULL ? cur->id : 0, by_ref, wta_self.cause);
    if (push || t->state == WTA_TASK_NOTIFIED)
        t->last_wake_t = tw;
    wta_mutex_unlock(&t->lock);

    if (push)
        wta_executor_push(rt->exec, t, true);
}

/*
 * W2 or W4 on: the original frees a task whose wake was lost during its
 * poll if no waker is left alive (its slot stays empty and nobody holds
 * the task any more): its JoinHandle sees -ECANCELED. Hold t->lock.
 */
static bool lost_wake_frees(struct wta_task *t)
{
    return t->lost_wake && wta_atomic_load(&t->wakers) == 0;
}

/* RUNNING, on this thread. Returns the stamp of the wake that scheduled t. */
static uint64_t start_running(struct wta_task *t)
{
    wta_mutex_lock(&t->lock);
    if (t->state != WTA_TASK_SCHEDULED)
        wta_panic("task_run: not SCHEDULED");
    t->state = WTA_TASK_RUNNING;
    t->running_on = wta_thread_id();
    t->lost_wake = false;
    uint64_t after = t->last_wake_t;
    wta_mutex_unlock(&t->lock);
    return after;
}

/*
 * The poll returned ready: DONE, the future dropped, the output sent into
 * the JoinHandle. The caller still has t as wta_self.current, so the wake
 * the send causes (of main, or of a joining task) records t as its `by`.
 */
static void finish(struct wta_task *t, int rc, intptr_t out)
{
    struct wta_runtime *rt = t->rt;
    wta_mutex_lock(&t->lock);
    t->state = WTA_TASK_DONE;
    wta_mutex_unlock(&t->lock);
    WTA_TRACE(rt, POLL_END, t->id, t->polls, WTA_S("ready"), WTA_S("done"));
    wta_future_drop(t->fut);
    t->fut = NULL;
    WTA_TRACE(rt, TASK_DROP, t->id, WTA_S("done"));
    WTA_TRACE(rt, JOIN_SEND, t->id, rc, out);
    wta_join_send(&t->join, rc, out);
}

/*
 * The poll returned pending: IDLE (a waker will push it), or, if it was
 * woken meanwhile, NOTIFIED -> SCHEDULED and pushed again. With W2 or W4
 * on, a lost wake that left no waker alive frees it instead.
 */
static void after_pending(struct wta_task *t)
{
    struct wta_runtime *rt = t->rt;
    bool requeue = false, freed = false;
    uint32_t polls = t->polls;   // once IDLE, another worker may poll t again (and count)
    wta_mutex_lock(&t->lock);
    if (t->state == WTA_TASK_NOTIFIED) {
        t->state = WTA_TASK_SCHEDULED;   // LESSON 05: the wake that came during the poll
        requeue = true;
    } else if (lost_wake_frees(t)) {
        t->state = WTA_TASK_DONE;        // W2/W4: nobody holds a waker, so the original frees it
        freed = true;
    } else {
        t->state = WTA_TASK_IDLE;
    }
    // Recorded under the lock: once IDLE, a wake and another worker's poll
    // may follow at once, and they must sort after this poll's end.
    WTA_TRACE(rt, POLL_END, t->id, polls, WTA_S("pending"),
              WTA_S(requeue ? "requeue" : freed ? "freed" : "idle"));
    wta_mutex_unlock(&t->lock);
    if (requeue)
        wta_executor_push(rt->exec, t, false);   // a yield goes to the back, not next
    else if (freed)
        wta_task_cancel(t, "freed");
}

/*
 * Polls t once on the calling worker (the original's poll_once, after the
 * pop). Afterwards, per the state machine: ready -> DONE (output into the
 * JoinHandle); pending -> IDLE, or NOTIFIED -> SCHEDULED and pushed again.
 */
void wta_task_run(struct wta_task *t)
{
    struct wta_runtime *rt = t->rt;
    uint64_t after = start_running(t);

    // The context borrows the runtime's reference: no clone per poll.
    struct wta_waker waker = wta_task_waker_borrowed(t);
    struct wta_context cx = {.waker = &waker};
    intptr_t out = 0;
    t->polls++;
    t->last_poll_ns = wta_clock_ns();
    WTA_TRACE_AFTER(rt, after, POLL_BEGIN, t->id, t->polls);
    wta_self.current = t;
    wta_self.poll_now = t->last_poll_ns;   // the poll's one clock reading (sleeps compare with it)
    wta_sim_point();
    int rc = t->fut->vt->poll(t->fut, &cx, &out);
    wta_sim_point();
    wta_self.poll_now = 0;
    if (rc == WTA_PENDING) {
        wta_self.current = NULL;
        after_pending(t);
        return;
    }
    finish(t, rc, out);
    wta_self.current = NULL;
    wta_task_unlist(t);
}

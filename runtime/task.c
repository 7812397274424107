/*
 * task.c - a task is a spawned future plus the state that says where it is.
 *
 * The states, read aloud (one enum in one atomic word, t->state):
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
 * The arrows. Each is one small function below and one compare-and-swap
 * on t->state, from the state its caller saw to the next; so no lock is
 * taken to wake or poll a task. A swap fails only if another thread took
 * an arrow first, and then the caller looks again:
 *
 *   a waker:    IDLE -> SCHEDULED (and pushes)     schedule()
 *               RUNNING -> NOTIFIED                notify()
 *   the worker: SCHEDULED -> RUNNING               begin_poll()
 *               RUNNING -> IDLE                    go_idle()
 *               NOTIFIED -> SCHEDULED (and pushes) requeue()
 *               RUNNING or NOTIFIED -> DONE        finish()
 *   shutdown:   any -> DONE                        wta_task_set_done()
 *
 * With the original's bugs W2 or W4 on, a wake during the poll takes
 * lose_wake() instead (RUNNING -> RUNNING + LOST, a bit beside the state):
 * the poll's end sees LOST and, if no waker is left, lost_frees() the task.
 *
 * The trace: each arrow's event is stamped after the load that chose the
 * arrow and before the swap that takes it (stamp()), then recorded with
 * that time. Any later arrow on the task starts with a load that sees
 * this swap, so it is stamped later: one task's events sort in the order
 * its arrows were taken, though each is written after its swap.
 *
 * The task's memory (one block per spawn, freed with its last reference)
 * is task_block.c's.
 *
 * The future itself is touched only by the worker that took it to
 * RUNNING; the next worker to poll it got it through a run queue's push
 * and pop, which order the two polls.
 */
#include <stddef.h>

#include "task.h"

const char *wta_task_state_name(enum wta_task_state s)
{
    static const char *names[] = {"IDLE", "SCHEDULED", "RUNNING", "NOTIFIED", "DONE"};
    return (unsigned)s < 5 ? names[s] : "?";
}

/* The state word: an enum wta_task_state, plus LOST with W2 or W4 on. */
#define STATE 7u
#define LOST  8u   /* a wake during this poll was lost (the original's bugs) */

static enum wta_task_state state_of(unsigned word) { return (enum wta_task_state)(word & STATE); }

/* When the arrow about to be taken happened, for the trace (0: no trace). */
static uint64_t stamp(struct wta_runtime *rt)
{
    return rt->trace != NULL ? wta_trace_now(rt) : 0;
}

/* One arrow: t->state goes from `from` (as the caller saw it) to `to`. */
static bool arrow(struct wta_task *t, unsigned from, unsigned to)
{
    return wta_atomic_compare_exchange_strong(&t->state, &from, to);
}

static bool schedule(struct wta_task *t, unsigned s)    /* IDLE -> SCHEDULED */
{
    return arrow(t, s, WTA_TASK_SCHEDULED);
}
static bool notify(struct wta_task *t, unsigned s)      /* RUNNING -> NOTIFIED */
{
    return arrow(t, s, WTA_TASK_NOTIFIED | (s & LOST));
}
static bool lose_wake(struct wta_task *t, unsigned s)   /* RUNNING -> RUNNING + LOST */
{
    return arrow(t, s, s | LOST);
}
static bool go_idle(struct wta_task *t, unsigned s)     /* RUNNING -> IDLE */
{
    return arrow(t, s, WTA_TASK_IDLE);
}
static bool requeue(struct wta_task *t, unsigned s)     /* NOTIFIED -> SCHEDULED */
{
    return arrow(t, s, WTA_TASK_SCHEDULED);
}
static bool lost_frees(struct wta_task *t, unsigned s)  /* RUNNING + LOST -> DONE */
{
    return arrow(t, s, WTA_TASK_DONE);
}

/*
 * W2 or W4 on: is this wake of a RUNNING task one the original loses?
 * W4: the task wakes itself during its own poll. W2: another thread wakes
 * it while the original's slot is empty (during any poll).
 */
static bool wake_is_lost(struct wta_task *t)
{
    if (wta_self.current == t)
        return wta_bug(t->rt, WTA_BUG_W4);   // LESSON 13: W4: the original drops a self-wake...
    return wta_bug(t->rt, WTA_BUG_W2);       // LESSON 11: W2: the original's slot is empty during the poll
}

/*
 * The wake state machine: called by a task's waker, on any thread.
 * Pushes the task only on IDLE -> SCHEDULED, so it is queued at most once.
 */
void wta_wake_task(struct wta_task *t, bool by_ref)
{
    struct wta_runtime *rt = t->rt;
    const char *outcome = NULL;   // NULL: another thread moved t first; look again
    bool push = false;
    uint64_t tw;

    do {
        unsigned s = wta_atomic_load(&t->state);
        tw = stamp(rt);
        switch (state_of(s)) {
        case WTA_TASK_IDLE:
            if (schedule(t, s)) {
                outcome = "scheduled";
                push = true;
            }
            break;
        case WTA_TASK_SCHEDULED:
        case WTA_TASK_NOTIFIED:
            outcome = "already-scheduled";
            break;
        case WTA_TASK_RUNNING:
            if (wake_is_lost(t)) {
                if (lose_wake(t, s))
                    outcome = "lost";   // ...and the poll's end may free the task
            } else if (notify(t, s)) {
                // LESSON 05: woken while running: remember it, and the worker
                // re-queues the task when this poll returns.
                outcome = "notified-while-running";
            }
            break;
        case WTA_TASK_DONE:
        default:
            outcome = "stale";   // LESSON 04: a wake after DONE changes nothing
            break;
        }
    } while (outcome == NULL);

    struct wta_task *cur = wta_self.current;
    WTA_TRACE_AT(rt, tw, WAKER_WAKE, t->id, WTA_S(wta_wake_source_name(wta_self.src)),
                 WTA_S(outcome), cur != NULL ? cur->id : 0, by_ref, wta_self.cause);
    if (push) {
        t->last_wake_t = tw;   // the pop and the poll it causes sort after this wake
        wta_executor_push(rt->exec, t, true);
    }
}

/* SCHEDULED -> RUNNING, on this thread. Returns the arrow's trace stamp. */
static uint64_t begin_poll(struct wta_task *t)
{
    uint64_t tb = stamp(t->rt);
    if (!arrow(t, WTA_TASK_SCHEDULED, WTA_TASK_RUNNING))
        wta_panic("task_run: not SCHEDULED");
    return tb;
}

/*
 * The poll returned ready: RUNNING or NOTIFIED -> DONE (with its LOST bit,
 * if any: nothing is left to lose), the future dropped, the output sent
 * into the JoinHandle. The caller still has t as wta_self.current, so the
 * wake the send causes (of main, or of a joining task) records t as `by`.
 */
static void finish(struct wta_task *t, int rc, intptr_t out)
{
    struct wta_runtime *rt = t->rt;
    uint64_t te = stamp(rt);
    wta_atomic_exchange(&t->state, WTA_TASK_DONE);
    WTA_TRACE_AT(rt, te, POLL_END, t->id, t->polls, WTA_S("ready"), WTA_S("done"));
    wta_future_drop(t->fut);
    t->fut = NULL;
    WTA_TRACE(rt, TASK_DROP, t->id, WTA_S("done"));
    WTA_TRACE(rt, JOIN_SEND, t->id, rc, out);
    wta_join_send(&t->join, rc, out);
}

/*
 * The poll returned pending: IDLE (a waker will push it), or, if it was
 * woken meanwhile, NOTIFIED -> SCHEDULED and pushed again. With W2 or W4
 * on, a lost wake that left no waker alive frees it instead: the original
 * frees the task, its slot empty and nobody holding it, and its JoinHandle
 * sees -ECANCELED.
 */
static void after_pending(struct wta_task *t)
{
    struct wta_runtime *rt = t->rt;
    bool requeued = false, freed = false, idle = false;
    // Once IDLE, t is another thread's: it may be polled, finished and freed
    // before this function returns. So read what the trace needs first.
    uint64_t id = t->id;
    uint32_t polls = t->polls;
    uint64_t te;

    do {   // again if a wake moved t first
        unsigned s = wta_atomic_load(&t->state);
        te = stamp(rt);
        if (state_of(s) == WTA_TASK_NOTIFIED)
            requeued = requeue(t, s);   // LESSON 05: the wake that came during the poll
        else if ((s & LOST) && wta_atomic_load(&t->wakers) == 0)
            freed = lost_frees(t, s);   // W2/W4: nobody holds a waker, so the original frees it
        else
            idle = go_idle(t, s);
    } while (!requeued && !freed && !idle);

    WTA_TRACE_AT(rt, te, POLL_END, id, polls, WTA_S("pending"),
                 WTA_S(requeued ? "requeue" : freed ? "freed" : "idle"));
    if (requeued) {
        t->last_wake_t = te;   // its next pop and poll sort after this
        wta_executor_push(rt->exec, t, false);   // a yield goes to the back, not next
    } else if (freed) {
        wta_task_cancel(t, "freed");
    }
}

/*
 * Polls t once on the calling worker (the original's poll_once, after the
 * pop). Afterwards, per the state machine: ready -> DONE (output into the
 * JoinHandle); pending -> IDLE, or NOTIFIED -> SCHEDULED and pushed again.
 */
void wta_task_run(struct wta_task *t)
{
    struct wta_runtime *rt = t->rt;
    uint64_t tb = begin_poll(t);

    // The context borrows the runtime's reference: no clone per poll.
    struct wta_waker waker = wta_task_waker_borrowed(t);
    struct wta_context cx = {.waker = &waker};
    intptr_t out = 0;
    t->polls++;
    t->last_poll_ns = wta_clock_ns();
    // After the wake that scheduled it, even if the clock ties.
    WTA_TRACE_AT(rt, tb > t->last_wake_t ? tb : t->last_wake_t + 1, POLL_BEGIN, t->id, t->polls);
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

/* t's state at this moment (the hang dump's, once every worker sleeps). */
enum wta_task_state wta_task_state_now(struct wta_task *t)
{
    return state_of(wta_atomic_load(&t->state));
}

/* Any state -> DONE: shutdown drops the task (wta_task_cancel follows). */
void wta_task_set_done(struct wta_task *t)
{
    wta_atomic_exchange(&t->state, WTA_TASK_DONE);
}

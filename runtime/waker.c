/*
 * waker.c - wakers: a vtable over a data pointer, as Rust's RawWaker.
 *
 * A task's waker points at the task. Cloning it takes a reference on the
 * task, so a waker kept in a channel or a timer can never point at freed
 * memory; calling it runs the task state machine in task.c. The waker a
 * poll's context lends is "borrowed": it uses the runtime's own reference
 * on the task, so polling costs no reference counting at all. Clone it to
 * keep it beyond the poll.
 *
 * Every clone and drop is traced with the count of live clones after it
 * (a wake is traced by the state machine, task.c, with its outcome), so a
 * reader can tell a task that nobody can wake (no clones, no pending wake)
 * from one that is merely waiting.
 *
 * A clone a runtime structure keeps (a timer, a socket, a channel, a
 * JoinHandle: wta_waker_clone_held) has a vtable of its own that also
 * counts it as "held", and says what for. The hang check needs the
 * difference: a held clone fires only when the runtime runs, any other
 * clone is the user's and may fire from anywhere. Dropping a user's clone
 * pokes the hang check: that may have been the last hope.
 */
#include <stddef.h>

#include "internal.h"

/* ---- task wakers */

static struct wta_waker task_clone(const struct wta_waker *w);
static void task_wake(struct wta_waker *w);
static void task_wake_by_ref(const struct wta_waker *w);
static void task_drop(struct wta_waker *w);

static const struct wta_waker_vt task_waker_vt = {
    .clone = task_clone,
    .wake = task_wake,
    .wake_by_ref = task_wake_by_ref,
    .drop = task_drop,
};

static void held_wake(struct wta_waker *w);
static void held_drop(struct wta_waker *w);

/* A clone a runtime structure holds; a clone of it is the user's. */
static const struct wta_waker_vt task_held_vt = {
    .clone = task_clone,
    .wake = held_wake,
    .wake_by_ref = task_wake_by_ref,
    .drop = held_drop,
};

static bool is_task_waker(const struct wta_waker *w)
{
    return w->vt == &task_waker_vt || w->vt == &task_held_vt;
}

struct wta_waker wta_task_waker_borrowed(struct wta_task *t)
{
    return (struct wta_waker){.vt = &task_waker_vt, .data = t};
}

/* The task w wakes, for the trace; 0 if w is not a task's waker. */
uint64_t wta_waker_task_id(const struct wta_waker *w)
{
    return w != NULL && is_task_waker(w) ? wta_task_id(w->data) : 0;
}

static struct wta_waker task_clone(const struct wta_waker *w)
{
    struct wta_task *t = w->data;
    wta_task_hold(t);   // LESSON 04: a clone keeps the task alive
    int n = wta_task_wakers_delta(t, +1);
    WTA_TRACE(wta_task_runtime(t), WAKER_CLONE, wta_task_id(t), n);
    return (struct wta_waker){.vt = &task_waker_vt, .data = t};
}

/* Lets go of one clone; returns the runtime (t may be gone after). */
static struct wta_runtime *drop_clone(struct wta_waker *w)
{
    struct wta_task *t = w->data;
    struct wta_runtime *rt = wta_task_runtime(t);
    int n = wta_task_wakers_delta(t, -1);
    WTA_TRACE(rt, WAKER_DROP, wta_task_id(t), n);
    wta_task_release(t);
    w->vt = NULL;
    w->data = NULL;
    return rt;
}

static void task_drop(struct wta_waker *w)
{
    // The task's memory holds the runtime: keep it past the release, for the poke.
    struct wta_runtime *rt = wta_task_runtime(w->data);
    wta_runtime_hold(rt);
    drop_clone(w);
    wta_hang_poke(rt);   // the user's clone: maybe the last hope of a wake
    wta_runtime_release(rt);
}

static void held_drop(struct wta_waker *w)
{
    wta_task_held_delta(w->data, -1);   // first: until the next line it counts as the user's
    drop_clone(w);
}

static void held_wake(struct wta_waker *w)
{
    wta_wake_task(w->data, false);
    held_drop(w);
}

/*
 * A clone for a runtime structure that keeps it: counted as held, with
 * what it is for (the task's last wait, for the hang check's dump). Only
 * from the poll that w belongs to. A waker that is neither a task's nor a
 * MainWaker (the noop waker, the user's own) is cloned as usual.
 */
struct wta_waker wta_waker_clone_held(const struct wta_waker *w, enum wta_wait_kind kind,
                                      uint64_t id, int64_t arg)
{
    struct wta_wait why = {kind, id, arg};
    struct wta_waker out;
    if (w != NULL && is_task_waker(w)) {
        struct wta_task *t = w->data;
        wta_task_set_wait(t, &why);
        wta_task_held_delta(t, +1);   // first: until the clone, the counts differ (no hang)
        out = task_clone(w);
        out.vt = &task_held_vt;
        return out;
    }
    if (w != NULL && wta_main_waker_clone_held(w, &why, &out))
        return out;
    return wta_waker_clone(w);
}

/* The trace's name for a wait: timer, fd.read, fd.write, chan.recv, chan.send, join, nothing. */
const char *wta_wait_name(const struct wta_wait *w)
{
    switch (w->kind) {
    case WTA_WAIT_TIMER: return "timer";
    case WTA_WAIT_FD:    return w->arg == 2 ? "fd.write" : "fd.read";
    case WTA_WAIT_CHAN:  return w->arg == 1 ? "chan.send" : "chan.recv";
    case WTA_WAIT_JOIN:  return "join";
    case WTA_WAIT_NOTHING:
    default:             return "nothing";
    }
}

static void task_wake_by_ref(const struct wta_waker *w)
{
    wta_wake_task(w->data, true);
}

/* wake consumes the clone: wake it, then drop it. */
static void task_wake(struct wta_waker *w)
{
    wta_wake_task(w->data, false);
    task_drop(w);
}

/* ---- the noop waker */

static struct wta_waker noop_clone(const struct wta_waker *w) { return *w; }
static void noop_wake(struct wta_waker *w) { (void)w; }
static void noop_wake_by_ref(const struct wta_waker *w) { (void)w; }
static void noop_drop(struct wta_waker *w) { (void)w; }

static const struct wta_waker_vt noop_vt = {
    .clone = noop_clone, .wake = noop_wake,
    .wake_by_ref = noop_wake_by_ref, .drop = noop_drop,
};
static const struct wta_waker noop_waker = {.vt = &noop_vt, .data = NULL};

const struct wta_waker *wta_waker_noop(void)
{
    return &noop_waker;
}

/* ---- the generic calls: a zeroed waker (vt == NULL) is "no waker" */

struct wta_waker wta_waker_clone(const struct wta_waker *w)
{
    if (w == NULL || w->vt == NULL)
        return (struct wta_waker){0};
    return w->vt->clone(w);
}

void wta_waker_wake(struct wta_waker *w)
{
    if (w->vt == NULL)
        return;
    w->vt->wake(w);
    w->vt = NULL;
    w->data = NULL;
}

void wta_waker_wake_by_ref(const struct wta_waker *w)
{
    if (w->vt != NULL)
        w->vt->wake_by_ref(w);
}

void wta_waker_drop(struct wta_waker *w)
{
    if (w->vt == NULL)
        return;
    w->vt->drop(w);
    w->vt = NULL;
    w->data = NULL;
}

bool wta_waker_is_set(const struct wta_waker *w)
{
    return w != NULL && w->vt != NULL;
}

bool wta_waker_will_wake(const struct wta_waker *a, const struct wta_waker *b)
{
    if (a == NULL || b == NULL || a->vt == NULL)
        return false;
    if (is_task_waker(a) && is_task_waker(b))   // held or not: the same task
        return a->data == b->data;
    return wta_main_waker_same(a, b) || (a->vt == b->vt && a->data == b->data);
}

/* Wakes by ref and tells the trace the source (timer, join, reactor...). */
void wta_waker_wake_from(const struct wta_waker *w, enum wta_wake_source src)
{
    wta_waker_wake_cause(w, src, 0);
}

/*
 * The same, naming the thing that woke it as the trace names it (a timer
 * id, an fd, a channel id, a task, a job: see wta_wake_source): the wake
 * event carries it as its cause. Passed on through this thread's wta_self,
 * as the source is, since the waker's vtable takes no argument.
 */
void wta_waker_wake_cause(const struct wta_waker *w, enum wta_wake_source src, uint64_t cause)
{
    enum wta_wake_source saved = wta_self.src;
    uint64_t saved_cause = wta_self.cause;
    wta_self.src = src;
    wta_self.cause = cause;
    wta_waker_wake_by_ref(w);
    wta_self.src = saved;
    wta_self.cause = saved_cause;
}

/* Wakes each collected wake (by ref, naming its cause), then drops it. */
void wta_wake_all(struct wta_wake *wk, int n, enum wta_wake_source src)
{
    for (int i = 0; i < n; i++) {
        wta_waker_wake_cause(&wk[i].waker, src, wk[i].cause);
        wta_waker_drop(&wk[i].waker);
    }
}

const char *wta_wake_source_name(enum wta_wake_source s)
{
    switch (s) {
    case WTA_SRC_TASK:     return "task";
    case WTA_SRC_REACTOR:  return "reactor";
    case WTA_SRC_TIMER:    return "timer";
    case WTA_SRC_JOIN:     return "join";
    case WTA_SRC_MAIN:     return "main";
    case WTA_SRC_BLOCKING: return "blocking";
    case WTA_SRC_CHAN:     return "chan";
    case WTA_SRC_EXTERNAL:
    default:               return "external";
    }
}

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
 * Every clone, drop and wake is traced with the count of live clones, so a
 * reader can tell a task that nobody can wake (no clones, no pending wake)
 * from one that is merely waiting.
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

struct wta_waker wta_task_waker_borrowed(struct wta_task *t)
{
    return (struct wta_waker){.vt = &task_waker_vt, .data = t};
}

/* The task w wakes, for the trace; 0 if w is not a task's waker. */
uint64_t wta_waker_task_id(const struct wta_waker *w)
{
    return w != NULL && w->vt == &task_waker_vt ? wta_task_id(w->data) : 0;
}

static struct wta_waker task_clone(const struct wta_waker *w)
{
    struct wta_task *t = w->data;
    wta_task_hold(t);   // LESSON 04: a clone keeps the task alive
    int n = wta_task_wakers_delta(t, +1);
    WTA_TRACE(wta_task_runtime(t), WAKER_CLONE, wta_task_id(t), n);
    return (struct wta_waker){.vt = &task_waker_vt, .data = t};
}

static void task_drop(struct wta_waker *w)
{
    struct wta_task *t = w->data;
    int n = wta_task_wakers_delta(t, -1);
    WTA_TRACE(wta_task_runtime(t), WAKER_DROP, wta_task_id(t), n);
    wta_task_release(t);
    w->vt = NULL;
    w->data = NULL;
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
    return a != NULL && b != NULL && a->vt != NULL && a->vt == b->vt && a->data == b->data;
}

/* Wakes by ref and tells the trace the source (timer, join, reactor...). */
void wta_waker_wake_from(const struct wta_waker *w, enum wta_wake_source src)
{
    enum wta_wake_source saved = wta_self.src;
    wta_self.src = src;
    wta_waker_wake_by_ref(w);
    wta_self.src = saved;
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
    case WTA_SRC_EXTERNAL:
    default:               return "external";
    }
}

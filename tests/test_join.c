/*
 * test_join.c - JoinHandles and the oneshot channel under them.
 */
#include <CUnit/CUnit.h>
#include <errno.h>
#include <stdatomic.h>
#include <stdlib.h>

#include "suites.h"
#include "test_util.h"

/* ---- a task that waits on a oneshot */

struct waiter {
    struct wta_future *rx;
    _Atomic int *finished;
    _Atomic int *dropped;
};

static int waiter_poll(void *st, struct wta_context *cx, intptr_t *out)
{
    struct waiter *w = st;
    int rc = wta_poll(w->rx, cx, out);
    if (rc == WTA_PENDING)
        return WTA_PENDING;   // the oneshot's sender wakes us
    atomic_fetch_add(w->finished, 1);
    return rc;
}

static void waiter_drop(void *st)
{
    struct waiter *w = st;
    wta_future_drop(w->rx);
    atomic_fetch_add(w->dropped, 1);
    free(w);
}

static struct wta_future *waiter_new(struct wta_future *rx, _Atomic int *finished,
                                     _Atomic int *dropped)
{
    struct waiter *w = calloc(1, sizeof *w);
    w->rx = rx;
    w->finished = finished;
    w->dropped = dropped;
    return fn_future("waiter", waiter_poll, w, waiter_drop);
}

/* What if the JoinHandle is dropped? (the task is detached and still runs) */
struct detach_main {
    struct wta_future *done_rx;
};

static int detach_main_poll(void *st, struct wta_context *cx, intptr_t *out)
{
    struct detach_main *m = st;
    return wta_poll(m->done_rx, cx, out);   // pending: the detached task's send wakes us
}

static void detach_main_drop(void *st)
{
    struct detach_main *m = st;
    wta_future_drop(m->done_rx);
}

struct relay {
    struct wta_future *rx;
    struct wta_oneshot_tx *tx;
};

static int relay_poll(void *st, struct wta_context *cx, intptr_t *out)
{
    struct relay *r = st;
    intptr_t v;
    int rc = wta_poll(r->rx, cx, &v);
    if (rc == WTA_PENDING)
        return WTA_PENDING;   // the main thread's send wakes us
    wta_oneshot_send(r->tx, v + 1);
    r->tx = NULL;
    *out = 0;
    return rc;
}

static void relay_drop(void *st)
{
    struct relay *r = st;
    wta_future_drop(r->rx);
    wta_oneshot_tx_drop(r->tx);
    free(r);
}

static void join_detach(void)
{
    struct wta_runtime *rt = test_runtime(2, 0, NULL);
    struct relay *r = calloc(1, sizeof *r);
    struct wta_oneshot_tx *go;
    struct detach_main m = {0};
    CU_ASSERT_EQUAL(wta_oneshot_new(&go, &r->rx), 0);
    CU_ASSERT_EQUAL(wta_oneshot_new(&r->tx, &m.done_rx), 0);
    struct wta_future *h = wta_runtime_spawn(rt, fn_future("relay", relay_poll, r, relay_drop));
    CU_ASSERT_PTR_NOT_NULL_FATAL(h);
    wta_future_drop(h);                 // detach
    CU_ASSERT_EQUAL(wta_oneshot_send(go, 41), 0);
    intptr_t v = 0;
    CU_ASSERT_EQUAL(wta_block_on(rt, fn_future("detach_main", detach_main_poll, &m,
                                                detach_main_drop), &v), 0);
    CU_ASSERT_EQUAL(v, 42);             // the detached task ran to the end
    wta_runtime_free(rt);
}

/* What does a JoinHandle say when its task is dropped at shutdown? (-ECANCELED) */
static void join_cancel_at_shutdown(void)
{
    struct wta_runtime *rt = test_runtime(2, 0, NULL);
    _Atomic int finished = 0, dropped = 0;
    struct wta_oneshot_tx *txs[50];
    struct wta_future *handles[50];
    for (int i = 0; i < 50; i++) {
        struct wta_future *rx;
        wta_oneshot_new(&txs[i], &rx);
        handles[i] = wta_runtime_spawn(rt, waiter_new(rx, &finished, &dropped));
    }
    wta_runtime_free(rt);   // 50 tasks still pending: dropped, handles cancelled
    CU_ASSERT_EQUAL(atomic_load(&dropped), 50);
    CU_ASSERT_EQUAL(atomic_load(&finished), 0);
    for (int i = 0; i < 50; i++) {
        intptr_t v;
        CU_ASSERT_EQUAL(wta_join_try(handles[i], &v), -ECANCELED);
        wta_future_drop(handles[i]);
        CU_ASSERT_EQUAL(wta_oneshot_send(txs[i], 1), -EPIPE);   // receiver is gone
    }
}

/* Main awaits a task's JoinHandle, and only then lets the task finish. */
struct await_main {
    struct wta_future *task, *handle;
    struct wta_oneshot_tx *go;
};

static int await_main_poll(void *st, struct wta_context *cx, intptr_t *out)
{
    struct await_main *m = st;
    if (m->handle == NULL) {
        m->handle = wta_spawn(m->task);
        m->task = NULL;
    }
    int rc = wta_poll(m->handle, cx, out);
    if (rc == WTA_PENDING && m->go != NULL) {
        wta_oneshot_send(m->go, 7);   // our waker is in the JoinHandle: the task may finish
        m->go = NULL;
    }
    return rc;   // pending: the task's JoinHandle send wakes us
}

static void await_main_drop(void *st)
{
    struct await_main *m = st;
    wta_future_drop(m->task);
    wta_future_drop(m->handle);
    wta_oneshot_tx_drop(m->go);
}

/* Does the main.wake caused by a task finishing name that task as `by`? */
static void join_main_wake_names_task(void)
{
    char *path = test_trace_path("join_by");
    struct wta_runtime *rt = test_runtime(2, 0, path);
    _Atomic int finished = 0, dropped = 0;
    struct wta_future *rx;
    struct await_main m = {0};
    CU_ASSERT_EQUAL(wta_oneshot_new(&m.go, &rx), 0);
    m.task = waiter_new(rx, &finished, &dropped);
    intptr_t v = 0;
    CU_ASSERT_EQUAL(wta_block_on(rt, fn_future("await_main", await_main_poll, &m,
                                                await_main_drop), &v), 0);
    CU_ASSERT_EQUAL(v, 7);
    wta_runtime_free(rt);
    struct trace tr;
    if (trace_load(path, &tr) == 0) {
        int spawn = trace_find(&tr, 0, "task.spawn", NULL, 0);
        CU_ASSERT_FATAL(spawn >= 0);
        int64_t id = ev_int(tr.ev[spawn], "task");
        int send = trace_find(&tr, spawn, "join.send", "task", id);
        int wake = trace_find(&tr, send, "main.wake", NULL, 0);
        CU_ASSERT_FATAL(send >= 0 && wake > send);
        CU_ASSERT_EQUAL(ev_int(tr.ev[wake], "by"), id);
        trace_free(&tr);
    }
    remove(path);
    free(path);
}

/* Main spawns two ready tasks, awaits the second, then drops the first's
 * handle: on one worker, in spawn order, the first has finished by then. */
struct drop_done_main {
    struct wta_future *first, *second;
};

static int drop_done_poll(void *st, struct wta_context *cx, intptr_t *out)
{
    struct drop_done_main *m = st;
    if (m->first == NULL) {
        m->first = wta_spawn(wta_ready(1));
        m->second = wta_spawn(wta_ready(2));
    }
    int rc = wta_poll(m->second, cx, out);
    if (rc == WTA_PENDING)
        return WTA_PENDING;   // the second's JoinHandle send wakes us
    wta_future_drop(m->first);    // finished, its output never read
    m->first = NULL;
    return rc;
}

static void drop_done_drop(void *st)
{
    struct drop_done_main *m = st;
    wta_future_drop(m->first);
    wta_future_drop(m->second);
}

/* Is a handle dropped after its task finished, output unread, traced as join.detach
 * (a choice, which the never-joined lint leaves alone)? */
static void join_detach_after_done(void)
{
    char *path = test_trace_path("join_detach_done");
    struct wta_runtime *rt = test_runtime(1, 0, path);
    struct drop_done_main m = {0};
    intptr_t v = 0;
    CU_ASSERT_EQUAL(wta_block_on(rt, fn_future("drop_done", drop_done_poll, &m, drop_done_drop),
                                 &v), 0);
    CU_ASSERT_EQUAL(v, 2);
    wta_runtime_free(rt);
    struct trace tr;
    if (trace_load(path, &tr) == 0) {
        int spawn = trace_find(&tr, 0, "task.spawn", NULL, 0);
        CU_ASSERT_FATAL(spawn >= 0);
        int64_t id = ev_int(tr.ev[spawn], "task");
        int send = trace_find(&tr, spawn, "join.send", "task", id);
        CU_ASSERT_FATAL(send >= 0);
        CU_ASSERT(trace_find(&tr, send, "join.detach", "task", id) > send);
        CU_ASSERT(trace_find(&tr, 0, "join.complete", "task", id) < 0);
        trace_free(&tr);
    }
    remove(path);
    free(path);
}

/* Does a oneshot deliver its value, and report a dropped sender as -EPIPE? */
static void join_oneshot_basics(void)
{
    struct wta_oneshot_tx *tx;
    struct wta_future *rx;
    intptr_t v = 0;
    CU_ASSERT_EQUAL(wta_oneshot_new(&tx, &rx), 0);
    CU_ASSERT_EQUAL(wta_join_try(rx, &v), WTA_PENDING);
    CU_ASSERT_EQUAL(wta_oneshot_send(tx, 5), 0);
    CU_ASSERT_EQUAL(wta_join_try(rx, &v), 0);
    CU_ASSERT_EQUAL(v, 5);
    wta_future_drop(rx);

    CU_ASSERT_EQUAL(wta_oneshot_new(&tx, &rx), 0);
    wta_oneshot_tx_drop(tx);
    CU_ASSERT_EQUAL(wta_join_try(rx, &v), -EPIPE);
    wta_future_drop(rx);
}

/* ---- one block per spawn: the handle outlives its task */

/* A future moved into its task (wta_spawn_move): ready with value, or
 * pending forever if value < 0. Its drop counts, and frees nothing. */
struct moved {
    struct wta_future base;
    intptr_t value;
    _Atomic int *drops;
};

static int moved_poll(struct wta_future *self, struct wta_context *cx, intptr_t *out)
{
    (void)cx;
    struct moved *m = (struct moved *)self;
    if (m->value < 0)
        return WTA_PENDING;   // nobody will wake us: shutdown drops the task
    *out = m->value;
    return WTA_READY;
}

static void moved_drop(struct wta_future *self)
{
    atomic_fetch_add(((struct moved *)self)->drops, 1);
}

static const struct wta_future_vt moved_vt = {"moved", moved_poll, moved_drop};

/* Main spawns a finishing and a never-finishing moved task, then awaits a
 * third task: on one worker, in spawn order, the first has finished by then. */
struct late_main {
    _Atomic int *drops;
    struct wta_future *done, *stuck, *last;
};

static int late_main_poll(void *st, struct wta_context *cx, intptr_t *out)
{
    struct late_main *m = st;
    if (m->last == NULL) {
        struct moved done = {{&moved_vt}, 5, m->drops}, stuck = {{&moved_vt}, -1, m->drops};
        m->done = wta_spawn_move(&done);
        m->stuck = wta_spawn_move(&stuck);
        m->last = wta_spawn(wta_ready(0));
    }
    return wta_poll(m->last, cx, out);   // pending: the last task's JoinHandle send wakes us
}

static void late_main_drop(void *st)
{
    struct late_main *m = st;
    wta_future_drop(m->last);   // the other two handles are the test's
}

/*
 * Can a JoinHandle be read after its task finished and let go of the
 * block they share - even after the runtime is freed? And does a moved
 * future's task, dropped unfinished at shutdown, give -ECANCELED, each
 * moved future dropped exactly once? (ASan checks the block's lifetime.)
 */
static void join_handle_outlives_task(void)
{
    struct wta_runtime *rt = test_runtime(1, 0, NULL);
    _Atomic int drops = 0;
    struct late_main m = {.drops = &drops};
    CU_ASSERT_EQUAL(wta_block_on(rt, fn_future("late_main", late_main_poll, &m,
                                                late_main_drop), NULL), 0);
    CU_ASSERT_PTR_NOT_NULL_FATAL(m.done);
    CU_ASSERT_PTR_NOT_NULL_FATAL(m.stuck);
    CU_ASSERT_EQUAL(atomic_load(&drops), 1);   // the finished one
    wta_runtime_free(rt);                       // drops the stuck one
    CU_ASSERT_EQUAL(atomic_load(&drops), 2);
    intptr_t v = 0;
    CU_ASSERT_EQUAL(wta_join_try(m.done, &v), 0);
    CU_ASSERT_EQUAL(v, 5);
    CU_ASSERT_EQUAL(wta_join_try(m.stuck, &v), -ECANCELED);
    wta_future_drop(m.done);    // the last reference: frees each task's block
    wta_future_drop(m.stuck);
}

/* Is a moved future smaller than a future refused, and still consumed? */
static void join_spawn_move_too_small(void)
{
    struct wta_runtime *rt = test_runtime(1, 0, NULL);
    _Atomic int drops = 0;
    struct moved f = {{&moved_vt}, 1, &drops};
    errno = 0;
    CU_ASSERT_PTR_NULL(wta_spawn_move_at(rt, &f.base, 1, NULL, __FILE__, __LINE__));
    CU_ASSERT_EQUAL(errno, EINVAL);
    CU_ASSERT_EQUAL(atomic_load(&drops), 1);
    wta_runtime_free(rt);
}

void suite_join(void)
{
    CU_pSuite s = CU_add_suite("join", NULL, NULL);
    CU_add_test(s, "join_detach", join_detach);
    CU_add_test(s, "join_detach_after_done", join_detach_after_done);
    CU_add_test(s, "join_cancel_at_shutdown", join_cancel_at_shutdown);
    CU_add_test(s, "join_oneshot_basics", join_oneshot_basics);
    CU_add_test(s, "join_main_wake_names_task", join_main_wake_names_task);
    CU_add_test(s, "join_handle_outlives_task", join_handle_outlives_task);
    CU_add_test(s, "join_spawn_move_too_small", join_spawn_move_too_small);
}

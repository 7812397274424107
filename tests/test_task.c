/*
 * test_task.c - tasks, their states and their wakers.
 */
#include <CUnit/CUnit.h>
#include <errno.h>
#include <pthread.h>
#include <semaphore.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "suites.h"
#include "test_util.h"

/* ---- spawning many */

#define MANY 100000

struct spawn_many {
    struct wta_future **handles;
    int next;
    intptr_t sum;
    bool spawned;
};

static int spawn_many_poll(void *st, struct wta_context *cx, intptr_t *out)
{
    struct spawn_many *s = st;
    if (!s->spawned) {
        for (int i = 0; i < MANY; i++)
            s->handles[i] = wta_spawn(wta_ready(i));
        s->spawned = true;
    }
    for (; s->next < MANY; s->next++) {
        intptr_t v;
        int rc = wta_poll(s->handles[s->next], cx, &v);
        if (rc == WTA_PENDING)
            return WTA_PENDING;   // the task's join wakes us
        if (rc != 0)
            return rc;
        s->sum += v;
        wta_future_drop(s->handles[s->next]);
        s->handles[s->next] = NULL;
    }
    *out = s->sum;
    return WTA_READY;
}

/* Do 100,000 spawned tasks all complete with the right outputs? */
static void task_spawn_100k(void)
{
    struct wta_runtime *rt = test_runtime(2, 0, NULL);
    struct spawn_many s = {.handles = calloc(MANY, sizeof(struct wta_future *))};
    intptr_t sum = -1;
    int rc = wta_block_on(rt, fn_future("spawn_many", spawn_many_poll, &s, NULL), &sum);
    CU_ASSERT_EQUAL(rc, 0);
    CU_ASSERT_EQUAL(sum, (intptr_t)MANY * (MANY - 1) / 2);
    wta_runtime_free(rt);
    free(s.handles);
}

/* ---- woken while running, by another thread */

struct waker_mailbox {
    sem_t request, done;
    struct wta_waker waker;
    bool quit;
};

static void *waker_thread(void *p)
{
    struct waker_mailbox *mb = p;
    for (;;) {
        sem_wait(&mb->request);
        if (mb->quit)
            return NULL;
        wta_waker_wake(&mb->waker);   // consumes the clone
        sem_post(&mb->done);
    }
}

struct woken_task {
    struct waker_mailbox *mb;
    int polls;
};

static int woken_task_poll(void *st, struct wta_context *cx, intptr_t *out)
{
    struct woken_task *w = st;
    if (++w->polls == 2) {
        *out = w->polls;
        return WTA_READY;
    }
    // Hand our waker to the other thread and wait until it has woken us,
    // all while this poll is still running.
    w->mb->waker = wta_waker_clone(cx->waker);
    sem_post(&w->mb->request);
    sem_wait(&w->mb->done);
    return WTA_PENDING;   // that wake arrived during the poll: we must run again
}

/* What if a task is woken while it is running? (10,000 rounds, no hang) */
static void task_woken_while_running(void)
{
    if (test_deterministic())
        return;   // the waking thread is the test's own, not one the runtime steps
    struct wta_runtime *rt = test_runtime(2, 0, NULL);
    struct waker_mailbox mb = {0};
    sem_init(&mb.request, 0, 0);
    sem_init(&mb.done, 0, 0);
    pthread_t th;
    pthread_create(&th, NULL, waker_thread, &mb);
    int ok = 0;
    for (int round = 0; round < 10000; round++) {
        struct woken_task w = {.mb = &mb};
        intptr_t polls = 0;
        int rc = run_one_task(rt, fn_future("woken", woken_task_poll, &w, NULL), &polls);
        ok += rc == 0 && polls == 2;
    }
    CU_ASSERT_EQUAL(ok, 10000);
    mb.quit = true;
    sem_post(&mb.request);
    pthread_join(th, NULL);
    sem_destroy(&mb.request);
    sem_destroy(&mb.done);
    wta_runtime_free(rt);
}

/* ---- a storm of wakes from three tasks while the target runs and idles */

#define STORM_WAKERS 3
#define STORM_WAKES  2000   /* per waker task */

struct storm {
    struct wta_waker target;      /* the target's waker, once published */
    _Atomic bool published, stop;
    int polls;                    /* the target's; only its RUNNING worker */
};

struct storm_waker {
    struct storm *s;
    int left;
};

static int storm_target_poll(void *st, struct wta_context *cx, intptr_t *out)
{
    struct storm *s = st;
    s->polls++;
    if (!atomic_load(&s->published)) {
        s->target = wta_waker_clone(cx->waker);
        atomic_store(&s->published, true);
    }
    if (atomic_load(&s->stop)) {
        *out = s->polls;
        return WTA_READY;
    }
    return WTA_PENDING;
}

static int storm_waker_poll(void *st, struct wta_context *cx, intptr_t *out)
{
    struct storm_waker *w = st;
    (void)out;
    if (atomic_load(&w->s->published))
        for (int i = 0; i < 50 && w->left > 0; i++, w->left--)
            wta_waker_wake_by_ref(&w->s->target);
    if (w->left == 0)
        return WTA_READY;
    wta_waker_wake_by_ref(cx->waker);   // yield, and come back for more
    return WTA_PENDING;
}

struct storm_main {
    struct storm s;
    struct storm_waker w[STORM_WAKERS];
    struct wta_future *target, *wakers;
};

static int storm_main_poll(void *st, struct wta_context *cx, intptr_t *out)
{
    struct storm_main *m = st;
    if (m->target == NULL) {
        m->target = wta_spawn(fn_future("target", storm_target_poll, &m->s, NULL));
        struct wta_future *h[STORM_WAKERS];
        for (int i = 0; i < STORM_WAKERS; i++) {
            m->w[i] = (struct storm_waker){.s = &m->s, .left = STORM_WAKES};
            h[i] = wta_spawn(fn_future("waker", storm_waker_poll, &m->w[i], NULL));
        }
        m->wakers = wta_join_all(h, STORM_WAKERS, NULL, NULL);
    }
    if (m->wakers != NULL) {
        if (wta_poll(m->wakers, cx, out) == WTA_PENDING)
            return WTA_PENDING;
        wta_future_drop(m->wakers);
        m->wakers = NULL;
        // The last wake after the storm: if any wake was lost or the
        // task was queued twice, this one decides (a hang, or a panic).
        atomic_store(&m->s.stop, true);
        wta_waker_wake_by_ref(&m->s.target);
    }
    return wta_poll(m->target, cx, out);
}

static int count_wakes(const struct trace *tr, const char *outcome)
{
    int n = 0;
    for (int i = 0; i < tr->n; i++)
        n += strcmp(ev_kind(tr->ev[i]), "waker.wake") == 0 && ev_int(tr->ev[i], "task") == 1 &&
             strcmp(ev_str(tr->ev[i], "outcome"), outcome) == 0;
    return n;
}

static int count_task_events(const struct trace *tr, const char *kind, const char *next)
{
    int n = 0;
    for (int i = 0; i < tr->n; i++)
        n += strcmp(ev_kind(tr->ev[i]), kind) == 0 && ev_int(tr->ev[i], "task") == 1 &&
             (next == NULL || strcmp(ev_str(tr->ev[i], "next"), next) == 0);
    return n;
}

static int wake_storm(void *arg)
{
    (void)arg;
    char *path = test_trace_path("storm");
    struct wta_runtime *rt = test_runtime(2, 0, path);
    struct storm_main m = {0};
    intptr_t polls = 0;
    int rc = wta_block_on(rt, fn_future("storm", storm_main_poll, &m, NULL), &polls);
    wta_future_drop(m.target);
    wta_waker_drop(&m.s.target);
    wta_runtime_free(rt);
    int bad = 0;
    if (rc != 0) {
        fprintf(stderr, "storm: block_on returned %d\n", rc);
        bad = 1;
    }
    struct trace tr;
    if (!bad && trace_load(path, &tr) == 0) {
        // Every poll of the target began for exactly one reason: its spawn,
        // a wake that scheduled it, or a wake during a poll (a requeue).
        int begins = count_task_events(&tr, "poll.begin", NULL);
        int requeues = count_task_events(&tr, "poll.end", "requeue");
        int scheduled = count_wakes(&tr, "scheduled");
        int notified = count_wakes(&tr, "notified-while-running");
        int coalesced = count_wakes(&tr, "already-scheduled");
        if (begins != polls || requeues != notified || begins != 1 + scheduled + notified ||
            scheduled + notified + coalesced != STORM_WAKERS * STORM_WAKES + 1) {
            fprintf(stderr, "storm: %d polls, %d poll.begin, %d requeue, wakes: %d scheduled, "
                    "%d notified, %d already-scheduled\n", (int)polls, begins, requeues,
                    scheduled, notified, coalesced);
            bad = 1;
        }
        trace_free(&tr);
    }
    remove(path);
    free(path);
    return bad;
}

/* 6,001 wakes race the target's polls: is each poll owed to exactly one wake, and none lost? */
static void task_wake_storm(void)
{
    run_limited("task_wake_storm", wake_storm, NULL, 60);
}

/* ---- yield_now */

struct yield_log {
    char log[16];
    _Atomic int n;
};

struct yielder {
    struct yield_log *log;
    char name;
    struct wta_future *y;
};

static int yielder_poll(void *st, struct wta_context *cx, intptr_t *out)
{
    struct yielder *y = st;
    if (y->y == NULL) {
        y->log->log[atomic_fetch_add(&y->log->n, 1)] = y->name;
        y->y = wta_yield_now();
    }
    int rc = wta_poll(y->y, cx, out);
    if (rc == WTA_PENDING)
        return WTA_PENDING;   // yield_now woke us: back of the queue
    y->log->log[atomic_fetch_add(&y->log->n, 1)] = (char)(y->name - 'A' + 'a');
    return rc;
}

static void yielder_drop(void *st)
{
    struct yielder *y = st;
    wta_future_drop(y->y);
}

struct parent {
    struct yielder a, b;
    struct wta_future *ha, *hb;
};

static int parent_poll(void *st, struct wta_context *cx, intptr_t *out)
{
    struct parent *p = st;
    if (p->ha == NULL) {
        // Both go on the queue while we hold the only worker: A, then B.
        p->ha = wta_spawn(fn_future("A", yielder_poll, &p->a, yielder_drop));
        p->hb = wta_spawn(fn_future("B", yielder_poll, &p->b, yielder_drop));
    }
    if (wta_poll(p->ha, cx, out) == WTA_PENDING)
        return WTA_PENDING;   // A's join wakes us
    return wta_poll(p->hb, cx, out);   // pending: B's join wakes us
}

static void parent_drop(void *st)
{
    struct parent *p = st;
    wta_future_drop(p->ha);
    wta_future_drop(p->hb);
}

/* Does yield_now put the task at the back of the queue, so others run first? */
static void task_yield_requeues(void)
{
    struct wta_runtime *rt = test_runtime(1, 0, NULL);
    struct yield_log log = {0};
    struct parent p = {.a = {.log = &log, .name = 'A'}, .b = {.log = &log, .name = 'B'}};
    intptr_t out;
    CU_ASSERT_EQUAL(run_one_task(rt, fn_future("parent", parent_poll, &p, parent_drop), &out), 0);
    // A runs, yields; B runs, yields; A resumes; B resumes.
    CU_ASSERT_STRING_EQUAL(log.log, "ABab");
    wta_runtime_free(rt);
}

/* ---- stale wakers */

struct keeper {
    struct wta_waker kept;
    int polls;
};

static int keeper_poll(void *st, struct wta_context *cx, intptr_t *out)
{
    struct keeper *k = st;
    k->polls++;
    k->kept = wta_waker_clone(cx->waker);   // outlives the task
    *out = 7;
    return WTA_READY;
}

/* What does a wake of a finished task do? (nothing: it is stale) */
static void task_wake_after_done(void)
{
    char *path = test_trace_path("stale");
    struct wta_runtime *rt = test_runtime(2, 0, path);
    struct keeper k = {0};
    intptr_t out;
    CU_ASSERT_EQUAL(run_one_task(rt, fn_future("keeper", keeper_poll, &k, NULL), &out), 0);
    CU_ASSERT_EQUAL(out, 7);
    wta_waker_wake_by_ref(&k.kept);   // stale: the task is DONE
    wta_waker_wake(&k.kept);          // stale again, and drops the clone
    wta_runtime_free(rt);
    CU_ASSERT_EQUAL(k.polls, 1);

    struct trace tr;
    if (trace_load(path, &tr) == 0) {
        int stale = 0;
        for (int i = 0; i < tr.n; i++)
            stale += strcmp(ev_kind(tr.ev[i]), "waker.wake") == 0 &&
                     strcmp(ev_str(tr.ev[i], "outcome"), "stale") == 0;
        CU_ASSERT_EQUAL(stale, 2);
        CU_ASSERT_EQUAL(trace_count(&tr, "poll.begin"), 1);
        trace_free(&tr);
    }
    remove(path);
    free(path);
}

/* ---- spawn outside a runtime */

static bool dropped_flag;
static void set_dropped(void *st) { (void)st; dropped_flag = true; }
static int never_poll(void *st, struct wta_context *cx, intptr_t *out)
{
    (void)st, (void)cx, (void)out;
    return WTA_PENDING;   // nobody wakes us: used only where it is never polled
}

static void *spawn_outside(void *arg)
{
    (void)arg;
    errno = 0;
    struct wta_future *h = wta_spawn(fn_future("orphan", never_poll, NULL, set_dropped));
    return h == NULL && errno == ESRCH ? (void *)1 : NULL;
}

/* What does wta_spawn do on a thread with no runtime? (an error, never a crash) */
static void task_spawn_outside_runtime(void)
{
    dropped_flag = false;
    pthread_t th;
    void *ok = NULL;
    pthread_create(&th, NULL, spawn_outside, NULL);
    pthread_join(th, &ok);
    CU_ASSERT_PTR_NOT_NULL(ok);
    CU_ASSERT_TRUE(dropped_flag);   // the future was consumed, not leaked
}

/* ---- no task waits behind a busy worker while another is idle */

struct busy_parent {
    _Atomic int done;
    struct wta_future *h[10];
    int seen_done;        /* how many had finished when our long poll ended */
};

static int short_poll(void *st, struct wta_context *cx, intptr_t *out)
{
    (void)cx;
    atomic_fetch_add((_Atomic int *)st, 1);
    *out = 0;
    return WTA_READY;
}

static int busy_parent_poll(void *st, struct wta_context *cx, intptr_t *out)
{
    struct busy_parent *p = st;
    if (p->h[0] == NULL) {
        for (int i = 0; i < 10; i++)
            p->h[i] = wta_spawn(fn_future("short", short_poll, &p->done, NULL));
        // Compute without returning (until the 10 are done, or 1 s on a very
        // loaded machine): this worker is busy, so the 10 tasks it just
        // queued can only run if the other worker takes them.
        uint64_t until = wta_now() + 1000 * 1000000ull;
        while (atomic_load(&p->done) < 10 && wta_now() < until)
            ;
        p->seen_done = atomic_load(&p->done);
    }
    for (int i = 0; i < 10; i++)
        if (wta_poll(p->h[i], cx, out) == WTA_PENDING)
            return WTA_PENDING;   // that task's join wakes us
    return WTA_READY;
}

static void busy_parent_drop(void *st)
{
    struct busy_parent *p = st;
    for (int i = 0; i < 10; i++)
        wta_future_drop(p->h[i]);
}

/* A task keeps its worker busy after spawning 10 short ones: do they run meanwhile, on the idle worker? */
static void task_idle_worker_takes_queued_work(void)
{
    char *path = test_trace_path("steal");
    struct wta_runtime *rt = test_runtime(2, 0, path);
    struct busy_parent p = {0};
    intptr_t out;
    CU_ASSERT_EQUAL(run_one_task(rt, fn_future("busy_parent", busy_parent_poll, &p,
                                               busy_parent_drop), &out), 0);
    wta_runtime_free(rt);
    CU_ASSERT_EQUAL(p.seen_done, 10);
    struct trace tr;
    if (trace_load(path, &tr) == 0) {
        // The busy task is task 1 (the first spawned); its first poll.end
        // must come after every short task's poll.end.
        int busy_end = trace_find(&tr, 0, "poll.end", "task", 1);
        int shorts_done = 0;
        for (int i = 0; i < busy_end; i++)
            shorts_done += strcmp(ev_kind(tr.ev[i]), "poll.end") == 0 &&
                           strcmp(ev_str(tr.ev[i], "next"), "done") == 0 &&
                           ev_int(tr.ev[i], "task") > 1;
        CU_ASSERT_EQUAL(shorts_done, 10);
        trace_free(&tr);
    }
    remove(path);
    free(path);
}

void suite_task(void)
{
    CU_pSuite s = CU_add_suite("task", NULL, NULL);
    CU_add_test(s, "task_spawn_100k", task_spawn_100k);
    CU_add_test(s, "task_woken_while_running", task_woken_while_running);
    CU_add_test(s, "task_wake_storm", task_wake_storm);
    CU_add_test(s, "task_yield_requeues", task_yield_requeues);
    CU_add_test(s, "task_wake_after_done", task_wake_after_done);
    CU_add_test(s, "task_spawn_outside_runtime", task_spawn_outside_runtime);
    CU_add_test(s, "task_idle_worker_takes_queued_work", task_idle_worker_takes_queued_work);
}

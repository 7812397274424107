/*
 * test_bugs.c - the original's bugs W1-W4, each switched on, must fail the
 * same way every time; each switched off must not. (W5 is in test_reactor.)
 * The hang each bug causes is caught by block_on's hang check (-EDEADLK),
 * so a test never waits for a timeout.
 */
#include <CUnit/CUnit.h>
#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <semaphore.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "suites.h"
#include "test_util.h"

static int count_outcome(const struct trace *tr, const char *outcome)
{
    int n = 0;
    for (int i = 0; i < tr->n; i++)
        n += strcmp(ev_kind(tr->ev[i]), "waker.wake") == 0 &&
             strcmp(ev_str(tr->ev[i], "outcome"), outcome) == 0;
    return n;
}

/* ---- W1: block_on clears `ready` after the poll */

static int self_waker_poll(void *st, struct wta_context *cx, intptr_t *out)
{
    int *polls = st;
    if (++*polls == 1) {
        wta_waker_wake_by_ref(cx->waker);   // wake during our own poll
        return WTA_PENDING;
    }
    *out = *polls;
    return WTA_READY;
}

/* With W1 on, is a wake during the main future's poll erased, every time? */
static void bugs_w1_erases_main_wake(void)
{
    char *path = test_trace_path("w1");
    for (int round = 0; round < 20; round++) {
        struct wta_runtime *rt = test_runtime(2, WTA_BUG_W1, round == 0 ? path : NULL);
        int polls = 0;
        int rc = wta_block_on(rt, fn_future("self_waker", self_waker_poll, &polls, NULL), NULL);
        CU_ASSERT_EQUAL(rc, -EDEADLK);
        CU_ASSERT_EQUAL(polls, 1);
        wta_runtime_free(rt);
    }
    struct trace tr;
    if (trace_load(path, &tr) == 0) {
        int wake = trace_find(&tr, 0, "main.wake", NULL, 0);
        int flag = trace_find(&tr, wake, "main.flag", NULL, 0);
        int hang = trace_find(&tr, flag, "hang", NULL, 0);
        CU_ASSERT_TRUE(wake >= 0 && flag > wake && hang > flag);
        if (flag >= 0)
            CU_ASSERT_STRING_EQUAL(ev_str(tr.ev[flag], "when"), "after-poll");
        trace_free(&tr);
    }
    remove(path);
    free(path);
}

/* ---- W2: a wake from another thread while the task runs is lost */

struct cross_wake {
    pthread_t th;
    struct wta_waker w;
    int polls;
    bool keep;      /* wake by reference: the clone outlives the poll */
};

static void *wake_it(void *p)
{
    struct cross_wake *c = p;
    if (c->keep)
        wta_waker_wake_by_ref(&c->w);
    else
        wta_waker_wake(&c->w);   // consumes the only clone
    return NULL;
}

static int cross_wake_poll(void *st, struct wta_context *cx, intptr_t *out)
{
    struct cross_wake *c = st;
    if (++c->polls == 2) {
        *out = 0;
        return WTA_READY;
    }
    // Another thread wakes us and finishes before this poll returns.
    c->w = wta_waker_clone(cx->waker);
    pthread_create(&c->th, NULL, wake_it, c);
    pthread_join(c->th, NULL);
    return WTA_PENDING;
}

/*
 * With W2 on, is a wake that arrives during the poll lost, every time? With
 * it off, kept? And as in the original: when the lost wake leaves no waker
 * alive, is the task freed (its JoinHandle sees -ECANCELED), and when a
 * clone is still alive, does it hang instead? (That clone is the test's
 * own, so the runtime cannot prove the hang and keeps waiting: the run is
 * given up after 100 ms.)
 */
static void bugs_w2_loses_wake_while_running(void)
{
    if (test_deterministic())
        return;   // the waking thread is the test's own (test_sim.c finds W2 without one)
    for (int keep = 0; keep <= 1; keep++) {
        for (int bug = 0; bug <= 1; bug++) {
            char *path = test_trace_path("w2");
            struct wta_runtime *rt = test_runtime(1, bug ? WTA_BUG_W2 : 0, path);
            struct cross_wake c = {.keep = keep};
            intptr_t out;
            struct wta_future *task = fn_future("cross_wake", cross_wake_poll, &c, NULL);
            int rc = keep && bug ? run_one_task_within(rt, task, 100000000, &out)
                                 : run_one_task(rt, task, &out);
            CU_ASSERT_EQUAL(rc, !bug ? 0 : keep ? -ETIMEDOUT : -ECANCELED);
            CU_ASSERT_EQUAL(c.polls, bug ? 1 : 2);
            if (keep)
                wta_waker_drop(&c.w);
            wta_runtime_free(rt);
            struct trace tr;
            if (trace_load(path, &tr) == 0) {
                CU_ASSERT_EQUAL(count_outcome(&tr, "lost"), bug ? 1 : 0);
                CU_ASSERT_EQUAL(count_outcome(&tr, "notified-while-running"), bug ? 0 : 1);
                int freed = trace_find(&tr, 0, "poll.end", NULL, 0);
                while (freed >= 0 && strcmp(ev_str(tr.ev[freed], "next"), "freed") != 0)
                    freed = trace_find(&tr, freed + 1, "poll.end", NULL, 0);
                CU_ASSERT_EQUAL(freed >= 0, bug && !keep);
                trace_free(&tr);
            }
            remove(path);
            free(path);
        }
    }
}

/* ---- W3: a push between the worker's check and its sleep is lost */

struct w3_sync {
    sem_t in_window, pushed;
    int calls;
};

/* The hook: runs on the worker between "queue empty" and "sleep". */
static void w3_hook(void *arg, int worker)
{
    struct w3_sync *s = arg;
    (void)worker;
    if (s->calls++ > 0)
        return;   // only the first time: that is the window we stage
    sem_post(&s->in_window);
    sem_wait(&s->pushed);
}

struct w3_main {
    struct w3_sync *sync;
    struct wta_future *h;
};

static int empty_poll(void *st, struct wta_context *cx, intptr_t *out)
{
    (void)st, (void)cx;
    *out = 1;
    return WTA_READY;
}

static int w3_main_poll(void *st, struct wta_context *cx, intptr_t *out)
{
    struct w3_main *m = st;
    if (m->h == NULL) {
        if (m->sync != NULL)
            sem_wait(&m->sync->in_window);   // the worker is inside the window
        m->h = wta_spawn(fn_future("empty", empty_poll, NULL, NULL));
        if (m->sync != NULL)
            sem_post(&m->sync->pushed);
    }
    return wta_poll(m->h, cx, out);   // pending: the task's join wakes us
}

static void w3_main_drop(void *st)
{
    struct w3_main *m = st;
    wta_future_drop(m->h);
    m->h = NULL;
}

/* Spawn from main into one idle worker, 10,000 times: is a task ever stranded? (W3 fixed) */
static void bugs_w3_fixed_spawn_into_idle_worker(void)
{
    struct wta_runtime *rt = test_runtime(1, 0, NULL);
    int ok = 0;
    for (int round = 0; round < 10000; round++) {
        struct w3_main m = {0};
        intptr_t out = 0;
        ok += wta_block_on(rt, fn_future("w3_main", w3_main_poll, &m, w3_main_drop), &out) == 0 &&
              out == 1;
    }
    CU_ASSERT_EQUAL(ok, 10000);
    wta_runtime_free(rt);
}

/* With W3 on and its window held open, is the push lost and the worker asleep with work? */
static void bugs_w3_strands_task(void)
{
    if (test_deterministic())
        return;   // the hook blocks its worker on main (test_sim.c finds W3 without one)
    char *path = test_trace_path("w3");
    struct w3_sync sync = {0};
    sem_init(&sync.in_window, 0, 0);
    sem_init(&sync.pushed, 0, 0);
    struct wta_config cfg = {.workers = 1, .bugs = WTA_BUG_W3, .trace_path = path,
                             .hooks = {.w3_before_sleep = w3_hook, .arg = &sync}};
    struct wta_runtime *rt = wta_runtime_new(&cfg);
    CU_ASSERT_PTR_NOT_NULL_FATAL(rt);
    struct w3_main m = {.sync = &sync};
    int rc = wta_block_on(rt, fn_future("w3_main", w3_main_poll, &m, w3_main_drop), NULL);
    CU_ASSERT_EQUAL(rc, -EDEADLK);
    wta_runtime_free(rt);
    struct trace tr;
    if (trace_load(path, &tr) == 0) {
        int push = trace_find(&tr, 0, "queue.push", NULL, 0);
        int hang = trace_find(&tr, push, "hang", NULL, 0);
        CU_ASSERT_TRUE(push >= 0 && hang > push);
        if (hang >= 0)
            CU_ASSERT_EQUAL(ev_int(tr.ev[hang], "queued"), 1);   // asleep with work queued
        int pushed_unparks = 0;   // the push found no sleeper, so it woke nobody
        for (int i = 0; i < tr.n; i++)
            pushed_unparks += strcmp(ev_kind(tr.ev[i]), "worker.unpark") == 0 &&
                              strcmp(ev_str(tr.ev[i], "why"), "push") == 0;
        CU_ASSERT_EQUAL(pushed_unparks, 0);
        trace_free(&tr);
    }
    sem_destroy(&sync.in_window);
    sem_destroy(&sync.pushed);
    remove(path);
    free(path);
}

/* ---- W4: a self-wake (yield) frees the task */

struct yielder {
    struct wta_future *y;
};

static int yielder_poll(void *st, struct wta_context *cx, intptr_t *out)
{
    struct yielder *y = st;
    if (y->y == NULL)
        y->y = wta_yield_now();
    int rc = wta_poll(y->y, cx, out);
    if (rc == WTA_PENDING)
        return WTA_PENDING;   // yield_now woke us
    *out = 99;
    return rc;
}

static void yielder_drop(void *st)
{
    struct yielder *y = st;
    wta_future_drop(y->y);
    free(y);
}

/* With W4 on, does a yield make the JoinHandle report -ECANCELED? With it off, 99? */
static void bugs_w4_yield_frees_task(void)
{
    for (int bug = 0; bug <= 1; bug++) {
        struct wta_runtime *rt = test_runtime(2, bug ? WTA_BUG_W4 : 0, NULL);
        for (int round = 0; round < 100; round++) {
            intptr_t out = 0;
            int rc = run_one_task(rt, fn_future("yielder", yielder_poll,
                                                calloc(1, sizeof(struct yielder)), yielder_drop),
                                  &out);
            CU_ASSERT_EQUAL(rc, bug ? -ECANCELED : 0);
            if (!bug)
                CU_ASSERT_EQUAL(out, 99);
        }
        wta_runtime_free(rt);
    }
}

/* ---- W3 under the per-worker scheduler: the woken searcher must report its find */

struct waits_for {
    _Atomic int *started, *other_done;
};

/* A: says it started, then holds its worker until B has run (on another worker). */
static int hold_poll(void *st, struct wta_context *cx, intptr_t *out)
{
    struct waits_for *a = st;
    (void)cx, (void)out;
    atomic_store(a->started, 1);
    while (!atomic_load(a->other_done))
        sched_yield();
    return WTA_READY;
}

static int mark_poll(void *st, struct wta_context *cx, intptr_t *out)
{
    (void)cx, (void)out;
    atomic_store((_Atomic int *)st, 1);
    return WTA_READY;
}

/* Main spawns A from outside; a woken worker takes it. Then main spawns B:
 * with that worker's search still counted, B's push wakes nobody and A
 * waits for B forever. */
static int w3_searcher_scenario(void *arg)
{
    (void)arg;
    _Atomic int started = 0, b_done = 0;
    struct waits_for a = {&started, &b_done};
    struct wta_runtime *rt = test_runtime(2, WTA_BUG_W3, NULL);
    // Let both workers park first, so A's push wakes one as a searcher. (If
    // they have not, the test is only weaker: it cannot fail by it.)
    struct timespec settle = {0, 100 * 1000 * 1000};
    nanosleep(&settle, NULL);
    struct wta_future *ha = wta_runtime_spawn(rt, fn_future("hold", hold_poll, &a, NULL));
    while (!atomic_load(&started))
        sched_yield();
    struct wta_future *hb = wta_runtime_spawn(rt, fn_future("mark", mark_poll, &b_done, NULL));
    int rc = wta_block_on(rt, ha, NULL);
    wta_future_drop(hb);
    wta_runtime_free(rt);
    return rc;
}

/* With W3 on (per-worker scheduler), does a worker woken to search, which finds
 * its task on the W3 path, stop counting as searching, so the next push wakes another? */
static void bugs_w3_searcher_found_work(void)
{
    if (test_deterministic())
        return;   // main spins outside the runtime: nothing else would run
    run_limited("bugs_w3_searcher_found_work", w3_searcher_scenario, NULL, 20);
}

void suite_bugs(void)
{
    CU_pSuite s = CU_add_suite("bugs", NULL, NULL);
    CU_add_test(s, "bugs_w3_searcher_found_work", bugs_w3_searcher_found_work);
    CU_add_test(s, "bugs_w1_erases_main_wake", bugs_w1_erases_main_wake);
    CU_add_test(s, "bugs_w2_loses_wake_while_running", bugs_w2_loses_wake_while_running);
    CU_add_test(s, "bugs_w3_fixed_spawn_into_idle_worker", bugs_w3_fixed_spawn_into_idle_worker);
    CU_add_test(s, "bugs_w3_strands_task", bugs_w3_strands_task);
    CU_add_test(s, "bugs_w4_yield_frees_task", bugs_w4_yield_frees_task);
}

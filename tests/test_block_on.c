/*
 * test_block_on.c - block_on, the MainWaker and spawn_blocking.
 */
#include <CUnit/CUnit.h>
#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "suites.h"
#include "test_util.h"

struct self_waker {
    int polls;
};

static int self_waker_poll(void *st, struct wta_context *cx, intptr_t *out)
{
    struct self_waker *s = st;
    if (++s->polls == 1) {
        wta_waker_wake_by_ref(cx->waker);   // a wake *during* our own poll
        return WTA_PENDING;                 // ...which must not be forgotten
    }
    *out = s->polls;
    return WTA_READY;
}

/* What if the main future is woken during its own poll? (W1 fixed: it is polled again) */
static void block_on_wake_during_poll(void)
{
    struct wta_runtime *rt = test_runtime(2, 0, NULL);
    for (int round = 0; round < 1000; round++) {
        struct self_waker s = {0};
        intptr_t out = 0;
        int rc = wta_block_on(rt, fn_future("self_waker", self_waker_poll, &s, NULL), &out);
        if (rc != 0 || out != 2) {
            CU_FAIL("main future woken during its poll was not polled again");
            break;
        }
    }
    wta_runtime_free(rt);
}

/* Does block_on return a ready future's output, many times over? */
static void block_on_ready_value(void)
{
    struct wta_runtime *rt = test_runtime(1, 0, NULL);
    intptr_t sum = 0;
    for (intptr_t i = 0; i < 10000; i++) {
        intptr_t v = -1;
        CU_ASSERT_EQUAL_FATAL(wta_block_on(rt, wta_ready(i), &v), 0);
        sum += v;
    }
    CU_ASSERT_EQUAL(sum, 10000 * 9999 / 2);
    wta_runtime_free(rt);
}

/* Does a main future's error come back as block_on's result? */
static int failing_poll(void *st, struct wta_context *cx, intptr_t *out)
{
    (void)st, (void)cx, (void)out;
    return -ETIMEDOUT;
}

static void block_on_error_result(void)
{
    struct wta_runtime *rt = test_runtime(1, 0, NULL);
    CU_ASSERT_EQUAL(wta_block_on(rt, fn_future("fails", failing_poll, NULL, NULL), NULL),
                    -ETIMEDOUT);
    wta_runtime_free(rt);
}

/* ---- spawn_blocking */

static intptr_t blocking_job(void *arg)
{
    usleep(1000);   // a real blocking call, off the workers
    return (intptr_t)arg * 3;
}

struct blocking_main {
    struct wta_future *h[4];
};

static int blocking_main_poll(void *st, struct wta_context *cx, intptr_t *out)
{
    struct blocking_main *b = st;
    if (b->h[0] == NULL)
        for (int i = 0; i < 4; i++)
            b->h[i] = wta_spawn_blocking(blocking_job, (void *)(intptr_t)(i + 1));
    intptr_t sum = 0;
    for (int i = 0; i < 4; i++) {
        intptr_t v;
        int rc = wta_poll(b->h[i], cx, &v);
        if (rc == WTA_PENDING)
            return WTA_PENDING;   // the blocking thread's send wakes us
        if (rc != 0)
            return rc;
        sum += v;
        wta_future_drop(b->h[i]);
        b->h[i] = wta_ready(v);   // so a later poll of slot i reads the same value
    }
    *out = sum;
    return WTA_READY;
}

static void blocking_main_drop(void *st)
{
    struct blocking_main *b = st;
    for (int i = 0; i < 4; i++)
        wta_future_drop(b->h[i]);
}

/* Does spawn_blocking run jobs off the workers and hand back their results? */
static void block_on_spawn_blocking(void)
{
    char *path = test_trace_path("blocking");
    struct wta_runtime *rt = test_runtime(1, 0, path);
    struct blocking_main b = {0};
    intptr_t sum = 0;
    CU_ASSERT_EQUAL(wta_block_on(rt, fn_future("blocking_main", blocking_main_poll, &b,
                                                blocking_main_drop), &sum), 0);
    CU_ASSERT_EQUAL(sum, 3 * (1 + 2 + 3 + 4));
    wta_runtime_free(rt);
    struct trace tr;
    if (trace_load(path, &tr) == 0) {
        CU_ASSERT_EQUAL(trace_count(&tr, "blocking.start"), 4);
        CU_ASSERT_EQUAL(trace_count(&tr, "blocking.done"), 4);
        int i = trace_find(&tr, 0, "blocking.start", NULL, 0);
        CU_ASSERT_TRUE(i >= 0 && strncmp(ev_str(tr.ev[i], "th"), "blocking-", 9) == 0);
        trace_free(&tr);
    }
    remove(path);
    free(path);
}

/* ---- a strictly sequential pipeline of blocking jobs */

enum { PIPELINE_JOBS = 10 };

static intptr_t add_one(void *arg)
{
    return (intptr_t)arg + 1;
}

struct pipeline {
    struct wta_future *h;
    intptr_t value;
    int done;
};

static int pipeline_poll(void *st, struct wta_context *cx, intptr_t *out)
{
    struct pipeline *p = st;
    while (p->done < PIPELINE_JOBS) {
        if (p->h == NULL)
            p->h = wta_spawn_blocking(add_one, (void *)p->value);
        int rc = wta_poll(p->h, cx, &p->value);
        if (rc == WTA_PENDING)
            return WTA_PENDING;   // the job's JoinHandle wakes us
        wta_future_drop(p->h);
        p->h = NULL;
        if (rc != 0)
            return rc;
        p->done++;                // only now the next job: one at a time
    }
    *out = p->value;
    return WTA_READY;
}

static void pipeline_drop(void *st)
{
    wta_future_drop(((struct pipeline *)st)->h);
}

/* Ten blocking jobs, each submitted after the last finished: one thread for all? */
static void block_on_sequential_jobs_reuse_one_thread(void)
{
    char *path = test_trace_path("pipeline");
    struct wta_runtime *rt = test_runtime(2, 0, path);
    struct pipeline p = {0};
    intptr_t out = 0;
    // A task runs it: its worker resubmits the moment a job's JoinHandle wakes it.
    CU_ASSERT_EQUAL(run_one_task(rt, fn_future("pipeline", pipeline_poll, &p, pipeline_drop),
                                 &out), 0);
    CU_ASSERT_EQUAL(out, PIPELINE_JOBS);
    wta_runtime_free(rt);
    struct trace tr;
    if (trace_load(path, &tr) == 0) {
        CU_ASSERT_EQUAL(trace_count(&tr, "blocking.start"), PIPELINE_JOBS);
        for (int i = 0; i < tr.n; i++)
            if (strcmp(ev_kind(tr.ev[i]), "blocking.start") == 0)
                CU_ASSERT_STRING_EQUAL(ev_str(tr.ev[i], "th"), "blocking-0");
        trace_free(&tr);
    }
    remove(path);
    free(path);
}

/* ---- a pending main future that nothing will wake */

static int forgotten_poll(void *st, struct wta_context *cx, intptr_t *out)
{
    (void)st, (void)cx, (void)out;
    return WTA_PENDING;   // a bug on purpose: nobody was given our waker
}

/* What if nothing can ever wake the main future? (-EDEADLK, not a hang) */
static void block_on_detects_hang(void)
{
    struct wta_runtime *rt = test_runtime(2, 0, NULL);
    CU_ASSERT_EQUAL(wta_block_on(rt, fn_future("forgotten", forgotten_poll, NULL, NULL), NULL),
                    -EDEADLK);
    wta_runtime_free(rt);
}

/* ---- a timer wake must never look like a hang */

struct sleeper {
    struct wta_future *sleep;
};

static int sleeper_poll(void *st, struct wta_context *cx, intptr_t *out)
{
    struct sleeper *s = st;
    if (s->sleep == NULL)
        s->sleep = wta_sleep(1000);   // 1 us: a real timer, fired by the reactor
    return wta_poll(s->sleep, cx, out);   // pending: the timer wakes us
}

static void sleeper_drop(void *st)
{
    struct sleeper *s = st;
    wta_future_drop(s->sleep);
    free(s);
}

/* While the reactor hands a timer's wake to a task, can block_on mistake that for a hang? */
static void block_on_timer_wake_is_not_a_hang(void)
{
    for (int workers = 1; workers <= 2; workers++) {
        struct wta_runtime *rt = test_runtime(workers, 0, NULL);
        int ok = 0;
        for (int round = 0; round < 2000; round++) {
            intptr_t out;
            ok += run_one_task(rt, fn_future("sleeper", sleeper_poll,
                                             calloc(1, sizeof(struct sleeper)), sleeper_drop),
                               &out) == 0;
        }
        CU_ASSERT_EQUAL(ok, 2000);
        wta_runtime_free(rt);
    }
}

void suite_block_on(void)
{
    CU_pSuite s = CU_add_suite("block_on", NULL, NULL);
    CU_add_test(s, "block_on_wake_during_poll", block_on_wake_during_poll);
    CU_add_test(s, "block_on_ready_value", block_on_ready_value);
    CU_add_test(s, "block_on_error_result", block_on_error_result);
    CU_add_test(s, "block_on_spawn_blocking", block_on_spawn_blocking);
    CU_add_test(s, "block_on_sequential_jobs_reuse_one_thread",
                block_on_sequential_jobs_reuse_one_thread);
    CU_add_test(s, "block_on_detects_hang", block_on_detects_hang);
    CU_add_test(s, "block_on_timer_wake_is_not_a_hang", block_on_timer_wake_is_not_a_hang);
}

/*
 * test_hang.c - block_on's hang check: only when certain, and then a dump.
 *
 * A hang is declared only when every live clone of every waker is held by
 * a runtime structure that cannot fire; a clone held by the user (here, a
 * thread of the test's own) means "cannot prove it", and block_on waits.
 * At a hang the trace gets `hang`, `hang.main` and one `hang.task` per
 * live task, saying what each waits on.
 *
 * The helper threads sleep 50 ms on purpose: that is the scenario (a
 * thread that acts later), not a way to order the test's assertions.
 */
#include <CUnit/CUnit.h>
#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "executor.h"   /* to watch the workers from inside the hang check */
#include "suites.h"
#include "test_util.h"

/* ---- a main future that gives its waker to a thread of ours */

struct foreign {
    pthread_t th;
    struct wta_waker w;
    bool wake;                   /* wake the clone, or only drop it */
    int polls;
};

static void *foreign_main(void *arg)
{
    struct foreign *f = arg;
    struct timespec ms50 = {0, 50 * 1000 * 1000};
    nanosleep(&ms50, NULL);
    if (f->wake)
        wta_waker_wake(&f->w);
    else
        wta_waker_drop(&f->w);
    return NULL;
}

static int foreign_poll(void *st, struct wta_context *cx, intptr_t *out)
{
    struct foreign *f = st;
    if (++f->polls > 1) {
        *out = f->polls;
        return WTA_READY;
    }
    f->w = wta_waker_clone(cx->waker);   // the thread will wake (or drop) it
    if (pthread_create(&f->th, NULL, foreign_main, f) != 0)
        return -EAGAIN;
    return WTA_PENDING;
}

/* A thread of the user's holds main's waker and wakes it 50 ms later: a hang? (no) */
static void hang_foreign_thread_wakes_later(void)
{
    char *path = test_trace_path("hang_foreign");
    struct wta_runtime *rt = test_runtime(2, 0, path);
    struct foreign f = {.wake = true};
    intptr_t out = 0;
    CU_ASSERT_EQUAL(wta_block_on(rt, fn_future("foreign", foreign_poll, &f, NULL), &out), 0);
    CU_ASSERT_EQUAL(out, 2);
    pthread_join(f.th, NULL);
    wta_runtime_free(rt);
    struct trace tr;
    if (trace_load(path, &tr) == 0) {
        CU_ASSERT_EQUAL(trace_count(&tr, "hang"), 0);
        trace_free(&tr);
    }
    unlink(path);
    free(path);
}

/* The thread drops main's waker without waking it: block_on must find the hang. */
static int foreign_drop_scenario(void *arg)
{
    (void)arg;
    struct wta_runtime *rt = test_runtime(2, 0, NULL);
    struct foreign f = {.wake = false};
    int rc = wta_block_on(rt, fn_future("foreign", foreign_poll, &f, NULL), NULL);
    pthread_join(f.th, NULL);
    wta_runtime_free(rt);
    if (rc != -EDEADLK) {
        fprintf(stderr, "block_on returned %d, expected -EDEADLK\n", rc);
        return 1;
    }
    return 0;
}

/* When the user's last clone is dropped unwoken, is the hang found (not a wait forever)? */
static void hang_foreign_thread_drops_waker(void)
{
    run_limited("hang_foreign_thread_drops_waker", foreign_drop_scenario, NULL, 20);
}

/* ---- a future that drops its waker */

static int drops_waker_poll(void *st, struct wta_context *cx, intptr_t *out)
{
    (void)st, (void)out;
    struct wta_waker w = wta_waker_clone(cx->waker);
    wta_waker_drop(&w);          // the bug: nobody will wake us
    return WTA_PENDING;
}

/* ---- two threads in block_on, talking through channels, no task between */

struct pingpong {
    struct wta_chan_tx *tx;
    struct wta_chan_rx *rx;
    struct wta_future *op;
    int i, n;                    /* operations done, and to do */
    bool receiving;              /* the next operation: receive, or send */
    _Atomic int *arrived;        /* threads whose block_on has begun (and counts them) */
    bool polled;
};

static int pingpong_poll(void *st, struct wta_context *cx, intptr_t *out)
{
    struct pingpong *p = st;
    if (!p->polled) {
        // Both threads in block_on before either talks: a thread not yet
        // in block_on is one the runtime cannot see, and looks like nobody.
        p->polled = true;
        atomic_fetch_add(p->arrived, 1);
        while (atomic_load(p->arrived) < 2)
            sched_yield();
    }
    while (p->i < p->n) {
        if (p->op == NULL)
            p->op = p->receiving ? wta_chan_recv(p->rx) : wta_chan_send(p->tx, p->i);
        intptr_t v;
        int rc = wta_poll(p->op, cx, &v);
        if (rc == WTA_PENDING)
            return WTA_PENDING;   // the other thread's send or receive wakes us
        wta_future_drop(p->op);
        p->op = NULL;
        if (rc != 0)
            return rc;
        p->i++;
        p->receiving = !p->receiving;
    }
    *out = p->i;
    return WTA_READY;
}

static void pingpong_drop(void *st)
{
    wta_future_drop(((struct pingpong *)st)->op);
}

struct other_side {
    struct wta_runtime *rt;
    struct pingpong p;
    int rc;
};

static void *other_side_main(void *arg)
{
    struct other_side *o = arg;
    o->rc = wta_block_on(o->rt, fn_future("pong", pingpong_poll, &o->p, pingpong_drop), NULL);
    return NULL;
}

/* 20 times: main and a thread of its own, each in block_on, ping-pong 100 rounds
 * (200 operations each: a send and a receive a round). */
static int two_block_on_scenario(void *arg)
{
    (void)arg;
    for (int trial = 0; trial < 20; trial++) {
        struct wta_runtime *rt = test_runtime(2, 0, NULL);
        struct wta_chan_tx *atx, *btx;
        struct wta_chan_rx *arx, *brx;
        if (wta_chan_new(1, &atx, &arx) != 0 || wta_chan_new(1, &btx, &brx) != 0)
            return 1;
        _Atomic int arrived = 0;
        struct other_side o = {rt, {.tx = btx, .rx = arx, .n = 200, .receiving = true,
                                    .arrived = &arrived}, -1};
        struct pingpong ping = {.tx = atx, .rx = brx, .n = 200, .arrived = &arrived};
        pthread_t th;
        if (pthread_create(&th, NULL, other_side_main, &o) != 0)
            return 1;
        int rc = wta_block_on(rt, fn_future("ping", pingpong_poll, &ping, pingpong_drop), NULL);
        pthread_join(th, NULL);
        wta_chan_tx_drop(atx), wta_chan_tx_drop(btx);
        wta_chan_rx_drop(arx), wta_chan_rx_drop(brx);
        wta_runtime_free(rt);
        if (rc != 0 || o.rc != 0) {
            fprintf(stderr, "trial %d: block_on returned %d and %d after %d and %d operations, "
                    "expected 0 and 0\n", trial, rc, o.rc, ping.i, o.p.i);
            return 1;
        }
    }
    return 0;
}

/* Two threads in block_on waking each other (no task): never a false -EDEADLK. */
static void hang_two_block_on_threads(void)
{
    run_limited("hang_two_block_on_threads", two_block_on_scenario, NULL, 60);
}

/* A future that drops its waker: a hang, at once, with a dump that says so. */
static void hang_dropped_waker(void)
{
    char *path = test_trace_path("hang_dropped");
    struct wta_runtime *rt = test_runtime(2, 0, path);
    CU_ASSERT_EQUAL(wta_block_on(rt, fn_future("drops_waker", drops_waker_poll, NULL, NULL),
                                 NULL), -EDEADLK);
    wta_runtime_free(rt);
    struct trace tr;
    if (trace_load(path, &tr) == 0) {
        int hang = trace_find(&tr, 0, "hang", NULL, 0);
        int main = trace_find(&tr, hang, "hang.main", NULL, 0);
        CU_ASSERT_FATAL(hang >= 0 && main > hang);
        CU_ASSERT_STRING_EQUAL(ev_str(tr.ev[main], "waits"), "nothing");
        CU_ASSERT_EQUAL(ev_int(tr.ev[main], "wakers"), 0);
        CU_ASSERT_EQUAL(ev_int(tr.ev[main], "polls"), 1);
        CU_ASSERT_EQUAL(trace_count(&tr, "hang.task"), 0);
        trace_free(&tr);
    }
    unlink(path);
    free(path);
}

/* ---- main awaits a task that awaits a channel nobody sends on */

struct stuck {
    struct wta_chan_tx *tx;      /* kept, never used: the channel stays open */
    struct wta_chan_rx *rx;
    struct wta_future *h;
};

static int stuck_poll(void *st, struct wta_context *cx, intptr_t *out)
{
    struct stuck *s = st;
    if (s->h == NULL)
        s->h = wta_spawn_named(wta_chan_recv(s->rx), "receiver");
    return wta_poll(s->h, cx, out);   // pending: the receiver's join would wake us
}

static void stuck_drop(void *st)
{
    struct stuck *s = st;
    wta_future_drop(s->h);
}

/* Does the dump say main waits on the task's JoinHandle and the task on its channel? */
static void hang_dump_names_each_wait(void)
{
    char *path = test_trace_path("hang_dump");
    struct wta_runtime *rt = test_runtime(2, 0, path);
    struct stuck s = {0};
    CU_ASSERT_FATAL(wta_chan_new(1, &s.tx, &s.rx) == 0);
    CU_ASSERT_EQUAL(wta_block_on(rt, fn_future("stuck", stuck_poll, &s, stuck_drop), NULL),
                    -EDEADLK);
    wta_runtime_free(rt);          // drops the receiver task; the handles are ours
    wta_chan_tx_drop(s.tx);
    wta_chan_rx_drop(s.rx);
    struct trace tr;
    if (trace_load(path, &tr) == 0) {
        int spawn = trace_find(&tr, 0, "task.spawn", NULL, 0);
        int main = trace_find(&tr, 0, "hang.main", NULL, 0);
        int task = trace_find(&tr, 0, "hang.task", NULL, 0);
        CU_ASSERT_FATAL(spawn >= 0 && main >= 0 && task > main);
        int64_t id = ev_int(tr.ev[spawn], "task");
        CU_ASSERT_STRING_EQUAL(ev_str(tr.ev[main], "waits"), "join");
        CU_ASSERT_EQUAL(ev_int(tr.ev[main], "on"), id);
        CU_ASSERT_EQUAL(ev_int(tr.ev[task], "task"), id);
        CU_ASSERT_STRING_EQUAL(ev_str(tr.ev[task], "state"), "IDLE");
        CU_ASSERT_STRING_EQUAL(ev_str(tr.ev[task], "waits"), "chan.recv");
        CU_ASSERT(ev_int(tr.ev[task], "idle_ns") > 0);
        trace_free(&tr);
    }
    unlink(path);
    free(path);
}

/* ---- a round trip through the reactor while block_on looks */

/*
 * The window: block_on's first look finds the reactor idle (the task is
 * still running); the task then arms a timer and its worker sleeps, so the
 * look at the workers finds them all asleep; the timer then fires back
 * into the worker's queue, so the last look finds the reactor idle again.
 * Every look was true when taken, and no hang is. The hook holds each gap
 * open until the move has happened.
 */
#define WINDOW_SLEEP_NS (200 * 1000 * 1000)   /* room for block_on to see the worker asleep */

static atomic_int window_look;     /* 0: not yet; 1: first look done; 2: both */
static atomic_bool window_held;    /* both moves happened inside the window */
static uint64_t window_delivered;  /* the reactor's count at the first look */

static void hold_window(struct wta_runtime *rt, int look)
{
    uint64_t delivered;
    if (look == 1 && atomic_load(&window_look) == 0) {
        wta_reactor_busy(rt->reactor, &window_delivered);
        atomic_store(&window_look, 1);   // the task may arm its timer now
        for (;;) {   // until its worker sleeps with the timer armed (or we missed that)
            bool busy = wta_reactor_busy(rt->reactor, &delivered);
            if (delivered != window_delivered)
                return;
            if (busy && wta_atomic_load(&rt->exec->nparked) == rt->exec->nworkers)
                break;
            sched_yield();
        }
        atomic_store(&window_look, 2);
    } else if (look == 2 && atomic_load(&window_look) == 2) {
        atomic_store(&window_look, 3);
        while (wta_reactor_busy(rt->reactor, &delivered))   // until the timer's wake is delivered
            sched_yield();
        atomic_store(&window_held, delivered != window_delivered);
    }
}

struct round_trip {
    struct wta_future *sleep;
};

static int round_trip_poll(void *st, struct wta_context *cx, intptr_t *out)
{
    struct round_trip *r = st;
    if (r->sleep == NULL) {
        while (atomic_load(&window_look) == 0)   // the scenario: arm after block_on's first look
            sched_yield();
        r->sleep = wta_sleep(WINDOW_SLEEP_NS);
    }
    return wta_poll(r->sleep, cx, out);
}

static void round_trip_drop(void *st)
{
    struct round_trip *r = st;
    wta_future_drop(r->sleep);
    free(r);
}

/* Work that leaves for the reactor and comes back while block_on looks: no hang. */
static void hang_round_trip_between_looks(void)
{
    if (test_deterministic())
        return;   // the scheduler answers the hang question there, not these looks
    for (int attempt = 0; attempt < 3; attempt++) {
        atomic_store(&window_look, 0);
        atomic_store(&window_held, false);
        wta_hang_test_between_looks = hold_window;
        struct wta_runtime *rt = test_runtime(1, 0, NULL);
        intptr_t out;
        int rc = run_one_task(rt, fn_future("round_trip", round_trip_poll,
                                            calloc(1, sizeof(struct round_trip)),
                                            round_trip_drop), &out);
        wta_runtime_free(rt);
        wta_hang_test_between_looks = NULL;
        CU_ASSERT_EQUAL(rc, 0);   // -EDEADLK: the looks were fooled
        if (atomic_load(&window_held))
            return;
    }
    CU_FAIL("the window was never held open (a very loaded machine?)");
}

void suite_hang(void)
{
    CU_pSuite s = CU_add_suite("hang", NULL, NULL);
    CU_add_test(s, "hang_foreign_thread_wakes_later", hang_foreign_thread_wakes_later);
    CU_add_test(s, "hang_foreign_thread_drops_waker", hang_foreign_thread_drops_waker);
    CU_add_test(s, "hang_dropped_waker", hang_dropped_waker);
    CU_add_test(s, "hang_dump_names_each_wait", hang_dump_names_each_wait);
    CU_add_test(s, "hang_two_block_on_threads", hang_two_block_on_threads);
    CU_add_test(s, "hang_round_trip_between_looks", hang_round_trip_between_looks);
}

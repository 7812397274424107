/*
 * test_combinators.c - select, join_all, timeout and interval: who wins,
 * what each child produced, and that whatever loses is released at once.
 */
#include <CUnit/CUnit.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "suites.h"
#include "test_util.h"

#define MS 1000000ull

/* ---- a future that never finishes: it keeps a waker clone, and counts its drop */

struct forever {
    struct wta_waker waker;
    int *drops;
};

static int forever_poll(void *st, struct wta_context *cx, intptr_t *out)
{
    struct forever *f = st;
    (void)out;
    if (!wta_waker_will_wake(&f->waker, cx->waker)) {
        wta_waker_drop(&f->waker);
        f->waker = wta_waker_clone(cx->waker);
    }
    return WTA_PENDING;   // nobody will ever call this waker: only a drop ends us
}

static void forever_drop(void *st)
{
    struct forever *f = st;
    wta_waker_drop(&f->waker);   // a leaked clone would keep its task alive (ASan would see it)
    (*f->drops)++;
    free(f);
}

static struct wta_future *forever_new(int *drops)
{
    struct forever *f = calloc(1, sizeof *f);
    f->drops = drops;
    return fn_future("forever", forever_poll, f, forever_drop);
}

/* Does select pick the ready child and drop the losers (a timer, a waker, a channel wait) at once? */
static void select_drops_losers(void)
{
    char *path = test_trace_path("select");
    struct wta_runtime *rt = test_runtime(2, 0, path);
    struct wta_chan_tx *tx;
    struct wta_chan_rx *rx;
    CU_ASSERT_FATAL(wta_chan_new(1, &tx, &rx) == 0);
    int drops = 0;
    size_t winner = 99;
    struct wta_future *v[4] = {wta_sleep(10000 * MS), forever_new(&drops), wta_chan_recv(rx),
                               wta_ready(42)};
    intptr_t out = 0;
    CU_ASSERT_EQUAL(wta_block_on(rt, wta_select(v, 4, &winner), &out), 0);
    CU_ASSERT_EQUAL(out, 42);
    CU_ASSERT_EQUAL(winner, 3);
    CU_ASSERT_EQUAL(drops, 1);
    wta_chan_tx_drop(tx);
    wta_chan_rx_drop(rx);
    wta_runtime_free(rt);
    struct trace tr;
    if (trace_load(path, &tr) == 0) {
        int i = trace_find(&tr, 0, "select.winner", "index", 3);
        CU_ASSERT(i >= 0 && ev_int(tr.ev[i], "of") == 4);
        CU_ASSERT_EQUAL(trace_count(&tr, "timer.insert"), 1);   // the 10 s sleep was armed...
        CU_ASSERT_EQUAL(trace_count(&tr, "timer.cancel"), 1);   // ...and cancelled by select
        trace_free(&tr);
    }
    unlink(path);
    free(path);
}

/* Does the first child to become ready win, even if it is not the first in the array? */
static void select_first_ready_wins(void)
{
    struct wta_runtime *rt = test_runtime(2, 0, NULL);
    size_t winner = 99;
    struct wta_future *v[2] = {wta_sleep(10000 * MS), wta_sleep(2 * MS)};
    CU_ASSERT_EQUAL(wta_block_on(rt, wta_select(v, 2, &winner), NULL), 0);
    CU_ASSERT_EQUAL(winner, 1);
    wta_runtime_free(rt);
}

/* Does join_all hand back every child's result and output, and report the first error? */
static void join_all_outputs(void)
{
    struct wta_runtime *rt = test_runtime(2, 0, NULL);
    struct wta_future *v[3] = {wta_ready(1), wta_sleep(2 * MS), wta_ready(3)};
    int results[3] = {-1, -1, -1};
    intptr_t outs[3] = {-1, -1, -1}, n = 0;
    CU_ASSERT_EQUAL(wta_block_on(rt, wta_join_all(v, 3, results, outs), &n), 0);
    CU_ASSERT_EQUAL(n, 3);
    CU_ASSERT(results[0] == 0 && results[1] == 0 && results[2] == 0);
    CU_ASSERT(outs[0] == 1 && outs[1] == 0 && outs[2] == 3);

    int drops = 0;
    struct wta_future *w[2] = {wta_timeout(forever_new(&drops), 1 * MS), wta_ready(5)};
    CU_ASSERT_EQUAL(wta_block_on(rt, wta_join_all(w, 2, results, outs), NULL), -ETIMEDOUT);
    CU_ASSERT(results[0] == -ETIMEDOUT && results[1] == 0 && outs[1] == 5);
    CU_ASSERT_EQUAL(drops, 1);
    wta_runtime_free(rt);
}

/* ---- timeout */

struct watch_timeout {
    struct wta_future *t;
    int *drops, drops_at_finish;
};

static int watch_timeout_poll(void *st, struct wta_context *cx, intptr_t *out)
{
    struct watch_timeout *w = st;
    int rc = wta_poll(w->t, cx, out);
    if (rc == WTA_PENDING)
        return WTA_PENDING;      // the timeout's timer (or its inner) wakes us
    w->drops_at_finish = *w->drops;   // before the timeout itself is dropped
    return rc;
}

static void watch_timeout_drop(void *st)
{
    struct watch_timeout *w = st;
    wta_future_drop(w->t);
}

/* Does wta_timeout give -ETIMEDOUT and release its inner future at the deadline? */
static void timeout_fires_and_releases(void)
{
    struct wta_runtime *rt = test_runtime(2, 0, NULL);
    int drops = 0;
    struct watch_timeout w = {wta_timeout(forever_new(&drops), 5 * MS), &drops, -1};
    CU_ASSERT_EQUAL(wta_block_on(rt, fn_future("watch", watch_timeout_poll, &w, watch_timeout_drop),
                                 NULL), -ETIMEDOUT);
    CU_ASSERT_EQUAL(w.drops_at_finish, 1);   // released in the poll that saw the deadline
    CU_ASSERT_EQUAL(drops, 1);               // and only once
    wta_runtime_free(rt);
}

/* When the inner future wins, is its output passed through and the deadline's timer cancelled? */
static void timeout_inner_wins(void)
{
    char *path = test_trace_path("timeout_inner");
    struct wta_runtime *rt = test_runtime(2, 0, path);
    intptr_t out = -1;
    CU_ASSERT_EQUAL(wta_block_on(rt, wta_timeout(wta_ready(7), 1000 * MS), &out), 0);
    CU_ASSERT_EQUAL(out, 7);
    CU_ASSERT_EQUAL(wta_block_on(rt, wta_timeout(wta_sleep(2 * MS), 10000 * MS), NULL), 0);
    wta_runtime_free(rt);
    struct trace tr;
    if (trace_load(path, &tr) == 0) {
        CU_ASSERT_EQUAL(trace_count(&tr, "timer.insert"), 2);   // the 2 ms sleep and the 10 s deadline
        CU_ASSERT_EQUAL(trace_count(&tr, "timer.fire"), 1);
        CU_ASSERT_EQUAL(trace_count(&tr, "timer.cancel"), 1);
        trace_free(&tr);
    }
    unlink(path);
    free(path);
}

/* ---- interval: a stream polled again after each READY */

struct ticker {
    struct wta_future *iv;
    intptr_t ticks[3];
    int n;
};

static int ticker_poll(void *st, struct wta_context *cx, intptr_t *out)
{
    struct ticker *t = st;
    while (t->n < 3) {
        int rc;
        WTA_AWAIT(rc, t->iv, cx, &t->ticks[t->n]);   // the interval's timer wakes us
        if (rc != 0)
            return rc;
        t->n++;                  // one tick; the same stream is polled again
    }
    *out = t->n;
    return 0;
}

static void ticker_drop(void *st)
{
    struct ticker *t = st;
    wta_future_drop(t->iv);
}

/* Does an interval tick 1, 2, 3, each a period apart from its start? */
static void interval_ticks(void)
{
    struct wta_runtime *rt = test_runtime(2, 0, NULL);
    struct ticker t = {.iv = wta_interval(3 * MS)};
    uint64_t start = wta_now();
    CU_ASSERT_PTR_NULL(wta_interval(0));
    CU_ASSERT_EQUAL(wta_block_on(rt, fn_future("ticker", ticker_poll, &t, ticker_drop), NULL), 0);
    CU_ASSERT(t.ticks[0] == 1 && t.ticks[1] == 2 && t.ticks[2] == 3);
    CU_ASSERT(wta_now() - start >= 9 * MS);   // tick 3 is due 3 periods after the start
    wta_runtime_free(rt);
}

/* ---- of two deadlines, the earlier wins */

/* Over 1,000 trials each: does a timeout 200 ns longer than its inner sleep
 * never fire first, and does a select of two sleeps 200 ns apart always
 * pick the earlier? (Arming a timer takes microseconds: the second sleep
 * must not compare itself with a later clock than the first did.) */
static void timers_earlier_deadline_wins(void)
{
    enum { TRIALS = 1000 };
    struct wta_runtime *rt = test_runtime(2, 0, NULL);
    int timed_out = 0, later_won = 0;
    for (int i = 0; i < TRIALS; i++) {
        int rc = wta_block_on(rt, wta_timeout(wta_sleep(100 * 1000), 100 * 1000 + 200), NULL);
        timed_out += rc == -ETIMEDOUT;
        size_t winner = 9;
        struct wta_future *v[2] = {wta_sleep(100 * 1000), wta_sleep(100 * 1000 + 200)};
        CU_ASSERT_EQUAL(wta_block_on(rt, wta_select(v, 2, &winner), NULL), 0);
        later_won += winner != 0;
    }
    CU_ASSERT_EQUAL(timed_out, 0);
    CU_ASSERT_EQUAL(later_won, 0);
    if (timed_out || later_won)
        fprintf(stderr, "of %d trials: %d timeouts fired first, %d selects picked the later "
                "sleep\n", TRIALS, timed_out, later_won);
    wta_runtime_free(rt);
}

void suite_combinators(void)
{
    CU_pSuite s = CU_add_suite("combinators", NULL, NULL);
    CU_add_test(s, "select_drops_losers", select_drops_losers);
    CU_add_test(s, "select_first_ready_wins", select_first_ready_wins);
    CU_add_test(s, "join_all_outputs", join_all_outputs);
    CU_add_test(s, "timeout_fires_and_releases", timeout_fires_and_releases);
    CU_add_test(s, "timeout_inner_wins", timeout_inner_wins);
    CU_add_test(s, "interval_ticks", interval_ticks);
    CU_add_test(s, "timers_earlier_deadline_wins", timers_earlier_deadline_wins);
}

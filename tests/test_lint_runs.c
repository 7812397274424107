/*
 * test_lint_runs.c - the lints stay quiet on correct programs.
 *
 * Each test records the trace of a correct program under contention, loads
 * it and lints it: no error may fire, nor any warning that does not measure
 * the machine (long-poll and late-timer do: a loaded CI box makes polls
 * slow and timers late, so those two are left out here). Issue 16 found
 * `lost-wakeup` firing on exactly such runs - foreign-thread wakes and an
 * 8-worker channel ping-pong - because two threads stamp a waker's clone
 * and drop in the other order than their atomic ran. The echo server's
 * trace is linted in test_net.c, with lint_trace_clean from here.
 */
#include <CUnit/CUnit.h>
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "suites.h"
#include "test_util.h"
#include "../viz/wta_model.h"

int lint_trace_clean(const char *path)
{
    struct wta_model *m = NULL;
    struct wta_lint_config c;
    struct wta_lints l;
    int err = wta_model_load(path, 0, &m);
    if (err != 0 && m != NULL)
        wta_model_print_diags(m, stderr);
    CU_ASSERT_EQUAL_FATAL(err, 0);
    wta_lint_config_default(&c);
    c.allow = 1u << WTA_LINT_LONG_POLL | 1u << WTA_LINT_LATE_TIMER;
    CU_ASSERT_EQUAL_FATAL(wta_lint_run(m, &c, &l), 0);
    if (l.n > 0) {
        wta_lints_write_text(m, &l, stderr);
        fprintf(stderr, "(the trace is kept: %s)\n", path);
    }
    CU_ASSERT_EQUAL(l.n, 0);
    int n = (int)l.n;
    wta_lints_free(&l);
    wta_model_free(m);
    return n;
}

/* ---- a channel stage: a source, a relay, a sink or a pinger.
 * source (no rx): send left, left-1, ..., 1.   relay: recv v, send v+1.
 * sink (no tx): recv and sum.   pinger: send, recv the answer, `left` times.
 * Each ends its stream (drops its tx) when done; a relay or sink is done at
 * the end of its input (-EPIPE). */

struct stage {
    struct wta_chan_rx *rx;
    struct wta_chan_tx *tx;
    struct wta_future *op;
    int ping, sending, left;
    intptr_t v, sum;
};

static int stage_finish(struct stage *s, intptr_t *out)
{
    wta_chan_tx_drop(s->tx);        // the next stage sees the end of its stream
    s->tx = NULL;
    *out = s->sum;
    return 0;
}

static int stage_poll(void *st, struct wta_context *cx, intptr_t *out)
{
    struct stage *s = st;
    for (;;) {
        if (s->op == NULL)
            s->op = s->sending ? wta_chan_send(s->tx, s->v) : wta_chan_recv(s->rx);
        intptr_t v = 0;
        int rc = wta_poll(s->op, cx, &v);
        if (rc == WTA_PENDING)
            return WTA_PENDING;     // the other end's send, recv or close wakes us
        wta_future_drop(s->op);
        s->op = NULL;
        if (rc == -EPIPE && !s->sending)
            return stage_finish(s, out);
        if (rc != 0)
            return rc;
        if (!s->sending)
            s->sum += v;
        if (s->sending && s->rx != NULL) {
            s->sending = 0;         // a relay or pinger: now the answer
        } else if (s->rx == NULL || s->ping) {
            if (s->left == 0)
                return stage_finish(s, out);
            s->v = s->left--;
            s->sending = 1;
        } else if (s->tx != NULL) {
            s->v = v + 1;
            s->sending = 1;
        }
    }
}

static void stage_drop(void *st)
{
    struct stage *s = st;
    wta_future_drop(s->op);
    wta_chan_tx_drop(s->tx);
    wta_chan_rx_drop(s->rx);
    free(s);
}

static struct wta_future *stage(const char *name, struct wta_chan_rx *rx,
                                struct wta_chan_tx *tx, int ping, int left)
{
    struct stage *s = calloc(1, sizeof *s);
    *s = (struct stage){.rx = rx, .tx = tx, .ping = ping, .left = left};
    if (rx == NULL || ping) {
        s->v = s->left--;
        s->sending = 1;
    }
    return fn_future(name, stage_poll, s, stage_drop);
}

/* Is a correct 20-item pipeline (source -> relay -> relay -> sink, channels
 * of one slot, 2 workers) free of lints? (useless-unpark fired 4 times here.) */
static void lint_runs_pipeline(void)
{
    char *path = test_trace_path("pipeline");
    struct wta_runtime *rt = test_runtime(2, 0, path);
    struct wta_chan_tx *tx[3];
    struct wta_chan_rx *rx[3];
    for (int k = 0; k < 3; k++)
        CU_ASSERT_FATAL(wta_chan_new(1, &tx[k], &rx[k]) == 0);
    wta_future_drop(wta_runtime_spawn(rt, stage("source", NULL, tx[0], 0, 20)));
    wta_future_drop(wta_runtime_spawn(rt, stage("relay", rx[0], tx[1], 0, 0)));
    wta_future_drop(wta_runtime_spawn(rt, stage("relay", rx[1], tx[2], 0, 0)));
    intptr_t sum = 0;
    CU_ASSERT_EQUAL(wta_block_on(rt, stage("sink", rx[2], NULL, 0, 0), &sum), 0);
    CU_ASSERT_EQUAL(sum, 20 * 21 / 2 + 2 * 20);     // 1..20, each relay adds 1
    wta_runtime_free(rt);
    if (lint_trace_clean(path) == 0)
        unlink(path);
    free(path);
}

/* Is a channel ping-pong of 4 pairs on 8 workers (issue 16's lost-wakeup
 * on a correct run) free of lints? */
static void lint_runs_ping_pong_8_workers(void)
{
    enum { PAIRS = 4, ROUNDS = 500 };
    char *path = test_trace_path("pingpong");
    struct wta_runtime *rt = test_runtime(8, 0, path);
    struct wta_future *h[2 * PAIRS];
    for (int p = 0; p < PAIRS; p++) {
        struct wta_chan_tx *ab, *ba;
        struct wta_chan_rx *ab_rx, *ba_rx;
        CU_ASSERT_FATAL(wta_chan_new(1, &ab, &ab_rx) == 0);
        CU_ASSERT_FATAL(wta_chan_new(1, &ba, &ba_rx) == 0);
        h[2 * p] = wta_runtime_spawn(rt, stage("ping", ba_rx, ab, 1, ROUNDS));
        h[2 * p + 1] = wta_runtime_spawn(rt, stage("pong", ab_rx, ba, 0, 0));
    }
    int results[2 * PAIRS];
    intptr_t outs[2 * PAIRS];
    CU_ASSERT_EQUAL(wta_block_on(rt, wta_join_all(h, 2 * PAIRS, results, outs), NULL), 0);
    for (int p = 0; p < PAIRS; p++)     // each answer is the ping + 1
        CU_ASSERT_EQUAL(outs[2 * p], ROUNDS * (ROUNDS + 1) / 2 + ROUNDS);
    wta_runtime_free(rt);
    if (lint_trace_clean(path) == 0)
        unlink(path);
    free(path);
}

/* ---- foreign-thread wakes: a task hands a clone of its waker to a plain
 * pthread, which wakes it; ROUNDS times. */

enum { FOREIGN_ROUNDS = 400 };

struct foreign {
    pthread_mutex_t lock;
    pthread_cond_t cond;
    struct wta_waker slot;          /* guarded by lock */
    int has_waker, rounds;          /* guarded by lock */
};

static int foreign_poll(void *st, struct wta_context *cx, intptr_t *out)
{
    struct foreign *f = st;
    pthread_mutex_lock(&f->lock);
    int done = f->rounds >= FOREIGN_ROUNDS;
    if (!done && !f->has_waker) {
        f->slot = wta_waker_clone(cx->waker);
        f->has_waker = 1;
        pthread_cond_signal(&f->cond);
    }
    pthread_mutex_unlock(&f->lock);
    *out = FOREIGN_ROUNDS;
    return done ? 0 : WTA_PENDING;  // the pthread holds our waker and will wake us
}

static void *foreign_thread(void *arg)
{
    struct foreign *f = arg;
    for (int r = 0; r < FOREIGN_ROUNDS; r++) {
        pthread_mutex_lock(&f->lock);
        while (!f->has_waker)
            pthread_cond_wait(&f->cond, &f->lock);
        struct wta_waker w = f->slot;
        f->has_waker = 0;
        f->rounds++;
        pthread_mutex_unlock(&f->lock);
        wta_waker_wake(&w);         // from outside the runtime, racing its workers
    }
    return NULL;
}

/* Are 3 tasks woken 400 times each from plain pthreads free of lints? */
static void lint_runs_foreign_wakes(void)
{
    enum { N = 3 };
    char *path = test_trace_path("foreign");
    struct wta_runtime *rt = test_runtime(2, 0, path);
    struct foreign f[N];
    pthread_t th[N];
    struct wta_future *h[N];
    for (int k = 0; k < N; k++) {
        f[k] = (struct foreign){.lock = PTHREAD_MUTEX_INITIALIZER,
                                .cond = PTHREAD_COND_INITIALIZER};
        CU_ASSERT_FATAL(pthread_create(&th[k], NULL, foreign_thread, &f[k]) == 0);
        h[k] = wta_runtime_spawn(rt, fn_future("woken", foreign_poll, &f[k], NULL));
    }
    int results[N];
    intptr_t outs[N];
    /* The timeout is never reached; its pending timer keeps block_on from
     * calling a hang while only the pthreads hold wakers (issue 14.3). */
    struct wta_future *all = wta_join_all(h, N, results, outs);
    CU_ASSERT_EQUAL(wta_block_on(rt, wta_timeout(all, 60ull * 1000 * 1000 * 1000), NULL), 0);
    for (int k = 0; k < N; k++) {
        pthread_join(th[k], NULL);
        CU_ASSERT_EQUAL(results[k], 0);
        CU_ASSERT_EQUAL(f[k].rounds, FOREIGN_ROUNDS);
    }
    wta_runtime_free(rt);
    if (lint_trace_clean(path) == 0)
        unlink(path);
    free(path);
}

void suite_lint_runs(void)
{
    CU_pSuite s = CU_add_suite("lint_runs", NULL, NULL);
    CU_add_test(s, "lint_runs_pipeline", lint_runs_pipeline);
    CU_add_test(s, "lint_runs_ping_pong_8_workers", lint_runs_ping_pong_8_workers);
    CU_add_test(s, "lint_runs_foreign_wakes", lint_runs_foreign_wakes);
}

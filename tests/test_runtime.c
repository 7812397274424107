/*
 * test_runtime.c - the runtime's life cycle at its edges: shutdown under
 * load, freeing from another thread, wakers that outlive their runtime,
 * and what wta.h says about misuse.
 *
 * Scenarios that would hang if shutdown were wrong run in a child process
 * with a time limit (run_limited), so a hang fails the test instead of
 * stopping the whole run.
 */
#include <CUnit/CUnit.h>
#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>

#include "suites.h"
#include "test_util.h"

#define LIMIT_S 60
#define ROUNDS 5

/* ---- tasks that never finish: each loops over one step forever */

enum step { STEP_YIELD, STEP_SEND, STEP_RECV, STEP_SLEEP };

struct forever {
    enum step first, second;     /* the loop: first, second, first, ... */
    bool at_second;
    struct wta_chan_tx *tx;      /* owned */
    struct wta_chan_rx *rx;      /* owned */
    uint64_t sleep_ns;
    struct wta_future *op;       /* the step in progress */
};

static atomic_long progress;     /* steps done, by every task */
static atomic_long dropped;      /* forever tasks dropped */

static struct wta_future *step_future(struct forever *f, enum step s)
{
    switch (s) {
    case STEP_YIELD: return wta_yield_now();
    case STEP_SEND:  return wta_chan_send(f->tx, 1);
    case STEP_RECV:  return wta_chan_recv(f->rx);
    case STEP_SLEEP:
    default:         return wta_sleep(f->sleep_ns);
    }
}

static int forever_poll(void *st, struct wta_context *cx, intptr_t *out)
{
    struct forever *f = st;
    for (;;) {
        if (f->op == NULL)
            f->op = step_future(f, f->at_second ? f->second : f->first);
        int rc = wta_poll(f->op, cx, out);
        if (rc == WTA_PENDING)
            return WTA_PENDING;   // the yield, the channel or the timer wakes us
        wta_future_drop(f->op);
        f->op = NULL;
        if (rc != 0)
            return rc;
        atomic_fetch_add(&progress, 1);
        f->at_second = !f->at_second;
    }
}

static void forever_drop(void *st)
{
    struct forever *f = st;
    wta_future_drop(f->op);
    wta_chan_tx_drop(f->tx);
    wta_chan_rx_drop(f->rx);
    free(f);
    atomic_fetch_add(&dropped, 1);
}

static void spawn_forever(struct wta_runtime *rt, enum step first, enum step second,
                          struct wta_chan_tx *tx, struct wta_chan_rx *rx, uint64_t sleep_ns)
{
    struct forever *f = calloc(1, sizeof *f);
    *f = (struct forever){.first = first, .second = second, .tx = tx, .rx = rx,
                          .sleep_ns = sleep_ns};
    wta_future_drop(wta_runtime_spawn(rt, fn_future("forever", forever_poll, f, forever_drop)));
}

/* Spins (no sleep) until the tasks have done `steps` steps between them. */
static void await_progress(long steps)
{
    while (atomic_load(&progress) < steps)
        sched_yield();
}

/* Frees rt and checks every one of the n tasks was dropped exactly once. */
static int free_and_count(struct wta_runtime *rt, long n, const char *what)
{
    wta_runtime_free(rt);
    if (atomic_load(&dropped) != n) {
        fprintf(stderr, "%s: %ld of %ld tasks dropped\n", what, atomic_load(&dropped), n);
        return 1;
    }
    return 0;
}

static int shutdown_yielders(void *unused)
{
    (void)unused;
    for (int round = 0; round < ROUNDS; round++) {
        for (int workers = 1; workers <= 4; workers *= 2) {
            atomic_store(&progress, 0);
            atomic_store(&dropped, 0);
            struct wta_runtime *rt = test_runtime(workers, 0, NULL);
            for (int i = 0; i < 2 * workers; i++)
                spawn_forever(rt, STEP_YIELD, STEP_YIELD, NULL, NULL, 0);
            await_progress(1000);
            if (free_and_count(rt, 2 * workers, "yielders") != 0)
                return 1;
        }
    }
    return 0;
}

/* Does free return while tasks yield forever? */
static void runtime_shutdown_yielders(void)
{
    run_limited("runtime_shutdown_yielders", shutdown_yielders, NULL, LIMIT_S);
}

static int shutdown_ping_pong(void *unused)
{
    (void)unused;
    for (int round = 0; round < ROUNDS; round++) {
        for (int workers = 1; workers <= 4; workers *= 2) {
            atomic_store(&progress, 0);
            atomic_store(&dropped, 0);
            struct wta_runtime *rt = test_runtime(workers, 0, NULL);
            struct wta_chan_tx *ping_tx, *pong_tx;
            struct wta_chan_rx *ping_rx, *pong_rx;
            wta_chan_new(1, &ping_tx, &ping_rx);
            wta_chan_new(1, &pong_tx, &pong_rx);
            spawn_forever(rt, STEP_SEND, STEP_RECV, ping_tx, pong_rx, 0);
            spawn_forever(rt, STEP_RECV, STEP_SEND, pong_tx, ping_rx, 0);
            await_progress(1000);
            if (free_and_count(rt, 2, "ping-pong") != 0)
                return 1;
        }
    }
    return 0;
}

/* Does free return while two tasks bounce a value through channels forever? */
static void runtime_shutdown_ping_pong(void)
{
    run_limited("runtime_shutdown_ping_pong", shutdown_ping_pong, NULL, LIMIT_S);
}

#define TIMED_SENDERS 20000

static int shutdown_timer_traffic(void *unused)
{
    (void)unused;
    for (int round = 0; round < ROUNDS; round++) {
        atomic_store(&progress, 0);
        atomic_store(&dropped, 0);
        struct wta_runtime *rt = test_runtime(1, 0, NULL);
        struct wta_chan_tx *tx;
        struct wta_chan_rx *rx;
        wta_chan_new(64, &tx, &rx);
        spawn_forever(rt, STEP_RECV, STEP_RECV, NULL, rx, 0);
        for (int i = 0; i < TIMED_SENDERS; i++)
            spawn_forever(rt, STEP_SLEEP, STEP_SEND, wta_chan_tx_clone(tx), NULL, 1000);
        wta_chan_tx_drop(tx);
        await_progress(TIMED_SENDERS / 10);   // the queue is still long: they are busy
        if (free_and_count(rt, TIMED_SENDERS + 1, "timer traffic") != 0)
            return 1;
    }
    return 0;
}

/* Does free return while 20,000 timed senders flood one worker? */
static void runtime_shutdown_timer_traffic(void)
{
    run_limited("runtime_shutdown_timer_traffic", shutdown_timer_traffic, NULL, LIMIT_S);
}

void suite_runtime(void)
{
    CU_pSuite s = CU_add_suite("runtime", NULL, NULL);
    CU_add_test(s, "runtime_shutdown_yielders", runtime_shutdown_yielders);
    CU_add_test(s, "runtime_shutdown_ping_pong", runtime_shutdown_ping_pong);
    CU_add_test(s, "runtime_shutdown_timer_traffic", runtime_shutdown_timer_traffic);
}

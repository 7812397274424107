/*
 * bench_sched.c - the scheduling workloads: block_on, spawn, yield, wake.
 *
 * Each is tokio's benchmark of the same name (shared/anchors/tokio-bench),
 * written as hand-made futures: a `switch (step)` or a loop that returns
 * PENDING where Rust would `.await`. Every task's output is summed or
 * counted so that a workload that lost a task aborts instead of reporting
 * a fast time.
 *
 * What the ops exercise:
 *   block_on_ready      block_on itself, no other thread involved
 *   spawn_join_blockon  main -> worker -> main: a worker wake-up and a
 *                       main wake-up per op
 *   spawn_many_*        spawn from a worker / from outside the runtime
 *   yield_many          re-queueing a running task (a self-wake)
 *   chained_spawn       a spawn from a worker, the spawner then finishing
 *   ping_pong           spawns and oneshot wakes between tasks
 */
#include <stdatomic.h>
#include <stdlib.h>

#include "bench.h"

/* Counts (default; --quick), from BENCH.md. */
#define COUNT(opt, full, small) ((opt)->quick ? (small) : (full))

static uint64_t elapsed(uint64_t t0)
{
    return bench_now_ns() - t0;
}

/* ---------------------------------------------------------------- block_on_ready */

/* Ready at once with its value; lives on the stack: drop frees nothing. */
struct ready_fut {
    struct wta_future base;
    intptr_t value;
};

static int ready_poll(struct wta_future *self, struct wta_context *cx, intptr_t *out)
{
    (void)cx;
    *out = ((struct ready_fut *)self)->value;
    return WTA_READY;
}

static const struct wta_future_vt ready_vt = {"ready", ready_poll, bench_stack_drop};

static uint64_t block_on_ready_rep(struct bench *b, void *arg)
{
    (void)arg;
    uint64_t t0 = bench_now_ns();
    for (intptr_t i = 0; i < (intptr_t)b->ops; i++) {
        struct ready_fut f = {{&ready_vt}, i};
        if (bench_block_on(b, &f.base) != i)
            bench_fail(b, "block_on returned the wrong value for %ld", (long)i);
    }
    return elapsed(t0);
}

void bench_block_on_ready(const struct bench_opts *opt)
{
    int iters = COUNT(opt, 1000000, 100000);
    bench_run(opt, "block_on_ready", iters, block_on_ready_rep, NULL, "iters=%d", iters);
}

/* ---------------------------------------------------------------- spawn_join_blockon */

static uint64_t spawn_join_blockon_rep(struct bench *b, void *arg)
{
    (void)arg;
    uint64_t t0 = bench_now_ns();
    for (uint64_t i = 0; i < b->ops; i++) {
        struct bench_spawn_await sa;
        bench_spawn_await_init(&sa, NULL);   // an empty task, moved into its task
        if (bench_block_on(b, &sa.base) != 1)
            bench_fail(b, "the empty task's output was lost");
    }
    return elapsed(t0);
}

void bench_spawn_join_blockon(const struct bench_opts *opt)
{
    int iters = COUNT(opt, 20000, 2000);
    bench_run(opt, "spawn_join_blockon", iters, spawn_join_blockon_rep, NULL, "iters=%d",
              iters);
}

/* ---------------------------------------------------------------- spawn_many_local */

/* On a worker: spawn `tasks` empty tasks, then await them in order. */
struct many_local {
    struct wta_future base;
    int tasks;
    struct wta_future *all;   /* join_all over the handles, once spawned */
};

static int many_local_poll(struct wta_future *self, struct wta_context *cx, intptr_t *out)
{
    struct many_local *m = (struct many_local *)self;
    if (m->all == NULL) {
        struct wta_future **hs = malloc((size_t)m->tasks * sizeof *hs);
        if (hs == NULL)
            abort();
        for (int i = 0; i < m->tasks; i++)
            if ((hs[i] = bench_spawn_empty(NULL)) == NULL)
                abort();
        m->all = bench_join_all_new(hs, m->tasks);
    }
    return wta_poll(m->all, cx, out);   // PENDING: the next task's end wakes us
}

static void many_local_drop(struct wta_future *self)
{
    wta_future_drop(((struct many_local *)self)->all);
    free(self);
}

static const struct wta_future_vt many_local_vt = {"many_local", many_local_poll,
                                                   many_local_drop};

static uint64_t spawn_many_local_rep(struct bench *b, void *arg)
{
    (void)arg;
    uint64_t t0 = bench_now_ns();
    struct many_local *m = calloc(1, sizeof *m);
    if (m == NULL)
        abort();
    m->base.vt = &many_local_vt;
    m->tasks = (int)b->ops;
    struct bench_spawn_await sa;
    bench_spawn_await_init(&sa, &m->base);
    intptr_t ran = bench_block_on(b, &sa.base);
    uint64_t ns = elapsed(t0);
    if (ran != (intptr_t)b->ops)
        bench_fail(b, "%ld of %llu tasks ran", (long)ran, (unsigned long long)b->ops);
    return ns;
}

void bench_spawn_many_local(const struct bench_opts *opt)
{
    int tasks = COUNT(opt, 100000, 10000);
    bench_run(opt, "spawn_many_local", tasks, spawn_many_local_rep, NULL, "tasks=%d", tasks);
}

/* ---------------------------------------------------------------- spawn_many_remote */

static uint64_t spawn_many_remote_rep(struct bench *b, void *arg)
{
    (void)arg;
    int tasks = (int)b->ops;
    uint64_t t0 = bench_now_ns();   // before the first spawn
    struct wta_future **hs = malloc((size_t)tasks * sizeof *hs);
    if (hs == NULL)
        abort();
    for (int i = 0; i < tasks; i++)
        if ((hs[i] = bench_spawn_empty(b->rt)) == NULL)
            bench_fail(b, "spawn from outside the runtime failed");
    intptr_t ran = bench_block_on(b, bench_join_all_new(hs, tasks));
    uint64_t ns = elapsed(t0);
    if (ran != tasks)
        bench_fail(b, "%ld of %d tasks ran", (long)ran, tasks);
    return ns;
}

void bench_spawn_many_remote(const struct bench_opts *opt)
{
    int tasks = COUNT(opt, 100000, 10000);
    bench_run(opt, "spawn_many_remote", tasks, spawn_many_remote_rep, NULL, "tasks=%d", tasks);
}

/* ---------------------------------------------------------------- yield_many */

enum { YIELD_TASKS = 200, YIELDS = 1000 };

/*
 * Yields `left` more times, then is ready with the number of its yields.
 * A yield is what wta_yield_now() does (wake ourselves, return PENDING),
 * inlined: in Rust the yield future lives inside the task, so tokio's
 * yield costs no allocation either.
 */
struct yielder {
    struct wta_future base;
    int left;
};

static int yielder_poll(struct wta_future *self, struct wta_context *cx, intptr_t *out)
{
    struct yielder *y = (struct yielder *)self;
    if (y->left == 0) {
        *out = YIELDS;
        return WTA_READY;
    }
    y->left--;
    wta_waker_wake_by_ref(cx->waker);   // we wake ourselves: back of the queue
    return WTA_PENDING;
}

static const struct wta_future_vt yielder_vt = {"yielder", yielder_poll, bench_heap_drop};

static uint64_t yield_many_rep(struct bench *b, void *arg)
{
    (void)arg;
    uint64_t t0 = bench_now_ns();
    struct wta_future **hs = malloc(YIELD_TASKS * sizeof *hs);
    if (hs == NULL)
        abort();
    for (int i = 0; i < YIELD_TASKS; i++) {
        struct yielder *y = malloc(sizeof *y);
        if (y == NULL)
            abort();
        y->base.vt = &yielder_vt;
        y->left = YIELDS;
        if ((hs[i] = wta_runtime_spawn(b->rt, &y->base)) == NULL)
            bench_fail(b, "spawn failed");
    }
    intptr_t yields = bench_block_on(b, bench_join_all_new(hs, YIELD_TASKS));
    uint64_t ns = elapsed(t0);
    if (yields != (intptr_t)b->ops)
        bench_fail(b, "%ld yields, expected %llu", (long)yields, (unsigned long long)b->ops);
    return ns;
}

void bench_yield_many(const struct bench_opts *opt)
{
    bench_run(opt, "yield_many", YIELD_TASKS * YIELDS, yield_many_rep, NULL,
              "tasks=%d yields=%d", YIELD_TASKS, YIELDS);
}

/* ---------------------------------------------------------------- chained_spawn */

enum { CHAIN_DEPTH = 1000 };

/* Link n of the chain: spawns link n-1 (detached), or at 0 sends on tx. */
struct link {
    struct wta_future base;
    int n;
    struct wta_oneshot_tx *tx;   /* passed down the chain; NULL once passed */
};

static struct wta_future *spawn_link(int n, struct wta_oneshot_tx *tx);

static int link_poll(struct wta_future *self, struct wta_context *cx, intptr_t *out)
{
    (void)cx;
    struct link *l = (struct link *)self;
    struct wta_oneshot_tx *tx = l->tx;
    l->tx = NULL;
    if (l->n == 0) {
        if (wta_oneshot_send(tx, CHAIN_DEPTH) != 0)
            abort();
    } else {
        wta_future_drop(spawn_link(l->n - 1, tx));   // detach
    }
    *out = 0;
    return WTA_READY;
}

static void link_drop(struct wta_future *self)
{
    struct link *l = (struct link *)self;
    if (l->tx != NULL)
        wta_oneshot_tx_drop(l->tx);
}

static const struct wta_future_vt link_vt = {"link", link_poll, link_drop};

/* Spawns link n, moved into its task (its drop frees nothing); returns the handle. */
static struct wta_future *spawn_link(int n, struct wta_oneshot_tx *tx)
{
    struct link l = {.base.vt = &link_vt, .n = n, .tx = tx};
    struct wta_future *h = wta_spawn_move(&l);
    if (h == NULL)
        abort();
    return h;
}

/* block_on's future: start the chain, await the oneshot. On the stack. */
struct chain_main {
    struct wta_future base;
    struct wta_future *rx;
};

static int chain_main_poll(struct wta_future *self, struct wta_context *cx, intptr_t *out)
{
    struct chain_main *c = (struct chain_main *)self;
    if (c->rx == NULL) {
        struct wta_oneshot_tx *tx;
        if (wta_oneshot_new(&tx, &c->rx) != 0)
            abort();
        wta_future_drop(spawn_link(CHAIN_DEPTH, tx));
    }
    return wta_poll(c->rx, cx, out);   // PENDING: link 0's send wakes us
}

static void chain_main_drop(struct wta_future *self)
{
    wta_future_drop(((struct chain_main *)self)->rx);
}

static const struct wta_future_vt chain_main_vt = {"chain_main", chain_main_poll,
                                                   chain_main_drop};

static uint64_t chained_spawn_rep(struct bench *b, void *arg)
{
    (void)arg;
    uint64_t t0 = bench_now_ns();
    struct chain_main c = {{&chain_main_vt}, NULL};
    intptr_t v = bench_block_on(b, &c.base);
    uint64_t ns = elapsed(t0);
    if (v != CHAIN_DEPTH)
        bench_fail(b, "the chain's end sent %ld", (long)v);
    return ns;
}

void bench_chained_spawn(const struct bench_opts *opt)
{
    bench_run(opt, "chained_spawn", CHAIN_DEPTH, chained_spawn_rep, NULL, "depth=%d",
              CHAIN_DEPTH);
}

/*
 * bench_pong.c - ping_pong: spawns and oneshot wakes between tasks.
 *
 * A spawner task S spawns `pairs` tasks A; each A spawns a B, sends it a
 * value on one oneshot and awaits the answer on another. Each op costs
 * two spawns and two cross-task wakes. The last A to finish (an atomic
 * countdown: exactly one A sees it reach zero) tells block_on on the
 * `done` oneshot.
 */
#include <stdatomic.h>
#include <stdlib.h>

#include "bench.h"

/* ---------------------------------------------------------------- ping_pong */

enum { PP_PAIRS = 1000 };

/* What every A of one rep shares; lives in block_on's future. */
struct pp_shared {
    _Atomic int left;              /* As not finished yet */
    struct wta_oneshot_tx *done;   /* taken by the A that finishes last */
};

/* B: await rx1, send its value + 1 on tx2. */
struct pp_b {
    struct wta_future base;
    struct wta_future *rx1;
    struct wta_oneshot_tx *tx2;
};

static int pp_b_poll(struct wta_future *self, struct wta_context *cx, intptr_t *out)
{
    struct pp_b *b = (struct pp_b *)self;
    intptr_t v;
    int rc = wta_poll(b->rx1, cx, &v);
    if (rc == WTA_PENDING)
        return WTA_PENDING;   // A's send on tx1 wakes us
    if (rc != 0 || wta_oneshot_send(b->tx2, v + 1) != 0)
        abort();
    b->tx2 = NULL;
    *out = 0;
    return WTA_READY;
}

static void pp_b_drop(struct wta_future *self)
{
    struct pp_b *b = (struct pp_b *)self;
    wta_future_drop(b->rx1);
    if (b->tx2 != NULL)
        wta_oneshot_tx_drop(b->tx2);
    free(b);
}

static const struct wta_future_vt pp_b_vt = {"pong_b", pp_b_poll, pp_b_drop};

/* A: spawn B, send 1 on tx1, await 2 on rx2, count down. */
struct pp_a {
    struct wta_future base;
    struct pp_shared *sh;
    struct wta_future *rx2;   /* NULL until B is spawned */
};

static int pp_a_poll(struct wta_future *self, struct wta_context *cx, intptr_t *out)
{
    struct pp_a *a = (struct pp_a *)self;
    if (a->rx2 == NULL) {
        struct wta_oneshot_tx *tx1, *tx2;
        struct pp_b *b = malloc(sizeof *b);
        if (b == NULL || wta_oneshot_new(&tx1, &b->rx1) != 0 ||
            wta_oneshot_new(&tx2, &a->rx2) != 0)
            abort();
        b->base.vt = &pp_b_vt;
        b->tx2 = tx2;
        wta_future_drop(wta_spawn(&b->base));   // detached, like tokio's
        if (wta_oneshot_send(tx1, 1) != 0)
            abort();
    }
    intptr_t v;
    int rc = wta_poll(a->rx2, cx, &v);
    if (rc == WTA_PENDING)
        return WTA_PENDING;   // B's send on tx2 wakes us
    if (rc != 0 || v != 2)
        abort();
    if (atomic_fetch_sub(&a->sh->left, 1) == 1 && wta_oneshot_send(a->sh->done, PP_PAIRS) != 0)
        abort();
    *out = 0;
    return WTA_READY;
}

static void pp_a_drop(struct wta_future *self)
{
    wta_future_drop(((struct pp_a *)self)->rx2);
    free(self);
}

static const struct wta_future_vt pp_a_vt = {"ping_a", pp_a_poll, pp_a_drop};

/* S: spawn every A (detached). */
struct pp_s {
    struct wta_future base;
    struct pp_shared *sh;
};

static int pp_s_poll(struct wta_future *self, struct wta_context *cx, intptr_t *out)
{
    (void)cx;
    struct pp_s *s = (struct pp_s *)self;
    for (int i = 0; i < PP_PAIRS; i++) {
        struct pp_a *a = calloc(1, sizeof *a);
        if (a == NULL)
            abort();
        a->base.vt = &pp_a_vt;
        a->sh = s->sh;
        wta_future_drop(wta_spawn(&a->base));
    }
    *out = 0;
    return WTA_READY;
}

static const struct wta_future_vt pp_s_vt = {"spawner", pp_s_poll, bench_heap_drop};

/* block_on's future, on the stack: spawn S, await `done`. */
struct pp_main {
    struct wta_future base;
    struct pp_shared sh;
    struct wta_future *done_rx;
};

static int pp_main_poll(struct wta_future *self, struct wta_context *cx, intptr_t *out)
{
    struct pp_main *m = (struct pp_main *)self;
    if (m->done_rx == NULL) {
        atomic_store(&m->sh.left, PP_PAIRS);
        struct pp_s *s = malloc(sizeof *s);
        if (s == NULL || wta_oneshot_new(&m->sh.done, &m->done_rx) != 0)
            abort();
        s->base.vt = &pp_s_vt;
        s->sh = &m->sh;
        wta_future_drop(wta_spawn(&s->base));
    }
    return wta_poll(m->done_rx, cx, out);   // PENDING: the last A wakes us
}

static void pp_main_drop(struct wta_future *self)
{
    wta_future_drop(((struct pp_main *)self)->done_rx);
}

static const struct wta_future_vt pp_main_vt = {"ping_pong_main", pp_main_poll, pp_main_drop};

static uint64_t ping_pong_rep(struct bench *b, void *arg)
{
    (void)arg;
    uint64_t t0 = bench_now_ns();
    struct pp_main m = {.base = {&pp_main_vt}};
    intptr_t v = bench_block_on(b, &m.base);
    uint64_t ns = bench_now_ns() - t0;
    if (v != PP_PAIRS)
        bench_fail(b, "done sent %ld", (long)v);
    return ns;
}

void bench_ping_pong(const struct bench_opts *opt)
{
    bench_run(opt, "ping_pong", PP_PAIRS, ping_pong_rep, NULL, "pairs=%d rounds=1", PP_PAIRS);
}

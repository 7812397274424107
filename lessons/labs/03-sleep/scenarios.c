/*
 * Lab 3 scenarios: the sleep future, judged by when it finishes and by
 * what a dropped sleep leaves behind.
 */
#include <errno.h>
#include <stdlib.h>

#include "lab.h"

/* Does a sleep finish, and not before its deadline? */
static int sleep_waits(void)
{
    struct wta_runtime *rt = lab_runtime(2);
    uint64_t deadline = wta_now() + 3000000;
    int rc = wta_block_on(rt, wta_sleep_until(deadline), NULL);
    uint64_t now = wta_now();
    wta_runtime_free(rt);
    LAB_EXPECT(rc == 0, "sleep(3 ms) to finish with 0, got %d", rc);
    LAB_EXPECT(now >= deadline, "sleep to finish at or after its deadline, not %lu ns before",
               (unsigned long)(deadline - now));
    return 0;
}

/* A task that sleeps until its deadline and reports whether it woke early. */
struct napper {
    struct wta_future base;
    uint64_t deadline;
    struct wta_future *sleep;
};

static int napper_poll(struct wta_future *self, struct wta_context *cx, intptr_t *out)
{
    struct napper *n = (struct napper *)self;
    if (n->sleep == NULL)
        n->sleep = wta_sleep_until(n->deadline);
    int rc = wta_poll(n->sleep, cx, out);
    if (rc == WTA_PENDING)
        return WTA_PENDING;   // the sleep's timer wakes us
    *out = rc == 0 && wta_now() >= n->deadline;
    return WTA_READY;
}

static void napper_drop(struct wta_future *self)
{
    wta_future_drop(((struct napper *)self)->sleep);
    free(self);
}

static const struct wta_future_vt napper_vt = {"napper", napper_poll, napper_drop};

/* 200 sleeps of 1-10 ms at once: does every one finish, none early? */
static int many_sleeps(void)
{
    enum { N = 200 };
    struct wta_runtime *rt = lab_runtime(2);
    struct wta_future *handles[N];
    intptr_t ok[N];
    uint64_t start = wta_now();
    for (int i = 0; i < N; i++) {
        struct napper *n = calloc(1, sizeof *n);
        n->base.vt = &napper_vt;
        n->deadline = start + (uint64_t)(1 + i % 10) * 1000000;
        handles[i] = wta_runtime_spawn(rt, &n->base);
    }
    intptr_t done = 0;
    int rc = wta_block_on(rt, wta_join_all(handles, N, NULL, ok), &done);
    wta_runtime_free(rt);
    LAB_EXPECT(rc == 0 && done == N, "all %d sleeping tasks to finish, join_all gave rc %d, "
               "%ld done", N, rc, (long)done);
    for (int i = 0; i < N; i++)
        LAB_EXPECT(ok[i] == 1, "task %d's sleep to finish at or after its deadline", i);
    return 0;
}

/* A main future that polls its sleep, wakes itself at once, and polls again. */
struct fidget {
    struct wta_future base;
    struct wta_future *sleep;
    uint64_t deadline;
    int polls;
};

static int fidget_poll(struct wta_future *self, struct wta_context *cx, intptr_t *out)
{
    struct fidget *f = (struct fidget *)self;
    if (f->sleep == NULL)
        f->sleep = wta_sleep_until(f->deadline);
    int rc = wta_poll(f->sleep, cx, out);
    if (rc != WTA_PENDING) {
        *out = wta_now() >= f->deadline;
        return rc;
    }
    if (++f->polls < 3)
        wta_waker_wake_by_ref(cx->waker);   // a spurious wake: not the timer's
    return WTA_PENDING;                     // then only the sleep's timer wakes us
}

static void fidget_drop(struct wta_future *self)
{
    wta_future_drop(((struct fidget *)self)->sleep);
    free(self);
}

static const struct wta_future_vt fidget_vt = {"fidget", fidget_poll, fidget_drop};

/* Polled again before its deadline (a wake that was not its timer's), does it wait on? */
static int early_poll_stays_pending(void)
{
    struct wta_runtime *rt = lab_runtime(1);
    struct fidget *f = calloc(1, sizeof *f);
    f->base.vt = &fidget_vt;
    f->deadline = wta_now() + 200000000;
    intptr_t on_time = 0;
    int rc = wta_block_on(rt, &f->base, &on_time);
    wta_runtime_free(rt);
    LAB_EXPECT(rc == 0, "the sleep to finish with 0, got %d", rc);
    LAB_EXPECT(on_time == 1, "a sleep polled again early to stay pending until its deadline");
    return 0;
}

/* A future nobody can ever wake. */
static int never_poll(struct wta_future *self, struct wta_context *cx, intptr_t *out)
{
    (void)self, (void)cx, (void)out;
    return WTA_PENDING;   // no waker kept, on purpose
}

static void plain_drop(struct wta_future *self) { free(self); }

static const struct wta_future_vt never_vt = {"never", never_poll, plain_drop};

/* A main future that arms a 60 s sleep with one poll, then drops it. */
static int armer_poll(struct wta_future *self, struct wta_context *cx, intptr_t *out)
{
    (void)self;
    struct wta_future *nap = wta_sleep(60000000000ull);
    int rc = wta_poll(nap, cx, out);   // pending: its timer is armed now
    wta_future_drop(nap);              // ...and must be cancelled now
    *out = rc;
    return WTA_READY;
}

static const struct wta_future_vt armer_vt = {"armer", armer_poll, plain_drop};

/* Is a dropped sleep's timer gone? (Else the runtime waits a minute for it.) */
static int drop_cancels(void)
{
    struct wta_runtime *rt = lab_runtime(2);
    struct wta_future *armer = calloc(1, sizeof *armer);
    armer->vt = &armer_vt;
    intptr_t first = 0;
    int rc = wta_block_on(rt, armer, &first);
    LAB_EXPECT(rc == 0 && first == WTA_PENDING, "a 60 s sleep's first poll to be pending, "
               "got %ld", (long)first);
    // If the dropped sleep's timer were still armed, the runtime could not
    // tell that nothing is left to wake this one, and would wait a minute.
    struct wta_future *f = calloc(1, sizeof *f);
    f->vt = &never_vt;
    rc = wta_block_on(rt, f, NULL);
    wta_runtime_free(rt);
    LAB_EXPECT(rc == -EDEADLK, "with the dropped sleep's timer cancelled, block_on to see at "
               "once that nothing can wake a forgetful future (-EDEADLK), got %d", rc);
    return 0;
}

const struct lab_scenario lab_scenarios[] = {
    {"sleep_waits", sleep_waits},
    {"many_sleeps", many_sleeps},
    {"early_poll_stays_pending", early_poll_stays_pending},
    {"drop_cancels", drop_cancels},
};
const int lab_nscenarios = sizeof lab_scenarios / sizeof lab_scenarios[0];

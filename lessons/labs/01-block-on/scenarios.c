/*
 * Lab 1 scenarios: block_on's MainWaker and book_keeping, seen from outside.
 * Each one needs block_on to sleep between polls and to be woken.
 */
#include <errno.h>
#include <stdlib.h>

#include "lab.h"

/*
 * A future that first sleeps `nap_ns` (if set), then is pending `left`
 * times, waking itself each time (a yield).
 */
struct spin {
    struct wta_future base;
    int left;
    intptr_t value;
    uint64_t nap_ns;
    struct wta_future *nap;
};

static int spin_poll(struct wta_future *self, struct wta_context *cx, intptr_t *out)
{
    struct spin *s = (struct spin *)self;
    if (s->nap_ns > 0) {
        if (s->nap == NULL)
            s->nap = wta_sleep(s->nap_ns);
        if (wta_poll(s->nap, cx, out) == WTA_PENDING)
            return WTA_PENDING;   // the sleep's timer wakes us
        s->nap_ns = 0;
    }
    if (s->left-- > 0) {
        wta_waker_wake_by_ref(cx->waker);
        return WTA_PENDING;   // we woke ourselves: poll us again
    }
    *out = s->value;
    return WTA_READY;
}

static void spin_drop(struct wta_future *self)
{
    wta_future_drop(((struct spin *)self)->nap);
    free(self);
}

static void plain_drop(struct wta_future *self) { free(self); }

static const struct wta_future_vt spin_vt = {"spin", spin_poll, spin_drop};

static struct wta_future *spin(int left, intptr_t value)
{
    struct spin *s = calloc(1, sizeof *s);
    s->base.vt = &spin_vt;
    s->left = left;
    s->value = value;
    return &s->base;
}

/* A future that forgets its waker: nobody can ever wake it. */
static int forget_poll(struct wta_future *self, struct wta_context *cx, intptr_t *out)
{
    (void)self, (void)cx, (void)out;
    return WTA_PENDING;   // no waker kept: a lost wakeup, on purpose
}

static const struct wta_future_vt forget_vt = {"forgetful", forget_poll, plain_drop};

/* A main future that spawns a task and awaits its JoinHandle. */
struct spawner {
    struct wta_future base;
    struct wta_future *handle;
};

static int spawner_poll(struct wta_future *self, struct wta_context *cx, intptr_t *out)
{
    struct spawner *s = (struct spawner *)self;
    if (s->handle == NULL) {
        // The task naps first, so its handle is never ready at our first
        // poll: main must sleep and be woken.
        struct spin *t = (struct spin *)spin(3, 7);
        t->nap_ns = 200000;
        s->handle = wta_spawn(&t->base);
    }
    return wta_poll(s->handle, cx, out);   // pending: the task's end wakes main
}

static void spawner_drop(struct wta_future *self)
{
    wta_future_drop(((struct spawner *)self)->handle);
    free(self);
}

static const struct wta_future_vt spawner_vt = {"spawner", spawner_poll, spawner_drop};

static struct wta_future *spawner(void)
{
    struct spawner *s = calloc(1, sizeof *s);
    s->base.vt = &spawner_vt;
    return &s->base;
}

/* Does main wake when a task on a worker finishes? */
static int join_a_task(void)
{
    struct wta_runtime *rt = lab_runtime(2);
    intptr_t out = 0;
    int rc = wta_block_on(rt, spawner(), &out);
    wta_runtime_free(rt);
    LAB_EXPECT(rc == 0 && out == 7, "block_on to return 0 with the task's 7, got rc %d out %ld",
               rc, (long)out);
    return 0;
}

/* Does main wake when its timer fires? */
static int sleep_in_main(void)
{
    struct wta_runtime *rt = lab_runtime(1);
    uint64_t start = wta_now();
    int rc = wta_block_on(rt, wta_sleep(2000000), NULL);
    uint64_t took = wta_now() - start;
    wta_runtime_free(rt);
    LAB_EXPECT(rc == 0, "block_on(sleep 2 ms) to return 0, got %d", rc);
    LAB_EXPECT(took >= 2000000, "block_on to return after the deadline, not %lu ns early",
               (unsigned long)(2000000 - took));
    return 0;
}

/* A wake during the poll itself: book_keeping must not sleep through it. */
static int self_wake_in_main(void)
{
    struct wta_runtime *rt = lab_runtime(1);
    intptr_t out = 0;
    int rc = wta_block_on(rt, spin(5, 11), &out);
    wta_runtime_free(rt);
    LAB_EXPECT(rc == 0 && out == 11, "a main future that wakes itself 5 times to finish with 11, "
               "got rc %d out %ld", rc, (long)out);
    return 0;
}

/* Many sleeps and wakes in a row: a wake racing with going to sleep. */
static int many_rounds(void)
{
    struct wta_runtime *rt = lab_runtime(2);
    for (int i = 0; i < 300; i++) {
        intptr_t out = 0;
        int rc = wta_block_on(rt, spawner(), &out);
        if (rc != 0 || out != 7) {
            wta_runtime_free(rt);
            LAB_EXPECT(0, "round %d of 300 to return 0 with 7, got rc %d out %ld", i, rc,
                       (long)out);
        }
    }
    wta_runtime_free(rt);
    return 0;
}

/* Nobody can wake main: block_on must say so (-EDEADLK), not sleep forever. */
static int hang_reported(void)
{
    struct wta_runtime *rt = lab_runtime(2);
    struct wta_future *f = calloc(1, sizeof *f);
    f->vt = &forget_vt;
    int rc = wta_block_on(rt, f, NULL);
    wta_runtime_free(rt);
    LAB_EXPECT(rc == -EDEADLK, "block_on to return -EDEADLK (%d) for a future nobody can wake, "
               "got %d", -EDEADLK, rc);
    return 0;
}

const struct lab_scenario lab_scenarios[] = {
    {"join_a_task", join_a_task},
    {"sleep_in_main", sleep_in_main},
    {"self_wake_in_main", self_wake_in_main},
    {"many_rounds", many_rounds},
    {"hang_reported", hang_reported},
};
const int lab_nscenarios = sizeof lab_scenarios / sizeof lab_scenarios[0];

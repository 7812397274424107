/*
 * Lesson 17 - fairness: a CPU-bound task on a cooperative scheduler.
 *
 * One worker, two tasks spawned together: "hog" does 20 units of work
 * (1 ms of CPU each), "ping" only wants to say it is alive. A worker can
 * take a task off the CPU only when its poll returns: there is no
 * preemption. In the default run the hog does all its work in one poll and
 * ping waits for the whole of it; with --yielding the hog yields after each
 * unit, and ping runs after the first. Read main() first.
 *
 * The time a poll spends computing or blocking is counted on the virtual
 * clock (lesson_spin_ms, lesson_block_ms: wta_spent_ns), so the lesson runs
 * in deterministic mode like the others.
 */
#include <stdatomic.h>
#include <stdlib.h>

#include "lesson.h"

static const struct lesson lesson = {
    .name = "17-fairness",
    .title = "fairness: a CPU-bound task, with and without yielding",
    .seed = 1,
    .workers = 1,
    .alt = "yielding",
};

#define UNITS 20

static bool yielding;        /* --yielding: the hog yields after each unit */
static atomic_int units;     /* units of work the hog has done so far */

struct hog {
    struct wta_future base;
    struct wta_future *yield;   /* the yield being awaited, after a unit (--yielding) */
};

static int hog_poll(struct wta_future *base, struct wta_context *cx, intptr_t *out)
{
    struct hog *self = (struct hog *)base;
    for (;;) {
        if (self->yield != NULL && lesson_await(&self->yield, cx, NULL) == WTA_PENDING)
            return WTA_PENDING;   // we woke ourselves: the worker re-queues us
        if (atomic_load(&units) == UNITS) {
            *out = UNITS;
            return WTA_READY;
        }
        lesson_spin_ms(1);   // one unit of work
        atomic_fetch_add(&units, 1);
        if (yielding)   // give the worker back: Pending once, to the back of the queue
            self->yield = wta_yield_now();
        // else straight on to the next unit, in this same poll
    }
}

static void hog_drop(struct wta_future *base)
{
    wta_future_drop(((struct hog *)base)->yield);
    free(base);
}

static int ping_poll(struct wta_future *base, struct wta_context *cx, intptr_t *out)
{
    (void)base, (void)cx;
    *out = atomic_load(&units);
    wta_note("ping finally runs: the hog has done %ld of its %d units", (long)*out, UNITS);
    return WTA_READY;
}

static void ping_drop(struct wta_future *base) { free(base); }

static const struct wta_future_vt hog_vt = {"hog", hog_poll, hog_drop};
static const struct wta_future_vt ping_vt = {"ping", ping_poll, ping_drop};

/*
 * The starter runs on the worker and spawns the hog, then ping: both wait in
 * that worker's own queue, hog first, before it looks for work again. (Had
 * main spawned them, the worker could start the hog before ping was queued,
 * and then the hog's yields, kept in the worker's own queue, would run
 * before ping, waiting in the shared one.)
 */
static struct wta_future *hog, *ping;   /* their JoinHandles, for main */

static int starter_poll(struct wta_future *base, struct wta_context *cx, intptr_t *out)
{
    (void)base, (void)cx;
    hog = wta_spawn(lesson_future(sizeof(struct hog), &hog_vt));
    ping = wta_spawn(lesson_future(sizeof(struct wta_future), &ping_vt));
    *out = 0;
    return WTA_READY;
}

static const struct wta_future_vt starter_vt = {"starter", starter_poll, ping_drop};

int main(int argc, char **argv)
{
    struct wta_config cfg;
    yielding = lesson_start(&lesson, argc, argv, &cfg);
    struct wta_runtime *rt = lesson_runtime(&lesson, &cfg);

    // Both queued before the worker looks: the hog first, ping right behind it.
    wta_runtime_note(rt, "? hog (20 ms of work) and ping are queued, hog first. After how "
                         "much of the hog's work does ping run?");
    struct wta_future *starter = wta_runtime_spawn(rt, lesson_future(sizeof(struct wta_future),
                                                                     &starter_vt));
    int rc = wta_block_on(rt, starter, NULL);
    intptr_t seen = -1;
    if (rc == 0)
        rc = wta_block_on(rt, ping, &seen);
    else
        wta_future_drop(ping);
    if (rc == 0)
        rc = wta_block_on(rt, hog, NULL);
    else
        wta_future_drop(hog);

    wta_runtime_free(rt);
    return lesson_expect(&lesson, "units of hog work done before ping ran",
                         rc == 0 ? (long)seen : rc, yielding ? 1 : UNITS);
}

/*
 * Lesson 14 - W5: a reactor driven only by block_on.
 *
 * Main spawns task "alarm", which sleeps 1 ms, and then keeps the main
 * thread busy for 50 ms inside its own poll (a long computation). In the
 * original wta only block_on turns the reactor, between polls of the main
 * future, every 100 us: while main is busy nobody fires the alarm's timer,
 * and once main waits, block_on spins. With --fixed the idle worker waits
 * in epoll until the deadline and fires the timer on time, while main is
 * still busy. Read main() first.
 *
 * The time a poll spends computing or blocking is counted on the virtual
 * clock (lesson_spin_ms, lesson_block_ms: wta_spent_ns), so the lesson runs
 * in deterministic mode like the others.
 */
#include <errno.h>
#include <stdatomic.h>
#include <stdlib.h>

#include "lesson.h"

static const struct lesson lesson = {
    .name = "14-w5-reactor-in-block-on",
    .title = "W5: a reactor driven only by block_on (stall, spin)",
    .seed = 1,
    .workers = 1,
    .alt = "fixed",
};

static atomic_bool alarm_rang;   /* set by the alarm task when its sleep is over */

struct napper {
    struct wta_future base;
    int step;
    struct wta_future *op;   /* alarm: its sleep; main: the alarm's JoinHandle */
};

static int alarm_poll(struct wta_future *base, struct wta_context *cx, intptr_t *out)
{
    struct napper *self = (struct napper *)base;
    switch (self->step) {
    case 0:   // arm a 1 ms timer
        self->op = wta_sleep(1000 * 1000);
        self->step = 1;
        /* fall through */
    case 1:
        if (wta_poll(self->op, cx, NULL) == WTA_PENDING)
            return WTA_PENDING;   // whoever turns the reactor fires the timer and wakes us
        atomic_store(&alarm_rang, true);
        wta_note("the alarm's timer fired: look at its late_ns");
        *out = 0;
        return WTA_READY;
    }
    return -EINVAL;
}

static void napper_drop(struct wta_future *base)
{
    wta_future_drop(((struct napper *)base)->op);
    free(base);
}

static const struct wta_future_vt alarm_vt = {"alarm", alarm_poll, napper_drop};

static int busy_main_poll(struct wta_future *base, struct wta_context *cx, intptr_t *out)
{
    struct napper *self = (struct napper *)base;
    switch (self->step) {
    case 0:   // spawn the alarm, then compute for 50 ms without returning
        self->op = wta_spawn(lesson_future(sizeof(struct napper), &alarm_vt));
        wta_note("? main spawned a 1 ms alarm and now computes for 50 ms inside its poll. "
                 "Who fires the alarm's timer, and when?");
        lesson_spin_ms(50);
        *out = atomic_load(&alarm_rang);
        wta_note("main is done computing: the alarm %s rung meanwhile",
                 *out ? "has" : "has NOT");
        self->step = 1;
        /* fall through */
    case 1:   // wait for the alarm task
        if (wta_poll(self->op, cx, NULL) == WTA_PENDING)
            return WTA_PENDING;   // the alarm's JoinHandle wakes us
        return WTA_READY;
    }
    return -EINVAL;
}

static const struct wta_future_vt busy_main_vt = {"busy_main", busy_main_poll, napper_drop};

int main(int argc, char **argv)
{
    struct wta_config cfg;
    bool fixed = lesson_start(&lesson, argc, argv, &cfg);

    // The bug run: workers never wait in epoll; only block_on turns the reactor.
    if (!fixed)
        cfg.bugs = WTA_BUG_W5;
    struct wta_runtime *rt = lesson_runtime(&lesson, &cfg);

    intptr_t rang_while_busy = 0;
    int rc = wta_block_on(rt, lesson_future(sizeof(struct napper), &busy_main_vt),
                          &rang_while_busy);

    wta_runtime_free(rt);
    return lesson_expect(&lesson, "the alarm rang while main was busy (1 yes, 0 no)",
                         rc == 0 ? (long)rang_while_busy : rc, fixed ? 1 : 0);
}

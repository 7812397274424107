/*
 * Lesson 16 - two schedulers side by side.
 *
 * The same program on two workers, twice. Task "fanout" spawns 8 leaves
 * and awaits them all; each leaf works 1 ms, yields once and returns its
 * number.
 *   default (per-worker queues): what a worker spawns and wakes goes into
 *     its own queue; an idle worker steals the older half of it.
 *   --global (wta's original): every spawn and every wake goes through one
 *     FIFO under one lock, and wakes a sleeping worker.
 * Compare the queue names, the steals and the unparks. Read main() first.
 */
#include <errno.h>
#include <stdlib.h>

#include "lesson.h"

static const struct lesson lesson = {
    .name = "16-two-schedulers",
    .title = "two schedulers side by side: per-worker queues vs one global FIFO",
    .seed = 1,
    .workers = 2,
    .alt = "global",
};

#define LEAVES 8

struct leaf {
    struct wta_future base;
    int step;
    intptr_t n;
    struct wta_future *yield;
};

static int leaf_poll(struct wta_future *base, struct wta_context *cx, intptr_t *out)
{
    struct leaf *self = (struct leaf *)base;
    switch (self->step) {
    case 0:   // 1 ms of work, then yield once: back of the queue (whose queue?)
        lesson_spin_ms(1);
        self->yield = wta_yield_now();
        self->step = 1;
        /* fall through */
    case 1:
        if (wta_poll(self->yield, cx, NULL) == WTA_PENDING)
            return WTA_PENDING;   // we woke ourselves: re-queued after this poll
        *out = self->n;
        return WTA_READY;
    }
    return -EINVAL;
}

static void leaf_drop(struct wta_future *base)
{
    wta_future_drop(((struct leaf *)base)->yield);
    free(base);
}

static const struct wta_future_vt leaf_vt = {"leaf", leaf_poll, leaf_drop};

struct fanout {
    struct wta_future base;
    int step;
    struct wta_future *all;
    intptr_t outs[LEAVES];
};

static int fanout_poll(struct wta_future *base, struct wta_context *cx, intptr_t *out)
{
    struct fanout *self = (struct fanout *)base;
    switch (self->step) {
    case 0: {   // spawn the leaves from inside a task, on a worker
        struct wta_future *h[LEAVES];
        for (int i = 0; i < LEAVES; i++) {
            struct leaf *l = lesson_future(sizeof *l, &leaf_vt);
            l->n = i;
            h[i] = wta_spawn_named(&l->base, "leaf");
        }
        wta_note("? fanout spawned %d leaves from a worker. Which queue are they in, and "
                 "how does the other worker get any?", LEAVES);
        self->all = wta_join_all(h, LEAVES, NULL, self->outs);
        self->step = 1;
    }   /* fall through */
    case 1:   // await them all
        if (wta_poll(self->all, cx, NULL) == WTA_PENDING)
            return WTA_PENDING;   // each leaf's JoinHandle holds our waker
        *out = 0;
        for (int i = 0; i < LEAVES; i++)
            *out += self->outs[i];
        wta_note("all leaves are done: sum %ld", (long)*out);
        return WTA_READY;
    }
    return -EINVAL;
}

static void fanout_drop(struct wta_future *base)
{
    wta_future_drop(((struct fanout *)base)->all);
    free(base);
}

static const struct wta_future_vt fanout_vt = {"fanout", fanout_poll, fanout_drop};

int main(int argc, char **argv)
{
    struct wta_config cfg;
    if (lesson_start(&lesson, argc, argv, &cfg))
        cfg.scheduler = WTA_SCHED_GLOBAL;   // the only difference between the two runs
    struct wta_runtime *rt = lesson_runtime(&lesson, &cfg);

    struct wta_future *fanout =
        wta_runtime_spawn(rt, lesson_future(sizeof(struct fanout), &fanout_vt));
    intptr_t sum = 0;
    int rc = wta_block_on(rt, fanout, &sum);

    wta_runtime_free(rt);
    return lesson_expect(&lesson, "the sum of the leaves 0..7", rc == 0 ? (long)sum : rc, 28);
}

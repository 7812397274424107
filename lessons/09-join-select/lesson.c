/*
 * Lesson 09 - join_all and select.
 *
 * Two combinators, both futures that poll other futures with the same
 * waker. First join_all waits for three sleeps (10, 20, 30 ms): it is done
 * when the slowest is. Then select races a 10 ms sleep against a 500 ms
 * one: the first to finish wins, and the loser is dropped at once, which
 * cancels its timer. Everything runs in the main future. Read main() first.
 */
#include <errno.h>
#include <stdlib.h>

#include "lesson.h"

static const struct lesson lesson = {
    .name = "09-join-select",
    .title = "join_all and select",
    .seed = 1,
    .workers = 1,
};

#define MS (1000 * 1000)

struct both {
    struct wta_future base;
    int step;
    struct wta_future *all, *race;
    size_t winner;
};

static int both_poll(struct wta_future *base, struct wta_context *cx, intptr_t *out)
{
    struct both *self = (struct both *)base;
    intptr_t v;
    int rc;
    switch (self->step) {
    case 0: {   // three sleeps, all at once
        struct wta_future *naps[3] = {wta_sleep(10 * MS), wta_sleep(20 * MS), wta_sleep(30 * MS)};
        self->all = wta_join_all(naps, 3, NULL, NULL);
        wta_note("? join_all of 10, 20 and 30 ms sleeps: how many times is main polled "
                 "before it is done, and after how long?");
        self->step = 1;
    }   /* fall through */
    case 1:   // wait for all three
        if ((rc = wta_poll(self->all, cx, &v)) == WTA_PENDING)
            return WTA_PENDING;   // each unfinished sleep holds our waker
        wta_future_drop(self->all);
        self->all = NULL;
        wta_note("join_all is done: all %ld sleeps finished", (long)v);
        struct wta_future *racers[2] = {wta_sleep(500 * MS), wta_sleep(10 * MS)};
        self->race = wta_select(racers, 2, &self->winner);
        wta_note("? select races a 500 ms sleep against a 10 ms one. What happens to the "
                 "500 ms timer when the 10 ms one wins?");
        self->step = 2;
        /* fall through */
    case 2:   // wait for the first
        if ((rc = wta_poll(self->race, cx, &v)) == WTA_PENDING)
            return WTA_PENDING;   // both sleeps hold our waker; the first to fire wins
        wta_note("select is done: racer %zu won, and the loser was dropped",
                 self->winner);
        *out = (intptr_t)self->winner;
        return rc;
    }
    return -EINVAL;
}

static void both_drop(struct wta_future *base)
{
    struct both *self = (struct both *)base;
    wta_future_drop(self->all);
    wta_future_drop(self->race);
    free(self);
}

static const struct wta_future_vt both_vt = {"join_then_select", both_poll, both_drop};

int main(int argc, char **argv)
{
    struct wta_config cfg;
    lesson_start(&lesson, argc, argv, &cfg);
    struct wta_runtime *rt = lesson_runtime(&lesson, &cfg);

    // The output is select's winner: the index of the 10 ms racer.
    intptr_t winner = -1;
    int rc = wta_block_on(rt, lesson_future(sizeof(struct both), &both_vt), &winner);

    wta_runtime_free(rt);
    return lesson_expect(&lesson, "select's winner (0: 500 ms, 1: 10 ms)",
                         rc == 0 ? (long)winner : rc, 1);
}

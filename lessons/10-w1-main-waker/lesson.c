/*
 * Lesson 10 - W1: the MainWaker's lost wakeup, and the fix.
 *
 * The main future yields once: yield_now wakes the main future's own waker
 * (the MainWaker) *during* the poll, then returns Pending, so block_on
 * should poll again at once. The original wta clears the `ready` flag
 * after the poll, erasing that wake: block_on waits for a wake that
 * already happened. With --fixed the flag is cleared before the poll.
 * Read main() first.
 */
#include <errno.h>
#include <stdlib.h>

#include "lesson.h"

static const struct lesson lesson = {
    .name = "10-w1-main-waker",
    .title = "W1: the MainWaker's lost wakeup, and the fix",
    .seed = 1,
    .workers = 1,
    .alt = "fixed",
};

/* ---- the main future: yield once, then finish with 1 */

struct yield_once {
    struct wta_future base;
    int step;
    struct wta_future *yield;
};

static int yield_once_poll(struct wta_future *base, struct wta_context *cx, intptr_t *out)
{
    struct yield_once *self = (struct yield_once *)base;
    switch (self->step) {
    case 0:   // yield: wake ourselves, then return Pending
        wta_note("main yields: yield_now calls the MainWaker now, during this poll");
        self->yield = wta_yield_now();
        self->step = 1;
        /* fall through */
    case 1:
        if (wta_poll(self->yield, cx, NULL) == WTA_PENDING) {
            wta_note("? the ready flag went up during this poll. Will block_on poll main "
                     "again, or wait forever?");
            return WTA_PENDING;   // we woke ourselves already: the flag is set
        }
        wta_note("main was polled again: the wake survived the poll");
        *out = 1;
        return WTA_READY;
    }
    return -EINVAL;
}

static void yield_once_drop(struct wta_future *base)
{
    wta_future_drop(((struct yield_once *)base)->yield);
    free(base);
}

static const struct wta_future_vt yield_once_vt = {"yield_once", yield_once_poll,
                                                   yield_once_drop};

int main(int argc, char **argv)
{
    struct wta_config cfg;
    bool fixed = lesson_start(&lesson, argc, argv, &cfg);

    // The bug run switches the original's order back on: poll, then clear.
    if (!fixed)
        cfg.bugs = WTA_BUG_W1;
    struct wta_runtime *rt = lesson_runtime(&lesson, &cfg);

    // With W1, nothing will ever set the flag again. block_on sees that
    // every worker is parked and nothing is pending, and returns -EDEADLK
    // (the trace says `hang`) rather than sleeping forever.
    intptr_t out = 0;
    int rc = wta_block_on(rt, lesson_future(sizeof(struct yield_once), &yield_once_vt), &out);
    if (rc == -EDEADLK)
        wta_runtime_note(rt, "block_on gave up (-EDEADLK): main.flag after the poll erased the "
                             "yield's wake, and nothing else will ever set the flag");

    wta_runtime_free(rt);
    return lesson_expect(&lesson, "block_on's result (0, or -35 = -EDEADLK: a hang)", rc,
                         fixed ? 0 : -EDEADLK);
}

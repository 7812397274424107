/*
 * Lesson 05 - the task state machine: IDLE, SCHEDULED, RUNNING, NOTIFIED, DONE.
 *
 * One task, "walker", takes every arrow of the state diagram once:
 *   poll 1: wakes itself twice while RUNNING (the first wake makes it
 *           NOTIFIED, the second finds it already scheduled), so the
 *           worker re-queues it when the poll returns;
 *   poll 2: starts a 1 ms sleep and returns Pending: IDLE, in no queue;
 *           the timer's wake makes it SCHEDULED again;
 *   poll 3: done: DONE, and its output goes into its JoinHandle.
 * Read main() first.
 */
#include <errno.h>
#include <stdlib.h>

#include "lesson.h"

static const struct lesson lesson = {
    .name = "05-task-states",
    .title = "the task state machine: IDLE, SCHEDULED, RUNNING, NOTIFIED, DONE",
    .seed = 1,
    .workers = 1,
};

struct walker {
    struct wta_future base;
    int step;
    struct wta_future *nap;
};

static int walker_poll(struct wta_future *base, struct wta_context *cx, intptr_t *out)
{
    struct walker *self = (struct walker *)base;
    switch (self->step) {
    case 0:   // RUNNING: wake ourselves, twice
        wta_note("? walker is RUNNING and wakes itself. It cannot be pushed while it runs: "
                 "what does the wake do instead?");
        wta_waker_wake_by_ref(cx->waker);
        wta_note("a second wake, while NOTIFIED: is the task queued twice?");
        wta_waker_wake_by_ref(cx->waker);
        self->step = 1;
        return WTA_PENDING;   // we woke ourselves: the worker re-queues us after this poll
    case 1:   // polled again: now wait for a timer
        self->nap = wta_sleep(1000 * 1000);
        self->step = 2;
        /* fall through */
    case 2:
        if (wta_poll(self->nap, cx, NULL) == WTA_PENDING) {
            wta_note("? walker returns Pending and nobody has woken it. Which state now, and "
                     "is it in any queue?");
            return WTA_PENDING;   // the nap's timer holds a clone of our waker
        }
        wta_note("the timer's wake made walker SCHEDULED; this third poll finishes it: DONE");
        *out = 3;
        return WTA_READY;
    }
    return -EINVAL;
}

static void walker_drop(struct wta_future *base)
{
    wta_future_drop(((struct walker *)base)->nap);
    free(base);
}

static const struct wta_future_vt walker_vt = {"walker", walker_poll, walker_drop};

int main(int argc, char **argv)
{
    struct wta_config cfg;
    lesson_start(&lesson, argc, argv, &cfg);
    struct wta_runtime *rt = lesson_runtime(&lesson, &cfg);

    // Spawned from outside: SCHEDULED from birth, in the global queue.
    struct wta_future *handle =
        wta_runtime_spawn(rt, lesson_future(sizeof(struct walker), &walker_vt));
    intptr_t polls = 0;
    int rc = wta_block_on(rt, handle, &polls);

    wta_runtime_free(rt);
    return lesson_expect(&lesson, "walker's polls", rc == 0 ? (long)polls : rc, 3);
}

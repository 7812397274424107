/*
 * Lesson 11 - W2: a task woken while it is running, and NOTIFIED.
 *
 * Task "watched" hands a clone of its waker to a helper thread outside the
 * runtime (think of a C library's callback thread) and, before its poll
 * returns, that thread calls the waker: the wake arrives while the task is
 * RUNNING. The original wta's task slot is empty during a poll, so the wake
 * finds nothing to push and is lost: the task is never polled again, and
 * as the helper consumed the only waker, nothing holds the task any more:
 * the original frees it, and its JoinHandle reports -ECANCELED. With
 * --fixed the wake marks the task NOTIFIED and the worker re-queues it
 * after the poll. The helper is joined inside the poll, so the wake always
 * lands in the window; no luck involved. Read main() first.
 *
 * Real mode (seed 0): the helper is a thread the runtime did not start,
 * which deterministic mode does not step. demo/races.c (w2) has the same
 * race between two tasks, for `wta-trace explore` to find by seed.
 */
#include <errno.h>
#include <pthread.h>
#include <stdlib.h>

#include "lesson.h"

static const struct lesson lesson = {
    .name = "11-w2-woken-while-running",
    .title = "W2: woken while running, and NOTIFIED",
    .seed = 0,
    .workers = 1,
    .alt = "fixed",
};

/* The helper thread: calls the waker it was given (consuming it). */
static void *helper(void *waker)
{
    wta_waker_wake(waker);
    return NULL;
}

struct watched {
    struct wta_future base;
    int step;
    struct wta_waker clone;
};

static int watched_poll(struct wta_future *base, struct wta_context *cx, intptr_t *out)
{
    struct watched *self = (struct watched *)base;
    pthread_t th;
    switch (self->step) {
    case 0:   // give a clone to the helper, which wakes us before this poll ends
        self->clone = wta_waker_clone(cx->waker);
        wta_note("? a helper thread calls our waker while this poll is still running. "
                 "Will the task be polled again?");
        self->step = 1;
        if (pthread_create(&th, NULL, helper, &self->clone) != 0)
            return -EAGAIN;
        pthread_join(th, NULL);   // the wake has happened: we are still RUNNING
        return WTA_PENDING;   // the helper already woke us (if the runtime kept that wake)
    case 1:   // polled again: the wake was kept
        wta_note("watched was polled again: the wake that came during its poll was kept");
        *out = 2;
        return WTA_READY;
    }
    return -EINVAL;
}

static void watched_drop(struct wta_future *base)
{
    free(base);
}

static const struct wta_future_vt watched_vt = {"watched", watched_poll, watched_drop};

int main(int argc, char **argv)
{
    struct wta_config cfg;
    bool fixed = lesson_start(&lesson, argc, argv, &cfg);

    // The bug run brings back the original's empty slot during a poll.
    if (!fixed)
        cfg.bugs = WTA_BUG_W2;
    // The helper is a thread the runtime does not know; once its wake is
    // lost and its clone dropped, no waker is left: the task is freed.
    struct wta_runtime *rt = lesson_runtime(&lesson, &cfg);

    struct wta_future *handle =
        wta_runtime_spawn(rt, lesson_future(sizeof(struct watched), &watched_vt));
    intptr_t polls = 0;
    int rc = wta_block_on(rt, handle, &polls);

    wta_runtime_free(rt);
    return lesson_expect(&lesson, "block_on's result (0, or -125 = -ECANCELED: the task was freed)",
                         rc, fixed ? 0 : -ECANCELED);
}

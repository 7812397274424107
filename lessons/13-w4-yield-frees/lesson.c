/*
 * Lesson 13 - W4: the yield that frees the task.
 *
 * Task "polite" does some work in three parts and yields between them
 * (wta_yield_now: wake yourself, return Pending, go to the back of the
 * queue). In the original wta the self-wake during the poll finds the
 * task's slot empty and is dropped; the task then has no waker left, and
 * the original frees it: its JoinHandle reports -ECANCELED, a
 * cancellation nobody asked for. With --fixed the yield re-queues the
 * task and it finishes. Read main() first.
 */
#include <errno.h>
#include <stdlib.h>

#include "lesson.h"

static const struct lesson lesson = {
    .name = "13-w4-yield-frees",
    .title = "W4: the yield that frees the task",
    .seed = 1,
    .workers = 1,
    .alt = "fixed",
};

struct polite {
    struct wta_future base;
    int step, parts;
    struct wta_future *yield;
};

static int polite_poll(struct wta_future *base, struct wta_context *cx, intptr_t *out)
{
    struct polite *self = (struct polite *)base;
    for (;;) {
        switch (self->step) {
        case 0:   // a part of the work, then yield (or finish after the third)
            if (++self->parts == 3) {
                wta_note("polite did all three parts and finishes");
                *out = self->parts;
                return WTA_READY;
            }
            if (self->parts == 1)
                wta_note("? polite yields: it wakes itself and returns Pending. What happens "
                         "to a task whose only wake came during its own poll?");
            self->yield = wta_yield_now();
            self->step = 1;
            /* fall through */
        case 1:   // the yield: Pending once, Ready when we are polled again
            if (wta_poll(self->yield, cx, NULL) == WTA_PENDING)
                return WTA_PENDING;   // we woke ourselves: back of the queue
            wta_future_drop(self->yield);
            self->yield = NULL;
            self->step = 0;
            break;
        }
    }
}

static void polite_drop(struct wta_future *base)
{
    wta_future_drop(((struct polite *)base)->yield);
    free(base);
}

static const struct wta_future_vt polite_vt = {"polite", polite_poll, polite_drop};

int main(int argc, char **argv)
{
    struct wta_config cfg;
    bool fixed = lesson_start(&lesson, argc, argv, &cfg);

    // The bug run brings back the original's lost self-wake and the free after it.
    if (!fixed)
        cfg.bugs = WTA_BUG_W4;
    struct wta_runtime *rt = lesson_runtime(&lesson, &cfg);

    struct wta_future *handle =
        wta_runtime_spawn(rt, lesson_future(sizeof(struct polite), &polite_vt));
    intptr_t parts = 0;
    int rc = wta_block_on(rt, handle, &parts);
    if (rc == -ECANCELED)
        wta_runtime_note(rt, "the JoinHandle says -ECANCELED: the yield's wake was lost, so the "
                             "runtime freed the task after its first poll");

    wta_runtime_free(rt);
    return lesson_expect(&lesson, "the JoinHandle's result (0, or -125 = -ECANCELED)", rc,
                         fixed ? 0 : -ECANCELED);
}

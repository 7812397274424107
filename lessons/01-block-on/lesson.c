/*
 * Lesson 01 - block_on and the MainWaker.
 *
 * The main thread hands one future to wta_block_on. The future starts a
 * 2 ms timer and returns Pending, so block_on waits. The timer fires on the
 * worker that waits in the reactor; firing calls the MainWaker, which sets
 * block_on's `ready` flag; block_on clears the flag, polls again, and this
 * time the future is done. Read main() first.
 */
#include <errno.h>
#include <stdlib.h>

#include "lesson.h"

static const struct lesson lesson = {
    .name = "01-block-on",
    .title = "block_on and the MainWaker",
    .seed = 1,
    .workers = 1,
};

/* ---- the main future: nap 2 ms, then answer 42 */

struct nap {
    struct wta_future base;
    int step;
    struct wta_future *sleep;
};

static int nap_poll(struct wta_future *base, struct wta_context *cx, intptr_t *out)
{
    struct nap *self = (struct nap *)base;
    switch (self->step) {
    case 0:   // first poll: arm a timer 2 ms from now
        wta_note("block_on polls the main future for the first time: it starts a 2 ms sleep");
        self->sleep = wta_sleep(2 * 1000 * 1000);
        self->step = 1;
        /* fall through */
    case 1:   // is the sleep done?
        if (wta_poll(self->sleep, cx, NULL) == WTA_PENDING) {
            wta_note("? the sleep is not due, so this poll returns Pending. Who will set "
                     "the MainWaker's ready flag, and on which thread?");
            return WTA_PENDING;   // the sleep gave our MainWaker to its timer: the fire wakes us
        }
        wta_note("the timer fired on w0 and called the MainWaker: block_on cleared the flag "
                 "and polled again, and the sleep is done");
        *out = 42;
        return WTA_READY;
    }
    return -EINVAL;
}

static void nap_drop(struct wta_future *base)
{
    wta_future_drop(((struct nap *)base)->sleep);
    free(base);
}

static const struct wta_future_vt nap_vt = {"nap", nap_poll, nap_drop};

int main(int argc, char **argv)
{
    struct wta_config cfg;
    lesson_start(&lesson, argc, argv, &cfg);

    // One worker: it has nothing to run, so it parks in the reactor (epoll)
    // and will be the thread that fires the timer.
    struct wta_runtime *rt = lesson_runtime(&lesson, &cfg);

    // The main thread polls the future itself, with a MainWaker, until it
    // is ready. Between polls it sleeps until the MainWaker is called.
    intptr_t answer = 0;
    int rc = wta_block_on(rt, lesson_future(sizeof(struct nap), &nap_vt), &answer);

    wta_runtime_free(rt);
    return lesson_expect(&lesson, "block_on's output", rc == 0 ? (long)answer : rc, 42);
}

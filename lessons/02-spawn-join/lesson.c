/*
 * Lesson 02 - spawn and the oneshot JoinHandle.
 *
 * The main future spawns one task, "square", and awaits its JoinHandle.
 * The task naps 1 ms (so main gets to wait for it), then returns 7 * 7.
 * Its output travels through a oneshot channel: the task's end *sends*
 * 49, and the JoinHandle is the oneshot's receiving side, a future like any
 * other. Read main() first, then the two futures.
 */
#include <errno.h>
#include <stdlib.h>

#include "lesson.h"

static const struct lesson lesson = {
    .name = "02-spawn-join",
    .title = "spawn and the oneshot JoinHandle",
    .seed = 1,
    .workers = 1,
};

/* ---- the task: nap 1 ms, then return n * n */

struct square {
    struct wta_future base;
    int step;
    intptr_t n;
    struct wta_future *nap;
};

static int square_poll(struct wta_future *base, struct wta_context *cx, intptr_t *out)
{
    struct square *self = (struct square *)base;
    switch (self->step) {
    case 0:   // first poll, on a worker: start the nap
        wta_note("w0 polls task 'square' for the first time: it naps 1 ms");
        self->nap = wta_sleep(1000 * 1000);
        self->step = 1;
        /* fall through */
    case 1:   // napping
        if (wta_poll(self->nap, cx, NULL) == WTA_PENDING)
            return WTA_PENDING;   // the nap's timer holds our waker
        wta_note("square returns %ld: the worker sends it into the JoinHandle", (long)(self->n * self->n));
        *out = self->n * self->n;
        return WTA_READY;
    }
    return -EINVAL;
}

static void square_drop(struct wta_future *base)
{
    wta_future_drop(((struct square *)base)->nap);
    free(base);
}

static const struct wta_future_vt square_vt = {"square", square_poll, square_drop};

/* ---- the main future: spawn, then await the JoinHandle */

struct spawner {
    struct wta_future base;
    int step;
    struct wta_future *handle;   /* the JoinHandle: a future for the task's output */
};

static int spawner_poll(struct wta_future *base, struct wta_context *cx, intptr_t *out)
{
    struct spawner *self = (struct spawner *)base;
    switch (self->step) {
    case 0: {   // spawn: the task goes on the run queue; we get its handle at once
        struct square *sq = lesson_future(sizeof *sq, &square_vt);
        sq->n = 7;
        self->handle = wta_spawn_named(&sq->base, "square");
        wta_note("main spawned 'square': the task is queued, not run. wta_spawn returned "
                 "its JoinHandle at once");
        self->step = 1;
    }   /* fall through */
    case 1: {   // await the handle
        int rc = wta_poll(self->handle, cx, out);
        if (rc == WTA_PENDING) {
            wta_note("? the JoinHandle is Pending. When square finishes on w0, where does its "
                     "49 go, and who wakes main?");
            return WTA_PENDING;   // the handle stored our MainWaker: the task's end wakes us
        }
        wta_note("main's poll of the JoinHandle took the output: %ld", (long)*out);
        return rc;
    }
    }
    return -EINVAL;
}

static void spawner_drop(struct wta_future *base)
{
    wta_future_drop(((struct spawner *)base)->handle);
    free(base);
}

static const struct wta_future_vt spawner_vt = {"spawner", spawner_poll, spawner_drop};

int main(int argc, char **argv)
{
    struct wta_config cfg;
    lesson_start(&lesson, argc, argv, &cfg);
    struct wta_runtime *rt = lesson_runtime(&lesson, &cfg);

    // main polls the spawner; the spawned task runs on the one worker, w0.
    intptr_t out = 0;
    int rc = wta_block_on(rt, lesson_future(sizeof(struct spawner), &spawner_vt), &out);

    wta_runtime_free(rt);
    return lesson_expect(&lesson, "the task's output, through its JoinHandle",
                         rc == 0 ? (long)out : rc, 49);
}

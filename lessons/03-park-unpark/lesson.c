/*
 * Lesson 03 - workers park and unpark.
 *
 * Two workers start with nothing to do, so both go to sleep ("park"): the
 * first in the reactor (epoll), the second on its condvar. The main future
 * then spawns one task: the push wakes one sleeper ("unpark"), which pops
 * and polls the task and parks again. After a pause, main spawns two tasks
 * at once: how many sleepers does that wake? Read main() first.
 */
#include <errno.h>
#include <stdlib.h>

#include "lesson.h"

static const struct lesson lesson = {
    .name = "03-park-unpark",
    .title = "workers park and unpark",
    .seed = 1,
    .workers = 2,
};

/* ---- a task with nothing to wait for: ready on its first poll */

static int job_poll(struct wta_future *base, struct wta_context *cx, intptr_t *out)
{
    (void)base, (void)cx;
    *out = 1;
    return WTA_READY;
}

static void job_drop(struct wta_future *base) { free(base); }

static const struct wta_future_vt job_vt = {"job", job_poll, job_drop};

/* ---- the main future: one spawn, a pause, then two spawns */

struct boss {
    struct wta_future base;
    int step;
    struct wta_future *handle[3], *pause;
    intptr_t done;
};

/* Awaits handles [from, to): Pending until all are in, adding their outputs. */
static int await_jobs(struct boss *self, int from, int to, struct wta_context *cx)
{
    for (int i = from; i < to; i++) {
        intptr_t v;
        if (self->handle[i] == NULL)
            continue;
        if (wta_poll(self->handle[i], cx, &v) == WTA_PENDING)
            return WTA_PENDING;   // that job's end wakes us (join)
        wta_future_drop(self->handle[i]);
        self->handle[i] = NULL;
        self->done += v;
    }
    return WTA_READY;
}

static int boss_poll(struct wta_future *base, struct wta_context *cx, intptr_t *out)
{
    struct boss *self = (struct boss *)base;
    switch (self->step) {
    case 0:   // both workers are asleep by now (or about to be): spawn one job
        wta_note("? main spawns one job while both workers sleep. How many wake up?");
        self->handle[0] = wta_spawn(lesson_future(sizeof(struct wta_future), &job_vt));
        self->step = 1;
        /* fall through */
    case 1:   // wait for it
        if (await_jobs(self, 0, 1, cx) == WTA_PENDING)
            return WTA_PENDING;   // the job's JoinHandle wakes us
        self->pause = wta_sleep(2 * 1000 * 1000);
        self->step = 2;
        /* fall through */
    case 2:   // a pause, so that both workers park again
        if (wta_poll(self->pause, cx, NULL) == WTA_PENDING)
            return WTA_PENDING;   // the pause's timer wakes us
        wta_note("? now main spawns two jobs back to back. How many unparks this time?");
        self->handle[1] = wta_spawn(lesson_future(sizeof(struct wta_future), &job_vt));
        self->handle[2] = wta_spawn(lesson_future(sizeof(struct wta_future), &job_vt));
        self->step = 3;
        /* fall through */
    case 3:   // wait for both
        if (await_jobs(self, 1, 3, cx) == WTA_PENDING)
            return WTA_PENDING;   // each job's JoinHandle wakes us
        wta_note("all three jobs ran; both workers park again");
        *out = self->done;
        return WTA_READY;
    }
    return -EINVAL;
}

static void boss_drop(struct wta_future *base)
{
    struct boss *self = (struct boss *)base;
    for (int i = 0; i < 3; i++)
        wta_future_drop(self->handle[i]);
    wta_future_drop(self->pause);
    free(self);
}

static const struct wta_future_vt boss_vt = {"boss", boss_poll, boss_drop};

int main(int argc, char **argv)
{
    struct wta_config cfg;
    lesson_start(&lesson, argc, argv, &cfg);
    struct wta_runtime *rt = lesson_runtime(&lesson, &cfg);

    intptr_t jobs = 0;
    int rc = wta_block_on(rt, lesson_future(sizeof(struct boss), &boss_vt), &jobs);

    wta_runtime_free(rt);
    return lesson_expect(&lesson, "jobs that ran", rc == 0 ? (long)jobs : rc, 3);
}

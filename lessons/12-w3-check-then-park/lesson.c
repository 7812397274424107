/*
 * Lesson 12 - W3: the check-then-park race.
 *
 * One worker finds the run queue empty and goes to sleep. The original
 * wta looks at the queue, lets go of its lock, and only then registers as
 * a sleeper. Main spawns a task exactly in that gap: the push looks for a
 * sleeper, finds none (the worker has not registered yet), and wakes
 * nobody; then the worker registers and sleeps, with a task in the queue.
 * The runtime's hook w3_before_sleep holds the gap open, so it happens
 * every time. With --fixed the worker registers first and looks again.
 *
 * Real mode (seed 0): the hook stages the gap with two POSIX semaphores,
 * which deterministic mode does not step. `wta-trace explore` finds the
 * same race with no hook: see demo/races.c (w3).
 */
#include <errno.h>
#include <semaphore.h>
#include <stdlib.h>

#include "lesson.h"

static const struct lesson lesson = {
    .name = "12-w3-check-then-park",
    .title = "W3: the check-then-park race",
    .seed = 0,
    .workers = 1,
    .alt = "fixed",
};

static sem_t in_gap, pushed;   /* the worker is in the gap; main has pushed */

/* The hook (bug run only): the worker found the queue empty, is not yet a sleeper. */
static void hold_gap_open(void *arg, int worker)
{
    static int calls;
    (void)arg, (void)worker;
    if (calls++ > 0)
        return;   // only the first time: that is the gap we stage
    sem_post(&in_gap);
    sem_wait(&pushed);
}

static int job_poll(struct wta_future *base, struct wta_context *cx, intptr_t *out)
{
    (void)base, (void)cx;
    *out = 1;
    return WTA_READY;
}

static void job_drop(struct wta_future *base) { free(base); }

static const struct wta_future_vt job_vt = {"job", job_poll, job_drop};

/* ---- main: spawn one job into the gap, await it */

struct spawner {
    struct wta_future base;
    int step;
    bool staged;   /* bug run: wait for the gap first */
    struct wta_future *job;
};

static int spawner_poll(struct wta_future *base, struct wta_context *cx, intptr_t *out)
{
    struct spawner *self = (struct spawner *)base;
    switch (self->step) {
    case 0:   // spawn: in the bug run, exactly while the worker is in its gap
        if (self->staged)
            sem_wait(&in_gap);
        wta_note("? w0 saw an empty queue and is about to sleep. main pushes a job now: "
                 "will w0 run it?");
        self->job = wta_spawn(lesson_future(sizeof(struct wta_future), &job_vt));
        if (self->staged)
            sem_post(&pushed);
        self->step = 1;
        /* fall through */
    case 1:   // await the job
        if (wta_poll(self->job, cx, out) == WTA_PENDING)
            return WTA_PENDING;   // the job's end wakes us, if a worker ever runs it
        wta_note("w0 ran the job: the push found it registered, or it looked again");
        return WTA_READY;
    }
    return -EINVAL;
}

static void spawner_drop(struct wta_future *base)
{
    wta_future_drop(((struct spawner *)base)->job);
    free(base);
}

static const struct wta_future_vt spawner_vt = {"spawner", spawner_poll, spawner_drop};

int main(int argc, char **argv)
{
    struct wta_config cfg;
    bool fixed = lesson_start(&lesson, argc, argv, &cfg);
    sem_init(&in_gap, 0, 0);
    sem_init(&pushed, 0, 0);

    // The bug run brings back "check, unlock, register", and holds the gap open.
    if (!fixed) {
        cfg.bugs = WTA_BUG_W3;
        cfg.hooks.w3_before_sleep = hold_gap_open;
    }
    struct wta_runtime *rt = lesson_runtime(&lesson, &cfg);

    struct spawner *s = lesson_future(sizeof *s, &spawner_vt);
    s->staged = !fixed;
    int rc = wta_block_on(rt, &s->base, NULL);

    wta_runtime_free(rt);
    sem_destroy(&in_gap);
    sem_destroy(&pushed);
    return lesson_expect(&lesson, "block_on's result (0, or -35 = -EDEADLK: a hang)", rc,
                         fixed ? 0 : -EDEADLK);
}

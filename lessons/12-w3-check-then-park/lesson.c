/*
 * Lesson 12 - W3: the check-then-park race.
 *
 * One worker finds the run queue empty and goes to sleep. The original
 * wta looks at the queue, lets go of its lock, and only then registers as
 * a sleeper. Main spawns a job: if the push lands in that gap, it looks
 * for a sleeper, finds none (the worker has not registered yet), and wakes
 * nobody; then the worker registers and sleeps, with the job in the queue.
 * With --fixed the worker registers first and looks again. The gap is a
 * few steps wide; the pinned seed is an interleaving in which main's push
 * lands in it. Read main() first.
 */
#include <errno.h>
#include <stdlib.h>

#include "lesson.h"

static const struct lesson lesson = {
    .name = "12-w3-check-then-park",
    .title = "W3: the check-then-park race",
    .seed = 42,
    .workers = 1,
    .alt = "fixed",
};

/* The job: done in one poll. */
static int job_poll(struct wta_future *base, struct wta_context *cx, intptr_t *out)
{
    (void)base, (void)cx;
    wta_note("w0 runs the job: the push did not strand it");
    *out = 1;
    return WTA_READY;
}

static void job_drop(struct wta_future *base) { free(base); }

static const struct wta_future_vt job_vt = {"job", job_poll, job_drop};

/* ---- main: spawn one job, await it */

struct spawner {
    struct wta_future base;
    struct wta_future *job;
};

static int spawner_poll(struct wta_future *base, struct wta_context *cx, intptr_t *out)
{
    struct spawner *self = (struct spawner *)base;
    if (self->job == NULL) {
        wta_note("? w0 is starting up and will look for work; main pushes a job now. If the "
                 "push comes after w0 found the queue empty, but before it sleeps, will w0 "
                 "run the job?");
        self->job = wta_spawn(lesson_future(sizeof(struct wta_future), &job_vt));
    }
    return wta_poll(self->job, cx, out);   // the job's end wakes us, if a worker runs it
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

    // The bug run brings back "look, unlock, register, sleep".
    if (!fixed)
        cfg.bugs = WTA_BUG_W3;
    struct wta_runtime *rt = lesson_runtime(&lesson, &cfg);

    // With W3, the stranded job is never run: every worker is parked, and
    // nothing will unpark one. block_on's hang check returns -EDEADLK
    // (the trace says `hang`) rather than sleeping forever.
    intptr_t out = 0;
    int rc = wta_block_on(rt, lesson_future(sizeof(struct spawner), &spawner_vt), &out);
    if (rc == -EDEADLK)
        wta_runtime_note(rt, "block_on gave up (-EDEADLK): the job sits in the queue, and w0 "
                             "sleeps beside it; the push woke nobody");

    wta_runtime_free(rt);
    return lesson_expect(&lesson, "block_on's result (0, or -35 = -EDEADLK: a hang)", rc,
                         fixed ? 0 : -EDEADLK);
}

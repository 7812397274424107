/*
 * Lesson 06 - timers and sleep.
 *
 * Main spawns three tasks that sleep 30 ms, 10 ms and 20 ms, in that order,
 * and then awaits them in that order. Each task returns the place it
 * finished in (1st, 2nd, 3rd). The timers live in the reactor's deadline
 * heap; the worker with nothing to do waits in epoll exactly until the
 * next deadline. Read main() first.
 */
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>

#include "lesson.h"

static const struct lesson lesson = {
    .name = "06-timers",
    .title = "timers and sleep: a deadline heap, and a worker asleep in epoll",
    .seed = 1,
    .workers = 1,
};

static atomic_int finished;   /* how many sleepers have finished so far */

/* ---- a sleeper: sleep ms, then return its finishing place */
struct sleeper {
    struct wta_future base;
    int step, ms;
    struct wta_future *sleep;
};

static int sleeper_poll(struct wta_future *base, struct wta_context *cx, intptr_t *out)
{
    struct sleeper *self = (struct sleeper *)base;
    switch (self->step) {
    case 0:   // arm the timer: it goes into the reactor's heap
        self->sleep = wta_sleep((uint64_t)self->ms * 1000 * 1000);
        self->step = 1;
        /* fall through */
    default:   // asleep
        if (wta_poll(self->sleep, cx, NULL) == WTA_PENDING)
            return WTA_PENDING;   // the reactor fires our timer and wakes us
        *out = atomic_fetch_add(&finished, 1) + 1;
        wta_note("the %d ms sleeper finishes, place %ld", self->ms, (long)*out);
        return WTA_READY;
    }
}

static void sleeper_drop(struct wta_future *base)
{
    wta_future_drop(((struct sleeper *)base)->sleep);
    free(base);
}

static const struct wta_future_vt sleeper_vt = {"sleeper", sleeper_poll, sleeper_drop};

/* ---- main: spawn 30, 10, 20 ms sleepers; await them in that order */
static const int naps_ms[3] = {30, 10, 20};

struct race {
    struct wta_future base;
    int step;
    struct wta_future *h[3];
    intptr_t places;   /* the places, as digits: 30 ms sleeper's first */
};

static int race_poll(struct wta_future *base, struct wta_context *cx, intptr_t *out)
{
    struct race *self = (struct race *)base;
    switch (self->step) {
    case 0:   // spawn all three
        for (int i = 0; i < 3; i++) {
            struct sleeper *s = lesson_future(sizeof *s, &sleeper_vt);
            s->ms = naps_ms[i];
            self->h[i] = wta_spawn_named(&s->base, "sleeper");
        }
        wta_note("? three sleepers spawned: 30 ms, 10 ms, 20 ms. In which order do their "
                 "timers fire, and how long does w0 sleep in epoll each time?");
        self->step = 1;
        /* fall through */
    default:   // await each in spawn order
        for (int i = 0; i < 3; i++) {
            intptr_t place;
            if (self->h[i] == NULL)
                continue;
            if (lesson_await(&self->h[i], cx, &place) == WTA_PENDING)
                return WTA_PENDING;   // that sleeper's JoinHandle wakes us
            self->places = self->places * 10 + place;
        }
        *out = self->places;
        return WTA_READY;
    }
}

static void race_drop(struct wta_future *base)
{
    struct race *self = (struct race *)base;
    for (int i = 0; i < 3; i++)
        wta_future_drop(self->h[i]);
    free(self);
}

static const struct wta_future_vt race_vt = {"race", race_poll, race_drop};

int main(int argc, char **argv)
{
    struct wta_config cfg;
    lesson_start(&lesson, argc, argv, &cfg);
    struct wta_runtime *rt = lesson_runtime(&lesson, &cfg);

    // 312 reads "the 30 ms sleeper came 3rd, the 10 ms 1st, the 20 ms 2nd". In
    // real mode a busy machine can make timers fire late, together, and the
    // order then depends on who runs first (see the README's "Try this").
    intptr_t places = 0;
    int rc = wta_block_on(rt, lesson_future(sizeof(struct race), &race_vt), &places);
    printf("finishing places of the 30, 10, 20 ms sleepers: %ld\n", (long)places);

    wta_runtime_free(rt);
    return lesson_expect(&lesson, "sleepers finished", rc == 0 ? (long)finished : rc, 3);
}

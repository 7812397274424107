/*
 * Lesson 04 - anatomy of a waker: clone, wake, wake_by_ref, drop, stale.
 *
 * The main future spawns task "sleeper". The sleeper clones its own waker
 * twice, drops one clone (it did not need it), sends the other to main
 * through a oneshot, and returns Pending: only main can wake it now. Main
 * rings by reference (keeping the clone), waits for the sleeper to finish,
 * then rings again with the clone: a wake that comes too late is *stale*. Read main() first.
 */
#include <stdlib.h>

#include "lesson.h"

static const struct lesson lesson = {
    .name = "04-waker",
    .title = "anatomy of a waker: clone, wake, wake_by_ref, drop, stale",
    .seed = 1,
    .workers = 1,
};

/* ---- the sleeper: give a clone of its waker away, then wait */
struct sleeper {
    struct wta_future base;
    int step;
    struct wta_oneshot_tx *to_main;   /* carries a (struct wta_waker *) */
};

static int sleeper_poll(struct wta_future *base, struct wta_context *cx, intptr_t *out)
{
    struct sleeper *self = (struct sleeper *)base;
    switch (self->step++) {
    case 0: {   // two clones: drop one, send the other to main
        struct wta_waker spare = wta_waker_clone(cx->waker), *bell = malloc(sizeof *bell);
        *bell = wta_waker_clone(cx->waker);
        wta_waker_drop(&spare);
        wta_note("sleeper cloned its waker twice, dropped one clone, and sends the other "
                 "to main");
        wta_oneshot_send(self->to_main, (intptr_t)bell);
        self->to_main = NULL;
        return WTA_PENDING;   // main holds our waker now: main wakes us
    }
    default:   // woken by main
        wta_note("sleeper was woken through main's clone and finishes");
        *out = 0;
        return WTA_READY;
    }
}

static void sleeper_drop(struct wta_future *base)
{
    wta_oneshot_tx_drop(((struct sleeper *)base)->to_main);
    free(base);
}

static const struct wta_future_vt sleeper_vt = {"sleeper", sleeper_poll, sleeper_drop};

/* ---- the main future: ring the sleeper, then ring once too often */
struct ringer {
    struct wta_future base;
    int step;
    struct wta_future *bell_rx, *sleeper;  /* the oneshot's receiver; the JoinHandle */
    struct wta_waker *bell;                /* the clone, once it arrived */
};

static int ringer_poll(struct wta_future *base, struct wta_context *cx, intptr_t *out)
{
    struct ringer *self = (struct ringer *)base;
    intptr_t v;
    switch (self->step) {
    case 0: {   // spawn the sleeper with the sending end of a oneshot
        struct sleeper *s = lesson_future(sizeof *s, &sleeper_vt);
        wta_oneshot_new(&s->to_main, &self->bell_rx);
        self->sleeper = wta_spawn_named(&s->base, "sleeper");
        self->step = 1;
    }   /* fall through */
    case 1:   // wait for the clone
        if (wta_poll(self->bell_rx, cx, &v) == WTA_PENDING)
            return WTA_PENDING;   // the sleeper's send wakes us
        self->bell = (struct wta_waker *)v;
        wta_note("main calls wake_by_ref on the clone: the sleeper will be polled again, and "
                 "the clone stays alive");
        wta_waker_wake_by_ref(self->bell);
        self->step = 2;
        /* fall through */
    default:   // wait for the sleeper to finish
        if (wta_poll(self->sleeper, cx, &v) == WTA_PENDING)
            return WTA_PENDING;   // its JoinHandle wakes us
        wta_note("? the sleeper is DONE, and main still holds a clone of its waker. What "
                 "does a wake do now?");
        wta_waker_wake(self->bell);   // consumes the clone: a wake, then a drop
        *out = v;
        return WTA_READY;
    }
}

static void ringer_drop(struct wta_future *base)
{
    struct ringer *self = (struct ringer *)base;
    if (self->bell != NULL)
        wta_waker_drop(self->bell);   // a no-op once woken (wake consumed it)
    free(self->bell);
    wta_future_drop(self->bell_rx);
    wta_future_drop(self->sleeper);
    free(self);
}

static const struct wta_future_vt ringer_vt = {"ringer", ringer_poll, ringer_drop};

int main(int argc, char **argv)
{
    struct wta_config cfg;
    lesson_start(&lesson, argc, argv, &cfg);
    struct wta_runtime *rt = lesson_runtime(&lesson, &cfg);

    intptr_t out = -1;
    int rc = wta_block_on(rt, lesson_future(sizeof(struct ringer), &ringer_vt), &out);

    wta_runtime_free(rt);
    return lesson_expect(&lesson, "the sleeper's result", rc == 0 ? (long)out : rc, 0);
}

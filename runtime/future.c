/*
 * future.c - the poll protocol's two calls, and the two simplest futures.
 *
 * wta_yield_now() is the smallest future that shows a wake: its first poll
 * wakes its own task and returns PENDING, so the task goes to the back of
 * the run queue and others run first; its second poll is READY. It works
 * because a wake while RUNNING is remembered (NOTIFIED, see task.c): with
 * bug W4 on, that self-wake is lost instead and the task is freed.
 */
#include <errno.h>
#include <stdlib.h>

#include "internal.h"

int wta_poll(struct wta_future *f, struct wta_context *cx, intptr_t *out)
{
    intptr_t ignored;
    return f->vt->poll(f, cx, out != NULL ? out : &ignored);
}

void wta_future_drop(struct wta_future *f)
{
    if (f != NULL)
        f->vt->drop(f);
}

static void free_drop(struct wta_future *self)
{
    free(self);
}

/* ---- ready */

struct ready {
    struct wta_future base;
    intptr_t value;
};

static int ready_poll(struct wta_future *self, struct wta_context *cx, intptr_t *out)
{
    (void)cx;
    *out = ((struct ready *)self)->value;
    return WTA_READY;
}

static const struct wta_future_vt ready_vt = {"ready", ready_poll, free_drop};

struct wta_future *wta_ready(intptr_t value)
{
    struct ready *r = malloc(sizeof *r);
    if (r == NULL)
        return NULL;
    r->base.vt = &ready_vt;
    r->value = value;
    return &r->base;
}

/* ---- yield_now */

struct yield {
    struct wta_future base;
    bool yielded;
};

static int yield_poll(struct wta_future *self, struct wta_context *cx, intptr_t *out)
{
    struct yield *y = (struct yield *)self;
    *out = 0;
    if (y->yielded)
        return WTA_READY;
    y->yielded = true;
    // LESSON 05: we wake ourselves, so we are our own waker: the task is
    // re-queued at the back when this poll returns.
    wta_waker_wake_by_ref(cx->waker);
    return WTA_PENDING;
}

static const struct wta_future_vt yield_vt = {"yield_now", yield_poll, free_drop};

struct wta_future *wta_yield_now(void)
{
    struct yield *y = calloc(1, sizeof *y);
    if (y == NULL)
        return NULL;
    y->base.vt = &yield_vt;
    return &y->base;
}

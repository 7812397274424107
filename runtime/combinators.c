/*
 * combinators.c - futures made of futures: join_all and select.
 *
 * Both own an array of children and poll them with the context they were
 * given, so every child stores *our* task's waker: whichever child can
 * make progress wakes the task, and the next poll of the combinator polls
 * the children again. Neither needs a waker of its own, and neither
 * returns PENDING unless some child did (so some child arranged the wake).
 *
 * join_all waits for every child; a child that finished is dropped at
 * once and its slot set to NULL, so it is never polled twice. The cost is
 * admitted: one wake re-polls every unfinished child, O(n). The upgrade is
 * a waker per child that records *which* child woke (Rust's
 * FuturesUnordered); for a classroom's dozens of children, n is fine.
 *
 * select polls its children in index order and stops at the first that
 * finishes: that is the winner, and every other child is dropped right
 * there, inside the same poll, so a losing sleep's timer leaves the heap
 * and a losing read's waker leaves the reactor before select returns.
 * Index order is a bias (child 0 wins ties); Rust's select! randomises it.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"

/* Copies n child pointers; NULL (and all children dropped) if any is NULL. */
static struct wta_future **take_children(struct wta_future **futs, size_t n)
{
    bool ok = futs != NULL || n == 0;
    for (size_t i = 0; ok && i < n; i++)
        ok = futs[i] != NULL;
    struct wta_future **v = ok ? malloc((n ? n : 1) * sizeof *v) : NULL;
    if (v == NULL) {
        for (size_t i = 0; futs != NULL && i < n; i++)
            wta_future_drop(futs[i]);
        return NULL;
    }
    if (n > 0)
        memcpy(v, futs, n * sizeof *v);
    return v;
}

static void drop_children(struct wta_future **v, size_t n)
{
    for (size_t i = 0; i < n; i++)
        wta_future_drop(v[i]);
    free(v);
}

/* A zeroed combinator of `size` bytes owning a copy of futs in *v; NULL + errno on failure. */
static void *combinator_new(size_t size, const struct wta_future_vt *vt,
                            struct wta_future **futs, size_t n, struct wta_future ***v)
{
    *v = take_children(futs, n);
    struct wta_future *f = *v != NULL ? calloc(1, size) : NULL;
    if (f == NULL) {
        if (*v != NULL)
            drop_children(*v, n);
        errno = *v != NULL ? ENOMEM : EINVAL;
        return NULL;
    }
    f->vt = vt;
    return f;
}

/* ---------------------------------------------------------------- join_all */

struct join_all {
    struct wta_future base;
    struct wta_future **v;         /* NULL once that child finished */
    size_t n, left;
    int first_err;                 /* the lowest-index failure, or 0 */
    int *results;                  /* borrowed, may be NULL */
    intptr_t *outs;                /* borrowed, may be NULL */
};

static int join_all_poll(struct wta_future *self, struct wta_context *cx, intptr_t *out)
{
    struct join_all *j = (struct join_all *)self;
    for (size_t i = 0; i < j->n && j->left > 0; i++) {
        if (j->v[i] == NULL)
            continue;
        intptr_t value = 0;
        int rc = wta_poll(j->v[i], cx, &value);
        if (rc == WTA_PENDING)
            continue;              // child i stored our waker
        wta_future_drop(j->v[i]);
        j->v[i] = NULL;
        j->left--;
        if (j->results != NULL)
            j->results[i] = rc;
        if (j->outs != NULL)
            j->outs[i] = value;
        if (rc != 0 && j->first_err == 0)
            j->first_err = rc;     // children finish out of order: keep the lowest index
    }
    if (j->left > 0)
        return WTA_PENDING;        // LESSON 09: each unfinished child has our waker
    *out = (intptr_t)j->n;
    return j->first_err;
}

static void join_all_drop(struct wta_future *self)
{
    struct join_all *j = (struct join_all *)self;
    drop_children(j->v, j->n);
    free(j);
}

static const struct wta_future_vt join_all_vt = {"join_all", join_all_poll, join_all_drop};

struct wta_future *wta_join_all(struct wta_future **futs, size_t n,
                                int *results, intptr_t *outs)
{
    struct wta_future **v;
    struct join_all *j = combinator_new(sizeof *j, &join_all_vt, futs, n, &v);
    if (j == NULL)
        return NULL;
    j->v = v;
    j->n = j->left = n;
    j->results = results;
    j->outs = outs;
    return &j->base;
}

/* ---------------------------------------------------------------- select */

struct select {
    struct wta_future base;
    struct wta_future **v;
    size_t n;
    size_t *winner;                /* borrowed, may be NULL */
};

static int select_poll(struct wta_future *self, struct wta_context *cx, intptr_t *out)
{
    struct select *s = (struct select *)self;
    for (size_t i = 0; i < s->n; i++) {
        int rc = wta_poll(s->v[i], cx, out);
        if (rc == WTA_PENDING)
            continue;              // child i stored our waker
        // LESSON 09: the winner. Drop everyone now, winner included: it is finished.
        WTA_TRACE(wta_thread_rt(), SELECT_WINNER, i, s->n, wta_current_task_id());
        for (size_t k = 0; k < s->n; k++)
            wta_future_drop(s->v[k]);
        s->n = 0;                  // nothing left for select's own drop
        if (s->winner != NULL)
            *s->winner = i;
        return rc;
    }
    return s->n > 0 ? WTA_PENDING : -EINVAL;   // PENDING: every child has our waker
}

static void select_drop(struct wta_future *self)
{
    struct select *s = (struct select *)self;
    drop_children(s->v, s->n);
    free(s);
}

static const struct wta_future_vt select_vt = {"select", select_poll, select_drop};

/* n == 0 is allowed but finishes at once with -EINVAL: nothing can win. */
struct wta_future *wta_select(struct wta_future **futs, size_t n, size_t *winner)
{
    struct wta_future **v;
    struct select *s = combinator_new(sizeof *s, &select_vt, futs, n, &v);
    if (s == NULL)
        return NULL;
    s->v = v;
    s->n = n;
    s->winner = winner;
    return &s->base;
}

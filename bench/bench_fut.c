/*
 * bench_fut.c - the small futures every workload is built from.
 *
 * empty:    an empty task (Rust's `async {}`): ready at once with 1, so
 *           that summing the outputs counts the tasks that ran. The spawn
 *           workloads move it into its task (wta_spawn_move), as Rust moves
 *           `async {}` into tokio's task: one allocation per spawn.
 * join_all: awaits JoinHandles in order, as tokio's benches do with
 *           `for h in hs { h.await }`; its output is the sum of theirs,
 *           so a workload can check that every task really ran.
 *
 * spawn_await: `spawn(f).await`, the body of a block_on.
 * bench_await: one `.await` on a leaf future the caller keeps in a field.
 *
 * A future the bench keeps on its own stack (to run block_on in a loop
 * without an allocation per op, as a Rust future lives in its caller's
 * frame) gets a drop that frees what it holds but not itself.
 */
#include <stdlib.h>

#include "bench.h"

static int empty_poll(struct wta_future *self, struct wta_context *cx, intptr_t *out)
{
    (void)self, (void)cx;
    *out = 1;
    return WTA_READY;
}

void bench_heap_drop(struct wta_future *self)
{
    free(self);
}

void bench_stack_drop(struct wta_future *self)
{
    (void)self;
}

static const struct wta_future_vt empty_vt = {"empty", empty_poll, bench_heap_drop};

struct wta_future *bench_empty_new(void)
{
    struct wta_future *f = malloc(sizeof *f);
    if (f == NULL)
        abort();
    f->vt = &empty_vt;
    return f;
}

static const struct wta_future_vt empty_moved_vt = {"empty", empty_poll, bench_stack_drop};

struct wta_future *bench_spawn_empty(struct wta_runtime *rt)
{
    struct wta_future f = {.vt = &empty_moved_vt};
    return wta_spawn_move_at(rt, &f, sizeof f, NULL, __FILE__, __LINE__);
}

/* ---- join_all */

struct join_all {
    struct wta_future base;
    struct wta_future **hs;
    int n, next;
    intptr_t sum;
};

static int join_all_poll(struct wta_future *self, struct wta_context *cx, intptr_t *out)
{
    struct join_all *j = (struct join_all *)self;
    for (; j->next < j->n; j->next++) {
        intptr_t v;
        int rc = wta_poll(j->hs[j->next], cx, &v);
        if (rc == WTA_PENDING)
            return WTA_PENDING;   // the task's end wakes us (join)
        if (rc < 0)
            return rc;
        wta_future_drop(j->hs[j->next]);
        j->hs[j->next] = NULL;
        j->sum += v;
    }
    *out = j->sum;
    return WTA_READY;
}

static void join_all_drop(struct wta_future *self)
{
    struct join_all *j = (struct join_all *)self;
    for (int i = j->next; i < j->n; i++)
        wta_future_drop(j->hs[i]);
    free(j->hs);
    free(j);
}

static const struct wta_future_vt join_all_vt = {"join_all", join_all_poll, join_all_drop};

struct wta_future *bench_join_all_new(struct wta_future **hs, int n)
{
    struct join_all *j = calloc(1, sizeof *j);
    if (j == NULL)
        abort();
    j->base.vt = &join_all_vt;
    j->hs = hs;
    j->n = n;
    return &j->base;
}

/* ---- spawn_await (on the caller's stack) */

static int spawn_await_poll(struct wta_future *self, struct wta_context *cx, intptr_t *out)
{
    struct bench_spawn_await *sa = (struct bench_spawn_await *)self;
    if (sa->handle == NULL) {
        sa->handle = sa->f != NULL ? wta_spawn(sa->f) : bench_spawn_empty(NULL);   // consumes f
        sa->f = NULL;
        if (sa->handle == NULL)
            abort();
    }
    return wta_poll(sa->handle, cx, out);   // PENDING: the task's end wakes us
}

static void spawn_await_drop(struct wta_future *self)
{
    struct bench_spawn_await *sa = (struct bench_spawn_await *)self;
    wta_future_drop(sa->f);
    wta_future_drop(sa->handle);
    sa->f = sa->handle = NULL;   // not free(): it lives on the caller's stack
}

static const struct wta_future_vt spawn_await_vt = {"spawn_await", spawn_await_poll,
                                                    spawn_await_drop};

void bench_spawn_await_init(struct bench_spawn_await *sa, struct wta_future *f)
{
    sa->base.vt = &spawn_await_vt;
    sa->f = f;
    sa->handle = NULL;
}

/* ---- bench_await */

int bench_await(struct wta_future **op, struct wta_context *cx, intptr_t *out)
{
    int rc = wta_poll(*op, cx, out);
    if (rc != WTA_PENDING) {
        wta_future_drop(*op);
        *op = NULL;
    }
    return rc;
}

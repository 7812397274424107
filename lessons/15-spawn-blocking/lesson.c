/*
 * Lesson 15 - blocking inside a task, and spawn_blocking.
 *
 * Two tasks share one worker: "ticker" sleeps 2 ms, "loader" reads a file
 * the slow way (30 ms of blocking, here lesson_block_ms). In the bug run the
 * loader blocks inside its poll: the worker is stuck in a syscall, nobody
 * turns the reactor, and the ticker's timer waits for the loader. With
 * --fixed the loader hands the blocking call to wta_spawn_blocking, which
 * runs it on a blocking thread; the worker stays free and the ticker
 * fires on time. Read main() first.
 *
 * The time a poll spends computing or blocking is counted on the virtual
 * clock (lesson_spin_ms, lesson_block_ms: wta_spent_ns), so the lesson runs
 * in deterministic mode like the others.
 */
#include <stdatomic.h>
#include <stdlib.h>

#include "lesson.h"

static const struct lesson lesson = {
    .name = "15-spawn-blocking",
    .title = "blocking inside a task, and spawn_blocking",
    .seed = 1,
    .workers = 1,
    .alt = "fixed",
};

static bool offload;            /* --fixed: the loader uses spawn_blocking */
static atomic_int finished;     /* finishing order of the two tasks */

/* The blocking call: stands for read(2) on a slow disk. */
static intptr_t load_file(void *arg)
{
    (void)arg;
    lesson_block_ms(30);
    return 4096;
}

struct task {
    struct wta_future base;
    int step;
    struct wta_future *op;   /* ticker: its sleep; loader: the blocking job's handle */
};

static int ticker_poll(struct wta_future *base, struct wta_context *cx, intptr_t *out)
{
    struct task *self = (struct task *)base;
    switch (self->step) {
    case 0:   // a 2 ms timer
        self->op = wta_sleep(2 * 1000 * 1000);
        self->step = 1;
        /* fall through */
    default:   // sleeping
        if (lesson_await(&self->op, cx, NULL) == WTA_PENDING)
            return WTA_PENDING;   // the reactor fires our timer, if someone turns it
        *out = atomic_fetch_add(&finished, 1) + 1;
        wta_note("the ticker's 2 ms sleep is over: it finishes in place %ld", (long)*out);
        return WTA_READY;
    }
}

static int loader_poll(struct wta_future *base, struct wta_context *cx, intptr_t *out)
{
    struct task *self = (struct task *)base;
    switch (self->step) {
    case 0:   // load the file: right here (bug), or on a blocking thread (fixed)
        if (!offload) {
            wta_note("? the loader calls a 30 ms blocking read inside its poll. What "
                     "happens to the ticker's 2 ms timer meanwhile?");
            load_file(NULL);
            break;
        }
        wta_note("? the loader hands the 30 ms read to spawn_blocking and returns Pending. "
                 "Who runs the read, and who fires the ticker's timer?");
        self->op = wta_spawn_blocking(load_file, NULL);
        self->step = 1;
        /* fall through */
    default:   // the read is on a blocking thread
        if (lesson_await(&self->op, cx, NULL) == WTA_PENDING)
            return WTA_PENDING;   // the blocking job's JoinHandle wakes us
    }
    atomic_fetch_add(&finished, 1);
    *out = 0;
    return WTA_READY;
}

static void task_drop(struct wta_future *base)
{
    wta_future_drop(((struct task *)base)->op);
    free(base);
}

static const struct wta_future_vt ticker_vt = {"ticker", ticker_poll, task_drop};
static const struct wta_future_vt loader_vt = {"loader", loader_poll, task_drop};

int main(int argc, char **argv)
{
    struct wta_config cfg;
    offload = lesson_start(&lesson, argc, argv, &cfg);
    struct wta_runtime *rt = lesson_runtime(&lesson, &cfg);

    // Both on the one worker; the ticker first.
    struct wta_future *ticker = wta_runtime_spawn(rt, lesson_future(sizeof(struct task), &ticker_vt));
    struct wta_future *loader = wta_runtime_spawn(rt, lesson_future(sizeof(struct task), &loader_vt));
    intptr_t place = 0;
    int rc = wta_block_on(rt, loader, NULL);
    if (rc == 0)
        rc = wta_block_on(rt, ticker, &place);
    else
        wta_future_drop(ticker);

    wta_runtime_free(rt);
    return lesson_expect(&lesson, "the ticker's finishing place (1: before the loader)",
                         rc == 0 ? (long)place : rc, offload ? 1 : 2);
}

/*
 * lost_wakeup.c - a program with a lost wakeup, and how the tools find it.
 *
 * Build it against the installed library (after `make install`), run it
 * with a trace, and ask wta-trace what went wrong:
 *
 *     $ cc -o lost_wakeup lost_wakeup.c $(pkg-config --cflags --libs wta)
 *     $ WTA_TRACE=lost.jsonl ./lost_wakeup
 *     $ wta-trace lint lost.jsonl
 *
 * A "waiter" task waits for a flag. On its first poll it finds the flag
 * down, starts a "setter" task that raises it 10 ms later, and returns
 * PENDING - but forgets to leave its waker where the setter can find it.
 * So the setter raises the flag and has no one to wake; the waiter is never
 * polled again, and main, which awaits the waiter, waits forever. wta
 * notices that nothing can ever wake main (every worker asleep, no timer,
 * no socket, no blocking job) and block_on returns -EDEADLK instead of
 * hanging. (The waiter starts the setter itself so that the flag is always
 * still down at its first look, however busy the machine: the bug shows
 * every time.)
 *
 * `./lost_wakeup --fixed` runs the corrected waiter (look for FIX below);
 * `wta-trace diff lost.jsonl fixed.jsonl` shows where the two runs part.
 */
#include <errno.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <wta.h>

static bool fixed;   /* --fixed: the waiter leaves its waker */

/* The flag, and the waker of whoever waits for it: both under the lock, so
 * a raise cannot slip between the waiter's check and its leaving a waker. */
static struct {
    pthread_mutex_t lock;
    bool raised;
    struct wta_waker waiter;   /* zeroed: nobody to wake */
} flag = {PTHREAD_MUTEX_INITIALIZER, false, {0}};

/* ---- the setter: sleep 10 ms, raise the flag, wake the waiter if it left a waker */

struct setter {
    struct wta_future base;
    struct wta_future *sleep;
};

static int setter_poll(struct wta_future *self, struct wta_context *cx, intptr_t *out)
{
    struct setter *s = (struct setter *)self;
    int rc;
    WTA_AWAIT(rc, s->sleep, cx, NULL);   // the timer wakes us
    pthread_mutex_lock(&flag.lock);
    flag.raised = true;
    struct wta_waker w = flag.waiter;   // take it, and wake outside the lock
    memset(&flag.waiter, 0, sizeof flag.waiter);
    pthread_mutex_unlock(&flag.lock);
    if (wta_waker_is_set(&w))
        wta_waker_wake(&w);
    else
        printf("setter: flag raised, but no waker was left: nobody to wake\n");
    *out = rc;
    return rc;
}

static void setter_drop(struct wta_future *self)
{
    wta_future_drop(((struct setter *)self)->sleep);
    free(self);
}

static const struct wta_future_vt setter_vt = {"setter", setter_poll, setter_drop};

/* ---- the waiter: start the setter, then wait for the flag */

struct waiter {
    struct wta_future base;
    struct wta_future *setter;   /* its JoinHandle, once started */
};

static int waiter_poll(struct wta_future *self, struct wta_context *cx, intptr_t *out)
{
    struct waiter *w = (struct waiter *)self;
    pthread_mutex_lock(&flag.lock);
    bool raised = flag.raised;
    if (!raised && fixed) {   // FIX: leave a waker for the setter
        wta_waker_drop(&flag.waiter);
        flag.waiter = wta_waker_clone(cx->waker);
    }
    pthread_mutex_unlock(&flag.lock);
    if (w->setter == NULL) {
        struct setter *setter = calloc(1, sizeof *setter);
        setter->base.vt = &setter_vt;
        setter->sleep = wta_sleep(10 * 1000 * 1000);
        w->setter = wta_spawn(&setter->base);
    }
    if (!raised)
        return WTA_PENDING;   // BUG (without --fixed): nobody holds our waker
    int rc;
    WTA_AWAIT(rc, w->setter, cx, NULL);   // the setter's end wakes us (join)
    *out = 1;
    return rc;
}

static void waiter_drop(struct wta_future *self)
{
    wta_future_drop(((struct waiter *)self)->setter);
    free(self);
}

static const struct wta_future_vt waiter_vt = {"waiter", waiter_poll, waiter_drop};

/* ---- main: spawn the waiter, await it */

struct lw_main {
    struct wta_future base;
    struct wta_future *waiter;   /* its JoinHandle */
};

static int main_poll(struct wta_future *self, struct wta_context *cx, intptr_t *out)
{
    struct lw_main *m = (struct lw_main *)self;
    int rc;
    if (m->waiter == NULL) {
        struct waiter *w = calloc(1, sizeof *w);
        w->base.vt = &waiter_vt;
        m->waiter = wta_spawn(&w->base);
    }
    WTA_AWAIT(rc, m->waiter, cx, out);   // the waiter's end wakes us (join)
    return rc;
}

static void main_drop(struct wta_future *self)
{
    wta_future_drop(((struct lw_main *)self)->waiter);
    free(self);
}

static const struct wta_future_vt main_vt = {"lost_wakeup_main", main_poll, main_drop};

int main(int argc, char **argv)
{
    if (argc > 2 || (argc == 2 && strcmp(argv[1], "--fixed") != 0)) {
        fprintf(stderr, "usage: lost_wakeup [--fixed]\n");
        return 2;
    }
    fixed = argc == 2;
    struct wta_runtime *rt = wta_runtime_new(NULL);   // WTA_TRACE, WTA_WORKERS, ... apply
    if (rt == NULL) {
        perror("lost_wakeup: cannot start the runtime");
        return 1;
    }
    struct lw_main *m = calloc(1, sizeof *m);
    m->base.vt = &main_vt;
    int rc = wta_block_on(rt, &m->base, NULL);
    wta_waker_drop(&flag.waiter);   // a waker must not outlive its runtime
    wta_runtime_free(rt);           // drops the stuck waiter: its handle sees -ECANCELED
    if (rc == -EDEADLK) {
        printf("lost_wakeup: block_on returned -EDEADLK: %s\n", wta_strerror(rc));
        printf("lost_wakeup: run with WTA_TRACE=lost.jsonl, then: wta-trace lint lost.jsonl\n");
        return 1;
    }
    if (rc < 0) {
        fprintf(stderr, "lost_wakeup: %s\n", wta_strerror(rc));
        return 1;
    }
    printf("lost_wakeup: the waiter saw the flag; all done\n");
    return 0;
}

/*
 * Lab 2 scenarios: the wake transitions of the task state machine, each
 * driven through the public API and judged by what the task saw.
 */
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdlib.h>

#include "lab.h"

/* A task that counts its polls; what it does on each is in `kind`. */
struct probe {
    struct wta_future base;
    int kind;
    int polls;
    int yields;                  /* kind YIELD: how many self-wakes */
    struct wta_future *sleep;    /* kind SLEEP */
    struct wta_waker *keep;      /* if set: store a clone of our waker here */
    _Atomic bool woken;          /* kind FOREIGN: the other thread's wake is done */
};

enum { SLEEP, YIELD, FOREIGN, IDLE_ONCE };

/* kind FOREIGN: another thread wakes the task while its poll is running. */
static void *wake_from_thread(void *arg)
{
    struct probe *p = arg;
    struct wta_waker w = *p->keep;
    wta_waker_wake(&w);          // we are not the runtime's: an external wake
    atomic_store(&p->woken, true);
    return NULL;
}

/* A task that wakes a waker twice in a row, then drops it. */
struct twice {
    struct wta_future base;
    struct wta_waker w;
};

static int twice_poll(struct wta_future *self, struct wta_context *cx, intptr_t *out)
{
    struct twice *m = (struct twice *)self;
    (void)cx;
    *out = 0;
    wta_waker_wake_by_ref(&m->w);   // IDLE -> SCHEDULED (or NOTIFIED if it still runs)
    wta_waker_wake_by_ref(&m->w);   // already scheduled: no second push
    wta_waker_drop(&m->w);
    return WTA_READY;
}

static void twice_drop(struct wta_future *self)
{
    wta_waker_drop(&((struct twice *)self)->w);
    free(self);
}

static const struct wta_future_vt twice_vt = {"wake-twice", twice_poll, twice_drop};

static struct wta_future *wake_twice(struct wta_waker w)
{
    struct twice *m = calloc(1, sizeof *m);
    m->base.vt = &twice_vt;
    m->w = w;
    return &m->base;
}

static int probe_poll(struct wta_future *self, struct wta_context *cx, intptr_t *out)
{
    struct probe *p = (struct probe *)self;
    p->polls++;
    *out = p->polls;
    switch (p->kind) {
    case SLEEP:
        if (p->sleep == NULL)
            p->sleep = wta_sleep(1000000);
        if (p->keep != NULL && !wta_waker_is_set(p->keep))
            *p->keep = wta_waker_clone(cx->waker);
        intptr_t ignored;
        return wta_poll(p->sleep, cx, &ignored) == WTA_PENDING ? WTA_PENDING : WTA_READY;
    case YIELD:
        if (p->yields-- > 0) {
            wta_waker_wake_by_ref(cx->waker);
            return WTA_PENDING;   // woke ourselves while running: re-queued after this poll
        }
        return WTA_READY;
    case FOREIGN:
        if (p->polls == 1) {
            pthread_t th;
            *p->keep = wta_waker_clone(cx->waker);
            pthread_create(&th, NULL, wake_from_thread, p);
            while (!atomic_load(&p->woken))
                sched_yield();    // the wake lands while we are still RUNNING
            pthread_join(th, NULL);
            return WTA_PENDING;   // the thread's wake (during this poll) must bring us back
        }
        return WTA_READY;
    case IDLE_ONCE:
    default:
        if (p->polls == 1) {
            wta_future_drop(wta_spawn(wake_twice(wta_waker_clone(cx->waker))));
            return WTA_PENDING;   // the task we just spawned wakes us, twice
        }
        return WTA_READY;
    }
}

static void probe_drop(struct wta_future *self)
{
    wta_future_drop(((struct probe *)self)->sleep);
    free(self);
}

static const struct wta_future_vt probe_vt = {"probe", probe_poll, probe_drop};

static struct probe *probe(int kind)
{
    struct probe *p = calloc(1, sizeof *p);
    p->base.vt = &probe_vt;
    p->kind = kind;
    return p;
}

/* Runs p as a task and waits for it; returns block_on's rc, its poll count in *polls. */
static int run_task(struct wta_runtime *rt, struct probe *p, intptr_t *polls)
{
    struct wta_future *h = wta_runtime_spawn(rt, &p->base);
    return wta_block_on(rt, h, polls);
}

/* IDLE -> SCHEDULED: does a timer's wake bring a sleeping task back? */
static int timer_wakes_task(void)
{
    struct wta_runtime *rt = lab_runtime(2);
    intptr_t polls = 0;
    int rc = run_task(rt, probe(SLEEP), &polls);
    wta_runtime_free(rt);
    LAB_EXPECT(rc == 0 && polls == 2, "a task sleeping 1 ms to finish on its 2nd poll, "
               "got rc %d after %ld polls", rc, (long)polls);
    return 0;
}

/* RUNNING -> NOTIFIED, woken by itself: is a yield re-queued? */
static int yield_requeues(void)
{
    struct wta_runtime *rt = lab_runtime(2);
    struct probe *p = probe(YIELD);
    p->yields = 100;
    intptr_t polls = 0;
    int rc = run_task(rt, p, &polls);
    wta_runtime_free(rt);
    LAB_EXPECT(rc == 0 && polls == 101, "a task yielding 100 times to finish on poll 101, "
               "got rc %d after %ld polls", rc, (long)polls);
    return 0;
}

/* RUNNING -> NOTIFIED, woken by another thread: is that wake kept? */
static int wake_while_running(void)
{
    struct wta_runtime *rt = lab_runtime(2);
    struct wta_waker keep = {0};
    struct probe *p = probe(FOREIGN);
    p->keep = &keep;
    intptr_t polls = 0;
    int rc = run_task(rt, p, &polls);
    wta_runtime_free(rt);
    LAB_EXPECT(rc == 0 && polls == 2, "a task woken by another thread during its poll to be "
               "polled again (NOTIFIED, then re-queued), got rc %d after %ld polls",
               rc, (long)polls);
    return 0;
}

/*
 * SCHEDULED stays SCHEDULED: two wakes in a row queue the task once. One
 * worker, so the waking task runs only after the probe's poll has ended:
 * the wakes find it IDLE on every schedule (a wake during the poll is
 * wake_while_running's question, not this one's).
 */
static int double_wake_once(void)
{
    struct wta_runtime *rt = lab_runtime(1);
    for (int i = 0; i < 50; i++) {
        intptr_t polls = 0;
        int rc = run_task(rt, probe(IDLE_ONCE), &polls);
        if (rc != 0 || polls != 2) {
            wta_runtime_free(rt);
            LAB_EXPECT(0, "a task woken twice in a row to run exactly once more (2 polls), "
                       "got rc %d after %ld polls in round %d", rc, (long)polls, i);
        }
    }
    wta_runtime_free(rt);
    return 0;
}

/* DONE stays DONE: a wake after the task finished is stale and harmless. */
static int stale_wake(void)
{
    struct wta_runtime *rt = lab_runtime(2);
    struct wta_waker keep = {0};
    struct probe *p = probe(SLEEP);
    p->keep = &keep;
    intptr_t polls = 0;
    int rc = run_task(rt, p, &polls);
    wta_waker_wake_by_ref(&keep);          // the task is DONE: nothing may happen
    wta_waker_wake(&keep);
    intptr_t again = 0;
    int rc2 = wta_block_on(rt, wta_ready(5), &again);
    wta_runtime_free(rt);
    LAB_EXPECT(rc == 0 && polls == 2, "the sleeping task to finish on its 2nd poll, got rc %d "
               "after %ld polls", rc, (long)polls);
    LAB_EXPECT(rc2 == 0 && again == 5, "the runtime to carry on after a stale wake");
    return 0;
}

const struct lab_scenario lab_scenarios[] = {
    {"timer_wakes_task", timer_wakes_task},
    {"yield_requeues", yield_requeues},
    {"wake_while_running", wake_while_running},
    {"double_wake_once", double_wake_once},
    {"stale_wake", stale_wake},
};
const int lab_nscenarios = sizeof lab_scenarios / sizeof lab_scenarios[0];

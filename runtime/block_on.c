/*
 * block_on.c - run a future to completion on the calling thread.
 *
 * block_on polls the main future itself, with a MainWaker: a `ready` flag
 * that any thread may set. Between polls the thread does book_keeping():
 * here, sleep until the flag is set, because an idle worker turns the
 * reactor (park.c). The original turned the reactor here, every
 * 100 us, and nowhere else: bug W5, kept below as book_keeping_w5().
 *
 * The order of "clear the flag" and "poll" is the whole lesson (W1):
 *
 *     ready = false; poll();     a wake during the poll sets ready again:
 *                                we poll once more. Correct.
 *     poll(); ready = false;     a wake during the poll is erased, and
 *                                nobody will wake us again: a hang.
 *
 * Hang check (not in the original; hang.c): if the flag is clear and no
 * thread the runtime knows can ever set it, block_on reports -EDEADLK
 * rather than sleep forever.
 *
 * The MainWaker is reference counted (a task may keep a clone past its
 * poll); the runtime keeps one spare and reuses it when nobody else holds
 * it, so a block_on costs no allocation. Each MainWaker holds a reference
 * on the runtime's struct, so a clone kept past wta_runtime_free can still
 * be woken (a no-op: nobody waits) and dropped.
 */
#include <errno.h>
#include <stdlib.h>

#include "internal.h"

struct main_waker {
    struct wta_hang_main hm;        /* what the hang check asks of main (hang.c) */
    _Atomic int refs;
    _Atomic bool ready;
    _Atomic bool waiting;           /* block_on is (about to be) asleep */
    _Atomic uint64_t wake_t;        /* trace stamp of the last wake */
    struct wta_runtime *rt;
};

static struct wta_waker mw_clone(const struct wta_waker *w);
static void mw_wake(struct wta_waker *w);
static void mw_wake_by_ref(const struct wta_waker *w);
static void mw_drop(struct wta_waker *w);

static const struct wta_waker_vt main_waker_vt = {
    .clone = mw_clone, .wake = mw_wake, .wake_by_ref = mw_wake_by_ref, .drop = mw_drop,
};

/* Frees mw (NULL allowed) and lets go of its runtime. */
static void mw_free(struct main_waker *mw)
{
    if (mw == NULL)
        return;
    struct wta_runtime *rt = mw->rt;
    free(mw);
    wta_runtime_release(rt);
}

static void mw_held_wake(struct wta_waker *w);
static void mw_held_drop(struct wta_waker *w);

/* A clone a runtime structure holds (a JoinHandle, a channel): see waker.c. */
static const struct wta_waker_vt main_held_vt = {
    .clone = mw_clone, .wake = mw_held_wake, .wake_by_ref = mw_wake_by_ref, .drop = mw_held_drop,
};

static void mw_release(struct main_waker *mw)
{
    if (wta_atomic_fetch_sub(&mw->refs, 1) == 1)
        mw_free(mw);
}

/* A clone for the user: a clone of a held one is the user's too. */
static struct wta_waker mw_clone(const struct wta_waker *w)
{
    struct main_waker *mw = w->data;
    wta_atomic_fetch_add(&mw->refs, 1);
    wta_hang_main_clones(&mw->hm, +1, false);
    return (struct wta_waker){.vt = &main_waker_vt, .data = mw};
}

static void mw_drop(struct wta_waker *w)
{
    struct main_waker *mw = w->data;
    wta_hang_main_clones(&mw->hm, -1, false);
    if (wta_atomic_load(&mw->waiting))
        wta_hang_poke(mw->rt);   // the user's clone: maybe the last hope of a wake
    mw_release(mw);
}

static void mw_held_drop(struct wta_waker *w)
{
    struct main_waker *mw = w->data;
    wta_hang_main_clones(&mw->hm, -1, true);
    mw_release(mw);
}

/*
 * waker.c's wta_waker_clone_held, when w is a MainWaker: *out is a clone
 * a runtime structure keeps, and why says what for. On block_on's thread
 * (in the main future's poll). False if w is not a MainWaker.
 */
bool wta_main_waker_clone_held(const struct wta_waker *w, const struct wta_wait *why,
                               struct wta_waker *out)
{
    if (w->vt != &main_waker_vt && w->vt != &main_held_vt)
        return false;
    struct main_waker *mw = w->data;
    mw->hm.wait = *why;
    wta_atomic_fetch_add(&mw->refs, 1);
    wta_hang_main_clones(&mw->hm, +1, true);
    *out = (struct wta_waker){.vt = &main_held_vt, .data = mw};
    return true;
}

/* Do a and b wake the same MainWaker (held or not)? */
bool wta_main_waker_same(const struct wta_waker *a, const struct wta_waker *b)
{
    return (a->vt == &main_waker_vt || a->vt == &main_held_vt) &&
           (b->vt == &main_waker_vt || b->vt == &main_held_vt) && a->data == b->data;
}

/* Any thread: set the flag, and wake block_on if it sleeps. */
static void mw_wake_by_ref(const struct wta_waker *w)
{
    struct main_waker *mw = w->data;
    struct wta_runtime *rt = mw->rt;
    if (rt->trace != NULL) {
        struct wta_task *cur = wta_self.current;
        bool was = wta_atomic_load(&mw->ready);
        wta_atomic_store(&mw->wake_t,
                     wta_trace_rec(rt, 0, WTA_EV_MAIN_WAKE,
                                   WTA_S(wta_wake_source_name(wta_self.src)),
                                   cur != NULL ? wta_task_id(cur) : 0, was, wta_self.cause,
                                   0, 0));
    }
    wta_atomic_store(&mw->ready, true);
    // Pairs with book_keeping: it sets `waiting` and then checks `ready`.
    if (wta_atomic_load(&mw->waiting)) {
        wta_mutex_lock(&rt->main_lock);
        wta_cond_broadcast(&rt->main_cond);
        wta_mutex_unlock(&rt->main_lock);
    }
}

static void mw_wake(struct wta_waker *w)
{
    mw_wake_by_ref(w);
    mw_drop(w);
}

static void mw_held_wake(struct wta_waker *w)
{
    mw_wake_by_ref(w);
    mw_held_drop(w);
}

/* A MainWaker: the runtime's spare if it has one, else a new one. */
static struct main_waker *main_waker_get(struct wta_runtime *rt)
{
    struct main_waker *mw = wta_atomic_exchange(&rt->spare_main_waker, NULL);
    if (mw == NULL) {
        mw = wta_xmalloc(sizeof *mw);
        wta_runtime_hold(rt);   // the spare keeps it
    }
    atomic_init(&mw->refs, 1);
    wta_atomic_store(&mw->ready, true);
    wta_atomic_store(&mw->waiting, false);
    wta_atomic_store(&mw->wake_t, 0);
    mw->rt = rt;
    mw->hm = (struct wta_hang_main){.name = NULL};
    atomic_init(&mw->hm.clones, 0);
    atomic_init(&mw->hm.held, 0);
    return mw;
}

/* Done with mw: keep it as the spare if no clone of it is alive. */
static void main_waker_put(struct wta_runtime *rt, struct main_waker *mw)
{
    if (wta_atomic_load(&mw->refs) == 1) {
        struct main_waker *old = wta_atomic_exchange(&rt->spare_main_waker, mw);
        mw_free(old);
    } else {
        mw_release(mw);   // the last clone frees it
    }
}

/* Frees the spare at shutdown. */
void wta_main_waker_free_spare(struct wta_runtime *rt)
{
    mw_free(wta_atomic_exchange(&rt->spare_main_waker, NULL));
}

/*
 * W5 on: the original's book_keeping. Only this thread turns the reactor,
 * and it never sleeps longer than 100 us: a spin while idle, and nobody
 * fires timers once block_on has returned.
 */
#define W5_SPIN_NS 100000

static int book_keeping_w5(struct wta_runtime *rt, struct main_waker *mw)
{
    WTA_TRACE(rt, MAIN_WAIT, 0);
    while (!wta_atomic_load(&mw->ready)) {
        if (wta_hang_certain(rt, &mw->ready, &mw->hm)) {
            WTA_TRACE(rt, MAIN_RESUME, WTA_S("hang"));
            return -EDEADLK;
        }
        wta_reactor_turn_w5(rt->reactor, W5_SPIN_NS);   // LESSON 14: W5: only here, every 100 us
    }
    WTA_TRACE_AFTER(rt, wta_atomic_load(&mw->wake_t), MAIN_RESUME, WTA_S("woken"));
    return 0;
}

/* Between polls: sleep until the MainWaker fires. -EDEADLK on a hang. */
static int book_keeping(struct wta_runtime *rt, struct main_waker *mw)
{
    int rc = 0;
    wta_mutex_lock(&rt->main_lock);
    wta_atomic_store(&mw->waiting, true);
    wta_atomic_fetch_add(&rt->main_waiters, 1);
    WTA_TRACE(rt, MAIN_WAIT, 0);
    while (!wta_atomic_load(&mw->ready)) {
        if (wta_hang_certain(rt, &mw->ready, &mw->hm)) {   // hang.c
            rc = -EDEADLK;
            break;
        }
        wta_cond_wait(&rt->main_cond, &rt->main_lock);
    }
    wta_atomic_fetch_sub(&rt->main_waiters, 1);
    wta_atomic_store(&mw->waiting, false);
    WTA_TRACE_AFTER(rt, wta_atomic_load(&mw->wake_t), MAIN_RESUME, WTA_S(rc ? "hang" : "woken"));
    wta_mutex_unlock(&rt->main_lock);
    return rc;
}

static _Thread_local int block_on_depth;   /* block_on calls on this thread, nested */

/*
 * The calling thread becomes rt's main thread for this call; returns what
 * to restore, since block_on may nest (inside a blocking job, ...).
 * Counted once per thread: another thread in block_on may wake our main
 * future (hang.c), a nested call on this one cannot.
 */
static struct wta_thread enter(struct wta_runtime *rt)
{
    struct wta_thread saved = wta_self;
    saved.rt = wta_thread_rt();
    wta_thread_enter(rt, NULL);
    if (block_on_depth++ == 0)
        wta_atomic_fetch_add(&rt->block_on_threads, 1);
    wta_self.src = WTA_SRC_MAIN;
    wta_self.cause = 0;
    wta_self.current = NULL;
    return saved;
}

/* Undoes enter(). */
static void leave(struct wta_runtime *rt, const struct wta_thread *saved)
{
    if (--block_on_depth == 0 && wta_atomic_fetch_sub(&rt->block_on_threads, 1) > 1)
        wta_hang_poke(rt);   // one fewer thread that could wake the others: look again
    wta_self.rt = saved->rt;
    wta_self.rt_unpinned = saved->rt != NULL && saved->rt_unpinned;
    wta_self.rt_serial = saved->rt_serial;
    wta_self.current = saved->current;
    wta_self.poll_now = saved->poll_now;   // a nested block_on's poll ended inside ours
    wta_self.src = saved->src;
    wta_self.cause = saved->cause;
}

int wta_block_on(struct wta_runtime *rt, struct wta_future *f, intptr_t *out)
{
    if (rt == NULL || f == NULL) {
        wta_future_drop(f);   // consumed on every path
        return -EINVAL;
    }
    if (wta_self.worker != NULL) {
        wta_future_drop(f);
        return -EDEADLK;   // a worker waiting on itself could never finish
    }
    struct wta_thread saved = enter(rt);

    struct main_waker *mw = main_waker_get(rt);
    struct wta_waker waker = {.vt = &main_waker_vt, .data = mw};
    struct wta_context cx = {.waker = &waker};
    bool w1 = wta_bug(rt, WTA_BUG_W1);
    intptr_t value = 0;
    int rc;

    WTA_TRACE(rt, BLOCK_ON_BEGIN, WTA_S(f->vt->name));
    mw->hm.name = f->vt->name;
    for (uint64_t poll = 1;; poll++) {
        mw->hm.polls = poll;                 // for a hang's dump
        mw->hm.last_poll_ns = wta_clock_ns();
        mw->hm.told_external = false;
        if (!w1) {
            bool was = wta_atomic_exchange(&mw->ready, false);   // LESSON 01: clear *before* polling
            WTA_TRACE(rt, MAIN_FLAG, was, WTA_S("before-poll"));
        }
        WTA_TRACE_AFTER(rt, wta_atomic_load(&mw->wake_t), MAIN_POLL_BEGIN, poll);
        wta_self.poll_now = mw->hm.last_poll_ns;   // the poll's one clock reading
        wta_sim_point();
        rc = f->vt->poll(f, &cx, &value);
        wta_sim_point();
        wta_self.poll_now = 0;
        WTA_TRACE(rt, MAIN_POLL_END, poll, WTA_S(rc == WTA_PENDING ? "pending" : "ready"));
        if (w1) {
            bool was = wta_atomic_exchange(&mw->ready, false);   // LESSON 10: W1 erases a wake from the poll
            WTA_TRACE(rt, MAIN_FLAG, was, WTA_S("after-poll"));
        }
        if (rc != WTA_PENDING)
            break;
        rc = wta_bug(rt, WTA_BUG_W5) ? book_keeping_w5(rt, mw) : book_keeping(rt, mw);
        if (rc != 0)
            break;
    }
    wta_future_drop(f);
    WTA_TRACE(rt, BLOCK_ON_END, rc);
    main_waker_put(rt, mw);
    leave(rt, &saved);
    if (out != NULL)
        *out = value;
    return rc;
}

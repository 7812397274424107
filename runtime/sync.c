/*
 * sync.c - the few primitives every other file leans on: a mutex that
 * knows its owner (so a function can assert "must hold exec->lock"),
 * condvars, thread start and join, the clock, panics and checked
 * allocation.
 *
 * wta_mutex_held() is exact for the calling thread: owner is written only
 * by the thread that holds the lock, so if it equals our id we hold it.
 *
 * Each of these is also a switch point of the deterministic mode (sim.c):
 * when the calling thread is one of its runners (wta_sim_me), the call
 * lets the scheduler choose who runs next, and waiting - for a lock held
 * by another runner, a condvar, a thread's end - gives the baton away
 * instead of blocking the OS thread. Every lock and every atomic that
 * publishes state to another thread goes through here, so new code
 * cannot slip past the scheduler.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "internal.h"

static _Atomic unsigned long next_thread_id = 1;
static _Thread_local unsigned long my_thread_id;

/* A small number naming the calling thread, never 0. */
unsigned long wta_thread_id(void)
{
    if (my_thread_id == 0)
        my_thread_id = atomic_fetch_add(&next_thread_id, 1);
    return my_thread_id;
}

void wta_mutex_init(struct wta_mutex *mu)
{
    // The static initializer: a default mutex, without pthread_mutex_init's
    // attribute handling (one per task and per JoinHandle adds up).
    mu->m = (pthread_mutex_t)PTHREAD_MUTEX_INITIALIZER;
    atomic_init(&mu->owner, 0);
}

void wta_mutex_destroy(struct wta_mutex *mu)
{
    pthread_mutex_destroy(&mu->m);
}

/*
 * Deterministic mode: take the real mutex too (the trace writer, which is
 * no runner, shares some locks), but never block the OS thread on one
 * held by another runner: that runner needs the baton to let go.
 */
static void sim_lock(struct wta_mutex *mu)
{
    wta_sim_point();
    while (pthread_mutex_trylock(&mu->m) != 0) {
        unsigned long holder = atomic_load_explicit(&mu->owner, memory_order_relaxed);
        if (holder != 0 && wta_sim_is_runner(holder)) {
            wta_sim_block(mu);   // its unlock wakes us
            continue;
        }
        if (pthread_mutex_lock(&mu->m) != 0)   // held outside the runners: briefly
            wta_panic("mutex lock");
        break;
    }
    atomic_store_explicit(&mu->owner, wta_thread_id(), memory_order_relaxed);
}

void wta_mutex_lock(struct wta_mutex *mu)
{
    if (wta_sim_me != NULL) {
        sim_lock(mu);
        return;
    }
    if (pthread_mutex_lock(&mu->m) != 0)
        wta_panic("mutex lock");
    atomic_store_explicit(&mu->owner, wta_thread_id(), memory_order_relaxed);
}

void wta_mutex_unlock(struct wta_mutex *mu)
{
    atomic_store_explicit(&mu->owner, 0, memory_order_relaxed);
    if (pthread_mutex_unlock(&mu->m) != 0)
        wta_panic("mutex unlock");
    if (wta_sim_me != NULL) {
        wta_sim_wake(mu, true);
        wta_sim_point();
    }
}

bool wta_mutex_held(struct wta_mutex *mu)
{
    return atomic_load_explicit(&mu->owner, memory_order_relaxed) == wta_thread_id();
}

/*
 * pthread_cond_wait on a wta_mutex; the owner field follows the lock.
 * Deterministic mode: let go, wait as a runner until signalled, relock.
 */
void wta_cond_wait(pthread_cond_t *c, struct wta_mutex *mu)
{
    atomic_store_explicit(&mu->owner, 0, memory_order_relaxed);
    if (wta_sim_me != NULL) {
        if (pthread_mutex_unlock(&mu->m) != 0)
            wta_panic("cond wait");
        wta_sim_wake(mu, true);
        wta_sim_block(c);
        sim_lock(mu);
        return;
    }
    if (pthread_cond_wait(c, &mu->m) != 0)
        wta_panic("cond wait");
    atomic_store_explicit(&mu->owner, wta_thread_id(), memory_order_relaxed);
}

/* Wakes one waiter of c (any thread; the caller may hold its mutex). */
void wta_cond_signal(pthread_cond_t *c)
{
    if (wta_sim_me != NULL)
        wta_sim_wake(c, false);
    if (pthread_cond_signal(c) != 0)
        wta_panic("cond signal");
}

void wta_cond_broadcast(pthread_cond_t *c)
{
    if (wta_sim_me != NULL)
        wta_sim_wake(c, true);
    if (pthread_cond_broadcast(c) != 0)
        wta_panic("cond broadcast");
}

/* Starts a runtime thread (a worker, a blocking thread). 0 or -errno. */
int wta_thread_start(pthread_t *th, void *(*fn)(void *), void *arg)
{
    if (wta_sim_me != NULL)
        return wta_sim_thread_start(th, fn, arg);
    return -pthread_create(th, NULL, fn, arg);
}

/* Waits for a thread started by wta_thread_start to return. */
void wta_thread_join(pthread_t th)
{
    if (wta_sim_me != NULL)
        wta_sim_thread_join(th);
    else if (pthread_join(th, NULL) != 0)
        wta_panic("thread join");
}

/* Now: CLOCK_MONOTONIC, or the virtual clock of deterministic mode. */
void wta_spent_ns(uint64_t ns)
{
    if (wta_sim_me != NULL)
        wta_sim_spend(ns);
}

uint64_t wta_clock_ns(void)
{
    if (wta_sim_me != NULL)
        return wta_sim_now();
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

/*
 * The clock as the poll on this thread read it when it began: every sleep
 * a poll looks at compares its deadline with the same instant, so of two
 * deadlines the earlier is never judged due after the later (reading the
 * clock afresh for each would let the second see a later time, since
 * arming the first takes microseconds). Outside a poll, the clock.
 */
uint64_t wta_poll_clock_ns(void)
{
    return wta_self.poll_now != 0 ? wta_self.poll_now : wta_clock_ns();
}

/* A broken invariant: say which check failed and stop the process. */
_Noreturn void wta_panic(const char *tag)
{
    fprintf(stderr, "wta: panic: %s\n", tag);
    abort();
}

void *wta_xmalloc(size_t n)
{
    void *p = malloc(n);
    if (p == NULL)
        wta_panic("oom");
    return p;
}

void *wta_xcalloc(size_t n, size_t size)
{
    void *p = calloc(n, size);
    if (p == NULL)
        wta_panic("oom");
    return p;
}

/* Text for a negative errno, including wta's own meanings. */
const char *wta_strerror(int err)
{
    switch (err) {
    case 0:           return "success";
    case -EDEADLK:    return "hang: nothing can ever wake the main future";
    case -ECANCELED:  return "task was cancelled (dropped before it finished)";
    case -ESRCH:      return "not inside a wta runtime";
    case -EPIPE:      return "the other side of the channel is gone";
    case -ETIMEDOUT:  return "timed out";
    default:          return strerror(-err);
    }
}

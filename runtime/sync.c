/*
 * sync.c - the few primitives every other file leans on: a mutex that
 * knows its owner (so a function can assert "must hold exec->lock"), the
 * monotonic clock, panics and checked allocation.
 *
 * wta_mutex_held() is exact for the calling thread: owner is written only
 * by the thread that holds the lock, so if it equals our id we hold it.
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

void wta_mutex_lock(struct wta_mutex *mu)
{
    if (pthread_mutex_lock(&mu->m) != 0)
        wta_panic("mutex lock");
    atomic_store_explicit(&mu->owner, wta_thread_id(), memory_order_relaxed);
}

void wta_mutex_unlock(struct wta_mutex *mu)
{
    atomic_store_explicit(&mu->owner, 0, memory_order_relaxed);
    if (pthread_mutex_unlock(&mu->m) != 0)
        wta_panic("mutex unlock");
}

bool wta_mutex_held(struct wta_mutex *mu)
{
    return atomic_load_explicit(&mu->owner, memory_order_relaxed) == wta_thread_id();
}

/* pthread_cond_wait on a wta_mutex; the owner field follows the lock. */
void wta_cond_wait(pthread_cond_t *c, struct wta_mutex *mu)
{
    atomic_store_explicit(&mu->owner, 0, memory_order_relaxed);
    if (pthread_cond_wait(c, &mu->m) != 0)
        wta_panic("cond wait");
    atomic_store_explicit(&mu->owner, wta_thread_id(), memory_order_relaxed);
}

uint64_t wta_clock_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
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

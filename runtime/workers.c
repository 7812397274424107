/*
 * workers.c - the executor's life: made with its workers, their threads
 * started (the original's Runtime::spawn_worker; each runs worker_main,
 * executor.c), stopped at shutdown, and freed.
 *
 * Start and stop are one of the deterministic mode's seams: every worker
 * thread is started and joined here, through sync.c's wta_thread_start
 * and wta_thread_join, so each becomes a runner of the simulation.
 *
 * Shutdown sets ex->shutdown under ex->lock, picks every sleeper as a
 * push would (the trace says why="shutdown"), interrupts the reactor if a
 * worker is in it, signals every worker's condvar and joins the threads.
 * A busy worker sees the flag before its next poll (poll_once). Tasks
 * still queued are not run: they stay listed for shutdown's drop_all.
 */
#include <stdio.h>
#include <stdlib.h>

#include "executor.h"

int wta_worker_index(const struct wta_worker *w)
{
    return w->index;
}

/* Makes the executor and its workers, their threads not started yet. */
struct wta_executor *wta_executor_new(struct wta_runtime *rt)
{
    struct wta_executor *ex = wta_xcalloc(1, sizeof *ex);
    ex->rt = rt;
    ex->per_worker = rt->cfg.scheduler == WTA_SCHED_LOCAL;
    wta_mutex_init(&ex->lock);
    wta_runq_init(&ex->global, "global", &ex->lock);
    atomic_init(&ex->nparked, 0);
    atomic_init(&ex->nsearching, 0);
    atomic_init(&ex->shutdown, false);
    ex->nworkers = rt->nworkers;
    ex->workers = wta_xcalloc((size_t)ex->nworkers, sizeof *ex->workers);
    for (int i = 0; i < ex->nworkers; i++) {
        struct wta_worker *w = &ex->workers[i];
        char name[24];
        snprintf(name, sizeof name, "local-%d", i);
        snprintf(w->next_name, sizeof w->next_name, "next-%d", i);
        w->ex = ex;
        w->index = i;
        wta_ring_init(&w->local, name);
        pthread_cond_init(&w->cond, NULL);
    }
    return ex;
}

/* Starts one thread per worker; if one fails, stops those started. 0 or -errno. */
int wta_executor_start(struct wta_executor *ex)
{
    for (int i = 0; i < ex->nworkers; i++) {
        int err = wta_thread_start(&ex->workers[i].thread, wta_worker_main, &ex->workers[i]);
        if (err != 0) {
            wta_executor_stop(ex);
            return err;
        }
        ex->workers[i].started = true;
    }
    return 0;
}

/* Tells every worker to stop and joins them. Tasks left stay listed. */
void wta_executor_stop(struct wta_executor *ex)
{
    struct wta_worker *w;
    bool interrupt, any_interrupt = false;
    wta_mutex_lock(&ex->lock);
    wta_atomic_store(&ex->shutdown, true);
    do {
        wta_pick_sleeper(ex, "shutdown", &w, &interrupt);
        any_interrupt |= interrupt;
    } while (w != NULL || interrupt);
    any_interrupt |= ex->driving;
    wta_mutex_unlock(&ex->lock);
    if (any_interrupt)
        wta_reactor_unpark(ex->rt->reactor);
    for (int i = 0; i < ex->nworkers; i++)
        wta_cond_signal(&ex->workers[i].cond);
    for (int i = 0; i < ex->nworkers; i++) {
        if (ex->workers[i].started)
            wta_thread_join(ex->workers[i].thread);
        ex->workers[i].started = false;
    }
}

/* After wta_executor_stop. */
void wta_executor_free(struct wta_executor *ex)
{
    for (int i = 0; i < ex->nworkers; i++)
        pthread_cond_destroy(&ex->workers[i].cond);
    free(ex->workers);
    wta_mutex_destroy(&ex->lock);
    free(ex);
}

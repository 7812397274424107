/*
 * blocking.c - spawn_blocking: run a blocking function off the workers.
 *
 * A worker that blocks (on a disk read, a sleep, a long computation) stops
 * every task queued behind it. spawn_blocking hands such a function to a
 * separate pool of threads instead and gives back a JoinHandle.
 *
 * The pool: a FIFO of jobs under one lock. Every queued job needs a thread
 * of its own that is idle now: while there are more queued jobs than idle
 * threads, a submit starts a new thread, up to cfg.max_blocking; past
 * that, jobs wait their turn. Counting queued jobs, not signals sent,
 * matters: a job may wait for the job submitted after it, and an idle
 * thread that was signalled but has not woken yet can take only one.
 * A thread whose job just finished counts as idle from before it wakes
 * the job's awaiter (`returning`): in a strictly sequential pipeline the
 * next job is submitted in that window, and must not start a new thread.
 *
 * Threads are kept for later jobs and joined at shutdown, which waits for
 * queued and running jobs (a blocking function cannot be interrupted).
 * Once shutdown has begun the pool takes no new job: a submit gets a
 * JoinHandle that reports -ECANCELED, so no thread is started that
 * shutdown would not join. `active` counts jobs queued or running, so
 * block_on's hang check knows a job may still wake someone.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>

#include "internal.h"

struct job {
    wta_blocking_fn fn;
    void *arg;
    const char *name;
    uint64_t id;
    struct wta_oneshot_tx *tx;
    struct job *next;
};

struct wta_blocking {
    struct wta_runtime *rt;
    struct wta_mutex lock;        /* guards all but `active` */
    pthread_cond_t cond;          /* idle threads wait here for a job */
    struct job *head, *tail;
    int nqueued;                  /* jobs in head..tail */
    pthread_t *threads;
    int nthreads, idle, max;      /* idle: threads waiting on cond */
    int returning;                /* threads back from a job, not yet waiting */
    bool shutdown;
    uint64_t next_job;
    _Atomic int active;           /* jobs queued or running */
    _Atomic uint64_t finished;    /* jobs whose result was sent (hang check hook) */
};

struct thread_arg {
    struct wta_blocking *b;
    int index;
};

static void *blocking_main(void *p)
{
    struct thread_arg ta = *(struct thread_arg *)p;
    struct wta_blocking *b = ta.b;
    free(p);
    char name[24];
    snprintf(name, sizeof name, "blocking-%d", ta.index);
    wta_thread_enter(b->rt, name);
    wta_self.src = WTA_SRC_BLOCKING;

    wta_mutex_lock(&b->lock);
    for (;;) {
        while (b->head == NULL && !b->shutdown) {
            b->idle++;
            wta_cond_wait(&b->cond, &b->lock);
            b->idle--;
        }
        if (b->head == NULL)
            break;   // shutdown, and no job left
        struct job *j = b->head;
        b->head = j->next;
        if (b->head == NULL)
            b->tail = NULL;
        b->nqueued--;
        wta_mutex_unlock(&b->lock);

        WTA_TRACE(b->rt, BLOCKING_START, j->id, WTA_S(j->name));
        wta_self.cause = j->id;       // a wake the job makes names it
        intptr_t v = j->fn(j->arg);   // LESSON 15: the job blocks this thread, not a worker
        wta_self.cause = 0;
        WTA_TRACE(b->rt, BLOCKING_DONE, j->id, v);
        wta_mutex_lock(&b->lock);
        b->returning++;               // before the wake: its next job is ours to take
        wta_mutex_unlock(&b->lock);
        wta_join_send(j->tx, 0, v);   // LESSON 15: its JoinHandle wakes the awaiting task
        free(j);
        // Hang check hook (hang.c): after the send's wake, block_on may look again.
        wta_atomic_fetch_add(&b->finished, 1);   // before active: a look that sees idle sees this
        wta_atomic_fetch_sub(&b->active, 1);
        wta_hang_poke(b->rt);

        wta_mutex_lock(&b->lock);
        b->returning--;               // the loop's test sees any job queued meanwhile
    }
    wta_mutex_unlock(&b->lock);
    wta_trace_thread_done();
    wta_thread_leave();
    return NULL;
}

struct wta_blocking *wta_blocking_new(struct wta_runtime *rt)
{
    struct wta_blocking *b = wta_xcalloc(1, sizeof *b);
    b->rt = rt;
    b->max = rt->cfg.max_blocking;
    b->threads = wta_xcalloc((size_t)b->max, sizeof *b->threads);
    wta_mutex_init(&b->lock);
    pthread_cond_init(&b->cond, NULL);
    b->next_job = 1;
    atomic_init(&b->active, 0);
    atomic_init(&b->finished, 0);
    return b;
}

struct wta_future *wta_spawn_blocking_at(struct wta_runtime *rt, wta_blocking_fn fn,
                                         void *arg, const char *name,
                                         const char *file, int line)
{
    (void)file;
    (void)line;
    if (rt == NULL)
        rt = wta_thread_rt();
    if (rt == NULL || fn == NULL) {
        errno = rt == NULL ? ESRCH : EINVAL;
        return NULL;
    }
    struct wta_blocking *b = rt->blocking;
    struct job *j = calloc(1, sizeof *j);
    struct wta_future *handle = NULL;
    if (j == NULL || wta_join_new(&j->tx, &handle, WTA_SRC_BLOCKING) != 0) {
        free(j);
        errno = ENOMEM;
        return NULL;
    }
    j->fn = fn;
    j->arg = arg;
    j->name = name != NULL ? name : "blocking";

    wta_mutex_lock(&b->lock);
    if (b->shutdown) {
        // Too late: shutdown joins only the threads it has counted.
        wta_mutex_unlock(&b->lock);
        wta_join_cancel(j->tx);
        free(j);
        return handle;
    }
    wta_atomic_fetch_add(&b->active, 1);
    j->id = b->next_job++;
    wta_join_set_task(j->tx, 0);
    wta_join_set_cause(j->tx, j->id);   // its wake names the job
    if (b->tail != NULL)
        b->tail->next = j;
    else
        b->head = j;
    b->tail = j;
    b->nqueued++;
    // An idle (or returning) thread takes one job; more jobs than those need a new one.
    if (b->nqueued > b->idle + b->returning && b->nthreads < b->max) {
        struct thread_arg *ta = wta_xmalloc(sizeof *ta);
        ta->b = b;
        ta->index = b->nthreads;
        if (wta_thread_start(&b->threads[ta->index], blocking_main, ta) == 0)
            b->nthreads++;
        else
            free(ta);   // the job waits for a thread that exists
    }
    if (b->idle > 0)
        wta_cond_signal(&b->cond);
    wta_mutex_unlock(&b->lock);
    return handle;
}

/*
 * Hang check hook (hang.c): no job queued or running? Any thread.
 * *finished (if not NULL): jobs whose result was sent so far.
 */
bool wta_blocking_idle(struct wta_blocking *b, uint64_t *finished)
{
    bool idle = wta_atomic_load(&b->active) == 0;
    if (finished != NULL)   // read after active: a job seen gone is counted here
        *finished = wta_atomic_load(&b->finished);
    return idle;
}

/* Shutdown: lets queued and running jobs finish, joins every thread. */
void wta_blocking_free(struct wta_blocking *b)
{
    wta_mutex_lock(&b->lock);
    b->shutdown = true;
    wta_cond_broadcast(&b->cond);
    int n = b->nthreads;
    wta_mutex_unlock(&b->lock);
    for (int i = 0; i < n; i++)
        wta_thread_join(b->threads[i]);
    // A job queued when no thread could be started never ran.
    for (struct job *j = b->head, *next; j != NULL; j = next) {
        next = j->next;
        wta_join_cancel(j->tx);
        free(j);
    }
    free(b->threads);
    pthread_cond_destroy(&b->cond);
    wta_mutex_destroy(&b->lock);
    free(b);
}

/*
 * runtime.c - the runtime: an executor (worker threads and run queues), a
 * pool of blocking threads, and the trace recorder, created together and
 * shut down together.
 *
 * Each thread knows what it is to the runtime through thread-local storage
 * (wta_self): workers register there when they start, block_on registers
 * the calling thread for its duration, so wta_spawn() inside a task or a
 * main future finds "its" runtime without being passed one, as in Rust's
 * wta and tokio 0.1's DefaultExecutor.
 *
 * Shutdown order matters: stop the workers first (nobody polls any more),
 * then wait for blocking jobs (they may still wake tasks), then drop every
 * task that is left (its future's drop runs, its JoinHandle is cancelled,
 * its sockets and timers leave the reactor), then free the reactor, and
 * only then close the trace, so every event above is recorded.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "internal.h"

_Thread_local struct wta_thread wta_self;

#define WTA_BUG_ALL (WTA_BUG_W1 | WTA_BUG_W2 | WTA_BUG_W3 | WTA_BUG_W4 | WTA_BUG_W5)

bool wta_bug(const struct wta_runtime *rt, enum wta_bug b)
{
    return (rt->cfg.bugs & (unsigned)b) != 0;
}

/*
 * Live runtimes. The creating thread keeps its runtime in wta_self without
 * being inside it, and another thread may free that runtime: the pointer
 * is then checked against this list, by serial number, before each use.
 * (Workers, blocking threads and block_on are inside the runtime, which
 * cannot be freed under them: theirs is never checked.)
 */
static struct wta_mutex live_lock = {PTHREAD_MUTEX_INITIALIZER, 0};
static struct wta_runtime *live_head;    /* guarded by live_lock */
static uint64_t next_serial = 1;         /* guarded by live_lock */

static void live_add(struct wta_runtime *rt)
{
    wta_mutex_lock(&live_lock);
    rt->serial = next_serial++;
    rt->live_next = live_head;
    live_head = rt;
    wta_mutex_unlock(&live_lock);
}

static void live_remove(struct wta_runtime *rt)
{
    wta_mutex_lock(&live_lock);
    struct wta_runtime **p = &live_head;
    while (*p != NULL && *p != rt)
        p = &(*p)->live_next;
    if (*p == rt)
        *p = rt->live_next;
    wta_mutex_unlock(&live_lock);
}

/* wta_thread_rt() on the creating thread: its runtime if still live, else NULL (forgotten). */
struct wta_runtime *wta_thread_rt_checked(void)
{
    bool live = false;
    wta_mutex_lock(&live_lock);
    for (struct wta_runtime *r = live_head; r != NULL && !live; r = r->live_next)
        live = r == wta_self.rt && r->serial == wta_self.rt_serial;
    wta_mutex_unlock(&live_lock);
    if (!live) {
        wta_self.rt = NULL;   // freed by another thread
        wta_self.rt_unpinned = false;
    }
    return wta_self.rt;
}

void wta_runtime_hold(struct wta_runtime *rt)
{
    wta_atomic_fetch_add_explicit(&rt->refs, 1, memory_order_relaxed);
}

/* The last reference frees the struct (wta_runtime_free has freed the rest). */
void wta_runtime_release(struct wta_runtime *rt)
{
    if (wta_atomic_fetch_sub_explicit(&rt->refs, 1, memory_order_acq_rel) == 1)
        free(rt);
}

/* Marks the calling thread as belonging to rt, under `name` in the trace. */
void wta_thread_enter(struct wta_runtime *rt, const char *name)
{
    wta_self.rt = rt;
    wta_self.rt_unpinned = false;
    wta_self.src = WTA_SRC_TASK;
    if (name != NULL)
        snprintf(wta_self.name, sizeof wta_self.name, "%s", name);
}

/* Forgets the runtime; the thread's trace buffer stays with the trace. */
void wta_thread_leave(void)
{
    wta_self.rt = NULL;
    wta_self.rt_unpinned = false;
    wta_self.worker = NULL;
    wta_self.current = NULL;
}

static int check_config(const struct wta_config *cfg)
{
    if (cfg->workers < 0 || cfg->workers > WTA_MAX_WORKERS)
        return -EINVAL;
    if ((cfg->bugs & ~(unsigned)WTA_BUG_ALL) != 0)
        return -EINVAL;
    if (cfg->scheduler != WTA_SCHED_DEFAULT && cfg->scheduler != WTA_SCHED_LOCAL &&
        cfg->scheduler != WTA_SCHED_GLOBAL)
        return -EINVAL;
    if (cfg->max_blocking < 0)
        return -EINVAL;
    return 0;
}

/*
 * The configuration the runtime will run with: cfg checked, then
 * $WTA_WORKERS and the rest applied (env.c; stderr says what is wrong),
 * then the defaults filled in. 0 or -EINVAL.
 */
static int settle_config(const struct wta_config *cfg, struct wta_config *out)
{
    struct wta_config defaults = {0};
    if (cfg == NULL)
        cfg = &defaults;
    int err = check_config(cfg);
    if (err != 0)
        return err;
    struct wta_config c = *cfg;
    char msg[256];
    if (wta_env_apply(&c, msg, sizeof msg) != 0) {
        fprintf(stderr, "wta: %s\n", msg);
        return -EINVAL;
    }
    if (c.workers == 0) {
        long n = sysconf(_SC_NPROCESSORS_ONLN);
        c.workers = n < 1 ? 1 : n > WTA_MAX_WORKERS ? WTA_MAX_WORKERS : (int)n;
    }
    if (c.max_blocking == 0)
        c.max_blocking = 64;
    if (c.scheduler == WTA_SCHED_DEFAULT)
        c.scheduler = WTA_SCHED_LOCAL;
    if (c.program == NULL)
        c.program = "wta";
    *out = c;
    return 0;
}

/* The counters, lists and main-thread lock every later part uses. */
static void init_shared(struct wta_runtime *rt)
{
    atomic_init(&rt->next_task_id, 1);
    atomic_init(&rt->next_chan_id, 1);
    atomic_init(&rt->live_tasks, 0);
    atomic_init(&rt->main_waiters, 0);
    atomic_init(&rt->block_on_threads, 0);
    atomic_init(&rt->refs, 1);   // the owner's, until wta_runtime_free
    wta_task_lists_init(rt);
    wta_mutex_init(&rt->main_lock);
    pthread_cond_init(&rt->main_cond, NULL);
}

static void destroy_shared(struct wta_runtime *rt)
{
    pthread_cond_destroy(&rt->main_cond);
    wta_mutex_destroy(&rt->main_lock);
    wta_task_lists_destroy(rt);
}

/*
 * The creating thread belongs to rt until it is freed: it may spawn (like
 * tokio's rt.enter()), and any thread may free it.
 */
static void adopt_creator(struct wta_runtime *rt)
{
    rt->creator = wta_thread_id();
    live_add(rt);
    wta_thread_enter(rt, NULL);
    wta_self.rt_unpinned = true;
    wta_self.rt_serial = rt->serial;
    wta_self.src = WTA_SRC_MAIN;
}

/* Opens the trace if asked; a trace that cannot be written only turns tracing off. */
static void open_trace(struct wta_runtime *rt)
{
    if (rt->cfg.trace_path != NULL && rt->cfg.trace_path[0] != '\0') {
        rt->trace_err = wta_trace_open(rt);
        if (rt->trace_err != 0)
            fprintf(stderr, "wta: cannot write trace file '%s': %s (tracing is off)\n",
                    rt->cfg.trace_path, wta_strerror(rt->trace_err));
    }
    WTA_TRACE(rt, RUNTIME_START, rt->nworkers,
              WTA_S(wta_executor_scheduler_name(rt)),
              rt->cfg.bugs);
}

/* The reactor, the executor and its workers, the blocking pool. 0 or -errno. */
static int start_parts(struct wta_runtime *rt)
{
    rt->reactor = wta_reactor_new(rt);
    if (rt->reactor == NULL)
        return -errno;
    rt->exec = wta_executor_new(rt);
    rt->blocking = wta_blocking_new(rt);
    return wta_executor_start(rt->exec);
}

/* Undoes what a failed wta_runtime_new had done, from its last step back. */
static void undo_new(struct wta_runtime *rt)
{
    if (rt->blocking != NULL)
        wta_blocking_free(rt->blocking);
    if (rt->exec != NULL)
        wta_executor_free(rt->exec);
    if (rt->reactor != NULL)
        wta_reactor_free(rt->reactor);
    wta_trace_close(rt);
    live_remove(rt);
    wta_thread_leave();
    wta_sim_free(rt->sim);
    destroy_shared(rt);
    free(rt);
}

struct wta_runtime *wta_runtime_new(const struct wta_config *cfg)
{
    struct wta_config c;
    int err = settle_config(cfg, &c);
    if (err != 0) {
        errno = -err;
        return NULL;
    }
    struct wta_runtime *rt = calloc(1, sizeof *rt);
    if (rt == NULL)
        return NULL;
    rt->cfg = c;
    rt->nworkers = c.workers;
    init_shared(rt);
    if (c.deterministic) {
        // From here on this thread is runner 0: every thread started below
        // waits for its turn (sim_block.c). The trace starts on the virtual clock.
        rt->sim = wta_sim_new(c.seed, &rt->main_cond);
        if (rt->sim == NULL) {
            destroy_shared(rt);
            free(rt);
            errno = EBUSY;   // this thread already steps another runtime
            return NULL;
        }
    }
    adopt_creator(rt);
    open_trace(rt);
    err = start_parts(rt);
    if (err != 0) {
        undo_new(rt);
        errno = -err;
        return NULL;
    }
    return rt;
}

void wta_runtime_free(struct wta_runtime *rt)
{
    if (rt == NULL)
        return;
    if (wta_self.worker != NULL)
        wta_panic("wta_runtime_free called from a worker");
    // Deterministic mode: the workers wait for the creating thread's baton;
    // from any other thread, joining them would wait forever.
    if (rt->sim != NULL && wta_thread_id() != rt->creator)
        wta_panic("wta_runtime_free: a deterministic runtime freed by another thread");
    live_remove(rt);                  // the creating thread forgets it, whichever thread frees
    wta_executor_stop(rt->exec);      // no worker polls after this
    wta_blocking_free(rt->blocking);  // waits for running jobs
    rt->blocking = NULL;
    int dropped = wta_task_drop_all(rt);   // their sockets and timers go too
    wta_reactor_free(rt->reactor);
    rt->reactor = NULL;
    WTA_TRACE(rt, RUNTIME_STOP, dropped);
    wta_trace_close(rt);
    wta_executor_free(rt->exec);
    wta_main_waker_free_spare(rt);
    destroy_shared(rt);
    if (wta_self.rt == rt)
        wta_thread_leave();
    wta_sim_free(rt->sim);            // every other runner has returned
    rt->sim = NULL;                   // a waker kept past free finds no scheduler
    wta_runtime_release(rt);          // wakers still alive keep the struct (a no-op to wake)
}

int wta_runtime_workers(const struct wta_runtime *rt)
{
    return rt->nworkers;
}

struct wta_runtime *wta_runtime_current(void)
{
    return wta_thread_rt();
}

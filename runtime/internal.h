/*
 * internal.h - what the runtime's files share with each other (not public).
 *
 * A table of contents, like xv6's defs.h: every cross-file function is
 * listed under the file that defines it.
 *
 * Lock order (take them top to bottom, never upward):
 *     rt->main_lock         block_on's sleep; its hang check looks below
 *     task->lock            a task's state; never held while polling
 *     worker->qlock         a worker's own run queue (executor.h)
 *     exec->lock            the global run queue and sleeping workers
 *     reactor lock          sources and timers
 *     trace writer lock     full trace buffers waiting to be written
 * Most paths hold one at a time: a wake takes task->lock, records the
 * wake, lets go, and only then pushes under the queue's lock.
 *
 * The seam for a deterministic mode (one OS thread stepping every worker
 * in a seeded order, on a virtual clock) is three places, each one
 * function: the clock is wta_clock_ns() (sync.c); threads are started in
 * wta_executor_start() (executor.c) and wta_spawn_blocking_at()
 * (blocking.c); a worker sleeps only in wta_park() and is woken only via
 * wta_pick_sleeper()/wta_finish_wake() (park.c) or the reactor's
 * wta_reactor_turn()/wta_reactor_unpark() (reactor.c).
 * No user code (a poll, a drop, a blocking job) runs under any of them.
 */
#ifndef WTA_INTERNAL_H
#define WTA_INTERNAL_H

#include <pthread.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>

#include "wta.h"
#include "wta_events.h"

struct wta_task;
struct wta_worker;
struct wta_trace;
struct wta_trace_buf;
struct wta_reactor;
struct wta_io_source;
struct main_waker;

// sync.c
/* A mutex that knows its owner, so lock rules can be asserted. */
struct wta_mutex {
    pthread_mutex_t m;
    _Atomic unsigned long owner;  /* wta_thread_id() of the holder, 0 if free */
};
struct wta_task_list {
    struct wta_mutex lock;
    struct wta_task *head;            /* doubly linked via all_next/all_prev */
};
void wta_mutex_init(struct wta_mutex *mu);
void wta_mutex_destroy(struct wta_mutex *mu);
void wta_mutex_lock(struct wta_mutex *mu);
void wta_mutex_unlock(struct wta_mutex *mu);
bool wta_mutex_held(struct wta_mutex *mu);
void wta_cond_wait(pthread_cond_t *c, struct wta_mutex *mu);
void wta_cond_signal(pthread_cond_t *c);
void wta_cond_broadcast(pthread_cond_t *c);
int  wta_thread_start(pthread_t *th, void *(*fn)(void *), void *arg);  /* 0 or -errno */
void wta_thread_join(pthread_t th);
unsigned long wta_thread_id(void);
uint64_t wta_clock_ns(void);                 /* CLOCK_MONOTONIC, or virtual */
_Noreturn void wta_panic(const char *tag);
void *wta_xmalloc(size_t n);                 /* panics "oom" */
void *wta_xcalloc(size_t n, size_t size);

// sim.c (deterministic mode: one runner at a time, seeded, virtual clock)
struct wta_sim;
struct wta_sim_runner;
extern _Thread_local struct wta_sim_runner *wta_sim_me;  /* NULL: not stepping */
void wta_sim_point_slow(void);
/* A switch point: the scheduler may let another runner go first. */
static inline void wta_sim_point(void)
{
    if (__builtin_expect(wta_sim_me != NULL, 0))
        wta_sim_point_slow();
}
struct wta_sim *wta_sim_new(uint64_t seed, const void *hang_obj);  /* caller: runner 0 */
void wta_sim_free(struct wta_sim *s);        /* the caller is the last runner */
uint64_t wta_sim_seed(const struct wta_sim *s);
uint64_t wta_sim_now(void);
uint64_t wta_sim_start_ns(void);
void wta_sim_block(const void *obj);         /* until wta_sim_wake(obj) */
void wta_sim_wake(const void *obj, bool all);
void wta_sim_wait_fd(int fd, int64_t wait_ns, bool may_wake);
bool wta_sim_take_hang(struct wta_sim *s);
bool wta_sim_is_runner(unsigned long tid);
/*
 * sync.c's atomics: every atomic the runtime shares between threads goes
 * through these, C11's own after a switch point, so a seed can let
 * another thread run between any two of them, as the hardware could.
 * Outside sync.c, sim.c and the recorder (trace*.c, which runs outside the
 * scheduler), runtime/ has no bare atomic_* call but atomic_init: a test
 * (sim_atomics_wrapped) checks, so new code cannot skip a switch point.
 */
#define wta_atomic_load(p)                   (wta_sim_point(), atomic_load(p))
#define wta_atomic_load_explicit(p, mo)      (wta_sim_point(), atomic_load_explicit((p), (mo)))
#define wta_atomic_store(p, v)               (wta_sim_point(), atomic_store((p), (v)))
#define wta_atomic_store_explicit(p, v, mo)  (wta_sim_point(), atomic_store_explicit((p), (v), (mo)))
#define wta_atomic_exchange(p, v)            (wta_sim_point(), atomic_exchange((p), (v)))
#define wta_atomic_fetch_add(p, v)           (wta_sim_point(), atomic_fetch_add((p), (v)))
#define wta_atomic_fetch_add_explicit(p, v, mo) \
    (wta_sim_point(), atomic_fetch_add_explicit((p), (v), (mo)))
#define wta_atomic_fetch_sub(p, v)           (wta_sim_point(), atomic_fetch_sub((p), (v)))
#define wta_atomic_fetch_sub_explicit(p, v, mo) \
    (wta_sim_point(), atomic_fetch_sub_explicit((p), (v), (mo)))
#define wta_atomic_compare_exchange_strong(p, e, v) \
    (wta_sim_point(), atomic_compare_exchange_strong((p), (e), (v)))
int  wta_sim_thread_start(pthread_t *th, void *(*fn)(void *), void *arg);
void wta_sim_thread_join(pthread_t th);
struct wta_sim_runner *wta_sim_detach(void); /* calls into the trace writer */
void wta_sim_attach(struct wta_sim_runner *r);
int64_t  wta_sim_trace_fd(struct wta_sim *s, int64_t fd, bool closing);
uint64_t wta_sim_trace_port(struct wta_sim *s, uint64_t port);

// runtime.c
/* What the calling thread is to the runtime: kept in thread-local storage. */
struct wta_thread {
    struct wta_runtime *rt;      /* NULL: not a runtime thread */
    struct wta_worker *worker;   /* NULL unless a worker */
    struct wta_task *current;    /* the task being polled on this thread */
    enum wta_wake_source src;    /* who wakes, when this thread calls wake */
    struct wta_trace_buf *tb;    /* this thread's trace buffer, if tracing */
    char name[24];               /* "main", "w0", "blocking-2", "ext-1" */
};
extern _Thread_local struct wta_thread wta_self;
void wta_thread_enter(struct wta_runtime *rt, const char *name);
void wta_thread_leave(void);

struct wta_runtime {
    struct wta_trace *trace;          /* NULL: tracing off. First: wta.h's inline mark reads it */
    struct wta_config cfg;
    int nworkers;
    struct wta_executor *exec;
    struct wta_blocking *blocking;
    struct wta_reactor *reactor;
    int trace_err;                    /* why tracing is off, or 0 */
    _Atomic uint64_t next_task_id;
    _Atomic uint64_t next_chan_id;
    _Atomic uint64_t live_tasks;

    /* Every task not yet DONE, so shutdown can drop them: one list per
     * worker (the spawning worker's) plus one for other threads, so two
     * workers spawning at once do not contend for one lock. */
    struct wta_task_list *task_lists;  /* nworkers + 1 */

    /* block_on's MainWakers sleep on this; workers poke it when all park. */
    struct wta_mutex main_lock;
    pthread_cond_t main_cond;
    _Atomic int main_waiters;         /* threads in book_keeping: who a poke is for */
    unsigned long creator;            /* wta_thread_id() of the creating thread: "main" */
    struct main_waker *_Atomic spare_main_waker;  /* block_on.c reuses it */
    struct wta_sim *sim;              /* deterministic mode, or NULL */
};
_Static_assert(offsetof(struct wta_runtime, trace) == 0, "wta_trace_mark reads rt->trace first");
bool wta_bug(const struct wta_runtime *rt, enum wta_bug b);
#define WTA_MAX_WORKERS 256

// env.c
int wta_env_apply(struct wta_config *cfg, char *msg, size_t cap);

// task.c
enum wta_task_state {
    WTA_TASK_IDLE,       /* waiting for a wake; in no queue */
    WTA_TASK_SCHEDULED,  /* in a run queue exactly once */
    WTA_TASK_RUNNING,    /* a worker is polling it */
    WTA_TASK_NOTIFIED,   /* woken while RUNNING: re-queued after the poll */
    WTA_TASK_DONE,       /* finished or dropped; wakes are stale */
};
const char *wta_task_state_name(enum wta_task_state s);
struct wta_task *wta_task_new(struct wta_runtime *rt, struct wta_future *f,
                              struct wta_oneshot_tx *join, const char *name,
                              const char *file, int line);
int  wta_task_lists_init(struct wta_runtime *rt);
void wta_task_lists_destroy(struct wta_runtime *rt);
void wta_task_hold(struct wta_task *t);              /* take one reference */
void wta_task_release(struct wta_task *t);           /* drop one reference */
int  wta_task_wakers_delta(struct wta_task *t, int delta);  /* live clones after */
struct wta_runtime *wta_task_runtime(const struct wta_task *t);
void wta_task_run(struct wta_task *t);               /* poll once, on a worker */
int  wta_task_drop_all(struct wta_runtime *rt);      /* shutdown: returns count */
uint64_t wta_task_id(const struct wta_task *t);
uint64_t wta_task_last_wake_t(const struct wta_task *t);
/* Run-queue link: a queue owns the task while it is SCHEDULED. */
struct wta_task *wta_task_next(struct wta_task *t);
void wta_task_set_next(struct wta_task *t, struct wta_task *next);
void wta_task_set_queued(struct wta_task *t, bool queued);

// waker.c
/* The waker a poll's context lends: uses the runtime's reference. */
struct wta_waker wta_task_waker_borrowed(struct wta_task *t);

// task.c (continued)
void wta_wake_task(struct wta_task *t, bool by_ref);  /* the state machine */

// executor.c
struct wta_executor *wta_executor_new(struct wta_runtime *rt);
int  wta_executor_start(struct wta_executor *ex);     /* starts the workers */
void wta_executor_stop(struct wta_executor *ex);      /* joins the workers */
void wta_executor_free(struct wta_executor *ex);
void wta_executor_push(struct wta_executor *ex, struct wta_task *t, bool woken);
int  wta_worker_index(const struct wta_worker *w);
const char *wta_executor_scheduler_name(const struct wta_runtime *rt);

// reactor.c
#define WTA_IO_READ  1
#define WTA_IO_WRITE 2
struct wta_reactor *wta_reactor_new(struct wta_runtime *rt);
void wta_reactor_free(struct wta_reactor *r);
int  wta_reactor_turn(struct wta_reactor *r, int64_t max_wait_ns);  /* one thread at a time */
void wta_reactor_unpark(struct wta_reactor *r);       /* interrupt epoll_wait */
bool wta_reactor_busy(struct wta_reactor *r);         /* timers or sources left? */
struct wta_mutex *wta_reactor_lock(struct wta_reactor *r);
struct wta_timer_heap *wta_reactor_timers(struct wta_reactor *r);
struct wta_runtime *wta_reactor_runtime(struct wta_reactor *r);
struct wta_io_source *wta_io_register(struct wta_reactor *r, int fd);  /* NULL+errno */
void wta_io_deregister(struct wta_io_source *s);      /* before close(fd) */
int  wta_io_fd(const struct wta_io_source *s);
bool wta_io_poll_ready(struct wta_io_source *s, int dir, struct wta_context *cx,
                       uint64_t *tick);               /* false: waker stored */
void wta_io_clear_ready(struct wta_io_source *s, int dir, uint64_t tick);

// timer.c (every call with the reactor's lock held)
struct wta_timer {
    uint64_t deadline_ns;        /* CLOCK_MONOTONIC */
    uint64_t seq;                /* insertion order: ties fire first-in first-out */
    uint64_t id;                 /* for the trace */
    size_t index;                /* position in the heap; (size_t)-1 if not in it */
    bool fired;
    struct wta_waker waker;      /* woken when it fires */
};
struct wta_timer_heap {
    struct wta_timer **v;
    size_t len, cap;
    uint64_t next_seq, next_id;
};
void wta_timer_heap_init(struct wta_timer_heap *h);
void wta_timer_heap_destroy(struct wta_timer_heap *h);
size_t wta_timer_heap_len(const struct wta_timer_heap *h);
bool wta_timer_heap_insert(struct wta_timer_heap *h, struct wta_timer *t);  /* true: new earliest */
void wta_timer_heap_remove(struct wta_timer_heap *h, struct wta_timer *t);
int64_t wta_timer_heap_wait_ns(const struct wta_timer_heap *h);
int  wta_timer_heap_fire(struct wta_timer_heap *h, struct wta_runtime *rt,
                         struct wta_waker *out, int max);

// block_on.c
void wta_main_waker_free_spare(struct wta_runtime *rt);

// hang.c (block_on's hang check; not in the original)
void wta_hang_poke(struct wta_runtime *rt);           /* block_on: look again */
void wta_hang_last_asleep(struct wta_executor *ex, int parked);  /* hold ex->lock */
bool wta_hang_certain(struct wta_runtime *rt, _Atomic bool *ready);

// oneshot.c
/* The JoinHandle side: completes with -ECANCELED if dropped unsent. */
int  wta_join_new(struct wta_oneshot_tx **tx, struct wta_future **rx,
                  enum wta_wake_source src);
void wta_join_set_task(struct wta_oneshot_tx *tx, uint64_t task);
void wta_join_send(struct wta_oneshot_tx *tx, int result, intptr_t value); /* consumes tx */
void wta_join_cancel(struct wta_oneshot_tx *tx);      /* consumes tx: -ECANCELED */

// net.c
/* A connected TCP socket, registered with its runtime's reactor. */
struct wta_tcp_stream {
    int fd;
    struct wta_io_source *src;
    struct wta_runtime *rt;
};

// blocking.c
struct wta_blocking *wta_blocking_new(struct wta_runtime *rt);
void wta_blocking_free(struct wta_blocking *b);       /* waits for running jobs */
bool wta_blocking_idle(struct wta_blocking *b);

// trace.c
/*
 * The recording hot path. WTA_TRACE() is one predictable branch when the
 * runtime has no trace; otherwise one record into this thread's buffer.
 * Arguments are up to six 64-bit words, in the event's field order
 * (wta_events.h); strings are passed as pointers that must stay valid
 * until the runtime is freed (literals), or use wta_trace_str().
 */
#define WTA_TRACE(rt, ev, ...)                                             \
    do {                                                                   \
        if (__builtin_expect((rt) != NULL && (rt)->trace != NULL, 0))      \
            wta_trace_rec((rt), 0, WTA_EV_##ev, WTA_TRACE_ARGS(__VA_ARGS__)); \
    } while (0)
/* The same, stamped no earlier than `after` (t of the event's cause). */
#define WTA_TRACE_AFTER(rt, after, ev, ...)                                \
    do {                                                                   \
        if (__builtin_expect((rt) != NULL && (rt)->trace != NULL, 0))      \
            wta_trace_rec((rt), (after), WTA_EV_##ev, WTA_TRACE_ARGS(__VA_ARGS__)); \
    } while (0)
#define WTA_TRACE_ARGS(...) WTA_TRACE_ARGS_(__VA_ARGS__, 0, 0, 0, 0, 0, 0)
#define WTA_TRACE_ARGS_(a, b, c, d, e, f, ...)                             \
    (uint64_t)(a), (uint64_t)(b), (uint64_t)(c), (uint64_t)(d), (uint64_t)(e), (uint64_t)(f)
#define WTA_S(str) ((uint64_t)(uintptr_t)(str))   /* a string argument */

uint64_t wta_trace_rec(struct wta_runtime *rt, uint64_t after, enum wta_event ev,
                       uint64_t a, uint64_t b, uint64_t c, uint64_t d,
                       uint64_t e, uint64_t f);
uint64_t wta_trace_now(struct wta_runtime *rt);       /* the trace clock */
uint64_t wta_trace_clock(struct wta_runtime *rt, uint64_t mono_ns);  /* mono -> trace */
int  wta_trace_open(struct wta_runtime *rt);          /* 0 or -errno */
void wta_trace_close(struct wta_runtime *rt);
void wta_trace_thread_done(void);                     /* hand this thread's buffer over */
const char *wta_wake_source_name(enum wta_wake_source s);

// trace_write.c
struct wta_trace_rec {
    uint64_t t;
    uint32_t ev;      /* enum wta_event */
    uint32_t seq;
    uint64_t a[6];
};
struct wta_trace_batch;
struct wta_trace_writer;
struct wta_trace_writer *wta_writer_new(const char *path, const char *header, int *err);
void wta_writer_submit(struct wta_trace_writer *w, struct wta_trace_batch *b);
struct wta_trace_batch *wta_writer_swap(struct wta_trace_writer *w, struct wta_trace_batch *full,
                                        const char *thread_name);
struct wta_trace_batch *wta_writer_batch_new(const char *thread_name);
struct wta_trace_rec *wta_batch_slot(struct wta_trace_batch *b);  /* NULL if full */
const char *wta_batch_copy_str(struct wta_trace_batch *b, const char *s);
void wta_writer_flush(struct wta_trace_writer *w);
uint64_t wta_writer_dropped(struct wta_trace_writer *w);
void wta_writer_free(struct wta_trace_writer *w);

// trace_format.c
#define WTA_FORMAT_MAX_LINE 12288     /* room one formatted event may need */
void wta_format_init(void);
char *wta_format_rec(char *o, const char *th, size_t th_len, const struct wta_trace_rec *r,
                     uint64_t dropped);
size_t wta_json_escape(char *dst, size_t cap, const char *s);
int  wta_writer_error(struct wta_trace_writer *w);

#endif /* WTA_INTERNAL_H */

/*
 * internal.h - what the runtime's files share with each other (not public).
 *
 * A table of contents, like xv6's defs.h: every cross-file function is
 * listed under the file that defines it, in the order a task meets them
 * (executor.c, workers.c, park.c, runq.c, ring.c and steal.c share their
 * structs through executor.h, but their functions are listed here).
 *
 * Lock order (take them top to bottom, never upward; debug builds assert
 * each "must hold" with WTA_ASSERT_HELD):
 *     reactor W5 lock       W5 only: one block_on thread's reactor turn at a time
 *     rt->main_lock         block_on's sleep; its hang check (hang.c) looks below
 *     chan / oneshot lock   one channel's or JoinHandle's state
 *     exec->lock            the global run queue and sleeping workers
 *     reactor lock          sources and timers
 *     task list lock        rt->task_lists: who is alive, for shutdown
 *     blocking pool lock    the blocking jobs' queue
 *     trace locks           the recorder's buffer list, then its writer's
 * Most paths hold one at a time. A task's state has no lock: a wake or a
 * poll moves it by compare-and-swap (task.c), and a wake pushes only
 * after that (a worker's own queue, ring.c, has no lock either: its owner
 * pushes, thieves take by compare-and-swap). Any lock may be held while
 * recording a trace event (that is why trace is last).
 *
 * The seam for a deterministic mode (one OS thread stepping every worker
 * in a seeded order, on a virtual clock) is three places, each one
 * function: the clock is wta_clock_ns() (sync.c); threads are started in
 * wta_executor_start() (workers.c) and wta_spawn_blocking_at()
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
struct wta_executor;
struct wta_runq;
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
uint64_t wta_poll_clock_ns(void);            /* the poll's one reading, else the clock */
_Noreturn void wta_panic(const char *tag);
void *wta_xmalloc(size_t n);                 /* panics "oom" */
void *wta_xcalloc(size_t n, size_t size);
/* A contract checked in debug builds: panics with tag if cond is false.
 * WTA_ASSERT_HELD is "must hold mu", as xv6's holding(). */
#ifdef NDEBUG
#define WTA_ASSERT(cond, tag) ((void)0)
#else
#define WTA_ASSERT(cond, tag)                                              \
    do {                                                                   \
        if (!(cond))                                                       \
            wta_panic(tag);                                                \
    } while (0)
#endif
#define WTA_ASSERT_HELD(mu, tag) WTA_ASSERT(wta_mutex_held(mu), tag)

// sim.c (deterministic mode: one runner at a time, seeded, virtual clock;
// its structs and what its three files share are in sim.h)
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
#define wta_atomic_compare_exchange_strong_explicit(p, e, v, ok, fail) \
    (wta_sim_point(), atomic_compare_exchange_strong_explicit((p), (e), (v), (ok), (fail)))
#define wta_atomic_thread_fence(mo)          (wta_sim_point(), atomic_thread_fence(mo))

// sim_block.c (a runner waits and is woken without blocking its thread; runners' threads)
void wta_sim_block(const void *obj);         /* until wta_sim_wake(obj) */
void wta_sim_wake(const void *obj, bool all);
void wta_sim_wait_fd(int fd, int64_t wait_ns, bool may_wake);
void wta_sim_spend(uint64_t ns);             /* the runner spent ns unseen: the clock moves on */
bool wta_sim_take_hang(struct wta_sim *s);
bool wta_sim_is_runner(unsigned long tid);
int  wta_sim_thread_start(pthread_t *th, void *(*fn)(void *), void *arg);
void wta_sim_thread_join(pthread_t th);
struct wta_sim_runner *wta_sim_detach(void); /* calls into the trace writer */
void wta_sim_attach(struct wta_sim_runner *r);

// sim_trace.c (the trace's own numbers for fds and ports)
void wta_sim_renumber(struct wta_sim *s, enum wta_event ev, uint64_t *a, uint64_t b,
                      uint64_t *c, uint64_t *d, uint64_t *e, uint64_t *f);

// runtime.c
/* What the calling thread is to the runtime: kept in thread-local storage. */
struct wta_thread {
    struct wta_runtime *rt;      /* NULL: not a runtime thread */
    struct wta_worker *worker;   /* NULL unless a worker */
    struct wta_task *current;    /* the task being polled on this thread */
    uint64_t poll_now;           /* the clock at this poll's start (0: not polling) */
    enum wta_wake_source src;    /* who wakes, when this thread calls wake */
    uint64_t cause;              /* and what, as the trace names it (0: nothing) */
    struct wta_trace_buf *tb;    /* this thread's trace buffer, if tracing */
    char name[24];               /* "main", "w0", "blocking-2", "ext-1" */
    /* rt was set by wta_runtime_new on the creating thread, which is not
     * inside the runtime: another thread may free it, so it is looked up
     * by serial number before each use (wta_thread_rt). */
    bool rt_unpinned;
    uint64_t rt_serial;
};
extern _Thread_local struct wta_thread wta_self;
void wta_thread_enter(struct wta_runtime *rt, const char *name);
void wta_thread_leave(void);
struct wta_runtime *wta_thread_rt_checked(void);
void wta_runtime_hold(struct wta_runtime *rt);        /* the struct outlives free while held */
void wta_runtime_release(struct wta_runtime *rt);

/* The calling thread's runtime, or NULL: read wta_self.rt only through this. */
static inline struct wta_runtime *wta_thread_rt(void)
{
    if (__builtin_expect(wta_self.rt_unpinned, 0))
        return wta_thread_rt_checked();   // the creating thread: is it still live?
    return wta_self.rt;
}

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
    _Atomic int block_on_threads;     /* threads in block_on (outermost call each) */
    unsigned long creator;            /* wta_thread_id() of the creating thread: "main" */

    /* The struct itself outlives wta_runtime_free while anything that a
     * waker reaches still points here: one reference for the owner (until
     * free), one per task's memory, one per MainWaker. After free only
     * `trace` (NULL) and `cfg` are read. */
    _Atomic int refs;
    uint64_t serial;                  /* unique per runtime: a reused address is not it */
    struct wta_runtime *live_next;    /* runtime.c's list of live runtimes */
    struct main_waker *_Atomic spare_main_waker;  /* block_on.c reuses it */
    struct wta_sim *sim;              /* deterministic mode, or NULL */
};
_Static_assert(offsetof(struct wta_runtime, trace) == 0, "wta_trace_mark reads rt->trace first");
bool wta_bug(const struct wta_runtime *rt, enum wta_bug b);
#define WTA_MAX_WORKERS 256

// env.c
int wta_env_apply(struct wta_config *cfg, char *msg, size_t cap);

// waker.c (the types; its functions are listed below)
/*
 * What a runtime structure keeps a waker for. The hang check counts the
 * clones these hold apart from the rest: a clone the user holds (maybe on
 * a thread of their own) can fire any time, so while one lives no hang is
 * certain.
 */
enum wta_wait_kind {
    WTA_WAIT_NOTHING,   /* no runtime structure holds a clone */
    WTA_WAIT_TIMER,     /* id: timer, arg: deadline (trace ns) */
    WTA_WAIT_FD,        /* id: fd, arg: 1 read, 2 write */
    WTA_WAIT_CHAN,      /* id: channel, arg: 0 recv, 1 send */
    WTA_WAIT_JOIN,      /* id: the joined task (0: a blocking job) */
};
struct wta_wait {
    enum wta_wait_kind kind;     /* the last structure that took a clone */
    uint64_t id;
    int64_t arg;
};
/* A wake collected under a lock, to be made after it (wta_wake_all). */
struct wta_wake {
    struct wta_waker waker;
    uint64_t cause;              /* the timer id or fd that is its cause */
};

// task.c
enum wta_task_state {
    WTA_TASK_IDLE,       /* waiting for a wake; in no queue */
    WTA_TASK_SCHEDULED,  /* in a run queue exactly once */
    WTA_TASK_RUNNING,    /* a worker is polling it */
    WTA_TASK_NOTIFIED,   /* woken while RUNNING: re-queued after the poll */
    WTA_TASK_DONE,       /* finished or dropped; wakes are stale */
};
const char *wta_task_state_name(enum wta_task_state s);
void wta_task_run(struct wta_task *t);               /* poll once, on a worker */

// task_block.c (a task's memory and references; accessors)
struct wta_task *wta_task_new(struct wta_runtime *rt, struct wta_future *f, size_t size,
                              const char *name, const char *file, int line,
                              struct wta_future **handle);
void wta_task_hold(struct wta_task *t);              /* take one reference */
void wta_task_release(struct wta_task *t);           /* drop one reference */
int  wta_task_wakers_delta(struct wta_task *t, int delta);  /* live clones after */
struct wta_runtime *wta_task_runtime(const struct wta_task *t);
uint64_t wta_task_id(const struct wta_task *t);
uint64_t wta_current_task_id(void);                  /* 0: no task on this thread */
uint64_t wta_task_last_wake_t(const struct wta_task *t);
int  wta_task_held_delta(struct wta_task *t, int delta);   /* runtime-held clones after */
void wta_task_set_wait(struct wta_task *t, const struct wta_wait *w);  /* in its poll */
/* What the hang check's dump says of one task. */
struct wta_task_info {
    uint64_t id, polls, last_poll_ns;
    enum wta_task_state state;
    int wakers, held;
    struct wta_wait wait;
    const char *name, *file;
    int line;
};
/* Run-queue link: a queue owns the task while it is SCHEDULED. */
struct wta_task *wta_task_next(struct wta_task *t);
void wta_task_set_next(struct wta_task *t, struct wta_task *next);
void wta_task_set_queued(struct wta_task *t, bool queued);

// task_list.c (the runtime's live tasks: for shutdown and the hang check)
int  wta_task_lists_init(struct wta_runtime *rt);
void wta_task_lists_destroy(struct wta_runtime *rt);
int  wta_task_drop_all(struct wta_runtime *rt);      /* shutdown: returns count */
bool wta_task_all_held(struct wta_runtime *rt, uint64_t *id, int *wakers, int *held);
/* Calls fn for every live task (under each task list's lock: fn must not block). */
void wta_task_for_each(struct wta_runtime *rt, void (*fn)(const struct wta_task_info *, void *),
                       void *arg);

// waker.c
const char *wta_wait_name(const struct wta_wait *w);
/* A clone for a runtime structure: it may fire only when the runtime runs. */
struct wta_waker wta_waker_clone_held(const struct wta_waker *w, enum wta_wait_kind kind,
                                      uint64_t id, int64_t arg);
/* The waker a poll's context lends: uses the runtime's reference. */
struct wta_waker wta_task_waker_borrowed(struct wta_task *t);
uint64_t wta_waker_task_id(const struct wta_waker *w);  /* 0: not a task's waker */
/* Wake by ref, naming the cause in the trace (wta_self.cause meanwhile). */
void wta_waker_wake_cause(const struct wta_waker *w, enum wta_wake_source src, uint64_t cause);
void wta_wake_all(struct wta_wake *wk, int n, enum wta_wake_source src);  /* and drops */

// task.c (continued)
void wta_wake_task(struct wta_task *t, bool by_ref);  /* the state machine */

// executor.c (the worker loop, spawn, and the original's Executor::wake)
void *wta_worker_main(void *worker);                  /* a worker thread's body */
void wta_executor_push(struct wta_executor *ex, struct wta_task *t, bool woken);  /* wake */
void wta_worker_push_local(struct wta_worker *w, struct wta_task *t);  /* owner only */
const char *wta_executor_scheduler_name(const struct wta_runtime *rt);

// workers.c (the executor made, its worker threads started and stopped, freed)
struct wta_executor *wta_executor_new(struct wta_runtime *rt);
int  wta_executor_start(struct wta_executor *ex);     /* starts the workers */
void wta_executor_stop(struct wta_executor *ex);      /* joins the workers */
void wta_executor_free(struct wta_executor *ex);
int  wta_worker_index(const struct wta_worker *w);

// park.c (workers sleeping and being woken)
void wta_pick_sleeper(struct wta_executor *ex, const char *why,
                      struct wta_worker **to_signal, bool *interrupt);   /* hold ex->lock */
void wta_finish_wake(struct wta_executor *ex, struct wta_worker *to_signal, bool interrupt);
void wta_executor_wake_searcher(struct wta_executor *ex);
void wta_found_work(struct wta_worker *w);
void wta_park(struct wta_worker *w, bool recheck);    /* hold ex->lock */

// runq.c (a queue: every call with its lock held; the slot: its owner only)
void wta_runq_init(struct wta_runq *q, const char *name, struct wta_mutex *lock);
void wta_runq_push(struct wta_runtime *rt, struct wta_runq *q, struct wta_task *t);
struct wta_task *wta_runq_pop(struct wta_runtime *rt, struct wta_runq *q);

void wta_next_put(struct wta_worker *w, struct wta_task *t);  /* owner only */
struct wta_task *wta_next_take(struct wta_worker *w);         /* owner only */

// ring.c (a worker's own queue: push, pop, take_half by its owner; steal by another worker)
struct wta_ring;
void wta_ring_init(struct wta_ring *r, const char *name);
uint64_t wta_ring_len(struct wta_ring *r);                     /* any thread: a hint */
bool wta_ring_push(struct wta_runtime *rt, struct wta_ring *r, struct wta_task *t);  /* false: full */
struct wta_task *wta_ring_pop(struct wta_runtime *rt, struct wta_ring *r);
size_t wta_ring_take_half(struct wta_runtime *rt, struct wta_ring *r, struct wta_task **out);
struct wta_task *wta_ring_steal(struct wta_runtime *rt, struct wta_ring *dst,
                                struct wta_ring *src);           /* dst's owner */

// steal.c (per-worker scheduler)
struct wta_task *wta_find_task(struct wta_worker *w);      /* any queue; never sleeps */

// reactor.c
#define WTA_IO_READ  1
#define WTA_IO_WRITE 2
struct wta_reactor *wta_reactor_new(struct wta_runtime *rt);
void wta_reactor_free(struct wta_reactor *r);
int  wta_reactor_turn(struct wta_reactor *r, int64_t max_wait_ns);  /* one thread at a time */
int  wta_reactor_turn_w5(struct wta_reactor *r, int64_t max_wait_ns);  /* block_on's, under W5 */
void wta_reactor_unpark(struct wta_reactor *r);       /* interrupt epoll_wait */
bool wta_reactor_busy(struct wta_reactor *r, uint64_t *delivered);  /* timers or sources left? */
bool wta_reactor_turning(struct wta_reactor *r);      /* hold its lock */
struct wta_mutex *wta_reactor_lock(struct wta_reactor *r);
struct wta_timer_heap *wta_reactor_timers(struct wta_reactor *r);
struct wta_runtime *wta_reactor_runtime(struct wta_reactor *r);

// io_source.c
struct wta_io_source *wta_io_register(struct wta_reactor *r, int fd,
                                      const char *what);  /* NULL+errno */
bool wta_io_deregister(struct wta_io_source *s);      /* before close(fd); false: rt was freed */
int  wta_io_fd(const struct wta_io_source *s);
bool wta_io_poll_ready(struct wta_io_source *s, int dir, struct wta_context *cx,
                       uint64_t *tick);               /* false: waker stored */
void wta_io_clear_ready(struct wta_io_source *s, int dir, uint64_t tick);
void wta_io_close(struct wta_io_source *s);            /* deregister, close the fd, record it */

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
    struct wta_mutex *lock;      /* the reactor's: held for every call (asserted) */
    struct wta_timer **v;
    size_t len, cap;
    uint64_t next_seq, next_id;
};
void wta_timer_heap_init(struct wta_timer_heap *h, struct wta_mutex *lock);
void wta_timer_heap_destroy(struct wta_timer_heap *h);
size_t wta_timer_heap_len(const struct wta_timer_heap *h);
bool wta_timer_heap_insert(struct wta_timer_heap *h, struct wta_timer *t);  /* true: new earliest */
void wta_timer_heap_remove(struct wta_timer_heap *h, struct wta_timer *t);
int64_t wta_timer_heap_wait_ns(const struct wta_timer_heap *h);
int  wta_timer_heap_fire(struct wta_timer_heap *h, struct wta_runtime *rt,
                         struct wta_wake *out, int max);

// block_on.c
void wta_main_waker_free_spare(struct wta_runtime *rt);
struct wta_wait;
bool wta_main_waker_clone_held(const struct wta_waker *w, const struct wta_wait *why,
                               struct wta_waker *out);   /* false: not a MainWaker */
bool wta_main_waker_same(const struct wta_waker *a, const struct wta_waker *b);

// hang.c (block_on's hang check; not in the original)
void wta_hang_poke(struct wta_runtime *rt);           /* block_on: look again */
void wta_hang_last_asleep(struct wta_executor *ex, int parked);  /* hold ex->lock */
/* block_on's facts about its main future, for the hang check and its dump. */
struct wta_hang_main {
    const char *name;            /* the future's vt name */
    uint64_t polls, last_poll_ns;  /* block_on's thread writes them */
    _Atomic int clones;          /* live clones of the MainWaker (not block_on's own) */
    _Atomic int held;            /* of those, held by runtime structures */
    struct wta_wait wait;        /* written by the main future's poll */
    bool told_external;          /* wait.external recorded for this wait */
};
bool wta_hang_certain(struct wta_runtime *rt, _Atomic bool *ready, struct wta_hang_main *hm);
/* A MainWaker's clone (held: by a runtime structure) came or went. */
void wta_hang_main_clones(struct wta_hang_main *hm, int delta, bool held);
/* Tests only (NULL otherwise): called on block_on's thread after the hang
 * check's first look at the reactor (look 1) and after its look at the
 * workers (look 2), to hold its race window open. */
extern void (*wta_hang_test_between_looks)(struct wta_runtime *rt, int look);

// oneshot.c
/* A oneshot's shared state: both sides, in one struct (oneshot.c says who frees it). */
struct wta_oneshot_tx {
    struct wta_future rx;         /* the receiving side, as a future */
    struct wta_mutex lock;        /* guards everything below but refs and owner */
    bool sent;                    /* a value (or result) is waiting */
    bool taken;                   /* the receiver took it */
    bool tx_alive, rx_alive;
    int result;                   /* 0 or -errno, delivered with value */
    intptr_t value;
    struct wta_waker rx_waker;    /* the receiver's, while it waits */
    int closed_err;               /* -EPIPE, or -ECANCELED for JoinHandles */
    enum wta_wake_source src;     /* how the send's wake is traced */
    uint64_t cause;               /* and what it names: the task, the job (0: none) */
    uint64_t task;                /* JoinHandles: the task's id, for the trace */
    _Atomic int refs;             /* own block: one per live side */
    struct wta_task *owner;       /* in a task's block: that task (set at init) */
};
/* The JoinHandle side: completes with -ECANCELED if dropped unsent. */
int  wta_join_new(struct wta_oneshot_tx **tx, struct wta_future **rx,
                  enum wta_wake_source src);
void wta_join_set_task(struct wta_oneshot_tx *tx, uint64_t task);   /* also the wake's cause */
void wta_join_set_cause(struct wta_oneshot_tx *tx, uint64_t cause); /* a job: the wake's cause */
void wta_join_send(struct wta_oneshot_tx *tx, int result, intptr_t value); /* consumes tx */
void wta_join_cancel(struct wta_oneshot_tx *tx);      /* consumes tx: -ECANCELED */
/* A spawned task's JoinHandle, inside the task's block; returns the handle. */
struct wta_future *wta_join_init(struct wta_oneshot_tx *os, struct wta_task *owner,
                                 uint64_t task);
void wta_join_destroy(struct wta_oneshot_tx *os);     /* both sides gone */

// net.c
uint16_t wta_fd_port(int fd);                      /* the port fd is bound to, or 0 */

/* A connected TCP socket, registered with its runtime's reactor. */
struct wta_tcp_stream {
    int fd;
    struct wta_io_source *src;
    struct wta_runtime *rt;
    size_t ahead_pos, ahead_len;   /* unread bytes in ahead[] (io.c); one reader at a time */
    char ahead[1024];              /* what a read took beyond its buffer (io.c) */
};

// channel.c, channel_ends.c: see channel.h (the rest of the runtime does not use channels)

// blocking.c
struct wta_blocking *wta_blocking_new(struct wta_runtime *rt);
void wta_blocking_free(struct wta_blocking *b);       /* waits for running jobs */
bool wta_blocking_idle(struct wta_blocking *b, uint64_t *finished);  /* and jobs done so far */

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
/* The same, stamped exactly `at` (a wta_trace_now() read earlier), see trace.c. */
#define WTA_TRACE_AT(rt, at, ev, ...)                                      \
    do {                                                                   \
        if (__builtin_expect((rt) != NULL && (rt)->trace != NULL, 0))      \
            wta_trace_rec_at((rt), (at), WTA_EV_##ev, WTA_TRACE_ARGS(__VA_ARGS__)); \
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
uint64_t wta_trace_rec_at(struct wta_runtime *rt, uint64_t at, enum wta_event ev,
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
struct wta_trace_writer *wta_writer_new(const char *path, const char *header,
                                        uint64_t start_ns, int *err);
void wta_writer_flush(struct wta_trace_writer *w);
uint64_t wta_writer_dropped(struct wta_trace_writer *w);
int  wta_writer_error(struct wta_trace_writer *w);
void wta_writer_free(struct wta_trace_writer *w);

// trace_batch.c
void wta_writer_submit(struct wta_trace_writer *w, struct wta_trace_batch *b);
struct wta_trace_batch *wta_writer_swap(struct wta_trace_writer *w, struct wta_trace_batch *full,
                                        const char *thread_name);
struct wta_trace_batch *wta_writer_batch_new(struct wta_trace_writer *w, const char *thread_name);
uint64_t wta_batch_str(struct wta_trace_batch *b, const char *s, bool literal);  /* arena offset + 1 */
void wta_writer_max_pending(size_t n);   /* tests: a lower bound before recorders write */

// trace_spool.c, trace_recover.c: see trace_spool.h

// trace_format.c
#define WTA_FORMAT_MAX_LINE 12288     /* room one formatted event may need */
void wta_format_init(void);
char *wta_format_rec(char *o, const char *th, size_t th_len, const struct wta_trace_rec *r,
                     uint64_t dropped, const char *arena);
unsigned wta_format_strings(enum wta_event ev);   /* bit i: field i is a string */
size_t wta_json_escape(char *dst, size_t cap, const char *s);

#endif /* WTA_INTERNAL_H */

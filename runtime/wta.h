/*
 * wta.h - the whole public API of wta, a small teaching async runtime.
 *
 * Read it top to bottom: the poll protocol, futures and wakers, the runtime
 * and its configuration, spawning and JoinHandles, block_on, the leaf
 * futures (timers, TCP, channels), the combinators, and the trace recorder.
 *
 * The model is Rust's: a *future* is a state machine with a poll function.
 * Polling it either finishes it (READY, with an output) or returns PENDING,
 * and a future that returns PENDING has arranged for a *waker* to be called
 * when polling it again could make progress. A *task* is a spawned future
 * owned by the runtime; waking the task's waker puts it back on a run queue,
 * and a worker thread polls it again.
 *
 * Conventions (libuv's): calls return 0 or a negative errno; wta_strerror()
 * turns one into text. Constructors return NULL and set errno. Every
 * struct is spelled out (no typedefs); function types end in _fn.
 */
#ifndef WTA_H
#define WTA_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {   /* C++ programs link the C names */
#endif

#define WTA_VERSION "0.1.0"

/* ---------------------------------------------------------------- polling */

/*
 * A poll function returns WTA_PENDING, or the future is finished: 0 with
 * its output in *out, or a negative errno (-ECANCELED, -ETIMEDOUT, ...).
 * Once a future has finished it must not be polled again.
 */
#define WTA_PENDING 1
#define WTA_READY   0

struct wta_future;
struct wta_context;

typedef int (*wta_poll_fn)(struct wta_future *self, struct wta_context *cx,
                           intptr_t *out);
/* Releases what the future holds (its wakers, its children) and frees it. */
typedef void (*wta_drop_fn)(struct wta_future *self);

struct wta_future_vt {
    const char *name;  /* shown in traces: the task's name by default */
    wta_poll_fn poll;
    wta_drop_fn drop;
};

/*
 * A future is any struct whose first member is a struct wta_future:
 *
 *     struct countdown { struct wta_future base; int step; ... };
 *
 * Futures are heap objects owned by whoever holds the pointer; owning one
 * means either polling it to completion or dropping it.
 */
struct wta_future {
    const struct wta_future_vt *vt;
};

int  wta_poll(struct wta_future *f, struct wta_context *cx, intptr_t *out);
void wta_future_drop(struct wta_future *f);  /* NULL is allowed */

/* ---------------------------------------------------------------- wakers */

/*
 * A waker is a vtable over a data pointer, like Rust's RawWaker. Its owner
 * must call exactly one of wake() (which consumes it) or drop(); clone()
 * makes a second owner. wake_by_ref() wakes without consuming.
 *
 * A waker may outlive its runtime: one kept (by a thread of yours, in a
 * structure of yours) after wta_runtime_free may still be woken, cloned
 * and dropped, from any thread. The wake is a no-op (its task was dropped
 * at shutdown; nobody is in block_on), and what the waker points at is
 * freed with its last clone.
 */
struct wta_waker;

struct wta_waker_vt {
    struct wta_waker (*clone)(const struct wta_waker *w);
    void (*wake)(struct wta_waker *w);
    void (*wake_by_ref)(const struct wta_waker *w);
    void (*drop)(struct wta_waker *w);
};

struct wta_waker {
    const struct wta_waker_vt *vt;
    void *data;
};

/*
 * What caused a wake: recorded in the trace so a viewer can say why. The
 * runtime's own wakes also name the thing (the trace's `cause`): the
 * timer, fd, channel, finished task or blocking job, by its trace id.
 */
enum wta_wake_source {
    WTA_SRC_EXTERNAL,  /* a thread the runtime does not know */
    WTA_SRC_TASK,      /* a task's poll woke it (a yield, a oneshot send, ...) */
    WTA_SRC_REACTOR,   /* an fd became ready (cause: the fd) */
    WTA_SRC_TIMER,     /* a deadline passed (cause: the timer) */
    WTA_SRC_JOIN,      /* a JoinHandle's task finished (cause: that task) */
    WTA_SRC_MAIN,      /* the thread in block_on */
    WTA_SRC_BLOCKING,  /* a spawn_blocking job finished (cause: the job) */
    WTA_SRC_CHAN,      /* a channel's send, recv or close (cause: the channel) */
};

struct wta_context {
    const struct wta_waker *waker;  /* borrowed: clone it to keep it */
};

struct wta_waker wta_waker_clone(const struct wta_waker *w);
void wta_waker_wake(struct wta_waker *w);          /* consumes w */
void wta_waker_wake_by_ref(const struct wta_waker *w);
void wta_waker_drop(struct wta_waker *w);          /* a zeroed waker is a no-op */
/* Wake (by ref), telling the trace who is waking: a timer, a join, ... */
void wta_waker_wake_from(const struct wta_waker *w, enum wta_wake_source src);
bool wta_waker_is_set(const struct wta_waker *w);
/* Would a and b wake the same thing? (Keep a stored waker instead of re-cloning.) */
bool wta_waker_will_wake(const struct wta_waker *a, const struct wta_waker *b);
/* A waker that does nothing: for polling a future by hand. */
const struct wta_waker *wta_waker_noop(void);

/* ---------------------------------------------------------------- runtime */

/*
 * The original wta's concurrency bugs, each switchable back on so a lesson
 * can show the bug, its trace and its fix. Default: none (correct).
 */
enum wta_bug {
    WTA_BUG_W1 = 1 << 0,  /* block_on clears `ready` after the poll: a wake during it is erased */
    WTA_BUG_W2 = 1 << 1,  /* a wake from another thread while the task runs is lost (then freed, if no waker is left) */
    WTA_BUG_W3 = 1 << 2,  /* worker checks the queue, then registers as sleeper: a push between is lost */
    WTA_BUG_W4 = 1 << 3,  /* a self-wake (yield) during the poll frees the task: its JoinHandle sees -ECANCELED */
    WTA_BUG_W5 = 1 << 4,  /* only block_on drives the reactor, on a fixed 100 us spin */
};

enum wta_scheduler {
    WTA_SCHED_DEFAULT = 0,  /* $WTA_SCHEDULER if set, else local */
    WTA_SCHED_LOCAL,        /* per-worker queues + a shared queue */
    WTA_SCHED_GLOBAL,       /* wta's original: one FIFO under one lock */
};

/*
 * Hooks that open a bug's race window every time, so a lesson never has to
 * "run it until it breaks". Called only while the matching bug is on.
 */
struct wta_hooks {
    /* W3: a worker found the queue empty and is about to register as a
     * sleeper. Runs on that worker, no runtime lock held. */
    void (*w3_before_sleep)(void *arg, int worker);
    void *arg;
};

/*
 * Environment knobs: a field the program leaves unset (0, NULL) is taken
 * from the environment, so a run can be changed without recompiling:
 *
 *     WTA_WORKERS=4        workers      1..256 (unset: one per online CPU)
 *     WTA_SCHEDULER=global scheduler    local | global (unset: local)
 *     WTA_BUGS=W2,W5       bugs         W1..W5 separated by commas, or none
 *     WTA_TRACE=run.jsonl  trace_path   write the trace there (unset: no trace)
 *
 * What the program sets wins; an empty variable counts as unset. A bad
 * value makes wta_runtime_new print one line naming the variable and what
 * it accepts, and return NULL with errno = EINVAL. The trace header records
 * the values in effect.
 */
struct wta_config {
    int workers;                 /* 0: $WTA_WORKERS, else one per online CPU */
    unsigned bugs;               /* enum wta_bug flags; 0: $WTA_BUGS, else none (correct) */
    enum wta_scheduler scheduler;
    const char *trace_path;      /* NULL: $WTA_TRACE, else no trace */
    const char *program;         /* name in the trace header; NULL: "wta" */
    bool no_hang_check;          /* see wta_block_on() */
    int max_blocking;            /* spawn_blocking threads; 0: 64 */
    struct wta_hooks hooks;
    /* Deterministic mode: the runtime's threads run one at a time, in an
     * order drawn from `seed`, on a virtual clock; the same program, seed
     * and worker count give the same trace byte for byte. $WTA_SEED=n
     * turns it on too (when this is false). */
    bool deterministic;
    uint64_t seed;
};

struct wta_runtime;

/*
 * The calling thread has just spent ns of time the runtime cannot see: a
 * computation, or a blocking call. In deterministic mode the virtual clock
 * counts only the runtime's own steps, so this moves it on by ns (timers
 * come due as they would have); in real mode it does nothing, since real
 * time passed by itself. For lessons and tests that model busy or blocked
 * work on a virtual clock.
 */
void wta_spent_ns(uint64_t ns);

/* Starts cfg->workers worker threads at once. NULL cfg: defaults (and
 * the environment knobs above). Returns NULL and sets errno on failure
 * (EINVAL: a bad field, or a bad knob, reported on stderr). */
struct wta_runtime *wta_runtime_new(const struct wta_config *cfg);

/* Shuts down: each worker stops after the poll it is in, however much
 * work is queued; blocking jobs finish; every task not finished is dropped
 * (its future's drop runs, its JoinHandle reports -ECANCELED); the trace
 * is flushed and closed; everything is freed. Call from outside any task
 * and outside block_on, from any thread: the creating thread or another
 * (the creating thread then forgets it: see wta_runtime_current). Wakers
 * kept past it stay safe to use (see wakers above). A listener or stream
 * still open is named on stderr (what it is, the task that made it); it
 * no longer works, but closing it later is safe. A deterministic runtime
 * is the exception: its threads take turns with the creating thread, so
 * only that thread may free it (another panics rather than hang). */
void wta_runtime_free(struct wta_runtime *rt);

int wta_runtime_workers(const struct wta_runtime *rt);
/*
 * The runtime of the calling thread, or NULL: on a worker or a blocking
 * thread, its runtime; in block_on, the runtime block_on runs on; on the
 * thread that created a runtime, outside block_on, the runtime it created
 * last, until that runtime is freed (by any thread: then NULL, never a
 * dangling pointer). This is the runtime wta_spawn() and the leaf futures
 * use when called outside a task.
 */
struct wta_runtime *wta_runtime_current(void);

/* ---------------------------------------------------------------- spawn */

/*
 * Spawns f as a task and returns its JoinHandle, a future whose output is
 * the task's output (or -ECANCELED if the task was dropped unfinished).
 * Dropping the handle detaches the task; the handle may be awaited long
 * after the task finished. f is always consumed. Returns NULL with errno =
 * ESRCH when called outside a runtime (wta_spawn), EINVAL for f NULL. The
 * task and its handle are one allocation (out of memory is a panic).
 */
struct wta_future *wta_spawn_at(struct wta_runtime *rt, struct wta_future *f,
                                const char *name, const char *file, int line);
/*
 * The same, moving the future instead of taking a box: the first size
 * bytes at f (a struct beginning with its struct wta_future, usually on the
 * caller's stack) are copied into the task's block, so a spawn costs one
 * allocation, as a Rust future moved into its task. f must not point into
 * itself, and is not used again; its vt->drop releases what it holds but
 * must not free it (the task frees its block). EINVAL: size < sizeof *f.
 */
struct wta_future *wta_spawn_move_at(struct wta_runtime *rt, struct wta_future *f, size_t size,
                                     const char *name, const char *file, int line);

/* Spawn on the calling thread's runtime (inside a task or block_on). */
#define wta_spawn(f) wta_spawn_at(NULL, (f), NULL, __FILE__, __LINE__)
#define wta_spawn_named(f, name) wta_spawn_at(NULL, (f), (name), __FILE__, __LINE__)
/* Spawn on a given runtime, from any thread. */
#define wta_runtime_spawn(rt, f) wta_spawn_at((rt), (f), NULL, __FILE__, __LINE__)
/* Moves *fp, a struct whose first member is `struct wta_future base`: wta_spawn_move(&sleeper). */
#define wta_spawn_move(fp) wta_spawn_move_at(NULL, &(fp)->base, sizeof *(fp), NULL, __FILE__, __LINE__)

/* Polls the handle with no waker: 0 (output in *out), -ECANCELED, or WTA_PENDING. */
int wta_join_try(struct wta_future *handle, intptr_t *out);

/*
 * Runs fn(arg) on a blocking thread, off the workers. Blocking threads are
 * started on demand, up to cfg.max_blocking, reused for later jobs (a
 * strictly sequential pipeline of jobs uses one thread), and
 * joined at shutdown (which waits for queued and running jobs: a job
 * cannot be cancelled). A job never waits for a thread while fewer than
 * cfg.max_blocking exist, so a job may wait for a job submitted after it.
 * Returns a JoinHandle whose output is fn's return value; once shutdown
 * has begun (a job submitting from inside wta_runtime_free), the job is
 * not run and the handle reports -ECANCELED.
 */
typedef intptr_t (*wta_blocking_fn)(void *arg);
struct wta_future *wta_spawn_blocking_at(struct wta_runtime *rt, wta_blocking_fn fn,
                                         void *arg, const char *name,
                                         const char *file, int line);
#define wta_spawn_blocking(fn, arg) \
    wta_spawn_blocking_at(NULL, (fn), (arg), #fn, __FILE__, __LINE__)

/* ---------------------------------------------------------------- block_on */

/*
 * Polls f on the calling thread with a MainWaker until it is ready, then
 * drops it. Between polls the thread does book_keeping (waits for the
 * MainWaker). Returns f's result (0 or -errno), its output in *out (out may
 * be NULL). f is consumed on every path: rt or f NULL gives -EINVAL (and
 * f, if any, is dropped); a call from a worker gives -EDEADLK.
 *
 * Returns -EDEADLK if nothing can ever wake f: every worker is parked, no
 * blocking job runs, the reactor waits on nothing, and every live waker
 * clone is held by the runtime (a channel, a JoinHandle), none by user
 * code - a clone the user holds, maybe on a thread of their own, may
 * still fire, so block_on waits. At a hang it prints a task dump on
 * stderr (the trace gets it too: hang.main, hang.task). Off with
 * cfg.no_hang_check.
 * Several threads may each be in block_on on one runtime. While more than
 * one is, no hang is certain - each may wake another's main future (a
 * channel between two block_on futures, no task between them) - so none
 * returns -EDEADLK; when all but one have returned, the last is checked
 * again. A block_on nested inside a future's poll on the same thread counts
 * as its thread's one. A thread not (yet) in block_on is invisible to the
 * check: if it holds the only way to wake f (a channel's other end), use
 * cfg.no_hang_check.
 */
int wta_block_on(struct wta_runtime *rt, struct wta_future *f, intptr_t *out);

/* ---------------------------------------------------------------- leaf futures */

/* Ready at once with the given output. */
struct wta_future *wta_ready(intptr_t value);
/* Pending once (waking itself: back of the queue), then ready with 0. */
struct wta_future *wta_yield_now(void);

/*
 * Oneshot channel: one value, one sender, one receiver. The receiver is a
 * future: 0 with the value, or -EPIPE if the sender was dropped unsent.
 */
struct wta_oneshot_tx;
int  wta_oneshot_new(struct wta_oneshot_tx **tx, struct wta_future **rx);
int  wta_oneshot_send(struct wta_oneshot_tx *tx, intptr_t value); /* consumes tx; -EPIPE if rx gone */
void wta_oneshot_tx_drop(struct wta_oneshot_tx *tx);

/* ---------------------------------------------------------------- timers */

/* Now, in ns of CLOCK_MONOTONIC: the clock every deadline uses. */
uint64_t wta_now(void);
/* Ready with 0 once ns have passed since the call; dropping it cancels the timer. */
struct wta_future *wta_sleep(uint64_t ns);
/* Ready with 0 once wta_now() >= deadline_ns. */
struct wta_future *wta_sleep_until(uint64_t deadline_ns);
/*
 * Of two sleeps, the one with the earlier deadline is never ready after
 * the other: the sleeps one poll looks at compare their deadlines with the
 * same clock reading, taken when the poll began, and armed timers fire in
 * deadline order (so a select picks the earlier, a timeout longer than its
 * inner sleep never fires first).
 */

/*
 * Runs fut with a deadline ns from this call: fut's own result if it
 * finishes first, else -ETIMEDOUT, and fut is dropped at that moment (its
 * sockets, timers and wakers are released). Consumes fut.
 */
struct wta_future *wta_timeout(struct wta_future *fut, uint64_t ns);

/*
 * A ticking clock: a *stream*, the one kind of future that may be polled
 * again after it was READY. Each READY is one tick, with the tick's number
 * (1, 2, ...) as output; tick k is due at start + k * period_ns (no drift;
 * a late poll gets the missed ticks back to back). Poll it from your own
 * state machine and drop it when done:
 *
 *     case STEP_TICK:
 *         rc = wta_poll(self->iv, cx, &n);
 *         if (rc == WTA_PENDING)
 *             return WTA_PENDING;     // the interval's timer wakes us
 *         ...one tick's work...; if more, stay in STEP_TICK and loop
 *
 * Given to block_on or spawn, it ends after its first tick.
 */
struct wta_future *wta_interval(uint64_t period_ns);

/* ---------------------------------------------------------------- net */

/*
 * TCP over the reactor. A listener or stream belongs to the runtime it was
 * made in (the calling thread's: -ESRCH outside one) and must be closed
 * before that runtime is freed. The futures below *borrow* the socket and
 * the buffer: both must outlive the future. One reader and one writer at a
 * time per stream (each direction keeps one waiting waker).
 *
 * Addresses are numeric ("127.0.0.1", "::1"; NULL means 127.0.0.1). Every
 * operation is recorded in the trace as io.op with its result.
 */
struct wta_tcp_listener;
struct wta_tcp_stream;

/* Binds and listens (port 0: the kernel picks one; see _port). */
int  wta_tcp_listen(const char *host, uint16_t port, struct wta_tcp_listener **out);
uint16_t wta_tcp_listener_port(const struct wta_tcp_listener *l);
void wta_tcp_listener_close(struct wta_tcp_listener *l);  /* NULL is allowed */

/*
 * Accepts one connection: output is a (struct wta_tcp_stream *) cast to
 * intptr_t, which the caller owns. Connections already queued are taken
 * without waiting (the backlog is drained across successive accepts).
 * -EMFILE / -ENFILE are returned, not retried: back off (sleep) before
 * accepting again, or the program spins.
 */
struct wta_future *wta_tcp_accept(struct wta_tcp_listener *l);
/* Connects: output as accept's; -ECONNREFUSED, -ETIMEDOUT, ... on failure. */
struct wta_future *wta_tcp_connect(const char *host, uint16_t port);

/* Reads what is there, at most len bytes: output = bytes read, 0 at end of stream. */
struct wta_future *wta_tcp_read(struct wta_tcp_stream *s, void *buf, size_t len);
/* Reads exactly len bytes: output = len; -EPIPE if the stream ends first. */
struct wta_future *wta_tcp_read_exact(struct wta_tcp_stream *s, void *buf, size_t len);
/* Writes what fits now (at least 1 byte): output = bytes written. */
struct wta_future *wta_tcp_write(struct wta_tcp_stream *s, const void *buf, size_t len);
/* Writes all len bytes, across partial writes: output = len. */
struct wta_future *wta_tcp_write_all(struct wta_tcp_stream *s, const void *buf, size_t len);

int  wta_tcp_shutdown(struct wta_tcp_stream *s, int how);  /* SHUT_WR: send end of stream */
int  wta_tcp_set_nodelay(struct wta_tcp_stream *s, bool on);
uint16_t wta_tcp_local_port(const struct wta_tcp_stream *s);
void wta_tcp_close(struct wta_tcp_stream *s);              /* NULL is allowed */

/* ---------------------------------------------------------------- channels */

/*
 * Bounded mpsc channel of intptr_t values: many senders, one receiver, at
 * most cap values waiting. A send waits while the channel is full; a recv
 * waits while it is empty. Close: when the receiver is dropped, sends fail
 * with -EPIPE; when the last sender is dropped, the receiver gets the
 * values still queued, then -EPIPE (end of stream). Values still queued
 * when the receiver is dropped are discarded: send integers, or drain
 * before dropping if they are pointers you own.
 */
struct wta_chan_tx;
struct wta_chan_rx;

int  wta_chan_new(size_t cap, struct wta_chan_tx **tx, struct wta_chan_rx **rx);
struct wta_chan_tx *wta_chan_tx_clone(struct wta_chan_tx *tx);  /* another sender */
void wta_chan_tx_drop(struct wta_chan_tx *tx);                  /* NULL is allowed */
void wta_chan_rx_drop(struct wta_chan_rx *rx);                  /* NULL is allowed */
/* Futures that borrow tx / rx: send's output is 0, recv's is the value. */
struct wta_future *wta_chan_send(struct wta_chan_tx *tx, intptr_t value);
struct wta_future *wta_chan_recv(struct wta_chan_rx *rx);

/* ---------------------------------------------------------------- combinators */

/*
 * Runs n futures concurrently until all have finished; consumes them (and
 * the array is copied). Child i's result goes to results[i] and its output
 * to outs[i] (either array may be NULL). Output: n, or the first failing
 * child's error (lowest index) once all are done. Simplification: every
 * wake re-polls every unfinished child, O(n) a wake (the upgrade is a
 * waker per child, like Rust's FuturesUnordered).
 */
struct wta_future *wta_join_all(struct wta_future **futs, size_t n,
                                int *results, intptr_t *outs);

/*
 * Polls n futures in index order; the first to finish wins: select's
 * result and output are the winner's, *winner (may be NULL) its index.
 * The losers are dropped at once, in the poll that saw the winner, so
 * their sockets and timers are released. Consumes them.
 */
struct wta_future *wta_select(struct wta_future **futs, size_t n, size_t *winner);

/*
 * Optional sugar for hand-written state machines: poll a child future and
 * return PENDING from *this* poll if it is pending. It expands to exactly
 *
 *     rc = wta_poll(fut, cx, out);
 *     if (rc == WTA_PENDING)
 *         return WTA_PENDING;   // fut stored cx's waker: it wakes us
 *
 * so set self->step to the current step *before* it, and the next poll
 * comes back to the same WTA_AWAIT:
 *
 *     case STEP_READ:
 *         WTA_AWAIT(rc, self->read, cx, &n);
 *         wta_future_drop(self->read);
 *         ...
 */
#define WTA_AWAIT(rc, fut, cx, out)                                          \
    do {                                                                     \
        (rc) = wta_poll((fut), (cx), (out));                                 \
        if ((rc) == WTA_PENDING)                                             \
            return WTA_PENDING;  /* fut stored cx's waker: it wakes us */    \
    } while (0)

/* ---------------------------------------------------------------- trace */

/*
 * The recorder writes JSON Lines (traces/SCHEMA.md). It is on when
 * cfg.trace_path or $WTA_TRACE names a file. An unwritable file is
 * reported on stderr and the runtime runs untraced; wta_trace_error() then
 * says why. A write error later (disk full) drops events, counts them and
 * says so in the trace's last line.
 */
bool wta_trace_on(const struct wta_runtime *rt);
int  wta_trace_error(const struct wta_runtime *rt);     /* 0 or -errno */
uint64_t wta_trace_dropped(const struct wta_runtime *rt);
const char *wta_trace_path(const struct wta_runtime *rt);
/* A lesson note: a caption the viewer shows and pauses at. Copied. */
void wta_note(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void wta_runtime_note(struct wta_runtime *rt, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
/*
 * A user mark (two numbers) on the calling thread: the cheapest event.
 * Inline so that with tracing off a mark costs one load and one branch:
 * a runtime's first field is its trace, NULL when tracing is off.
 */
void wta_trace_mark_on(struct wta_runtime *rt, uint64_t id, uint64_t value);
static inline void wta_trace_mark(struct wta_runtime *rt, uint64_t id, uint64_t value)
{
    if (__builtin_expect(*(void *const *)rt != NULL, 0))
        wta_trace_mark_on(rt, id, value);
}
/* Writes out every thread's buffered events now. */
void wta_trace_flush(struct wta_runtime *rt);
/*
 * A traced program that dies - a crash, abort(), a signal, even SIGKILL -
 * leaves its last events in `<trace>.spool` beside the trace. This writes
 * them as the trace's last lines, then process.end (how the run ended)
 * and trace.end, and removes the spool; wta-trace does it by itself when
 * it opens such a trace. Returns 0, -ENOENT (no spool: nothing to do),
 * -EBUSY (the program still runs), -EINVAL (not a spool this version of
 * wta wrote), or another -errno. out may be NULL.
 */
struct wta_trace_recovery {
    uint64_t events;             /* events read back from the spool */
    char how[16];                /* "signal", "exit", or "killed" (no word: SIGKILL) */
    char signal[16];             /* "SIGSEGV", "SIGTERM", ..., or "" */
    char thread[24];             /* the thread the signal hit, or "" */
    uint64_t task;               /* the task that thread was polling, or 0 */
};
int wta_trace_recover(const char *trace_path, struct wta_trace_recovery *out);

/* ---------------------------------------------------------------- errors */

const char *wta_strerror(int err);  /* err: a negative errno */

#ifdef __cplusplus
}
#endif

#endif /* WTA_H */

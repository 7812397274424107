/*
 * test_runtime.c - the runtime's life cycle at its edges: shutdown under
 * load, freeing from another thread, wakers that outlive their runtime,
 * and what wta.h says about misuse.
 *
 * Scenarios that would hang if shutdown were wrong run in a child process
 * with a time limit (run_limited), so a hang fails the test instead of
 * stopping the whole run.
 */
#include <CUnit/CUnit.h>
#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <semaphore.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "internal.h"   /* the lock contracts are the runtime's own */
#include "suites.h"
#include "test_util.h"

#define LIMIT_S 120      /* generous: sanitizer builds on a loaded machine are slow */
#define ROUNDS 5

/* ---- tasks that never finish: each loops over one step forever */

enum step { STEP_YIELD, STEP_SEND, STEP_RECV, STEP_SLEEP };

struct forever {
    enum step first, second;     /* the loop: first, second, first, ... */
    bool at_second;
    struct wta_chan_tx *tx;      /* owned */
    struct wta_chan_rx *rx;      /* owned */
    uint64_t sleep_ns;
    struct wta_future *op;       /* the step in progress */
};

static atomic_long progress;     /* steps done, by every task */
static atomic_long dropped;      /* forever tasks dropped */

static struct wta_future *step_future(struct forever *f, enum step s)
{
    switch (s) {
    case STEP_YIELD: return wta_yield_now();
    case STEP_SEND:  return wta_chan_send(f->tx, 1);
    case STEP_RECV:  return wta_chan_recv(f->rx);
    case STEP_SLEEP:
    default:         return wta_sleep(f->sleep_ns);
    }
}

static int forever_poll(void *st, struct wta_context *cx, intptr_t *out)
{
    struct forever *f = st;
    for (;;) {
        if (f->op == NULL)
            f->op = step_future(f, f->at_second ? f->second : f->first);
        int rc = wta_poll(f->op, cx, out);
        if (rc == WTA_PENDING)
            return WTA_PENDING;   // the yield, the channel or the timer wakes us
        wta_future_drop(f->op);
        f->op = NULL;
        if (rc != 0)
            return rc;
        atomic_fetch_add(&progress, 1);
        f->at_second = !f->at_second;
    }
}

static void forever_drop(void *st)
{
    struct forever *f = st;
    wta_future_drop(f->op);
    wta_chan_tx_drop(f->tx);
    wta_chan_rx_drop(f->rx);
    free(f);
    atomic_fetch_add(&dropped, 1);
}

static void spawn_forever(struct wta_runtime *rt, enum step first, enum step second,
                          struct wta_chan_tx *tx, struct wta_chan_rx *rx, uint64_t sleep_ns)
{
    struct forever *f = calloc(1, sizeof *f);
    *f = (struct forever){.first = first, .second = second, .tx = tx, .rx = rx,
                          .sleep_ns = sleep_ns};
    wta_future_drop(wta_runtime_spawn(rt, fn_future("forever", forever_poll, f, forever_drop)));
}

/* Spins (no sleep) until the tasks have done `steps` steps between them. */
static void await_progress(long steps)
{
    while (atomic_load(&progress) < steps)
        sched_yield();
}

/* Frees rt and checks every one of the n tasks was dropped exactly once. */
static int free_and_count(struct wta_runtime *rt, long n, const char *what)
{
    wta_runtime_free(rt);
    if (atomic_load(&dropped) != n) {
        fprintf(stderr, "%s: %ld of %ld tasks dropped\n", what, atomic_load(&dropped), n);
        return 1;
    }
    return 0;
}

static int shutdown_yielders(void *unused)
{
    (void)unused;
    for (int round = 0; round < ROUNDS; round++) {
        for (int workers = 1; workers <= 4; workers *= 2) {
            atomic_store(&progress, 0);
            atomic_store(&dropped, 0);
            struct wta_runtime *rt = test_runtime(workers, 0, NULL);
            for (int i = 0; i < 2 * workers; i++)
                spawn_forever(rt, STEP_YIELD, STEP_YIELD, NULL, NULL, 0);
            await_progress(1000);
            if (free_and_count(rt, 2 * workers, "yielders") != 0)
                return 1;
        }
    }
    return 0;
}

/* Does free return while tasks yield forever? */
static void runtime_shutdown_yielders(void)
{
    run_limited("runtime_shutdown_yielders", shutdown_yielders, NULL, LIMIT_S);
}

static int shutdown_ping_pong(void *unused)
{
    (void)unused;
    for (int round = 0; round < ROUNDS; round++) {
        for (int workers = 1; workers <= 4; workers *= 2) {
            atomic_store(&progress, 0);
            atomic_store(&dropped, 0);
            struct wta_runtime *rt = test_runtime(workers, 0, NULL);
            struct wta_chan_tx *ping_tx, *pong_tx;
            struct wta_chan_rx *ping_rx, *pong_rx;
            wta_chan_new(1, &ping_tx, &ping_rx);
            wta_chan_new(1, &pong_tx, &pong_rx);
            spawn_forever(rt, STEP_SEND, STEP_RECV, ping_tx, pong_rx, 0);
            spawn_forever(rt, STEP_RECV, STEP_SEND, pong_tx, ping_rx, 0);
            await_progress(1000);
            if (free_and_count(rt, 2, "ping-pong") != 0)
                return 1;
        }
    }
    return 0;
}

/* Does free return while two tasks bounce a value through channels forever? */
static void runtime_shutdown_ping_pong(void)
{
    run_limited("runtime_shutdown_ping_pong", shutdown_ping_pong, NULL, LIMIT_S);
}

#define TIMED_SENDERS 20000

static int shutdown_timer_traffic(void *unused)
{
    (void)unused;
    for (int round = 0; round < 2; round++) {
        atomic_store(&progress, 0);
        atomic_store(&dropped, 0);
        struct wta_runtime *rt = test_runtime(1, 0, NULL);
        struct wta_chan_tx *tx;
        struct wta_chan_rx *rx;
        wta_chan_new(64, &tx, &rx);
        spawn_forever(rt, STEP_RECV, STEP_RECV, NULL, rx, 0);
        for (int i = 0; i < TIMED_SENDERS; i++)
            spawn_forever(rt, STEP_SLEEP, STEP_SEND, wta_chan_tx_clone(tx), NULL, 1000);
        wta_chan_tx_drop(tx);
        await_progress(TIMED_SENDERS / 10);   // the queue is still long: they are busy
        if (free_and_count(rt, TIMED_SENDERS + 1, "timer traffic") != 0)
            return 1;
    }
    return 0;
}

/* Does free return while 20,000 timed senders flood one worker? */
static void runtime_shutdown_timer_traffic(void)
{
    run_limited("runtime_shutdown_timer_traffic", shutdown_timer_traffic, NULL, LIMIT_S);
}

/* ---- freeing from another thread */

static int never_poll(void *st, struct wta_context *cx, intptr_t *out)
{
    (void)st;
    (void)cx;
    (void)out;
    return WTA_PENDING;   // nobody wakes it: shutdown drops it
}

static void *free_runtime(void *rt)
{
    wta_runtime_free(rt);
    return NULL;
}

/* What if another thread frees the runtime this thread created? */
static void runtime_free_from_other_thread(void)
{
    char *path = test_trace_path("free_other");
    struct wta_runtime *rt = test_runtime(2, 0, path);
    CU_ASSERT_PTR_EQUAL(wta_runtime_current(), rt);   // the creating thread may spawn
    struct wta_future *h = wta_spawn(fn_future("never", never_poll, NULL, NULL));
    CU_ASSERT_PTR_NOT_NULL_FATAL(h);
    pthread_t th;
    pthread_create(&th, NULL, free_runtime, rt);
    pthread_join(th, NULL);
    CU_ASSERT_PTR_NULL(wta_runtime_current());        // forgotten, not dangling
    CU_ASSERT_EQUAL(wta_join_try(h, NULL), -ECANCELED);
    wta_future_drop(h);
    errno = 0;
    CU_ASSERT_PTR_NULL(wta_spawn(wta_ready(1)));      // "not inside a runtime"
    CU_ASSERT_EQUAL(errno, ESRCH);
    unlink(path);
    free(path);
}

/* ---- wakers that outlive their runtime */

static struct wta_waker kept;     /* a clone kept past free */
static sem_t kept_ready;

static int keep_waker_poll(void *st, struct wta_context *cx, intptr_t *out)
{
    (void)st;
    (void)out;
    if (!wta_waker_is_set(&kept)) {
        kept = wta_waker_clone(cx->waker);
        sem_post(&kept_ready);
    }
    return WTA_PENDING;   // the test holds our waker, and wakes it only after free
}

static void *wake_kept(void *unused)
{
    (void)unused;
    wta_waker_wake(&kept);   // consumes it
    return NULL;
}

/* What if a task's waker is woken and dropped after the runtime is freed? */
static void runtime_task_waker_outlives_runtime(void)
{
    char *path = test_trace_path("waker_after_free");
    struct wta_runtime *rt = test_runtime(2, 0, path);
    kept = (struct wta_waker){0};
    sem_init(&kept_ready, 0, 0);
    wta_future_drop(wta_runtime_spawn(rt, fn_future("keeper", keep_waker_poll, NULL, NULL)));
    sem_wait(&kept_ready);
    wta_runtime_free(rt);                         // drops the task, not our clone
    struct wta_waker second = wta_waker_clone(&kept);
    wta_waker_wake_by_ref(&kept);                 // a no-op now: nothing to wake
    pthread_t th;
    pthread_create(&th, NULL, wake_kept, NULL);   // a wake from another thread, too
    pthread_join(th, NULL);
    CU_ASSERT_FALSE(wta_waker_is_set(&kept));
    wta_waker_drop(&second);                      // the last one: task and runtime go
    sem_destroy(&kept_ready);
    struct trace tr;
    if (trace_load(path, &tr) == 0) {             // closed at free, and whole
        CU_ASSERT_STRING_EQUAL(ev_kind(tr.ev[tr.n - 1]), "trace.end");
        trace_free(&tr);
    }
    unlink(path);
    free(path);
}

static int keep_main_waker_poll(void *st, struct wta_context *cx, intptr_t *out)
{
    (void)st;
    kept = wta_waker_clone(cx->waker);
    *out = 0;
    return WTA_READY;
}

/* What if block_on's MainWaker is kept, and woken after the runtime is freed? */
static void runtime_main_waker_outlives_runtime(void)
{
    struct wta_runtime *rt = test_runtime(1, 0, NULL);
    CU_ASSERT_EQUAL(wta_block_on(rt, fn_future("keep_main", keep_main_waker_poll, NULL, NULL),
                                 NULL), 0);
    wta_runtime_free(rt);
    wta_waker_wake_by_ref(&kept);   // nobody waits: a no-op
    wta_waker_wake(&kept);          // consumes the last reference
    CU_ASSERT_FALSE(wta_waker_is_set(&kept));
}

/* ---- ownership on every path */

static atomic_int drops;

static void count_drop(void *st)
{
    (void)st;
    atomic_fetch_add(&drops, 1);
}

/* Does block_on take its future even when it refuses it (no runtime)? */
static void runtime_block_on_null_consumes(void)
{
    atomic_store(&drops, 0);
    struct wta_future *f = fn_future("orphan", never_poll, NULL, count_drop);
    CU_ASSERT_EQUAL(wta_block_on(NULL, f, NULL), -EINVAL);
    CU_ASSERT_EQUAL(atomic_load(&drops), 1);
    struct wta_runtime *rt = test_runtime(1, 0, NULL);
    CU_ASSERT_EQUAL(wta_block_on(rt, NULL, NULL), -EINVAL);
    wta_runtime_free(rt);
}

/* ---- the lock contracts: a "must hold" is checked, as xv6's holding() */

/* In a child: the timer heap's length, asked with its lock held or not. */
static void heap_len_child(bool hold, int err_fd)
{
    dup2(err_fd, STDERR_FILENO);
    struct wta_mutex mu;
    struct wta_timer_heap h;
    wta_mutex_init(&mu);
    wta_timer_heap_init(&h, &mu);
    if (hold)
        wta_mutex_lock(&mu);
    size_t n = wta_timer_heap_len(&h);   // "must hold the reactor's lock"
    if (hold)
        wta_mutex_unlock(&mu);
    wta_timer_heap_destroy(&h);
    wta_mutex_destroy(&mu);
    _exit(n == 0 ? 0 : 3);
}

/* Runs heap_len_child; its wait status, and its stderr in err. */
static int heap_len_status(bool hold, char *err, size_t cap)
{
    int fds[2];
    CU_ASSERT_FATAL(pipe(fds) == 0);
    fflush(stdout);
    fflush(stderr);
    pid_t pid = fork();
    CU_ASSERT_FATAL(pid >= 0);
    if (pid == 0) {
        close(fds[0]);
        heap_len_child(hold, fds[1]);
    }
    close(fds[1]);
    size_t used = 0;
    ssize_t k;
    while (used + 1 < cap && (k = read(fds[0], err + used, cap - 1 - used)) > 0)
        used += (size_t)k;
    err[used] = '\0';
    close(fds[0]);
    int status;
    while (waitpid(pid, &status, 0) < 0)
        CU_ASSERT_FATAL(errno == EINTR);
    return status;
}

/* A contract broken (the lock not held) stops the program and names the contract. */
static void runtime_lock_assert_fires(void)
{
#ifdef NDEBUG
    printf("(skipped: contracts are checked in debug builds only) ");
#else
    char err[512];
    int status = heap_len_status(true, err, sizeof err);
    CU_ASSERT(WIFEXITED(status) && WEXITSTATUS(status) == 0);   // kept: no complaint
    CU_ASSERT_STRING_EQUAL(err, "");
    status = heap_len_status(false, err, sizeof err);
    CU_ASSERT(WIFSIGNALED(status) && WTERMSIG(status) == SIGABRT);
    CU_ASSERT_PTR_NOT_NULL(strstr(err, "wta: panic: timer_heap_len: reactor lock not held"));
#endif
}

void suite_runtime(void)
{
    CU_pSuite s = CU_add_suite("runtime", NULL, NULL);
    CU_add_test(s, "runtime_shutdown_yielders", runtime_shutdown_yielders);
    CU_add_test(s, "runtime_shutdown_ping_pong", runtime_shutdown_ping_pong);
    CU_add_test(s, "runtime_shutdown_timer_traffic", runtime_shutdown_timer_traffic);
    CU_add_test(s, "runtime_free_from_other_thread", runtime_free_from_other_thread);
    CU_add_test(s, "runtime_task_waker_outlives_runtime", runtime_task_waker_outlives_runtime);
    CU_add_test(s, "runtime_main_waker_outlives_runtime", runtime_main_waker_outlives_runtime);
    CU_add_test(s, "runtime_block_on_null_consumes", runtime_block_on_null_consumes);
    CU_add_test(s, "runtime_lock_assert_fires", runtime_lock_assert_fires);
}

/*
 * test_cause.c - every wake the runtime makes names its cause exactly.
 *
 * A waker.wake (and a main.wake) carries `cause`: the timer, fd, channel,
 * finished task or blocking job that woke it, by the id the trace's other
 * events give that thing (SCHEMA.md, "Wakers and run queues"). Each test
 * runs a scenario in which a wake of that source is certain (the waiting
 * side has stored its waker before the other side can act), then checks
 * every such wake in the trace against the event it names.
 */
#include <CUnit/CUnit.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "suites.h"
#include "test_util.h"

/* The last event of kind before index at, on at's thread, with field == value; or -1. */
static int latest_before(const struct trace *tr, int at, const char *kind, const char *field,
                         int64_t value)
{
    const char *th = ev_str(tr->ev[at], "th");
    for (int i = at; i-- > 0;)
        if (strcmp(ev_kind(tr->ev[i]), kind) == 0 && ev_int(tr->ev[i], field) == value &&
            strcmp(ev_str(tr->ev[i], "th"), th) == 0)
            return i;
    return -1;
}

/* The task (0: main) that wake event i woke. */
static int64_t woken(const cJSON *e)
{
    return strcmp(ev_kind(e), "waker.wake") == 0 ? ev_int(e, "task") : 0;
}

/* Is event i a wake (of a task, or main's) with this source? */
static bool wake_from(const cJSON *e, const char *source)
{
    return (strcmp(ev_kind(e), "waker.wake") == 0 || strcmp(ev_kind(e), "main.wake") == 0) &&
           strcmp(ev_str(e, "source"), source) == 0;
}

/* The id of the first task spawned with this name, or -1. */
static int64_t task_named(const struct trace *tr, const char *name)
{
    for (int i = 0; i < tr->n; i++)
        if (strcmp(ev_kind(tr->ev[i]), "task.spawn") == 0 &&
            strcmp(ev_str(tr->ev[i], "name"), name) == 0)
            return ev_int(tr->ev[i], "task");
    return -1;
}

/* Runs the test's runtime with a trace, frees it, and loads the trace (0 on success). */
static int traced(const char *name, void (*scenario)(struct wta_runtime *rt), struct trace *tr)
{
    char *path = test_trace_path(name);
    struct wta_runtime *rt = test_runtime(2, 0, path);
    scenario(rt);
    wta_runtime_free(rt);
    int rc = trace_load(path, tr);
    unlink(path);
    free(path);
    return rc;
}

/* ---- timers: a task's sleep and main's */

static void two_sleeps(struct wta_runtime *rt)
{
    CU_ASSERT_EQUAL(run_one_task(rt, wta_sleep(20000000), NULL), 0);
    CU_ASSERT_EQUAL(wta_block_on(rt, wta_sleep(20000000), NULL), 0);
}

/* Does a timer's wake name the timer that timer.fire fired, the one its sleeper armed? */
static void cause_timer_names_its_timer(void)
{
    struct trace tr;
    if (traced("cause_timer", two_sleeps, &tr) != 0)
        return;
    int tasks = 0, mains = 0;
    for (int i = 0; i < tr.n; i++) {
        if (!wake_from(tr.ev[i], "timer"))
            continue;
        int64_t timer = ev_int(tr.ev[i], "cause");
        int fire = latest_before(&tr, i, "timer.fire", "timer", timer);
        int insert = trace_find(&tr, 0, "timer.insert", "timer", timer);
        CU_ASSERT(timer > 0 && fire >= 0 && insert >= 0 && insert < i);
        if (insert >= 0)
            CU_ASSERT_EQUAL(ev_int(tr.ev[insert], "task"), woken(tr.ev[i]));
        tasks += woken(tr.ev[i]) != 0;
        mains += woken(tr.ev[i]) == 0;
    }
    CU_ASSERT(tasks >= 1);
    CU_ASSERT(mains >= 1);
    trace_free(&tr);
}

/* ---- the reactor: a task accepts before anyone connects */

static void accept_in_a_task(struct wta_runtime *rt)
{
    struct wta_tcp_listener *l;
    CU_ASSERT_FATAL(wta_tcp_listen("127.0.0.1", 0, &l) == 0);
    // join_all polls accept first, before connect has begun: accept must wait.
    struct wta_future *v[2] = {wta_tcp_accept(l), wta_tcp_connect(NULL, wta_tcp_listener_port(l))};
    intptr_t outs[2] = {0, 0};
    CU_ASSERT_EQUAL(run_one_task(rt, wta_join_all(v, 2, NULL, outs), NULL), 0);
    wta_tcp_close((struct wta_tcp_stream *)outs[0]);
    wta_tcp_close((struct wta_tcp_stream *)outs[1]);
    wta_tcp_listener_close(l);
}

/* Does an fd's wake name the fd of the io.event that woke it (deterministic mode: renumbered alike)? */
static void cause_reactor_names_the_fd(void)
{
    struct trace tr;
    if (traced("cause_reactor", accept_in_a_task, &tr) != 0)
        return;
    int tasks = 0;
    for (int i = 0; i < tr.n; i++) {
        if (!wake_from(tr.ev[i], "reactor"))
            continue;
        int event = latest_before(&tr, i, "io.event", "fd", ev_int(tr.ev[i], "cause"));
        CU_ASSERT(event >= 0);
        if (event >= 0 && woken(tr.ev[i]) != 0) {
            CU_ASSERT_EQUAL(ev_int(tr.ev[event], "task"), woken(tr.ev[i]));
            tasks++;
        }
    }
    CU_ASSERT(tasks >= 1);
    trace_free(&tr);
}

/* ---- a channel: the receiver waits before its sender exists */

struct receiver {
    int step;
    struct wta_chan_tx *tx;
    struct wta_chan_rx *rx;
    struct wta_future *recv, *sender;
    intptr_t got;
};

static int receiver_poll(void *st, struct wta_context *cx, intptr_t *out)
{
    struct receiver *r = st;
    int rc;
    switch (r->step) {
    case 0:   // wait on the empty channel, then bring the sender to life
        r->recv = wta_chan_recv(r->rx);
        if (wta_poll(r->recv, cx, &r->got) != WTA_PENDING)
            return -EPROTO;
        r->sender = wta_spawn_named(wta_chan_send(r->tx, 7), "sender");
        r->step = 1;
        return WTA_PENDING;   // the sender's send wakes us
    case 1:
        if ((rc = wta_poll(r->recv, cx, &r->got)) == WTA_PENDING)
            return WTA_PENDING;   // the sender's send wakes us
        if (rc != 0)
            return rc;
        r->step = 2;
        /* fall through */
    default:  // and let the sender finish
        if ((rc = wta_poll(r->sender, cx, out)) == WTA_PENDING)
            return WTA_PENDING;   // the sender's join wakes us
        *out = r->got;
        return rc;
    }
}

static void receiver_drop(void *st)
{
    struct receiver *r = st;
    wta_future_drop(r->recv);
    wta_future_drop(r->sender);
}

static void recv_in_a_task(struct wta_runtime *rt)
{
    struct receiver r = {0};
    CU_ASSERT_FATAL(wta_chan_new(1, &r.tx, &r.rx) == 0);
    intptr_t v = 0;
    CU_ASSERT_EQUAL(run_one_task(rt, fn_future("receiver", receiver_poll, &r, receiver_drop),
                                 &v), 0);
    CU_ASSERT_EQUAL(v, 7);
    wta_chan_tx_drop(r.tx);
    wta_chan_rx_drop(r.rx);
}

/* Does a channel's wake name the channel of the chan.send that woke it, and its sender? */
static void cause_chan_names_the_channel(void)
{
    struct trace tr;
    if (traced("cause_chan", recv_in_a_task, &tr) != 0)
        return;
    int64_t receiver = task_named(&tr, "receiver"), sender = task_named(&tr, "sender");
    int send = trace_find(&tr, 0, "chan.send", NULL, 0);
    CU_ASSERT_FATAL(receiver > 0 && sender > 0 && send >= 0);
    int wake = trace_find(&tr, send, "waker.wake", "task", receiver);
    CU_ASSERT_FATAL(wake >= 0);
    CU_ASSERT_STRING_EQUAL(ev_str(tr.ev[wake], "source"), "chan");
    CU_ASSERT_EQUAL(ev_int(tr.ev[wake], "cause"), ev_int(tr.ev[send], "chan"));
    CU_ASSERT_EQUAL(ev_int(tr.ev[wake], "by"), sender);
    CU_ASSERT_EQUAL(ev_int(tr.ev[send], "task"), sender);
    trace_free(&tr);
}

/* ---- a JoinHandle: the parent waits on a child that cannot finish yet */

struct parent {
    int step;
    struct wta_chan_tx *tx;
    struct wta_chan_rx *rx;
    struct wta_future *child;
};

static int parent_poll(void *st, struct wta_context *cx, intptr_t *out)
{
    struct parent *p = st;
    if (p->step == 0) {
        // The child waits for a value that never comes: it ends (-EPIPE)
        // only once we drop the sender, after we wait on its handle.
        if (wta_chan_new(1, &p->tx, &p->rx) != 0)
            return -ENOMEM;
        p->child = wta_spawn_named(wta_chan_recv(p->rx), "child");
        if (wta_poll(p->child, cx, out) != WTA_PENDING)
            return -EPROTO;
        wta_chan_tx_drop(p->tx);
        p->tx = NULL;
        p->step = 1;
        return WTA_PENDING;   // the child's join wakes us
    }
    intptr_t v;
    int rc = wta_poll(p->child, cx, &v);
    if (rc == WTA_PENDING)
        return WTA_PENDING;   // the child's join wakes us
    *out = 0;
    return rc == -EPIPE ? 0 : -EPROTO;
}

static void parent_drop(void *st)
{
    struct parent *p = st;
    wta_future_drop(p->child);
    wta_chan_tx_drop(p->tx);
    wta_chan_rx_drop(p->rx);
}

static void join_in_a_task(struct wta_runtime *rt)
{
    struct parent p = {0};
    CU_ASSERT_EQUAL(run_one_task(rt, fn_future("parent", parent_poll, &p, parent_drop), NULL), 0);
}

/* Does a JoinHandle's wake name the task that finished, as its join.send does? */
static void cause_join_names_the_finished_task(void)
{
    struct trace tr;
    if (traced("cause_join", join_in_a_task, &tr) != 0)
        return;
    int64_t parent = task_named(&tr, "parent"), child = task_named(&tr, "child");
    int send = trace_find(&tr, 0, "join.send", "task", child);
    CU_ASSERT_FATAL(parent > 0 && child > 0 && send >= 0);
    int wake = trace_find(&tr, send, "waker.wake", "task", parent);
    CU_ASSERT_FATAL(wake >= 0);
    CU_ASSERT_STRING_EQUAL(ev_str(tr.ev[wake], "source"), "join");
    CU_ASSERT_EQUAL(ev_int(tr.ev[wake], "cause"), child);
    for (int i = 0; i < tr.n; i++)   // main's, if main waited: the parent finished
        if (wake_from(tr.ev[i], "join") && woken(tr.ev[i]) == 0)
            CU_ASSERT_EQUAL(ev_int(tr.ev[i], "cause"), parent);
    trace_free(&tr);
}

/* ---- a blocking job: it blocks on a pipe until the task waits on its handle */

struct pipe_job {
    int step;
    int fds[2];
    struct wta_future *job;
};

static intptr_t read_one(void *arg)
{
    char c = 0;
    return read(*(int *)arg, &c, 1) == 1 ? c : -1;
}

static int pipe_job_poll(void *st, struct wta_context *cx, intptr_t *out)
{
    struct pipe_job *p = st;
    if (p->step == 0) {
        p->job = wta_spawn_blocking(read_one, &p->fds[0]);
        if (p->job == NULL || wta_poll(p->job, cx, out) != WTA_PENDING)
            return -EPROTO;   // the job blocks until the write below
        p->step = 1;
        if (write(p->fds[1], "x", 1) != 1)
            return -EIO;
        return WTA_PENDING;   // the job's end wakes us
    }
    return wta_poll(p->job, cx, out);   // pending: the job's end wakes us
}

static void pipe_job_drop(void *st)
{
    struct pipe_job *p = st;
    wta_future_drop(p->job);
}

static void blocking_in_a_task(struct wta_runtime *rt)
{
    struct pipe_job p = {0};
    CU_ASSERT_FATAL(pipe(p.fds) == 0);
    intptr_t v = 0;
    CU_ASSERT_EQUAL(run_one_task(rt, fn_future("awaiter", pipe_job_poll, &p, pipe_job_drop),
                                 &v), 0);
    CU_ASSERT_EQUAL(v, 'x');
    close(p.fds[0]);
    close(p.fds[1]);
}

/* Does a blocking job's wake name the job, as blocking.done does? */
static void cause_blocking_names_the_job(void)
{
    if (test_deterministic())
        return;   // the job blocks in read(): a thread the scheduler cannot step
    struct trace tr;
    if (traced("cause_blocking", blocking_in_a_task, &tr) != 0)
        return;
    int64_t awaiter = task_named(&tr, "awaiter");
    int done = trace_find(&tr, 0, "blocking.done", NULL, 0);
    CU_ASSERT_FATAL(awaiter > 0 && done >= 0);
    int wake = trace_find(&tr, done, "waker.wake", "task", awaiter);
    CU_ASSERT_FATAL(wake >= 0);
    CU_ASSERT_STRING_EQUAL(ev_str(tr.ev[wake], "source"), "blocking");
    CU_ASSERT_EQUAL(ev_int(tr.ev[wake], "cause"), ev_int(tr.ev[done], "job"));
    trace_free(&tr);
}

void suite_cause(void)
{
    CU_pSuite s = CU_add_suite("cause", NULL, NULL);
    CU_add_test(s, "cause_timer_names_its_timer", cause_timer_names_its_timer);
    CU_add_test(s, "cause_reactor_names_the_fd", cause_reactor_names_the_fd);
    CU_add_test(s, "cause_chan_names_the_channel", cause_chan_names_the_channel);
    CU_add_test(s, "cause_join_names_the_finished_task", cause_join_names_the_finished_task);
    CU_add_test(s, "cause_blocking_names_the_job", cause_blocking_names_the_job);
}

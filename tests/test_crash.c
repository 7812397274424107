/*
 * test_crash.c - what a trace keeps when its program dies.
 *
 * Each test runs a traced program in a child process and ends it the hard
 * way: a NULL dereference inside a task's poll, abort(), SIGTERM, SIGKILL.
 * The parent then recovers the trace from the spool the child left
 * (wta_trace_recover, as wta-trace does) and checks that every event up to
 * the child's last one is there, in order, ending with process.end and
 * trace.end. The child says "ready" through a pipe before it is killed,
 * so nothing here is ordered by sleeping.
 */
#include <CUnit/CUnit.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "suites.h"
#include "test_util.h"

#define READY_MARKS 5000      /* marks the child records before it says ready */
#define MAX_MARKS 200000      /* then it goes on to this many, and waits */

struct child {
    const char *path;
    int ready_fd;             /* write one byte here when ready to be killed */
};

static void say_ready(const struct child *c)
{
    char b = 'r';
    while (write(c->ready_fd, &b, 1) < 0 && errno == EINTR)
        ;
}

/* ---- the child programs */

/* A task that crashes in its third poll: a store through a NULL struct
 * pointer, as a student's bug. (Written as the field's address, 16, so
 * that UBSan lets the fault happen instead of reporting it first.) */
static int crash_poll(void *st, struct wta_context *cx, intptr_t *out)
{
    int *polls = st;
    (void)out;
    if (++*polls == 3)
        *(volatile int *)(uintptr_t)16 = 1;
    wta_waker_wake_by_ref(cx->waker);   // poll me again
    return WTA_PENDING;
}

static void child_segv(const struct child *c)
{
    struct wta_runtime *rt = test_runtime(2, 0, c->path);
    static int polls;
    struct wta_future *h = wta_runtime_spawn(rt, fn_future("crasher", crash_poll, &polls, NULL));
    wta_block_on(rt, h, NULL);
}

static void child_abort(const struct child *c)
{
    struct wta_runtime *rt = test_runtime(2, 0, c->path);
    for (uint64_t i = 0; i < READY_MARKS; i++)
        wta_trace_mark(rt, 1, i);
    abort();
}

/* Marks until told to die; with `forever`, keeps marking while it waits. */
static void child_marks(const struct child *c, bool forever)
{
    struct wta_runtime *rt = test_runtime(2, 0, c->path);
    uint64_t i = 0;
    for (; i < READY_MARKS; i++)
        wta_trace_mark(rt, 1, i);
    say_ready(c);
    for (; forever && i < MAX_MARKS; i++)
        wta_trace_mark(rt, 1, i);
    for (;;)
        pause();
}

static void child_term(const struct child *c) { child_marks(c, false); }
static void child_kill(const struct child *c) { child_marks(c, true); }

/*
 * Runs program in a child; if sig != 0, kills it with sig once it is
 * ready. Returns its wait status, or -1 after a CUnit failure.
 */
static int run_child(void (*program)(const struct child *), const char *path, int sig)
{
    int p[2];
    CU_ASSERT_FATAL(pipe(p) == 0);
    pid_t pid = fork();
    CU_ASSERT_FATAL(pid >= 0);
    if (pid == 0) {
        close(p[0]);
        int null = open("/dev/null", O_WRONLY);   // the sanitizers' crash reports
        dup2(null, 2);
        struct child c = {path, p[1]};
        program(&c);
        _exit(0);
    }
    close(p[1]);
    if (sig != 0) {
        char b;
        ssize_t n;
        while ((n = read(p[0], &b, 1)) < 0 && errno == EINTR)
            ;
        CU_ASSERT_EQUAL(n, 1);
        kill(pid, sig);
    }
    close(p[0]);
    int status;
    while (waitpid(pid, &status, 0) < 0)
        if (errno != EINTR) {
            CU_FAIL("waitpid");
            return -1;
        }
    return status;
}

/* Recovers path's trace and loads it; 0, or -1 after a CUnit failure. */
static int recover(const char *path, struct wta_trace_recovery *rec, struct trace *tr)
{
    int rc = wta_trace_recover(path, rec);
    CU_ASSERT_EQUAL(rc, 0);
    char spool[600];
    snprintf(spool, sizeof spool, "%s.spool", path);
    CU_ASSERT_NOT_EQUAL(access(spool, F_OK), 0);   // recovered: gone
    CU_ASSERT_EQUAL(wta_trace_recover(path, NULL), -ENOENT);
    if (rc != 0)
        return -1;
    return trace_load(path, tr);
}

/* The last two events: process.end then trace.end, on main. */
static void assert_ends(const struct trace *tr, const char *how, const char *sig)
{
    CU_ASSERT_FATAL(tr->n >= 2);
    const cJSON *pe = tr->ev[tr->n - 2], *te = tr->ev[tr->n - 1];
    CU_ASSERT_STRING_EQUAL(ev_kind(pe), "process.end");
    CU_ASSERT_STRING_EQUAL(ev_str(pe, "how"), how);
    CU_ASSERT_STRING_EQUAL(ev_str(pe, "signal"), sig);
    CU_ASSERT_STRING_EQUAL(ev_kind(te), "trace.end");
    CU_ASSERT_EQUAL(ev_int(te, "dropped"), 0);
}

/* Are the marks exactly 0, 1, ..., n-1? Returns n. */
static int64_t marks_in_order(const struct trace *tr)
{
    int64_t next = 0;
    for (int i = 0; i < tr->n; i++)
        if (strcmp(ev_kind(tr->ev[i]), "mark") == 0) {
            CU_ASSERT_EQUAL(ev_int(tr->ev[i], "value"), next);
            next = ev_int(tr->ev[i], "value") + 1;
        }
    return next;
}

/* ---- the tests */

/* What does the trace keep of a task that dereferences NULL in its third poll? */
static void crash_segv_in_poll(void)
{
    char *path = test_trace_path("crash_segv");
    int status = run_child(child_segv, path, 0);
    CU_ASSERT(status != -1 && !(WIFEXITED(status) && WEXITSTATUS(status) == 0));
    struct wta_trace_recovery rec;
    struct trace tr;
    if (recover(path, &rec, &tr) == 0) {
        CU_ASSERT_STRING_EQUAL(rec.how, "signal");
        CU_ASSERT_STRING_EQUAL(rec.signal, "SIGSEGV");
        CU_ASSERT_EQUAL(rec.task, 1);
        assert_ends(&tr, "signal", "SIGSEGV");
        const cJSON *pe = tr.ev[tr.n - 2];
        CU_ASSERT_EQUAL(ev_int(pe, "task"), 1);
        // The crashing thread's last event is the third poll's begin.
        const char *th = ev_str(pe, "thread");
        int last = -1;
        for (int i = 0; i < tr.n - 2; i++)
            if (strcmp(ev_str(tr.ev[i], "th"), th) == 0)
                last = i;
        CU_ASSERT_FATAL(last >= 0);
        CU_ASSERT_STRING_EQUAL(ev_kind(tr.ev[last]), "poll.begin");
        CU_ASSERT_EQUAL(ev_int(tr.ev[last], "task"), 1);
        CU_ASSERT_EQUAL(ev_int(tr.ev[last], "poll"), 3);
        trace_free(&tr);
    }
    unlink(path);
    free(path);
}

/* What does the trace keep of a program that calls abort()? Every mark. */
static void crash_abort(void)
{
    char *path = test_trace_path("crash_abort");
    int status = run_child(child_abort, path, 0);
    CU_ASSERT(status != -1 && !(WIFEXITED(status) && WEXITSTATUS(status) == 0));
    struct wta_trace_recovery rec;
    struct trace tr;
    if (recover(path, &rec, &tr) == 0) {
        CU_ASSERT_EQUAL(marks_in_order(&tr), READY_MARKS);
        assert_ends(&tr, "signal", "SIGABRT");
        CU_ASSERT_STRING_EQUAL(ev_str(tr.ev[tr.n - 2], "thread"), "main");
        trace_free(&tr);
    }
    unlink(path);
    free(path);
}

/* What does the trace keep of a program stopped by SIGTERM? Every mark. */
static void crash_sigterm(void)
{
    char *path = test_trace_path("crash_term");
    int status = run_child(child_term, path, SIGTERM);
    CU_ASSERT(WIFSIGNALED(status) && WTERMSIG(status) == SIGTERM);
    struct wta_trace_recovery rec;
    struct trace tr;
    if (recover(path, &rec, &tr) == 0) {
        CU_ASSERT_EQUAL(marks_in_order(&tr), READY_MARKS);
        assert_ends(&tr, "signal", "SIGTERM");
        trace_free(&tr);
    }
    unlink(path);
    free(path);
}

/* What does the trace keep of a program killed by SIGKILL while it records?
 * Every mark up to the last, none lost in between. */
static void crash_sigkill_mid_run(void)
{
    char *path = test_trace_path("crash_kill");
    int status = run_child(child_kill, path, SIGKILL);
    CU_ASSERT(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL);
    struct wta_trace_recovery rec;
    struct trace tr;
    if (recover(path, &rec, &tr) == 0) {
        CU_ASSERT_STRING_EQUAL(rec.how, "killed");
        CU_ASSERT(rec.events > 0);
        CU_ASSERT(marks_in_order(&tr) >= READY_MARKS);
        assert_ends(&tr, "killed", "");
        trace_free(&tr);
    }
    unlink(path);
    free(path);
}

/* Does a run that stops cleanly leave no spool, and is there nothing to recover? */
static void crash_clean_run_leaves_no_spool(void)
{
    char *path = test_trace_path("crash_clean");
    struct wta_runtime *rt = test_runtime(1, 0, path);
    wta_trace_mark(rt, 1, 1);
    wta_runtime_free(rt);
    char spool[600];
    snprintf(spool, sizeof spool, "%s.spool", path);
    CU_ASSERT_NOT_EQUAL(access(spool, F_OK), 0);
    CU_ASSERT_EQUAL(wta_trace_recover(path, NULL), -ENOENT);
    unlink(path);
    free(path);
}

void suite_crash(void)
{
    CU_pSuite s = CU_add_suite("crash", NULL, NULL);
    CU_add_test(s, "crash_segv_in_poll", crash_segv_in_poll);
    CU_add_test(s, "crash_abort", crash_abort);
    CU_add_test(s, "crash_sigterm", crash_sigterm);
    CU_add_test(s, "crash_sigkill_mid_run", crash_sigkill_mid_run);
    CU_add_test(s, "crash_clean_run_leaves_no_spool", crash_clean_run_leaves_no_spool);
}

/*
 * test_model.c - state at any event, why, stats and diff over small traces.
 *
 * The state table below was worked out by hand from tests/data/small.jsonl
 * (`wta-trace cat` prints its events with their indices). Row i is the
 * state after the first i events, nine letters:
 *
 *   main w0 w1   thread activity: I idle, R running, P parked, X reactor,
 *                B block_on, M main poll, S stopped
 *   task 1       U unborn, I idle, S scheduled, R running, N notified, D done
 *   polls        polls of task 1 so far
 *   q t f        global queue length, pending timers, registered fds
 *   flag         the MainWaker's ready flag
 */
#include <CUnit/CUnit.h>
#include <cjson/cJSON.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "suites.h"
#include "test_util.h"
#include "../viz/wta_model.h"

static const char *table[] = {
    "IIIU00000", "IIIU00000", "IIIU00000", "IIIU00000", "IPIU00000", /*  0 */
    "IPPU00000", "BPPU00000", "BPPU00000", "MPPU00000", "MPPI00000", /*  5 */
    "MPPS01000", "MPPS01000", "BPPS01000", "BPPS01000", "BIPS01000", /* 10 */
    "BIPS00000", "BRPR10000", "BRPR10000", "BRPR10100", "BIPI10100", /* 15 */
    "BPPI10100", "XPPI10100", "XPPI10000", "XPPS10000", "XPPS10000", /* 20 */
    "XPPS11000", "XPPS11000", "BPPS11000", "BPIS11000", "BPIS10000", /* 25 */
    "BPRR20000", "BPRR20000", "BPRR20001", "BPID20001", "BPID20001", /* 30 */
    "BPID20001", "BPID20000", "MPID20000", "MPID20000", "BPID20000", /* 35 */
    "IPID20000", "IPPD20000", "IPPD20010", "IPPD20000", "IPPD20000", /* 40 */
    "IPPD20000", "IIPD20000", "IIID20000", "ISID20000", "ISSD20000", /* 45 */
    "ISSD20000", "ISSD20000",                                        /* 50 */
};

static struct wta_model *load(const char *path)
{
    struct wta_model *m = NULL;
    CU_ASSERT_EQUAL(wta_model_load(path, 0, &m), 0);
    return m;
}

static void encode(const struct wta_model *m, const struct wta_state *s, size_t i, char *row)
{
    static const char act[] = "IRPXBMLS";   /* by enum wta_activity; L: blocking */
    static const char ts[] = "ISRNDU";      /* by enum wta_tstate */
    struct wta_task_state t;
    wta_model_task_at(m, 1, i, &t);
    for (int k = 0; k < 3; k++)
        row[k] = act[s->threads[k].activity];
    row[3] = ts[t.state];
    row[4] = (char)('0' + t.polls);
    row[5] = (char)('0' + (s->nqueues ? s->queues[0].len : 0));
    row[6] = (char)('0' + s->ntimers);
    row[7] = (char)('0' + s->nfds);
    row[8] = (char)('0' + s->main_ready);
    row[9] = '\0';
}

/* Check every row, walking i from `from` by `step` (+1 or -1). */
static void walk(const struct wta_model *m, int from, int step)
{
    struct wta_state s;
    char row[10];
    wta_state_init(&s);
    for (int i = from; i >= 0 && i <= 51; i += step) {
        CU_ASSERT_EQUAL_FATAL(wta_model_seek(m, (size_t)i, &s), 0);
        encode(m, &s, (size_t)i, row);
        if (strcmp(row, table[i]) != 0)
            fprintf(stderr, "\nstate %d: got %s, want %s\n", i, row, table[i]);
        CU_ASSERT_STRING_EQUAL(row, table[i]);
        CU_ASSERT_EQUAL(s.at, (size_t)i);
    }
    wta_state_destroy(&s);
}

/* Does the state at every index match the hand-computed table, forwards and backwards? */
static void model_state_table(void)
{
    struct wta_model *m = load("tests/data/small.jsonl");
    CU_ASSERT_PTR_NOT_NULL_FATAL(m);
    CU_ASSERT_EQUAL_FATAL(m->nevents + 1, sizeof table / sizeof table[0]);
    walk(m, 0, 1);
    walk(m, 51, -1);
    for (unsigned k = 1; k <= 7; k += 3) {      /* keyframes every 1, 4, 7 events */
        CU_ASSERT_EQUAL(wta_model_set_keyframes(m, k), 0);
        walk(m, 0, 1);
        walk(m, 51, -1);
    }
    wta_model_free(m);
}

/* Do seeks report the queue's contents, pending unparks and the last wake? */
static void model_state_details(void)
{
    struct wta_model *m = load("tests/data/small.jsonl");
    struct wta_state s;
    struct wta_task_state t;
    CU_ASSERT_PTR_NOT_NULL_FATAL(m);
    wta_state_init(&s);
    CU_ASSERT_EQUAL(wta_model_seek(m, 10, &s), 0);
    CU_ASSERT_EQUAL(s.nqueues, 1);
    CU_ASSERT_STRING_EQUAL(wta_model_str(m, s.queues[0].name), "global");
    CU_ASSERT_EQUAL(s.queues[0].tasks[0], 1);
    CU_ASSERT_EQUAL(wta_model_seek(m, 11, &s), 0);
    CU_ASSERT(s.threads[1].unpark_pending);         /* w0 unparked, not yet resumed */
    CU_ASSERT_EQUAL(wta_model_seek(m, 18, &s), 0);
    CU_ASSERT_EQUAL(s.timers[0].deadline_ns, 1000);
    CU_ASSERT_EQUAL(s.timers[0].task, 1);
    CU_ASSERT_EQUAL(wta_model_task_at(m, 1, 23, &t), 0);
    CU_ASSERT_EQUAL(t.woke, 22);
    CU_ASSERT_EQUAL(wta_model_task_at(m, 1, 22, &t), 0);
    CU_ASSERT_EQUAL(t.woke, UINT32_MAX);
    CU_ASSERT_EQUAL(wta_model_seek(m, 52, &s), -EINVAL);
    CU_ASSERT_EQUAL(wta_model_task_at(m, 2, 0, &t), -EINVAL);
    wta_state_destroy(&s);
    wta_model_free(m);
}

/* Does why follow poll <- wake <- timer fire <- timer insert? */
static void model_why_chain(void)
{
    struct wta_model *m = load("tests/data/small.jsonl");
    struct wta_why w;
    CU_ASSERT_PTR_NOT_NULL_FATAL(m);
    CU_ASSERT_EQUAL(wta_why(m, 1, 31, &w), 0);
    CU_ASSERT_EQUAL_FATAL(w.n, 4);
    CU_ASSERT_EQUAL(w.ev[0], 29);       /* poll 2 on w1 */
    CU_ASSERT_EQUAL(w.ev[1], 22);       /* the timer's wake */
    CU_ASSERT_EQUAL(w.ev[2], 21);       /* timer.fire */
    CU_ASSERT_EQUAL(w.ev[3], 17);       /* timer.insert, in poll 1 */
    CU_ASSERT_EQUAL(wta_why(m, 1, 20, &w), 0);
    CU_ASSERT_EQUAL(w.ev[0], 15);       /* poll 1 */
    CU_ASSERT_EQUAL(w.ev[1], 8);        /* spawned ... */
    CU_ASSERT_EQUAL(w.ev[2], 7);        /* ... inside the main future's poll */
    CU_ASSERT_EQUAL(wta_why(m, 1, 10, &w), -ESRCH);
    wta_model_free(m);
}

/* Is step k of w about event ev, and does its text hold needle? */
static void step_is(const struct wta_why *w, size_t k, uint32_t ev, const char *needle)
{
    CU_ASSERT_FATAL(k < w->n);
    if (w->ev[k] != ev || strstr(w->text[k], needle) == NULL)
        fprintf(stderr, "\nstep %zu: event %u, '%s'; expected event %u, '%s'\n", k, w->ev[k],
                w->text[k], ev, needle);
    CU_ASSERT_EQUAL(w->ev[k], ev);
    CU_ASSERT_PTR_NOT_NULL(strstr(w->text[k], needle));
}

/* Why is a task not running: queued, not yet spawned, waker dropped, waker
 * held, the hang dump's word; and is a running task left to wta_why? */
static void model_why_not(void)
{
    struct wta_model *m = load("tests/data/lint/hang-dump.jsonl");
    struct wta_why w;
    CU_ASSERT_PTR_NOT_NULL_FATAL(m);
    uint32_t stuck = wta_model_task_by_id(m, 1), reader = wta_model_task_by_id(m, 2);
    CU_ASSERT_EQUAL(wta_why_not(m, stuck, 9, &w), 0);
    step_is(&w, 0, 4, "is SCHEDULED: on run queue 'global' since event 4");
    CU_ASSERT_EQUAL(wta_why_not(m, reader, 4, &w), 0);
    step_is(&w, 0, 5, "is not spawned yet");
    CU_ASSERT_EQUAL(wta_why_not(m, stuck, 11, &w), 1);          /* polled: ask wta_why */
    CU_ASSERT_EQUAL(wta_why_not(m, stuck, 17, &w), 0);
    step_is(&w, 0, 13, "'stuck' is IDLE: its poll 1 returned Pending at event 13");
    step_is(&w, 1, 12, "in its last poll: chan.send chan=1");
    step_is(&w, 2, 14, "its waker was dropped: the last live clone went at event 14");
    CU_ASSERT_EQUAL(w.n, 3);
    CU_ASSERT_EQUAL(wta_why_not(m, stuck, m->nevents - 1, &w), 0);
    step_is(&w, 1, 24, "the hang's task dump: it waits on nothing: no waker held");
    CU_ASSERT_EQUAL(wta_why_not(m, reader, m->nevents - 1, &w), 0);
    step_is(&w, 1, 23, "it waits on a value on channel 1 (recv)");
    step_is(&w, 3, 18, "1 live clone(s) of its waker (the last made at event 18");
    CU_ASSERT_EQUAL(wta_why_not(m, 3, 0, &w), -EINVAL);
    wta_model_free(m);
    /* never handed out: poll 1 of 'waiter' cloned no waker (examples/lost_wakeup.c) */
    m = load("tests/data/runtime/lost.jsonl");
    CU_ASSERT_PTR_NOT_NULL_FATAL(m);
    CU_ASSERT_EQUAL(wta_why_not(m, wta_model_task_by_id(m, 1), 30, &w), 0);
    step_is(&w, 1, 19, "its waker was never handed out: poll 1 returned Pending without "
            "cloning it (no waker.clone since event 16), so nothing can wake it");
    /* a timer it armed */
    CU_ASSERT_EQUAL(wta_why_not(m, wta_model_task_by_id(m, 2), 28, &w), 0);
    step_is(&w, 1, 28, "its timer 1 is armed for t=12009889 ns");
    wta_model_free(m);
}

/* Does why explain the main future: polling, waiting, the hang, the end? */
static void model_why_main(void)
{
    struct wta_model *m = load("tests/data/lint/hang-dump.jsonl");
    struct wta_why w;
    CU_ASSERT_PTR_NOT_NULL_FATAL(m);
    CU_ASSERT_EQUAL(wta_why_main(m, 5, &w), 0);
    step_is(&w, 0, 2, "the main future is running: its poll 1 began at event 2");
    step_is(&w, 1, 0, "its first poll: block_on began at event 0");
    CU_ASSERT_EQUAL(wta_why_main(m, 12, &w), 0);
    step_is(&w, 0, 7, "not running: its poll 1 returned Pending at event 7; block_on waits");
    step_is(&w, 1, 7, "no main.wake since that poll");
    CU_ASSERT_EQUAL(wta_why_main(m, m->nevents - 1, &w), 0);
    step_is(&w, 0, 26, "block_on returned -35 at event 26 (-EDEADLK: it hung)");
    step_is(&w, 1, 21, "hang: nothing in the runtime can wake the main future");
    step_is(&w, 2, 22, "main, polled 1 time(s), 1 live waker clone(s), waits on task 2 "
            "'reader' (its JoinHandle)");
    step_is(&w, 3, 23, "task 2 'reader' IDLE waits on a value on channel 1");
    step_is(&w, 4, 24, "task 1 'stuck' IDLE waits on nothing");
    CU_ASSERT_EQUAL(wta_why_main(m, m->nevents, &w), -EINVAL);
    wta_model_free(m);
    /* woken: the main.wake that will lead to its next poll */
    m = load("tests/data/lint/hang-near.jsonl");
    CU_ASSERT_PTR_NOT_NULL_FATAL(m);
    size_t wake = 0;
    while (m->events[wake].kind != WTA_EV_MAIN_WAKE)
        wake++;
    CU_ASSERT_EQUAL(wta_why_main(m, wake, &w), 0);
    step_is(&w, 1, (uint32_t)wake, "by main.wake (source join, by task 1): block_on polls it next");
    wta_model_free(m);
}

/* Does why name the channel send (in another task's poll) that woke a task? */
static void model_why_channel(void)
{
    struct wta_model *m = load("tests/data/why-chan.jsonl");
    struct wta_why w;
    uint32_t receiver;
    CU_ASSERT_PTR_NOT_NULL_FATAL(m);
    receiver = wta_model_task_by_id(m, 1);
    CU_ASSERT_EQUAL(wta_why(m, receiver, m->nevents - 1, &w), 0);
    CU_ASSERT_EQUAL_FATAL(w.n, 6);
    CU_ASSERT_EQUAL(w.ev[0], 19);                           /* receiver's poll 2 */
    CU_ASSERT_EQUAL(m->events[w.ev[1]].kind, WTA_EV_WAKER_WAKE);
    CU_ASSERT_EQUAL(m->events[w.ev[2]].kind, WTA_EV_CHAN_SEND);
    CU_ASSERT_PTR_NOT_NULL(strstr(w.text[2], "sender sent on channel 1"));
    CU_ASSERT_EQUAL(m->events[w.ev[3]].kind, WTA_EV_POLL_BEGIN);   /* sender's poll */
    CU_ASSERT_EQUAL(m->events[w.ev[4]].kind, WTA_EV_TASK_SPAWN);
    CU_ASSERT_EQUAL(m->events[w.ev[5]].kind, WTA_EV_MAIN_POLL_BEGIN);
    wta_model_free(m);
}

/* Two timers fire in one reactor turn: does why name the timer each wake
 * names (its cause), not the nearest timer.fire before it? And a wake of a
 * trace without causes: explained by its source, as before? */
static void model_why_exact_cause(void)
{
    struct wta_model *m = load("tests/data/why-cause.jsonl");
    struct wta_why w;
    CU_ASSERT_PTR_NOT_NULL_FATAL(m);
    uint32_t early = wta_model_task_by_id(m, 1);
    CU_ASSERT_EQUAL(wta_why(m, early, 30, &w), 0);   /* its poll 2 */
    CU_ASSERT_EQUAL_FATAL(w.n, 4);
    step_is(&w, 0, 30, "task 1 'early' poll 2 began on 'w0'");
    step_is(&w, 1, 21, "woken by its waker: timer 1 fired at event 19; scheduled, on 'w0'");
    step_is(&w, 2, 19, "timer 1 fired on 'w0', 20 ns late");
    step_is(&w, 3, 10, "timer 1 was armed by task early for t=500 (root)");
    char text[128];
    uint32_t ev;
    CU_ASSERT_EQUAL(wta_wake_cause(m, 24, text, sizeof text, &ev), 1);   /* task 2's wake */
    CU_ASSERT_STRING_EQUAL(text, "timer 2 fired");
    CU_ASSERT_EQUAL(ev, 20);
    CU_ASSERT_EQUAL(wta_wake_cause(m, 23, text, sizeof text, &ev), 0);   /* not a wake */
    wta_model_free(m);
    m = load("tests/data/why-chan.jsonl");   /* version 1: no cause */
    CU_ASSERT_PTR_NOT_NULL_FATAL(m);
    CU_ASSERT_EQUAL(wta_wake_cause(m, 14, text, sizeof text, &ev), 0);
    CU_ASSERT_EQUAL(ev, UINT32_MAX);
    CU_ASSERT_EQUAL(wta_why(m, wta_model_task_by_id(m, 1), m->nevents - 1, &w), 0);
    step_is(&w, 1, 14, "woken by its waker (source task, scheduled) on 'w1'");
    wta_model_free(m);
}

/* Do the stats add up, and does --json parse? */
static void model_stats_json(void)
{
    struct wta_model *m = load("tests/data/small.jsonl");
    char *buf = NULL;
    size_t len = 0;
    CU_ASSERT_PTR_NOT_NULL_FATAL(m);
    FILE *f = open_memstream(&buf, &len);
    CU_ASSERT_EQUAL(wta_stats_write(m, f, 1), 0);
    fclose(f);
    cJSON *j = cJSON_Parse(buf);
    CU_ASSERT_PTR_NOT_NULL_FATAL(j);
    cJSON *t = cJSON_GetArrayItem(cJSON_GetObjectItem(j, "tasks"), 0);
    CU_ASSERT_EQUAL(cJSON_GetObjectItem(t, "polls")->valuedouble, 2);
    CU_ASSERT_EQUAL(cJSON_GetObjectItem(t, "busy_ns")->valuedouble, 60);  /* 30 + 30 */
    CU_ASSERT_EQUAL(cJSON_GetObjectItem(cJSON_GetObjectItem(t, "wakes"), "timer")->valuedouble, 1);
    cJSON *lat = cJSON_GetObjectItem(cJSON_GetObjectItem(j, "latency"), "wake_to_poll");
    CU_ASSERT_EQUAL(cJSON_GetObjectItem(lat, "max_ns")->valuedouble, 70);  /* 1010 -> 1080 */
    cJSON_Delete(j);
    free(buf);
    wta_model_free(m);
}

static int diff(const char *a, const char *b, char **out)
{
    struct wta_model *ma = load(a), *mb = load(b);
    size_t len;
    FILE *f = open_memstream(out, &len);
    int rc = ma && mb ? wta_diff(ma, mb, f) : -1;
    fclose(f);
    wta_model_free(ma);
    wta_model_free(mb);
    return rc;
}

/* Does diff find the planted divergence (poll 2 on w0 instead of w1), and nothing in a copy? */
static void model_diff(void)
{
    char *out = NULL;
    CU_ASSERT_EQUAL(diff("tests/data/small.jsonl", "tests/data/small.jsonl", &out), 0);
    CU_ASSERT_PTR_NOT_NULL(strstr(out, "same schedule: 2 scheduling decisions agree"));
    free(out);
    CU_ASSERT_EQUAL(diff("tests/data/small.jsonl", "tests/data/diff_b.jsonl", &out), 1);
    CU_ASSERT_PTR_NOT_NULL(strstr(out, "first divergence at scheduling decision 2"));
    CU_ASSERT_PTR_NOT_NULL(strstr(out, "w1 polls sleeper#1 (poll 2)"));
    CU_ASSERT_PTR_NOT_NULL(strstr(out, "w0 polls sleeper#1 (poll 2)"));
    free(out);
}

/* A task that wakes itself `left` times before it is ready: yields, wakes. */
static int yielder(void *state, struct wta_context *cx, intptr_t *out)
{
    int *left = state;
    if ((*left)-- > 0) {
        wta_waker_wake_by_ref(cx->waker);
        return WTA_PENDING;     /* we just woke ourselves: polled again soon */
    }
    *out = 7;
    return WTA_READY;
}

/* Do traces the runtime writes validate cleanly, in every scheduler mode we can run? */
static void model_runtime_traces(void)
{
    static const struct { int workers; unsigned bugs; } runs[] = {
        {1, 0}, {2, 0}, {4, 0}, {2, WTA_BUG_W4},
    };
    for (size_t k = 0; k < sizeof runs / sizeof runs[0]; k++) {
        char *path = test_trace_path("model-real");
        struct wta_runtime *rt = test_runtime(runs[k].workers, runs[k].bugs, path);
        int left[4] = {3, 5, 0, 8};
        intptr_t out = 0;
        for (int t = 0; t < 4; t++)
            run_one_task(rt, fn_future("yielder", yielder, &left[t], NULL), &out);
        wta_runtime_free(rt);
        struct wta_model *m = NULL;
        int err = wta_model_load(path, WTA_LOAD_STRICT, &m);
        if (err != 0 || m->nwarnings != 0)
            wta_model_print_diags(m, stderr);
        CU_ASSERT_EQUAL(err, 0);
        CU_ASSERT_EQUAL(m->nerrors, 0);
        if (runs[k].bugs == 0)
            CU_ASSERT_EQUAL(m->nwarnings, 0);
        CU_ASSERT(m->ntasks >= 4);
        CU_ASSERT_FALSE(m->truncated);
        wta_model_free(m);
        remove(path);
        free(path);
    }
}

void suite_model(void)
{
    CU_pSuite s = CU_add_suite("model", NULL, NULL);
    CU_add_test(s, "model_state_table", model_state_table);
    CU_add_test(s, "model_state_details", model_state_details);
    CU_add_test(s, "model_why_chain", model_why_chain);
    CU_add_test(s, "model_why_channel", model_why_channel);
    CU_add_test(s, "model_why_exact_cause", model_why_exact_cause);
    CU_add_test(s, "model_why_not", model_why_not);
    CU_add_test(s, "model_why_main", model_why_main);
    CU_add_test(s, "model_stats_json", model_stats_json);
    CU_add_test(s, "model_diff", model_diff);
    CU_add_test(s, "model_runtime_traces", model_runtime_traces);
}

/*
 * test_lint.c - each lint fires on its trace and stays quiet on the near miss.
 *
 * tests/data/lint/NAME.jsonl must fire lint NAME; NAME-near.jsonl differs
 * by the one detail the lint turns on (a waker still live, a wake before the
 * poll instead of during it, an unpark on its way, 9 ms instead of 20 ms,
 * ...) and must fire no lint at all.
 */
#include <CUnit/CUnit.h>
#include <stdio.h>
#include <string.h>

#include "suites.h"
#include "../viz/wta_model.h"

/* How many lints of kind k (all kinds if k < 0) fire on path? -1 on load failure. */
static int count(const char *path, int k)
{
    struct wta_model *m = NULL;
    struct wta_lint_config c;
    struct wta_lints l;
    int n = 0;
    if (wta_model_load(path, 0, &m) != 0 || m->nwarnings != 0) {
        wta_model_free(m);
        return -1;
    }
    wta_lint_config_default(&c);
    c.self_wake_polls = 3;
    if (wta_lint_run(m, &c, &l) != 0) {
        wta_model_free(m);
        return -1;
    }
    for (size_t i = 0; i < l.n; i++)
        n += k < 0 || (int)l.items[i].kind == k;
    wta_lints_free(&l);
    wta_model_free(m);
    return n;
}

static void check(enum wta_lint_kind k)
{
    char path[128];
    snprintf(path, sizeof path, "tests/data/lint/%s.jsonl", wta_lint_name(k));
    CU_ASSERT_EQUAL(count(path, (int)k), 1);
    snprintf(path, sizeof path, "tests/data/lint/%s-near.jsonl", wta_lint_name(k));
    CU_ASSERT_EQUAL(count(path, -1), 0);
}

/* Is a task left Pending with no live waker found, but not one whose waker lives? */
static void lint_lost_wakeup(void)
{
    check(WTA_LINT_LOST_WAKEUP);
    /* Pending without ever cloning its waker; and clones dropped by shutdown */
    CU_ASSERT_EQUAL(count("tests/data/lint/lost-wakeup-2.jsonl", WTA_LINT_LOST_WAKEUP), 1);
    CU_ASSERT_EQUAL(count("tests/data/lint/lost-wakeup-near-2.jsonl", -1), 0);
}
/* What if two threads stamp a waker's clone and drop in the other order than
 * their atomic ran (issue 16)? The `wakers` field of the last event says 0, or
 * the replayed count dips to 0 for one event: neither is a lost wakeup. */
static void lint_lost_wakeup_out_of_order(void)
{
    CU_ASSERT_EQUAL(count("tests/data/lint/lost-wakeup-near-3.jsonl", -1), 0);
    CU_ASSERT_EQUAL(count("tests/data/lint/lost-wakeup-near-4.jsonl", -1), 0);
}
/* Does a hang get its own error at the `hang` event, naming the task with no waker? */
static void lint_hang(void)
{
    check(WTA_LINT_HANG);
    struct wta_model *m = NULL;
    struct wta_lint_config c;
    struct wta_lints l;
    CU_ASSERT_FATAL(wta_model_load("tests/data/lint/hang.jsonl", 0, &m) == 0);
    wta_lint_config_default(&c);
    CU_ASSERT_FATAL(wta_lint_run(m, &c, &l) == 0);
    for (size_t i = 0; i < l.n; i++)
        if (l.items[i].kind == WTA_LINT_HANG) {
            CU_ASSERT_EQUAL(m->events[l.items[i].ev].kind, WTA_EV_HANG);
            CU_ASSERT_PTR_NOT_NULL(strstr(l.items[i].msg, "1 task(s) wait with no waker: 1 'stuck'"));
        }
    wta_lints_free(&l);
    wta_model_free(m);
}
/* The message of the one lint of kind k on path ("" if none), and its task's id. */
static void one_lint(const char *path, enum wta_lint_kind k, char *msg, size_t size,
                     unsigned long long *task)
{
    struct wta_model *m = NULL;
    struct wta_lint_config c;
    struct wta_lints l;
    msg[0] = '\0';
    *task = 0;
    CU_ASSERT_FATAL(wta_model_load(path, 0, &m) == 0);
    wta_lint_config_default(&c);
    CU_ASSERT_FATAL(wta_lint_run(m, &c, &l) == 0);
    CU_ASSERT_EQUAL(l.count[k], 1);
    for (size_t i = 0; i < l.n; i++)
        if (l.items[i].kind == k) {
            CU_ASSERT_EQUAL(m->events[l.items[i].ev].kind, WTA_EV_HANG);
            snprintf(msg, size, "%s", l.items[i].msg);
            *task = l.items[i].task ? m->tasks[l.items[i].task - 1].id : 0;
        }
    wta_lints_free(&l);
    wta_model_free(m);
}

/* With the task dump (version 2), does the hang lint name what main waits on
 * and each live task's wait, the task waiting on nothing first and as its task? */
static void lint_hang_dump(void)
{
    char msg[WTA_LINT_MSG];
    unsigned long long task;
    one_lint("tests/data/lint/hang-dump.jsonl", WTA_LINT_HANG, msg, sizeof msg, &task);
    CU_ASSERT_PTR_NOT_NULL(strstr(msg, "main (1 poll(s)) waits on task 2 'reader' (its "
                                  "JoinHandle); task 1 'stuck' IDLE waits on nothing: no "
                                  "waker held, nothing will wake it; task 2 'reader' IDLE "
                                  "waits on a value on channel 1 (recv)"));
    CU_ASSERT_EQUAL(task, 1);
    /* and in a trace the runtime wrote (examples/lost_wakeup.c) */
    one_lint("tests/data/runtime/lost.jsonl", WTA_LINT_HANG, msg, sizeof msg, &task);
    CU_ASSERT_PTR_NOT_NULL(strstr(msg, "main (1 poll(s)) waits on task 1 'waiter' (its "
                                  "JoinHandle); task 1 'waiter' IDLE waits on nothing"));
    CU_ASSERT_EQUAL(task, 1);
}

/* Does --allow leave a lint out but count it, and do the per-lint counts add up? */
static void lint_allow_and_counts(void)
{
    struct wta_model *m = NULL;
    struct wta_lint_config c;
    struct wta_lints l;
    CU_ASSERT_FATAL(wta_model_load("tests/data/lint/hang.jsonl", 0, &m) == 0);
    wta_lint_config_default(&c);
    c.allow = 1u << WTA_LINT_LOST_WAKEUP;
    CU_ASSERT_FATAL(wta_lint_run(m, &c, &l) == 0);
    CU_ASSERT_EQUAL(l.n, 1);
    CU_ASSERT_EQUAL(l.nerrors, 1);
    CU_ASSERT_EQUAL(l.nwarnings, 0);
    CU_ASSERT_EQUAL(l.count[WTA_LINT_HANG], 1);
    CU_ASSERT_EQUAL(l.count[WTA_LINT_LOST_WAKEUP], 0);
    CU_ASSERT_EQUAL(l.allowed[WTA_LINT_LOST_WAKEUP], 1);
    CU_ASSERT_EQUAL(wta_lint_by_name("hang"), WTA_LINT_HANG);
    CU_ASSERT_EQUAL(wta_lint_by_name("useless-unpark"), -1);
    wta_lints_free(&l);
    wta_model_free(m);
}
/* Is a wake lost during a poll found, but not one turned into NOTIFIED? */
static void lint_wake_lost(void) { check(WTA_LINT_WAKE_LOST); }
/* Is a MainWaker flag cleared after a poll that was woken during it found (W1)? */
static void lint_main_flag(void) { check(WTA_LINT_MAIN_FLAG); }
/* Is a worker parking beside queued work found, but not one with an unpark coming (W3)? */
static void lint_parked_with_work(void)
{
    check(WTA_LINT_PARKED_WITH_WORK);
    /* the push's own unpark comes after the park in trace order */
    CU_ASSERT_EQUAL(count("tests/data/lint/parked-with-work-near-2.jsonl", -1), 0);
}
/* Is a 20 ms poll long and a 9 ms poll not? */
static void lint_long_poll(void) { check(WTA_LINT_LONG_POLL); }
/* Are three self-woken Pending polls in a row a loop, and two not? */
static void lint_self_wake_loop(void) { check(WTA_LINT_SELF_WAKE_LOOP); }
/* Is a timer 5 ms late found, and 0.9 ms late not? */
static void lint_late_timer(void)
{
    check(WTA_LINT_LATE_TIMER);
    /* late, (a poll), late, on time, late: two runs of late fires, two findings */
    CU_ASSERT_EQUAL(count("tests/data/lint/late-timer-runs.jsonl", WTA_LINT_LATE_TIMER), 2);
    CU_ASSERT_EQUAL(count("tests/data/lint/late-timer-runs.jsonl", -1), 2);
}
/* Is a task output nobody received found, but not a joined one? */
static void lint_never_joined(void) { check(WTA_LINT_NEVER_JOINED); }
/* Is a `dropped` event found, and a complete trace clean? */
static void lint_dropped(void) { check(WTA_LINT_DROPPED); }

/* Do the lints find the original's bugs in traces the runtime itself wrote with
 * W1, W2, W3 switched on (tests/data/runtime/, recorded from test_bugs.c's
 * scenarios), and no bug in a correct run of the demo? */
static void lint_runtime_bug_traces(void)
{
    CU_ASSERT_EQUAL(count("tests/data/runtime/w1.jsonl", WTA_LINT_MAIN_FLAG), 1);
    /* W1 and W3 leave the main future hung: block_on's `hang` is the second error */
    CU_ASSERT_EQUAL(count("tests/data/runtime/w1.jsonl", WTA_LINT_HANG), 1);
    CU_ASSERT_EQUAL(count("tests/data/runtime/w1.jsonl", -1), 2);
    CU_ASSERT_EQUAL(count("tests/data/runtime/w2.jsonl", WTA_LINT_WAKE_LOST), 1);
    CU_ASSERT_EQUAL(count("tests/data/runtime/w2.jsonl", WTA_LINT_LOST_WAKEUP), 1);
    CU_ASSERT_EQUAL(count("tests/data/runtime/w3.jsonl", WTA_LINT_PARKED_WITH_WORK), 1);
    CU_ASSERT_EQUAL(count("tests/data/runtime/w3.jsonl", WTA_LINT_HANG), 1);
    CU_ASSERT_EQUAL(count("tests/data/runtime/w3.jsonl", -1), 2);
    for (int k = 0; k < WTA_LINT_COUNT; k++)
        if (wta_lint_severity(k) == WTA_ERROR)
            CU_ASSERT_EQUAL(count("tests/data/runtime/echo.jsonl", k), 0);
    /* (its spinners yield 4 times: a self-wake loop against this file's threshold of 3) */
    for (int k = 0; k < WTA_LINT_COUNT; k++)
        if (wta_lint_severity(k) == WTA_ERROR)
            CU_ASSERT_EQUAL(count("tests/data/runtime/demo.jsonl", k), 0);
}

/* Does every lint have a name, a severity and an explanation a student can read? */
static void lint_explanations(void)
{
    for (int k = 0; k < WTA_LINT_COUNT; k++) {
        CU_ASSERT(strlen(wta_lint_name(k)) > 3);
        CU_ASSERT(strlen(wta_lint_explain(k)) > 100);
    }
}

void suite_lint(void)
{
    CU_pSuite s = CU_add_suite("lint", NULL, NULL);
    CU_add_test(s, "lint_lost_wakeup", lint_lost_wakeup);
    CU_add_test(s, "lint_wake_lost", lint_wake_lost);
    CU_add_test(s, "lint_main_flag", lint_main_flag);
    CU_add_test(s, "lint_parked_with_work", lint_parked_with_work);
    CU_add_test(s, "lint_long_poll", lint_long_poll);
    CU_add_test(s, "lint_self_wake_loop", lint_self_wake_loop);
    CU_add_test(s, "lint_lost_wakeup_out_of_order", lint_lost_wakeup_out_of_order);
    CU_add_test(s, "lint_hang", lint_hang);
    CU_add_test(s, "lint_hang_dump", lint_hang_dump);
    CU_add_test(s, "lint_allow_and_counts", lint_allow_and_counts);
    CU_add_test(s, "lint_late_timer", lint_late_timer);
    CU_add_test(s, "lint_never_joined", lint_never_joined);
    CU_add_test(s, "lint_dropped", lint_dropped);
    CU_add_test(s, "lint_runtime_bug_traces", lint_runtime_bug_traces);
    CU_add_test(s, "lint_explanations", lint_explanations);
}

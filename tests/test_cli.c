/*
 * test_cli.c - the wta-trace command, run as a student would run it.
 *
 * The binary is found beside the test runner (build/<mode>/viz/wta-trace,
 * from build/<mode>/tests/run_tests), so each build mode tests its own.
 * Each case checks the exit status and a piece of the output.
 */
#include <CUnit/CUnit.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "suites.h"
#include "test_util.h"

static char tool[PATH_MAX];

/* Run `wta-trace ARGS` (stderr joined to stdout); its exit status, and its
 * output in out (cut to size). */
static int run(const char *args, char *out, size_t size)
{
    char cmd[PATH_MAX + 512];
    size_t len = 0, n;
    snprintf(cmd, sizeof cmd, "%s %s 2>&1", tool, args);
    FILE *p = popen(cmd, "r");
    if (p == NULL)
        return -1;
    while (len + 1 < size && (n = fread(out + len, 1, size - 1 - len, p)) > 0)
        len += n;
    out[len] = '\0';
    while (fread(cmd, 1, sizeof cmd, p) > 0)
        ;                       /* drain what did not fit */
    int st = pclose(p);
    return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

static int find_tool(void)
{
    return test_build_path("viz/wta-trace", tool, sizeof tool);
}

/* One command line, its exit status, and a piece of its output (or NULL). */
struct cli_case {
    const char *args;
    int status;
    const char *needle;
};

static void check_cases(const struct cli_case *c, size_t n)
{
    char out[8192];
    for (size_t i = 0; i < n; i++) {
        int st = run(c[i].args, out, sizeof out);
        if (st != c[i].status || (c[i].needle && strstr(out, c[i].needle) == NULL))
            fprintf(stderr, "\nwta-trace %s: exit %d, output:\n%s\n", c[i].args, st, out);
        CU_ASSERT_EQUAL(st, c[i].status);
        if (c[i].needle != NULL)
            CU_ASSERT_PTR_NOT_NULL(strstr(out, c[i].needle));
    }
}

/* Do --help and --version answer, and does a bad command line exit 2 with a hint? */
static void cli_usage(void)
{
    static const struct cli_case cases[] = {
        {"--help", 0, "export --perfetto FILE -o OUT.json"},
        {"--version", 0, "wta-trace 0."},
        {"frobnicate x", 2, "unknown command 'frobnicate'"},
        {"why tests/data/small.jsonl --task 1", 2, "needs --task T and --at I"},
        {"cat tests/data/small.jsonl --from -3", 2, "expected a non-negative integer"},
        {"export tests/data/small.jsonl", 2, "needs --perfetto and -o OUT.json"},
        {"stats tests/data/small.jsonl --bogus", 2, "unknown option '--bogus'"},
        {"diff tests/data/small.jsonl", 2, "needs two trace files"},
        /* a range that ends before it starts is a mistake, not an empty answer */
        {"cat tests/data/small.jsonl --from 50 --to 10", 2, "--from 50 is after --to 10"},
        {"cat tests/data/small.jsonl --from 10 --to 10", 0, "worker.unpark worker=0"},
    };
    check_cases(cases, sizeof cases / sizeof cases[0]);
}

/* Does validate exit 0 on a clean trace and 1 with file:line on a broken one? */
static void cli_validate(void)
{
    static const struct cli_case cases[] = {
        {"validate tests/data/small.jsonl", 0, "51 events, 3 threads, 1 tasks: 0 error(s)"},
        {"validate tests/data/no-such.jsonl", 1, "No such file"},
        {"validate /dev/stdin < tests/data/small.jsonl", 0, "51 events"},   /* a file */
        {"validate /dev/stdin <<EOF\n$(cat tests/data/small.jsonl)\nEOF", 0, "51 events"},
        {"validate tests/suites.h", 1, "tests/suites.h:1: error: not valid JSON"},
        /* other commands refuse a broken trace, printing its errors */
        {"stats tests/suites.h", 1, "tests/suites.h:1: error:"},
        {"stats tests/data", 1, "wta-trace: tests/data: is a directory, not a trace file\n"},
        {"validate tests/data", 1, "tests/data: is a directory"},
    };
    check_cases(cases, sizeof cases / sizeof cases[0]);
    /* one message for a directory: not "read error", then "empty file" */
    char out[1024];
    CU_ASSERT_EQUAL(run("stats tests/data", out, sizeof out), 1);
    CU_ASSERT_STRING_EQUAL(out, "wta-trace: tests/data: is a directory, not a trace file\n");
}

/* Does lint exit 1 on an error with the finding and its explanation, 0 on a
 * near miss or on warnings alone (unless --warnings-fail), and leave out --allow? */
static void cli_lint(void)
{
    static const struct cli_case cases[] = {
        {"lint tests/data/lint/parked-with-work.jsonl", 1,
         "parked-with-work.jsonl:5: error: worker 0 parked"},
        {"lint tests/data/lint/parked-with-work.jsonl", 1, "register as a sleeper first"},
        {"lint tests/data/lint/parked-with-work.jsonl", 1,
         "1 lint(s): 1 error(s), 0 warning(s) [parked-with-work 1]"},
        {"lint tests/data/lint/parked-with-work-near.jsonl --json", 0, "\"lints\":[]"},
        /* a 9 ms poll is long against a 5 ms threshold: a warning, exit 0 */
        {"lint tests/data/lint/long-poll-near.jsonl --long-poll-ms 5", 0, "[long-poll]"},
        {"lint tests/data/lint/long-poll-near.jsonl --long-poll-ms 5 --warnings-fail", 1,
         "0 error(s), 1 warning(s) [long-poll 1]"},
        {"lint tests/data/lint/hang.jsonl --allow lost-wakeup --allow hang", 0,
         "0 lint(s): 0 error(s), 0 warning(s); allowed: lost-wakeup 1, hang 1"},
        {"lint tests/data/lint/hang.jsonl --allow hang --json", 1,
         "\"summary\":{\"errors\":1,\"warnings\":0,\"by_lint\":{\"lost-wakeup\":1},"
         "\"allowed\":{\"hang\":1}}"},
        {"lint tests/data/lint/hang.jsonl --allow useless-unpark", 2, "unknown lint 'useless-unpark'"},
        {"lint tests/data/lint/hang.jsonl --allow", 2, "--allow needs a lint name"},
    };
    check_cases(cases, sizeof cases / sizeof cases[0]);
}

/* Do why, cat, stats, diff and export print what the README shows? */
static void cli_commands(void)
{
    char out[16384];
    CU_ASSERT_EQUAL(run("why tests/data/small.jsonl --task 1 --at 31", out, sizeof out), 0);
    CU_ASSERT_PTR_NOT_NULL(strstr(out, "timer 1 fired on 'main'"));
    CU_ASSERT_EQUAL(run("cat tests/data/small.jsonl --task 1 --from 29 --to 29", out,
                        sizeof out), 0);
    CU_ASSERT_PTR_NOT_NULL(strstr(out, "w1         poll.begin task=1 poll=2"));
    CU_ASSERT_EQUAL(run("stats tests/data/small.jsonl --json", out, sizeof out), 0);
    CU_ASSERT_PTR_NOT_NULL(strstr(out, "\"wake_to_poll\""));
    CU_ASSERT_EQUAL(run("diff tests/data/small.jsonl tests/data/diff_b.jsonl", out,
                        sizeof out), 1);
    CU_ASSERT_PTR_NOT_NULL(strstr(out, "first divergence at scheduling decision 2"));
    char path[] = "/tmp/wta-cli-XXXXXX", args[256];
    int fd = mkstemp(path);
    CU_ASSERT_FATAL(fd >= 0);
    close(fd);
    snprintf(args, sizeof args, "export --perfetto tests/data/small.jsonl -o %s", path);
    CU_ASSERT_EQUAL(run(args, out, sizeof out), 0);
    FILE *f = fopen(path, "r");
    CU_ASSERT_PTR_NOT_NULL_FATAL(f);
    size_t n = fread(out, 1, sizeof out - 1, f);
    out[n] = '\0';
    fclose(f);
    remove(path);
    CU_ASSERT_PTR_NOT_NULL(strstr(out, "\"traceEvents\":["));
}

/* Does why say why a task or the main future is not running, and what it waits on? */
static void cli_why_not(void)
{
    static const struct cli_case cases[] = {
        {"why tests/data/runtime/lost.jsonl --task 1 --at 30", 0,
         "     19  task 1 'waiter' is IDLE: its poll 1 returned Pending at event 19"},
        {"why tests/data/runtime/lost.jsonl --task 1 --at 30", 0,
         "its waker was never handed out"},
        {"why tests/data/runtime/lost.jsonl --task 0 --at 45", 0,
         "     43  the dump: main, polled 1 time(s), 1 live waker clone(s), waits on task 1 "
         "'waiter' (its JoinHandle)"},
        {"why tests/data/runtime/lost.jsonl --task 0 --at 45", 0,
         "     44  the dump: task 1 'waiter' IDLE waits on nothing"},
        {"why tests/data/runtime/lost.jsonl --task 0 --at 9", 0,
         "the main future is running: its poll 1 began at event 8"},
        {"why tests/data/runtime/lost.jsonl --task 9 --at 9", 1,
         "no task 9 (--task 0 is the main future)"},
        /* a running task: still the chain of causes */
        {"why tests/data/small.jsonl --task 1 --at 31", 0, "  <-      21  timer 1 fired"},
    };
    check_cases(cases, sizeof cases / sizeof cases[0]);
}

/* Does cat --task keep the io and channel events the task caused (version 2)? */
static void cli_cat_task_io(void)
{
    static char out[65536];
    CU_ASSERT_EQUAL(run("cat tests/data/runtime/echo.jsonl --task 2", out, sizeof out), 0);
    CU_ASSERT_PTR_NOT_NULL(strstr(out, "io.register fd=8 interest=\"rw\" task=2"));
    CU_ASSERT_PTR_NOT_NULL(strstr(out, "io.op fd=8 op=\"connect\" result=0 task=2"));
    CU_ASSERT_PTR_NOT_NULL(strstr(out, "io.event fd=8 ready=\"w\" task=2"));
    CU_ASSERT_PTR_NULL(strstr(out, "task=3"));          /* nothing of the other tasks */
    CU_ASSERT_EQUAL(run("cat tests/data/lint/hang-dump.jsonl --task 1", out, sizeof out), 0);
    CU_ASSERT_PTR_NOT_NULL(strstr(out, "chan.send chan=1 result=0 len=1 task=1"));
    CU_ASSERT_PTR_NOT_NULL(strstr(out, "hang.task task=1 state=\"IDLE\""));
    CU_ASSERT_PTR_NULL(strstr(out, "chan.recv"));       /* task 2's */
}

/* Is the tool there at all? (Only added when it is not: then it fails.) */
static void cli_tool_missing(void)
{
    CU_FAIL("wta-trace not found beside run_tests: build it with `make all`");
}

void suite_cli(void)
{
    CU_pSuite s = CU_add_suite("cli", NULL, NULL);
    if (find_tool() != 0) {
        CU_add_test(s, "cli_tool_missing", cli_tool_missing);
        return;
    }
    CU_add_test(s, "cli_usage", cli_usage);
    CU_add_test(s, "cli_validate", cli_validate);
    CU_add_test(s, "cli_lint", cli_lint);
    CU_add_test(s, "cli_commands", cli_commands);
    CU_add_test(s, "cli_why_not", cli_why_not);
    CU_add_test(s, "cli_cat_task_io", cli_cat_task_io);
}

/*
 * suites.h - the one table of every test suite, in the order they run.
 * Each tests/test_<module>.c defines `void suite_<module>(void)` that adds
 * its suite and tests to the CUnit registry.
 */
#ifndef WTA_TEST_SUITES_H
#define WTA_TEST_SUITES_H

#define WTA_TEST_SUITES(X) \
    X(task)                \
    X(runtime)             \
    X(block_on)            \
    X(blocking)            \
    X(join)                \
    X(bugs)                \
    X(trace)               \
    X(cause)               \
    X(crash)               \
    X(hang)                \
    X(reactor)             \
    X(net)                 \
    X(chan)                \
    X(combinators)         \
    X(env)                 \
    X(sim)                 \
    X(ring)                \
    X(load)                \
    X(model)               \
    X(lint)                \
    X(lint_runs)           \
    X(export)              \
    X(cli)

#define WTA_SUITE_DECL(name) void suite_##name(void);
WTA_TEST_SUITES(WTA_SUITE_DECL)
#undef WTA_SUITE_DECL

/* test_lint_runs.c: load the trace at path and fail the test on any lint
 * but the two that measure the machine (long-poll, late-timer); returns
 * how many fired (then the trace should be kept, to look at). */
int lint_trace_clean(const char *path);

#endif

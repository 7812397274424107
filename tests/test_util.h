/*
 * test_util.h - helpers shared by the runtime's test suites.
 *
 * fn_future: a future whose poll is a plain function over a state struct,
 * so a test can write a scenario's state machine in a few lines.
 * trace_load: reads a trace file back with cJSON, sorted in the trace's
 * order (t, thread rank, seq), so tests can assert on events.
 */
#ifndef WTA_TEST_UTIL_H
#define WTA_TEST_UTIL_H

#include <cjson/cJSON.h>
#include <stdbool.h>
#include <stdint.h>

#include "wta.h"

typedef int (*test_poll_fn)(void *state, struct wta_context *cx, intptr_t *out);

/* A future calling poll(state, ...). drop(state) runs when it is dropped (may be NULL). */
struct wta_future *fn_future(const char *name, test_poll_fn poll, void *state,
                             void (*drop)(void *state));

/* block_on(a future that spawns task and awaits it): the task's output in *out. */
int run_one_task(struct wta_runtime *rt, struct wta_future *task, intptr_t *out);
/* The same, given up after ns: -ETIMEDOUT if the task has not finished by then. */
int run_one_task_within(struct wta_runtime *rt, struct wta_future *task, uint64_t ns,
                        intptr_t *out);

/* A runtime for a test; CU_FAIL-safe: aborts the test binary if it cannot start. */
struct wta_runtime *test_runtime(int workers, unsigned bugs, const char *trace_path);

/*
 * Runs scenario(arg) in a child process killed after limit_s seconds, so a
 * scenario that hangs is reported as a hang instead of hanging the test
 * run. The scenario returns 0 if it passed, else prints why and returns
 * non-zero (CUnit assertions in the child would be lost). Returns 0, or -1
 * after a CUnit failure that names the scenario and what happened.
 */
int run_limited(const char *name, int (*scenario)(void *arg), void *arg, unsigned limit_s);

/*
 * True when the suites run in deterministic mode ($WTA_SEED set: the test
 * runner re-runs the runtime suites so). A test whose scenario needs a
 * thread the runtime does not step (its own pthread, a semaphore between
 * a hook and main, real time passing outside the runtime) returns early.
 */
bool test_deterministic(void);

/*
 * The path of a program built beside the test runner (rel is relative to
 * build/<mode>/, e.g. "viz/wta-trace"), so each build mode tests its own.
 * 0 if it exists and is executable, else -1.
 */
int test_build_path(const char *rel, char *out, size_t cap);

/* A fresh temporary trace path (in $TMPDIR or /tmp); caller frees. */
char *test_trace_path(const char *name);

struct trace {
    cJSON *header;
    cJSON **ev;      /* sorted events */
    int n;
};
/* Loads and sorts a trace; returns 0, or -1 with a CUnit failure. */
int  trace_load(const char *path, struct trace *tr);
void trace_free(struct trace *tr);
const char *ev_kind(const cJSON *e);
int64_t ev_int(const cJSON *e, const char *field);
const char *ev_str(const cJSON *e, const char *field);
int trace_count(const struct trace *tr, const char *kind);
/* Index of the first event of `kind` at or after `from` with field == value, or -1. */
int trace_find(const struct trace *tr, int from, const char *kind, const char *field,
               int64_t value);

#endif

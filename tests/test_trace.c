/*
 * test_trace.c - the recorder: every line parses, the order keeps causes
 * before effects, failures are reported and never stop the runtime, and
 * the schema document covers the one event list.
 */
#include <CUnit/CUnit.h>
#include <errno.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "suites.h"
#include "internal.h"
#include "test_util.h"
#include "wta_events.h"

/* ---- a busy little workload: spawns, yields, joins */

struct busy {
    struct wta_future *h[64];
    int n;
    bool spawned;
};

static int yielder_poll(void *st, struct wta_context *cx, intptr_t *out)
{
    int *left = st;
    if ((*left)-- > 0) {
        wta_waker_wake_by_ref(cx->waker);   // yield: we wake ourselves
        return WTA_PENDING;
    }
    *out = 1;
    return WTA_READY;
}

static void free_state(void *st) { free(st); }

static int busy_poll(void *st, struct wta_context *cx, intptr_t *out)
{
    struct busy *b = st;
    if (!b->spawned) {
        b->spawned = true;
        wta_note("spawning %d tasks", b->n);
        for (int i = 0; i < b->n; i++) {
            int *left = malloc(sizeof *left);
            *left = i % 7;
            b->h[i] = wta_spawn(fn_future("yielder", yielder_poll, left, free_state));
        }
    }
    for (int i = 0; i < b->n; i++) {
        if (b->h[i] == NULL)
            continue;
        if (wta_poll(b->h[i], cx, out) == WTA_PENDING)
            return WTA_PENDING;   // that task's join wakes us
        wta_future_drop(b->h[i]);
        b->h[i] = NULL;
    }
    *out = 0;
    return WTA_READY;
}

static void busy_drop(void *st)
{
    struct busy *b = st;
    for (int i = 0; i < b->n; i++)
        wta_future_drop(b->h[i]);
}

/* Runs the busy workload on 2 workers with tracing on and loads its trace (0 on success). */
static int busy_trace(const char *name, struct trace *tr)
{
    char *path = test_trace_path(name);
    struct wta_runtime *rt = test_runtime(2, 0, path);
    for (int round = 0; round < 5; round++) {
        struct busy b = {.n = 64};
        CU_ASSERT_EQUAL(wta_block_on(rt, fn_future("busy", busy_poll, &b, busy_drop), NULL), 0);
    }
    wta_runtime_free(rt);
    int rc = trace_load(path, tr);
    remove(path);
    free(path);
    return rc;
}

/* Does every line parse, and does the header say what ran? */
static void trace_lines_parse(void)
{
    struct trace tr;
    if (busy_trace("parse", &tr) == 0) {
        CU_ASSERT_STRING_EQUAL(ev_str(tr.header, "format"), "wta-trace");
        CU_ASSERT_EQUAL(ev_int(tr.header, "version"), WTA_TRACE_FORMAT_VERSION);
        CU_ASSERT_EQUAL(ev_int(tr.header, "workers"), 2);
        CU_ASSERT_STRING_EQUAL(ev_str(tr.header, "mode"),
                               test_deterministic() ? "deterministic" : "real");
        CU_ASSERT_TRUE(tr.n > 1000);
        CU_ASSERT_EQUAL(trace_count(&tr, "task.spawn"), 5 * 64);
        CU_ASSERT_EQUAL(trace_count(&tr, "note"), 5);
        const cJSON *last = tr.ev[tr.n - 1];
        CU_ASSERT_STRING_EQUAL(ev_kind(last), "trace.end");
        CU_ASSERT_EQUAL(ev_int(last, "complete"), 1);
        trace_free(&tr);
    }
}

/* Is every poll.begin closed by its poll.end, on the same thread, before the next poll? */
static void trace_polls_pair_up(void)
{
    struct trace tr;
    if (busy_trace("pairs", &tr) == 0) {
        int open_polls = 0, bad = 0;
        for (int i = 0; i < tr.n; i++) {
            if (strcmp(ev_kind(tr.ev[i]), "poll.begin") != 0)
                continue;
            int end = trace_find(&tr, i + 1, "poll.end", "task", ev_int(tr.ev[i], "task"));
            open_polls++;
            if (end < 0 || ev_int(tr.ev[end], "poll") != ev_int(tr.ev[i], "poll") ||
                strcmp(ev_str(tr.ev[end], "th"), ev_str(tr.ev[i], "th")) != 0)
                bad++;
        }
        CU_ASSERT_TRUE(open_polls > 0);
        CU_ASSERT_EQUAL(bad, 0);
        trace_free(&tr);
    }
}

/* Does every wake that schedules a task sort before the poll it causes? */
static void trace_wake_before_poll(void)
{
    struct trace tr;
    if (busy_trace("causal", &tr) == 0) {
        int checked = 0, bad = 0;
        // Walk in sorted order: a task's poll.begin (after the first) needs a
        // scheduling wake of that task since its previous poll.end.
        int64_t max_task = 0;
        for (int i = 0; i < tr.n; i++)
            if (ev_int(tr.ev[i], "task") > max_task)
                max_task = ev_int(tr.ev[i], "task");
        char *woken = calloc((size_t)max_task + 1, 1);
        for (int i = 0; i < tr.n; i++) {
            const char *k = ev_kind(tr.ev[i]);
            int64_t t = ev_int(tr.ev[i], "task");
            if (strcmp(k, "waker.wake") == 0) {
                const char *o = ev_str(tr.ev[i], "outcome");
                if (strcmp(o, "scheduled") == 0 || strcmp(o, "notified-while-running") == 0)
                    woken[t] = 1;
            } else if (strcmp(k, "poll.begin") == 0 && ev_int(tr.ev[i], "poll") > 1) {
                checked++;
                bad += !woken[t];
                woken[t] = 0;
            }
        }
        free(woken);
        CU_ASSERT_TRUE(checked > 100);
        CU_ASSERT_EQUAL(bad, 0);
        trace_free(&tr);
    }
}

/* Are each thread's seq numbers 0, 1, 2, ... with t never going backwards? */
static void trace_seq_contiguous(void)
{
    struct trace tr;
    if (busy_trace("seq", &tr) == 0) {
        const char *names[] = {"main", "w0", "w1"};
        for (int k = 0; k < 3; k++) {
            int64_t expect = 0, last_t = -1;
            int bad = 0;
            for (int i = 0; i < tr.n; i++) {
                if (strcmp(ev_str(tr.ev[i], "th"), names[k]) != 0)
                    continue;
                bad += ev_int(tr.ev[i], "seq") != expect++ || ev_int(tr.ev[i], "t") < last_t;
                last_t = ev_int(tr.ev[i], "t");
            }
            CU_ASSERT_TRUE(expect > 0);
            CU_ASSERT_EQUAL(bad, 0);
        }
        trace_free(&tr);
    }
}

/* What if the trace file cannot be created? (a clear error; the runtime runs untraced) */
static void trace_unwritable_path(void)
{
    struct wta_runtime *rt = test_runtime(1, 0, "/nonexistent-dir/x.jsonl");
    CU_ASSERT_FALSE(wta_trace_on(rt));
    CU_ASSERT_EQUAL(wta_trace_error(rt), -ENOENT);
    CU_ASSERT_EQUAL(wta_block_on(rt, wta_ready(3), NULL), 0);
    wta_runtime_free(rt);
}

/* What if the disk is full? (events are dropped and counted; the runtime keeps going) */
static void trace_disk_full(void)
{
    struct wta_runtime *rt = test_runtime(2, 0, "/dev/full");
    CU_ASSERT_TRUE(wta_trace_on(rt));
    for (int round = 0; round < 3; round++) {
        struct busy b = {.n = 64};
        CU_ASSERT_EQUAL(wta_block_on(rt, fn_future("busy", busy_poll, &b, busy_drop), NULL), 0);
    }
    wta_trace_flush(rt);
    CU_ASSERT_EQUAL(wta_trace_error(rt), -ENOSPC);
    CU_ASSERT_TRUE(wta_trace_dropped(rt) > 0);
    wta_runtime_free(rt);
}

/* Does $WTA_TRACE turn tracing on when the config names no file? */
static void trace_env_variable(void)
{
    char *path = test_trace_path("env");
    setenv("WTA_TRACE", path, 1);
    struct wta_config cfg = {.workers = 1};
    struct wta_runtime *rt = wta_runtime_new(&cfg);
    unsetenv("WTA_TRACE");
    CU_ASSERT_PTR_NOT_NULL_FATAL(rt);
    CU_ASSERT_TRUE(wta_trace_on(rt));
    CU_ASSERT_EQUAL(wta_block_on(rt, wta_yield_now(), NULL), 0);
    wta_runtime_free(rt);
    struct trace tr;
    if (trace_load(path, &tr) == 0) {
        CU_ASSERT_EQUAL(trace_count(&tr, "block_on.begin"), 1);
        trace_free(&tr);
    }
    remove(path);
    free(path);
}

/* Are numbers written exactly, across the writer's 32-bit and 64-bit paths? */
static void trace_numbers_exact(void)
{
    static const uint64_t fixed[] = {4294967295ull, 4294967296ull, 12345678901234ull,
                                     18446744073709551615ull};
    enum { NFIXED = sizeof fixed / sizeof fixed[0], N = NFIXED + 3 * 20 };
    uint64_t values[N], p10 = 1;
    for (int i = 0; i < NFIXED; i++)
        values[i] = fixed[i];
    for (int k = 0; k < 20; k++, p10 *= 10) {   // every digit count, both sides of each edge
        values[NFIXED + 3 * k] = p10 - 1;
        values[NFIXED + 3 * k + 1] = p10;
        values[NFIXED + 3 * k + 2] = p10 + p10 / 2 + 7;
    }
    char *path = test_trace_path("numbers");
    struct wta_runtime *rt = test_runtime(1, 0, path);
    for (int i = 0; i < N; i++)
        wta_trace_mark(rt, (uint64_t)i, values[i]);
    wta_runtime_free(rt);
    FILE *f = fopen(path, "r");
    CU_ASSERT_PTR_NOT_NULL_FATAL(f);
    char line[512], want[64];
    int found = 0;
    while (fgets(line, sizeof line, f) != NULL) {
        for (int i = 0; i < N; i++) {
            snprintf(want, sizeof want, "\"ev\":\"mark\",\"id\":%d,\"value\":%llu}", i,
                     (unsigned long long)values[i]);
            found += strstr(line, want) != NULL;
        }
    }
    fclose(f);
    CU_ASSERT_EQUAL(found, N);
    remove(path);
    free(path);
}

/* Expected text of one line, the slow way: printf and wta_json_escape. */
static void expect_line(char *out, size_t cap, const char *th, uint32_t seq, uint64_t t,
                        const char *fields)
{
    snprintf(out, cap, "{\"t\":%llu,\"th\":\"%s\",\"seq\":%u,%s}\n",
             (unsigned long long)t, th, seq, fields);
}

/* Are signed numbers, booleans and strings (escaped, cut at 4 KiB) written as printf would? */
static void trace_format_matches_printf(void)
{
    wta_format_init();
    static char arena[16384];
    size_t used = 0;
    const char *strs[] = {"scheduled", "a \"quoted\" \\ path\n\t\x01\x1f end", ""};
    uint64_t off[4];
    for (int i = 0; i < 3; i++) {
        off[i] = used + 1;
        strcpy(arena + used, strs[i]);
        used += strlen(strs[i]) + 1;
    }
    off[3] = used + 1;   // a long string with escapes: where does the cut fall?
    for (int i = 0; i < 4090; i++)
        arena[used + (size_t)i] = i % 7 == 0 ? '"' : 'x';
    arena[used + 4090] = '\0';
    char th[64] = {0};
    size_t th_len = (size_t)snprintf(th, sizeof th, ",\"th\":\"%s\",\"seq\":", "w1");
    char *got = malloc(WTA_FORMAT_MAX_LINE + 64), *want = malloc(2 * WTA_FORMAT_MAX_LINE);
    char *esc = malloc(8192), *fields = malloc(WTA_FORMAT_MAX_LINE);
    CU_ASSERT_PTR_NOT_NULL_FATAL(got);
    CU_ASSERT_PTR_NOT_NULL_FATAL(want);
    CU_ASSERT_PTR_NOT_NULL_FATAL(esc);
    CU_ASSERT_PTR_NOT_NULL_FATAL(fields);
    static const int64_t ints[] = {INT64_MIN, -1234567890123ll, -1, 0, 7, INT64_MAX};
    for (int i = 0; i < 6; i++) {
        struct wta_trace_rec r = {.t = 5000000000ull + (uint64_t)i, .seq = 99999999u + (uint32_t)i,
                                  .ev = WTA_EV_BLOCK_ON_END, .a = {(uint64_t)ints[i]}};
        *wta_format_rec(got, th, th_len, &r, 0, arena) = '\0';
        snprintf(fields, WTA_FORMAT_MAX_LINE, "\"ev\":\"block_on.end\",\"result\":%lld",
                 (long long)ints[i]);
        expect_line(want, 2 * WTA_FORMAT_MAX_LINE, "w1", r.seq, r.t, fields);
        CU_ASSERT_STRING_EQUAL(got, want);
    }
    for (int i = 0; i < 4; i++) {
        struct wta_trace_rec r = {.t = (uint64_t)i, .seq = (uint32_t)i, .ev = WTA_EV_WAKER_WAKE,
                                  .a = {42, i == 2 ? 0 : off[i], off[0], 3, (uint64_t)(i & 1),
                                        (uint64_t)i * 123456789012ull}};
        *wta_format_rec(got, th, th_len, &r, 0, arena) = '\0';
        wta_json_escape(esc, 4096 + 8, i == 2 ? "" : arena + off[i] - 1);
        snprintf(fields, WTA_FORMAT_MAX_LINE, "\"ev\":\"waker.wake\",\"task\":42,"
                 "\"source\":\"%s\",\"outcome\":\"scheduled\",\"by\":3,\"by_ref\":%s,"
                 "\"cause\":%llu", esc, i & 1 ? "true" : "false",
                 (unsigned long long)i * 123456789012ull);
        expect_line(want, 2 * WTA_FORMAT_MAX_LINE, "w1", r.seq, r.t, fields);
        CU_ASSERT_STRING_EQUAL(got, want);
    }
    free(got);
    free(want);
    free(esc);
    free(fields);
}

/* Records n marks on the calling thread. */
static void *mark_many(void *arg)
{
    struct wta_runtime *rt = arg;
    for (uint64_t i = 0; i < 200000; i++)
        wta_trace_mark(rt, 7, i);
    return NULL;
}

/*
 * What if threads record faster than the writer writes? (past the bound a
 * recorder writes batches itself: every event arrives, each thread's in order)
 */
static void trace_many_batches_in_order(void)
{
    if (test_deterministic())
        return;   // a plain thread records into a deterministic runtime only as its runner
    char *path = test_trace_path("many");
    wta_writer_max_pending(4);   // 400,000 events are 390 batches: recorders must write
    struct wta_runtime *rt = test_runtime(1, 0, path);
    pthread_t other;
    CU_ASSERT_EQUAL_FATAL(pthread_create(&other, NULL, mark_many, rt), 0);
    mark_many(rt);
    pthread_join(other, NULL);
    wta_runtime_free(rt);
    wta_writer_max_pending(0);
    FILE *f = fopen(path, "r");
    CU_ASSERT_PTR_NOT_NULL_FATAL(f);
    char line[512], names[8][24];
    long next[8];
    int nthreads = 0, bad = 0, marks = 0;
    while (fgets(line, sizeof line, f) != NULL) {   // file order, not sorted by t
        char th[24];
        long seq;
        const char *p = strstr(line, "\"th\":\"");
        if (p == NULL || sscanf(p, "\"th\":\"%23[^\"]\",\"seq\":%ld", th, &seq) != 2)
            continue;
        int k = 0;
        while (k < nthreads && strcmp(names[k], th) != 0)
            k++;
        if (k == nthreads && nthreads < 8) {
            snprintf(names[nthreads], sizeof names[0], "%s", th);
            next[nthreads++] = 0;
        }
        bad += k < nthreads && seq != next[k]++;
        marks += strstr(line, "\"ev\":\"mark\",\"id\":7,") != NULL;
    }
    fclose(f);
    CU_ASSERT_EQUAL(bad, 0);
    CU_ASSERT_EQUAL(marks, 2 * 200000);
    remove(path);
    free(path);
}

/* Does traces/SCHEMA.md document every event kind of the one list? */
static void trace_schema_documents_every_kind(void)
{
    FILE *f = fopen("traces/SCHEMA.md", "r");
    CU_ASSERT_PTR_NOT_NULL_FATAL(f);
    static char doc[1 << 17];
    size_t n = fread(doc, 1, sizeof doc - 1, f);
    doc[n] = '\0';
    fclose(f);
    static const char *names[] = {
#define NAME(id, name, fields, help) name,
        WTA_EVENT_LIST(NAME)
#undef NAME
    };
    static const char *fields[] = {
#define FIELDS(id, name, f, help) f,
        WTA_EVENT_LIST(FIELDS)
#undef FIELDS
    };
    for (int i = 0; i < WTA_EV_COUNT; i++) {
        char row[512];
        snprintf(row, sizeof row, "| `%s` | %s%s%s |", names[i], fields[i][0] ? "`" : "—",
                 fields[i], fields[i][0] ? "`" : "");
        if (strstr(doc, row) == NULL) {
            fprintf(stderr, "\nSCHEMA.md lacks the row: %s\n", row);
            CU_FAIL("an event kind is not documented (or its fields differ)");
        }
    }
}

/* ---- one thread, two traced runtimes */

/* Are a trace's seq numbers 0, 1, 2... on every thread, in time order? */
static void check_thread_seqs(const char *path)
{
    struct trace tr;
    if (trace_load(path, &tr) != 0)
        return;
    const char *names[32];
    int64_t next[32];
    int nthreads = 0, bad = 0;
    for (int i = 0; i < tr.n; i++) {
        const char *th = ev_str(tr.ev[i], "th");
        int k = 0;
        while (k < nthreads && strcmp(names[k], th) != 0)
            k++;
        if (k == nthreads && nthreads < 32) {
            names[nthreads] = th;
            next[nthreads++] = 0;
        }
        if (k < nthreads && ev_int(tr.ev[i], "seq") != next[k]++)
            bad++;
    }
    if (bad != 0)
        fprintf(stderr, "\n%s: %d events out of their thread's seq order\n", path, bad);
    CU_ASSERT_EQUAL(bad, 0);
    trace_free(&tr);
}

/* What if one thread alternates block_on between two traced runtimes? */
static void trace_two_runtimes_one_thread(void)
{
    if (test_deterministic())
        return;   // a thread steps one deterministic runtime at a time (sim.c)
    char *pa = test_trace_path("two_a"), *pb = test_trace_path("two_b");
    struct wta_runtime *a = test_runtime(1, 0, pa), *b = test_runtime(1, 0, pb);
    for (int i = 0; i < 50; i++) {
        CU_ASSERT_EQUAL(wta_block_on(a, wta_ready(i), NULL), 0);
        CU_ASSERT_EQUAL(wta_block_on(b, wta_ready(i), NULL), 0);
    }
    wta_runtime_free(a);
    wta_runtime_free(b);
    check_thread_seqs(pa);
    check_thread_seqs(pb);
    unlink(pa);
    unlink(pb);
    free(pa);
    free(pb);
}

void suite_trace(void)
{
    CU_pSuite s = CU_add_suite("trace", NULL, NULL);
    CU_add_test(s, "trace_lines_parse", trace_lines_parse);
    CU_add_test(s, "trace_polls_pair_up", trace_polls_pair_up);
    CU_add_test(s, "trace_wake_before_poll", trace_wake_before_poll);
    CU_add_test(s, "trace_seq_contiguous", trace_seq_contiguous);
    CU_add_test(s, "trace_unwritable_path", trace_unwritable_path);
    CU_add_test(s, "trace_disk_full", trace_disk_full);
    CU_add_test(s, "trace_env_variable", trace_env_variable);
    CU_add_test(s, "trace_numbers_exact", trace_numbers_exact);
    CU_add_test(s, "trace_format_matches_printf", trace_format_matches_printf);
    CU_add_test(s, "trace_many_batches_in_order", trace_many_batches_in_order);
    CU_add_test(s, "trace_schema_documents_every_kind", trace_schema_documents_every_kind);
    CU_add_test(s, "trace_two_runtimes_one_thread", trace_two_runtimes_one_thread);
}

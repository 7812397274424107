/*
 * test_export.c - the Perfetto export, read back and checked against the
 * Chrome trace format's rules: it parses as one JSON object, every flow
 * start has exactly one finish, each lands inside a slice on its lane, slices
 * on one lane nest (never partly overlap), and every lane has a name.
 */
#include <CUnit/CUnit.h>
#include <cjson/cJSON.h>
#include <stdlib.h>
#include <string.h>

#include "suites.h"
#include "test_util.h"
#include "../viz/wta_model.h"

#define MAXS 4096

struct sl {
    int lane;                   /* pid * 100000 + tid */
    long long t0, t1;           /* ns */
};

static long long ns(const cJSON *o, const char *k)
{
    return (long long)(cJSON_GetObjectItem(o, k)->valuedouble * 1000.0 + 0.5);
}

static int lane(const cJSON *o)
{
    return cJSON_GetObjectItem(o, "pid")->valueint * 100000 +
           cJSON_GetObjectItem(o, "tid")->valueint;
}

static int by_lane_start(const void *a, const void *b)
{
    const struct sl *x = a, *y = b;
    if (x->lane != y->lane)
        return x->lane - y->lane;
    if (x->t0 != y->t0)
        return x->t0 < y->t0 ? -1 : 1;
    return x->t1 > y->t1 ? -1 : x->t1 < y->t1;      /* the outer slice first */
}

/* Is ns t inside a slice on lane? */
static int inside(const struct sl *s, int n, int ln, long long t)
{
    for (int i = 0; i < n; i++)
        if (s[i].lane == ln && s[i].t0 <= t && t <= s[i].t1)
            return 1;
    return 0;
}

static cJSON *export(const char *path)
{
    struct wta_model *m = NULL;
    char *buf = NULL;
    size_t len = 0;
    if (wta_model_load(path, 0, &m) != 0) {
        wta_model_free(m);
        return NULL;
    }
    FILE *f = open_memstream(&buf, &len);
    int err = wta_perfetto_write(m, f);
    fclose(f);
    wta_model_free(m);
    cJSON *j = err == 0 ? cJSON_Parse(buf) : NULL;
    free(buf);
    return j;
}

static void check_file(const char *path, int want_flows)
{
    static struct sl s[MAXS];
    int n = 0, flows = 0, names = 0;
    cJSON *j = export(path), *e;
    CU_ASSERT_PTR_NOT_NULL_FATAL(j);
    cJSON *evs = cJSON_GetObjectItem(j, "traceEvents");
    CU_ASSERT_FATAL(cJSON_IsArray(evs));
    cJSON_ArrayForEach(e, evs) {
        const char *ph = cJSON_GetObjectItem(e, "ph")->valuestring;
        if (strcmp(ph, "X") == 0 && n < MAXS) {
            s[n++] = (struct sl){lane(e), ns(e, "ts"), ns(e, "ts") + ns(e, "dur")};
            CU_ASSERT(ns(e, "dur") >= 0);
        }
        if (strcmp(ph, "M") == 0 && strcmp(cJSON_GetObjectItem(e, "name")->valuestring,
                                           "thread_name") == 0)
            names++;
    }
    qsort(s, (size_t)n, sizeof s[0], by_lane_start);
    for (int i = 0; i < n; i++) {           /* nesting: a stack per lane */
        int stack[64], depth = 0;
        int l = s[i].lane;
        if (i > 0 && s[i - 1].lane == l)
            continue;
        for (int k = i; k < n && s[k].lane == l; k++) {
            while (depth > 0 && s[stack[depth - 1]].t1 <= s[k].t0)
                depth--;
            if (depth > 0)
                CU_ASSERT(s[k].t1 <= s[stack[depth - 1]].t1);   /* inside its parent */
            if (depth < 64)
                stack[depth++] = k;
        }
    }
    cJSON_ArrayForEach(e, evs) {            /* flows pair up and bind to slices */
        const char *ph = cJSON_GetObjectItem(e, "ph")->valuestring;
        if (strcmp(ph, "s") != 0)
            continue;
        int id = cJSON_GetObjectItem(e, "id")->valueint, finishes = 0;
        cJSON *g;
        CU_ASSERT(inside(s, n, lane(e), ns(e, "ts")));
        cJSON_ArrayForEach(g, evs) {
            if (strcmp(cJSON_GetObjectItem(g, "ph")->valuestring, "f") != 0 ||
                cJSON_GetObjectItem(g, "id")->valueint != id)
                continue;
            finishes++;
            CU_ASSERT(inside(s, n, lane(g), ns(g, "ts")));
            CU_ASSERT(ns(g, "ts") >= ns(e, "ts"));
        }
        CU_ASSERT_EQUAL(finishes, 1);
        flows++;
    }
    int finishes = 0;
    cJSON_ArrayForEach(e, evs)
        finishes += strcmp(cJSON_GetObjectItem(e, "ph")->valuestring, "f") == 0;
    CU_ASSERT_EQUAL(finishes, flows);   /* no finish without its start */
    if (want_flows >= 0)
        CU_ASSERT_EQUAL(flows, want_flows);
    CU_ASSERT(names >= 3);
    cJSON_Delete(j);
}

/* Does the export of small.jsonl follow the format's rules? */
static void export_small(void)
{
    check_file("tests/data/small.jsonl", 2);
}

/* And of traces with requeues, self-wakes and idle unparks? */
static void export_busier(void)
{
    check_file("tests/data/lint/self-wake-loop.jsonl", 4);
    check_file("tests/data/unpark-no-work.jsonl", 1);
    check_file("tests/data/diff_b.jsonl", 2);
    check_file("tests/data/runtime/lost.jsonl", -1);
    check_file("tests/data/runtime/echo.jsonl", -1);
}

/* Are there the wake arrows we expect, thread names, and a reactor lane? */
static void export_flows_and_names(void)
{
    cJSON *j = export("tests/data/small.jsonl"), *e;
    int starts = 0, w1 = 0, reactor = 0, turns = 0;
    CU_ASSERT_PTR_NOT_NULL_FATAL(j);
    cJSON_ArrayForEach(e, cJSON_GetObjectItem(j, "traceEvents")) {
        const char *ph = cJSON_GetObjectItem(e, "ph")->valuestring;
        starts += strcmp(ph, "s") == 0;
        cJSON *args = cJSON_GetObjectItem(e, "args");
        cJSON *name = args ? cJSON_GetObjectItem(args, "name") : NULL;
        if (strcmp(ph, "M") == 0 && cJSON_IsString(name) && strcmp(name->valuestring, "w1") == 0)
            w1 = 1;
        if (strcmp(ph, "M") == 0 && cJSON_IsString(name) && strcmp(name->valuestring, "reactor") == 0)
            reactor = cJSON_GetObjectItem(e, "tid")->valueint;
        if (strcmp(ph, "X") == 0 && reactor && cJSON_GetObjectItem(e, "tid")->valueint == reactor &&
            cJSON_GetObjectItem(e, "pid")->valueint == 1)
            turns++;
    }
    CU_ASSERT_EQUAL(starts, 2);     /* spawn -> poll 1, timer wake -> poll 2 */
    CU_ASSERT(w1);
    CU_ASSERT_EQUAL(turns, 1);      /* main's one reactor turn, on the reactor lane too */
    cJSON_Delete(j);
}

/* The tid of the thread lane named `name` (pid 1), or -1. */
static int thread_tid(cJSON *evs, const char *name)
{
    cJSON *e;
    cJSON_ArrayForEach(e, evs) {
        cJSON *args = cJSON_GetObjectItem(e, "args");
        cJSON *n = args ? cJSON_GetObjectItem(args, "name") : NULL;
        if (strcmp(cJSON_GetObjectItem(e, "ph")->valuestring, "M") == 0 &&
            cJSON_GetObjectItem(e, "pid")->valueint == 1 && cJSON_IsString(n) &&
            strcmp(n->valuestring, name) == 0)
            return cJSON_GetObjectItem(e, "tid")->valueint;
    }
    return -1;
}

/* Are the hang, its dump, io and channel events instants on their thread's
 * lane (and their task's), with every field as args? */
static void export_instants(void)
{
    cJSON *j = export("tests/data/runtime/lost.jsonl"), *e;
    CU_ASSERT_PTR_NOT_NULL_FATAL(j);
    cJSON *evs = cJSON_GetObjectItem(j, "traceEvents");
    int main_tid = thread_tid(evs, "main"), hang = 0, dump_main = 0, dump_task = 0;
    CU_ASSERT(main_tid > 0);
    cJSON_ArrayForEach(e, evs) {
        if (strcmp(cJSON_GetObjectItem(e, "ph")->valuestring, "i") != 0)
            continue;
        const char *name = cJSON_GetObjectItem(e, "name")->valuestring;
        cJSON *args = cJSON_GetObjectItem(e, "args");
        CU_ASSERT_PTR_NOT_NULL_FATAL(args);
        CU_ASSERT(cJSON_IsNumber(cJSON_GetObjectItem(args, "event")));
        int pid = cJSON_GetObjectItem(e, "pid")->valueint;
        int tid = cJSON_GetObjectItem(e, "tid")->valueint;
        if (strcmp(name, "hang") == 0) {
            hang++;
            CU_ASSERT_EQUAL(tid, main_tid);
            CU_ASSERT_EQUAL(cJSON_GetObjectItem(args, "parked")->valueint, 2);
        } else if (strcmp(name, "hang.main") == 0) {
            dump_main++;
            CU_ASSERT_STRING_EQUAL(cJSON_GetObjectItem(args, "waits")->valuestring, "join");
            CU_ASSERT_EQUAL(cJSON_GetObjectItem(args, "on")->valueint, 1);
        } else if (strcmp(name, "hang.task") == 0) {
            dump_task++;        /* on main's lane, and on task 1's (pid 2, tid 1) */
            CU_ASSERT(pid == 1 ? tid == main_tid : tid == 1);
            CU_ASSERT_STRING_EQUAL(cJSON_GetObjectItem(args, "waits")->valuestring, "nothing");
            CU_ASSERT_STRING_EQUAL(cJSON_GetObjectItem(args, "state")->valuestring, "IDLE");
        }
    }
    CU_ASSERT_EQUAL(hang, 1);
    CU_ASSERT_EQUAL(dump_main, 1);
    CU_ASSERT_EQUAL(dump_task, 2);
    cJSON_Delete(j);

    j = export("tests/data/runtime/echo.jsonl");
    CU_ASSERT_PTR_NOT_NULL_FATAL(j);
    evs = cJSON_GetObjectItem(j, "traceEvents");
    int io_thread = 0, io_task = 0, chan = 0;
    cJSON_ArrayForEach(e, evs) {
        const char *name = cJSON_GetObjectItem(e, "name")->valuestring;
        if (strcmp(cJSON_GetObjectItem(e, "ph")->valuestring, "i") != 0)
            continue;
        cJSON *args = cJSON_GetObjectItem(e, "args");
        if (strncmp(name, "io.", 3) == 0) {
            CU_ASSERT(cJSON_IsNumber(cJSON_GetObjectItem(args, "fd")));
            CU_ASSERT(cJSON_IsNumber(cJSON_GetObjectItem(args, "task")));
            if (cJSON_GetObjectItem(e, "pid")->valueint == 2) {
                io_task++;      /* on the lane of the task the event names */
                CU_ASSERT_EQUAL(cJSON_GetObjectItem(e, "tid")->valueint,
                                cJSON_GetObjectItem(args, "task")->valueint);
            } else {
                io_thread++;
            }
        }
    }
    CU_ASSERT_EQUAL(io_thread, 41);     /* every io event of the trace */
    CU_ASSERT(io_task > 0 && io_task <= io_thread);
    cJSON_Delete(j);

    j = export("tests/data/lint/hang-dump.jsonl");     /* a send and a recv on w0 */
    CU_ASSERT_PTR_NOT_NULL_FATAL(j);
    evs = cJSON_GetObjectItem(j, "traceEvents");
    int w0 = thread_tid(evs, "w0");
    cJSON_ArrayForEach(e, evs) {
        const char *name = cJSON_GetObjectItem(e, "name")->valuestring;
        if (strcmp(cJSON_GetObjectItem(e, "ph")->valuestring, "i") != 0 ||
            strncmp(name, "chan.", 5) != 0)
            continue;
        cJSON *args = cJSON_GetObjectItem(e, "args");
        int tid = cJSON_GetObjectItem(e, "tid")->valueint;
        CU_ASSERT_EQUAL(cJSON_GetObjectItem(args, "chan")->valueint, 1);
        CU_ASSERT(cJSON_GetObjectItem(e, "pid")->valueint == 1 ? tid == w0 :
                  tid == cJSON_GetObjectItem(args, "task")->valueint);
        chan++;
    }
    CU_ASSERT_EQUAL(chan, 4);           /* each on w0's lane and on its task's */
    cJSON_Delete(j);
}

/* Does every slice carry its events' fields, not only their index? */
static void export_slice_args(void)
{
    cJSON *j = export("tests/data/small.jsonl"), *e;
    int polls = 0;
    CU_ASSERT_PTR_NOT_NULL_FATAL(j);
    cJSON_ArrayForEach(e, cJSON_GetObjectItem(j, "traceEvents")) {
        if (strcmp(cJSON_GetObjectItem(e, "ph")->valuestring, "X") != 0)
            continue;
        cJSON *args = cJSON_GetObjectItem(e, "args");
        CU_ASSERT(cJSON_IsNumber(cJSON_GetObjectItem(args, "event")));
        CU_ASSERT(cJSON_IsString(cJSON_GetObjectItem(args, "ev")));
        if (strncmp(cJSON_GetObjectItem(e, "name")->valuestring, "poll ", 5) != 0)
            continue;
        polls++;
        cJSON *end = cJSON_GetObjectItem(args, "end");
        CU_ASSERT_STRING_EQUAL(cJSON_GetObjectItem(args, "ev")->valuestring, "poll.begin");
        CU_ASSERT_EQUAL(cJSON_GetObjectItem(args, "task")->valueint, 1);
        CU_ASSERT_PTR_NOT_NULL_FATAL(end);
        CU_ASSERT_STRING_EQUAL(cJSON_GetObjectItem(end, "ev")->valuestring, "poll.end");
        CU_ASSERT(cJSON_IsString(cJSON_GetObjectItem(end, "result")));
        CU_ASSERT_EQUAL(cJSON_GetObjectItem(args, "poll")->valueint,
                        cJSON_GetObjectItem(end, "poll")->valueint);
    }
    CU_ASSERT_EQUAL(polls, 2);
    cJSON_Delete(j);
}

/* Are there counter tracks for each run queue's length and for parked
 * workers, following the trace's own numbers? */
static void export_counters(void)
{
    cJSON *j = export("tests/data/runtime/lost.jsonl"), *e;
    int parked = 0, queue = 0, max_parked = 0;
    CU_ASSERT_PTR_NOT_NULL_FATAL(j);
    cJSON_ArrayForEach(e, cJSON_GetObjectItem(j, "traceEvents")) {
        if (strcmp(cJSON_GetObjectItem(e, "ph")->valuestring, "C") != 0)
            continue;
        const char *name = cJSON_GetObjectItem(e, "name")->valuestring;
        cJSON *args = cJSON_GetObjectItem(e, "args");
        if (strcmp(name, "parked workers") == 0) {
            int n = cJSON_GetObjectItem(args, "parked")->valueint;
            CU_ASSERT(n >= 0 && n <= 2);        /* the trace has two workers */
            max_parked = n > max_parked ? n : max_parked;
            parked++;
        } else {
            CU_ASSERT(strncmp(name, "run queue ", 10) == 0);
            CU_ASSERT(cJSON_GetObjectItem(args, "len")->valueint >= 0);
            queue++;
        }
    }
    CU_ASSERT_EQUAL(max_parked, 2);     /* both parked at the hang */
    CU_ASSERT(parked > 0);
    CU_ASSERT_EQUAL(queue, 6);          /* three pushes, three pops */
    cJSON_Delete(j);
}

static int yield_twice(void *state, struct wta_context *cx, intptr_t *out)
{
    int *left = state;
    if ((*left)-- > 0) {
        wta_waker_wake_by_ref(cx->waker);
        return WTA_PENDING;     /* woke ourselves: polled again soon */
    }
    *out = 1;
    return WTA_READY;
}

/* Does the export of a trace the runtime wrote (parks around reactor turns) nest too? */
static void export_runtime_trace(void)
{
    char *path = test_trace_path("export-real");
    struct wta_runtime *rt = test_runtime(2, 0, path);
    int left[3] = {2, 2, 2};
    intptr_t out;
    for (int t = 0; t < 3; t++)
        run_one_task(rt, fn_future("y", yield_twice, &left[t], NULL), &out);
    wta_runtime_free(rt);
    check_file(path, -1);
    remove(path);
    free(path);
}

void suite_export(void)
{
    CU_pSuite s = CU_add_suite("export", NULL, NULL);
    CU_add_test(s, "export_small", export_small);
    CU_add_test(s, "export_busier", export_busier);
    CU_add_test(s, "export_flows_and_names", export_flows_and_names);
    CU_add_test(s, "export_runtime_trace", export_runtime_trace);
    CU_add_test(s, "export_instants", export_instants);
    CU_add_test(s, "export_slice_args", export_slice_args);
    CU_add_test(s, "export_counters", export_counters);
}

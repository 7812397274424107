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
}

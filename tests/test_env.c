/*
 * test_env.c - the environment knobs (runtime/env.c): WTA_WORKERS,
 * WTA_SCHEDULER, WTA_BUGS, read by wta_runtime_new when the config leaves
 * the field unset, and echoed in the trace header.
 *
 * Each test sets the variables it needs and unsets them before it asserts,
 * so a failing assertion cannot leak a knob into later tests. A bad value's
 * one-line message goes to stderr; the tests catch it in a temporary file.
 */
#include <CUnit/CUnit.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "suites.h"
#include "test_util.h"

static const char *const knob_names[] = {"WTA_WORKERS", "WTA_SCHEDULER", "WTA_BUGS"};

static void knobs_clear(void)
{
    for (size_t i = 0; i < sizeof knob_names / sizeof knob_names[0]; i++)
        unsetenv(knob_names[i]);
}

/* wta_runtime_new(cfg) with one knob set to value; the knob is unset again. */
static struct wta_runtime *new_with(const char *name, const char *value,
                                    const struct wta_config *cfg)
{
    setenv(name, value, 1);
    struct wta_runtime *rt = wta_runtime_new(cfg);
    knobs_clear();
    return rt;
}

/* Runs a runtime made with knob name=value and an unset config to a trace;
 * loads its header. 0, or -1 (with a CUnit failure). */
static int header_with(const char *name, const char *value, const char *tag,
                       struct trace *tr)
{
    char *path = test_trace_path(tag);
    struct wta_config cfg = {.trace_path = path, .program = "env"};
    struct wta_runtime *rt = new_with(name, value, &cfg);
    CU_ASSERT_PTR_NOT_NULL(rt);
    int rc = -1;
    if (rt != NULL) {
        CU_ASSERT_EQUAL(wta_block_on(rt, wta_yield_now(), NULL), 0);
        wta_runtime_free(rt);
        rc = trace_load(path, tr);
    }
    remove(path);
    free(path);
    return rc;
}

/* Does WTA_WORKERS set the worker count, and show in the header? */
static void env_workers(void)
{
    struct trace tr;
    if (header_with("WTA_WORKERS", "3", "env-workers", &tr) == 0) {
        CU_ASSERT_EQUAL(ev_int(tr.header, "workers"), 3);
        CU_ASSERT_EQUAL(trace_count(&tr, "worker.start"), 3);
        trace_free(&tr);
    }
}

/* Does WTA_SCHEDULER=global pick wta's one shared queue, and show in the header? */
static void env_scheduler(void)
{
    struct trace tr;
    if (header_with("WTA_SCHEDULER", "global", "env-sched", &tr) == 0) {
        CU_ASSERT_STRING_EQUAL(ev_str(tr.header, "scheduler"), "global");
        trace_free(&tr);
    }
    if (header_with("WTA_SCHEDULER", "local", "env-sched", &tr) == 0) {
        CU_ASSERT_STRING_EQUAL(ev_str(tr.header, "scheduler"), "local");
        trace_free(&tr);
    }
}

/* Does WTA_BUGS=W2,w5 switch on exactly W2 and W5, and show in the header? */
static void env_bugs(void)
{
    struct trace tr;
    if (header_with("WTA_BUGS", "W2,w5", "env-bugs", &tr) == 0) {
        cJSON *bugs = cJSON_GetObjectItemCaseSensitive(tr.header, "bugs");
        CU_ASSERT_EQUAL(cJSON_GetArraySize(bugs), 2);
        CU_ASSERT_STRING_EQUAL(cJSON_GetArrayItem(bugs, 0)->valuestring, "W2");
        CU_ASSERT_STRING_EQUAL(cJSON_GetArrayItem(bugs, 1)->valuestring, "W5");
        trace_free(&tr);
    }
    if (header_with("WTA_BUGS", "none", "env-bugs", &tr) == 0) {
        CU_ASSERT_EQUAL(cJSON_GetArraySize(cJSON_GetObjectItem(tr.header, "bugs")), 0);
        trace_free(&tr);
    }
}

/* Does what the program sets win over the environment, and an empty knob count as unset? */
static void env_config_wins(void)
{
    struct wta_config cfg = {.workers = 2, .trace_path = ""};
    struct wta_runtime *rt = new_with("WTA_WORKERS", "5", &cfg);
    CU_ASSERT_PTR_NOT_NULL_FATAL(rt);
    CU_ASSERT_EQUAL(wta_runtime_workers(rt), 2);
    wta_runtime_free(rt);

    cfg.workers = 0;
    setenv("WTA_WORKERS", "", 1);
    setenv("WTA_BUGS", "", 1);
    rt = wta_runtime_new(&cfg);
    knobs_clear();
    CU_ASSERT_PTR_NOT_NULL_FATAL(rt);
    CU_ASSERT_TRUE(wta_runtime_workers(rt) >= 1);
    wta_runtime_free(rt);
}

/* wta_runtime_new(cfg) with name=value: it must refuse; its stderr goes to msg. */
static void refused(const char *name, const char *value, const struct wta_config *cfg,
                    char *msg, size_t cap)
{
    char *path = test_trace_path("env-stderr");
    fflush(stderr);
    int saved = dup(STDERR_FILENO);
    FILE *f = fopen(path, "w+");
    CU_ASSERT_PTR_NOT_NULL_FATAL(f);
    dup2(fileno(f), STDERR_FILENO);
    errno = 0;
    struct wta_runtime *rt = new_with(name, value, cfg);
    int err = errno;
    fflush(stderr);
    dup2(saved, STDERR_FILENO);
    close(saved);
    rewind(f);
    size_t n = fread(msg, 1, cap - 1, f);
    msg[n] = '\0';
    fclose(f);
    remove(path);
    free(path);
    CU_ASSERT_PTR_NULL(rt);
    CU_ASSERT_EQUAL(err, EINVAL);
    wta_runtime_free(rt);
}

/* Is a bad value refused with one line naming the variable and what it accepts? */
static void env_bad_values(void)
{
    static const struct {
        const char *name, *value, *accepts;
    } cases[] = {
        {"WTA_WORKERS", "many", "from 1 to 256"},
        {"WTA_WORKERS", "0", "from 1 to 256"},
        {"WTA_WORKERS", "257", "from 1 to 256"},
        {"WTA_WORKERS", "4x", "from 1 to 256"},
        {"WTA_SCHEDULER", "fifo", "'local' or 'global'"},
        {"WTA_BUGS", "W6", "W1..W5"},
        {"WTA_BUGS", "W2;W5", "W1..W5"},
        {"WTA_BUGS", "W2,", "W1..W5"},
    };
    struct wta_config cfg = {.trace_path = ""};
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char msg[512], want[128];
        refused(cases[i].name, cases[i].value, &cfg, msg, sizeof msg);
        snprintf(want, sizeof want, "wta: %s='%s' is not valid: expected ", cases[i].name,
                 cases[i].value);
        CU_ASSERT_NSTRING_EQUAL(msg, want, strlen(want));
        CU_ASSERT_PTR_NOT_NULL(strstr(msg, cases[i].accepts));
        const char *nl = strchr(msg, '\n');
        CU_ASSERT(nl != NULL && nl[1] == '\0');   // exactly one line
    }
}

/* Is a bad knob refused even where the program set the field itself? */
static void env_bad_value_always_checked(void)
{
    char msg[512];
    struct wta_config cfg = {.workers = 2, .scheduler = WTA_SCHED_GLOBAL, .trace_path = ""};
    refused("WTA_WORKERS", "two", &cfg, msg, sizeof msg);
    CU_ASSERT_PTR_NOT_NULL(strstr(msg, "WTA_WORKERS='two'"));
    refused("WTA_SCHEDULER", "nope", &cfg, msg, sizeof msg);
    CU_ASSERT_PTR_NOT_NULL(strstr(msg, "WTA_SCHEDULER='nope'"));
}

void suite_env(void)
{
    CU_pSuite s = CU_add_suite("env", NULL, NULL);
    CU_add_test(s, "env_workers", env_workers);
    CU_add_test(s, "env_scheduler", env_scheduler);
    CU_add_test(s, "env_bugs", env_bugs);
    CU_add_test(s, "env_config_wins", env_config_wins);
    CU_add_test(s, "env_bad_values", env_bad_values);
    CU_add_test(s, "env_bad_value_always_checked", env_bad_value_always_checked);
}

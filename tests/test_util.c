/*
 * test_util.c - see test_util.h.
 */
#include <CUnit/CUnit.h>
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "test_util.h"

struct fn_fut {
    struct wta_future base;
    struct wta_future_vt vt;
    test_poll_fn poll;
    void *state;
    void (*drop)(void *state);
};

static int fn_poll(struct wta_future *self, struct wta_context *cx, intptr_t *out)
{
    struct fn_fut *f = (struct fn_fut *)self;
    return f->poll(f->state, cx, out);
}

static void fn_drop(struct wta_future *self)
{
    struct fn_fut *f = (struct fn_fut *)self;
    if (f->drop != NULL)
        f->drop(f->state);
    free(f);
}

struct wta_future *fn_future(const char *name, test_poll_fn poll, void *state,
                             void (*drop)(void *state))
{
    struct fn_fut *f = calloc(1, sizeof *f);
    f->vt = (struct wta_future_vt){name, fn_poll, fn_drop};
    f->base.vt = &f->vt;
    f->poll = poll;
    f->state = state;
    f->drop = drop;
    return &f->base;
}

struct spawn_one {
    struct wta_future *task, *handle;
};

static int spawn_one_poll(void *st, struct wta_context *cx, intptr_t *out)
{
    struct spawn_one *s = st;
    if (s->handle == NULL) {
        s->handle = wta_spawn(s->task);
        s->task = NULL;
    }
    return wta_poll(s->handle, cx, out);   // pending: the task's join wakes us
}

static void spawn_one_drop(void *st)
{
    struct spawn_one *s = st;
    wta_future_drop(s->handle);
    wta_future_drop(s->task);
}

int run_one_task(struct wta_runtime *rt, struct wta_future *task, intptr_t *out)
{
    struct spawn_one s = {.task = task};
    return wta_block_on(rt, fn_future("spawn_one", spawn_one_poll, &s, spawn_one_drop), out);
}

int run_one_task_within(struct wta_runtime *rt, struct wta_future *task, uint64_t ns,
                        intptr_t *out)
{
    struct spawn_one s = {.task = task};
    return wta_block_on(rt, wta_timeout(fn_future("spawn_one", spawn_one_poll, &s, spawn_one_drop),
                                        ns), out);
}

struct wta_runtime *test_runtime(int workers, unsigned bugs, const char *trace_path)
{
    struct wta_config cfg = {.workers = workers, .bugs = bugs, .trace_path = trace_path,
                             .program = "tests"};
    const char *sched = getenv("WTA_TEST_SCHEDULER");   // the Makefile runs both
    if (sched != NULL && strcmp(sched, "global") == 0)
        cfg.scheduler = WTA_SCHED_GLOBAL;
    if (trace_path == NULL)
        cfg.trace_path = "";   // not $WTA_TRACE: tests choose
    struct wta_runtime *rt = wta_runtime_new(&cfg);
    if (rt == NULL) {
        perror("test_runtime");
        abort();
    }
    return rt;
}

int run_limited(const char *name, int (*scenario)(void *arg), void *arg, unsigned limit_s)
{
    fflush(stdout);   // or the child would print the parent's buffered output again
    fflush(stderr);
    pid_t pid = fork();
    if (pid < 0) {
        perror("run_limited: fork");
        CU_FAIL("fork failed");
        return -1;
    }
    if (pid == 0) {
        alarm(limit_s);   // SIGALRM's default action ends the child: the hang report
        exit(scenario(arg) == 0 ? 0 : 1);   // exit, not _exit: leak checkers run
    }
    int status;
    while (waitpid(pid, &status, 0) < 0) {
        if (errno != EINTR) {
            perror("run_limited: waitpid");
            CU_FAIL("waitpid failed");
            return -1;
        }
    }
    if (WIFEXITED(status) && WEXITSTATUS(status) == 0)
        return 0;
    if (WIFSIGNALED(status) && WTERMSIG(status) == SIGALRM)
        fprintf(stderr, "\n%s: hang: still running after %u s, killed\n", name, limit_s);
    else if (WIFSIGNALED(status))
        fprintf(stderr, "\n%s: killed by signal %d\n", name, WTERMSIG(status));
    else
        fprintf(stderr, "\n%s: failed (exit status %d)\n", name, WEXITSTATUS(status));
    CU_FAIL("scenario hung, crashed or failed in its child process (see stderr)");
    return -1;
}

bool test_deterministic(void)
{
    const char *seed = getenv("WTA_SEED");
    return seed != NULL && seed[0] != '\0';
}

int test_build_path(const char *rel, char *out, size_t cap)
{
    char self[4096];
    ssize_t n = readlink("/proc/self/exe", self, sizeof self - 1);
    if (n <= 0)
        return -1;
    self[n] = '\0';
    char *slash = strrchr(self, '/');
    if (slash == NULL)
        return -1;
    *slash = '\0';              /* build/<mode>/tests */
    snprintf(out, cap, "%s/../%s", self, rel);
    return access(out, X_OK) == 0 ? 0 : -1;
}

char *test_trace_path(const char *name)
{
    const char *dir = getenv("TMPDIR");
    char *p = malloc(512);
    snprintf(p, 512, "%s/wta-test-%d-%s.jsonl", dir ? dir : "/tmp", (int)getpid(), name);
    return p;
}

/* Thread rank per traces/SCHEMA.md: main, w0.., reactor, blocking-K, ext-K. */
static long thread_rank(const char *th)
{
    if (strcmp(th, "main") == 0)
        return 0;
    if (th[0] == 'w')
        return 1 + atol(th + 1);
    if (strcmp(th, "reactor") == 0)
        return 100000;
    if (strncmp(th, "blocking-", 9) == 0)
        return 200000 + atol(th + 9);
    return 300000 + atol(th + 4);
}

static int cmp_events(const void *pa, const void *pb)
{
    const cJSON *a = *(cJSON *const *)pa, *b = *(cJSON *const *)pb;
    int64_t ta = ev_int(a, "t"), tb = ev_int(b, "t");
    if (ta != tb)
        return ta < tb ? -1 : 1;
    long ra = thread_rank(ev_str(a, "th")), rb = thread_rank(ev_str(b, "th"));
    if (ra != rb)
        return ra < rb ? -1 : 1;
    int64_t sa = ev_int(a, "seq"), sb = ev_int(b, "seq");
    return sa < sb ? -1 : sa > sb;
}

int trace_load(const char *path, struct trace *tr)
{
    memset(tr, 0, sizeof *tr);
    FILE *f = fopen(path, "r");
    if (f == NULL) {
        CU_FAIL("trace file missing");
        return -1;
    }
    char *line = NULL;
    size_t cap = 0;
    int lineno = 0, cap_ev = 0;
    while (getline(&line, &cap, f) > 0) {
        lineno++;
        cJSON *j = cJSON_Parse(line);
        if (j == NULL) {
            fprintf(stderr, "%s:%d: not JSON: %s", path, lineno, line);
            CU_FAIL("trace line is not JSON");
            continue;
        }
        if (lineno == 1) {
            tr->header = j;
            continue;
        }
        if (tr->n == cap_ev) {
            cap_ev = cap_ev ? cap_ev * 2 : 1024;
            tr->ev = realloc(tr->ev, (size_t)cap_ev * sizeof *tr->ev);
        }
        tr->ev[tr->n++] = j;
    }
    free(line);
    fclose(f);
    qsort(tr->ev, (size_t)tr->n, sizeof *tr->ev, cmp_events);
    return tr->header != NULL ? 0 : -1;
}

void trace_free(struct trace *tr)
{
    for (int i = 0; i < tr->n; i++)
        cJSON_Delete(tr->ev[i]);
    free(tr->ev);
    cJSON_Delete(tr->header);
    memset(tr, 0, sizeof *tr);
}

const char *ev_kind(const cJSON *e)
{
    return ev_str(e, "ev");
}

int64_t ev_int(const cJSON *e, const char *field)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(e, field);
    if (cJSON_IsBool(v))
        return cJSON_IsTrue(v);
    return cJSON_IsNumber(v) ? (int64_t)v->valuedouble : INT64_MIN;
}

const char *ev_str(const cJSON *e, const char *field)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(e, field);
    return cJSON_IsString(v) ? v->valuestring : "";
}

int trace_count(const struct trace *tr, const char *kind)
{
    int n = 0;
    for (int i = 0; i < tr->n; i++)
        n += strcmp(ev_kind(tr->ev[i]), kind) == 0;
    return n;
}

int trace_find(const struct trace *tr, int from, const char *kind, const char *field,
               int64_t value)
{
    for (int i = from < 0 ? 0 : from; i < tr->n; i++)
        if (strcmp(ev_kind(tr->ev[i]), kind) == 0 &&
            (field == NULL || ev_int(tr->ev[i], field) == value))
            return i;
    return -1;
}

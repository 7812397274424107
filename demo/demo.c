/*
 * demo.c - a first look at wta: spawn tasks, await them, read the trace.
 *
 * The main future spawns a few "worker" tasks. Each yields a few times
 * (so it goes to the back of the run queue and others run), then returns
 * its number squared. One more job runs on a blocking thread. The main
 * future awaits every JoinHandle and sums the outputs. Every spawn, poll,
 * wake and park is recorded in the trace file; at the end the demo counts
 * the events by kind and prints a summary.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "wta.h"

/* ---- a task that yields `rounds` times, then returns n*n */

struct spinner {
    struct wta_future base;
    int n, rounds, done;
    struct wta_future *yield;   /* the yield_now being awaited, or NULL */
};

static int spinner_poll(struct wta_future *self, struct wta_context *cx, intptr_t *out)
{
    struct spinner *s = (struct spinner *)self;
    while (s->done < s->rounds) {
        if (s->yield == NULL)
            s->yield = wta_yield_now();
        if (wta_poll(s->yield, cx, NULL) == WTA_PENDING)
            return WTA_PENDING;   // yield_now woke us: we are back in the queue
        wta_future_drop(s->yield);
        s->yield = NULL;
        s->done++;
    }
    *out = (intptr_t)s->n * s->n;
    return WTA_READY;
}

static void spinner_drop(struct wta_future *self)
{
    wta_future_drop(((struct spinner *)self)->yield);
    free(self);
}

static const struct wta_future_vt spinner_vt = {"spinner", spinner_poll, spinner_drop};

static struct wta_future *spinner_new(int n, int rounds)
{
    struct spinner *s = calloc(1, sizeof *s);
    s->base.vt = &spinner_vt;
    s->n = n;
    s->rounds = rounds;
    return &s->base;
}

/* ---- a blocking job */

static intptr_t slow_sum(void *arg)
{
    intptr_t n = (intptr_t)arg, sum = 0;
    for (intptr_t i = 1; i <= n; i++)
        sum += i;
    usleep(2000);   // pretend to read a disk
    return sum;
}

/* ---- the main future: spawn, then await every handle in order */

#define MAX_TASKS 64

struct main_fut {
    struct wta_future base;
    int step, ntasks, next;
    struct wta_future *handles[MAX_TASKS + 1];
    intptr_t sum;
};

static int main_poll(struct wta_future *self, struct wta_context *cx, intptr_t *out)
{
    struct main_fut *m = (struct main_fut *)self;
    switch (m->step) {
    case 0:   // spawn everything
        wta_note("main spawns %d tasks and one blocking job", m->ntasks);
        for (int i = 0; i < m->ntasks; i++)
            m->handles[i] = wta_spawn(spinner_new(i + 1, 3));
        m->handles[m->ntasks] = wta_spawn_blocking(slow_sum, (void *)100);
        m->step = 1;
        /* fall through */
    case 1:   // await each JoinHandle in turn
        for (; m->next <= m->ntasks; m->next++) {
            intptr_t v;
            int rc = wta_poll(m->handles[m->next], cx, &v);
            if (rc == WTA_PENDING)
                return WTA_PENDING;   // the task's completion wakes us (join)
            if (rc < 0)
                return rc;
            m->sum += v;
        }
        wta_note("all tasks joined: sum %ld", (long)m->sum);
        *out = m->sum;
        return WTA_READY;
    }
    return -EINVAL;
}

static void main_drop(struct wta_future *self)
{
    struct main_fut *m = (struct main_fut *)self;
    for (int i = 0; i <= m->ntasks; i++)
        wta_future_drop(m->handles[i]);
    free(m);
}

static const struct wta_future_vt main_vt = {"demo_main", main_poll, main_drop};

/* ---- reading the trace back */

/* Every event kind in the trace and its count, the most frequent first. */
static void summarize(const char *path)
{
    FILE *f = fopen(path, "r");
    if (f == NULL) {
        fprintf(stderr, "demo: cannot read '%s': %s\n", path, strerror(errno));
        return;
    }
    enum { MAX_KINDS = 64 };
    char kinds[MAX_KINDS][32];
    long counts[MAX_KINDS] = {0}, lines = 0, other = 0;
    int nkinds = 0;
    char line[8192];
    while (fgets(line, sizeof line, f) != NULL) {
        lines++;
        const char *ev = strstr(line, "\"ev\":\"");
        if (ev == NULL)
            continue;                      // the header
        ev += 6;
        size_t len = strcspn(ev, "\"");
        int k = 0;
        while (k < nkinds && (strlen(kinds[k]) != len || strncmp(kinds[k], ev, len) != 0))
            k++;
        if (k == nkinds && (nkinds == MAX_KINDS || len >= sizeof kinds[0])) {
            other++;
            continue;
        }
        if (k == nkinds)
            snprintf(kinds[nkinds++], sizeof kinds[0], "%.*s", (int)len, ev);
        counts[k]++;
    }
    fclose(f);
    for (int a = 1; a < nkinds; a++)       // insertion sort: a few dozen kinds
        for (int b = a; b > 0 && counts[b] > counts[b - 1]; b--) {
            char name[32];
            long c = counts[b];
            memcpy(name, kinds[b], sizeof name);
            memcpy(kinds[b], kinds[b - 1], sizeof name);
            memcpy(kinds[b - 1], name, sizeof name);
            counts[b] = counts[b - 1];
            counts[b - 1] = c;
        }
    printf("trace: %s (%ld lines: a header and %ld events)\n", path, lines, lines - 1);
    for (int k = 0; k < nkinds; k++)
        printf("  %-18s %6ld\n", kinds[k], counts[k]);
    if (other > 0)
        printf("  %-18s %6ld\n", "(other kinds)", other);
}

static void usage(FILE *to)
{
    fprintf(to, "usage: demo [--trace FILE] [--workers N] [--tasks N]\n"
                "  Runs a few tasks on wta, records every scheduling event to FILE\n"
                "  (default demo.trace.jsonl), and prints a summary of the trace.\n");
}

int main(int argc, char **argv)
{
    const char *trace = "demo.trace.jsonl";
    int workers = 2, tasks = 8;
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
            usage(stdout);
            return 0;
        } else if (strcmp(argv[i], "--trace") == 0 && i + 1 < argc) {
            trace = argv[++i];
        } else if (strcmp(argv[i], "--workers") == 0 && i + 1 < argc) {
            workers = atoi(argv[++i]);
        } else if (strcmp(argv[i], "--tasks") == 0 && i + 1 < argc) {
            tasks = atoi(argv[++i]);
        } else {
            fprintf(stderr, "demo: unknown or incomplete option '%s'\n", argv[i]);
            usage(stderr);
            return 2;
        }
    }
    if (workers < 1 || workers > 256 || tasks < 1 || tasks > MAX_TASKS) {
        fprintf(stderr, "demo: --workers must be 1..256 and --tasks 1..%d\n", MAX_TASKS);
        return 2;
    }

    struct wta_config cfg = {.workers = workers, .trace_path = trace, .program = "demo"};
    struct wta_runtime *rt = wta_runtime_new(&cfg);
    if (rt == NULL) {
        fprintf(stderr, "demo: cannot start the runtime: %s\n", strerror(errno));
        return 1;
    }
    struct main_fut *m = calloc(1, sizeof *m);
    m->base.vt = &main_vt;
    m->ntasks = tasks;
    intptr_t sum = 0;
    int rc = wta_block_on(rt, &m->base, &sum);
    bool traced = wta_trace_on(rt);
    wta_runtime_free(rt);
    if (rc != 0) {
        fprintf(stderr, "demo: block_on: %s\n", wta_strerror(rc));
        return 1;
    }
    printf("%d tasks on %d workers: sum of squares + blocking sum = %ld\n", tasks, workers,
           (long)sum);
    if (traced) {
        summarize(trace);
        printf("next: build/debug/viz/wta-trace cat %s   (one line per event; also stats, lint, why)\n",
               trace);
    }
    return 0;
}

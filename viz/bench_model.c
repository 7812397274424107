/*
 * bench_model.c - how fast is the model on a big trace? (`make bench`)
 *
 * Writes a generated trace of --events N events (default 1,000,000) to a
 * temporary file: tasks spawned by main, each polled twice on one of four
 * workers, with a timer, a wake, queue pushes/pops, parks and joins - the
 * same mix a real run has. Then measures, and prints (asserts nothing):
 *
 *   load     wta_model_load, median of 5 runs (s, wall and CPU)
 *   rss      peak resident set after loading, bytes per event
 *   seek     wta_model_seek to 10,000 random indices, median (us)
 *   lint     wta_lint_run over the whole trace (s)
 *
 * `bench_model --write FILE` only writes the trace (for the viewer, profiling).
 *
 * Goals (issue 4): load <= 1.0 s, <= 160 B/event, seek <= 1 ms, lint <= 1 s.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

#include "bench_util.h"
#include "wta_model.h"

struct gen {
    FILE *f;
    long long t;
    unsigned seq[5];            /* main, w0..w3 */
    long n;
};

/* Write one event line on thread th (0 main, 1.. w0..), t += 100 ns. */
static void ev(struct gen *g, int th, const char *rest)
{
    static const char *names[] = {"main", "w0", "w1", "w2", "w3"};
    g->t += 100;
    fprintf(g->f, "{\"t\":%lld,\"th\":\"%s\",\"seq\":%u,%s}\n", g->t, names[th], g->seq[th]++, rest);
    g->n++;
}

static void evf(struct gen *g, int th, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static void evf(struct gen *g, int th, const char *fmt, ...)
{
    char b[256];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(b, sizeof b, fmt, ap);
    va_end(ap);
    ev(g, th, b);
}

/* One task's life, about 22 events, polled on worker w. */
static void task(struct gen *g, long id, int w)
{
    int th = 1 + w;
    evf(g, 0, "\"ev\":\"task.spawn\",\"task\":%ld,\"parent\":0,\"name\":\"job\","
             "\"file\":\"gen.c\",\"line\":1", id);
    evf(g, 0, "\"ev\":\"queue.push\",\"task\":%ld,\"queue\":\"global\",\"len\":1", id);
    evf(g, 0, "\"ev\":\"worker.unpark\",\"worker\":%d,\"why\":\"push\"", w);
    evf(g, th, "\"ev\":\"worker.resume\",\"worker\":%d", w);
    for (int p = 1; p <= 2; p++) {
        evf(g, th, "\"ev\":\"queue.pop\",\"task\":%ld,\"queue\":\"global\",\"len\":0", id);
        evf(g, th, "\"ev\":\"poll.begin\",\"task\":%ld,\"poll\":%d", id, p);
        if (p == 1) {
            evf(g, th, "\"ev\":\"waker.clone\",\"task\":%ld,\"wakers\":1", id);
            evf(g, th, "\"ev\":\"timer.insert\",\"timer\":%ld,\"deadline\":%lld,"
                     "\"task\":%ld", id, g->t + 300, id);
            evf(g, th, "\"ev\":\"poll.end\",\"task\":%ld,\"poll\":1,\"result\":"
                     "\"pending\",\"next\":\"idle\"", id);
            evf(g, th, "\"ev\":\"timer.fire\",\"timer\":%ld,\"deadline\":%lld,"
                     "\"late_ns\":0", id, g->t + 100);
            evf(g, th, "\"ev\":\"waker.wake\",\"task\":%ld,\"source\":\"timer\","
                     "\"outcome\":\"scheduled\",\"by\":0,\"by_ref\":false", id);
            evf(g, th, "\"ev\":\"waker.drop\",\"task\":%ld,\"wakers\":0", id);
            evf(g, th, "\"ev\":\"queue.push\",\"task\":%ld,\"queue\":\"global\","
                     "\"len\":1", id);
        }
    }
    evf(g, th, "\"ev\":\"join.send\",\"task\":%ld,\"result\":0,\"value\":1", id);
    evf(g, th, "\"ev\":\"poll.end\",\"task\":%ld,\"poll\":2,\"result\":\"ready\","
             "\"next\":\"done\"", id);
    evf(g, th, "\"ev\":\"task.drop\",\"task\":%ld,\"why\":\"done\"", id);
    evf(g, th, "\"ev\":\"worker.park\",\"worker\":%d,\"queued\":0", w);
    evf(g, 0, "\"ev\":\"join.complete\",\"task\":%ld,\"result\":0", id);
}

/* Write a trace of about `events` events to path. 0 or -1. */
static int generate(const char *path, long events)
{
    struct gen g = {.f = fopen(path, "w")};
    if (g.f == NULL)
        return -1;
    fprintf(g.f, "{\"format\":\"wta-trace\",\"version\":1,\"runtime\":\"0.1.0\",\"program\":"
            "\"bench\",\"mode\":\"deterministic\",\"seed\":1,\"workers\":4,\"scheduler\":"
            "\"global\",\"bugs\":[],\"clock\":\"virtual\",\"start_unix_ns\":0}\n");
    for (int w = 0; w < 4; w++) {
        evf(&g, 1 + w, "\"ev\":\"worker.start\",\"worker\":%d", w);
        evf(&g, 1 + w, "\"ev\":\"worker.park\",\"worker\":%d,\"queued\":0", w);
    }
    for (long id = 1; g.n < events - 1; id++)
        task(&g, id, (int)(id % 4));
    ev(&g, 0, "\"ev\":\"trace.end\",\"dropped\":0,\"complete\":true");
    return fclose(g.f);
}

int main(int argc, char **argv)
{
    long events = 1000000;
    char path[] = "/tmp/wta-bench-XXXXXX";
    if (argc >= 3 && strcmp(argv[1], "--events") == 0)
        events = atol(argv[2]);
    if (argc == 3 && strcmp(argv[1], "--write") == 0)      /* keep a big trace */
        return generate(argv[2], events) < 0;
    int fd = mkstemp(path);
    if (fd < 0 || close(fd) < 0 || generate(path, events) < 0) {
        perror("bench_model: temporary trace");
        return 1;
    }
    double load[5], load_cpu[5], seek[10000], t0, c0;
    struct wta_model *m = NULL;
    struct rusage ru;
    for (int r = 0; r < 5; r++) {
        wta_model_free(m);
        t0 = now();
        c0 = cpu();
        if (wta_model_load(path, 0, &m) != 0) {
            fprintf(stderr, "bench_model: the generated trace did not load\n");
            wta_model_print_diags(m, stderr);
            return 1;
        }
        load[r] = now() - t0;
        load_cpu[r] = cpu() - c0;
    }
    getrusage(RUSAGE_SELF, &ru);
    struct wta_state s;
    wta_state_init(&s);
    srand(1);
    for (int k = 0; k < 10000; k++) {
        size_t i = (size_t)rand() % (m->nevents + 1);
        t0 = now();
        wta_model_seek(m, i, &s);
        seek[k] = (now() - t0) * 1e6;
    }
    wta_state_destroy(&s);
    struct wta_lint_config c;
    struct wta_lints l;
    wta_lint_config_default(&c);
    t0 = now();
    c0 = cpu();
    wta_lint_run(m, &c, &l);
    double lint = now() - t0, lint_cpu = cpu() - c0;
    qsort(load, 5, sizeof load[0], cmp_double);
    qsort(load_cpu, 5, sizeof load_cpu[0], cmp_double);
    qsort(seek, 10000, sizeof seek[0], cmp_double);
    printf("bench-model: %zu events, %zu tasks\n", m->nevents, m->ntasks);
    printf("  load   median %.3f s wall, %.3f s cpu  (goal <= 1.0 s)\n", load[2], load_cpu[2]);
    printf("  rss    peak %.0f bytes/event  (goal <= 160)\n",
           (double)ru.ru_maxrss * 1024.0 / (double)m->nevents);
    printf("  seek   median %.1f us, p99 %.1f us  (goal <= 1000 us)\n", seek[5000], seek[9900]);
    printf("  lint   %.3f s wall, %.3f s cpu, %zu lints  (goal <= 1.0 s)\n", lint, lint_cpu, l.n);
    wta_lints_free(&l);
    wta_model_free(m);
    remove(path);
    return 0;
}

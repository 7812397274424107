/*
 * bench_main.c - the benchmark driver: command line, runtimes, timing, output.
 *
 * Every workload follows the same script (BENCH.md): a fresh runtime
 * (untimed), one warm-up, `reps` timed repetitions, shutdown (untimed),
 * one output line. The driver owns that script so that the workloads
 * (bench_sched.c, bench_trace.c, ...) are only their timed regions.
 *
 * Tracing (--trace): each runtime records to a temp file. After the
 * runtime is freed (so every event is written), the driver counts the
 * file's lines: one event a line, less the header and trace.end. Events of
 * the warm-up count too, so rec_per_op = events / (ops * (reps + 1)); the
 * few events of starting and stopping the runtime are inside that
 * (well under 0.01 per op for every workload). The file is then deleted,
 * unless WTA_TRACE names a file: then the trace is written there and kept
 * (each workload overwrites it, so name one with --only), for wta-trace.
 *
 * The `+global` tag must say what really ran, not what was asked for: a
 * probe runtime at start-up records a trace header, whose "scheduler"
 * field names the scheduler in use.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "bench.h"

uint64_t bench_now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

void bench_fail(const struct bench *b, const char *fmt, ...)
{
    va_list ap;
    fflush(stdout);
    fprintf(stderr, "bench: %s: ", b != NULL ? b->name : "setup");
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputc('\n', stderr);
    abort();
}

/* A temp file name for a trace; the runtime creates the file itself. */
static void temp_trace_path(char *buf, size_t cap)
{
    snprintf(buf, cap, "/tmp/wta-bench-XXXXXX");
    int fd = mkstemp(buf);
    if (fd < 0)
        bench_fail(NULL, "mkstemp %s: %s", buf, strerror(errno));
    close(fd);
}

/* bench_start with the params' arguments in ap. */
static struct wta_runtime *vstart(struct bench *b, const struct bench_opts *opt,
                                  const char *name, int trace, uint64_t ops,
                                  const char *params_fmt, va_list ap)
{
    memset(b, 0, sizeof *b);
    b->opt = opt;
    b->name = name;
    b->ops = ops;
    vsnprintf(b->params, sizeof b->params, params_fmt, ap);
    b->traced = trace < 0 ? opt->trace : trace;
    const char *keep = getenv("WTA_TRACE");
    b->keep_trace = b->traced && keep != NULL && keep[0] != '\0';
    if (b->keep_trace)
        snprintf(b->trace_path, sizeof b->trace_path, "%s", keep);
    else if (b->traced)
        temp_trace_path(b->trace_path, sizeof b->trace_path);
    b->ns = calloc((size_t)opt->reps, sizeof *b->ns);

    struct wta_config cfg = {
        .workers = opt->workers,
        .scheduler = opt->scheduler,
        .trace_path = b->traced ? b->trace_path : NULL,
        .program = name,
    };
    if (!b->traced)
        unsetenv("WTA_TRACE");   // "tracing off" must mean off
    b->rt = wta_runtime_new(&cfg);
    if (b->rt == NULL || b->ns == NULL)
        bench_fail(b, "cannot start the runtime: %s", strerror(errno));
    if (b->traced && !wta_trace_on(b->rt))
        bench_fail(b, "tracing to %s failed: %s", b->trace_path,
                   wta_strerror(wta_trace_error(b->rt)));
    return b->rt;
}

struct wta_runtime *bench_start(struct bench *b, const struct bench_opts *opt,
                                const char *name, int trace, uint64_t ops,
                                const char *params_fmt, ...)
{
    va_list ap;
    va_start(ap, params_fmt);
    struct wta_runtime *rt = vstart(b, opt, name, trace, ops, params_fmt, ap);
    va_end(ap);
    return rt;
}

void bench_run(const struct bench_opts *opt, const char *name, uint64_t ops,
               bench_rep_fn rep, void *arg, const char *params_fmt, ...)
{
    struct bench b;
    va_list ap;
    va_start(ap, params_fmt);
    vstart(&b, opt, name, -1, ops, params_fmt, ap);
    va_end(ap);
    bench_reps(&b, rep, arg);
    bench_finish(&b);
}

void bench_reps(struct bench *b, bench_rep_fn rep, void *arg)
{
    for (b->rep = 0; b->rep <= b->opt->reps; b->rep++) {
        uint64_t ns = rep(b, arg);
        if (b->rep > 0)
            b->ns[b->rep - 1] = ns;
    }
}

void bench_extra(struct bench *b, const char *fmt, ...)
{
    size_t n = strlen(b->extra);
    if (n > 0 && n + 1 < sizeof b->extra)
        b->extra[n++] = ' ';
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(b->extra + n, sizeof b->extra - n, fmt, ap);
    va_end(ap);
}

intptr_t bench_block_on(struct bench *b, struct wta_future *f)
{
    intptr_t out = 0;
    int rc = wta_block_on(b->rt, f, &out);
    if (rc != 0)
        bench_fail(b, "block_on: %s", wta_strerror(rc));
    return out;
}

static int cmp_u64(const void *a, const void *b)
{
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return x < y ? -1 : x > y;
}

/* Lines in the file at path (one trace event a line). */
static uint64_t count_lines(const struct bench *b, const char *path)
{
    int fd = open(path, O_RDONLY);
    if (fd < 0)
        bench_fail(b, "cannot read trace %s: %s", path, strerror(errno));
    static char buf[1 << 20];
    uint64_t lines = 0;
    ssize_t n;
    while ((n = read(fd, buf, sizeof buf)) != 0) {
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0)
            bench_fail(b, "reading trace %s: %s", path, strerror(errno));
        for (char *p = buf; (p = memchr(p, '\n', (size_t)(buf + n - p))) != NULL; p++)
            lines++;
    }
    close(fd);
    return lines;
}

void bench_finish(struct bench *b)
{
    const struct bench_opts *opt = b->opt;
    uint64_t dropped = wta_trace_dropped(b->rt);
    wta_runtime_free(b->rt);   // untimed; writes out the whole trace
    b->rt = NULL;

    char impl[80];
    snprintf(impl, sizeof impl, "%s%s", opt->impl, b->traced ? "+trace" : "");
    if (b->traced) {
        uint64_t lines = count_lines(b, b->trace_path);
        uint64_t events = lines > 2 ? lines - 2 : 0;   // header, trace.end
        if (!b->keep_trace)
            unlink(b->trace_path);
        bench_extra(b, "rec_per_op=%.1f",
                    (double)events / ((double)b->ops * (opt->reps + 1)));
        if (dropped != 0)
            bench_extra(b, "note=trace_dropped_%llu_events", (unsigned long long)dropped);
    }

    int n = opt->reps;
    qsort(b->ns, (size_t)n, sizeof *b->ns, cmp_u64);
    uint64_t med = n % 2 ? b->ns[n / 2] : (b->ns[n / 2 - 1] + b->ns[n / 2]) / 2;
    printf("bench %s impl=%s workers=%d reps=%d %s ops=%llu median_ns=%llu min_ns=%llu "
           "max_ns=%llu median_ns_per_op=%.1f%s%s\n",
           b->name, impl, opt->workers, n, b->params, (unsigned long long)b->ops,
           (unsigned long long)med, (unsigned long long)b->ns[0],
           (unsigned long long)b->ns[n - 1], (double)med / (double)b->ops,
           b->extra[0] ? " " : "", b->extra);
    fflush(stdout);
    free(b->ns);
    b->ns = NULL;
}

/* ---------------------------------------------------------------- main */

struct workload {
    const char *name;
    void (*run)(const struct bench_opts *opt);
    bool is_trace;   /* its tracing is fixed: run it in the untraced pass only */
};

static const struct workload workloads[] = {
    {"block_on_ready", bench_block_on_ready, false},
    {"spawn_join_blockon", bench_spawn_join_blockon, false},
    {"spawn_many_local", bench_spawn_many_local, false},
    {"spawn_many_remote", bench_spawn_many_remote, false},
    {"yield_many", bench_yield_many, false},
    {"chained_spawn", bench_chained_spawn, false},
    {"ping_pong", bench_ping_pong, false},
    {"ping_pong_mpsc", bench_ping_pong_mpsc, false},
    {"mpsc_contention", bench_mpsc_contention, false},
    {"timers", bench_timers, false},
    {"timer_precision", bench_timer_precision, false},
    {"tcp_echo", bench_tcp_echo, false},
    {"trace_record", bench_trace_record, true},
    {"trace_disabled", bench_trace_disabled, true},
};
enum { NWORKLOADS = sizeof workloads / sizeof workloads[0] };

static void usage(FILE *to)
{
    fprintf(to,
            "usage: bench [--reps N] [--workers W] [--only a,b,...] [--quick] [--trace]\n"
            "             [--scheduler global|local] [--help]\n"
            "  Runs wta's workloads of BENCH.md; one line per workload on stdout.\n"
            "  --reps N        timed repetitions after one warm-up (1..1000, default 11)\n"
            "  --workers W     worker threads (1..256, default 2)\n"
            "  --only a,b      run only these workloads (names below)\n"
            "  --quick         smaller counts, for a CI smoke run\n"
            "  --trace         trace recorder on (impl gets +trace, lines get rec_per_op);\n"
            "                  trace_record/trace_disabled then run only if named in --only;\n"
            "                  with WTA_TRACE=FILE the last workload's trace is kept there\n"
            "  --scheduler S   local (default: per-worker queues) or global (one queue)\n"
            "workloads:");
    for (int i = 0; i < NWORKLOADS; i++)
        fprintf(to, " %s", workloads[i].name);
    fputc('\n', to);
}

static _Noreturn void bad_usage(const char *fmt, const char *arg)
{
    fprintf(stderr, "bench: ");
    fprintf(stderr, fmt, arg);
    fputs("\n(bench --help lists the options and the workloads)\n", stderr);
    exit(2);
}

/* Parses a whole decimal in [lo, hi] for flag, or exits with a message. */
static int parse_int(const char *flag, const char *s, int lo, int hi)
{
    char *end;
    errno = 0;
    long v = strtol(s, &end, 10);
    if (errno != 0 || end == s || *end != '\0' || v < lo || v > hi) {
        fprintf(stderr, "bench: %s expects a whole number in %d..%d, not '%s'\n", flag, lo,
                hi, s);
        exit(2);
    }
    return (int)v;
}

static const struct workload *find_workload(const char *name)
{
    for (int i = 0; i < NWORKLOADS; i++)
        if (strcmp(workloads[i].name, name) == 0)
            return &workloads[i];
    return NULL;
}

/* Splits "a,b,c" into opt->only, checking every name. */
static void parse_only(struct bench_opts *opt, char *list)
{
    opt->only = calloc(strlen(list) + 1, sizeof *opt->only);
    for (char *save, *tok = strtok_r(list, ",", &save); tok != NULL;
         tok = strtok_r(NULL, ",", &save)) {
        if (find_workload(tok) == NULL)
            bad_usage("--only: no workload named '%s'", tok);
        opt->only[opt->nonly++] = tok;
    }
    if (opt->nonly == 0)
        bad_usage("--only expects a comma-separated list of workloads%s", "");
}

static bool named_in_only(const struct bench_opts *opt, const char *name)
{
    for (int i = 0; i < opt->nonly; i++)
        if (strcmp(opt->only[i], name) == 0)
            return true;
    return false;
}

/* The scheduler the runtime really runs for cfg (from a trace header). */
static void probe_scheduler(const struct bench_opts *opt, char *name, size_t cap)
{
    char path[64];
    temp_trace_path(path, sizeof path);
    struct wta_config cfg = {.workers = opt->workers, .scheduler = opt->scheduler,
                             .trace_path = path, .program = "bench-probe"};
    struct wta_runtime *rt = wta_runtime_new(&cfg);
    if (rt == NULL)
        bench_fail(NULL, "cannot start the runtime: %s", strerror(errno));
    wta_runtime_free(rt);
    char line[1024] = "";
    FILE *f = fopen(path, "r");
    if (f == NULL || fgets(line, sizeof line, f) == NULL)
        bench_fail(NULL, "probe trace %s: no header line", path);
    fclose(f);
    unlink(path);
    const char *p = strstr(line, "\"scheduler\":\"");
    if (p == NULL)
        bench_fail(NULL, "probe trace %s, line 1: expected a \"scheduler\" field", path);
    p += strlen("\"scheduler\":\"");
    size_t n = strcspn(p, "\"");
    snprintf(name, cap, "%.*s", (int)n, p);
}

int main(int argc, char **argv)
{
    struct bench_opts opt = {.reps = 11, .workers = 2, .scheduler = WTA_SCHED_LOCAL};
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        bool has_arg = i + 1 < argc;
        if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0) {
            usage(stdout);
            return 0;
        } else if (strcmp(a, "--quick") == 0) {
            opt.quick = true;
        } else if (strcmp(a, "--trace") == 0) {
            opt.trace = true;
        } else if (strcmp(a, "--reps") == 0 && has_arg) {
            opt.reps = parse_int(a, argv[++i], 1, 1000);
        } else if (strcmp(a, "--workers") == 0 && has_arg) {
            opt.workers = parse_int(a, argv[++i], 1, 256);
        } else if (strcmp(a, "--only") == 0 && has_arg) {
            parse_only(&opt, argv[++i]);
        } else if (strcmp(a, "--scheduler") == 0 && has_arg) {
            const char *s = argv[++i];
            if (strcmp(s, "global") == 0)
                opt.scheduler = WTA_SCHED_GLOBAL;
            else if (strcmp(s, "local") == 0)
                opt.scheduler = WTA_SCHED_LOCAL;
            else
                bad_usage("--scheduler expects 'global' or 'local', not '%s'", s);
        } else if (strcmp(a, "--reps") == 0 || strcmp(a, "--workers") == 0 ||
                   strcmp(a, "--only") == 0 || strcmp(a, "--scheduler") == 0) {
            bad_usage("%s expects a value", a);   // the flag was last
        } else {
            bad_usage("unknown option '%s'", a);
        }
    }

    char sched[32];
    probe_scheduler(&opt, sched, sizeof sched);
    snprintf(opt.impl, sizeof opt.impl, "wta-%s%s", WTA_VERSION,
             strcmp(sched, "global") == 0 ? "+global" : "");
    printf("# wta bench: %s, scheduler asked %s, running %s; workers=%d reps=%d (+1 warm-up)%s%s\n",
           opt.impl, opt.scheduler == WTA_SCHED_GLOBAL ? "global" : "local", sched,
           opt.workers, opt.reps, opt.quick ? ", quick" : "", opt.trace ? ", tracing on" : "");
    fflush(stdout);

    for (int i = 0; i < NWORKLOADS; i++) {
        const struct workload *w = &workloads[i];
        if (opt.nonly > 0 && !named_in_only(&opt, w->name))
            continue;
        // trace_record is always traced and trace_disabled never: in the
        // --trace pass they would only repeat the untraced pass's lines.
        if (opt.trace && w->is_trace && !named_in_only(&opt, w->name))
            continue;
        w->run(&opt);
    }
    free(opt.only);
    return 0;
}

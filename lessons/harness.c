/*
 * harness.c - the command line, configuration and verdict every lesson
 * shares (see lesson.h). Kept out of the lessons so that each lesson.c is
 * only its story.
 *
 * Seeds: the deterministic mode is switched on by the environment variable
 * WTA_SEED (as WTA_TRACE switches tracing on), so the harness pins a seed by
 * setting it before the runtime starts. The seed is --seed N if given, else
 * $WTA_SEED if set (so `wta-trace explore` can drive any lesson), else the
 * lesson's pinned seed. A lesson whose pinned `seed` is 0 runs in real mode
 * (real threads, real clock): its point is time spent computing or
 * blocking, which a virtual clock does not count.
 *
 * A lesson is a controlled experiment: the environment knobs that fill
 * what a configuration leaves unset (WTA_WORKERS, WTA_SCHEDULER, WTA_BUGS)
 * are cleared, so every student runs the configuration the README describes.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "lesson.h"

static bool pinned;   /* this run uses the lesson's pinned seed (or its real mode) */
static bool virtual_clock;   /* deterministic mode: time is counted, not spent */

static void usage(const struct lesson *l, FILE *to)
{
    fprintf(to, "usage: %s [--trace FILE] [--seed N]%s%s%s\n", l->name,
            l->alt ? " [--" : "", l->alt ? l->alt : "", l->alt ? "]" : "");
    fprintf(to, "  lesson %s\n"
                "  Runs the lesson and writes its trace (default %s.trace.jsonl).\n"
                "  --trace FILE   write the trace to FILE (default: $WTA_TRACE if set)\n"
                "  --seed N       deterministic mode with seed N (default: $WTA_SEED, else\n"
                "                 the lesson's pinned seed%s)\n",
            l->title, l->name, l->seed ? "" : "; this lesson runs in real mode by default");
    if (l->alt != NULL)
        fprintf(to, "  --%-12s the lesson's second run (see its README)\n", l->alt);
    fprintf(to, "  Open the trace with: wta-viz --lesson FILE, or wta-trace cat FILE\n");
}

/* Parses "N" as an unsigned 64-bit seed; false on anything else. */
static bool parse_seed(const char *s, uint64_t *out)
{
    char *end;
    errno = 0;
    unsigned long long v = strtoull(s, &end, 10);
    if (errno != 0 || end == s || *end != '\0' || s[0] == '-')
        return false;
    *out = v;
    return true;
}

bool lesson_start(const struct lesson *l, int argc, char **argv, struct wta_config *cfg)
{
    static char trace[512];
    const char *path = NULL;
    uint64_t seed = l->seed;
    const char *env_seed = getenv("WTA_SEED");
    if (env_seed != NULL && env_seed[0] != '\0' && !parse_seed(env_seed, &seed)) {
        fprintf(stderr, "%s: WTA_SEED must be an unsigned integer, not '%s'\n", l->name,
                env_seed);
        exit(2);
    }
    bool alt = false;
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
            usage(l, stdout);
            exit(0);
        } else if (strcmp(argv[i], "--trace") == 0 && i + 1 < argc) {
            path = argv[++i];
        } else if (strcmp(argv[i], "--seed") == 0 && i + 1 < argc) {
            if (!parse_seed(argv[++i], &seed)) {
                fprintf(stderr, "%s: --seed expects an unsigned integer, not '%s'\n", l->name,
                        argv[i]);
                exit(2);
            }
        } else if (l->alt != NULL && strncmp(argv[i], "--", 2) == 0 &&
                   strcmp(argv[i] + 2, l->alt) == 0) {
            alt = true;
        } else {
            fprintf(stderr, "%s: unknown or incomplete option '%s'\n", l->name, argv[i]);
            usage(l, stderr);
            exit(2);
        }
    }
    if (path == NULL && getenv("WTA_TRACE") != NULL && getenv("WTA_TRACE")[0] != '\0')
        path = getenv("WTA_TRACE");   // e.g. wta-trace explore's temporary file
    if (path == NULL) {
        snprintf(trace, sizeof trace, "%s%s%s.trace.jsonl", l->name, alt ? "." : "",
                 alt ? l->alt : "");
        path = trace;
    }
    pinned = seed == l->seed;
    unsetenv("WTA_WORKERS");
    unsetenv("WTA_SCHEDULER");
    unsetenv("WTA_BUGS");
    virtual_clock = seed != 0;
    if (seed != 0) {
        char s[24];
        snprintf(s, sizeof s, "%llu", (unsigned long long)seed);
        setenv("WTA_SEED", s, 1);
    }
    *cfg = (struct wta_config){.workers = l->workers, .trace_path = path, .program = l->name};
    printf("lesson %s%s%s: %s\n", l->name, alt ? " --" : "", alt ? l->alt : "", l->title);
    return alt;
}

struct wta_runtime *lesson_runtime(const struct lesson *l, const struct wta_config *cfg)
{
    struct wta_runtime *rt = wta_runtime_new(cfg);
    if (rt == NULL) {
        fprintf(stderr, "%s: cannot start the runtime: %s\n", l->name, strerror(errno));
        exit(1);
    }
    return rt;
}

void *lesson_future(size_t size, const struct wta_future_vt *vt)
{
    struct wta_future *f = calloc(1, size);
    if (f == NULL) {
        fprintf(stderr, "lesson: out of memory\n");
        exit(1);
    }
    f->vt = vt;
    return f;
}

int lesson_await(struct wta_future **op, struct wta_context *cx, intptr_t *out)
{
    int rc = wta_poll(*op, cx, out);
    if (rc == WTA_PENDING)
        return WTA_PENDING;
    wta_future_drop(*op);
    *op = NULL;
    return rc;
}

int lesson_expect(const struct lesson *l, const char *what, long got, long want)
{
    printf("%s: %ld%s\n", what, got, got == want ? "" : " (unexpected)");
    if (got == want)
        return 0;
    if (!pinned) {
        // Another seed is another interleaving: it need not show what the
        // pinned one does. Exit 0, so that `wta-trace explore` over a lesson
        // reports only the seeds whose trace hangs or trips a lint.
        printf("%s: this seed interleaves differently from the pinned seed %llu; the "
               "trace shows what happened\n", l->name, (unsigned long long)l->seed);
        return 0;
    }
    fprintf(stderr, "%s: expected %s to be %ld, got %ld: the run did not show what the "
            "lesson teaches\n", l->name, what, want, got);
    return 1;
}

/* On a virtual clock the work is counted (wta_spent_ns), not done. */
void lesson_spin_ms(int ms)
{
    if (virtual_clock) {
        wta_spent_ns((uint64_t)ms * 1000000);
        return;
    }
    struct timespec t0, t;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    do
        clock_gettime(CLOCK_MONOTONIC, &t);
    while ((t.tv_sec - t0.tv_sec) * 1000 + (t.tv_nsec - t0.tv_nsec) / 1000000 < ms);
}

void lesson_block_ms(int ms)
{
    if (virtual_clock)
        wta_spent_ns((uint64_t)ms * 1000000);
    else
        usleep((useconds_t)ms * 1000);
}

/*
 * lesson.h - what every lesson program shares: its command line, its
 * runtime configuration, and checking that the run showed what it teaches.
 *
 * A lesson is one small program (lessons/NN-slug/lesson.c) whose main()
 * reads as a narrated script. It describes itself in a struct lesson, hands
 * argc/argv to lesson_start(), which fills a struct wta_config, and ends
 * with lesson_expect(), which says whether the run did what the README
 * promises (exit 0) or not (exit 1, with what was expected).
 *
 * Command line, the same for every lesson (`--help` prints it):
 *     (nothing)      the pinned seed ($WTA_SEED if set), trace to NN-slug.trace.jsonl
 *                    ($WTA_TRACE if set)
 *     --trace FILE   where the trace goes
 *     --seed N       try another interleaving (deterministic mode)
 *     --fixed        bug lessons: the fixed run instead of the bug run
 *     --global       lesson 16: wta's global FIFO instead of per-worker queues
 * A lesson with two runs names its second one in `alt` ("fixed", "global");
 * its reference traces are traces/NN-slug.jsonl and traces/NN-slug.ALT.jsonl.
 */
#ifndef LESSON_H
#define LESSON_H

#include <stdbool.h>
#include <stdint.h>

#include "wta.h"

struct lesson {
    const char *name;      /* the folder's name: "01-block-on" */
    const char *title;     /* one line, for --help */
    uint64_t seed;         /* the pinned seed: the run every student sees */
    int workers;           /* worker threads */
    const char *alt;       /* NULL, or the second run's flag without "--" */
};

/*
 * Parses the command line and fills *cfg: workers, trace path, program name
 * and seed. Returns true when the alt run (--fixed, --global) was asked for.
 * --help prints the usage and exits 0; a bad flag exits 2 naming it.
 */
bool lesson_start(const struct lesson *l, int argc, char **argv, struct wta_config *cfg);

/* wta_runtime_new, or exit 1 saying why. */
struct wta_runtime *lesson_runtime(const struct lesson *l, const struct wta_config *cfg);

/*
 * Allocates a zeroed future of `size` bytes whose vtable is vt (exits on
 * out of memory: a lesson has nothing better to do).
 */
void *lesson_future(size_t size, const struct wta_future_vt *vt);

/*
 * Polls *op, the operation a lesson's future awaits; once it is finished,
 * drops it and sets *op to NULL. Returns WTA_PENDING (the operation holds
 * the caller's waker) or its result: 0 (output in *out) or -errno.
 */
int lesson_await(struct wta_future **op, struct wta_context *cx, intptr_t *out);

/*
 * The run's verdict: prints "what: got X" and returns the exit status, 0 if
 * got == want, else 1 with what was expected. With a seed other than the
 * pinned one a mismatch is reported but not failed (another interleaving).
 * Call it last, after wta_runtime_free() (so the trace is complete).
 */
int lesson_expect(const struct lesson *l, const char *what, long got, long want);

/* Busy for about ms milliseconds of CPU (a stand-in for real work). In
 * deterministic mode the virtual clock moves on by ms instead. */
void lesson_spin_ms(int ms);
/* Blocked for ms milliseconds (a stand-in for a slow read), the same way. */
void lesson_block_ms(int ms);

#endif /* LESSON_H */

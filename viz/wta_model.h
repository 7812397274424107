/*
 * wta_model.h - the trace model: everything viz/ offers, read top to bottom.
 *
 * A trace (traces/SCHEMA.md) is loaded once into a struct wta_model: its
 * events checked against the one event list (runtime/wta_events.h), put in
 * causal order (t, thread order, seq), and indexed per thread and per task.
 * Everything else is a question asked of that model:
 *
 *     load      wta_model_load / wta_model_load_mem, with diagnostics
 *     state     wta_model_seek: the world after the first i events
 *     why       wta_why: the chain of causes behind a poll; wta_why_not,
 *               wta_why_main: why a task (or main) is not running
 *     lints     wta_lint_run: known bugs and smells, each at an event
 *     stats     wta_stats_write: time per task and per worker
 *     export    wta_perfetto_write: Chrome/Perfetto JSON
 *     diff      wta_diff: first divergent scheduling decision of two traces
 *
 * The model is immutable after loading (but for wta_model_set_keyframes) and
 * viz/ has no global state, so several threads may query one model at once;
 * each query fills caller-owned output.
 * No SDL here: the viewer and the wta-trace tool both build on this header.
 * Every function that can fail returns 0 or a negative errno.
 */
#ifndef WTA_MODEL_H
#define WTA_MODEL_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "wta_events.h"

#ifdef __cplusplus
extern "C" {   /* C++ programs link the C names */
#endif

#define WTA_VIZ_VERSION "0.1.0"

/* ---------------------------------------------------------------- limits
 * A trace comes from outside, so nothing in it may make the loader allocate
 * without bound. Going past a limit is an error that names the limit. */
#define WTA_MAX_LINE       65536          /* bytes in one line, '\n' excluded */
#define WTA_MAX_STRING     4096           /* bytes in one string field */
#define WTA_MAX_STR_BYTES  (64u << 20)    /* distinct string bytes in a trace */
#define WTA_MAX_EVENTS     (1u << 24)     /* events in a trace (16 Mi) */
#define WTA_MAX_THREADS    1024           /* distinct `th` values */
#define WTA_MAX_QUEUES     256            /* distinct run-queue names */
#define WTA_MAX_DIAGS      1000           /* diagnostics kept (all are counted) */
#define WTA_MAX_INT        9007199254740992.0  /* 2^53: larger is not exact */

/* ---------------------------------------------------------------- loading */
#define WTA_LOAD_STRICT 1   /* an unknown event kind is an error, not a warning */
#define WTA_LOAD_SPLIT  2   /* read in two halves even if small (tests, fuzzer) */
#define WTA_SPLIT_MIN   (8u << 20)  /* inputs this big are read on two threads */

enum wta_severity { WTA_WARNING, WTA_ERROR };

/* One problem found while loading; line 0 means "the file as a whole". */
struct wta_diag {
    enum wta_severity severity;
    uint32_t line;
    char *msg;              /* "field 'task': expected unsigned integer" */
};

/* The header line (line 1). Strings are "" when the header left them out. */
struct wta_header {
    int version;
    uint32_t workers;
    int64_t seed;           /* -1: none (real mode) */
    char runtime[32], program[128], mode[32], scheduler[32], clock[32];
    char bugs[64];          /* "W1,W3" */
};

/* One event, 72 bytes. Field k of kind `kind` (in wta_events.h order) is in
 * f[k]: integers and booleans as they are, strings as an id for
 * wta_model_str(). `task` is the dense task index + 1 (0: none) of the
 * event's `task` field; `tstate` is that task's state after the event. */
#define WTA_MAX_FIELDS 6
struct wta_ev {
    int64_t t_ns;
    int64_t f[WTA_MAX_FIELDS];
    uint32_t seq;
    uint32_t line;          /* line in the file, for messages */
    uint32_t task;
    uint16_t th;            /* index into model->threads */
    uint8_t kind;           /* enum wta_event */
    uint8_t tstate;         /* enum wta_tstate, when task != 0 */
};

/* A thread lane, sorted in the schema's order: main, w0.., reactor,
 * blocking-K, ext-K, then others by first appearance. */
struct wta_thread {
    char name[64];
    int32_t worker;         /* K for "wK", else -1 */
    uint32_t nevents;
    uint32_t *evs;          /* indices of its events, in order */
};

/* A task, in spawn order. evs/polls/woke are parallel arrays: after its
 * event evs[k] the task had been polled polls[k] times and was last woken
 * by event woke[k] (UINT32_MAX: never). */
struct wta_task {
    uint64_t id;
    uint32_t parent;        /* dense index + 1 of the parent task, 0: none */
    uint32_t name;          /* string id */
    uint32_t spawn;         /* event index of task.spawn */
    uint32_t nevents;
    uint32_t *evs, *polls, *woke;
};

/* What caused a poll: the poll.begin at `effect` was scheduled by the
 * event at `cause` (a waker.wake, or the task.spawn for a first poll). */
struct wta_link {
    uint32_t effect, cause;
};

struct wta_strtab;
struct wta_keyframes;
struct wta_idmap;

struct wta_model {
    char *path;             /* for messages: "file:line: ..." */
    struct wta_header header;
    size_t nevents;
    struct wta_ev *events;       /* in causal order */
    size_t nthreads;
    struct wta_thread *threads;
    size_t ntasks;
    struct wta_task *tasks;
    size_t nlinks;
    struct wta_link *links;         /* sorted by effect */
    size_t ndiags, nerrors, nwarnings;  /* counts of all, kept or not */
    struct wta_diag *diags;         /* at most WTA_MAX_DIAGS */
    int truncated;                  /* no trace.end, or a cut last line */
    struct wta_strtab *strs;        /* private: string ids */
    struct wta_idmap *task_ids;     /* private: task id -> dense index */
    struct wta_keyframes *kf;       /* private: see wta_model_seek */
};

/* Load the trace at `path`. Returns 0, or -errno (-ENOENT, -ENOMEM, or
 * -EINVAL if the trace had errors). *out is set whenever the file could be
 * opened, so the caller can print out->diags; free it with wta_model_free. */
int wta_model_load(const char *path, unsigned flags, struct wta_model **out);
/* The same, calling on_read(arg, n) after each block of n bytes it reads,
 * so that a caller can show progress (reading is most of a load; building
 * the indexes after the last byte is the rest). on_read is called from
 * the reading threads, two at once for a big file. */
int wta_model_load_watched(const char *path, unsigned flags,
                           void (*on_read)(void *arg, uint64_t n), void *arg,
                           struct wta_model **out);
/* The same over a buffer in memory; `name` is used in messages. */
int wta_model_load_mem(const char *name, const char *buf, size_t len,
                       unsigned flags, struct wta_model **out);
void wta_model_free(struct wta_model *m);      /* NULL is allowed */
/* Print every kept diagnostic as "file:line: error: msg" to `f`. */
void wta_model_print_diags(const struct wta_model *m, FILE *f);

/* ---------------------------------------------------------------- events */
const char *wta_model_str(const struct wta_model *m, int64_t id);
const char *wta_event_name(unsigned kind);          /* "poll.begin" */
int wta_event_kind(const char *name);               /* -1 if unknown */
/* Field `name` of event e into *v (a string field gives its id).
 * Returns 0, or -ENOENT if this kind has no such field. */
int wta_event_get(const struct wta_ev *e, const char *name, int64_t *v);
/* Format e as one readable line ("poll.begin task=3 poll=2") into buf. */
void wta_event_format(const struct wta_model *m, const struct wta_ev *e,
                      char *buf, size_t size);
/* The dense index + 1 of task id `id`, or 0 if it was never spawned. */
uint32_t wta_model_task_by_id(const struct wta_model *m, uint64_t id);

/* ---------------------------------------------------------------- state
 * The state after the first i events (0 <= i <= nevents): state 0 is before
 * anything happened, state nevents is the end. A seek restores the nearest
 * keyframe at or before i and replays at most WTA_KEYFRAME_EVERY events. */
#define WTA_KEYFRAME_EVERY 256

enum wta_tstate { WTA_TS_IDLE, WTA_TS_SCHEDULED, WTA_TS_RUNNING,
                  WTA_TS_NOTIFIED, WTA_TS_DONE, WTA_TS_UNBORN };

enum wta_activity {
    WTA_ACT_IDLE,       /* started, between things */
    WTA_ACT_RUNNING,    /* polling task `task` */
    WTA_ACT_PARKED,     /* worker asleep */
    WTA_ACT_REACTOR,    /* inside a reactor turn */
    WTA_ACT_BLOCK_ON,   /* main thread in block_on, not polling */
    WTA_ACT_MAIN_POLL,  /* main thread polling the main future */
    WTA_ACT_BLOCKING,   /* running a spawn_blocking job */
    WTA_ACT_STOPPED,    /* worker left its loop */
    WTA_ACT_COUNT
};

struct wta_thread_state {
    uint8_t activity;       /* enum wta_activity */
    uint8_t saved;          /* activity to return to after a reactor turn */
    uint8_t unpark_pending; /* a worker.unpark not yet followed by resume */
    uint32_t task;          /* dense index + 1 while RUNNING */
    uint32_t since;         /* event index where the activity began */
};

struct wta_queue {
    uint32_t name;          /* string id: "global", "local-0" */
    uint32_t len, cap;
    uint32_t *tasks;        /* dense index + 1, front first */
};

struct wta_timer {
    uint64_t id, deadline_ns;
    uint32_t task;          /* dense index + 1 of the task that armed it */
};

struct wta_fd {
    int64_t fd;
    uint32_t interest;      /* string id */
};

/* Caller-owned; wta_state_init before the first seek, wta_state_destroy
 * after the last. Seeking reuses its arrays. */
struct wta_state {
    size_t at;                      /* events applied */
    size_t nthreads;
    struct wta_thread_state *threads;
    size_t nqueues;
    struct wta_queue queues[WTA_MAX_QUEUES];
    size_t ntimers, timers_cap;
    struct wta_timer *timers;       /* pending, in insertion order */
    size_t nfds, fds_cap;
    struct wta_fd *fds;             /* registered */
    int main_ready;                 /* the MainWaker's flag */
    uint32_t main_ready_by;         /* event that set it, if set */
};

/* A task's state after the first i events, in O(log n). */
struct wta_task_state {
    enum wta_tstate state;
    uint32_t polls;
    uint32_t woke;          /* event index of its last wake, UINT32_MAX: none */
};

void wta_state_init(struct wta_state *s);
void wta_state_destroy(struct wta_state *s);
/* Fill s with the state after the first i events. 0, -EINVAL, -ENOMEM. */
int wta_model_seek(const struct wta_model *m, size_t i, struct wta_state *s);
/* Rebuild the keyframes every `every` events (>= 1): less memory for a
 * larger K, faster seeks for a smaller one. 0, -EINVAL, -ENOMEM. */
int wta_model_set_keyframes(struct wta_model *m, unsigned every);
int wta_model_task_at(const struct wta_model *m, uint32_t task, size_t i,
                      struct wta_task_state *out);
const char *wta_tstate_name(enum wta_tstate s);
const char *wta_activity_name(enum wta_activity a);

/* ---------------------------------------------------------------- why */
#define WTA_WHY_MAX 32
struct wta_why {
    size_t n;
    uint32_t ev[WTA_WHY_MAX];       /* newest first: the poll, its wake, ... */
    char text[WTA_WHY_MAX][160];    /* what each step means */
};
/* Why did task `task` (dense + 1) get its last poll at or before event
 * `at`? The chain back from that poll, through wakes, to a root cause.
 * 0, -EINVAL (bad task or index), -ESRCH (never polled by then). */
int wta_why(const struct wta_model *m, uint32_t task, size_t at, struct wta_why *out);
/* What woke the task (or main) at wake event i (waker.wake, main.wake),
 * where the trace says exactly (its `cause`): a phrase into text ("timer 3
 * fired", "fd 7 readable", "channel 2 send by task 4 'producer'", "task 5
 * 'child' finished (its JoinHandle)", "blocking job 1 returned") and the
 * event it names into *ev (the timer.fire, io.event, chan.*, join.* or
 * blocking.* event; UINT32_MAX if not found). 1; 0 if the wake names no
 * cause (a trace from before the field; source task, main or external). */
int wta_wake_cause(const struct wta_model *m, size_t i, char *text, size_t size, uint32_t *ev);
/* Why is task `task` (dense + 1) not running after event `at`? Its state
 * then and the facts behind it, one per step, the state first: not spawned
 * yet; DONE (the event that ended it); queued (since which push, woken by
 * what); or IDLE (its last Pending poll, a lost wake, the hang dump's word
 * on it, its pending timers, its last poll's io/channel/select events, and
 * its waker: live clones, dropped, or never handed out). 0; 1 if the task
 * is running then (ask wta_why); -EINVAL (bad task or index). */
int wta_why_not(const struct wta_model *m, uint32_t task, size_t at, struct wta_why *out);
/* The same for the main future (block_on's): running (its poll, and the
 * main.wake behind it), waiting (its last Pending poll, main.wake since,
 * wait.external, the hang and its dump) or returned (block_on.end).
 * 0, -EINVAL. */
int wta_why_main(const struct wta_model *m, size_t at, struct wta_why *out);

/* ---------------------------------------------------------------- lints */
#define WTA_LINT_LIST(X) \
    X(LOST_WAKEUP,     "lost-wakeup",      WTA_ERROR) \
    X(WAKE_LOST,       "wake-lost-while-running", WTA_ERROR) \
    X(MAIN_FLAG,       "main-flag-overwritten", WTA_ERROR) \
    X(PARKED_WITH_WORK, "parked-with-work", WTA_ERROR) \
    X(HANG,            "hang",             WTA_ERROR) \
    X(LONG_POLL,       "long-poll",        WTA_WARNING) \
    X(SELF_WAKE_LOOP,  "self-wake-loop",   WTA_WARNING) \
    X(LATE_TIMER,      "late-timer",       WTA_WARNING) \
    X(NEVER_JOINED,    "never-joined",     WTA_WARNING) \
    X(DROPPED,         "events-dropped",   WTA_ERROR)

enum wta_lint_kind {
#define WTA_LINT_ENUM(id, name, sev) WTA_LINT_##id,
    WTA_LINT_LIST(WTA_LINT_ENUM)
#undef WTA_LINT_ENUM
    WTA_LINT_COUNT
};

struct wta_lint_config {
    int64_t long_poll_ns;       /* default 10 ms */
    int64_t late_timer_ns;      /* default 1 ms */
    uint32_t self_wake_polls;   /* default 50 consecutive self-woken polls */
    uint32_t allow;             /* bit k set: lint k is counted in allowed[k], not reported */
};

#define WTA_LINT_MSG 400     /* bytes of a finding's message, '\0' included */
struct wta_lint {
    enum wta_lint_kind kind;
    uint32_t ev;                /* the event to jump to */
    uint32_t task;              /* dense + 1, or 0 */
    char msg[WTA_LINT_MSG];     /* what happened, with numbers */
};

struct wta_lints {
    size_t n, cap;
    struct wta_lint *items;     /* in event order */
    size_t nerrors, nwarnings;  /* of the items, by severity */
    size_t count[WTA_LINT_COUNT];   /* items per lint */
    size_t allowed[WTA_LINT_COUNT]; /* findings left out by config->allow */
};

void wta_lint_config_default(struct wta_lint_config *c);
/* The lint named `name` ("lost-wakeup"), or -1. */
int wta_lint_by_name(const char *name);
int wta_lint_run(const struct wta_model *m, const struct wta_lint_config *c,
                 struct wta_lints *out);
void wta_lints_free(struct wta_lints *l);
/* Print lints: text (one per line, then each kind's explanation once, then
 * the summary line "N lint(s): E error(s), W warning(s) [name n, ...]") or
 * one JSON object {"file","lints":[{"lint","severity","event","line","task",
 * "message"}],"summary":{"errors","warnings","by_lint":{name:n},"allowed":{name:n}}}. */
void wta_lints_write_text(const struct wta_model *m, const struct wta_lints *l, FILE *f);
void wta_lints_write_json(const struct wta_model *m, const struct wta_lints *l, FILE *f);
const char *wta_lint_name(enum wta_lint_kind k);
enum wta_severity wta_lint_severity(enum wta_lint_kind k);
const char *wta_lint_explain(enum wta_lint_kind k);   /* a paragraph */

/* ---------------------------------------------------------------- stats */
/* Write the statistics of m to f, as text or (json != 0) one JSON object:
 * per task polls, busy/scheduled/idle ns and wakes by source; per thread
 * busy/parked/reactor ns; percentiles of poll time and wake-to-poll. */
int wta_stats_write(const struct wta_model *m, FILE *f, int json);

/* ---------------------------------------------------------------- export */
/* Write m as Chrome trace JSON (object form) for ui.perfetto.dev. */
int wta_perfetto_write(const struct wta_model *m, FILE *f);

/* ---------------------------------------------------------------- diff */
/* Compare two traces; tasks are matched by name and spawn order. Writes
 * the first divergent scheduling decision and a summary to f. Returns 0
 * if the schedules agree, 1 if they differ, or -errno. */
int wta_diff(const struct wta_model *a, const struct wta_model *b, FILE *f);
/* Where the schedules first differ: the event index of that decision (its
 * poll.begin) in a and in b (nevents for a run with no such decision).
 * Returns 1 if they differ, 0 if not (*ea = *eb = 0), or -errno. */
int wta_diff_align(const struct wta_model *a, const struct wta_model *b, size_t *ea,
                   size_t *eb);

#ifdef __cplusplus
}
#endif

#endif /* WTA_MODEL_H */

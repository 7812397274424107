/*
 * viz_int.h - what viz/ files share with each other, listed per file (like
 * xv6's defs.h). Nothing here is public: users include wta_model.h.
 *
 * Field slots: an event keeps its fields in f[] in the order wta_events.h
 * lists them. The model's code names the slots it reads below; schema.c
 * checks this table against the event list each time a trace is loaded, so
 * a reordered field in wta_events.h is an error, not a silent misreading.
 */
#ifndef WTA_VIZ_INT_H
#define WTA_VIZ_INT_H

#include <stdarg.h>
#include <stdint.h>

#include "wta_model.h"

/* Every kind that has a `task` field has it first, but timer.insert and the
 * kinds that version 2 gave a task (last: WTA_FIELDS_ADDED). */
#define WTA_SLOT_LIST(X) \
    X(TASK,           TASK_SPAWN,     "task",     0) \
    X(SPAWN_PARENT,   TASK_SPAWN,     "parent",   1) \
    X(SPAWN_NAME,     TASK_SPAWN,     "name",     2) \
    X(DROP_WHY,       TASK_DROP,      "why",      1) \
    X(POLL_N,         POLL_END,       "poll",     1) \
    X(POLL_RESULT,    POLL_END,       "result",   2) \
    X(POLL_NEXT,      POLL_END,       "next",     3) \
    X(WAKERS,         WAKER_DROP,     "wakers",   1) \
    X(WAKE_SOURCE,    WAKER_WAKE,     "source",   1) \
    X(WAKE_OUTCOME,   WAKER_WAKE,     "outcome",  2) \
    X(WAKE_BY,        WAKER_WAKE,     "by",       3) \
    X(WAKE_CAUSE,     WAKER_WAKE,     "cause",    5) \
    X(QUEUE_NAME,     QUEUE_PUSH,     "queue",    1) \
    X(PARK_WORKER,    WORKER_PARK,    "worker",   0) \
    X(UNPARK_WORKER,  WORKER_UNPARK,  "worker",   0) \
    X(UNPARK_WHY,     WORKER_UNPARK,  "why",      1) \
    X(MWAKE_SOURCE,   MAIN_WAKE,      "source",   0) \
    X(MWAKE_BY,       MAIN_WAKE,      "by",       1) \
    X(MWAKE_CAUSE,    MAIN_WAKE,      "cause",    3) \
    X(MFLAG_WHEN,     MAIN_FLAG,      "when",     1) \
    X(MPOLL_RESULT,   MAIN_POLL_END,  "result",   1) \
    X(TIMER_ID,       TIMER_FIRE,     "timer",    0) \
    X(TIMER_DEADLINE, TIMER_INSERT,   "deadline", 1) \
    X(TIMER_TASK,     TIMER_INSERT,   "task",     2) \
    X(TIMER_LATE,     TIMER_FIRE,     "late_ns",  2) \
    X(FD,             IO_EVENT,       "fd",       0) \
    X(IO_INTEREST,    IO_REGISTER,    "interest", 1) \
    X(IO_READY,       IO_EVENT,       "ready",    1) \
    X(JOB,            BLOCKING_DONE,  "job",      0) \
    X(HMAIN_POLLS,    HANG_MAIN,      "polls",    0) \
    X(HMAIN_WAKERS,   HANG_MAIN,      "wakers",   2) \
    X(HANG_STATE,     HANG_TASK,      "state",    1) \
    X(HANG_IDLE,      HANG_TASK,      "idle_ns",  2) \
    X(HMAIN_IDLE,     HANG_MAIN,      "idle_ns",  1) \
    X(HANG_WAITS,     HANG_TASK,      "waits",    3) \
    X(HANG_ON,        HANG_TASK,      "on",       4) \
    X(HMAIN_WAITS,    HANG_MAIN,      "waits",    3) \
    X(HMAIN_ON,       HANG_MAIN,      "on",       4) \
    X(CHAN,           CHAN_SEND,      "chan",     0) \
    X(CLOSE_SIDE,     CHAN_CLOSE,     "side",     1) \
    X(DROPPED_N,      DROPPED,        "n",        0) \
    X(END_DROPPED,    TRACE_END,      "dropped",  0) \
    X(END_COMPLETE,   TRACE_END,      "complete", 1)

enum wta_slot {
#define WTA_SLOT_ENUM(id, kind, name, slot) S_##id = slot,
    WTA_SLOT_LIST(WTA_SLOT_ENUM)
#undef WTA_SLOT_ENUM
};

/* ---------------------------------------------------------------- strtab.c */
struct wta_strtab *wta_strtab_new(void);
void wta_strtab_free(struct wta_strtab *st);
/* Id of s[0..len) (interned on first use); -E2BIG past WTA_MAX_STR_BYTES. */
int64_t wta_strtab_intern(struct wta_strtab *st, const char *s, size_t len);
const char *wta_strtab_get(const struct wta_strtab *st, int64_t id);
size_t wta_strtab_bytes(const struct wta_strtab *st);

/* A map from 64-bit keys to 32-bit values, open addressing. */
struct wta_idmap {
    size_t n, cap;          /* cap is 0 or a power of two */
    uint64_t *keys;
    uint32_t *vals;         /* UINT32_MAX marks an empty slot */
};
void wta_idmap_init(struct wta_idmap *m);
void wta_idmap_destroy(struct wta_idmap *m);
void wta_idmap_clear(struct wta_idmap *m);
int wta_idmap_put(struct wta_idmap *m, uint64_t key, uint32_t val);  /* 0, -ENOMEM */
uint32_t wta_idmap_get(const struct wta_idmap *m, uint64_t key);     /* UINT32_MAX: none */
void wta_idmap_del(struct wta_idmap *m, uint64_t key);

/* ---------------------------------------------------------------- event.c */
/* Field k of kind: its name into name[16] and type ('u','i','s','b');
 * 0, or -ENOENT past the last field. */
int wta_schema_field(unsigned kind, int k, char name[16], char *type);
int wta_schema_slot(unsigned kind, const char *name);     /* -1 if none */
/* The newest format version whose traces may lack the field (0: all have it). */
int wta_schema_lacking(unsigned kind, const char *name);
/* 0 if every WTA_SLOT_LIST row matches wta_events.h, else the bad row + 1. */
int wta_schema_check_slots(void);
/* Write s as a JSON string literal (with quotes) to f; bytes that are not
 * UTF-8 become '?', so the output is always JSON. */
void wta_json_string(FILE *f, const char *s);
/* Write e's fields as JSON members, each after a comma (,"task":3,"poll":2),
 * for an object the caller opened: the JSON twin of wta_event_format. */
void wta_event_json_fields(FILE *f, const struct wta_model *m, const struct wta_ev *e);
/* Replace control characters in s with '?': text from a trace may reach a
 * terminal, and must not move its cursor or change its colours. */
void wta_sanitize(char *s);

/* ---------------------------------------------------------------- model.c */
void wta_model_diag(struct wta_model *m, enum wta_severity sev, uint32_t line,
                    const char *fmt, ...) __attribute__((format(printf, 4, 5)));
/* Sort, check and index the loaded events; 0 or -errno. */
int wta_model_build(struct wta_model *m);
/* Thread index of worker w ("w<w>"), or -1. */
int wta_model_worker_thread(const struct wta_model *m, uint64_t w);
/* Position of event i in its thread's event list (binary search). */
size_t wta_model_thread_pos(const struct wta_model *m, size_t i);
/* Is string id `id` equal to s? */
int wta_model_str_is(const struct wta_model *m, int64_t id, const char *s);

/* ---------------------------------------------------------------- flat.c */
/* One member of a flat JSON object as the scanner found it, pointing into
 * the line. type: 's' string, 'n' integer, 'b' boolean (n is 0 or 1), '0' null. */
#define WTA_FLAT_MAX 16             /* members in a line it takes */
struct wta_flat_member {
    const char *key;
    size_t key_len;
    char type;
    int escaped;                    /* a string with backslashes: decode it */
    const char *s;                  /* a string's bytes between its quotes */
    size_t len;
    int64_t n;
};
/* Scan s[0..len) as one flat JSON object into mem: the member count, or -1
 * if it is not one the scanner takes (then read the line with cJSON). */
int wta_flat_scan(const char *s, size_t len, struct wta_flat_member mem[WTA_FLAT_MAX]);
/* Decode string member m into out (room for m->len bytes; never longer):
 * its length, cut at a "\u0000" as cJSON's C string is. */
size_t wta_flat_string(const struct wta_flat_member *m, char *out);

/* ---------------------------------------------------------------- line.c */
/* Private load flag: read every line with cJSON, never with flat.c's
 * scanner. Both must give the same model; tests and the fuzzer check it. */
#define WTA_LOAD_CJSON (1u << 15)

#define WTA_KIND_SLOTS 256          /* > 2 * WTA_EV_COUNT: a short probe */
#define WTA_RECENT_SLOTS 256

/* The fields of one event kind, from wta_events.h, looked up once per load. */
struct kind_fields {
    int n;
    char type[WTA_MAX_FIELDS];
    int lacking[WTA_MAX_FIELDS];        /* newest format version that may lack it */
    size_t len[WTA_MAX_FIELDS];
    char name[WTA_MAX_FIELDS][16];
};

/* What reading one stream of lines needs to remember (load.c owns it). */
struct loader {
    struct wta_model *m;
    unsigned flags;
    uint32_t line;              /* number of the line being read */
    int header_done;
    int stop;                   /* a fatal error: read no further */
    char *buf;                  /* a line split across blocks */
    size_t len;
    int overlong;               /* the current line is past WTA_MAX_LINE */
    size_t events_cap;
    struct wta_idmap thread_ids;    /* string id of `th` -> thread index */
    int later_half;             /* lines are numbered from the split (load.c) */
    uint32_t second_header;     /* a later half's line holding a second header */
    char *scratch;              /* WTA_MAX_LINE bytes: a line's decoded strings */
    struct kind_fields kinds[WTA_EV_COUNT];
    uint8_t kind_slot[WTA_KIND_SLOTS];      /* hash of a kind's name -> kind + 1 */
    struct {                    /* short strings interned lately, by hash */
        uint8_t len;            /* 0: empty slot */
        char s[23];
        int64_t id;
    } recent[WTA_RECENT_SLOTS];
};
/* Fill ld->kinds; ld->scratch is the caller's. */
void wta_line_init(struct loader *ld);
/* Report a second header line (two traces in one file) at `line`. */
void wta_line_second_header(struct wta_model *m, uint32_t line);
/* Parse one whole line s[0..len) (no '\n'); `cut`: the file ended in it. */
void wta_line_load(struct loader *ld, const char *s, size_t len, int cut);
/* The index of the thread named by string id `name`, added on first sight;
 * -1 past WTA_MAX_THREADS. */
int wta_line_thread(struct loader *ld, int64_t name);

/* ---------------------------------------------------------------- tasks.c */
/* Step 3 of the build: resolve task ids, check polls, index tasks, links. */
int wta_model_tasks(struct wta_model *m);

/* ---------------------------------------------------------------- state.c */
/* Apply event i to s (s->at must be i). */
void wta_state_apply(const struct wta_model *m, struct wta_state *s, size_t i);
/* Empty state for m, at 0. */
int wta_state_reset(const struct wta_model *m, struct wta_state *s);
/* Grow *arr (of *cap elements of size sz) to hold n; 0 or -ENOMEM. */
int wta_reserve(void **arr, size_t *cap, size_t n, size_t sz);

/* ---------------------------------------------------------------- why.c */
/* Add one step (event ev, printf text) to w; 0 if w is full. */
int wta_why_step(struct wta_why *w, uint32_t ev, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* ---------------------------------------------------------------- cause.c */
/* Add the step for wake event i (waker.wake, main.wake), and then `then`
 * (NULL: nothing): its exact cause where the trace names one, else its
 * source. Returns the event the cause names (timer.fire, ...), or UINT32_MAX. */
uint32_t wta_why_wake_step(const struct wta_model *m, uint32_t i, const char *then,
                           struct wta_why *w);

/* ---------------------------------------------------------------- hang.c */
/* The event after `ev` in the task dump that follows a hang (call it first
 * with the hang itself): a hang.main or hang.task, or UINT32_MAX at the end. */
uint32_t wta_hang_dump_next(const struct wta_model *m, uint32_t ev);
/* What a dump's (waits, on) pair means, as words: "timer 3", "nothing: ...". */
void wta_wait_text(const struct wta_model *m, int64_t waits, int64_t on, char *buf,
                   size_t size);
/* Does hang.main or hang.task e say its waker is held by nothing? */
int wta_wait_is_nothing(const struct wta_model *m, const struct wta_ev *e);

/* ---------------------------------------------------------------- perfetto.c */
/* The export being written: its file, and whether no array element is out yet. */
struct wta_pf_out {
    FILE *f;
    int first;
};
#define WTA_PF_THREAD_PID 1     /* the process with a lane per trace thread */
#define WTA_PF_TASK_PID   2     /* the process with a lane per task */
/* Separate array elements: a comma before all but the first. */
void wta_pf_sep(struct wta_pf_out *o);
/* Write ,"key":us with ns precision (ns / 1000 with three decimals). */
void wta_pf_ts(FILE *f, const char *key, int64_t ns);

/* ---------------------------------------------------------------- perfetto_marks.c */
/* ,"args":{"event":ev,"ev":kind,<its fields>[,"end":{the same for end}]}:
 * the event that opened a slice (or is an instant), and the one that
 * closed it (UINT32_MAX: none, the trace ended). */
void wta_pf_args(struct wta_pf_out *o, const struct wta_model *m, uint32_t ev, uint32_t end);
/* Is an event of this kind shown as an instant on its lanes? */
int wta_pf_is_instant(uint8_t kind);
/* Event i as an instant on lane (pid, tid), named `name` or, if NULL, by its
 * kind (a note by its text). */
void wta_pf_instant(struct wta_pf_out *o, const struct wta_model *m, int pid, int tid,
                    uint32_t i, const char *name);
/* Counter tracks: each run queue's length, and how many workers are parked. */
void wta_pf_counters(struct wta_pf_out *o, const struct wta_model *m);

/* ---------------------------------------------------------------- keyframe.c */
/* Keyframes every WTA_KEYFRAME_EVERY events for m (after a clean build). */
int wta_keyframes_build(struct wta_model *m);
void wta_keyframes_free(struct wta_keyframes *kf);

#endif /* WTA_VIZ_INT_H */

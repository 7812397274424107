/*
 * perfetto.c - export a trace as Chrome trace JSON for ui.perfetto.dev.
 *
 * The object form {"traceEvents":[...],"displayTimeUnit":"ns"}, with ts and
 * dur in microseconds printed to the nanosecond. Two processes:
 *
 *   pid 1 "threads"  one lane per trace thread (main, w0.., ...): block_on
 *                    > waiting > reactor turn, main poll, task polls, parked
 *                    > reactor turn, blocking jobs, as complete ("X")
 *                    slices; and a "reactor" lane with every reactor turn,
 *                    timer fire and fd event, whichever thread ran it
 *   pid 2 "tasks"    one lane per task: its state over time (scheduled,
 *                    running, idle, notified), one slice after another
 *
 * Instants ("i", thread-scoped) mark the events that are moments, not
 * stretches (io, channel, select, the hang and its dump, notes, marks...),
 * each on its thread's lane and, when it names a task, on that task's lane
 * too. Every slice and instant carries its event as args: "event" (its
 * index, for `wta-trace cat --from`), "ev" and its fields; a slice also has
 * "end", the same for the event that closed it. Counter tracks ("C") on
 * pid 1 give each run queue's length and the number of parked workers.
 * Those three are written by perfetto_marks.c.
 *
 * Slices on a lane must nest. Each thread's slices come from a stack: an
 * opening event pushes, its closing event pops (closing anything opened
 * above it at the same instant), and the end of the trace closes the rest,
 * so no two slices on a lane can partly overlap.
 *
 * Wake arrows are flow events ("s" then "f", one id per wta_link). Perfetto
 * binds a flow event to the slice open on its lane at its timestamp, so
 * each wake gets its own short "wake" slice (2 ns, cut to the next event on
 * its thread so it still nests) with the "s" 1 ns inside it, and the "f" is
 * 1 ns inside the poll slice it caused ("bp":"e": the enclosing slice).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "viz_int.h"

#define TASK_PID WTA_PF_TASK_PID
#define THREAD_PID WTA_PF_THREAD_PID
#define DEPTH 16
#define NONE UINT32_MAX

struct open_slice {
    uint8_t kind;               /* the opening event's kind */
    uint32_t ev;
};

void wta_pf_sep(struct wta_pf_out *o)
{
    fputs(o->first ? "\n" : ",\n", o->f);
    o->first = 0;
}

void wta_pf_ts(FILE *f, const char *key, int64_t ns)
{
    fprintf(f, ",\"%s\":%lld.%03lld", key, (long long)(ns / 1000), (long long)(ns % 1000));
}

static void slice(struct wta_pf_out *o, const struct wta_model *m, int pid, int tid, const char *name,
                  int64_t t0, int64_t t1, uint32_t ev, uint32_t end)
{
    wta_pf_sep(o);
    fprintf(o->f, "{\"ph\":\"X\",\"cat\":\"wta\",\"pid\":%d,\"tid\":%d,\"name\":", pid, tid);
    wta_json_string(o->f, name);
    wta_pf_ts(o->f, "ts", t0);
    wta_pf_ts(o->f, "dur", t1 - t0);
    wta_pf_args(o, m, ev, end);
    fputc('}', o->f);
}

/* Name a process or thread lane and set its sort order. */
static void meta(struct wta_pf_out *o, int pid, int tid, const char *what, const char *name, int sort)
{
    wta_pf_sep(o);
    fprintf(o->f, "{\"ph\":\"M\",\"pid\":%d,\"tid\":%d,\"name\":\"%s_name\",\"args\":{\"name\":",
            pid, tid, what);
    wta_json_string(o->f, name);
    fprintf(o->f, "}}");
    wta_pf_sep(o);
    fprintf(o->f, "{\"ph\":\"M\",\"pid\":%d,\"tid\":%d,\"name\":\"%s_sort_index\","
            "\"args\":{\"sort_index\":%d}}", pid, tid, what, sort);
}

/* The kind that opens the slice closed by `kind`, or -1. */
static int opener(uint8_t kind)
{
    switch (kind) {
    case WTA_EV_BLOCK_ON_END: return WTA_EV_BLOCK_ON_BEGIN;
    case WTA_EV_MAIN_POLL_END: return WTA_EV_MAIN_POLL_BEGIN;
    case WTA_EV_MAIN_RESUME: return WTA_EV_MAIN_WAIT;
    case WTA_EV_POLL_END: return WTA_EV_POLL_BEGIN;
    case WTA_EV_REACTOR_TURN_END: return WTA_EV_REACTOR_TURN_BEGIN;
    case WTA_EV_WORKER_RESUME: case WTA_EV_WORKER_STOP: return WTA_EV_WORKER_PARK;
    case WTA_EV_BLOCKING_DONE: return WTA_EV_BLOCKING_START;
    default: return -1;
    }
}

/* Does an event of this kind open a slice? */
static int opens(uint8_t kind)
{
    for (unsigned k = 0; k < WTA_EV_COUNT; k++)
        if (opener((uint8_t)k) == kind)
            return 1;
    return 0;
}

/* The title of the slice opened by e. */
static void slice_name(const struct wta_model *m, const struct wta_ev *e, char *buf, size_t n)
{
    switch (e->kind) {
    case WTA_EV_POLL_BEGIN:
        snprintf(buf, n, "poll %s #%llu", wta_model_str(m, m->tasks[e->task - 1].name),
                 (unsigned long long)m->tasks[e->task - 1].id);
        break;
    case WTA_EV_MAIN_POLL_BEGIN: snprintf(buf, n, "main poll %lld", (long long)e->f[0]); break;
    case WTA_EV_WORKER_PARK: snprintf(buf, n, "parked"); break;
    case WTA_EV_MAIN_WAIT: snprintf(buf, n, "waiting"); break;
    case WTA_EV_REACTOR_TURN_BEGIN: snprintf(buf, n, "reactor turn"); break;
    case WTA_EV_BLOCKING_START: snprintf(buf, n, "blocking job %lld", (long long)e->f[0]); break;
    default: snprintf(buf, n, "block_on"); break;
    }
}

/* Close stack[d..] at event end (NONE: at the trace's end). */
static void close_to(struct wta_pf_out *o, const struct wta_model *m, int tid, struct open_slice *st,
                     int *depth, int d, uint32_t end)
{
    char name[160];
    int64_t t = m->events[end != NONE ? end : m->nevents - 1].t_ns;
    while (*depth > d) {
        const struct wta_ev *e = &m->events[st[--*depth].ev];
        slice_name(m, e, name, sizeof name);
        slice(o, m, THREAD_PID, tid, name, e->t_ns, t, st[*depth].ev,
              *depth == d ? end : NONE);
    }
}

static void thread_lane(struct wta_pf_out *o, const struct wta_model *m, size_t k,
                        const uint32_t *flow_of)
{
    const struct wta_thread *th = &m->threads[k];
    struct open_slice st[DEPTH];
    int depth = 0, tid = (int)k + 1;
    for (size_t p = 0; p < th->nevents; p++) {
        uint32_t i = th->evs[p];
        const struct wta_ev *e = &m->events[i];
        int op = opener(e->kind);
        if (op >= 0) {
            int d = depth;
            while (d > 0 && st[d - 1].kind != op)
                d--;
            if (d > 0)
                close_to(o, m, tid, st, &depth, d - 1, i);
        }
        if (opens(e->kind) && depth < DEPTH)
            st[depth++] = (struct open_slice){e->kind, i};
        if (flow_of[i] != 0) {      /* a wake or spawn that caused a poll */
            int64_t next = p + 1 < th->nevents ? m->events[th->evs[p + 1]].t_ns : e->t_ns;
            int64_t dur = next - e->t_ns < 2 ? next - e->t_ns : 2;
            slice(o, m, THREAD_PID, tid, e->kind == WTA_EV_TASK_SPAWN ? "spawn" : "wake",
                  e->t_ns, e->t_ns + dur, i, NONE);
            wta_pf_sep(o);
            fprintf(o->f, "{\"ph\":\"s\",\"cat\":\"wta\",\"name\":\"wake\",\"id\":%u,"
                    "\"pid\":%d,\"tid\":%d", flow_of[i], THREAD_PID, tid);
            wta_pf_ts(o->f, "ts", e->t_ns + dur / 2);
            fprintf(o->f, "}");
        }
        if (wta_pf_is_instant(e->kind)) {
            wta_pf_instant(o, m, THREAD_PID, tid, i, NULL);
            if (e->task != 0)
                wta_pf_instant(o, m, TASK_PID, (int)e->task, i, NULL);
        }
    }
    close_to(o, m, tid, st, &depth, 0, NONE);
}

/* The "reactor" lane: every reactor turn, whichever thread ran it, and its
 * timer fires and fd events as instants. A turn that starts before the
 * previous one ended (two threads in the reactor at once) stays on its own
 * thread's lane only, so this lane's slices never overlap. */
static void reactor_lane(struct wta_pf_out *o, const struct wta_model *m, int tid)
{
    uint32_t *open = calloc(m->nthreads, sizeof open[0]);     /* begin + 1 */
    int64_t last_end = -1, end = m->events[m->nevents - 1].t_ns;
    char name[96];
    if (open == NULL)
        return;
    for (size_t i = 0; i <= m->nevents; i++) {
        const struct wta_ev *e = i < m->nevents ? &m->events[i] : NULL;
        for (size_t k = 0; k < m->nthreads; k++) {
            if (open[k] == 0 || (e != NULL && (e->th != k || e->kind != WTA_EV_REACTOR_TURN_END)))
                continue;
            const struct wta_ev *b = &m->events[open[k] - 1];
            int64_t t1 = e != NULL ? e->t_ns : end;
            if (b->t_ns >= last_end) {
                snprintf(name, sizeof name, "turn on %s", m->threads[k].name);
                slice(o, m, THREAD_PID, tid, name, b->t_ns, t1, open[k] - 1,
                      e != NULL ? (uint32_t)i : NONE);
                last_end = t1;
            }
            open[k] = 0;
        }
        if (e == NULL)
            break;
        if (e->kind == WTA_EV_REACTOR_TURN_BEGIN)
            open[e->th] = (uint32_t)i + 1;
        if (e->kind == WTA_EV_TIMER_FIRE || e->kind == WTA_EV_IO_EVENT) {
            snprintf(name, sizeof name, "%s %lld", e->kind == WTA_EV_TIMER_FIRE ? "timer" : "fd",
                     (long long)e->f[0]);
            wta_pf_instant(o, m, THREAD_PID, tid, (uint32_t)i, name);
        }
    }
    free(open);
}

/* The task-lane slice name after e, or NULL for no slice (DONE, unborn). */
static const char *lane_state(const struct wta_ev *e, int running)
{
    if (running)
        return "running";
    switch (e->tstate) {
    case WTA_TS_SCHEDULED: return "scheduled";
    case WTA_TS_NOTIFIED: return "notified";
    case WTA_TS_IDLE: return "idle";
    default: return NULL;
    }
}

/* One task's lane: a slice per stretch of one state, back to back. */
static void task_lane(struct wta_pf_out *o, const struct wta_model *m, uint32_t task)
{
    const struct wta_task *t = &m->tasks[task - 1];
    const char *cur = NULL;
    int64_t since = 0;
    uint32_t since_ev = 0;
    int running = 0;
    for (size_t k = 0; k <= t->nevents; k++) {
        const struct wta_ev *e = k < t->nevents ? &m->events[t->evs[k]] : NULL;
        const char *now = NULL;
        int64_t at = e ? e->t_ns : m->events[m->nevents - 1].t_ns;
        if (e != NULL) {
            if (e->kind == WTA_EV_POLL_BEGIN) running = 1;
            if (e->kind == WTA_EV_POLL_END) running = 0;
            now = lane_state(e, running);
        }
        if (cur != NULL && (now == NULL || strcmp(now, cur) != 0)) {
            slice(o, m, TASK_PID, (int)task, cur, since, at, since_ev,
                  e != NULL ? t->evs[k] : NONE);
            cur = NULL;
        }
        if (now != NULL && cur == NULL) {
            cur = now;
            since = at;
            since_ev = t->evs[k];
        }
    }
}

int wta_perfetto_write(const struct wta_model *m, FILE *f)
{
    struct wta_pf_out o = {f, 1};
    char name[192];
    uint32_t *flow_of = calloc(m->nevents + 1, sizeof flow_of[0]);
    if (flow_of == NULL)
        return -ENOMEM;
    for (size_t k = 0; k < m->nlinks; k++)
        flow_of[m->links[k].cause] = (uint32_t)k + 1;
    fprintf(f, "{\"displayTimeUnit\":\"ns\",\"otherData\":{\"program\":");
    wta_json_string(f, m->header.program);
    fprintf(f, "},\"traceEvents\":[");
    snprintf(name, sizeof name, "wta %s", m->header.program);
    meta(&o, THREAD_PID, 0, "process", name, 1);
    meta(&o, TASK_PID, 0, "process", "tasks", 2);
    int has_reactor_thread = 0;
    for (size_t k = 0; k < m->nthreads; k++) {
        meta(&o, THREAD_PID, (int)k + 1, "thread", m->threads[k].name, (int)k);
        has_reactor_thread |= strcmp(m->threads[k].name, "reactor") == 0;
    }
    for (uint32_t t = 1; t <= m->ntasks; t++) {
        snprintf(name, sizeof name, "task %llu %s", (unsigned long long)m->tasks[t - 1].id,
                 wta_model_str(m, m->tasks[t - 1].name));
        meta(&o, TASK_PID, (int)t, "thread", name, (int)t);
    }
    for (size_t k = 0; m->nevents > 0 && k < m->nthreads; k++)
        thread_lane(&o, m, k, flow_of);
    if (m->nevents > 0 && !has_reactor_thread) {
        meta(&o, THREAD_PID, (int)m->nthreads + 1, "thread", "reactor", (int)m->nthreads);
        reactor_lane(&o, m, (int)m->nthreads + 1);
    }
    for (uint32_t t = 1; t <= m->ntasks; t++)
        task_lane(&o, m, t);
    wta_pf_counters(&o, m);
    for (size_t k = 0; k < m->nlinks; k++) {
        const struct wta_ev *e = &m->events[m->links[k].effect];
        const struct wta_thread *th = &m->threads[e->th];
        int64_t end = e->t_ns;      /* the poll's end: its thread's next poll.end */
        for (size_t p = wta_model_thread_pos(m, m->links[k].effect); p < th->nevents; p++)
            if (m->events[th->evs[p]].kind == WTA_EV_POLL_END) {
                end = m->events[th->evs[p]].t_ns;
                break;
            }
        wta_pf_sep(&o);
        fprintf(f, "{\"ph\":\"f\",\"bp\":\"e\",\"cat\":\"wta\",\"name\":\"wake\",\"id\":%zu,"
                "\"pid\":%d,\"tid\":%d", k + 1, THREAD_PID, (int)e->th + 1);
        wta_pf_ts(f, "ts", e->t_ns + (end - e->t_ns < 1 ? end - e->t_ns : 1));
        fprintf(f, "}");
    }
    fprintf(f, "\n]}\n");
    free(flow_of);
    return ferror(f) ? -EIO : 0;
}

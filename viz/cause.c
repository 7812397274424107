/*
 * cause.c - what woke a task, exactly: a wake's `cause`, in words and as an event.
 *
 * A waker.wake or main.wake names the thing that woke it by the id the
 * trace's other events give that thing (SCHEMA.md, "Wakers and run
 * queues"): a timer (timer.fire), an fd (io.event), a channel (chan.send,
 * chan.recv, chan.close), the task that finished (join.send, join.cancel) or
 * a blocking job (blocking.done; blocking.start for a wake from inside the
 * job). The runtime records that event on the waking thread just before the
 * wake, under the same lock or in the same poll, so it is found by walking
 * back along that thread: the latest one with that id is the one. The walk
 * is bounded (LOOKBACK) so a hand-made trace whose cause names nothing
 * costs a frame no more than that.
 *
 * A wake without a cause - a trace from before the field, or a source that
 * names nothing (task, main, external: `by` says who) - gives 0, and the
 * caller infers what it can from the events around the wake, as before.
 */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "viz_int.h"

/* How far back along the waking thread the named event may be: one
 * reactor turn's batch of fires and fd events is at most a few hundred. */
#define LOOKBACK 4096

/* Is event e the one a wake from `source` with this cause names? */
static int names(const struct wta_model *m, const struct wta_ev *e, const char *source,
                 int64_t cause)
{
    switch (e->kind) {
    case WTA_EV_TIMER_FIRE:
        return strcmp(source, "timer") == 0 && e->f[S_TIMER_ID] == cause;
    case WTA_EV_IO_EVENT:
        return strcmp(source, "reactor") == 0 && e->f[S_FD] == cause;
    case WTA_EV_CHAN_SEND:
    case WTA_EV_CHAN_RECV:
    case WTA_EV_CHAN_CLOSE:
        return strcmp(source, "chan") == 0 && e->f[S_CHAN] == cause;
    case WTA_EV_JOIN_SEND:
    case WTA_EV_JOIN_CANCEL:
        return strcmp(source, "join") == 0 && e->task != 0 &&
               m->tasks[e->task - 1].id == (uint64_t)cause;
    case WTA_EV_BLOCKING_DONE:
    case WTA_EV_BLOCKING_START:
        return strcmp(source, "blocking") == 0 && e->f[S_JOB] == cause;
    default:
        return 0;
    }
}

/* "task 4 'producer'", or the thread's name for an event outside any task. */
static void who(const struct wta_model *m, const struct wta_ev *e, char *buf, size_t size)
{
    if (e->task)
        snprintf(buf, size, "task %" PRIu64 " '%s'", m->tasks[e->task - 1].id,
                 wta_model_str(m, m->tasks[e->task - 1].name));
    else
        snprintf(buf, size, "%s", m->threads[e->th].name);
}

/* The phrase for the found event e (NULL: not found) named by source and cause. */
static void phrase(const struct wta_model *m, const struct wta_ev *e, const char *source,
                   int64_t cause, char *text, size_t size)
{
    char by[96];
    if (strcmp(source, "timer") == 0) {
        snprintf(text, size, "timer %" PRId64 " fired", cause);
    } else if (strcmp(source, "reactor") == 0) {
        const char *r = e ? wta_model_str(m, e->f[S_IO_READY]) : "";
        snprintf(text, size, "fd %" PRId64 " %s", cause,
                 strcmp(r, "r") == 0 ? "readable" : strcmp(r, "w") == 0 ? "writable" :
                 strcmp(r, "rw") == 0 ? "readable and writable" :
                 strcmp(r, "err") == 0 ? "error or hang-up" : "ready");
    } else if (strcmp(source, "chan") == 0 && e != NULL) {
        who(m, e, by, sizeof by);
        if (e->kind == WTA_EV_CHAN_CLOSE)
            snprintf(text, size, "channel %" PRId64 " closed (%s side) by %s", cause,
                     wta_model_str(m, e->f[S_CLOSE_SIDE]), by);
        else
            snprintf(text, size, "channel %" PRId64 " %s by %s", cause,
                     e->kind == WTA_EV_CHAN_SEND ? "send" : "recv (a slot freed)", by);
    } else if (strcmp(source, "chan") == 0) {
        snprintf(text, size, "channel %" PRId64, cause);
    } else if (strcmp(source, "join") == 0) {
        uint32_t t = wta_model_task_by_id(m, (uint64_t)cause);
        snprintf(text, size, "task %" PRId64 "%s%s%s %s (its JoinHandle)", cause,
                 t ? " '" : "", t ? wta_model_str(m, m->tasks[t - 1].name) : "", t ? "'" : "",
                 e && e->kind == WTA_EV_JOIN_CANCEL ? "dropped unfinished" : "finished");
    } else {
        snprintf(text, size, "blocking job %" PRId64 "%s", cause,
                 e && e->kind == WTA_EV_BLOCKING_START ? " (from inside it)" : " returned");
    }
}

int wta_wake_cause(const struct wta_model *m, size_t i, char *text, size_t size, uint32_t *ev)
{
    *ev = UINT32_MAX;
    if (size > 0)
        text[0] = '\0';
    if (i >= m->nevents)
        return 0;
    const struct wta_ev *w = &m->events[i];
    int64_t cause;
    const char *source;
    if (w->kind == WTA_EV_WAKER_WAKE) {
        source = wta_model_str(m, w->f[S_WAKE_SOURCE]);
        cause = w->f[S_WAKE_CAUSE];
    } else if (w->kind == WTA_EV_MAIN_WAKE) {
        source = wta_model_str(m, w->f[S_MWAKE_SOURCE]);
        cause = w->f[S_MWAKE_CAUSE];
    } else {
        return 0;
    }
    if (cause == 0 || (strcmp(source, "timer") != 0 && strcmp(source, "reactor") != 0 &&
                       strcmp(source, "chan") != 0 && strcmp(source, "join") != 0 &&
                       strcmp(source, "blocking") != 0))
        return 0;
    const struct wta_thread *th = &m->threads[w->th];
    size_t pos = wta_model_thread_pos(m, i);
    for (size_t p = pos, n = 0; p-- > 0 && n < LOOKBACK; n++)
        if (names(m, &m->events[th->evs[p]], source, cause)) {
            *ev = th->evs[p];
            break;
        }
    phrase(m, *ev == UINT32_MAX ? NULL : &m->events[*ev], source, cause, text, size);
    wta_sanitize(text);
    return 1;
}

/*
 * The why-chain step for wake event i, and then `then` (NULL: nothing):
 * what woke it, exactly where the trace says (its cause, and the event of
 * it), else its source. Returns the event the cause names, or UINT32_MAX.
 */
uint32_t wta_why_wake_step(const struct wta_model *m, uint32_t i, const char *then,
                           struct wta_why *w)
{
    const struct wta_ev *e = &m->events[i];
    char cause[128], at[24] = "", more[96] = "";
    uint32_t named;
    int exact = wta_wake_cause(m, i, cause, sizeof cause, &named);
    if (named != UINT32_MAX)
        snprintf(at, sizeof at, " at event %u", named);
    if (then != NULL)
        snprintf(more, sizeof more, "%s%s", exact ? "; " : ": ", then);
    if (e->kind == WTA_EV_MAIN_WAKE && exact)
        wta_why_step(w, i, "woken at event %u by main.wake: %s%s%s", i, cause, at, more);
    else if (e->kind == WTA_EV_MAIN_WAKE)
        wta_why_step(w, i, "woken at event %u by main.wake (source %s, by task %" PRId64 ")%s",
                     i, wta_model_str(m, e->f[S_MWAKE_SOURCE]), e->f[S_MWAKE_BY], more);
    else if (exact)
        wta_why_step(w, i, "woken by its waker: %s%s; %s, on '%s'%s", cause, at,
                     wta_model_str(m, e->f[S_WAKE_OUTCOME]), m->threads[e->th].name, more);
    else
        wta_why_step(w, i, "woken by its waker (source %s, %s) on '%s'%s",
                     wta_model_str(m, e->f[S_WAKE_SOURCE]),
                     wta_model_str(m, e->f[S_WAKE_OUTCOME]), m->threads[e->th].name, more);
    return named;
}

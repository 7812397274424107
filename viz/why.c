/*
 * why.c - "why is task T running now?": follow causes back to a root.
 *
 * A poll has one cause, found at load time (struct wta_link): the wake that
 * scheduled it, or the spawn for a first poll. A wake or a spawn happened on
 * some thread, inside some context, and that context is the next link:
 *
 *   inside another task's poll    -> why was *that* task polled? (repeat)
 *   after a timer.fire            -> the timer, armed at its timer.insert
 *   after an io.event             -> the fd became ready (root)
 *   after blocking.done           -> a blocking job returned (root)
 *   inside the main future's poll -> the main thread (root)
 *
 * A wake that names its cause (cause.c: the timer, fd, channel, finished
 * task or job, and the event of it) is exact: that event is the context,
 * or, for a channel's or a JoinHandle's, the poll it happened in. A wake
 * from an older trace is inferred: the context is found by walking back
 * along the waking thread's own events to the nearest event that opens one
 * (a poll.end or reactor.turn.end on the way means the wake happened
 * outside any context we know: a root too), and a chan.send or join.send
 * just before the wake in that poll is named as what woke it.
 * The chain stops after WTA_WHY_MAX steps; a wake cycle cannot loop it
 * because each step moves strictly back in the trace.
 */
#include <errno.h>
#include <inttypes.h>
#include <string.h>

#include "viz_int.h"

/* The event before i on i's thread that opened its context, or UINT32_MAX. */
static uint32_t context_of(const struct wta_model *m, size_t i)
{
    const struct wta_thread *th = &m->threads[m->events[i].th];
    for (size_t p = wta_model_thread_pos(m, i); p-- > 0;) {
        const struct wta_ev *e = &m->events[th->evs[p]];
        switch (e->kind) {
        case WTA_EV_POLL_BEGIN:
        case WTA_EV_MAIN_POLL_BEGIN:
        case WTA_EV_TIMER_FIRE:
        case WTA_EV_IO_EVENT:
        case WTA_EV_BLOCKING_DONE:
            return th->evs[p];
        case WTA_EV_POLL_END:
        case WTA_EV_MAIN_POLL_END:
        case WTA_EV_REACTOR_TURN_END:
        case WTA_EV_WORKER_PARK:
            return UINT32_MAX;
        default:
            break;
        }
    }
    return UINT32_MAX;
}

static uint32_t link_cause(const struct wta_model *m, uint32_t effect)
{
    size_t lo = 0, hi = m->nlinks;
    while (lo < hi) {
        size_t mid = (lo + hi) / 2;
        if (m->links[mid].effect < effect)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo < m->nlinks && m->links[lo].effect == effect ? m->links[lo].cause : UINT32_MAX;
}

/* "main" for task 0, else the task's name. */
static const char *task_name(const struct wta_model *m, uint32_t task)
{
    return task ? wta_model_str(m, m->tasks[task - 1].name) : "main";
}

int wta_why_step(struct wta_why *w, uint32_t ev, const char *fmt, ...)
{
    if (w->n == WTA_WHY_MAX)
        return 0;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(w->text[w->n], sizeof w->text[0], fmt, ap);
    va_end(ap);
    wta_sanitize(w->text[w->n]);
    w->ev[w->n++] = ev;
    return 1;
}

/* The timer.insert of the timer fired at event i, or UINT32_MAX. */
static uint32_t timer_insert(const struct wta_model *m, size_t i)
{
    for (size_t j = i; j-- > 0;)
        if (m->events[j].kind == WTA_EV_TIMER_INSERT &&
            m->events[j].f[S_TIMER_ID] == m->events[i].f[S_TIMER_ID])
            return (uint32_t)j;
    return UINT32_MAX;
}

/* Inside a poll (context ctx), what did the poller do just before the wake
 * at c that explains it: send on a channel, finish (join.send), close? */
static void explain_send(const struct wta_model *m, uint32_t ctx, uint32_t c, struct wta_why *w)
{
    const struct wta_thread *th = &m->threads[m->events[c].th];
    const char *who = task_name(m, m->events[ctx].task);
    for (size_t p = wta_model_thread_pos(m, c); p-- > 0 && th->evs[p] > ctx;) {
        const struct wta_ev *e = &m->events[th->evs[p]];
        if (e->kind == WTA_EV_CHAN_SEND)
            wta_why_step(w, th->evs[p], "%s sent on channel %" PRId64, who, e->f[S_CHAN]);
        else if (e->kind == WTA_EV_CHAN_CLOSE)
            wta_why_step(w, th->evs[p], "%s closed channel %" PRId64, who, e->f[S_CHAN]);
        else if (e->kind == WTA_EV_JOIN_SEND)
            wta_why_step(w, th->evs[p], "task %s finished: its output went to its JoinHandle",
                 task_name(m, e->task));
        else
            continue;
        return;
    }
}

/* The event a wake's cause names is its context when it opens one itself
 * (a timer's fire, an fd's event, a job's end or start); UINT32_MAX when it
 * happened inside a context (a channel operation, a task's end). */
static uint32_t exact_context(const struct wta_model *m, uint32_t named)
{
    if (named == UINT32_MAX)
        return UINT32_MAX;
    switch (m->events[named].kind) {
    case WTA_EV_TIMER_FIRE:
    case WTA_EV_IO_EVENT:
    case WTA_EV_BLOCKING_DONE:
    case WTA_EV_BLOCKING_START:
        return named;
    default:
        return UINT32_MAX;
    }
}

/* Explain the context event c; returns the poll.begin to continue from. */
static uint32_t explain_context(const struct wta_model *m, uint32_t c, struct wta_why *w)
{
    const struct wta_ev *e = &m->events[c];
    const char *th = m->threads[e->th].name;
    uint32_t ins;
    switch (e->kind) {
    case WTA_EV_POLL_BEGIN:
        return c;
    case WTA_EV_MAIN_POLL_BEGIN:
        wta_why_step(w, c, "inside poll %" PRId64 " of the main future on '%s' (root)",
                     e->f[0], th);
        return UINT32_MAX;
    case WTA_EV_TIMER_FIRE:
        wta_why_step(w, c, "timer %" PRId64 " fired on '%s', %" PRId64 " ns late", e->f[S_TIMER_ID],
             th, e->f[S_TIMER_LATE]);
        if ((ins = timer_insert(m, c)) != UINT32_MAX)
            wta_why_step(w, ins, "timer %" PRId64 " was armed by task %s for t=%" PRId64 " (root)",
                 e->f[S_TIMER_ID], task_name(m, m->events[ins].task),
                 m->events[ins].f[S_TIMER_DEADLINE]);
        return UINT32_MAX;
    case WTA_EV_IO_EVENT:
        wta_why_step(w, c, "fd %" PRId64 " became ready (%s) in the reactor on '%s' (root)",
             e->f[S_FD], wta_model_str(m, e->f[S_IO_READY]), th);
        return UINT32_MAX;
    case WTA_EV_BLOCKING_START:
        wta_why_step(w, c, "inside blocking job %" PRId64 " on '%s' (root)", e->f[S_JOB], th);
        return UINT32_MAX;
    default:
        wta_why_step(w, c, "blocking job %" PRId64 " returned on '%s' (root)", e->f[S_JOB], th);
        return UINT32_MAX;
    }
}

int wta_why(const struct wta_model *m, uint32_t task, size_t at, struct wta_why *w)
{
    if (task == 0 || task > m->ntasks || at >= m->nevents)
        return -EINVAL;
    memset(w, 0, sizeof *w);
    const struct wta_task *t = &m->tasks[task - 1];
    uint32_t poll = UINT32_MAX;
    for (size_t k = 0; k < t->nevents && t->evs[k] <= at; k++)
        if (m->events[t->evs[k]].kind == WTA_EV_POLL_BEGIN)
            poll = t->evs[k];
    if (poll == UINT32_MAX)
        return -ESRCH;
    while (poll != UINT32_MAX && w->n < WTA_WHY_MAX) {
        const struct wta_ev *p = &m->events[poll];
        wta_why_step(w, poll, "task %" PRIu64 " '%s' poll %" PRId64 " began on '%s'",
             m->tasks[p->task - 1].id, task_name(m, p->task), p->f[1],
             m->threads[p->th].name);
        uint32_t c = link_cause(m, poll);
        if (c == UINT32_MAX) {
            wta_why_step(w, poll, "no wake or spawn before this poll is recorded (root)");
            break;
        }
        const struct wta_ev *e = &m->events[c];
        uint32_t named = UINT32_MAX;   // the event the wake's cause names
        if (e->kind == WTA_EV_TASK_SPAWN)
            wta_why_step(w, c, "spawned on '%s' by %s at %s:%" PRId64, m->threads[e->th].name,
                 task_name(m, m->tasks[e->task - 1].parent),
                 wta_model_str(m, e->f[3]), e->f[4]);
        else
            named = wta_why_wake_step(m, c, NULL, w);
        uint32_t ctx = exact_context(m, named);
        if (ctx == UINT32_MAX)
            ctx = context_of(m, named != UINT32_MAX ? named : c);
        if (ctx == UINT32_MAX) {
            wta_why_step(w, c, "outside any poll or reactor event on '%s' (root)",
                 m->threads[e->th].name);
            break;
        }
        if (named == UINT32_MAX && (m->events[ctx].kind == WTA_EV_POLL_BEGIN ||
                                    m->events[ctx].kind == WTA_EV_MAIN_POLL_BEGIN))
            explain_send(m, ctx, c, w);
        poll = explain_context(m, ctx, w);
    }
    return 0;
}

/*
 * why_not.c - "why is task T not running at event I?", and the main future.
 *
 * A task that is not running is in one of four places, each with its own
 * question: not spawned yet, DONE (what ended it?), SCHEDULED or NOTIFIED
 * (queued: which workers could take it?), or IDLE (waiting for a wake: who
 * holds its waker?). For IDLE the answer is put together from what the
 * trace says about the task since its last Pending poll:
 *
 *   a lost wake       a waker.wake with outcome `lost` after that poll
 *   the hang dump     its hang.task names the structure that holds its
 *                     waker, or "nothing": the runtime's own answer
 *   its timers        a timer it armed that has not fired yet
 *   its last poll     the io, channel and select events it caused; an
 *                     io.op with -EAGAIN names the fd it waits for
 *   its waker clones  replayed +1/-1: a live clone may wake it; none left
 *                     means dropped (the last waker.drop) or never handed
 *                     out (no waker.clone since its last poll began)
 *
 * A channel operation that returns Pending records nothing (only a finished
 * one does), so without a hang dump the resources its last poll touched are
 * named as just that, never as a guess at the wait.
 *
 * The main future has no task id; `why --task 0` asks about it. Its facts
 * are block_on's events: main.poll.*, main.wake, main.wait, wait.external,
 * hang with its dump, block_on.end.
 */
#include <errno.h>
#include <inttypes.h>
#include <string.h>

#include "viz_int.h"

#define NONE UINT32_MAX

static const char *name_of(const struct wta_model *m, uint32_t task)
{
    return wta_model_str(m, m->tasks[task - 1].name);
}

static unsigned long long id_of(const struct wta_model *m, uint32_t task)
{
    return (unsigned long long)m->tasks[task - 1].id;
}

/* One line per event of the hang dump after the hang at event h. */
static void hang_lines(const struct wta_model *m, uint32_t h, struct wta_why *w)
{
    const struct wta_ev *e = &m->events[h];
    char wait[96];
    wta_why_step(w, h, "hang: nothing in the runtime can wake the main future (%" PRId64
                 " worker(s) parked, %" PRId64 " task(s) queued)", e->f[0], e->f[1]);
    for (uint32_t k = wta_hang_dump_next(m, h); k != NONE; k = wta_hang_dump_next(m, k)) {
        const struct wta_ev *d = &m->events[k];
        if (d->kind == WTA_EV_HANG_MAIN) {
            wta_wait_text(m, d->f[S_HMAIN_WAITS], d->f[S_HMAIN_ON], wait, sizeof wait);
            wta_why_step(w, k, "the dump: main, polled %" PRId64 " time(s), %" PRId64
                         " live waker clone(s), waits on %s", d->f[S_HMAIN_POLLS],
                         d->f[S_HMAIN_WAKERS], wait);
        } else if (d->task != 0) {
            wta_wait_text(m, d->f[S_HANG_WAITS], d->f[S_HANG_ON], wait, sizeof wait);
            wta_why_step(w, k, "the dump: task %llu '%s' %s waits on %s", id_of(m, d->task),
                         name_of(m, d->task), wta_model_str(m, d->f[S_HANG_STATE]), wait);
        }
    }
}

/* SCHEDULED or NOTIFIED: on a run queue, or about to be put back on one. */
static void queued(const struct wta_model *m, uint32_t task, size_t n,
                   const struct wta_task_state *ts, struct wta_why *w)
{
    const struct wta_task *t = &m->tasks[task - 1];
    uint32_t push = NONE;
    for (size_t k = n; k-- > 0 && push == NONE;)
        if (m->events[t->evs[k]].kind == WTA_EV_QUEUE_PUSH)
            push = t->evs[k];
        else if (m->events[t->evs[k]].kind == WTA_EV_POLL_END)
            break;
    if (push != NONE)
        wta_why_step(w, push, "task %llu '%s' is %s: on run queue '%s' since event %u "
                     "(%" PRId64 " queued), waiting for a worker to take it", id_of(m, task),
                     name_of(m, task), wta_tstate_name(ts->state),
                     wta_model_str(m, m->events[push].f[S_QUEUE_NAME]), push,
                     m->events[push].f[2]);
    else
        wta_why_step(w, t->evs[n - 1], "task %llu '%s' is %s: woken while its poll ran; "
                     "its worker puts it back on a run queue when the poll ends",
                     id_of(m, task), name_of(m, task), wta_tstate_name(ts->state));
    if (ts->woke != NONE)
        wta_why_wake_step(m, ts->woke, NULL, w);
}

/* The facts of its last poll (begin pb, end pe): io, channel, select. */
static void last_poll_resources(const struct wta_model *m, const struct wta_task *t,
                                size_t n, uint32_t pb, struct wta_why *w)
{
    char line[160];
    for (size_t k = 0; k < n; k++) {
        uint32_t i = t->evs[k];
        const struct wta_ev *e = &m->events[i];
        if (i < pb || (e->kind < WTA_EV_IO_REGISTER || e->kind > WTA_EV_SELECT_WINNER))
            continue;
        if (e->kind == WTA_EV_IO_OP && e->f[2] == -EAGAIN) {
            wta_why_step(w, i, "its %s on fd %" PRId64 " would block (EAGAIN): the reactor "
                         "wakes it when the fd is ready", wta_model_str(m, e->f[1]), e->f[S_FD]);
            continue;
        }
        wta_event_format(m, e, line, sizeof line);
        wta_why_step(w, i, "in its last poll: %s", line);
    }
}

/* IDLE: polled, Pending, waiting for a wake. n: its events up to `at`. */
static void idle(const struct wta_model *m, uint32_t task, size_t n, size_t at,
                 struct wta_why *w)
{
    const struct wta_task *t = &m->tasks[task - 1];
    uint32_t pb = NONE, pe = NONE, clone = NONE, drop = NONE, hang = NONE, lost = NONE;
    int64_t live = 0;
    for (size_t k = 0; k < n; k++) {
        uint32_t i = t->evs[k];
        const struct wta_ev *e = &m->events[i];
        switch (e->kind) {
        case WTA_EV_POLL_BEGIN: pb = i; pe = hang = lost = NONE; break;
        case WTA_EV_POLL_END: pe = i; break;
        case WTA_EV_WAKER_CLONE: live++; clone = i; break;
        case WTA_EV_WAKER_DROP: live--; drop = i; break;
        case WTA_EV_HANG_TASK: hang = i; break;
        case WTA_EV_WAKER_WAKE:
            if (wta_model_str_is(m, e->f[S_WAKE_OUTCOME], "lost"))
                lost = i;
            break;
        default: break;
        }
    }
    if (pe == NONE) {
        wta_why_step(w, t->spawn, "task %llu '%s' is IDLE: spawned at event %u, not yet "
                     "queued", id_of(m, task), name_of(m, task), t->spawn);
        return;
    }
    wta_why_step(w, pe, "task %llu '%s' is IDLE: its poll %" PRId64 " returned Pending at "
                 "event %u; it runs again only when its waker is woken", id_of(m, task),
                 name_of(m, task), m->events[pe].f[S_POLL_N], pe);
    if (lost != NONE)
        wta_why_step(w, lost, "a wake came at event %u and was lost (source %s): the "
                     "runtime dropped it", lost,
                     wta_model_str(m, m->events[lost].f[S_WAKE_SOURCE]));
    if (hang != NONE) {
        char wait[96];
        const struct wta_ev *d = &m->events[hang];
        wta_wait_text(m, d->f[S_HANG_WAITS], d->f[S_HANG_ON], wait, sizeof wait);
        wta_why_step(w, hang, "the hang's task dump: it waits on %s (%.3f %s since its "
                     "last poll began)", wait, (double)d->f[S_HANG_IDLE] /
                     (d->f[S_HANG_IDLE] >= 1000000 ? 1e6 : 1e3),
                     d->f[S_HANG_IDLE] >= 1000000 ? "ms" : "us");
    }
    struct wta_state s;
    int timers = 0;
    wta_state_init(&s);
    if (wta_model_seek(m, at + 1, &s) == 0)
        for (size_t k = 0; k < s.ntimers; k++)
            if (s.timers[k].task == task && ++timers)
                wta_why_step(w, (uint32_t)at, "its timer %" PRIu64 " is armed for t=%" PRIu64
                             " ns: the reactor wakes it then", s.timers[k].id,
                             s.timers[k].deadline_ns);
    wta_state_destroy(&s);
    last_poll_resources(m, t, n, pb, w);
    if (live > 0)
        wta_why_step(w, clone, "%" PRId64 " live clone(s) of its waker (the last made at "
                     "event %u, on '%s'): whoever holds one may wake it", live, clone,
                     m->threads[m->events[clone].th].name);
    else if (clone != NONE && clone > pb)
        wta_why_step(w, drop, "its waker was dropped: the last live clone went at event %u "
                     "on '%s'%s", drop, m->threads[m->events[drop].th].name,
                     timers ? "" : ", so nothing can wake it");
    else
        wta_why_step(w, pe, "its waker was never handed out: poll %" PRId64 " returned "
                     "Pending without cloning it (no waker.clone since event %u)%s",
                     m->events[pe].f[S_POLL_N], pb, timers ? "" : ", so nothing can wake it");
}

int wta_why_not(const struct wta_model *m, uint32_t task, size_t at, struct wta_why *w)
{
    struct wta_task_state ts;
    if (task == 0 || task > m->ntasks || at >= m->nevents ||
        wta_model_task_at(m, task, at + 1, &ts) < 0)
        return -EINVAL;
    memset(w, 0, sizeof *w);
    const struct wta_task *t = &m->tasks[task - 1];
    size_t n = 0;                   /* its events up to `at` */
    while (n < t->nevents && t->evs[n] <= at)
        n++;
    switch (ts.state) {
    case WTA_TS_RUNNING:
        return 1;
    case WTA_TS_UNBORN:
        wta_why_step(w, t->spawn, "task %llu '%s' is not spawned yet: its task.spawn is "
                     "event %u", id_of(m, task), name_of(m, task), t->spawn);
        break;
    case WTA_TS_DONE: {
        char line[120];
        size_t k = 0;
        while (m->events[t->evs[k]].tstate != WTA_TS_DONE)
            k++;
        wta_event_format(m, &m->events[t->evs[k]], line, sizeof line);
        wta_why_step(w, t->evs[k], "task %llu '%s' is DONE since event %u: %s",
                     id_of(m, task), name_of(m, task), t->evs[k], line);
        break;
    }
    case WTA_TS_SCHEDULED:
    case WTA_TS_NOTIFIED:
        queued(m, task, n, &ts, w);
        break;
    default:
        idle(m, task, n, at, w);
        break;
    }
    return 0;
}

/* The last event of kind `kind` at or before `at` (and after `after`, if
 * not NONE), or NONE. */
static uint32_t last_kind(const struct wta_model *m, int kind, size_t at, uint32_t after)
{
    for (size_t i = at + 1; i-- > 0 && (after == NONE || i > after);)
        if (m->events[i].kind == kind)
            return (uint32_t)i;
    return NONE;
}

/* block_on is between polls: why has the main future not been polled again? */
static void main_waiting(const struct wta_model *m, uint32_t pe, size_t at, struct wta_why *w)
{
    uint32_t wait = last_kind(m, WTA_EV_MAIN_WAIT, at, pe), wake = NONE, ext = NONE;
    wta_why_step(w, pe, "the main future is not running: its poll %" PRId64 " returned "
                 "Pending at event %u%s", m->events[pe].f[0], pe,
                 wait != NONE ? "; block_on waits for its waker" : "");
    for (size_t i = pe + 1; i <= at; i++) {
        const struct wta_ev *e = &m->events[i];
        if (e->kind == WTA_EV_MAIN_WAKE && wake == NONE)
            wake = (uint32_t)i;
        if (e->kind == WTA_EV_WAIT_EXTERNAL && e->f[S_TASK] == 0)
            ext = (uint32_t)i;
    }
    if (wake != NONE)
        wta_why_wake_step(m, wake, "block_on polls it next", w);
    else
        wta_why_step(w, pe, "no main.wake since that poll: nothing has woken it");
    if (ext != NONE)
        wta_why_step(w, ext, "all was idle at event %u, but %" PRId64 " of its waker's %"
                     PRId64 " live clone(s) are held outside the runtime: block_on keeps "
                     "waiting for them", ext, m->events[ext].f[1] - m->events[ext].f[2],
                     m->events[ext].f[1]);
    uint32_t h = last_kind(m, WTA_EV_HANG, at, pe);
    if (h != NONE)
        hang_lines(m, h, w);
}

int wta_why_main(const struct wta_model *m, size_t at, struct wta_why *w)
{
    if (at >= m->nevents)
        return -EINVAL;
    memset(w, 0, sizeof *w);
    uint32_t bb = last_kind(m, WTA_EV_BLOCK_ON_BEGIN, at, NONE);
    if (bb == NONE) {
        wta_why_step(w, (uint32_t)at, "the main future: block_on has not begun by event %zu",
                     at);
        return 0;
    }
    uint32_t be = last_kind(m, WTA_EV_BLOCK_ON_END, at, bb);
    uint32_t pb = last_kind(m, WTA_EV_MAIN_POLL_BEGIN, at, bb);
    uint32_t pe = last_kind(m, WTA_EV_MAIN_POLL_END, at, bb);
    if (be != NONE) {
        int64_t rc = m->events[be].f[0];
        wta_why_step(w, be, "the main future is not running: block_on returned %" PRId64
                     " at event %u%s", rc, be, rc == 0 ? " (it finished)"
                     : rc == -EDEADLK ? " (-EDEADLK: it hung)" : "");
        uint32_t h = last_kind(m, WTA_EV_HANG, be, bb);
        if (h != NONE)
            hang_lines(m, h, w);
    } else if (pb == NONE) {
        wta_why_step(w, bb, "block_on began at event %u and has not polled the main future "
                     "yet", bb);
    } else if (pe == NONE || pe < pb) {
        uint32_t prev = last_kind(m, WTA_EV_MAIN_POLL_END, pb, bb);
        uint32_t wake = last_kind(m, WTA_EV_MAIN_WAKE, pb, prev != NONE ? prev : bb);
        wta_why_step(w, pb, "the main future is running: its poll %" PRId64 " began at "
                     "event %u on '%s'", m->events[pb].f[0], pb,
                     m->threads[m->events[pb].th].name);
        if (wake != NONE)
            wta_why_wake_step(m, wake, NULL, w);
        else if (prev == NONE)
            wta_why_step(w, bb, "its first poll: block_on began at event %u", bb);
    } else {
        main_waiting(m, pe, at, w);
    }
    return 0;
}

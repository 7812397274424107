/*
 * lint_rules.c - every lint in one forward replay of the trace.
 *
 * The replay keeps the model's state (wta_state_apply) and, beside it, what
 * the rules need to remember: per task its live waker count, its last
 * Pending poll, whether it woke itself in the current poll and how many
 * polls in a row it did; per thread its current run of late timer fires.
 * A rule looks at the state *before* the event it judges, so "the queue
 * was not empty when the worker parked" means what it says.
 *
 * Each rule is exact, not a guess: it fires on one event kind under one
 * condition, named in its comment, and the near-miss traces in tests/data/
 * check the line between firing and not. A rule must not fire on a correct
 * program: tests/test_lint_runs.c records correct programs under contention
 * and checks it. (A rule that did - "a worker unparked for nothing", which
 * every work-stealing runtime does now and then - became a count in stats.)
 *
 * Live waker clones are counted by replaying +1 per waker.clone and -1 per
 * waker.drop, not read from their `wakers` field: that field is the count
 * the atomic returned, and two threads may stamp their events in the other
 * order. Even the replay can dip to 0 for a moment when a clone is stamped
 * after a drop that came later, so a task found with no waker is only a
 * suspect; it becomes a lost-wakeup at the end if no later event of the
 * task (a clone, a wake, a push, a poll) proves someone could still wake it.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "viz_int.h"

struct task_track {
    int64_t wakers;             /* live waker clones: clones - drops so far */
    uint32_t pending_at;        /* event + 1 of its last Pending poll.end */
    uint32_t suspect;           /* event + 1 where it was found with no waker */
    uint32_t join_send;         /* event + 1 of join.send, 0: none */
    uint8_t completed, detached, self_woke, state;
    uint32_t streak;            /* polls in a row that woke themselves */
};

struct thread_track {
    uint32_t late_at;           /* event + 1 of the first late timer.fire of this run */
    uint32_t late_last;         /* event + 1 of the last one */
    uint32_t late_n;            /* late fires in this run */
    int64_t late_max_ns;
    int64_t late_timer;         /* the id of the latest of them */
};

struct run {
    const struct wta_model *m;
    const struct wta_lint_config *c;
    struct wta_lints *out;
    struct wta_state s;
    struct task_track *tasks;   /* by dense index + 1 */
    struct thread_track *threads;
    uint32_t main_poll_at;      /* last main.poll.begin + 1 */
    int shutdown;               /* a shutdown unpark, worker.stop or runtime.stop seen */
    int err;
};

static void fire(struct run *r, enum wta_lint_kind k, size_t ev, uint32_t task,
                 const char *fmt, ...) __attribute__((format(printf, 5, 6)));
static void fire(struct run *r, enum wta_lint_kind k, size_t ev, uint32_t task,
                 const char *fmt, ...)
{
    struct wta_lints *l = r->out;
    if (r->c->allow & (1u << k)) {
        l->allowed[k]++;
        return;
    }
    if (l->n == l->cap) {
        size_t cap = l->cap ? l->cap * 2 : 16;
        struct wta_lint *items = realloc(l->items, cap * sizeof items[0]);
        if (items == NULL) {
            r->err = -ENOMEM;
            return;
        }
        l->items = items;
        l->cap = cap;
    }
    struct wta_lint *x = &l->items[l->n++];
    l->count[k]++;
    if (wta_lint_severity(k) == WTA_ERROR)
        l->nerrors++;
    else
        l->nwarnings++;
    x->kind = k;
    x->ev = (uint32_t)ev;
    x->task = task;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(x->msg, sizeof x->msg, fmt, ap);
    va_end(ap);
    wta_sanitize(x->msg);
}

/* The trace's id of a task (dense index + 1), for messages. */
static unsigned long long tid(const struct run *r, uint32_t task)
{
    return (unsigned long long)r->m->tasks[task - 1].id;
}

/* Does the task have a timer pending in s? */
static int has_timer(const struct wta_state *s, uint32_t task)
{
    for (size_t k = 0; k < s->ntimers; k++)
        if (s->timers[k].task == task)
            return 1;
    return 0;
}

/* lost-wakeup: task i's task is IDLE after a Pending poll and has no live
 * waker clone and no timer of its own: nothing can ever wake it. Judged at
 * the two events that can make it so - the poll.end that leaves it IDLE and
 * the waker.drop of its last clone - and not once shutdown has begun, when
 * the runtime drops every future (and so every clone) on purpose. Only a
 * suspect until the end: see the opening comment. */
static void check_lost(struct run *r, size_t i)
{
    const struct wta_ev *e = &r->m->events[i];
    struct task_track *t = &r->tasks[e->task];
    if (r->shutdown || e->tstate != WTA_TS_IDLE || t->wakers > 0 || t->pending_at == 0 ||
        has_timer(&r->s, e->task))
        return;
    if (t->suspect == 0)
        t->suspect = (uint32_t)i + 1;
}

/* The suspects nothing cleared are lost. */
static void judge_lost(struct run *r)
{
    for (uint32_t k = 1; k <= r->m->ntasks; k++) {
        const struct task_track *t = &r->tasks[k];
        if (t->suspect == 0)
            continue;
        const struct wta_ev *e = &r->m->events[t->suspect - 1];
        fire(r, WTA_LINT_LOST_WAKEUP, t->suspect - 1, k, "task %llu '%s' is Pending (since "
             "event %u) and %s: nothing can wake it", tid(r, k),
             wta_model_str(r->m, r->m->tasks[k - 1].name), t->pending_at - 1,
             e->kind == WTA_EV_POLL_END ? "holds no waker clone"
                                        : "its last waker clone was dropped");
    }
}

/* Did the push that queued `task` (its last queue.push before event i) go
 * on to unpark a worker? The pusher's unpark is its next such event, and a
 * sleeper that registered before parking may record its worker.park
 * between the push and that unpark. Looks at most 16 events on. */
static int push_unparked(const struct wta_model *m, uint32_t task, size_t i)
{
    const struct wta_task *t = &m->tasks[task - 1];
    size_t k = t->nevents;
    while (k > 0 && t->evs[k - 1] >= i)
        k--;
    while (k > 0 && m->events[t->evs[k - 1]].kind != WTA_EV_QUEUE_PUSH)
        k--;
    if (k == 0)
        return 0;
    uint32_t push = t->evs[k - 1];
    const struct wta_thread *th = &m->threads[m->events[push].th];
    size_t end = wta_model_thread_pos(m, push) + 16;
    for (size_t p = wta_model_thread_pos(m, push) + 1; p < th->nevents && p < end; p++) {
        const struct wta_ev *e = &m->events[th->evs[p]];
        if (e->kind == WTA_EV_QUEUE_PUSH)
            return 0;
        if (e->kind == WTA_EV_WORKER_UNPARK)
            return !wta_model_str_is(m, e->f[S_UNPARK_WHY], "shutdown");
    }
    return 0;
}

/* parked-with-work: a worker parks while its queues hold tasks and no
 * unpark is on its way to it, nor will the push of one of those tasks
 * unpark a worker (W3: the push found no sleeper). */
static void check_park(struct run *r, const struct wta_ev *e, size_t i)
{
    char local[32];
    uint32_t queued = 0;
    snprintf(local, sizeof local, "local-%lld", (long long)e->f[S_PARK_WORKER]);
    for (size_t q = 0; q < r->s.nqueues; q++) {
        const struct wta_queue *qu = &r->s.queues[q];
        const char *name = wta_model_str(r->m, qu->name);
        if (strcmp(name, "global") != 0 && strcmp(name, local) != 0)
            continue;
        for (uint32_t k = 0; k < qu->len; k++)
            if (push_unparked(r->m, qu->tasks[k], i))
                return;
        queued += qu->len;
    }
    if (r->s.threads[e->th].unpark_pending || (queued == 0 && e->f[1] == 0))
        return;
    // Another worker still awake will look at these queues before it sleeps
    // (a push while one searches wakes nobody, by design): not stranded.
    for (size_t k = 0; k < r->m->nthreads; k++) {
        const struct wta_thread_state *o = &r->s.threads[k];
        int parked = o->activity == WTA_ACT_PARKED ||
                     (o->activity == WTA_ACT_REACTOR && o->saved == WTA_ACT_PARKED);
        if (k != e->th && r->m->threads[k].worker >= 0 && !parked &&
            o->activity != WTA_ACT_STOPPED)
            return;
    }
    fire(r, WTA_LINT_PARKED_WITH_WORK, i, 0, "worker %lld parked with %u task(s) queued "
         "and no unpark coming", (long long)e->f[S_PARK_WORKER], queued ? queued : (uint32_t)e->f[1]);
}

/* long-poll and self-wake-loop close with the poll; it may leave the task lost. */
static void on_poll_end(struct run *r, const struct wta_ev *e, size_t i)
{
    struct task_track *t = &r->tasks[e->task];
    const struct wta_thread_state *th = &r->s.threads[e->th];
    int64_t dur = e->t_ns - r->m->events[th->since].t_ns;
    if (th->activity == WTA_ACT_RUNNING && dur > r->c->long_poll_ns)
        fire(r, WTA_LINT_LONG_POLL, th->since, e->task, "task %llu's poll %lld took %.3f ms "
             "(threshold %.3f ms)", tid(r, e->task), (long long)e->f[S_POLL_N], dur / 1e6,
             r->c->long_poll_ns / 1e6);
    int pending = wta_model_str_is(r->m, e->f[S_POLL_RESULT], "pending");
    if (pending) {
        t->pending_at = (uint32_t)i + 1;
        check_lost(r, i);
    }
    t->streak = t->self_woke && pending ? t->streak + 1 : 0;
    t->self_woke = 0;
    if (t->streak == r->c->self_wake_polls)
        fire(r, WTA_LINT_SELF_WAKE_LOOP, i, e->task, "task %llu woke itself and returned "
             "Pending %u polls in a row", tid(r, e->task), t->streak);
}

/* wake-lost-while-running; note a self-wake for self-wake-loop. */
static void on_wake(struct run *r, const struct wta_ev *e, size_t i)
{
    struct task_track *t = &r->tasks[e->task];
    const struct wta_thread_state *th = &r->s.threads[e->th];
    if (wta_model_str_is(r->m, e->f[S_WAKE_OUTCOME], "lost"))
        fire(r, WTA_LINT_WAKE_LOST, i, e->task, "the wake of task %llu (source %s) was lost "
             "while the task was %s", tid(r, e->task), wta_model_str(r->m, e->f[S_WAKE_SOURCE]),
             wta_tstate_name(t->state));
    if (th->activity == WTA_ACT_RUNNING && th->task == e->task)
        t->self_woke = 1;
}

/* Append "; task 3 'name' IDLE waits on ..." to buf[len..size) for each
 * hang.task of the dump after the hang at event i that waits on nothing
 * (nothing = 1) or on something (0); returns the new length. The first task
 * that waits on nothing goes to *culprit. */
static size_t dump_tasks(struct run *r, size_t i, int nothing, char *buf, size_t len,
                         size_t size, uint32_t *culprit)
{
    char wait[96];
    for (uint32_t k = wta_hang_dump_next(r->m, (uint32_t)i); k != UINT32_MAX;
         k = wta_hang_dump_next(r->m, k)) {
        const struct wta_ev *d = &r->m->events[k];
        if (d->kind != WTA_EV_HANG_TASK || d->task == 0 ||
            wta_wait_is_nothing(r->m, d) != nothing)
            continue;
        if (nothing && *culprit == 0)
            *culprit = d->task;
        wta_wait_text(r->m, d->f[S_HANG_WAITS], d->f[S_HANG_ON], wait, sizeof wait);
        if (len < size)
            len += (size_t)snprintf(buf + len, size - len, "; task %llu '%s' %s waits on %s",
                                    tid(r, d->task), wta_model_str(r->m, r->m->tasks[d->task - 1].name),
                                    wta_model_str(r->m, d->f[S_HANG_STATE]), wait);
    }
    return len;
}

/* hang: block_on gave up on the main future (-EDEADLK). With the task dump
 * (version 2), names what main waits on and every live task's wait, those
 * that wait on nothing first (usually the cause); without it, the tasks the
 * replay finds Pending with no waker. */
static void on_hang(struct run *r, const struct wta_ev *e, size_t i)
{
    char who[WTA_LINT_MSG] = "", wait[96];
    size_t len = 0, n = 0;
    uint32_t culprit = 0, k = wta_hang_dump_next(r->m, (uint32_t)i);
    if (k != UINT32_MAX && r->m->events[k].kind == WTA_EV_HANG_MAIN) {
        const struct wta_ev *d = &r->m->events[k];
        wta_wait_text(r->m, d->f[S_HMAIN_WAITS], d->f[S_HMAIN_ON], wait, sizeof wait);
        len = (size_t)snprintf(who, sizeof who, ": main (%lld poll(s)) waits on %s",
                               (long long)d->f[S_HMAIN_POLLS], wait);
        len = dump_tasks(r, i, 1, who, len, sizeof who, &culprit);
        dump_tasks(r, i, 0, who, len, sizeof who, &culprit);
        fire(r, WTA_LINT_HANG, i, culprit, "block_on gave up: nothing can wake the main "
             "future (%lld worker(s) parked, %lld task(s) queued)%s", (long long)e->f[0],
             (long long)e->f[1], who);
        return;
    }
    for (uint32_t t = 1; t <= r->m->ntasks; t++) {
        const struct task_track *tt = &r->tasks[t];
        if (tt->state != WTA_TS_IDLE || tt->wakers > 0 || tt->pending_at == 0 ||
            has_timer(&r->s, t))
            continue;
        if (culprit == 0)
            culprit = t;
        if (n++ < 3 && len < sizeof who)
            len += (size_t)snprintf(who + len, sizeof who - len, "%s%llu '%s'", n > 1 ? ", " : "",
                                    tid(r, t), wta_model_str(r->m, r->m->tasks[t - 1].name));
    }
    fire(r, WTA_LINT_HANG, i, culprit, "block_on gave up: nothing can wake the main future "
         "(%lld worker(s) parked, %lld task(s) queued); %zu task(s) wait with no waker%s%s%s",
         (long long)e->f[0], (long long)e->f[1], n, n ? ": " : "", who, n > 3 ? ", ..." : "");
}

/* late-timer: one finding per run of late fires on one thread, closed by a
 * fire on time (or the end): a reactor turn, or a stretch of a loaded
 * machine, that fires 2,000 timers late is one slow stretch, not 2,000
 * problems. (Workers fire due timers between polls too, outside any turn.) */
static void late_flush(struct run *r, struct thread_track *th, const char *thread)
{
    if (th->late_n == 1)
        fire(r, WTA_LINT_LATE_TIMER, th->late_at - 1, 0, "timer %lld fired %.3f ms after its "
             "deadline (threshold %.3f ms)", (long long)th->late_timer, th->late_max_ns / 1e6,
             r->c->late_timer_ns / 1e6);
    else if (th->late_n > 1)
        fire(r, WTA_LINT_LATE_TIMER, th->late_at - 1, 0, "%u timers fired late in a row on "
             "'%s' (events %u to %u), the worst %.3f ms after its deadline (threshold "
             "%.3f ms)", th->late_n, thread, th->late_at - 1, th->late_last - 1,
             th->late_max_ns / 1e6, r->c->late_timer_ns / 1e6);
    th->late_n = 0;
    th->late_max_ns = 0;
}

static void on_timer_fire(struct run *r, const struct wta_ev *e, size_t i)
{
    struct thread_track *th = &r->threads[e->th];
    if (e->f[S_TIMER_LATE] <= r->c->late_timer_ns) {
        late_flush(r, th, r->m->threads[e->th].name);
        return;
    }
    if (th->late_n++ == 0)
        th->late_at = (uint32_t)i + 1;
    th->late_last = (uint32_t)i + 1;
    if (e->f[S_TIMER_LATE] > th->late_max_ns)
        th->late_max_ns = e->f[S_TIMER_LATE];
    th->late_timer = e->f[S_TIMER_ID];
}

/* Judge event i against the state before it, then remember what the rules need. */
static void on_event(struct run *r, size_t i)
{
    const struct wta_ev *e = &r->m->events[i];
    struct task_track *t = &r->tasks[e->task];
    switch (e->kind) {
    case WTA_EV_WAKER_CLONE:
        t->wakers++;
        t->suspect = 0;         /* someone held a waker after all */
        break;
    case WTA_EV_WAKER_DROP:
        if (--t->wakers <= 0)
            check_lost(r, i);
        break;
    case WTA_EV_WAKER_WAKE:
        if (!wta_model_str_is(r->m, e->f[S_WAKE_OUTCOME], "lost"))
            t->suspect = 0;
        on_wake(r, e, i);
        break;
    case WTA_EV_QUEUE_PUSH: t->suspect = 0; break;
    case WTA_EV_POLL_BEGIN: t->suspect = 0; break;
    case WTA_EV_POLL_END: on_poll_end(r, e, i); break;
    case WTA_EV_JOIN_SEND: t->join_send = (uint32_t)i + 1; break;
    case WTA_EV_JOIN_COMPLETE: t->completed = 1; break;
    case WTA_EV_JOIN_DETACH: t->detached = 1; break;
    case WTA_EV_MAIN_POLL_BEGIN: r->main_poll_at = (uint32_t)i + 1; break;
    case WTA_EV_MAIN_FLAG:
        if (wta_model_str_is(r->m, e->f[S_MFLAG_WHEN], "after-poll") && r->s.main_ready &&
            r->s.main_ready_by + 1 > r->main_poll_at && r->main_poll_at != 0)
            fire(r, WTA_LINT_MAIN_FLAG, i, 0, "block_on cleared the MainWaker's flag after "
                 "the poll, erasing the wake at event %u", r->s.main_ready_by);
        break;
    case WTA_EV_HANG: on_hang(r, e, i); break;
    case WTA_EV_WORKER_UNPARK:
        if (wta_model_str_is(r->m, e->f[S_UNPARK_WHY], "shutdown"))
            r->shutdown = 1;
        break;
    case WTA_EV_RUNTIME_STOP:
    case WTA_EV_WORKER_STOP:
        r->shutdown = 1;
        break;
    case WTA_EV_WORKER_PARK: check_park(r, e, i); break;
    case WTA_EV_TIMER_FIRE: on_timer_fire(r, e, i); break;
    case WTA_EV_DROPPED:
        fire(r, WTA_LINT_DROPPED, i, 0, "the recorder lost %lld event(s) here",
             (long long)e->f[S_DROPPED_N]);
        break;
    case WTA_EV_TRACE_END:
        if (e->f[S_END_DROPPED] > 0 || !e->f[S_END_COMPLETE])
            fire(r, WTA_LINT_DROPPED, i, 0, "the trace ends incomplete: %lld event(s) lost",
                 (long long)e->f[S_END_DROPPED]);
        break;
    default:
        break;
    }
    if (e->task != 0 && e->kind != WTA_EV_TIMER_INSERT)
        t->state = e->tstate;
}

/* lost-wakeup, never-joined and a cut-short trace are judged at the end.
 * never-joined: a detached task's output is dropped by choice, so only a
 * handle that was kept and never awaited counts. */
static void at_end(struct run *r)
{
    const struct wta_model *m = r->m;
    judge_lost(r);
    for (size_t k = 0; k < m->nthreads; k++)
        late_flush(r, &r->threads[k], m->threads[k].name);
    for (uint32_t k = 1; k <= m->ntasks; k++) {
        struct task_track *t = &r->tasks[k];
        if (t->join_send && !t->completed && !t->detached)
            fire(r, WTA_LINT_NEVER_JOINED, t->join_send - 1, k, "task %llu '%s' sent its "
                 "output but nobody received it: its JoinHandle was kept but never awaited",
                 tid(r, k), wta_model_str(m, m->tasks[k - 1].name));
    }
    if (m->truncated && m->nevents > 0)
        fire(r, WTA_LINT_DROPPED, m->nevents - 1, 0, "the trace has no trace.end: it was "
             "cut short, and its last events are lost");
}

static int by_event(const void *a, const void *b)
{
    const struct wta_lint *x = a, *y = b;
    if (x->ev != y->ev)
        return x->ev < y->ev ? -1 : 1;
    return (int)x->kind - (int)y->kind;
}

int wta_lint_run(const struct wta_model *m, const struct wta_lint_config *c,
                 struct wta_lints *out)
{
    struct run r = {.m = m, .c = c, .out = out};
    memset(out, 0, sizeof *out);
    wta_state_init(&r.s);
    r.tasks = calloc(m->ntasks + 1, sizeof r.tasks[0]);
    r.threads = calloc(m->nthreads + 1, sizeof r.threads[0]);
    if (r.tasks == NULL || r.threads == NULL || wta_state_reset(m, &r.s) < 0)
        r.err = -ENOMEM;
    for (size_t i = 0; r.err == 0 && i < m->nevents; i++) {
        on_event(&r, i);
        wta_state_apply(m, &r.s, i);
    }
    if (r.err == 0)
        at_end(&r);
    wta_state_destroy(&r.s);
    free(r.tasks);
    free(r.threads);
    if (r.err < 0) {
        wta_lints_free(out);
        return r.err;
    }
    if (out->n > 0)
        qsort(out->items, out->n, sizeof out->items[0], by_event);
    return 0;
}

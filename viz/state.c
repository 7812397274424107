/*
 * state.c - the world after the first i events, one event at a time.
 *
 * The world at any moment is: what each thread is doing, each run queue's
 * contents, the pending timers, the registered fds, the MainWaker's flag.
 * wta_state_apply() moves it forward by one event; keyframe.c saves it every
 * K events so a seek never replays more than K - 1.
 *
 * Task states are not part of it: each task's own event list answers
 * "state at i" by binary search (wta_model_task_at), so a trace with many
 * tasks does not make every keyframe large.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "viz_int.h"

static const char *activity_names[WTA_ACT_COUNT] = {
    "idle", "running", "parked", "reactor", "block_on", "main-poll", "blocking", "stopped",
};

const char *wta_activity_name(enum wta_activity a)
{
    return (unsigned)a < WTA_ACT_COUNT ? activity_names[a] : "?";
}

void wta_state_init(struct wta_state *s)
{
    memset(s, 0, sizeof *s);
}

void wta_state_destroy(struct wta_state *s)
{
    free(s->threads);
    for (size_t q = 0; q < WTA_MAX_QUEUES; q++)
        free(s->queues[q].tasks);
    free(s->timers);
    free(s->fds);
    wta_state_init(s);
}

int wta_state_reset(const struct wta_model *m, struct wta_state *s)
{
    if (s->threads == NULL || s->nthreads != m->nthreads) {
        free(s->threads);
        s->threads = calloc(m->nthreads ? m->nthreads : 1, sizeof s->threads[0]);
        if (s->threads == NULL)
            return -ENOMEM;
        s->nthreads = m->nthreads;
    }
    if (s->nthreads > 0)
        memset(s->threads, 0, s->nthreads * sizeof s->threads[0]);
    for (size_t q = 0; q < s->nqueues; q++)
        s->queues[q].len = 0;
    s->nqueues = 0;
    s->ntimers = s->nfds = 0;
    s->main_ready = 0;
    s->main_ready_by = 0;
    s->at = 0;
    return 0;
}

/* Grow *arr (of *cap elements of size sz) to hold n; 0 or -ENOMEM. */
int wta_reserve(void **arr, size_t *cap, size_t n, size_t sz)
{
    if (n <= *cap)
        return 0;
    size_t c = *cap ? *cap * 2 : 16;
    while (c < n)
        c *= 2;
    void *p = realloc(*arr, c * sz);
    if (p == NULL)
        return -ENOMEM;
    *arr = p;
    *cap = c;
    return 0;
}

/* The run queue called `name`, made on first use; NULL past WTA_MAX_QUEUES. */
static struct wta_queue *queue(struct wta_state *s, int64_t name)
{
    for (size_t q = 0; q < s->nqueues; q++)
        if (s->queues[q].name == (uint32_t)name)
            return &s->queues[q];
    if (s->nqueues == WTA_MAX_QUEUES)
        return NULL;
    struct wta_queue *q = &s->queues[s->nqueues++];
    q->name = (uint32_t)name;
    q->len = 0;
    return q;
}

/* Remove task from q: usually the front (FIFO), else the back (LIFO slot),
 * else wherever it is. */
static void queue_remove(struct wta_queue *q, uint32_t task)
{
    size_t k = 0;
    if (q->len == 0)
        return;
    if (q->tasks[0] != task) {
        for (k = q->len - 1; k > 0 && q->tasks[k] != task; k--)
            ;
        if (k == 0)
            return;
    }
    memmove(&q->tasks[k], &q->tasks[k + 1], (q->len - k - 1) * sizeof q->tasks[0]);
    q->len--;
}

/* Thread th starts activity a (running `task`) at event i. */
static void set_activity(struct wta_state *s, uint16_t th, uint8_t a, uint32_t task, size_t i)
{
    s->threads[th].activity = a;
    s->threads[th].task = task;
    s->threads[th].since = (uint32_t)i;
}

/* timer.insert adds a pending timer; cancel and fire remove it. */
static void apply_timer(struct wta_state *s, const struct wta_ev *e)
{
    size_t k;
    if (e->kind == WTA_EV_TIMER_INSERT) {
        size_t cap = s->timers_cap;
        if (wta_reserve((void **)&s->timers, &cap, s->ntimers + 1, sizeof s->timers[0]) < 0)
            return;
        s->timers_cap = cap;
        s->timers[s->ntimers++] = (struct wta_timer){
            (uint64_t)e->f[S_TIMER_ID], (uint64_t)e->f[S_TIMER_DEADLINE], e->task};
        return;
    }
    for (k = s->ntimers; k > 0; k--)            /* newest first: usually short */
        if (s->timers[k - 1].id == (uint64_t)e->f[S_TIMER_ID])
            break;
    if (k == 0)
        return;
    memmove(&s->timers[k - 1], &s->timers[k], (s->ntimers - k) * sizeof s->timers[0]);
    s->ntimers--;
}

/* io.register adds (or updates) an fd; io.deregister removes it. */
static void apply_fd(struct wta_state *s, const struct wta_ev *e)
{
    size_t k;
    for (k = 0; k < s->nfds && s->fds[k].fd != e->f[S_FD]; k++)
        ;
    if (e->kind == WTA_EV_IO_DEREGISTER) {
        if (k < s->nfds)
            s->fds[k] = s->fds[--s->nfds];
        return;
    }
    if (k == s->nfds) {
        size_t cap = s->fds_cap;
        if (wta_reserve((void **)&s->fds, &cap, s->nfds + 1, sizeof s->fds[0]) < 0)
            return;
        s->fds_cap = cap;
        s->nfds++;
    }
    s->fds[k] = (struct wta_fd){e->f[S_FD], (uint32_t)e->f[S_IO_INTEREST]};
}

void wta_state_apply(const struct wta_model *m, struct wta_state *s, size_t i)
{
    const struct wta_ev *e = &m->events[i];
    struct wta_thread_state *th = &s->threads[e->th];
    struct wta_queue *q;
    int w;
    switch (e->kind) {
    case WTA_EV_WORKER_START:
    case WTA_EV_POLL_END:
    case WTA_EV_BLOCK_ON_END:
    case WTA_EV_BLOCKING_DONE:
        set_activity(s, e->th, WTA_ACT_IDLE, 0, i);
        break;
    case WTA_EV_WORKER_RESUME:
        set_activity(s, e->th, WTA_ACT_IDLE, 0, i);
        th->unpark_pending = 0;
        break;
    case WTA_EV_WORKER_STOP: set_activity(s, e->th, WTA_ACT_STOPPED, 0, i); break;
    case WTA_EV_WORKER_PARK: set_activity(s, e->th, WTA_ACT_PARKED, 0, i); break;
    case WTA_EV_POLL_BEGIN: set_activity(s, e->th, WTA_ACT_RUNNING, e->task, i); break;
    case WTA_EV_BLOCK_ON_BEGIN:
    case WTA_EV_MAIN_POLL_END:
        set_activity(s, e->th, WTA_ACT_BLOCK_ON, 0, i);
        break;
    case WTA_EV_MAIN_POLL_BEGIN: set_activity(s, e->th, WTA_ACT_MAIN_POLL, 0, i); break;
    case WTA_EV_BLOCKING_START: set_activity(s, e->th, WTA_ACT_BLOCKING, 0, i); break;
    case WTA_EV_REACTOR_TURN_BEGIN:
        th->saved = th->activity;
        set_activity(s, e->th, WTA_ACT_REACTOR, th->task, i);
        break;
    case WTA_EV_REACTOR_TURN_END:
        set_activity(s, e->th, th->saved, th->task, i);
        break;
    case WTA_EV_WORKER_UNPARK:
        if ((w = wta_model_worker_thread(m, (uint64_t)e->f[S_UNPARK_WORKER])) >= 0)
            s->threads[w].unpark_pending = 1;
        break;
    case WTA_EV_QUEUE_PUSH:
        if ((q = queue(s, e->f[S_QUEUE_NAME])) == NULL)
            break;
        size_t cap = q->cap;
        if (wta_reserve((void **)&q->tasks, &cap, q->len + 1, sizeof q->tasks[0]) == 0) {
            q->cap = (uint32_t)cap;
            q->tasks[q->len++] = e->task;
        }
        break;
    case WTA_EV_QUEUE_POP:
        if ((q = queue(s, e->f[S_QUEUE_NAME])) != NULL)
            queue_remove(q, e->task);
        break;
    case WTA_EV_MAIN_WAKE:
        s->main_ready = 1;
        s->main_ready_by = (uint32_t)i;
        break;
    case WTA_EV_MAIN_FLAG: s->main_ready = 0; break;
    case WTA_EV_TIMER_INSERT:
    case WTA_EV_TIMER_CANCEL:
    case WTA_EV_TIMER_FIRE:
        apply_timer(s, e);
        break;
    case WTA_EV_IO_REGISTER:
    case WTA_EV_IO_DEREGISTER:
        apply_fd(s, e);
        break;
    default:
        break;
    }
    s->at = i + 1;
}

int wta_model_task_at(const struct wta_model *m, uint32_t task, size_t i,
                      struct wta_task_state *out)
{
    if (task == 0 || task > m->ntasks || i > m->nevents)
        return -EINVAL;
    const struct wta_task *t = &m->tasks[task - 1];
    size_t lo = 0, hi = t->nevents;         /* count of its events before i */
    while (lo < hi) {
        size_t mid = (lo + hi) / 2;
        if (t->evs[mid] < i)
            lo = mid + 1;
        else
            hi = mid;
    }
    if (lo == 0) {
        *out = (struct wta_task_state){WTA_TS_UNBORN, 0, UINT32_MAX};
        return 0;
    }
    *out = (struct wta_task_state){(enum wta_tstate)m->events[t->evs[lo - 1]].tstate,
                                   t->polls[lo - 1], t->woke[lo - 1]};
    return 0;
}

/*
 * state.c - the state after the first i events, in O(log n + K).
 *
 * The world at any moment is: what each thread is doing, each run queue's
 * contents, the pending timers, the registered fds, the MainWaker's flag.
 * wta_state_apply() moves it forward by one event. To reach event i without
 * replaying from 0, the build saves a keyframe every K events: the whole
 * state flattened into 32-bit words in one pool. A seek restores keyframe
 * i / K and applies at most K - 1 events, so stepping back costs the same
 * as stepping forward.
 *
 * Keyframes cost (threads + queued + timers + fds) words each. A trace that
 * keeps a huge queue would make that n/K times a huge number, so the pool
 * is capped at 16 words per event; past that K doubles and the build starts
 * over. Task states are not in keyframes at all: each task's own event
 * list answers "state at i" by binary search (wta_model_task_at).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "viz_int.h"

struct wta_keyframes {
    uint32_t every;             /* K */
    size_t n;
    size_t *off;                /* keyframe k starts at pool[off[k]] */
    uint32_t *pool;
    size_t len, cap;
};

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
static int reserve(void **arr, size_t *cap, size_t n, size_t sz)
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

uint32_t wta_state_queue_len(const struct wta_state *s, int64_t name)
{
    for (size_t q = 0; q < s->nqueues; q++)
        if (s->queues[q].name == (uint32_t)name)
            return s->queues[q].len;
    return 0;
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

static void set_activity(struct wta_state *s, uint16_t th, uint8_t a, uint32_t task, size_t i)
{
    s->threads[th].activity = a;
    s->threads[th].task = task;
    s->threads[th].since = (uint32_t)i;
}

static void apply_timer(struct wta_state *s, const struct wta_ev *e)
{
    size_t k;
    if (e->kind == WTA_EV_TIMER_INSERT) {
        size_t cap = s->timers_cap;
        if (reserve((void **)&s->timers, &cap, s->ntimers + 1, sizeof s->timers[0]) < 0)
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
        if (reserve((void **)&s->fds, &cap, s->nfds + 1, sizeof s->fds[0]) < 0)
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
        if (reserve((void **)&q->tasks, &cap, q->len + 1, sizeof q->tasks[0]) == 0) {
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

/* ---------------------------------------------------------------- keyframes */
#define PUT(x) (kf->pool[kf->len++] = (uint32_t)(x))

static int save(struct wta_keyframes *kf, const struct wta_state *s)
{
    size_t need = 5 + s->nthreads * 3 + s->nqueues * 2 + s->ntimers * 5 + s->nfds * 3;
    for (size_t q = 0; q < s->nqueues; q++)
        need += s->queues[q].len;
    if (reserve((void **)&kf->pool, &kf->cap, kf->len + need, sizeof kf->pool[0]) < 0)
        return -ENOMEM;
    for (size_t t = 0; t < s->nthreads; t++) {
        const struct wta_thread_state *th = &s->threads[t];
        PUT(th->activity | th->saved << 8 | th->unpark_pending << 16);
        PUT(th->task);
        PUT(th->since);
    }
    PUT(s->main_ready);
    PUT(s->main_ready_by);
    PUT(s->nqueues);
    for (size_t q = 0; q < s->nqueues; q++) {
        PUT(s->queues[q].name);
        PUT(s->queues[q].len);
        if (s->queues[q].len > 0)
            memcpy(&kf->pool[kf->len], s->queues[q].tasks, s->queues[q].len * sizeof(uint32_t));
        kf->len += s->queues[q].len;
    }
    PUT(s->ntimers);
    for (size_t k = 0; k < s->ntimers; k++) {
        PUT(s->timers[k].id);
        PUT(s->timers[k].id >> 32);
        PUT(s->timers[k].deadline_ns);
        PUT(s->timers[k].deadline_ns >> 32);
        PUT(s->timers[k].task);
    }
    PUT(s->nfds);
    for (size_t k = 0; k < s->nfds; k++) {
        PUT(s->fds[k].fd);
        PUT((uint64_t)s->fds[k].fd >> 32);
        PUT(s->fds[k].interest);
    }
    return 0;
}

static int restore(const struct wta_model *m, const uint32_t *p, struct wta_state *s)
{
    int err = wta_state_reset(m, s);
    if (err < 0)
        return err;
    for (size_t t = 0; t < s->nthreads; t++, p += 3)
        s->threads[t] = (struct wta_thread_state){
            (uint8_t)p[0], (uint8_t)(p[0] >> 8), (uint8_t)(p[0] >> 16), p[1], p[2]};
    s->main_ready = (int)*p++;
    s->main_ready_by = *p++;
    s->nqueues = *p++;
    for (size_t q = 0; q < s->nqueues; q++) {
        struct wta_queue *qu = &s->queues[q];
        size_t cap = qu->cap;
        qu->name = *p++;
        qu->len = *p++;
        if (reserve((void **)&qu->tasks, &cap, qu->len, sizeof qu->tasks[0]) < 0)
            return -ENOMEM;
        qu->cap = (uint32_t)cap;
        if (qu->len > 0)
            memcpy(qu->tasks, p, qu->len * sizeof(uint32_t));
        p += qu->len;
    }
    s->ntimers = *p++;
    if (reserve((void **)&s->timers, &s->timers_cap, s->ntimers, sizeof s->timers[0]) < 0)
        return -ENOMEM;
    for (size_t k = 0; k < s->ntimers; k++, p += 5)
        s->timers[k] = (struct wta_timer){p[0] | (uint64_t)p[1] << 32,
                                          p[2] | (uint64_t)p[3] << 32, p[4]};
    s->nfds = *p++;
    if (reserve((void **)&s->fds, &s->fds_cap, s->nfds, sizeof s->fds[0]) < 0)
        return -ENOMEM;
    for (size_t k = 0; k < s->nfds; k++, p += 3)
        s->fds[k] = (struct wta_fd){(int64_t)(p[0] | (uint64_t)p[1] << 32), p[2]};
    return 0;
}

void wta_keyframes_free(struct wta_keyframes *kf)
{
    if (kf == NULL)
        return;
    free(kf->off);
    free(kf->pool);
    free(kf);
}

/* One build at K = every; -E2BIG if the pool would pass its cap. */
static int build(struct wta_model *m, struct wta_keyframes *kf, struct wta_state *s)
{
    size_t limit = 16 * m->nevents + (1u << 20);
    kf->n = m->nevents / kf->every + 1;
    kf->len = 0;
    free(kf->off);
    if ((kf->off = malloc(kf->n * sizeof kf->off[0])) == NULL)
        return -ENOMEM;
    int err = wta_state_reset(m, s);
    for (size_t i = 0; err == 0 && i <= m->nevents; i++) {
        if (i % kf->every == 0) {
            kf->off[i / kf->every] = kf->len;
            if ((err = save(kf, s)) == 0 && kf->len > limit)
                err = -E2BIG;
        }
        if (i < m->nevents)
            wta_state_apply(m, s, i);
    }
    return err;
}

static int keyframes_build(struct wta_model *m, unsigned every)
{
    struct wta_state s;
    struct wta_keyframes *kf = calloc(1, sizeof *kf);
    int err;
    if (kf == NULL)
        return -ENOMEM;
    wta_state_init(&s);
    kf->every = every;
    while ((err = build(m, kf, &s)) == -E2BIG && kf->every < (1u << 30))
        kf->every *= 2;
    wta_state_destroy(&s);
    if (err < 0) {
        wta_keyframes_free(kf);
        return err;
    }
    wta_keyframes_free(m->kf);
    m->kf = kf;
    return 0;
}

int wta_keyframes_build(struct wta_model *m)
{
    return keyframes_build(m, WTA_KEYFRAME_EVERY);
}

int wta_model_set_keyframes(struct wta_model *m, unsigned every)
{
    if (every == 0 || m->kf == NULL)
        return -EINVAL;
    return keyframes_build(m, every);
}

int wta_model_seek(const struct wta_model *m, size_t i, struct wta_state *s)
{
    if (m->kf == NULL || i > m->nevents)
        return -EINVAL;
    size_t k = i / m->kf->every;
    int err = restore(m, m->kf->pool + m->kf->off[k], s);
    if (err < 0)
        return err;
    for (size_t j = k * m->kf->every; j < i; j++)
        wta_state_apply(m, s, j);
    s->at = i;
    return 0;
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

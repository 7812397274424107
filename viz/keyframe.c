/*
 * keyframe.c - the state after the first i events, in O(log n + K).
 *
 * To reach event i without replaying from 0, the build saves a keyframe
 * every K events: the whole wta_state flattened into 32-bit words in one
 * pool. A seek restores keyframe i / K and applies at most K - 1 events, so
 * stepping back costs the same as stepping forward.
 *
 * Keyframes cost (threads + queued + timers + fds) words each. A trace that
 * keeps a huge queue would make that n/K times a huge number, so the pool
 * is capped at 16 words per event; past that K doubles and the build starts
 * over.
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
#define PUT(x) (kf->pool[kf->len++] = (uint32_t)(x))

/* Append s, flattened, to the pool. 0 or -ENOMEM. */
static int save(struct wta_keyframes *kf, const struct wta_state *s)
{
    size_t need = 5 + s->nthreads * 3 + s->nqueues * 2 + s->ntimers * 5 + s->nfds * 3;
    for (size_t q = 0; q < s->nqueues; q++)
        need += s->queues[q].len;
    if (wta_reserve((void **)&kf->pool, &kf->cap, kf->len + need, sizeof kf->pool[0]) < 0)
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

/* Rebuild s from the words at p (as save wrote them). 0 or -ENOMEM. */
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
        if (wta_reserve((void **)&qu->tasks, &cap, qu->len, sizeof qu->tasks[0]) < 0)
            return -ENOMEM;
        qu->cap = (uint32_t)cap;
        if (qu->len > 0)
            memcpy(qu->tasks, p, qu->len * sizeof(uint32_t));
        p += qu->len;
    }
    s->ntimers = *p++;
    if (wta_reserve((void **)&s->timers, &s->timers_cap, s->ntimers, sizeof s->timers[0]) < 0)
        return -ENOMEM;
    for (size_t k = 0; k < s->ntimers; k++, p += 5)
        s->timers[k] = (struct wta_timer){p[0] | (uint64_t)p[1] << 32,
                                          p[2] | (uint64_t)p[3] << 32, p[4]};
    s->nfds = *p++;
    if (wta_reserve((void **)&s->fds, &s->fds_cap, s->nfds, sizeof s->fds[0]) < 0)
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

/* Keyframes every `every` events, doubling it while the pool is over its cap. */
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

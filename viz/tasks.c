/*
 * tasks.c - replay the sorted trace once, task by task.
 *
 * Pass 1 walks every event in causal order. task.spawn gives an id its
 * dense index (tasks are numbered in spawn order, but a hand-made or broken
 * trace may skip or reuse ids, so a hash map is the truth). Any other event
 * that names a task must name a spawned one. Each thread has at most one
 * poll open: poll.begin opens it, poll.end must close the same task's.
 * The task's state follows the one state machine (wta.h):
 *
 *   IDLE --wake(scheduled)/push--> SCHEDULED --poll.begin--> RUNNING
 *   RUNNING --poll.end(idle)--> IDLE      RUNNING --wake--> NOTIFIED
 *   NOTIFIED --poll.end(requeue), push--> SCHEDULED   any --ready/drop--> DONE
 *
 * and each event records the state it left its task in (e->tstate).
 * A poll's cause is the latest wake that scheduled the task (or its spawn),
 * remembered until the poll.begin it leads to: that pair is a wta_link.
 * Pass 2 fills each task's event list with its poll count and last wake.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "viz_int.h"

static const char *state_names[] = {"IDLE", "SCHEDULED", "RUNNING", "NOTIFIED", "DONE",
                                    "UNBORN"};

const char *wta_tstate_name(enum wta_tstate s)
{
    return (unsigned)s <= WTA_TS_UNBORN ? state_names[s] : "?";
}

static void unexpected(struct wta_model *m, const struct wta_ev *e, uint8_t state,
                       const char *want)
{
    wta_model_diag(m, WTA_WARNING, e->line, "task %llu: %s while %s (expected %s)",
                   (unsigned long long)e->f[S_TASK], wta_event_name(e->kind),
                   wta_tstate_name(state), want);
}

/* The state task's event e leaves it in, from state s. */
static uint8_t step(struct wta_model *m, const struct wta_ev *e, uint8_t s)
{
    int64_t *f = (int64_t *)e->f;
    switch (e->kind) {
    case WTA_EV_TASK_SPAWN:
        return WTA_TS_IDLE;
    case WTA_EV_WAKER_WAKE:
        if (wta_model_str_is(m, f[S_WAKE_OUTCOME], "scheduled")) {
            if (s != WTA_TS_IDLE)
                unexpected(m, e, s, "IDLE for outcome scheduled");
            return WTA_TS_SCHEDULED;
        }
        if (wta_model_str_is(m, f[S_WAKE_OUTCOME], "notified-while-running")) {
            if (s != WTA_TS_RUNNING && s != WTA_TS_NOTIFIED)
                unexpected(m, e, s, "RUNNING for outcome notified-while-running");
            return WTA_TS_NOTIFIED;
        }
        return s;       /* already-scheduled, stale, lost: no change */
    case WTA_EV_QUEUE_PUSH:
        if (s == WTA_TS_RUNNING || s == WTA_TS_DONE)
            unexpected(m, e, s, "IDLE, SCHEDULED or NOTIFIED");
        return WTA_TS_SCHEDULED;
    case WTA_EV_POLL_BEGIN:
        if (s != WTA_TS_SCHEDULED)
            unexpected(m, e, s, "SCHEDULED");
        return WTA_TS_RUNNING;
    case WTA_EV_POLL_END:
        if (wta_model_str_is(m, f[S_POLL_RESULT], "ready") ||
            wta_model_str_is(m, f[S_POLL_NEXT], "done") ||
            wta_model_str_is(m, f[S_POLL_NEXT], "freed"))
            return WTA_TS_DONE;
        if (wta_model_str_is(m, f[S_POLL_NEXT], "requeue"))
            return WTA_TS_NOTIFIED;
        return s == WTA_TS_NOTIFIED ? WTA_TS_NOTIFIED : WTA_TS_IDLE;
    case WTA_EV_TASK_DROP:
    case WTA_EV_JOIN_CANCEL:
        return WTA_TS_DONE;
    default:
        return s;
    }
}

/* The dense index + 1 that e's task field names, adding it for a spawn;
 * 0 if e names no task or the task is unknown (a diagnostic is made). */
static uint32_t resolve(struct wta_model *m, struct wta_ev *e, uint32_t i)
{
    int slot = e->kind == WTA_EV_TIMER_INSERT ? S_TIMER_TASK : wta_schema_slot(e->kind, "task");
    if (slot < 0)
        return 0;
    uint64_t id = (uint64_t)e->f[slot];
    uint32_t k = wta_idmap_get(m->task_ids, id);
    if (e->kind == WTA_EV_TASK_SPAWN) {
        if (id == 0 || k != UINT32_MAX) {
            wta_model_diag(m, WTA_ERROR, e->line, id ? "task %llu spawned twice (first on "
                           "line %u)" : "task %llu: ids start at 1", (unsigned long long)id,
                           id ? m->events[m->tasks[k].spawn].line : 0);
            return 0;
        }
        if (m->ntasks % 1024 == 0) {
            struct wta_task *t = realloc(m->tasks, (m->ntasks + 1024) * sizeof *t);
            if (t == NULL) {
                wta_model_diag(m, WTA_ERROR, e->line, "out of memory");
                return 0;
            }
            m->tasks = t;
        }
        struct wta_task *t = &m->tasks[m->ntasks];
        memset(t, 0, sizeof *t);
        t->id = id;
        t->name = (uint32_t)e->f[S_SPAWN_NAME];
        t->spawn = i;
        t->parent = wta_model_task_by_id(m, (uint64_t)e->f[S_SPAWN_PARENT]);
        if (t->parent == 0 && e->f[S_SPAWN_PARENT] != 0)
            wta_model_diag(m, WTA_WARNING, e->line, "task %llu: parent %llu was never spawned",
                           (unsigned long long)id, (unsigned long long)e->f[S_SPAWN_PARENT]);
        if (wta_idmap_put(m->task_ids, id, (uint32_t)m->ntasks) < 0) {
            wta_model_diag(m, WTA_ERROR, e->line, "out of memory");
            return 0;
        }
        return (uint32_t)++m->ntasks;
    }
    /* Task 0 is "no task" (SCHEMA.md, "Ids"): a timer armed outside a task,
     * a oneshot that is not a JoinHandle, io or a channel used by main (the
     * task fields version 2 added). Polls, wakes and queues need one. */
    if (id == 0 && (e->kind == WTA_EV_TIMER_INSERT || e->kind == WTA_EV_JOIN_SEND ||
                    e->kind == WTA_EV_JOIN_COMPLETE || e->kind == WTA_EV_JOIN_CANCEL ||
                    e->kind == WTA_EV_JOIN_DETACH || e->kind == WTA_EV_PROCESS_END ||
                    e->kind == WTA_EV_WAIT_EXTERNAL ||
                    wta_schema_lacking(e->kind, "task") > 0))
        return 0;
    if (k == UINT32_MAX)
        wta_model_diag(m, WTA_ERROR, e->line, "%s of task %llu, which was never spawned",
                       wta_event_name(e->kind), (unsigned long long)id);
    return k == UINT32_MAX ? 0 : k + 1;
}

/* poll.begin/poll.end pairing on thread th; `open` holds each thread's
 * open poll (dense + 1, 0: none). */
static void check_poll(struct wta_model *m, const struct wta_ev *e, uint32_t *open,
                       const uint8_t *state)
{
    const char *th = m->threads[e->th].name;
    unsigned long long id = (unsigned long long)e->f[S_TASK];
    if (e->kind == WTA_EV_POLL_BEGIN) {
        if (open[e->th] != 0)
            wta_model_diag(m, WTA_ERROR, e->line, "poll.begin of task %llu on '%s' while "
                           "task %llu's poll is still open", id, th,
                           (unsigned long long)m->tasks[open[e->th] - 1].id);
        else if (state[e->task - 1] == WTA_TS_RUNNING)
            wta_model_diag(m, WTA_ERROR, e->line, "poll.begin of task %llu on '%s' while "
                           "another thread polls it", id, th);
        open[e->th] = e->task;
    } else {
        if (open[e->th] != e->task)
            wta_model_diag(m, WTA_ERROR, e->line, "poll.end of task %llu on '%s' without "
                           "its poll.begin", id, th);
        open[e->th] = 0;
    }
}

/* Pass 1: resolve, check, step. Counts each task's events in count[]. */
static int pass1(struct wta_model *m, uint32_t **count, size_t *nlinks)
{
    uint32_t open[WTA_MAX_THREADS] = {0};
    uint8_t *state = NULL;      /* per task, during the replay */
    size_t scap = 0, ccap = 0;
    *count = NULL;
    for (uint32_t i = 0; i < m->nevents; i++) {
        struct wta_ev *e = &m->events[i];
        e->task = resolve(m, e, i);
        if (wta_reserve((void **)&state, &scap, m->ntasks, sizeof state[0]) < 0 ||
            wta_reserve((void **)count, &ccap, m->ntasks, sizeof (*count)[0]) < 0) {
            free(state);
            return -ENOMEM;
        }
        if (e->task == 0)
            continue;
        uint32_t t = e->task - 1;
        if (e->kind == WTA_EV_TASK_SPAWN) {
            state[t] = WTA_TS_UNBORN;
            (*count)[t] = 0;
        }
        if (e->kind == WTA_EV_POLL_BEGIN || e->kind == WTA_EV_POLL_END)
            check_poll(m, e, open, state);
        *nlinks += e->kind == WTA_EV_POLL_BEGIN;
        if (e->kind != WTA_EV_TIMER_INSERT)
            state[t] = step(m, e, state[t]);
        e->tstate = state[t];
        (*count)[t]++;
    }
    free(state);
    return 0;
}

/* Pass 2: per-task lists and links. */
static int pass2(struct wta_model *m, const uint32_t *count, size_t nlinks)
{
    uint32_t *cause = calloc(m->ntasks + 1, sizeof cause[0]);
    m->links = malloc((nlinks + 1) * sizeof m->links[0]);
    if (cause == NULL || m->links == NULL) {
        free(cause);
        return -ENOMEM;
    }
    for (size_t t = 0; t < m->ntasks; t++) {
        struct wta_task *k = &m->tasks[t];
        k->evs = malloc(count[t] * sizeof(uint32_t));
        k->polls = malloc(count[t] * sizeof(uint32_t));
        k->woke = malloc(count[t] * sizeof(uint32_t));
        if (k->evs == NULL || k->polls == NULL || k->woke == NULL) {
            free(cause);
            return -ENOMEM;
        }
    }
    for (uint32_t i = 0; i < m->nevents; i++) {
        const struct wta_ev *e = &m->events[i];
        if (e->task == 0 || e->kind == WTA_EV_TIMER_INSERT)
            continue;
        struct wta_task *k = &m->tasks[e->task - 1];
        uint32_t n = k->nevents;
        k->polls[n] = n ? k->polls[n - 1] : 0;
        k->woke[n] = n ? k->woke[n - 1] : UINT32_MAX;
        if (e->kind == WTA_EV_TASK_SPAWN)
            cause[e->task] = i + 1;
        if (e->kind == WTA_EV_WAKER_WAKE) {
            k->woke[n] = i;
            if (wta_model_str_is(m, e->f[S_WAKE_OUTCOME], "scheduled") ||
                wta_model_str_is(m, e->f[S_WAKE_OUTCOME], "notified-while-running"))
                cause[e->task] = i + 1;
        }
        if (e->kind == WTA_EV_POLL_BEGIN) {
            k->polls[n]++;
            if (cause[e->task] != 0)
                m->links[m->nlinks++] = (struct wta_link){i, cause[e->task] - 1};
            cause[e->task] = 0;
        }
        k->evs[k->nevents++] = i;
    }
    free(cause);
    return 0;
}

int wta_model_tasks(struct wta_model *m)
{
    uint32_t *count = NULL;
    size_t nlinks = 0;
    m->task_ids = malloc(sizeof *m->task_ids);
    if (m->task_ids == NULL)
        return -ENOMEM;
    wta_idmap_init(m->task_ids);
    int err = pass1(m, &count, &nlinks);
    if (err == 0 && m->nerrors == 0)
        err = pass2(m, count, nlinks);
    free(count);
    return err;
}

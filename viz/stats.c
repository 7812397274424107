/*
 * stats.c - where the time went: per task, per thread, and latencies.
 *
 * Per task, time is split by what the task was doing between its own
 * events: busy (inside a poll, even if NOTIFIED meanwhile), scheduled
 * (SCHEDULED or NOTIFIED outside a poll: waiting in a queue) and idle
 * (IDLE: waiting for a wake). Time after DONE, or after the trace's last
 * event, is not counted. Per thread, the replayed state's activity is
 * summed the same way over the trace's span (first event to last), and
 * the time before the thread's first event or after its worker.stop is
 * "absent", so each thread's columns add up to the span. Unparks count the
 * wakes a worker got for work (not shutdown), and how many of those found
 * none: it parked again without a poll or a reactor turn, because another
 * worker took the task first (normal now and then; many mean the runtime
 * unparks too eagerly). Latencies: each poll's duration, and for each poll
 * caused by a wake, the time from that wake to the poll (struct wta_link).
 * Percentiles are nearest-rank over the sorted samples.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "viz_int.h"

static const char *sources[] = {"task", "reactor", "timer", "join", "main", "blocking",
                                "chan", "external", "other"};
#define NSOURCES 9

struct task_stats {
    uint32_t polls;
    int64_t busy_ns, sched_ns, idle_ns;
    uint32_t wakes[NSOURCES];
};

static int cmp_i64(const void *a, const void *b)
{
    int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
    return x < y ? -1 : x > y;
}

/* Nearest-rank percentile p (0..1) of n sorted samples; 0 if none. */
static int64_t pct(const int64_t *v, size_t n, double p)
{
    if (n == 0)
        return 0;
    size_t k = (size_t)(p * (double)n + 0.999999);
    return v[k ? k - 1 : 0];
}

/* One task's polls, busy / scheduled / idle ns and wakes by source. */
static void task_stats(const struct wta_model *m, uint32_t task, struct task_stats *st)
{
    const struct wta_task *t = &m->tasks[task - 1];
    int64_t end = m->events[m->nevents - 1].t_ns;
    int running = 0;
    memset(st, 0, sizeof *st);
    for (size_t k = 0; k < t->nevents; k++) {
        const struct wta_ev *e = &m->events[t->evs[k]];
        int64_t until = k + 1 < t->nevents ? m->events[t->evs[k + 1]].t_ns : end;
        if (e->kind == WTA_EV_POLL_BEGIN) {
            running = 1;
            st->polls++;
        } else if (e->kind == WTA_EV_POLL_END) {
            running = 0;
        } else if (e->kind == WTA_EV_WAKER_WAKE) {
            const char *src = wta_model_str(m, e->f[S_WAKE_SOURCE]);
            int s = 0;
            while (s < NSOURCES - 1 && strcmp(sources[s], src) != 0)
                s++;
            st->wakes[s]++;
        }
        if (running)
            st->busy_ns += until - e->t_ns;
        else if (e->tstate == WTA_TS_SCHEDULED || e->tstate == WTA_TS_NOTIFIED)
            st->sched_ns += until - e->t_ns;
        else if (e->tstate == WTA_TS_IDLE)
            st->idle_ns += until - e->t_ns;
    }
}

struct thread_stats {
    int64_t act[WTA_ACT_COUNT];     /* ns in each activity; STOPPED: absent */
    uint32_t unparks, no_work;
};

/* Count a worker's unparks for work, and those that found none. woken[th]:
 * 1 an unpark is on its way, 2 awake and not yet polled. */
static void count_unpark(const struct wta_model *m, const struct wta_ev *e,
                         struct thread_stats *st, uint8_t *woken)
{
    int w;
    switch (e->kind) {
    case WTA_EV_WORKER_UNPARK:
        if (!wta_model_str_is(m, e->f[S_UNPARK_WHY], "shutdown") &&
            (w = wta_model_worker_thread(m, (uint64_t)e->f[S_UNPARK_WORKER])) >= 0)
            woken[w] = 1;
        break;
    case WTA_EV_WORKER_RESUME:
        if (woken[e->th] == 1) {
            st[e->th].unparks++;
            woken[e->th] = 2;
        }
        break;
    case WTA_EV_POLL_BEGIN:
    case WTA_EV_REACTOR_TURN_BEGIN:
        if (woken[e->th] == 2)
            woken[e->th] = 0;
        break;
    case WTA_EV_WORKER_PARK:
        st[e->th].no_work += woken[e->th] == 2;
        woken[e->th] = 0;
        break;
    default:
        break;
    }
}

/* Per-thread ns in each activity and unparks, into st[nthreads]. */
static int thread_stats(const struct wta_model *m, struct thread_stats *st)
{
    struct wta_state s;
    int64_t *since = calloc(m->nthreads, sizeof since[0]);
    uint8_t *woken = calloc(m->nthreads, 1);
    int64_t t0 = m->events[0].t_ns, end = m->events[m->nevents - 1].t_ns;
    wta_state_init(&s);
    if (since == NULL || woken == NULL || wta_state_reset(m, &s) < 0) {
        free(since);
        free(woken);
        return -ENOMEM;
    }
    for (size_t t = 0; t < m->nthreads; t++) {
        since[t] = m->threads[t].nevents ? m->events[m->threads[t].evs[0]].t_ns : end;
        st[t].act[WTA_ACT_STOPPED] = since[t] - t0;     /* not started yet */
    }
    for (size_t i = 0; i < m->nevents; i++) {
        const struct wta_ev *e = &m->events[i];
        uint8_t before = s.threads[e->th].activity;
        wta_state_apply(m, &s, i);
        count_unpark(m, e, st, woken);
        if (s.threads[e->th].activity != before) {
            st[e->th].act[before] += e->t_ns - since[e->th];
            since[e->th] = e->t_ns;
        }
    }
    for (size_t t = 0; t < m->nthreads; t++)
        st[t].act[s.threads[t].activity] += end - since[t];
    wta_state_destroy(&s);
    free(since);
    free(woken);
    return 0;
}

/* Poll durations and wake-to-poll latencies, sorted. */
static int latencies(const struct wta_model *m, int64_t **polls, size_t *np,
                     int64_t **lat, size_t *nl)
{
    *np = *nl = 0;
    *polls = malloc((m->nevents + 1) * sizeof(int64_t));
    *lat = malloc((m->nlinks + 1) * sizeof(int64_t));
    if (*polls == NULL || *lat == NULL)
        return -ENOMEM;
    for (size_t k = 0; k < m->ntasks; k++) {
        const struct wta_task *t = &m->tasks[k];
        for (size_t j = 0; j + 1 < t->nevents; j++)
            if (m->events[t->evs[j]].kind == WTA_EV_POLL_BEGIN)
                for (size_t q = j + 1; q < t->nevents; q++)
                    if (m->events[t->evs[q]].kind == WTA_EV_POLL_END) {
                        (*polls)[(*np)++] = m->events[t->evs[q]].t_ns - m->events[t->evs[j]].t_ns;
                        break;
                    }
    }
    for (size_t k = 0; k < m->nlinks; k++)
        if (m->events[m->links[k].cause].kind == WTA_EV_WAKER_WAKE)
            (*lat)[(*nl)++] = m->events[m->links[k].effect].t_ns -
                              m->events[m->links[k].cause].t_ns;
    qsort(*polls, *np, sizeof(int64_t), cmp_i64);
    qsort(*lat, *nl, sizeof(int64_t), cmp_i64);
    return 0;
}

/* One line (or JSON member) of percentiles. */
static void write_pcts(FILE *f, const char *name, const int64_t *v, size_t n, int json)
{
    if (json)
        fprintf(f, "\"%s\":{\"n\":%zu,\"p50_ns\":%lld,\"p90_ns\":%lld,\"p99_ns\":%lld,"
                "\"max_ns\":%lld}", name, n, (long long)pct(v, n, .5), (long long)pct(v, n, .9),
                (long long)pct(v, n, .99), (long long)(n ? v[n - 1] : 0));
    else
        fprintf(f, "%-14s n=%-8zu p50 %10.3f us  p90 %10.3f us  p99 %10.3f us  max %10.3f us\n",
                name, n, pct(v, n, .5) / 1e3, pct(v, n, .9) / 1e3, pct(v, n, .99) / 1e3,
                (n ? v[n - 1] : 0) / 1e3);
}

/* The per-task table, or the JSON array's members. */
static void write_tasks(const struct wta_model *m, FILE *f, int json)
{
    struct task_stats st;
    if (!json)
        fprintf(f, "\n%8s %-20s %7s %12s %12s %12s  wakes by source\n", "task", "name",
                "polls", "busy us", "sched us", "idle us");
    for (uint32_t k = 1; k <= m->ntasks; k++) {
        task_stats(m, k, &st);
        if (json) {
            fprintf(f, "%s\n{\"task\":%llu,\"name\":", k > 1 ? "," : "",
                    (unsigned long long)m->tasks[k - 1].id);
            wta_json_string(f, wta_model_str(m, m->tasks[k - 1].name));
            fprintf(f, ",\"polls\":%u,\"busy_ns\":%lld,\"scheduled_ns\":%lld,\"idle_ns\":%lld,"
                    "\"wakes\":{", st.polls, (long long)st.busy_ns, (long long)st.sched_ns,
                    (long long)st.idle_ns);
            for (int s = 0; s < NSOURCES; s++)
                fprintf(f, "%s\"%s\":%u", s ? "," : "", sources[s], st.wakes[s]);
            fprintf(f, "}}");
            continue;
        }
        char name[21];
        snprintf(name, sizeof name, "%s", wta_model_str(m, m->tasks[k - 1].name));
        wta_sanitize(name);
        fprintf(f, "%8llu %-20s %7u %12.3f %12.3f %12.3f ",
                (unsigned long long)m->tasks[k - 1].id, name,
                st.polls, st.busy_ns / 1e3, st.sched_ns / 1e3, st.idle_ns / 1e3);
        for (int s = 0; s < NSOURCES; s++)
            if (st.wakes[s])
                fprintf(f, " %s=%u", sources[s], st.wakes[s]);
        fputc('\n', f);
    }
}

int wta_stats_write(const struct wta_model *m, FILE *f, int json)
{
    struct thread_stats *th = calloc(m->nthreads + 1, sizeof th[0]);
    int64_t *polls = NULL, *lat = NULL;
    size_t np, nl;
    int err = -ENOMEM;
    if (th == NULL || m->nevents == 0 || thread_stats(m, th) < 0 ||
        latencies(m, &polls, &np, &lat, &nl) < 0)
        goto out;
    int64_t span = m->events[m->nevents - 1].t_ns - m->events[0].t_ns;
    if (json)
        fprintf(f, "{\"nevents\":%zu,\"ntasks\":%zu,\"span_ns\":%lld,\"threads\":[",
                m->nevents, m->ntasks, (long long)span);
    else
        fprintf(f, "%s: %zu events, %zu tasks, %zu threads, %.3f ms\n\n%-10s %12s %12s "
                "%12s %12s %12s %8s %8s\n", m->path, m->nevents, m->ntasks, m->nthreads,
                span / 1e6, "thread", "busy us", "parked us", "reactor us", "idle us",
                "absent us", "unparks", "no work");
    for (size_t t = 0; t < m->nthreads; t++) {
        const int64_t *act = th[t].act;
        int64_t busy = act[WTA_ACT_RUNNING] + act[WTA_ACT_MAIN_POLL] + act[WTA_ACT_BLOCKING];
        int64_t idle = act[WTA_ACT_IDLE] + act[WTA_ACT_BLOCK_ON];
        if (json) {
            fprintf(f, "%s\n{\"thread\":", t ? "," : "");
            wta_json_string(f, m->threads[t].name);
            fprintf(f, ",\"busy_ns\":%lld,\"parked_ns\":%lld,\"reactor_ns\":%lld,"
                    "\"idle_ns\":%lld,\"absent_ns\":%lld,\"unparks\":%u,"
                    "\"unparks_no_work\":%u}", (long long)busy, (long long)act[WTA_ACT_PARKED],
                    (long long)act[WTA_ACT_REACTOR], (long long)idle,
                    (long long)act[WTA_ACT_STOPPED], th[t].unparks, th[t].no_work);
        } else {
            fprintf(f, "%-10s %12.3f %12.3f %12.3f %12.3f %12.3f %8u %8u\n",
                    m->threads[t].name, busy / 1e3, act[WTA_ACT_PARKED] / 1e3,
                    act[WTA_ACT_REACTOR] / 1e3, idle / 1e3, act[WTA_ACT_STOPPED] / 1e3,
                    th[t].unparks, th[t].no_work);
        }
    }
    if (json)
        fprintf(f, "],\"tasks\":[");
    write_tasks(m, f, json);
    fprintf(f, json ? "],\"latency\":{" : "\n");
    write_pcts(f, "poll", polls, np, json);
    fprintf(f, json ? "," : "");
    write_pcts(f, "wake_to_poll", lat, nl, json);
    fprintf(f, json ? "}}\n" : "");
    err = 0;
out:
    free(th);
    free(polls);
    free(lat);
    return err;
}

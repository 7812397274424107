/*
 * model.c - turn the loaded lines into the model: order, check, index.
 *
 * 1. Threads are put in the schema's order (main, w0.., reactor,
 *    blocking-K, ext-K, others by first appearance) and events sorted by
 *    (t, thread, seq): the trace's one causal order (SCHEMA.md, "Order").
 * 2. Each thread's seq must then rise by one at a time. A repeated seq is an
 *    error; a lower seq after a higher one means t went backwards on that
 *    thread (sorting by t put them out of seq order), also an error. A gap
 *    is a warning: events were lost.
 * 3. Tasks are replayed: ids resolve to dense indices (a reference to a task
 *    never spawned is an error), each poll.end must close the poll.begin
 *    open on its thread, and the task state machine (IDLE -> SCHEDULED ->
 *    RUNNING -> IDLE | NOTIFIED -> SCHEDULED | DONE) is followed; a move it
 *    does not allow is a warning naming both states, since bug modes (W2,
 *    W4) make odd but real traces.
 * 4. Indices: each thread's and each task's events, and for each poll the
 *    event that caused it (struct wta_link). Then keyframes (state.c).
 */
#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "viz_int.h"

_Static_assert(sizeof(struct wta_ev) == 72, "an event is 72 bytes: see the benchmark");

void wta_model_diag(struct wta_model *m, enum wta_severity sev, uint32_t line,
                    const char *fmt, ...)
{
    m->ndiags++;
    if (sev == WTA_ERROR)
        m->nerrors++;
    else
        m->nwarnings++;
    if (m->ndiags > WTA_MAX_DIAGS)
        return;
    if (m->diags == NULL && (m->diags = calloc(WTA_MAX_DIAGS, sizeof m->diags[0])) == NULL)
        return;
    char buf[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(buf, sizeof buf, fmt, ap);
    va_end(ap);
    wta_sanitize(buf);
    struct wta_diag *d = &m->diags[m->ndiags - 1];
    d->severity = sev;
    d->line = line;
    d->msg = strdup(buf);
}

void wta_model_print_diags(const struct wta_model *m, FILE *f)
{
    size_t kept = m->ndiags < WTA_MAX_DIAGS ? m->ndiags : WTA_MAX_DIAGS;
    for (size_t i = 0; i < kept; i++) {
        const struct wta_diag *d = &m->diags[i];
        fprintf(f, "%s:%u: %s: %s\n", m->path, d->line,
                d->severity == WTA_ERROR ? "error" : "warning", d->msg ? d->msg : "?");
    }
    if (m->ndiags > kept)
        fprintf(f, "%s: %zu more problems not shown (WTA_MAX_DIAGS)\n", m->path,
                m->ndiags - kept);
}

void wta_model_free(struct wta_model *m)
{
    if (m == NULL)
        return;
    size_t kept = m->ndiags < WTA_MAX_DIAGS ? m->ndiags : WTA_MAX_DIAGS;
    for (size_t i = 0; m->diags && i < kept; i++)
        free(m->diags[i].msg);
    for (size_t i = 0; i < m->nthreads; i++)
        free(m->threads[i].evs);
    for (size_t i = 0; i < m->ntasks; i++) {
        free(m->tasks[i].evs);
        free(m->tasks[i].polls);
        free(m->tasks[i].woke);
    }
    if (m->task_ids)
        wta_idmap_destroy(m->task_ids);
    free(m->task_ids);
    wta_keyframes_free(m->kf);
    wta_strtab_free(m->strs);
    free(m->diags);
    free(m->threads);
    free(m->tasks);
    free(m->links);
    free(m->events);
    free(m->path);
    free(m);
}

const char *wta_model_str(const struct wta_model *m, int64_t id)
{
    return wta_strtab_get(m->strs, id);
}

int wta_model_str_is(const struct wta_model *m, int64_t id, const char *s)
{
    return strcmp(wta_strtab_get(m->strs, id), s) == 0;
}

uint32_t wta_model_task_by_id(const struct wta_model *m, uint64_t id)
{
    uint32_t k = m->task_ids ? wta_idmap_get(m->task_ids, id) : UINT32_MAX;
    return k == UINT32_MAX ? 0 : k + 1;
}

int wta_model_worker_thread(const struct wta_model *m, uint64_t w)
{
    for (size_t i = 0; i < m->nthreads; i++)
        if (m->threads[i].worker >= 0 && (uint64_t)m->threads[i].worker == w)
            return (int)i;
    return -1;
}

/* Position of event i in its thread's event list. */
size_t wta_model_thread_pos(const struct wta_model *m, size_t i)
{
    const struct wta_thread *th = &m->threads[m->events[i].th];
    size_t lo = 0, hi = th->nevents;
    while (lo < hi) {
        size_t mid = (lo + hi) / 2;
        if (th->evs[mid] < i)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo;
}

/* ---------------------------------------------------------------- order */
/* Sort key of a thread name: class (main, wK, reactor, blocking-K, ext-K,
 * other) and number, then first appearance. */
static uint64_t thread_rank(const char *name, size_t first, int32_t *worker)
{
    static const char *prefix[] = {"w", "blocking-", "ext-"};
    static const uint64_t cls[] = {1, 3, 4};
    *worker = -1;
    if (strcmp(name, "main") == 0)
        return 0;
    if (strcmp(name, "reactor") == 0)
        return 2ull << 40;
    for (int p = 0; p < 3; p++) {
        size_t n = strlen(prefix[p]);
        char *end;
        if (strncmp(name, prefix[p], n) != 0 || name[n] < '0' || name[n] > '9')
            continue;
        unsigned long k = strtoul(name + n, &end, 10);
        if (*end != '\0' || k >= (1ul << 30))
            continue;
        if (p == 0)
            *worker = (int32_t)k;
        return cls[p] << 40 | k;
    }
    return 5ull << 40 | first;
}

static int cmp_rank(const void *a, const void *b, void *keys)
{
    const uint64_t *k = keys;
    uint64_t x = k[*(const uint16_t *)a], y = k[*(const uint16_t *)b];
    return x < y ? -1 : x > y;
}

/* The trace's causal order: t, then thread order, then seq (then line). */
static int cmp_event(const void *a, const void *b)
{
    const struct wta_ev *x = a, *y = b;
    if (x->t_ns != y->t_ns)
        return x->t_ns < y->t_ns ? -1 : 1;
    if (x->th != y->th)
        return x->th < y->th ? -1 : 1;
    if (x->seq != y->seq)
        return x->seq < y->seq ? -1 : 1;
    return x->line < y->line ? -1 : x->line > y->line;
}

/* Step 1a: put threads in the schema's order and renumber events' th. */
static int sort_threads(struct wta_model *m)
{
    size_t n = m->nthreads;
    uint64_t keys[WTA_MAX_THREADS];
    uint16_t order[WTA_MAX_THREADS], newidx[WTA_MAX_THREADS];
    struct wta_thread sorted[WTA_MAX_THREADS];
    for (size_t i = 0; i < n; i++) {
        keys[i] = thread_rank(m->threads[i].name, i, &m->threads[i].worker);
        order[i] = (uint16_t)i;
    }
    qsort_r(order, n, sizeof order[0], cmp_rank, keys);
    for (size_t i = 0; i < n; i++) {
        sorted[i] = m->threads[order[i]];
        newidx[order[i]] = (uint16_t)i;
    }
    if (n > 0)
        memcpy(m->threads, sorted, n * sizeof sorted[0]);
    for (size_t i = 0; i < m->nevents; i++)
        m->events[i].th = newidx[m->events[i].th];
    return 0;
}

/* Step 2: seq per thread, and each thread's event index. */
static int check_threads(struct wta_model *m)
{
    uint32_t last[WTA_MAX_THREADS];
    uint32_t count[WTA_MAX_THREADS] = {0};
    for (size_t i = 0; i < m->nevents; i++) {
        const struct wta_ev *e = &m->events[i];
        struct wta_thread *th = &m->threads[e->th];
        if (count[e->th] > 0) {
            const struct wta_ev *p = &m->events[last[e->th]];
            if (e->seq == p->seq)
                wta_model_diag(m, WTA_ERROR, e->line, "thread '%s': seq %u repeats "
                               "(also on line %u)", th->name, e->seq, p->line);
            else if (e->seq < p->seq)
                wta_model_diag(m, WTA_ERROR, e->line, "thread '%s': time goes backwards: "
                               "seq %u has t=%lld but seq %u (line %u) has t=%lld",
                               th->name, e->seq, (long long)e->t_ns, p->seq, p->line,
                               (long long)p->t_ns);
            else if (e->seq > p->seq + 1)
                wta_model_diag(m, WTA_WARNING, e->line, "thread '%s': seq jumps from %u "
                               "to %u: %u events missing", th->name, p->seq, e->seq,
                               e->seq - p->seq - 1);
        }
        last[e->th] = (uint32_t)i;
        th->nevents = ++count[e->th];
    }
    for (size_t k = 0; k < m->nthreads; k++) {
        m->threads[k].evs = malloc((count[k] ? count[k] : 1) * sizeof(uint32_t));
        if (m->threads[k].evs == NULL)
            return -ENOMEM;
        m->threads[k].nevents = 0;
    }
    for (size_t i = 0; i < m->nevents; i++) {
        struct wta_thread *th = &m->threads[m->events[i].th];
        th->evs[th->nevents++] = (uint32_t)i;
    }
    return 0;
}

int wta_model_build(struct wta_model *m)
{
    int err;
    if ((err = sort_threads(m)) < 0)
        return err;
    if (m->nevents > 0)
        qsort(m->events, m->nevents, sizeof m->events[0], cmp_event);
    if ((err = check_threads(m)) < 0)
        return err;
    if ((err = wta_model_tasks(m)) < 0)
        return err;
    if (m->nevents == 0 || m->events[m->nevents - 1].kind != WTA_EV_TRACE_END) {
        m->truncated = 1;
        wta_model_diag(m, WTA_WARNING, 0, "no trace.end at the end: the trace was cut short");
    }
    if (m->nerrors > 0)
        return -EINVAL;
    return wta_keyframes_build(m);
}

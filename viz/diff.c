/*
 * diff.c - where do two runs of the same program first schedule differently?
 *
 * Task ids differ between runs, so a task is known by its name and its
 * place among the tasks of that name: "reader#2" is the second task named
 * reader to be spawned. A run's scheduling decisions are its poll.begin
 * events in causal order, each "thread polls task (poll n)". The diff walks
 * both lists side by side and reports the first pair that differs, with
 * both events; then a summary: events, tasks, polls, and per task name the
 * poll counts that differ. Two traces of the same lesson and seed in
 * deterministic mode have no divergence at all.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "viz_int.h"

struct side {
    const struct wta_model *m;
    uint32_t *ord;              /* dense task -> its place among same-named tasks */
    uint32_t *polls;            /* indices of poll.begin events */
    size_t npolls;
    struct wta_idmap byname;    /* key(name, ord) -> dense task */
};

/* Hash of a task's name and its place among same-named tasks. */
static uint64_t key(const char *name, uint32_t ord)
{
    uint64_t h = 1469598103934665603ull;
    for (; *name; name++)
        h = (h ^ (unsigned char)*name) * 1099511628211ull;
    return h * 31 + ord;
}

/* Index one trace: each task's place among its namesakes, its polls. 0 or -ENOMEM. */
static int side_init(struct side *s, const struct wta_model *m)
{
    s->m = m;
    s->npolls = 0;
    wta_idmap_init(&s->byname);
    s->ord = calloc(m->ntasks + 1, sizeof s->ord[0]);
    s->polls = malloc((m->nevents + 1) * sizeof s->polls[0]);
    if (s->ord == NULL || s->polls == NULL)
        return -ENOMEM;
    struct wta_idmap seen;      /* name id -> how many spawned so far */
    wta_idmap_init(&seen);
    for (size_t t = 0; t < m->ntasks; t++) {
        uint32_t n = wta_idmap_get(&seen, m->tasks[t].name);
        n = n == UINT32_MAX ? 1 : n + 1;
        s->ord[t + 1] = n;
        if (wta_idmap_put(&seen, m->tasks[t].name, n) < 0) {
            wta_idmap_destroy(&seen);
            return -ENOMEM;
        }
    }
    wta_idmap_destroy(&seen);
    wta_idmap_init(&s->byname);
    for (size_t t = 1; t <= m->ntasks; t++) {
        uint64_t k = key(wta_model_str(m, m->tasks[t - 1].name), s->ord[t]);
        if (wta_idmap_get(&s->byname, k) == UINT32_MAX &&
            wta_idmap_put(&s->byname, k, (uint32_t)t) < 0)
            return -ENOMEM;
    }
    for (size_t i = 0; i < m->nevents; i++)
        if (m->events[i].kind == WTA_EV_POLL_BEGIN)
            s->polls[s->npolls++] = (uint32_t)i;
    return 0;
}

static void side_free(struct side *s)
{
    free(s->ord);
    free(s->polls);
    wta_idmap_destroy(&s->byname);
}

/* "w0 polls reader#2 (poll 3)" for the k-th decision of s. */
static void decision(const struct side *s, size_t k, char *buf, size_t n)
{
    const struct wta_ev *e = &s->m->events[s->polls[k]];
    snprintf(buf, n, "event %u (line %u): %s polls %s#%u (poll %lld)", s->polls[k], e->line,
             s->m->threads[e->th].name, wta_model_str(s->m, s->m->tasks[e->task - 1].name),
             s->ord[e->task], (long long)e->f[1]);
    wta_sanitize(buf);
}

/* Do both runs make the same k-th decision (thread, task by name#ord, poll)? */
static int same(const struct side *a, const struct side *b, size_t k)
{
    const struct wta_ev *x = &a->m->events[a->polls[k]], *y = &b->m->events[b->polls[k]];
    return strcmp(a->m->threads[x->th].name, b->m->threads[y->th].name) == 0 &&
           a->ord[x->task] == b->ord[y->task] && x->f[1] == y->f[1] &&
           strcmp(wta_model_str(a->m, a->m->tasks[x->task - 1].name),
                  wta_model_str(b->m, b->m->tasks[y->task - 1].name)) == 0;
}

/* Polls of the task called name#ord in s, or -1 if there is no such task.
 * A hash collision between two names is found by the check and costs a
 * linear search. */
static long polls_of(const struct side *s, const char *name, uint32_t ord)
{
    uint32_t t = wta_idmap_get(&s->byname, key(name, ord));
    if (t == UINT32_MAX || s->ord[t] != ord ||
        strcmp(wta_model_str(s->m, s->m->tasks[t - 1].name), name) != 0)
        for (t = 1; t <= s->m->ntasks; t++)
            if (s->ord[t] == ord && strcmp(wta_model_str(s->m, s->m->tasks[t - 1].name), name) == 0)
                break;
    if (t > s->m->ntasks)
        return -1;
    const struct wta_task *k = &s->m->tasks[t - 1];
    return k->nevents ? (long)k->polls[k->nevents - 1] : 0;
}

/* Tasks of a whose poll count differs in b (or that b lacks). */
static int task_summary(FILE *f, const struct side *a, const struct side *b, const char *an,
                        const char *bn, int shown)
{
    for (size_t t = 1; t <= a->m->ntasks && shown < 20; t++) {
        const char *name = wta_model_str(a->m, a->m->tasks[t - 1].name);
        char safe[64];
        long pa = polls_of(a, name, a->ord[t]), pb = polls_of(b, name, a->ord[t]);
        snprintf(safe, sizeof safe, "%s", name);
        wta_sanitize(safe);
        if (pb < 0)
            fprintf(f, "  %s#%u: only in %s (%ld polls)\n", safe, a->ord[t], an, pa);
        else if (pa != pb && an[0] == 'A')
            fprintf(f, "  %s#%u: %ld polls in A, %ld in B\n", safe, a->ord[t], pa, pb);
        else
            continue;
        shown++;
    }
    (void)bn;
    return shown;
}

/* The first k where the two decision lists differ (or the shorter ends). */
static size_t first_divergence(const struct side *a, const struct side *b)
{
    size_t n = a->npolls < b->npolls ? a->npolls : b->npolls, k = 0;
    while (k < n && same(a, b, k))
        k++;
    return k;
}

int wta_diff_align(const struct wta_model *a, const struct wta_model *b, size_t *ea, size_t *eb)
{
    struct side sa, sb;
    int err = side_init(&sa, a), differ = 0;
    memset(&sb, 0, sizeof sb);
    *ea = *eb = 0;
    if (err == 0)
        err = side_init(&sb, b);
    if (err == 0) {
        size_t k = first_divergence(&sa, &sb);
        differ = k < sa.npolls || k < sb.npolls;
        *ea = k < sa.npolls ? sa.polls[k] : a->nevents;
        *eb = k < sb.npolls ? sb.polls[k] : b->nevents;
        if (!differ)
            *ea = *eb = 0;
    }
    side_free(&sa);
    side_free(&sb);
    return err < 0 ? err : differ;
}

int wta_diff(const struct wta_model *a, const struct wta_model *b, FILE *f)
{
    struct side sa, sb;
    char da[256], db[256];
    int err = side_init(&sa, a), differ = 0;
    memset(&sb, 0, sizeof sb);
    if (err == 0)
        err = side_init(&sb, b);
    if (err < 0)
        goto out;
    size_t n = sa.npolls < sb.npolls ? sa.npolls : sb.npolls, k = first_divergence(&sa, &sb);
    if (k < n) {
        decision(&sa, k, da, sizeof da);
        decision(&sb, k, db, sizeof db);
        fprintf(f, "first divergence at scheduling decision %zu:\n  A %s: %s\n  B %s: %s\n",
                k + 1, a->path, da, b->path, db);
        differ = 1;
    } else if (sa.npolls != sb.npolls) {
        const struct side *longer = sa.npolls > sb.npolls ? &sa : &sb;
        decision(longer, n, da, sizeof da);
        fprintf(f, "the schedules agree for %zu decision%s, then only %s goes on:\n  %s\n",
                n, n == 1 ? "" : "s", longer == &sa ? "A" : "B", da);
        differ = 1;
    } else {
        fprintf(f, "same schedule: %zu scheduling decision%s agree%s\n", n, n == 1 ? "" : "s",
                n == 1 ? "s" : "");
    }
    fprintf(f, "summary:\n  events  A %zu  B %zu\n  tasks   A %zu  B %zu\n"
            "  polls   A %zu  B %zu\n", a->nevents, b->nevents, a->ntasks, b->ntasks,
            sa.npolls, sb.npolls);
    int shown = task_summary(f, &sa, &sb, "A", "B", 0);
    shown = task_summary(f, &sb, &sa, "B", "A", shown);
    differ |= shown > 0 || a->ntasks != b->ntasks;
out:
    side_free(&sa);
    side_free(&sb);
    return err < 0 ? err : differ;
}

/*
 * spans.c - each lane's life as spans, and a per-pixel summary of them.
 *
 * A lane is one thread of the trace. Replaying the trace once from the
 * empty state (wta_state_apply, the same rules the model's seek uses)
 * gives each thread's activity after every event; each change of activity
 * or task closes one span [a, b) of event indices. A reactor turn inside a
 * park is a span of its own that remembers what it interrupted, so it can
 * be drawn inside the parked span around it.
 *
 * Drawing a 1,000,000-event trace event by event is far too slow for a
 * frame, and pointless when thousands of spans share a pixel column. So
 * the timeline asks for one summary per column: vz_spans_columns walks the
 * visible spans once (binary search to the first) and keeps, per column,
 * the span that covers most of it. Cost: O(visible spans + columns), with
 * no allocation; drawing is then at most one rectangle per run of equal
 * columns.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "viewer.h"
#include "viz_int.h"

static int push(struct vz_lane *l, struct vz_span s)
{
    if (l->n == l->cap) {
        size_t cap = l->cap ? l->cap * 2 : 64;
        struct vz_span *p = realloc(l->s, cap * sizeof *p);
        if (p == NULL)
            return -ENOMEM;
        l->s = p;
        l->cap = cap;
    }
    l->s[l->n++] = s;
    return 0;
}

int vz_spans_build(const struct wta_model *m, struct vz_lane **lanes, size_t *nlanes)
{
    struct wta_state s;
    struct vz_lane *ls = calloc(m->nthreads ? m->nthreads : 1, sizeof *ls);
    struct vz_span *open = calloc(m->nthreads ? m->nthreads : 1, sizeof *open);
    int err = -ENOMEM;
    *lanes = ls;
    *nlanes = m->nthreads;
    wta_state_init(&s);
    if (ls == NULL || open == NULL || wta_state_reset(m, &s) < 0)
        goto out;
    for (size_t t = 0; t < m->nthreads; t++) {
        ls[t].th = (uint16_t)t;
        open[t] = (struct vz_span){0, 0, 0, WTA_ACT_IDLE, WTA_ACT_IDLE};
    }
    for (size_t i = 0; i < m->nevents; i++) {
        uint16_t th = m->events[i].th;
        wta_state_apply(m, &s, i);
        const struct wta_thread_state *ts = &s.threads[th];
        if (ts->activity == open[th].act && ts->task == open[th].task)
            continue;
        open[th].b = (uint32_t)i;
        if (open[th].b > open[th].a && push(&ls[th], open[th]) < 0)
            goto out;
        open[th] = (struct vz_span){(uint32_t)i, 0, ts->task, ts->activity, ts->saved};
    }
    for (size_t t = 0; t < m->nthreads; t++) {
        open[t].b = (uint32_t)m->nevents;
        if (open[t].b > open[t].a && push(&ls[t], open[t]) < 0)
            goto out;
    }
    err = 0;
out:
    wta_state_destroy(&s);
    free(open);
    return err;
}

void vz_spans_free(struct vz_lane *lanes, size_t nlanes)
{
    for (size_t k = 0; lanes && k < nlanes; k++)
        free(lanes[k].s);
    free(lanes);
}

long vz_spans_find(const struct vz_lane *l, uint32_t i)
{
    size_t lo = 0, hi = l->n;                   /* first span with b > i */
    while (lo < hi) {
        size_t mid = (lo + hi) / 2;
        if (l->s[mid].b <= i)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo < l->n && l->s[lo].a <= i ? (long)lo : -1;
}

/* Axis position of state i, the world after i events (see view.c): a span
 * [a, b) holds from state a + 1 (its first event applied) to state b + 1. */
static double pos(const struct wta_model *m, int wall, uint32_t i)
{
    if (i > m->nevents)
        i = (uint32_t)m->nevents;
    if (!wall || m->nevents == 0)
        return i;
    return (double)m->events[i ? i - 1 : 0].t_ns;
}

void vz_spans_columns(const struct wta_model *m, const struct vz_lane *l, int wall,
                      double x0, double per, struct vz_col *cols, int ncols)
{
    float best[ncols > 0 ? ncols : 1];          /* coverage of the kept span, per column */
    memset(cols, 0, (size_t)ncols * sizeof cols[0]);
    for (int c = 0; c < ncols; c++) {
        cols[c].act = WTA_ACT_COUNT;            /* nothing here */
        best[c] = 0;
    }
    double x1 = x0 + per * ncols;
    size_t lo = 0, hi = l->n;                   /* first span ending after x0 */
    while (lo < hi) {
        size_t mid = (lo + hi) / 2;
        if (pos(m, wall, l->s[mid].b + 1) <= x0)
            lo = mid + 1;
        else
            hi = mid;
    }
    for (size_t k = lo; k < l->n; k++) {
        const struct vz_span *s = &l->s[k];
        double a = pos(m, wall, s->a + 1), b = pos(m, wall, s->b + 1);
        if (a >= x1)
            break;
        double ca = (a - x0) / per, cb = (b - x0) / per;
        int c0 = ca < 0 ? 0 : (int)ca, c1 = cb >= ncols ? ncols - 1 : (int)cb;
        if (cb == (int)cb && c1 > c0)
            c1--;                               /* ends exactly on a column edge */
        for (int c = c0; c <= c1; c++) {
            double lo_c = c > ca ? c : ca, hi_c = c + 1 < cb ? c + 1 : cb;
            float cover = (float)(hi_c - lo_c);
            if (cover <= 0 && !(a == b && c == c0))
                continue;
            cols[c].nspans++;
            if (cols[c].nspans > 1)
                cols[c].mixed = 1;
            if (cover > best[c] || cols[c].act == WTA_ACT_COUNT) {
                best[c] = cover;
                cols[c].act = s->act;
                cols[c].saved = s->saved;
                cols[c].task = s->task;
            }
        }
    }
}

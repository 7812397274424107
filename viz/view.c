/*
 * view.c - the viewer's state, without any drawing.
 *
 * A view is a model plus a playhead: `at` events have happened, and `st` is
 * the world after them (wta_model_seek, so stepping back costs what
 * stepping forward does). Around it: the trace's notes and lints (found
 * once), the visible range of the time axis, the selected task, and
 * playback. Playback moves at 8 events a second times `speed`; in lesson
 * mode it pauses on reaching a note, so the caption can be read (a note
 * starting with '?' is a question: the class predicts, then steps on).
 *
 * The axis is either logical (event k sits at k: every event gets the same
 * room, which is what a narrated replay wants) or wall clock (event k sits
 * at its t in ns). v0..v1 is the visible range in the current axis' units;
 * toggling the axis maps the range through the events at its edges.
 *
 * Input, the window and the tests all drive a view through these functions,
 * so what a key does can be checked without drawing anything.
 */
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "viewer.h"

#define VZ_BASE_RATE 8.0        /* events per second at speed 1 */

int vz_view_init(struct vz_view *v, struct wta_model *m, const char *path)
{
    struct wta_lint_config lc;
    memset(v, 0, sizeof *v);
    v->m = m;
    v->path = path;
    v->speed = 1.0;
    v->lint_sel = -1;
    wta_state_init(&v->st);
    if (vz_spans_build(m, &v->lanes, &v->nlanes) < 0)
        return -ENOMEM;
    wta_lint_config_default(&lc);
    if (wta_lint_run(m, &lc, &v->lints) < 0)
        return -ENOMEM;
    for (size_t i = 0; i < m->nevents; i++)
        v->nnotes += m->events[i].kind == WTA_EV_NOTE;
    if (v->nnotes && (v->notes = malloc(v->nnotes * sizeof v->notes[0])) == NULL)
        return -ENOMEM;
    for (size_t i = 0, k = 0; i < m->nevents; i++)
        if (m->events[i].kind == WTA_EV_NOTE)
            v->notes[k++] = (uint32_t)i;
    v->lesson = v->nnotes > 0;
    vz_view_zoom_all(v);
    vz_view_seek(v, 0);
    return 0;
}

void vz_view_destroy(struct vz_view *v)
{
    wta_state_destroy(&v->st);
    vz_spans_free(v->lanes, v->nlanes);
    wta_lints_free(&v->lints);
    free(v->notes);
    wta_model_free(v->m);
    memset(v, 0, sizeof *v);
}

void vz_view_seek(struct vz_view *v, size_t i)
{
    if (i > v->m->nevents)
        i = v->m->nevents;
    v->at = i;
    if (wta_model_seek(v->m, i, &v->st) < 0)
        snprintf(v->status, sizeof v->status, "out of memory while seeking");
    /* Keep the playhead in view: a step past the edge pages the view. */
    double p = vz_view_axis_of(v, i), w = v->v1 - v->v0;
    if (p < v->v0 || p > v->v1)
        vz_view_pan(v, p - (v->v0 + w / 2));
    if (v->other) {
        long j = (long)i - (long)v->align_a + (long)v->align_b;
        vz_view_seek(v->other, j < 0 ? 0 : (size_t)j);
    }
}

void vz_view_step(struct vz_view *v, long d)
{
    long i = (long)v->at + d;
    vz_view_seek(v, i < 0 ? 0 : (size_t)i);
}

long vz_view_note_at(const struct vz_view *v)
{
    long lo = 0, hi = (long)v->nnotes;       /* first note with index >= at */
    while (lo < hi) {
        long mid = (lo + hi) / 2;
        if (v->notes[mid] < v->at)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo - 1;
}

/* A note at index n is "shown" once it has happened: the playhead is n + 1. */
void vz_view_note(struct vz_view *v, int dir)
{
    long k = vz_view_note_at(v);
    if (dir > 0)
        k = k + 1;
    else if (k >= 0 && v->notes[k] + 1 == v->at)
        k = k - 1;
    if (k >= 0 && k < (long)v->nnotes)
        vz_view_seek(v, v->notes[k] + 1);
    else if (dir < 0)
        vz_view_seek(v, 0);
    v->playing = 0;
}

void vz_view_next_lint(struct vz_view *v)
{
    if (v->lints.n == 0)
        return;
    size_t k = 0;
    while (k < v->lints.n && v->lints.items[k].ev + 1 <= v->at)
        k++;
    if (k == v->lints.n)
        k = 0;                                  /* wrap to the first */
    v->lint_sel = (int)k;
    if (v->lints.items[k].task)
        v->selected = v->lints.items[k].task;
    vz_view_seek(v, v->lints.items[k].ev + 1);
    v->playing = 0;
}

void vz_view_tick(struct vz_view *v, double dt)
{
    if (!v->playing)
        return;
    v->carry += dt * VZ_BASE_RATE * v->speed;
    while (v->carry >= 1.0 && v->playing) {
        v->carry -= 1.0;
        if (v->at >= v->m->nevents) {
            v->playing = 0;
            break;
        }
        vz_view_step(v, 1);
        if (v->lesson && v->at > 0 && v->m->events[v->at - 1].kind == WTA_EV_NOTE)
            v->playing = 0;                     /* read the caption (or answer it) */
    }
    if (!v->playing)
        v->carry = 0;
}

/* State i (after i events) sits at i on the logical axis, and at the time
 * of its last event on the wall clock (state 0: the first event's time). */
double vz_view_axis_of(const struct vz_view *v, size_t i)
{
    if (v->axis == VZ_AXIS_LOGICAL || v->m->nevents == 0)
        return (double)i;
    if (i > v->m->nevents)
        i = v->m->nevents;
    return (double)v->m->events[i ? i - 1 : 0].t_ns;
}

void vz_view_axis_range(const struct vz_view *v, double *lo, double *hi)
{
    *lo = vz_view_axis_of(v, 0);
    *hi = vz_view_axis_of(v, v->m->nevents);
    if (*hi <= *lo)
        *hi = *lo + 1;
}

size_t vz_view_event_at(const struct vz_view *v, double x)
{
    if (v->axis == VZ_AXIS_LOGICAL)
        return x <= 0 ? 0 : x >= (double)v->m->nevents ? v->m->nevents : (size_t)(x + 0.5);
    size_t lo = 0, hi = v->m->nevents;          /* first event with t > x */
    while (lo < hi) {
        size_t mid = (lo + hi) / 2;
        if ((double)v->m->events[mid].t_ns <= x)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo;
}

void vz_view_zoom_all(struct vz_view *v)
{
    vz_view_axis_range(v, &v->v0, &v->v1);
}

/* Keep v0..v1 inside the axis range, and at least 8 events or 1 us wide. */
static void clamp_range(struct vz_view *v)
{
    double lo, hi, w = v->v1 - v->v0, min = v->axis == VZ_AXIS_LOGICAL ? 8 : 1000;
    vz_view_axis_range(v, &lo, &hi);
    if (w < min)
        w = min;
    if (w > hi - lo)
        w = hi - lo;
    if (v->v0 < lo)
        v->v0 = lo;
    if (v->v0 + w > hi)
        v->v0 = hi - w;
    v->v1 = v->v0 + w;
}

void vz_view_zoom(struct vz_view *v, double f, double c)
{
    v->v0 = c - (c - v->v0) * f;
    v->v1 = c + (v->v1 - c) * f;
    clamp_range(v);
}

void vz_view_pan(struct vz_view *v, double d)
{
    v->v0 += d;
    v->v1 += d;
    clamp_range(v);
}

void vz_view_toggle_axis(struct vz_view *v)
{
    size_t a = vz_view_event_at(v, v->v0), b = vz_view_event_at(v, v->v1);
    v->axis = v->axis == VZ_AXIS_LOGICAL ? VZ_AXIS_WALL : VZ_AXIS_LOGICAL;
    v->v0 = vz_view_axis_of(v, a);
    v->v1 = vz_view_axis_of(v, b);
    clamp_range(v);
    if (v->other) {
        v->other->axis = v->axis;
        vz_view_zoom_all(v->other);
    }
}

int vz_view_pair(struct vz_view *a, struct vz_view *b)
{
    char *text = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&text, &len);
    if (f == NULL)
        return -ENOMEM;
    int r = wta_diff_align(a->m, b->m, &a->align_a, &a->align_b);
    (void)wta_diff(a->m, b->m, f);
    fclose(f);
    /* The diff's first line is its verdict, then up to two divergent
     * decisions (one when only one run goes on), then its summary. */
    char *line = text, *nl;
    for (int k = 0; k < 3 && line && *line; k++, line = nl ? nl + 1 : NULL) {
        nl = strchr(line, '\n');
        if (nl)
            *nl = '\0';
        if (strncmp(line, "summary:", 8) == 0)
            break;
        if (k > 0)
            snprintf(a->diff_text[k - 1], sizeof a->diff_text[0], "%s", line);
        else
            snprintf(a->status, sizeof a->status, "%s", line);
    }
    free(text);
    if (r < 0)
        return r;
    a->other = b;
    a->tag = "A";
    b->tag = "B";
    b->axis = a->axis;
    vz_view_seek(a, a->at);
    return 0;
}

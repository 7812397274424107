/*
 * timeline.c - one lane per thread, time left to right, and a playhead.
 *
 * Each lane is drawn from its per-column summary (spans.c): a run of
 * columns showing the same thing is one rectangle, so a frame costs the
 * same on a 200-event lesson and a 1,000,000-event benchmark. What a
 * column shows:
 *
 *     polling task T      T's colour, "task T poll k" where it fits
 *     main future's poll  dark slate, "main poll k"
 *     parked / block_on   grey hatch: asleep (a worker) or waiting (main)
 *     reactor turn        a dark box inside the parked hatch
 *     blocking job        grey
 *     idle or stopped     the lane's background
 *
 * The playhead sits after the last applied event. When the last event was
 * a wake, an arrow runs from the waking lane to the poll it caused (or to
 * a cross if the wake was lost); zoomed in far enough to see events one by
 * one, every wake-to-poll link in view is drawn thin and grey.
 */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "viewer.h"

/* Lane index of thread th in v (lanes are the model's threads, in order). */
static int lane_of(uint16_t th)
{
    return th < VZ_MAX_LANES ? th : VZ_MAX_LANES - 1;
}

static int xs(const struct vz_layout *L, const struct vz_view *v, size_t state)
{
    return vz_layout_x(L, v, vz_view_axis_of(v, state));
}

/* "1.25 ms" style: ns as the most readable unit. */
static void fmt_ns(char *buf, size_t n, double ns)
{
    if (fabs(ns) >= 1e9)
        snprintf(buf, n, "%.3g s", ns / 1e9);
    else if (fabs(ns) >= 1e6)
        snprintf(buf, n, "%.4g ms", ns / 1e6);
    else if (fabs(ns) >= 1e3)
        snprintf(buf, n, "%.4g us", ns / 1e3);
    else
        snprintf(buf, n, "%.0f ns", ns);
}

static void draw_axis(struct vz_gfx *g, const struct vz_layout *L, const struct vz_view *v,
                      SDL_Rect axis)
{
    double span = v->v1 - v->v0, want = span * 100 / (axis.w ? axis.w : 1);
    double step = pow(10, floor(log10(want > 1 ? want : 1)));
    if (step * 2 >= want)
        step *= 2;
    else if (step * 5 >= want)
        step *= 5;
    else
        step *= 10;
    if (v->axis == VZ_AXIS_LOGICAL && step < 1)
        step = 1;
    vz_fill(g, (SDL_Rect){axis.x, axis.y + axis.h - 1, axis.w, 1}, VZ_SLEEP_LINE);
    for (double p = ceil(v->v0 / step) * step; p <= v->v1; p += step) {
        int x = vz_layout_x(L, v, p);
        char lab[32];
        if (v->axis == VZ_AXIS_LOGICAL)
            snprintf(lab, sizeof lab, "%.0f", p);
        else
            fmt_ns(lab, sizeof lab, p);
        vz_fill(g, (SDL_Rect){x, axis.y + axis.h - 5, 1, 5}, VZ_MUTED);
        if (x + 4 < axis.x + axis.w - 30)
            vz_text(g, VZ_SMALL, x + 3, axis.y, VZ_MUTED, 0, "%s", lab);
    }
}

/* The words inside a run of one span, if there is room. */
static void slice_label(const struct vz_view *v, const struct vz_span *s, char *buf, size_t n)
{
    const struct wta_ev *e = &v->m->events[s->a];
    switch (s->act) {
    case WTA_ACT_RUNNING:
        snprintf(buf, n, "task %llu poll %lld", (unsigned long long)v->m->tasks[s->task - 1].id,
                 e->kind == WTA_EV_POLL_BEGIN ? (long long)e->f[1] : 0LL);
        break;
    case WTA_ACT_MAIN_POLL: snprintf(buf, n, "main poll %lld", (long long)e->f[0]); break;
    case WTA_ACT_PARKED: snprintf(buf, n, "parked"); break;
    case WTA_ACT_BLOCK_ON: snprintf(buf, n, "block_on: waiting for the MainWaker"); break;
    case WTA_ACT_REACTOR: snprintf(buf, n, "reactor turn"); break;
    case WTA_ACT_BLOCKING: snprintf(buf, n, "blocking job"); break;
    default: buf[0] = '\0'; break;
    }
}

/* Draw columns [c0, c1) of one lane, all showing `col`. */
static void draw_run(struct vz_gfx *g, const struct vz_view *v, SDL_Rect lane,
                     const struct vz_col *col, int x0, int x1)
{
    SDL_Rect r = {x0, lane.y + 4, x1 - x0, lane.h - 8};
    int dim = v->filter && v->selected && col->task != v->selected;
    SDL_Color c;
    switch (col->act) {
    case WTA_ACT_RUNNING:
        c = vz_task_color(col->task);
        if (dim)
            c = (SDL_Color){(Uint8)(c.r / 4 + 190), (Uint8)(c.g / 4 + 190), (Uint8)(c.b / 4 + 190), 255};
        vz_fill(g, r, c);
        if (col->task == v->selected && !dim)
            vz_frame_rect(g, r, VZ_INK, 2);
        break;
    case WTA_ACT_MAIN_POLL: vz_fill(g, r, dim ? VZ_SLEEP_LINE : VZ_MAIN); break;
    case WTA_ACT_PARKED:
    case WTA_ACT_BLOCK_ON: vz_hatch(g, r, VZ_SLEEP, VZ_SLEEP_LINE); break;
    case WTA_ACT_REACTOR:
        if (col->saved == WTA_ACT_PARKED)
            vz_hatch(g, r, VZ_SLEEP, VZ_SLEEP_LINE);
        vz_fill(g, (SDL_Rect){r.x, r.y + r.h / 4, r.w, r.h / 2}, VZ_PANEL);
        vz_frame_rect(g, (SDL_Rect){r.x, r.y + r.h / 4, r.w, r.h / 2}, VZ_REACTOR, 1);
        break;
    case WTA_ACT_BLOCKING: vz_fill(g, r, VZ_BLOCKING); break;
    case WTA_ACT_STOPPED: vz_fill(g, (SDL_Rect){r.x, lane.y + lane.h / 2, r.w, 1}, VZ_SLEEP_LINE); break;
    default: break;
    }
}

static void draw_lane(struct vz_gfx *g, const struct vz_layout *L, const struct vz_view *v,
                      const struct vz_lane *lane, SDL_Rect r)
{
    struct vz_col cols[r.w > 0 ? r.w : 1];
    double per = (v->v1 - v->v0) / (r.w ? r.w : 1);
    vz_spans_columns(v->m, lane, v->axis == VZ_AXIS_WALL, v->v0, per, cols, r.w);
    for (int c = 0; c < r.w;) {
        int e = c + 1;
        while (e < r.w && cols[e].act == cols[c].act && cols[e].task == cols[c].task &&
               cols[e].saved == cols[c].saved)
            e++;
        if (cols[c].act != WTA_ACT_COUNT)
            draw_run(g, v, r, &cols[c], r.x + c, r.x + e);
        /* A label when the run is one span with room for words. */
        if (e - c >= 44 && cols[c].act != WTA_ACT_COUNT && cols[c].act != WTA_ACT_IDLE) {
            size_t ev = vz_view_event_at(v, vz_layout_pos(L, v, r.x + (c + e) / 2));
            long k = vz_spans_find(lane, ev ? (uint32_t)ev - 1 : 0);
            char lab[96];
            if (k >= 0) {
                slice_label(v, &lane->s[k], lab, sizeof lab);
                SDL_Color bg = cols[c].act == WTA_ACT_RUNNING ? vz_task_color(cols[c].task)
                             : cols[c].act == WTA_ACT_MAIN_POLL ? VZ_MAIN : VZ_SLEEP;
                SDL_Color ink = vz_color_dark(bg) ? VZ_INK : VZ_PANEL;
                if (cols[c].act == WTA_ACT_PARKED || cols[c].act == WTA_ACT_BLOCK_ON ||
                    cols[c].act == WTA_ACT_REACTOR)
                    ink = VZ_MUTED;
                vz_text(g, VZ_SMALL, r.x + c + 5, r.y + (r.h - vz_font_h(g, VZ_SMALL)) / 2, ink,
                        e - c - 10, "%s", lab);
            }
        }
        c = e;
    }
    (void)L;
}

/* The lane rectangle of thread th and its vertical middle. */
static int lane_mid(const struct vz_layout *L, SDL_Rect lanes, uint16_t th)
{
    SDL_Rect r = vz_layout_lane(L, &lanes, lane_of(th));
    return r.y + r.h / 2;
}

/* The first poll.begin of `task` after event i, or SIZE_MAX. */
static size_t next_poll(const struct wta_model *m, uint32_t task, size_t i)
{
    const struct wta_task *t = &m->tasks[task - 1];
    size_t lo = 0, hi = t->nevents;
    while (lo < hi) {
        size_t mid = (lo + hi) / 2;
        if (t->evs[mid] <= i)
            lo = mid + 1;
        else
            hi = mid;
    }
    for (; lo < t->nevents; lo++)
        if (m->events[t->evs[lo]].kind == WTA_EV_POLL_BEGIN)
            return t->evs[lo];
    return SIZE_MAX;
}

/* Thin grey arrows for every wake -> poll link in view (zoomed in only). */
static void draw_links(struct vz_gfx *g, const struct vz_layout *L, const struct vz_view *v,
                       SDL_Rect lanes)
{
    size_t a = vz_view_event_at(v, v->v0), b = vz_view_event_at(v, v->v1);
    if (b - a > 400)
        return;
    size_t lo = 0, hi = v->m->nlinks;
    while (lo < hi) {
        size_t mid = (lo + hi) / 2;
        if (v->m->links[mid].effect < a)
            lo = mid + 1;
        else
            hi = mid;
    }
    for (; lo < v->m->nlinks && v->m->links[lo].effect <= b + 64; lo++) {
        const struct wta_link *k = &v->m->links[lo];
        const struct wta_ev *c = &v->m->events[k->cause], *e = &v->m->events[k->effect];
        if (c->kind != WTA_EV_WAKER_WAKE || c->th == e->th)
            continue;
        vz_arrow(g, (float)xs(L, v, k->cause + 1), (float)lane_mid(L, lanes, c->th),
                 (float)xs(L, v, k->effect + 1), (float)lane_mid(L, lanes, e->th) - 8, 10, 1,
                 VZ_MUTED, 1);
    }
}

/* The wake that is the last applied event, drawn big. */
static void draw_wake(struct vz_gfx *g, const struct vz_layout *L, const struct vz_view *v,
                      SDL_Rect lanes)
{
    if (v->at == 0)
        return;
    size_t i = v->at - 1;
    const struct wta_ev *e = &v->m->events[i];
    if (e->kind != WTA_EV_WAKER_WAKE || e->task == 0)
        return;
    float x0 = (float)xs(L, v, v->at), y0 = (float)lane_mid(L, lanes, e->th);
    const char *outcome = wta_model_str(v->m, e->f[2]);
    size_t p = next_poll(v->m, e->task, i);
    if (strcmp(outcome, "lost") == 0 || p == SIZE_MAX) {
        vz_arrow(g, x0, y0, x0 + 40, y0 - 14, 6, (float)g->thick, VZ_WAKE, 0);
        vz_text(g, VZ_BOLD, (int)x0 + 44, (int)y0 - 24, VZ_WAKE, 0, "✗ wake %s", outcome);
        return;
    }
    float x1 = (float)xs(L, v, p + 1), y1 = (float)lane_mid(L, lanes, v->m->events[p].th);
    if (y1 == y0)
        y1 -= 10;
    vz_arrow(g, x0, y0, x1, y1, 18, (float)g->thick, VZ_WAKE, 0);
    vz_text(g, VZ_BOLD, (int)((x0 + x1) / 2) + 6, (int)((y0 + y1) / 2) - 4, VZ_WAKE, 0,
            "wake → task %llu", (unsigned long long)v->m->tasks[e->task - 1].id);
}

static void draw_overview(struct vz_gfx *g, const struct vz_layout *L, const struct vz_view *v)
{
    SDL_Rect o = L->overview;
    double lo, hi;
    vz_view_axis_range(v, &lo, &hi);
    vz_fill(g, o, VZ_SLEEP);
    int a = o.x + (int)((v->v0 - lo) / (hi - lo) * o.w), b = o.x + (int)((v->v1 - lo) / (hi - lo) * o.w);
    int ph = o.x + (int)((vz_view_axis_of(v, v->at) - lo) / (hi - lo) * o.w);
    vz_frame_rect(g, (SDL_Rect){a, o.y, b - a > 3 ? b - a : 3, o.h}, VZ_LINE, 1);
    vz_fill(g, (SDL_Rect){ph, o.y - 2, 2, o.h + 4}, VZ_INK);
    /* Notes and lints as ticks along the whole run. */
    for (size_t k = 0; k < v->nnotes; k++)
        vz_fill(g, (SDL_Rect){o.x + (int)((vz_view_axis_of(v, v->notes[k] + 1) - lo) / (hi - lo) * o.w),
                              o.y, 2, o.h / 2}, VZ_NOTE_INK);
    for (size_t k = 0; k < v->lints.n; k++)
        vz_fill(g, (SDL_Rect){o.x + (int)((vz_view_axis_of(v, v->lints.items[k].ev + 1) - lo) /
                                          (hi - lo) * o.w), o.y + o.h / 2, 2, o.h / 2}, VZ_WAKE);
    vz_text(g, VZ_SMALL, L->timeline.x, o.y, VZ_MUTED, L->label_w - 4, "whole run");
}

static void draw_legend(struct vz_gfx *g, const struct vz_layout *L, const struct vz_view *v)
{
    SDL_Rect r = L->legend;
    int x = r.x, y = r.y + 3, sq = vz_font_h(g, VZ_SMALL) - 3;
    x += vz_text(g, VZ_SMALL, x, y, VZ_MUTED, 0, "tasks") + 12;
    for (uint32_t t = 1; t <= v->m->ntasks && t <= 8; t++) {
        vz_fill(g, (SDL_Rect){x, y + 2, sq, sq}, vz_task_color(t));
        x += sq + 4;
        x += vz_text(g, VZ_SMALL, x, y, VZ_INK, 0, "%llu %s",
                     (unsigned long long)v->m->tasks[t - 1].id, vz_task_shape(t)) + 10;
    }
    if (v->m->ntasks > 8)
        x += vz_text(g, VZ_SMALL, x, y, VZ_MUTED, 0, "+%zu more", v->m->ntasks - 8) + 10;
    x += 10;
    vz_hatch(g, (SDL_Rect){x, y + 1, 22, sq}, VZ_SLEEP, VZ_SLEEP_LINE);
    x += 26 + vz_text(g, VZ_SMALL, x + 26, y, VZ_INK, 0, "asleep / waiting") + 14;
    vz_frame_rect(g, (SDL_Rect){x, y + 2, 22, sq - 2}, VZ_REACTOR, 1);
    x += 26 + vz_text(g, VZ_SMALL, x + 26, y, VZ_INK, 0, "reactor turn") + 14;
    vz_fill(g, (SDL_Rect){x, y + 2, 22, sq}, VZ_MAIN);
    x += 26 + vz_text(g, VZ_SMALL, x + 26, y, VZ_INK, 0, "main poll") + 14;
    vz_arrow(g, (float)x, (float)y + sq / 2 + 1, (float)x + 26, (float)y + sq / 2 + 1, 0,
             (float)g->thick, VZ_WAKE, 0);
    x += 32 + vz_text(g, VZ_SMALL, x + 32, y, VZ_INK, 0, "wake (cause → task)") + 14;
    (void)x;
}

void vz_timeline_draw(struct vz_gfx *g, const struct vz_layout *L, const struct vz_view *v,
                      SDL_Rect axis, SDL_Rect lanes, int full)
{
    char now[32];
    fmt_ns(now, sizeof now, (double)(v->at ? v->m->events[v->at - 1].t_ns : 0));
    vz_text(g, VZ_SMALL, L->timeline.x, axis.y - vz_font_h(g, VZ_SMALL) - 1, VZ_MUTED, 0,
            "%s%sTIMELINE · %s axis · %s", v->tag ? v->tag : "", v->tag ? " · " : "",
            v->axis == VZ_AXIS_LOGICAL ? "logical (one step per event)" : "wall clock", v->path);
    draw_axis(g, L, v, axis);
    SDL_RenderSetClipRect(g->r, &(SDL_Rect){L->timeline.x, lanes.y, L->timeline.w, lanes.h});
    for (size_t k = 0; k < v->nlanes && (int)k < L->nlanes; k++) {
        SDL_Rect r = vz_layout_lane(L, &lanes, (int)k);
        const char *name = v->m->threads[v->lanes[k].th].name;
        vz_fill(g, (SDL_Rect){r.x, r.y + 3, r.w, r.h - 6}, VZ_LANE_BG);
        enum vz_font f = r.h >= 24 && vz_text_width(g, VZ_TITLE, name) < L->label_w - 6
                             ? VZ_TITLE : VZ_SMALL;
        vz_text(g, f, L->timeline.x, r.y + (r.h - vz_font_h(g, f)) / 2, VZ_INK, L->label_w - 6,
                "%s", name);
        draw_lane(g, L, v, &v->lanes[k], r);
    }
    draw_links(g, L, v, lanes);
    SDL_RenderSetClipRect(g->r, NULL);
    int px = xs(L, v, v->at);
    if (px >= lanes.x && px <= lanes.x + lanes.w) {
        vz_fill(g, (SDL_Rect){px - 1, axis.y + 2, 2, lanes.h + axis.h - 2}, VZ_INK);
        SDL_Vertex tri[3] = {{{(float)px - 7, (float)axis.y}, VZ_INK, {0, 0}},
                             {{(float)px + 7, (float)axis.y}, VZ_INK, {0, 0}},
                             {{(float)px, (float)axis.y + 9}, VZ_INK, {0, 0}}};
        SDL_RenderGeometry(g->r, NULL, tri, 3, NULL, 0);
        int tw = vz_text_width(g, VZ_SMALL, now) + 8;
        vz_fill(g, (SDL_Rect){px + 4, axis.y - 1, tw, axis.h - 2}, VZ_INK);
        vz_text(g, VZ_SMALL, px + 8, axis.y, VZ_PANEL, 0, "%s", now);
    }
    draw_wake(g, L, v, lanes);
    if (full) {
        draw_overview(g, L, v);
        draw_legend(g, L, v);
    }
}

uint32_t vz_timeline_hit(const struct vz_layout *L, const struct vz_view *v, int x, int y)
{
    SDL_Point p = {x, y};
    if (!SDL_PointInRect(&p, &L->lanes) || L->lane_h <= 0)
        return 0;
    int k = (y - L->lanes.y) / L->lane_h;
    if (k >= (int)v->nlanes)
        return 0;
    size_t s = vz_view_event_at(v, vz_layout_pos(L, v, x));
    long sp = vz_spans_find(&v->lanes[k], s ? (uint32_t)s - 1 : 0);
    if (sp < 0)
        return 0;
    const struct vz_span *span = &v->lanes[k].s[sp];
    return span->act == WTA_ACT_RUNNING ? span->task : 0;
}

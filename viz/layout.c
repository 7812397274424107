/*
 * layout.c - where everything goes, for a window of w x h pixels.
 *
 * One function computes every rectangle of a frame from the window's size,
 * the number of workers and lanes, and --big; drawing code and hit tests
 * (clicks, the pixel tests) read the same rectangles, so they cannot
 * disagree. From top to bottom (see the mockup in the design notes):
 *
 *     top bar        trace, event counter, time, mode, speed
 *     diagram | side the concept diagram; the inspector and lints
 *     timeline       axis, one lane per thread, overview strip, legend
 *     caption        the current note (lesson text or question)
 *     keys           the controls, one line
 *
 * In diff mode the diagram gives its room to the second run's timeline.
 * Sizes scale by 1.4 with --big, for a projector at the back of a room.
 */
#include <string.h>

#include "viewer.h"

static int sc(const struct vz_layout *L, int px)
{
    return L->big ? px * 14 / 10 : px;
}

static SDL_Rect rect(int x, int y, int w, int h)
{
    return (SDL_Rect){x, y, w < 0 ? 0 : w, h < 0 ? 0 : h};
}

/* Row 1: main, the workers, the global queue; row 2: reactor, blocking. */
static void diagram_boxes(struct vz_layout *L, const struct vz_view *v)
{
    SDL_Rect d = L->diagram;
    int gap = sc(L, 20), title = sc(L, 22), y = d.y + title;
    int row_h = (d.h - title - gap / 2) / 2;
    int main_w = sc(L, 200), glob_w = sc(L, 180);
    int nw = v->m->header.workers ? (int)v->m->header.workers : 0;
    for (size_t t = 0; t < v->m->nthreads; t++)
        if (v->m->threads[t].worker >= nw)
            nw = v->m->threads[t].worker + 1;
    if (nw > VZ_MAX_WORKERS)
        nw = VZ_MAX_WORKERS;
    int rest = d.w - main_w - glob_w - 2 * gap;
    int ww = nw ? (rest - (nw - 1) * gap / 2) / nw : 0;
    if (ww < sc(L, 120)) {                      /* too narrow: main and global give first */
        main_w = sc(L, 170);
        glob_w = sc(L, 150);
        rest = d.w - main_w - glob_w - 2 * gap;
        ww = nw ? (rest - (nw - 1) * gap / 2) / nw : 0;
    }
    L->workers_hidden = nw;
    while (nw > 0 && ww < sc(L, 120)) {         /* still too narrow: show fewer, say so */
        nw--;
        ww = nw ? (rest - (nw - 1) * gap / 2) / nw : 0;
    }
    L->workers_hidden -= nw;
    if (ww > sc(L, 260))
        ww = sc(L, 260);
    L->nworkers = nw;
    L->main_box = rect(d.x, y, main_w, row_h);
    int x = d.x + main_w + gap;
    for (int k = 0; k < nw; k++, x += ww + gap / 2)
        L->worker_box[k] = rect(x, y, ww, row_h);
    L->global_box = rect(x - gap / 2 + gap, y, d.x + d.w - (x - gap / 2 + gap), row_h);
    if (L->global_box.w > glob_w + sc(L, 80))
        L->global_box.w = glob_w + sc(L, 80);
    int y2 = y + row_h + gap / 2;
    int rw = (d.w - gap) * 3 / 5;
    L->reactor_box = rect(d.x, y2, rw, d.y + d.h - y2);
    L->blocking_box = rect(d.x + rw + gap, y2, d.w - rw - gap, d.y + d.h - y2);
}

/* Axis row, lanes, overview strip, legend inside the timeline rectangle. */
static void timeline_parts(struct vz_layout *L, const struct vz_view *v)
{
    SDL_Rect t = L->timeline;
    int title = sc(L, 18), axis_h = sc(L, 18), over_h = L->diff ? 0 : sc(L, 14);
    int legend_h = L->diff ? 0 : sc(L, 22), gap = sc(L, 6);
    L->label_w = sc(L, 84);
    L->nlanes = (int)(v->nlanes < VZ_MAX_LANES ? v->nlanes : VZ_MAX_LANES);
    if (L->diff && v->other && (int)v->other->nlanes > L->nlanes)
        L->nlanes = (int)(v->other->nlanes < VZ_MAX_LANES ? v->other->nlanes : VZ_MAX_LANES);
    int x = t.x + L->label_w, w = t.w - L->label_w;
    int lanes_h = t.h - title - axis_h - over_h - legend_h - 3 * gap;
    if (L->diff) {
        int half = (t.h - 2 * (title + axis_h + gap)) / 2;
        L->axis = rect(x, t.y + title, w, axis_h);
        L->lanes = rect(x, L->axis.y + axis_h, w, half);
        L->axis_b = rect(x, L->lanes.y + half + title + gap, w, axis_h);
        L->lanes_b = rect(x, L->axis_b.y + axis_h, w, half);
        lanes_h = half;
    } else {
        L->axis = rect(x, t.y + title, w, axis_h);
        L->lanes = rect(x, L->axis.y + axis_h, w, lanes_h);
        L->overview = rect(x, L->lanes.y + lanes_h + gap, w, over_h);
        L->legend = rect(t.x, L->overview.y + over_h + gap, t.w, legend_h);
    }
    int n = L->nlanes ? L->nlanes : 1;
    L->lane_h = lanes_h / n;
    if (L->lane_h > sc(L, 50))
        L->lane_h = sc(L, 50);
}

void vz_layout_compute(struct vz_layout *L, int w, int h, const struct vz_view *v)
{
    memset(L, 0, sizeof *L);
    L->w = w;
    L->h = h;
    L->big = v->big;
    L->diff = v->other != NULL;
    L->pad = sc(L, 16);
    L->line_h = sc(L, 18);
    int p = L->pad, top_h = sc(L, 34), keys_h = sc(L, 52), cap_h = L->big ? sc(L, 80) : sc(L, 100);
    /* The side panels: 300 px (420 with --big), but never over a quarter
     * of the window, so --big at 1280 still leaves the diagram its workers. */
    int side_w = w >= 1000 ? sc(L, 300) : 0;
    if (side_w > w / 4 && side_w > 300)
        side_w = w / 4 > 300 ? w / 4 : 300;
    L->top = rect(0, 0, w, top_h);
    L->keys = rect(0, h - keys_h, w, keys_h);
    L->caption = rect(0, L->keys.y - cap_h, w, cap_h);
    int body_y = top_h + sc(L, 8), body_h = L->caption.y - body_y - sc(L, 4);
    int diag_h = L->diff ? 0 : body_h * (L->big ? 52 : 44) / 100;
    L->side = rect(w - side_w - p, body_y, side_w, diag_h ? diag_h : body_h);
    L->diagram = rect(p, body_y, w - 2 * p - (side_w ? side_w + p : 0), diag_h);
    if (side_w) {
        L->inspector = rect(L->side.x, L->side.y, side_w, L->side.h * (L->big ? 70 : 62) / 100);
        L->lints = rect(L->side.x, L->inspector.y + L->inspector.h, side_w,
                        L->side.h - L->inspector.h);
    }
    int tl_y = body_y + diag_h + (diag_h ? sc(L, 8) : 0);
    int tl_w = L->diff && side_w ? w - 3 * p - side_w : w - 2 * p;
    L->timeline = rect(p, tl_y, tl_w, L->caption.y - tl_y - sc(L, 4));
    if (!L->diff)
        diagram_boxes(L, v);
    timeline_parts(L, v);
}

SDL_Rect vz_layout_lane(const struct vz_layout *L, const SDL_Rect *area, int k)
{
    return rect(area->x, area->y + k * L->lane_h, area->w, L->lane_h);
}

int vz_layout_x(const struct vz_layout *L, const struct vz_view *v, double p)
{
    double f = (p - v->v0) / (v->v1 - v->v0);
    return L->lanes.x + (int)(f * L->lanes.w);
}

double vz_layout_pos(const struct vz_layout *L, const struct vz_view *v, int x)
{
    return v->v0 + (double)(x - L->lanes.x) / (L->lanes.w ? L->lanes.w : 1) * (v->v1 - v->v0);
}

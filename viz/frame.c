/*
 * frame.c - one whole frame, in painting order.
 *
 * Layout first (every rectangle from the window size), then the parts from
 * the back to the front: background, diagram, side panels, timeline(s),
 * caption, top bar, keys, and the help overlay over everything. In diff
 * mode the second run's timeline takes the diagram's place, its visible
 * range following the first run's, shifted so the first divergent decision
 * lines up in both.
 */
#include "viewer.h"

/* Make b show what a shows, aligned at the divergence. */
static void align_other(const struct vz_view *a, struct vz_view *b)
{
    double shift = vz_view_axis_of(b, a->align_b) - vz_view_axis_of(a, a->align_a);
    b->axis = a->axis;
    b->v0 = a->v0 + shift;
    b->v1 = a->v1 + shift;
    b->selected = 0;
}

void vz_frame_draw(struct vz_gfx *g, struct vz_frame *fr, const struct vz_view *v, int w, int h)
{
    struct vz_layout *L = &fr->L;
    vz_layout_compute(L, w, h, v);
    vz_fill(g, (SDL_Rect){0, 0, w, h}, VZ_BG);
    if (!L->diff)
        vz_diagram_draw(g, L, v, &fr->tok, &fr->prev, fr->tween);
    vz_side_draw(g, L, v);
    vz_timeline_draw(g, L, v, L->axis, L->lanes, !L->diff);
    if (L->diff && v->other) {
        align_other(v, v->other);
        struct vz_layout Lb = *L;
        Lb.lanes = L->lanes_b;
        vz_timeline_draw(g, &Lb, v->other, L->axis_b, L->lanes_b, 0);
        /* The divergence: a vermillion line through both runs. */
        int xa = vz_layout_x(L, v, vz_view_axis_of(v, v->align_a + 1));
        if (xa >= L->lanes.x && xa <= L->lanes.x + L->lanes.w) {
            vz_fill(g, (SDL_Rect){xa - 1, L->axis.y, 3, L->lanes_b.y + L->lanes_b.h - L->axis.y},
                    VZ_WAKE);
            vz_text(g, VZ_BOLD, xa + 6, L->lanes.y + L->lanes.h + 2, VZ_WAKE, 0,
                    "first divergent decision");
        }
    }
    vz_caption_draw(g, L, v);
    vz_topbar_draw(g, L, v);
    vz_keys_draw(g, L, v);
    if (v->help)
        vz_help_draw(g, L);
}

void vz_frame_destroy(struct vz_frame *fr)
{
    vz_tokens_free(&fr->tok);
    vz_tokens_free(&fr->prev);
}

/*
 * input.c - what each key and mouse gesture does to the view.
 *
 * One function turns one SDL_Event into changes to the view (through
 * view.c) and tells the app loop if it must do something only it can
 * (quit, take a screenshot, notice a resize). Tests push events with
 * SDL_PushEvent, feed them through here and assert on the view, so the
 * controls are checked without a window.
 *
 *     space play/pause   ←/→ one event   shift+←/→ ten   n/p notes
 *     l next lint        +/- speed       t time axis     Home/End
 *     wheel zoom         drag pan        click select    f filter
 *     s screenshot       ? help          q/Esc quit
 */
#include <math.h>

#include "viewer.h"

static void speed(struct vz_view *v, double f)
{
    v->speed *= f;
    if (v->speed > 100)
        v->speed = 100;
    if (v->speed < 0.1)
        v->speed = 0.1;
    v->speed = round(v->speed * 10) / 10;
}

static enum vz_action key(struct vz_view *v, const SDL_KeyboardEvent *k)
{
    int shift = (k->keysym.mod & KMOD_SHIFT) != 0;
    switch (k->keysym.sym) {
    case SDLK_q: return VZ_QUIT;
    case SDLK_ESCAPE:
        if (!v->help)
            return VZ_QUIT;
        v->help = 0;
        break;
    case SDLK_SPACE:
        if (!v->playing && v->at >= v->m->nevents)
            vz_view_seek(v, 0);                 /* play again from the start */
        v->playing = !v->playing;
        break;
    case SDLK_RIGHT: v->playing = 0; vz_view_step(v, shift ? 10 : 1); break;
    case SDLK_LEFT: v->playing = 0; vz_view_step(v, shift ? -10 : -1); break;
    case SDLK_n: vz_view_note(v, 1); break;
    case SDLK_p: vz_view_note(v, -1); break;
    case SDLK_l: vz_view_next_lint(v); break;
    case SDLK_KP_PLUS:
    case SDLK_PLUS: speed(v, 2); break;
    case SDLK_EQUALS:
        if (shift)
            speed(v, 2);
        break;
    case SDLK_KP_MINUS:
    case SDLK_MINUS: speed(v, 0.5); break;
    case SDLK_t: vz_view_toggle_axis(v); break;
    case SDLK_HOME: v->playing = 0; vz_view_seek(v, 0); break;
    case SDLK_END: v->playing = 0; vz_view_seek(v, v->m->nevents); break;
    case SDLK_f: v->filter = v->selected ? !v->filter : 0; break;
    case SDLK_s: return VZ_SCREENSHOT;
    case SDLK_QUESTION:
    case SDLK_F1: v->help = !v->help; break;
    case SDLK_SLASH:
        if (shift)
            v->help = !v->help;
        break;
    default: break;
    }
    return VZ_NONE;
}

/* A click: a token or a slice selects its task; a lint jumps to it; the
 * overview strip moves the view; anywhere in the lanes starts a drag. */
static void click(struct vz_view *v, struct vz_input *in, const struct vz_frame *fr, int x, int y)
{
    const struct vz_layout *L = &fr->L;
    SDL_Point p = {x, y};
    for (size_t k = 0; k < fr->tok.n; k++)
        if (SDL_PointInRect(&p, &fr->tok.at[k])) {
            v->selected = fr->tok.task[k];
            return;
        }
    int lint = vz_lints_hit(L, v, x, y);
    if (lint >= 0) {
        v->lint_sel = lint;
        if (v->lints.items[lint].task)
            v->selected = v->lints.items[lint].task;
        vz_view_seek(v, v->lints.items[lint].ev + 1);
        v->playing = 0;
        return;
    }
    if (SDL_PointInRect(&p, &L->overview)) {
        double lo, hi;
        vz_view_axis_range(v, &lo, &hi);
        double c = lo + (hi - lo) * (x - L->overview.x) / (L->overview.w ? L->overview.w : 1);
        vz_view_pan(v, c - (v->v0 + v->v1) / 2);
        return;
    }
    if (SDL_PointInRect(&p, &L->lanes)) {
        uint32_t t = vz_timeline_hit(L, v, x, y);
        if (t)
            v->selected = t;
        in->dragging = 1;
        in->drag_x = x;
        in->drag_v0 = v->v0;
    }
}

enum vz_action vz_input_handle(struct vz_view *v, struct vz_input *in, const struct vz_frame *fr,
                               const SDL_Event *e)
{
    const struct vz_layout *L = &fr->L;
    switch (e->type) {
    case SDL_QUIT: return VZ_QUIT;
    case SDL_KEYDOWN: return key(v, &e->key);
    case SDL_MOUSEWHEEL: {
        int mx = e->wheel.mouseX;               /* the pointer when the wheel turned */
        if (mx < L->lanes.x || mx > L->lanes.x + L->lanes.w)
            mx = L->lanes.x + L->lanes.w / 2;
        vz_view_zoom(v, e->wheel.y > 0 ? 0.8 : 1.25, vz_layout_pos(L, v, mx));
        break;
    }
    case SDL_MOUSEBUTTONDOWN:
        if (e->button.button == SDL_BUTTON_LEFT)
            click(v, in, fr, e->button.x, e->button.y);
        break;
    case SDL_MOUSEBUTTONUP: in->dragging = 0; break;
    case SDL_MOUSEMOTION:
        if (in->dragging && L->lanes.w > 0) {
            double per = (v->v1 - v->v0) / L->lanes.w;
            vz_view_pan(v, in->drag_v0 - (e->motion.x - in->drag_x) * per - v->v0);
        }
        break;
    case SDL_WINDOWEVENT:
        if (e->window.event == SDL_WINDOWEVENT_SIZE_CHANGED)
            return VZ_RESIZED;
        break;
    default: break;
    }
    return VZ_NONE;
}

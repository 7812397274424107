/*
 * panels.c - the text around the pictures.
 *
 *     top bar     the trace and its header, "event i / n", the time, the
 *                 mode (LESSON, PLAYING), the axis and the speed
 *     caption     the note at the playhead: "NOTE 2 / 7"; a note starting
 *                 with '?' is a QUESTION for the class (playback stopped
 *                 there; the next step shows what happened)
 *     inspector   the selected task: its states along the whole run (a
 *                 strip), polls, wakes by source, and "why is it running?"
 *                 (or, when it is not, "why is it not running?")
 *                 (wta_why) back to a root cause
 *     lints       the trace's lints; the selected one is marked
 *     keys        every control on one line
 *     help        an overlay: every key, colour, shape and state
 */
#include <stdio.h>
#include <string.h>

#include "viewer.h"

void vz_topbar_draw(struct vz_gfx *g, const struct vz_layout *L, const struct vz_view *v)
{
    SDL_Rect r = L->top;
    const struct wta_header *h = &v->m->header;
    int y = r.y + (r.h - vz_font_h(g, VZ_NORMAL)) / 2, right = r.w - 10;
    vz_fill(g, r, VZ_BAR);
    int x = 14 + vz_text(g, VZ_TITLE, 14, y - 1, VZ_PANEL, 0, "wta-viz") + 16;
    char speed[32];
    snprintf(speed, sizeof speed, "%g× %s", v->speed, v->playing ? "▶" : "❚❚");
    right -= vz_text_width(g, VZ_NORMAL, speed);
    vz_text(g, VZ_NORMAL, right, y, VZ_BAR_INK, 0, "%s", speed);
    const char *axis = v->axis == VZ_AXIS_LOGICAL ? "logical time" : "wall clock";
    int aw = vz_text_width(g, VZ_SMALL, axis) + 16;
    right -= aw + 12;
    vz_round(g, (SDL_Rect){right, r.y + 7, aw, r.h - 14}, 4, VZ_REACTOR, VZ_REACTOR, 0);
    vz_text(g, VZ_SMALL, right + 8, r.y + (r.h - vz_font_h(g, VZ_SMALL)) / 2, VZ_PANEL, 0, "%s", axis);
    if (v->lesson || v->other) {
        const char *mode = v->other ? "DIFF" : "LESSON";
        int mw = vz_text_width(g, VZ_BOLD, mode) + 16;
        right -= mw + 8;
        vz_round(g, (SDL_Rect){right, r.y + 7, mw, r.h - 14}, 4, VZ_YELLOW, VZ_YELLOW, 0);
        vz_text(g, VZ_BOLD, right + 8, r.y + (r.h - vz_font_h(g, VZ_BOLD)) / 2, VZ_INK, 0, "%s", mode);
    }
    double t = v->at ? (double)v->m->events[v->at - 1].t_ns / 1e6 : 0;
    char where[64];
    snprintf(where, sizeof where, "event %zu / %zu   t = %.3f ms", v->at, v->m->nevents, t);
    right -= vz_text_width(g, VZ_NORMAL, where) + 20;
    vz_text(g, VZ_NORMAL, right, y, VZ_PANEL, 0, "%s", where);
    vz_text(g, VZ_NORMAL, x, y, VZ_BAR_INK, right - x - 16,
            "%s · %u worker%s · %s scheduler%s%s", v->path, h->workers, h->workers == 1 ? "" : "s",
            h->scheduler[0] ? h->scheduler : "?", h->bugs[0] ? " · bugs: " : "", h->bugs);
}

void vz_caption_draw(struct vz_gfx *g, const struct vz_layout *L, const struct vz_view *v)
{
    SDL_Rect r = L->caption;
    long k = vz_view_note_at(v);
    int x = L->pad, y = r.y + 12;
    if (v->other) {
        vz_fill(g, r, VZ_NOTE_BG);
        vz_text(g, VZ_BOLD, x, y, VZ_NOTE_INK, 0, "%s",
                v->status[0] ? v->status : "the two runs schedule alike");
        y += vz_font_h(g, VZ_BOLD) + 6;
        vz_text(g, VZ_NORMAL, x, y, VZ_INK, r.w - 2 * x, "%s", v->diff_text[0]);
        vz_text(g, VZ_NORMAL, x, y + L->line_h + 2, VZ_INK, r.w - 2 * x, "%s", v->diff_text[1]);
        return;
    }
    if (k < 0) {
        vz_fill(g, r, VZ_BG);
        vz_fill(g, (SDL_Rect){r.x, r.y, r.w, 1}, VZ_SLEEP_LINE);
        const struct wta_ev *e = v->at ? &v->m->events[v->at - 1] : NULL;
        char line[200];
        if (e)
            wta_event_format(v->m, e, line, sizeof line);
        vz_text(g, VZ_BOLD, x, y, VZ_MUTED, 0, "%s", v->nnotes ? "BEFORE THE FIRST NOTE" : "LAST EVENT");
        vz_text(g, VZ_CAPTION, x, y + vz_font_h(g, VZ_BOLD) + 6, VZ_INK, r.w - 2 * x, "%s",
                e ? line : "nothing has happened yet: press → to step, space to play");
        if (e)
            vz_text(g, VZ_SMALL, x, y + vz_font_h(g, VZ_BOLD) + vz_font_h(g, VZ_CAPTION) + 10,
                    VZ_MUTED, 0, "on %s at t = %.3f ms (%s line %u)", v->m->threads[e->th].name,
                    (double)e->t_ns / 1e6, v->path, e->line);
        return;
    }
    const char *text = wta_model_str(v->m, v->m->events[v->notes[k]].f[0]);
    int question = text[0] == '?';
    vz_fill(g, r, VZ_NOTE_BG);
    vz_fill(g, (SDL_Rect){r.x, r.y, r.w, 1}, VZ_YELLOW);
    vz_text(g, VZ_BOLD, x, y, VZ_NOTE_INK, 0, "NOTE %ld / %zu%s", k + 1, v->nnotes,
            question ? " · QUESTION" : "");
    y += vz_font_h(g, VZ_BOLD) + 6;
    int maxw = r.w - 2 * x;
    if (question)
        for (text++; *text == ' '; text++)
            ;
    int lines = vz_text_wrap(g, VZ_CAPTION, x, y, VZ_INK, maxw, 2, text);
    if (question && v->notes[k] + 1 == v->at)   /* the class answers before the next step */
        vz_text(g, VZ_CAPTION_BOLD, x, y + lines * vz_font_h(g, VZ_CAPTION) + 2, VZ_INK, maxw,
                "Predict, then press → to see.");
}

/* The selected task's states along the whole run, one sample per pixel. */
static void state_strip(struct vz_gfx *g, const struct vz_view *v, uint32_t task, SDL_Rect r)
{
    static const SDL_Color st[] = {
        [WTA_TS_IDLE] = {0xd6, 0xd6, 0xd0, 255}, [WTA_TS_SCHEDULED] = {0xF0, 0xE4, 0x42, 255},
        [WTA_TS_RUNNING] = {0x00, 0x9E, 0x73, 255}, [WTA_TS_NOTIFIED] = {0xD5, 0x5E, 0x00, 255},
        [WTA_TS_DONE] = {0x55, 0x55, 0x55, 255}, [WTA_TS_UNBORN] = {0xfb, 0xfb, 0xf8, 255},
    };
    for (int x = 0; x < r.w; x++) {
        size_t i = (size_t)((double)x / r.w * (double)v->m->nevents);
        struct wta_task_state s;
        if (wta_model_task_at(v->m, task, i, &s) == 0 && s.state <= WTA_TS_UNBORN)
            vz_fill(g, (SDL_Rect){r.x + x, r.y, 1, r.h}, st[s.state]);
    }
    int px = r.x + (int)((double)v->at / (v->m->nevents ? (double)v->m->nevents : 1) * r.w);
    vz_fill(g, (SDL_Rect){px, r.y - 2, 2, r.h + 4}, VZ_INK);
    vz_frame_rect(g, r, VZ_SLEEP_LINE, 1);
}

/* With nothing selected, the inspector follows the task of the latest
 * event that had one (within the last 64), so every frame explains itself. */
static uint32_t latest_task(const struct vz_view *v)
{
    for (size_t i = v->at, k = 0; i > 0 && k < 64; i--, k++)
        if (v->m->events[i - 1].task)
            return v->m->events[i - 1].task;
    return 0;
}

static void inspector(struct vz_gfx *g, const struct vz_layout *L, const struct vz_view *v)
{
    SDL_Rect r = L->inspector;
    int x = r.x + 12, w = r.w - 24, y = r.y + 10, lh = L->line_h + 2;
    uint32_t t = v->selected ? v->selected : latest_task(v);
    vz_round(g, r, 8, VZ_PANEL, VZ_LINE, 1);
    if (t == 0 || t > v->m->ntasks) {
        vz_text(g, VZ_TITLE, x, y, VZ_INK, w, "task inspector");
        vz_text(g, VZ_NORMAL, x, y + lh + 4, VZ_MUTED, w, "click a task (a slice or a token)");
        vz_text(g, VZ_NORMAL, x, y + 2 * lh + 4, VZ_MUTED, w, "to see its life and why it runs");
        return;
    }
    const struct wta_task *k = &v->m->tasks[t - 1];
    const struct wta_ev *sp = &v->m->events[k->spawn];
    struct wta_task_state s;
    wta_model_task_at(v->m, t, v->at, &s);
    vz_text(g, VZ_TITLE, x, y, VZ_INK, w, "task %llu %s “%s”", (unsigned long long)k->id,
            vz_task_shape(t), wta_model_str(v->m, k->name));
    y += lh + 2;
    vz_text(g, VZ_SMALL, x, y, VZ_MUTED, w, "%sspawned by %s at %s:%lld",
            v->selected ? "" : "(latest event's task) ", k->parent ? "a task" : "main",
            wta_model_str(v->m, sp->f[3]), (long long)sp->f[4]);
    y += lh;
    int sw = vz_text(g, VZ_NORMAL, x, y, VZ_INK, 0, "state") + 10;
    state_strip(g, v, t, (SDL_Rect){x + sw, y + 2, w - sw - 90, vz_font_h(g, VZ_NORMAL) - 4});
    vz_text(g, VZ_BOLD, x + w - 84, y - 1, VZ_INK, 84, "%s", wta_tstate_name(s.state));
    y += lh;
    /* Wakes by source, up to the playhead. */
    static const char *srcs[] = {"task", "reactor", "timer", "join", "main", "blocking", "chan",
                                 "external"};
    enum { NSRCS = sizeof srcs / sizeof srcs[0] };
    unsigned by[NSRCS] = {0}, nwakes = 0;
    for (uint32_t e = 0; e < k->nevents && k->evs[e] < v->at; e++) {
        const struct wta_ev *ev = &v->m->events[k->evs[e]];
        if (ev->kind != WTA_EV_WAKER_WAKE)
            continue;
        nwakes++;
        for (int j = 0; j < NSRCS; j++)
            if (strcmp(wta_model_str(v->m, ev->f[1]), srcs[j]) == 0)
                by[j]++;
    }
    char wk[128] = "";
    for (int j = 0; j < NSRCS; j++)
        if (by[j]) {
            size_t n = strlen(wk);
            snprintf(wk + n, sizeof wk - n, "%s%s ×%u", n ? ", " : "", srcs[j], by[j]);
        }
    vz_text(g, VZ_NORMAL, x, y, VZ_INK, w, "polls %u · wakes %u%s%s", s.polls, nwakes,
            nwakes ? ": " : "", wk);
    y += lh + 4;
    /* The question the state asks: a running task's chain of causes, or
     * for any other the facts that keep it from running (why_not.c). */
    int running = s.state == WTA_TS_RUNNING;
    vz_text(g, VZ_BOLD, x, y, VZ_INK, w, running ? "Why is it running?"
                                                 : "Why is it not running?");
    y += lh;
    struct wta_why why;
    int rc = v->at == 0 ? -1
             : running  ? wta_why(v->m, t, v->at - 1, &why)
                        : wta_why_not(v->m, t, v->at - 1, &why);
    if (rc != 0) {
        vz_text(g, VZ_SMALL, x, y, VZ_MUTED, w, "not spawned yet at this point");
        return;
    }
    for (size_t j = 0; j < why.n && y + lh < r.y + r.h; j++) {
        char step[220];
        snprintf(step, sizeof step, "%s%s (event %u)", j ? "← " : "", why.text[j], why.ev[j]);
        int lines = (r.y + r.h - y) / vz_font_h(g, VZ_SMALL);
        y += vz_text_wrap(g, VZ_SMALL, x + 4, y, j == 0 ? VZ_INK : VZ_LINE, w - 4,
                          lines < 2 ? lines : 2, step) * vz_font_h(g, VZ_SMALL) + 2;
    }
}

static int lint_row_h(const struct vz_layout *L)
{
    return L->line_h + 2;
}

/* Lint k's row. In lesson mode a finding ahead of the playhead keeps its
 * name until the playhead reaches it: naming it would answer the lesson's
 * question early. */
void vz_lint_label(const struct vz_view *v, size_t k, char *buf, size_t size)
{
    const struct wta_lint *l = &v->lints.items[k];
    const char *mark = wta_lint_severity(l->kind) == WTA_ERROR ? "✖" : "⚠";
    if (l->ev >= v->at && v->lesson)
        snprintf(buf, size, "%s a finding ahead (l: jump to it)", mark);
    else
        snprintf(buf, size, "%s %s · event %u%s", mark, wta_lint_name(l->kind), l->ev,
                 l->ev < v->at ? "" : " (ahead)");
}

static void lints_panel(struct vz_gfx *g, const struct vz_layout *L, const struct vz_view *v)
{
    SDL_Rect r = L->lints;
    int x = r.x + 12, w = r.w - 24, y = r.y + 10, lh = lint_row_h(L);
    vz_round(g, (SDL_Rect){r.x, r.y + 6, r.w, r.h - 6}, 8, VZ_PANEL, VZ_LINE, 1);
    vz_text(g, VZ_BOLD, x, y, v->lints.n ? VZ_ERROR : VZ_INK, w, "Lints (%zu)%s", v->lints.n,
            v->lints.n ? " · l: next" : " · none fired");
    y += lh + 2;
    for (size_t k = 0; k < v->lints.n && y + lh <= r.y + r.h; k++, y += lh) {
        const struct wta_lint *l = &v->lints.items[k];
        int err = wta_lint_severity(l->kind) == WTA_ERROR, past = l->ev < v->at;
        if ((int)k == v->lint_sel)
            vz_fill(g, (SDL_Rect){r.x + 4, y - 1, r.w - 8, lh}, VZ_NOTE_BG);
        char label[128];
        vz_lint_label(v, k, label, sizeof label);
        vz_text(g, VZ_SMALL, x, y, past ? (err ? VZ_ERROR : VZ_NOTE_INK) : VZ_MUTED, w, "%s",
                label);
    }
}

int vz_lints_hit(const struct vz_layout *L, const struct vz_view *v, int x, int y)
{
    SDL_Point p = {x, y};
    if (!SDL_PointInRect(&p, &L->lints))
        return -1;
    int k = (y - (L->lints.y + 10 + lint_row_h(L) + 2)) / lint_row_h(L);
    return k >= 0 && k < (int)v->lints.n ? k : -1;
}

void vz_side_draw(struct vz_gfx *g, const struct vz_layout *L, const struct vz_view *v)
{
    if (L->side.w == 0)
        return;
    inspector(g, L, v);
    lints_panel(g, L, v);
}

void vz_keys_draw(struct vz_gfx *g, const struct vz_layout *L, const struct vz_view *v)
{
    SDL_Rect r = L->keys;
    vz_fill(g, r, VZ_BAR);
    vz_text(g, VZ_NORMAL, L->pad, r.y + 8, VZ_PANEL, r.w - 2 * L->pad,
            "space play · ←/→ step · shift ←/→ ×10 · n/p note · l lint · +/− speed · t axis · "
            "wheel zoom · drag pan · Home/End · click select · f filter · s screenshot · ? help · q quit");
    vz_text(g, VZ_SMALL, L->pad, r.y + 10 + L->line_h, VZ_BAR_INK, r.w - 2 * L->pad, "%s",
            v->status[0] && !v->other ? v->status
            : "Stepping back costs the same as stepping forward. Colours come with shapes "
              "(★ ● ▲ ◆ ■ ▼) for colour-blind viewers; --big for projectors.");
}

void vz_help_draw(struct vz_gfx *g, const struct vz_layout *L)
{
    static const char *keys[][2] = {
        {"space", "play / pause (pauses at each note in lesson mode)"},
        {"← →", "one event back / forward"}, {"shift ← →", "ten events"},
        {"n  p", "next / previous note"}, {"l", "next lint: jump to it, select its task"},
        {"+  −", "playback speed, 0.1× to 100×"}, {"t", "time axis: logical (one step per event) / wall clock"},
        {"wheel", "zoom the timeline around the pointer"}, {"drag", "pan the timeline"},
        {"Home End", "first / last event"}, {"click", "select a task (slice or token); a lint"},
        {"f", "filter: dim every task but the selected one"}, {"s", "screenshot to wta-viz-N.png"},
        {"?", "this help"}, {"q  Esc", "quit"},
    };
    static const char *states[][2] = {
        {"IDLE", "waiting for a wake (the 'waiting' box)"},
        {"SCHEDULED", "woken, in a run queue"}, {"RUNNING", "being polled by a worker"},
        {"NOTIFIED", "woken while running: re-queued after the poll"},
        {"DONE", "finished; its output went to its JoinHandle"},
    };
    SDL_Rect r = {L->w / 8, L->h / 10, L->w * 3 / 4, L->h * 8 / 10};
    vz_fill(g, (SDL_Rect){0, 0, L->w, L->h}, (SDL_Color){0, 0, 0, 120});
    vz_round(g, r, 10, VZ_PANEL, VZ_LINE, 2);
    int x = r.x + 20, y = r.y + 14, lh = L->line_h + 3, col = r.w / 2;
    int kw = L->big ? 140 : 90, sw = L->big ? 160 : 110;     /* key and state columns */
    vz_text(g, VZ_TITLE, x, y, VZ_INK, 0, "wta-viz help · press ? to close");
    y += lh + 8;
    int y0 = y;
    for (size_t k = 0; k < sizeof keys / sizeof keys[0]; k++, y += lh) {
        vz_text(g, VZ_BOLD, x, y, VZ_INK, 0, "%s", keys[k][0]);
        vz_text(g, VZ_NORMAL, x + kw, y, VZ_INK, col - kw - 20, "%s", keys[k][1]);
    }
    x = r.x + col;
    y = y0;
    vz_text(g, VZ_BOLD, x, y, VZ_INK, 0, "Colours and shapes");
    y += lh;
    for (uint32_t t = 1; t <= 6; t++) {
        vz_fill(g, (SDL_Rect){x + (int)(t - 1) * 52, y + 2, 14, 14}, vz_task_color(t));
        vz_text(g, VZ_NORMAL, x + (int)(t - 1) * 52 + 18, y, VZ_INK, 0, "%u%s", t, vz_task_shape(t));
    }
    y += lh;
    vz_text(g, VZ_SMALL, x, y, VZ_MUTED, col - 30, "a colour and a shape per task (Okabe–Ito palette)");
    y += lh;
    vz_hatch(g, (SDL_Rect){x, y + 2, 30, 14}, VZ_SLEEP, VZ_SLEEP_LINE);
    vz_text(g, VZ_NORMAL, x + 40, y, VZ_INK, col - 70, "parked worker, or main waiting");
    y += lh;
    vz_frame_rect(g, (SDL_Rect){x, y + 4, 30, 10}, VZ_REACTOR, 1);
    vz_text(g, VZ_NORMAL, x + 40, y, VZ_INK, col - 70, "reactor turn (inside a park)");
    y += lh;
    vz_fill(g, (SDL_Rect){x, y + 2, 30, 14}, VZ_MAIN);
    vz_text(g, VZ_NORMAL, x + 40, y, VZ_INK, col - 70, "main thread polling the main future");
    y += lh;
    vz_fill(g, (SDL_Rect){x, y + 2, 30, 14}, VZ_BLOCKING);
    vz_text(g, VZ_NORMAL, x + 40, y, VZ_INK, col - 70, "a blocking job");
    y += lh;
    vz_arrow(g, (float)x, (float)y + 9, (float)x + 30, (float)y + 9, 0, 3, VZ_WAKE, 0);
    vz_text(g, VZ_NORMAL, x + 40, y, VZ_INK, col - 70, "a wake: from its cause to the task");
    y += lh;
    vz_circle(g, x + 8, y + 8, 7, VZ_WAKE, VZ_LINE);
    vz_circle(g, x + 26, y + 8, 7, VZ_PANEL, VZ_LINE);
    vz_text(g, VZ_NORMAL, x + 40, y, VZ_INK, col - 70, "MainWaker flag: ready / clear");
    y += lh + 6;
    vz_text(g, VZ_BOLD, x, y, VZ_INK, 0, "Task states (inspector strip)");
    y += lh;
    static const SDL_Color sc[] = {{0xd6, 0xd6, 0xd0, 255}, {0xF0, 0xE4, 0x42, 255},
                                   {0x00, 0x9E, 0x73, 255}, {0xD5, 0x5E, 0x00, 255},
                                   {0x55, 0x55, 0x55, 255}};
    for (size_t k = 0; k < 5; k++, y += lh) {
        vz_fill(g, (SDL_Rect){x, y + 2, 14, 14}, sc[k]);
        vz_text(g, VZ_BOLD, x + 20, y, VZ_INK, 0, "%s", states[k][0]);
        vz_text(g, VZ_SMALL, x + sw, y + 1, VZ_INK, col - sw - 30, "%s", states[k][1]);
    }
}

void vz_message_draw(struct vz_gfx *g, int w, int h, const char *title, const char *body,
                     double progress)
{
    vz_fill(g, (SDL_Rect){0, 0, w, h}, VZ_BG);
    vz_text(g, VZ_TITLE, 40, 40, VZ_INK, w - 80, "%s", title);
    int y = 80;
    for (const char *p = body; p && *p && y < h - 40; y += 20) {
        const char *nl = strchr(p, '\n');
        int n = nl ? (int)(nl - p) : (int)strlen(p);
        vz_text(g, VZ_NORMAL, 40, y, VZ_INK, w - 80, "%.*s", n, p);
        p = nl ? nl + 1 : p + n;
    }
    if (progress >= 0) {
        SDL_Rect bar = {40, h / 2, w - 80, 24};
        vz_frame_rect(g, bar, VZ_LINE, 1);
        vz_fill(g, (SDL_Rect){bar.x + 2, bar.y + 2, (int)((bar.w - 4) * progress), bar.h - 4},
                (SDL_Color){0x00, 0x72, 0xB2, 255});
    }
}

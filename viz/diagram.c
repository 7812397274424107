/*
 * diagram.c - the runtime as a teacher draws it, at the playhead.
 *
 *     main      block_on's state and the MainWaker's ready flag (a filled
 *               circle: set; an empty one: clear)
 *     wK        what the worker does (polling task T / parked / in the
 *               reactor / idle), how long it has, and its local queue
 *     global    the shared run queue, front first; the parked workers
 *     reactor   registered fds; pending timers in deadline order
 *     waiting   tasks that wait for a wake (IDLE); the blocking threads
 *
 * Tokens are placed first and drawn last, so an animation can move each
 * one from where it was in the previous state (`from`) to where it is now
 * (`tween` 0..1), and so the wake arrow of the last event can start and
 * end at tokens. The arrow goes from the wake's source (a timer, an fd,
 * a task, main, a blocking job, an outside thread) to the woken task.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "viewer.h"

static int tok_add(struct vz_tokens *t, uint32_t task, SDL_Rect r)
{
    if (t->n == t->cap) {
        size_t cap = t->cap ? t->cap * 2 : 32;
        uint32_t *ta = realloc(t->task, cap * sizeof *ta);
        if (ta)
            t->task = ta;
        SDL_Rect *ra = ta ? realloc(t->at, cap * sizeof *ra) : NULL;
        if (ra == NULL)
            return -ENOMEM;
        t->at = ra;
        t->cap = cap;
    }
    t->task[t->n] = task;
    t->at[t->n++] = r;
    return 0;
}

void vz_tokens_free(struct vz_tokens *t)
{
    free(t->task);
    free(t->at);
    memset(t, 0, sizeof *t);
}

int vz_tokens_find(const struct vz_tokens *t, uint32_t task, SDL_Rect *out)
{
    for (size_t k = 0; k < t->n; k++)
        if (t->task[k] == task) {
            *out = t->at[k];
            return 1;
        }
    return 0;
}

/* Width of task's token (the same computation vz_token draws with). */
static int tok_w(struct vz_gfx *g, const struct wta_model *m, uint32_t task)
{
    char label[96];
    snprintf(label, sizeof label, "task %llu %s", (unsigned long long)m->tasks[task - 1].id,
             vz_task_shape(task));
    return vz_text_width(g, VZ_BOLD, label) + 18;
}

/* Place tokens of q's tasks in a row from (x, y) within max_w, wrapping to
 * a second line of height lh; the rest as "+N". Returns the x after. */
static int place_row(struct vz_gfx *g, struct vz_tokens *tok, const struct wta_model *m,
                     const uint32_t *tasks, size_t n, int x, int y, int max_w, int lines)
{
    int x0 = x, lh = vz_font_h(g, VZ_BOLD) + 10, line = 0;
    for (size_t k = 0; k < n; k++) {
        int w = tok_w(g, m, tasks[k]);
        if (x + w > x0 + max_w - 34) {
            if (++line >= lines) {
                vz_text(g, VZ_BOLD, x, y + 3, VZ_MUTED, 0, "+%zu", n - k);
                return x + 30;
            }
            x = x0;
            y += lh;
        }
        tok_add(tok, tasks[k], (SDL_Rect){x, y, w, lh - 10 + 6 - 6});
        x += w + 6;
    }
    return x;
}

static void box(struct vz_gfx *g, SDL_Rect r, const char *title, const char *status)
{
    vz_round(g, r, 8, VZ_PANEL, VZ_LINE, g->big ? 2 : 1);
    int x = r.x + 12 + vz_text(g, VZ_TITLE, r.x + 12, r.y + 8, VZ_INK, r.w - 24, "%s", title);
    if (status && *status)
        vz_text(g, VZ_NORMAL, x + 10, r.y + 10, VZ_INK, r.x + r.w - x - 20, "%s", status);
}

static const struct wta_queue *find_queue(const struct vz_view *v, const char *name)
{
    for (size_t q = 0; q < v->st.nqueues; q++)
        if (strcmp(wta_model_str(v->m, v->st.queues[q].name), name) == 0)
            return &v->st.queues[q];
    return NULL;
}

static double ms_since(const struct vz_view *v, uint32_t since)
{
    if (v->at == 0 || since >= v->m->nevents)
        return 0;
    return (double)(v->m->events[v->at - 1].t_ns - v->m->events[since].t_ns) / 1e6;
}

static void main_box(struct vz_gfx *g, const struct vz_layout *L, const struct vz_view *v,
                     SDL_Point *flag)
{
    SDL_Rect r = L->main_box;
    const struct wta_thread_state *ts = v->m->nthreads ? &v->st.threads[0] : NULL;
    const char *what = "not started";
    if (ts)
        switch (ts->activity) {
        case WTA_ACT_MAIN_POLL: what = "polling the main future"; break;
        case WTA_ACT_BLOCK_ON: what = "book_keeping: waiting"; break;
        case WTA_ACT_IDLE: what = v->at ? "outside block_on" : "not started"; break;
        case WTA_ACT_RUNNING: what = "polling a task"; break;
        default: what = wta_activity_name(ts->activity); break;
        }
    int lh = L->line_h + 4, y = r.y + 8 + lh;
    box(g, r, "main · block_on", NULL);
    vz_text(g, VZ_NORMAL, r.x + 12, y, VZ_INK, r.w - 24, "%s", what);
    y += lh;
    int tw = vz_text(g, VZ_NORMAL, r.x + 12, y, VZ_INK, 0, "MainWaker");
    int cx = r.x + 12 + tw + 14, cy = y + vz_font_h(g, VZ_NORMAL) / 2, rad = L->big ? 11 : 8;
    vz_circle(g, cx, cy, rad, v->st.main_ready ? VZ_WAKE : VZ_PANEL, VZ_LINE);
    vz_text(g, VZ_BOLD, cx + rad + 6, y - 1, v->st.main_ready ? VZ_WAKE : VZ_MUTED, 0, "%s",
            v->st.main_ready ? "ready" : "clear");
    *flag = (SDL_Point){cx, cy};
    y += lh;
    if (v->st.main_ready && v->st.main_ready_by < v->m->nevents)
        vz_text(g, VZ_SMALL, r.x + 12, y, VZ_MUTED, r.w - 24, "set at event %u",
                v->st.main_ready_by);
}

static void worker_box(struct vz_gfx *g, const struct vz_layout *L, const struct vz_view *v,
                       int k, struct vz_tokens *tok)
{
    SDL_Rect r = L->worker_box[k];
    char name[16], qname[24], status[64] = "";
    snprintf(name, sizeof name, "w%d", k);
    int th = -1;
    for (size_t t = 0; t < v->m->nthreads; t++)
        if (v->m->threads[t].worker == k)
            th = (int)t;
    const struct wta_thread_state *ts = th >= 0 ? &v->st.threads[th] : NULL;
    int lh = L->line_h + 4, y = r.y + 8 + lh + 6;
    if (ts == NULL)
        snprintf(status, sizeof status, "not started");
    else if (ts->activity == WTA_ACT_RUNNING)
        snprintf(status, sizeof status, "polling");
    else if (ts->activity == WTA_ACT_REACTOR)
        snprintf(status, sizeof status, "in the reactor%s",
                 ts->saved == WTA_ACT_PARKED ? " (parked)" : "");
    else
        snprintf(status, sizeof status, "%s", wta_activity_name(ts->activity));
    int running = ts && ts->activity == WTA_ACT_RUNNING && ts->task;
    int tw = running ? tok_w(g, v->m, ts->task) : 0;
    /* A narrow box has no room for both: the token beside the name says "polling". */
    int fits = vz_text_width(g, VZ_TITLE, name) + vz_text_width(g, VZ_NORMAL, status) + tw + 44;
    box(g, r, name, !running || fits <= r.w ? status : NULL);
    if (running) {
        int w = tw;
        tok_add(tok, ts->task, (SDL_Rect){r.x + r.w - w - 10, r.y + 6, w, vz_font_h(g, VZ_BOLD) + 6});
        struct wta_task_state s;
        wta_model_task_at(v->m, ts->task, v->at, &s);
        vz_text(g, VZ_NORMAL, r.x + 12, y, VZ_INK, r.w - 24, "poll %u · %s · %.2f ms", s.polls,
                wta_tstate_name(s.state), ms_since(v, ts->since));
    } else if (ts && (ts->activity == WTA_ACT_PARKED || ts->activity == WTA_ACT_REACTOR)) {
        vz_hatch(g, (SDL_Rect){r.x + 12, y, 40, vz_font_h(g, VZ_NORMAL)}, VZ_SLEEP, VZ_SLEEP_LINE);
        vz_text(g, VZ_NORMAL, r.x + 58, y, VZ_INK, r.w - 70, "asleep %.2f ms%s",
                ms_since(v, ts->since), ts->unpark_pending ? " · unpark on its way" : "");
    }
    y += lh;
    snprintf(qname, sizeof qname, "local-%d", k);
    const struct wta_queue *q = find_queue(v, qname);
    int lw = vz_text(g, VZ_SMALL, r.x + 12, y + 3, VZ_MUTED, 0, "%s%s", qname,
                     q && q->len ? "" : ": empty");
    int lines = (r.y + r.h - y) / (vz_font_h(g, VZ_BOLD) + 10);
    if (q && q->len)
        place_row(g, tok, v->m, q->tasks, q->len, r.x + 18 + lw, y, r.w - 30 - lw,
                  lines > 0 ? lines : 1);
}

static void global_box(struct vz_gfx *g, const struct vz_layout *L, const struct vz_view *v,
                       struct vz_tokens *tok)
{
    SDL_Rect r = L->global_box;
    box(g, r, "global queue", NULL);
    const struct wta_queue *q = find_queue(v, "global");
    int y = r.y + 8 + L->line_h + 10, lh = vz_font_h(g, VZ_BOLD) + 10;
    /* Leave room below for the parked list: its label and a row of chips. */
    int rows = (r.y + r.h - y - L->line_h - vz_font_h(g, VZ_BOLD) - 14) / lh;
    if (q && q->len)
        place_row(g, tok, v->m, q->tasks, q->len, r.x + 12, y, r.w - 12, rows > 0 ? rows : 1);
    else if (y + L->line_h < r.y + r.h - L->line_h - vz_font_h(g, VZ_BOLD) - 10)
        vz_text(g, VZ_SMALL, r.x + 12, y + 3, VZ_MUTED, 0, "empty");
    /* Other named queues (none in today's runtime) are listed by length. */
    for (size_t k = 0; k < v->st.nqueues; k++) {
        const char *n = wta_model_str(v->m, v->st.queues[k].name);
        if (strcmp(n, "global") && strncmp(n, "local-", 6) && v->st.queues[k].len)
            y += lh, vz_text(g, VZ_SMALL, r.x + 12, y, VZ_MUTED, 0, "%s: %u", n, v->st.queues[k].len);
    }
    /* The parked list: a grey chip per sleeping worker, in worker order. */
    int x = r.x + 12, y2 = r.y + r.h - vz_font_h(g, VZ_BOLD) - 10;
    if (rows > 0)                               /* else the queue's row needs the room */
        vz_text(g, VZ_SMALL, x, y2 - L->line_h, VZ_MUTED, 0, "parked workers");
    tok->nparked = 0;
    for (size_t t = 0; t < v->m->nthreads; t++) {
        const struct wta_thread_state *ts = &v->st.threads[t];
        int w = v->m->threads[t].worker;
        if (w < 0 || !(ts->activity == WTA_ACT_PARKED ||
                       (ts->activity == WTA_ACT_REACTOR && ts->saved == WTA_ACT_PARKED)))
            continue;
        int cw = vz_text_width(g, VZ_BOLD, v->m->threads[t].name) + 14;
        if (x + cw > r.x + r.w - 8 || tok->nparked == VZ_MAX_WORKERS)
            break;
        SDL_Rect chip = {x, y2, cw, vz_font_h(g, VZ_BOLD) + 4};
        vz_round(g, chip, 4, VZ_SLEEP_LINE, VZ_SLEEP_LINE, 0);
        vz_text(g, VZ_BOLD, x + 7, y2 + 2, VZ_INK, 0, "%s", v->m->threads[t].name);
        tok->parked[tok->nparked] = chip;
        tok->parked_worker[tok->nparked++] = w;
        x += cw + 6;
    }
    if (tok->nparked == 0)
        vz_text(g, VZ_NORMAL, x, y2 + 2, VZ_MUTED, 0, "none");
}

static int cmp_deadline(const void *a, const void *b)
{
    const struct wta_timer *x = a, *y = b;
    if (x->deadline_ns != y->deadline_ns)
        return x->deadline_ns < y->deadline_ns ? -1 : 1;
    return x->id < y->id ? -1 : x->id > y->id;
}

static void reactor_box(struct vz_gfx *g, const struct vz_layout *L, const struct vz_view *v,
                        SDL_Point *fds_at, SDL_Point *timers_at)
{
    SDL_Rect r = L->reactor_box;
    char status[96] = "idle";
    for (size_t t = 0; t < v->m->nthreads; t++)
        if (v->st.threads[t].activity == WTA_ACT_REACTOR)
            snprintf(status, sizeof status, "turning on %s", v->m->threads[t].name);
    box(g, r, "reactor", status);
    int lh = vz_font_h(g, VZ_NORMAL) + 12, y = r.y + 8 + L->line_h + 10, x;
    int lab = vz_text_width(g, VZ_NORMAL, "timers") + 20;
    vz_text(g, VZ_NORMAL, r.x + 12, y + 3, VZ_INK, 0, "fds");
    *fds_at = (SDL_Point){r.x + 12, y + lh / 2};
    x = r.x + 12 + lab;
    for (size_t k = 0; k < v->st.nfds; k++) {
        char chip[48];
        snprintf(chip, sizeof chip, "fd %lld %s", (long long)v->st.fds[k].fd,
                 wta_model_str(v->m, v->st.fds[k].interest));
        int w = vz_text_width(g, VZ_SMALL, chip) + 16;
        if (x + w > r.x + r.w - 40) {
            vz_text(g, VZ_SMALL, x, y + 3, VZ_MUTED, 0, "+%zu", v->st.nfds - k);
            break;
        }
        vz_round(g, (SDL_Rect){x, y, w, lh - 6}, 4, VZ_SLEEP, VZ_SLEEP_LINE, 1);
        vz_text(g, VZ_SMALL, x + 8, y + 3, VZ_INK, 0, "%s", chip);
        x += w + 6;
    }
    if (v->st.nfds == 0)
        vz_text(g, VZ_SMALL, x, y + 3, VZ_MUTED, 0, "none registered");
    y += lh + 4;
    vz_text(g, VZ_NORMAL, r.x + 12, y + 3, VZ_INK, 0, "timers");
    *timers_at = (SDL_Point){r.x + 12, y + lh / 2};
    x = r.x + 12 + lab;
    size_t n = v->st.ntimers < 64 ? v->st.ntimers : 64;
    struct wta_timer tm[64];
    if (n)
        memcpy(tm, v->st.timers, n * sizeof tm[0]);
    qsort(tm, n, sizeof tm[0], cmp_deadline);
    int64_t now = v->at ? v->m->events[v->at - 1].t_ns : 0;
    for (size_t k = 0; k < n; k++) {
        char chip[80];
        double dt = ((double)tm[k].deadline_ns - (double)now) / 1e6;
        char who[32] = "main";
        if (tm[k].task)
            snprintf(who, sizeof who, "task %llu", (unsigned long long)v->m->tasks[tm[k].task - 1].id);
        snprintf(chip, sizeof chip, "timer %llu · %s%.2f ms · %s", (unsigned long long)tm[k].id,
                 dt >= 0 ? "+" : "", dt, who);
        int w = vz_text_width(g, VZ_SMALL, chip) + 16;
        if (x + w > r.x + r.w - 40) {
            vz_text(g, VZ_SMALL, x, y + 3, VZ_MUTED, 0, "+%zu", v->st.ntimers - k);
            break;
        }
        vz_round(g, (SDL_Rect){x, y, w, lh - 6}, 4, k == 0 ? VZ_NOTE_BG : VZ_SLEEP,
                 k == 0 ? VZ_WAKE : VZ_SLEEP_LINE, 1);
        vz_text(g, VZ_SMALL, x + 8, y + 3, VZ_INK, 0, "%s", chip);
        x += w + 6;
    }
    if (v->st.ntimers == 0)
        vz_text(g, VZ_SMALL, x, y + 3, VZ_MUTED, 0, "none pending");
    if (y + lh + L->line_h + 4 <= r.y + r.h)   /* the footnote, where there is room */
        vz_text(g, VZ_SMALL, r.x + 12, r.y + r.h - L->line_h - 4, VZ_MUTED, r.w - 24,
                "timers in deadline order: the first one bounds the epoll wait");
}

/* Tasks waiting for a wake (IDLE), and the blocking threads. */
static void waiting_box(struct vz_gfx *g, const struct vz_layout *L, const struct vz_view *v,
                        struct vz_tokens *tok)
{
    SDL_Rect r = L->blocking_box;
    uint32_t idle[256];
    size_t n = 0;
    box(g, r, "waiting for a wake", NULL);
    for (uint32_t t = 1; t <= v->m->ntasks && t <= 4096 && n < 256; t++) {
        struct wta_task_state s;
        if (wta_model_task_at(v->m, t, v->at, &s) == 0 && s.state == WTA_TS_IDLE)
            idle[n++] = t;
    }
    int y = r.y + 8 + L->line_h + 10, lh = vz_font_h(g, VZ_BOLD) + 10;
    if (n)
        place_row(g, tok, v->m, idle, n, r.x + 12, y, r.w - 12, 1);
    else
        vz_text(g, VZ_SMALL, r.x + 12, y + 3, VZ_MUTED, 0, "no task is waiting");
    y += lh + 2;
    for (size_t t = 0; t < v->m->nthreads && y < r.y + r.h - L->line_h; t++) {
        if (strncmp(v->m->threads[t].name, "blocking-", 9) != 0)
            continue;
        int busy = v->st.threads[t].activity == WTA_ACT_BLOCKING;
        vz_text(g, VZ_NORMAL, r.x + 12, y, busy ? VZ_INK : VZ_MUTED, r.w - 24, "%s: %s",
                v->m->threads[t].name, busy ? "running a blocking job" : "idle");
        y += L->line_h + 2;
    }
}

static SDL_Point mid_of(SDL_Rect r)
{
    return (SDL_Point){r.x + r.w / 2, r.y + r.h / 2};
}

/* Where a wake came from: the waking task's token, or the box of its source. */
static SDL_Point wake_source(const struct vz_layout *L, const struct vz_view *v,
                             const struct wta_ev *e, const struct vz_tokens *tok,
                             const char *source, uint32_t by, SDL_Point fds, SDL_Point timers)
{
    SDL_Rect r;
    if (by && vz_tokens_find(tok, by, &r))
        return mid_of(r);
    if (strcmp(source, "timer") == 0)
        return timers;
    if (strcmp(source, "reactor") == 0)
        return fds;
    if (strcmp(source, "blocking") == 0)
        return mid_of(L->blocking_box);
    int w = v->m->threads[e->th].worker;
    if (w >= 0 && w < L->nworkers)
        return mid_of(L->worker_box[w]);
    if (strcmp(source, "main") == 0 || e->th == 0)
        return mid_of(L->main_box);
    return (SDL_Point){-1, -1};                 /* a thread outside the runtime */
}

/* After the diagram's title, when some workers have no box. */
static const char *hidden_note(const struct vz_layout *L)
{
    return L->workers_hidden ? " · more workers than fit: widen the window" : "";
}

/* A chip for a thread outside the runtime (ext-K), after the diagram's title. */
static SDL_Point outside_chip(struct vz_gfx *g, const struct vz_layout *L, const char *th)
{
    char label[96];
    snprintf(label, sizeof label, "%s (outside the runtime)", th);
    int x = L->diagram.x + vz_text_width(g, VZ_SMALL, "THE RUNTIME AFTER EVENT 000000") +
            vz_text_width(g, VZ_SMALL, hidden_note(L)) + 16;
    int w = vz_text_width(g, VZ_SMALL, label) + 12, h = vz_font_h(g, VZ_SMALL) + 2;
    vz_round(g, (SDL_Rect){x, L->diagram.y - 1, w, h}, 3, VZ_PANEL, VZ_LINE, 1);
    vz_text(g, VZ_SMALL, x + 6, L->diagram.y, VZ_INK, 0, "%s", label);
    return (SDL_Point){x + w / 2, L->diagram.y + h};
}

static void wake_arrow(struct vz_gfx *g, const struct vz_layout *L, const struct vz_view *v,
                       const struct vz_tokens *tok, SDL_Point flag, SDL_Point fds, SDL_Point timers)
{
    if (v->at == 0)
        return;
    const struct wta_ev *e = &v->m->events[v->at - 1];
    char what[200], cause[128];
    uint32_t named;
    int exact = wta_wake_cause(v->m, v->at - 1, cause, sizeof cause, &named);
    SDL_Point from, to;
    SDL_Rect r;
    if (e->kind == WTA_EV_WAKER_WAKE && e->task) {
        const char *src = wta_model_str(v->m, e->f[1]), *out = wta_model_str(v->m, e->f[2]);
        uint32_t by = e->f[3] ? wta_model_task_by_id(v->m, (uint64_t)e->f[3]) : 0;
        from = wake_source(L, v, e, tok, src, by, fds, timers);
        if (vz_tokens_find(tok, e->task, &r))
            to = (SDL_Point){r.x + r.w / 2, r.y};
        else
            to = (SDL_Point){L->diagram.x + L->diagram.w / 2, L->diagram.y + 40};
        if (exact)   // the trace names what woke it: say that
            snprintf(what, sizeof what, "wake: %s → task %llu · %s", cause,
                     (unsigned long long)v->m->tasks[e->task - 1].id, out);
        else if (by)
            snprintf(what, sizeof what, "wake: task %llu → task %llu · %s",
                     (unsigned long long)v->m->tasks[by - 1].id,
                     (unsigned long long)v->m->tasks[e->task - 1].id, out);
        else
            snprintf(what, sizeof what, "wake: %s → task %llu · %s", src,
                     (unsigned long long)v->m->tasks[e->task - 1].id, out);
    } else if (e->kind == WTA_EV_MAIN_WAKE) {
        const char *src = wta_model_str(v->m, e->f[0]);
        uint32_t by = e->f[1] ? wta_model_task_by_id(v->m, (uint64_t)e->f[1]) : 0;
        from = wake_source(L, v, e, tok, src, by, fds, timers);
        to = flag;
        snprintf(what, sizeof what, "wake: %s → MainWaker%s", exact ? cause : src,
                 e->f[2] ? " (already ready)" : "");
    } else {
        return;
    }
    if (from.x < 0)
        from = outside_chip(g, L, v->m->threads[e->th].name);
    if (from.x == to.x && from.y == to.y)
        from.y -= 30;
    int lost = strstr(what, "lost") != NULL;
    vz_arrow(g, (float)from.x, (float)from.y, (float)to.x, (float)to.y, 40,
             (float)g->thick + 1, VZ_WAKE, 0);
    if (lost)
        vz_text(g, VZ_TITLE, to.x + 10, to.y - 20, VZ_WAKE, 0, "✗ lost");
    int w = vz_text_width(g, VZ_BOLD, what) + 16, x = L->diagram.x + L->diagram.w - w;
    SDL_Rect label = {x, L->diagram.y - 4, w, vz_font_h(g, VZ_BOLD) + 4};
    vz_round(g, label, 4, VZ_NOTE_BG, VZ_WAKE, 1);
    vz_text(g, VZ_BOLD, x + 8, label.y + 2, VZ_WAKE, 0, "%s", what);
}

void vz_diagram_draw(struct vz_gfx *g, const struct vz_layout *L, const struct vz_view *v,
                     struct vz_tokens *tok, const struct vz_tokens *from, double tween)
{
    SDL_Point flag, fds, timers;
    tok->n = 0;
    vz_text(g, VZ_SMALL, L->diagram.x, L->diagram.y, VZ_MUTED, 0, "THE RUNTIME AFTER EVENT %zu%s",
            v->at, hidden_note(L));
    main_box(g, L, v, &flag);
    tok->flag = flag;
    for (int k = 0; k < L->nworkers; k++)
        worker_box(g, L, v, k, tok);
    global_box(g, L, v, tok);
    reactor_box(g, L, v, &fds, &timers);
    waiting_box(g, L, v, tok);
    for (size_t k = 0; k < tok->n; k++) {
        SDL_Rect r = tok->at[k], a;
        if (from && tween < 1 && vz_tokens_find(from, tok->task[k], &a)) {
            r.x = a.x + (int)((r.x - a.x) * tween);
            r.y = a.y + (int)((r.y - a.y) * tween);
        }
        vz_token(g, r.x, r.y, tok->task[k], v->m, tok->task[k] == v->selected, NULL);
    }
    wake_arrow(g, L, v, tok, flag, fds, timers);
}

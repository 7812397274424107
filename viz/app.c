/*
 * app.c - the window: read input, advance playback, draw, repeat.
 *
 * One thread. Each turn of the loop handles every pending event (input.c),
 * advances playback by the wall time since the last turn (view.c), moves
 * the token animation on, and draws a frame (frame.c) with SDL's software
 * renderer, the same code the PNGs come from. When nothing moves the loop
 * sleeps in SDL_WaitEventTimeout instead of spinning.
 *
 * Tweening: when playback applies events, the diagram's tokens glide from
 * where they were to where they are now over a fraction of a second (less
 * at high speed), so the eye can follow a task from a queue to a worker.
 * A step by hand is instant: the student asked for that one state.
 *
 * --follow: every half second the trace file's size is checked; when it
 * grew, the trace is read again and the view keeps its place, or stays at
 * the live edge if it was there.
 */
#include <SDL_image.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "viewer.h"

static void tokens_copy(struct vz_tokens *dst, const struct vz_tokens *src)
{
    dst->n = 0;
    if (src->n == 0)
        return;
    if (src->n > dst->cap) {
        uint32_t *t = realloc(dst->task, src->n * sizeof *t);
        if (t)
            dst->task = t;
        SDL_Rect *a = t ? realloc(dst->at, src->n * sizeof *a) : NULL;
        if (a == NULL)
            return;
        dst->at = a;
        dst->cap = src->n;
    }
    memcpy(dst->task, src->task, src->n * sizeof *dst->task);
    memcpy(dst->at, src->at, src->n * sizeof *dst->at);
    dst->n = src->n;
}

/* Save what the window shows as wta-viz-N.png (the first free N). */
static void screenshot(SDL_Renderer *r, struct vz_view *v)
{
    int w, h;
    char path[64];
    struct stat st;
    SDL_GetRendererOutputSize(r, &w, &h);
    SDL_Surface *s = SDL_CreateRGBSurfaceWithFormat(0, w, h, 32, SDL_PIXELFORMAT_ARGB8888);
    if (s == NULL)
        return;
    if (SDL_RenderReadPixels(r, NULL, SDL_PIXELFORMAT_ARGB8888, s->pixels, s->pitch) == 0) {
        for (int n = 1; n < 10000; n++) {
            snprintf(path, sizeof path, "wta-viz-%d.png", n);
            if (stat(path, &st) < 0)
                break;
        }
        char tmp[80];                           /* whole or not at all: write, then rename */
        snprintf(tmp, sizeof tmp, "%s.part", path);
        if (vz_png_write(s, tmp) == 0 && rename(tmp, path) == 0) {
            snprintf(v->status, sizeof v->status, "screenshot saved: %s", path);
            fprintf(stderr, "wta-viz: screenshot saved: %s\n", path);
        }
    }
    SDL_FreeSurface(s);
}

/* Read the followed trace again if it grew; keep the playhead's place. */
static void follow(struct vz_view *v, const char *path, off_t *size)
{
    struct stat st;
    struct wta_model *m;
    if (stat(path, &st) < 0 || st.st_size == *size)
        return;
    *size = st.st_size;
    if (wta_model_load(path, 0, &m) < 0 && (m == NULL || m->nevents == 0)) {
        wta_model_free(m);
        return;
    }
    int live = v->at >= v->m->nevents;
    size_t at = v->at;
    uint32_t sel = v->selected;
    int big = v->big, lesson = v->lesson;
    double speed = v->speed;
    struct vz_view nv;
    if (vz_view_init(&nv, m, v->path) < 0) {
        vz_view_destroy(&nv);
        return;
    }
    vz_view_destroy(v);
    *v = nv;
    v->big = big;
    v->lesson = lesson;
    v->speed = speed;
    v->selected = sel <= v->m->ntasks ? sel : 0;
    vz_view_seek(v, live ? v->m->nevents : at);
    snprintf(v->status, sizeof v->status, "following %s: %zu events%s", path, v->m->nevents,
             live ? " (at the live edge)" : "");
}

struct vz_app *vz_app_open(int w, int h, int big)
{
    char err[256];
    struct vz_app *a = calloc(1, sizeof *a);
    if (a == NULL)
        return NULL;
    if (SDL_Init(SDL_INIT_VIDEO) < 0) {
        fprintf(stderr, "wta-viz: cannot open a window (SDL: %s); render PNGs with --out, "
                        "--frames or --sheet instead\n", SDL_GetError());
        free(a);
        return NULL;
    }
    a->win = SDL_CreateWindow("wta-viz", SDL_WINDOWPOS_UNDEFINED, SDL_WINDOWPOS_UNDEFINED, w, h,
                              SDL_WINDOW_RESIZABLE);
    a->r = a->win ? SDL_CreateRenderer(a->win, -1, SDL_RENDERER_SOFTWARE) : NULL;
    if (a->r == NULL || vz_gfx_init(&a->g, a->r, big, err, sizeof err) < 0) {
        fprintf(stderr, "wta-viz: %s\n", a->r ? err : SDL_GetError());
        vz_app_close(a);
        return NULL;
    }
    SDL_SetWindowMinimumSize(a->win, 640, 480);
    return a;
}

void vz_app_close(struct vz_app *a)
{
    if (a == NULL)
        return;
    vz_gfx_destroy(&a->g);
    if (a->r)
        SDL_DestroyRenderer(a->r);
    if (a->win)
        SDL_DestroyWindow(a->win);
    free(a);
    SDL_Quit();
}

/* The loader runs on its own thread so the window can show progress. */
struct load_job {
    const char *path;
    struct wta_model *m;
    int rc;
    _Atomic uint64_t read;       /* bytes read so far */
    SDL_atomic_t done;
};

static void count_read(void *arg, uint64_t n)
{
    atomic_fetch_add_explicit((_Atomic uint64_t *)arg, n, memory_order_relaxed);
}

static int load_thread(void *arg)
{
    struct load_job *j = arg;
    j->rc = wta_model_load_watched(j->path, 0, count_read, &j->read, &j->m);
    SDL_AtomicSet(&j->done, 1);
    return 0;
}

/* A full-window message until a key, a click or a close. */
static void show_until_key(struct vz_app *a, const char *title, const char *body)
{
    SDL_Event e;
    for (;;) {
        int w, h;
        SDL_GetRendererOutputSize(a->r, &w, &h);
        vz_message_draw(&a->g, w, h, title, body, -1);
        SDL_RenderPresent(a->r);
        if (!SDL_WaitEvent(&e) || e.type == SDL_QUIT || e.type == SDL_KEYDOWN ||
            e.type == SDL_MOUSEBUTTONDOWN)
            return;
    }
}

int vz_app_load(struct vz_app *a, const char *path, struct wta_model **out)
{
    struct load_job j = {.path = path};
    struct stat st;
    char title[300], body[128];
    double mb = stat(path, &st) == 0 ? (double)st.st_size / 1e6 : 0;
    if (mb > 16)
        fprintf(stderr, "wta-viz: loading %s (%.0f MB)...\n", path, mb);
    SDL_Thread *t = SDL_CreateThread(load_thread, "wta-viz-load", &j);
    if (t == NULL)
        load_thread(&j);
    Uint64 t0 = SDL_GetTicks64();
    snprintf(title, sizeof title, "loading %s", path);
    while (!SDL_AtomicGet(&j.done)) {
        SDL_Event e;
        int w, h;
        while (SDL_PollEvent(&e))
            ;                                   /* keep the window responsive */
        /* Reading is most of the work; the indexes are built after the last byte. */
        double s = (double)(SDL_GetTicks64() - t0) / 1000;
        double got = (double)atomic_load(&j.read) / 1e6;
        double frac = mb > 0 ? got / mb : 0;
        if (frac < 1)
            snprintf(body, sizeof body, "%.0f of %.0f MB read, %.1f s", got, mb, s);
        else
            snprintf(body, sizeof body, "%.0f MB read; building the indexes, %.1f s", mb, s);
        SDL_GetRendererOutputSize(a->r, &w, &h);
        vz_message_draw(&a->g, w, h, title, body, frac < 0.98 ? frac : 0.98);
        SDL_RenderPresent(a->r);
        SDL_Delay(30);
    }
    if (t)
        SDL_WaitThread(t, NULL);
    *out = j.m;
    if (j.rc == 0)
        return 0;
    char *text = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&text, &len);
    if (f) {
        if (j.m)
            wta_model_print_diags(j.m, f);
        else
            fprintf(f, "%s: %s\n", path, strerror(-j.rc));
        fclose(f);
        fputs(text, stderr);
        fprintf(stderr, "wta-viz: %s: the trace did not load\n", path);
        snprintf(title, sizeof title, "%s did not load (any key closes this window)", path);
        show_until_key(a, title, text);
        free(text);
    }
    wta_model_free(j.m);
    *out = NULL;
    return j.rc;
}

int vz_app_run(struct vz_app *a, struct vz_view *v, const struct vz_app_opts *o)
{
    char title[300];
    SDL_Renderer *r = a->r;
    struct vz_gfx *g = &a->g;
    snprintf(title, sizeof title, "wta-viz — %s", v->path);
    SDL_SetWindowTitle(a->win, title);
    struct vz_frame fr;
    struct vz_input in;
    memset(&fr, 0, sizeof fr);
    memset(&in, 0, sizeof in);
    fr.tween = 1;
    off_t size = -1;
    Uint64 last = SDL_GetPerformanceCounter(), last_follow = last, freq = SDL_GetPerformanceFrequency();
    int quit = 0, dirty = 1, shot = 0;
    while (!quit) {
        SDL_Event e;
        int busy = v->playing || fr.tween < 1 || o->follow;
        if (!busy && !dirty && SDL_WaitEventTimeout(&e, 250)) {
            if (SDL_PushEvent(&e) < 0)          /* handle it below with the rest */
                break;
        }
        while (SDL_PollEvent(&e)) {
            enum vz_action act = vz_input_handle(v, &in, &fr, &e);
            if (act == VZ_QUIT)
                quit = 1;
            else if (act == VZ_SCREENSHOT)
                shot = 1;                       /* after the next frame is drawn */
            dirty = 1;
        }
        Uint64 now = SDL_GetPerformanceCounter();
        double dt = (double)(now - last) / (double)freq;
        last = now;
        size_t before = v->at;
        vz_view_tick(v, dt);
        if (v->at != before) {
            tokens_copy(&fr.prev, &fr.tok);
            fr.tween = 0;
        }
        if (fr.tween < 1) {
            fr.tween += dt / (0.4 / (v->speed > 1 ? v->speed : 1));
            if (fr.tween > 1)
                fr.tween = 1;
            dirty = 1;
        }
        if (o->follow && (double)(now - last_follow) / (double)freq > 0.5) {
            last_follow = now;
            follow(v, o->trace_path, &size);
            dirty = 1;
        }
        if (!dirty && !v->playing)
            continue;
        int w, h;
        SDL_GetRendererOutputSize(r, &w, &h);
        vz_frame_draw(g, &fr, v, w, h);
        if (shot)
            screenshot(r, v);
        SDL_RenderPresent(r);
        shot = dirty = 0;
        if (v->playing || fr.tween < 1)
            SDL_Delay(15);
    }
    vz_frame_destroy(&fr);
    return 0;
}

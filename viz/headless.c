/*
 * headless.c - frames as PNG files, with no display.
 *
 * A frame is drawn by SDL's software renderer into an ARGB8888 surface
 * (SDL_CreateSoftwareRenderer), then written with SDL_image. Nothing here
 * touches a video driver, so it runs on a server, in CI and in tests, and
 * the same trace, index and size give the same bytes on every machine with
 * the same libraries and fonts.
 *
 *     --at I --out F.png     one frame: the state after I events
 *     --frames DIR --every K frames 0, K, 2K, ... and the last, numbered
 *     --sheet F.png          a contact sheet: one panel per note (the
 *                            moment just after it), or nine evenly spaced
 *                            moments when the trace has no notes
 */
#include <errno.h>
#include <SDL_image.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include "viewer.h"

void vz_canvas_close(struct vz_canvas *c)
{
    vz_frame_destroy(&c->fr);
    vz_gfx_destroy(&c->g);
    if (c->r)
        SDL_DestroyRenderer(c->r);
    if (c->s)
        SDL_FreeSurface(c->s);
    memset(c, 0, sizeof *c);
}

int vz_canvas_open(struct vz_canvas *c, int w, int h, int big, char *err, size_t errlen)
{
    memset(c, 0, sizeof *c);
    c->fr.tween = 1;
    c->s = SDL_CreateRGBSurfaceWithFormat(0, w, h, 32, SDL_PIXELFORMAT_ARGB8888);
    c->r = c->s ? SDL_CreateSoftwareRenderer(c->s) : NULL;
    if (c->r == NULL) {
        snprintf(err, errlen, "SDL: cannot make a %dx%d software canvas: %s", w, h, SDL_GetError());
        vz_canvas_close(c);
        return -ENOMEM;
    }
    if (vz_gfx_init(&c->g, c->r, big, err, errlen) < 0) {
        vz_canvas_close(c);
        return -ENOENT;
    }
    return 0;
}

void vz_canvas_draw(struct vz_canvas *c, struct vz_view *v, size_t i)
{
    if (i != v->at)
        vz_view_seek(v, i);
    vz_frame_draw(&c->g, &c->fr, v, c->s->w, c->s->h);
    SDL_RenderPresent(c->r);                    /* flush SDL's command queue */
}

int vz_png_write(SDL_Surface *s, const char *path)
{
    if (IMG_SavePNG(s, path) < 0) {
        fprintf(stderr, "wta-viz: %s: cannot write PNG: %s\n", path, IMG_GetError());
        return -EIO;
    }
    return 0;
}

SDL_Surface *vz_render_surface(struct vz_view *v, size_t i, int w, int h, int big, char *err,
                               size_t errlen)
{
    struct vz_canvas c;
    if (vz_canvas_open(&c, w, h, big, err, errlen) < 0)
        return NULL;
    vz_canvas_draw(&c, v, i);
    SDL_Surface *s = c.s;
    c.s = NULL;                                 /* keep it past the close */
    SDL_DestroyRenderer(c.r);
    c.r = NULL;
    vz_canvas_close(&c);
    return s;
}

int vz_headless_png(struct vz_view *v, size_t i, int w, int h, int big, const char *out)
{
    char err[256];
    SDL_Surface *s = vz_render_surface(v, i, w, h, big, err, sizeof err);
    if (s == NULL) {
        fprintf(stderr, "wta-viz: %s\n", err);
        return -ENOENT;
    }
    int r = vz_png_write(s, out);
    SDL_FreeSurface(s);
    return r;
}

int vz_headless_frames(struct vz_view *v, const char *dir, size_t every, int w, int h, int big)
{
    struct vz_canvas c;
    char err[256], path[4096];
    if (mkdir(dir, 0777) < 0 && errno != EEXIST) {
        fprintf(stderr, "wta-viz: %s: cannot create the folder: %s\n", dir, strerror(errno));
        return -EIO;
    }
    if (vz_canvas_open(&c, w, h, big, err, sizeof err) < 0) {
        fprintf(stderr, "wta-viz: %s\n", err);
        return -ENOENT;
    }
    int r = 0;
    size_t n = v->m->nevents, count = 0;
    for (size_t i = 0; r == 0; i += every) {
        if (i > n)
            i = n;
        vz_canvas_draw(&c, v, i);
        snprintf(path, sizeof path, "%s/frame-%06zu.png", dir, i);
        r = vz_png_write(c.s, path);
        count++;
        if (i == n)
            break;
        if (count % 50 == 0)
            fprintf(stderr, "wta-viz: %zu frames written (event %zu of %zu)\n", count, i, n);
    }
    if (r == 0)
        fprintf(stderr, "wta-viz: %zu frames in %s/\n", count, dir);
    vz_canvas_close(&c);
    return r;
}

/* The moments a contact sheet shows: after each note, else evenly spaced. */
static size_t sheet_moments(const struct vz_view *v, size_t *at, size_t max)
{
    size_t n = 0;
    for (size_t k = 0; k < v->nnotes && n < max; k++)
        at[n++] = v->notes[k] + 1;
    if (n == 0)
        for (size_t k = 0; k < 9; k++)
            at[n++] = v->m->nevents * (k + 1) / 9;
    return n;
}

int vz_headless_sheet(struct vz_view *v, const char *out, int w, int h, int big)
{
    struct vz_canvas frame, sheet;
    char err[256];
    size_t at[24], n = sheet_moments(v, at, 24);
    int cols = n <= 4 ? 2 : n <= 9 ? 3 : 4, rows = (int)((n + (size_t)cols - 1) / (size_t)cols);
    int pw = w / 3, ph = h / 3, gap = 16, label = 40;
    int sw = cols * pw + (cols + 1) * gap, sh = rows * (ph + label) + (rows + 1) * gap + 30;
    if (vz_canvas_open(&frame, w, h, big, err, sizeof err) < 0 ||
        vz_canvas_open(&sheet, sw, sh, 0, err, sizeof err) < 0) {
        fprintf(stderr, "wta-viz: %s\n", err);
        vz_canvas_close(&frame);
        return -ENOENT;
    }
    struct vz_gfx *g = &sheet.g;
    vz_fill(g, (SDL_Rect){0, 0, sw, sh}, VZ_BG);
    vz_text(g, VZ_TITLE, gap, 10, VZ_INK, sw - 2 * gap, "%s · %zu events · %s", v->path,
            v->m->nevents, v->nnotes ? "one panel per note" : "evenly spaced moments");
    SDL_RenderPresent(sheet.r);
    for (size_t k = 0; k < n; k++) {
        int cx = gap + (int)(k % (size_t)cols) * (pw + gap);
        int cy = 30 + gap + (int)(k / (size_t)cols) * (ph + label + gap);
        vz_canvas_draw(&frame, v, at[k]);
        SDL_Rect dst = {cx, cy + label, pw, ph};
        if (SDL_SoftStretchLinear(frame.s, NULL, sheet.s, &dst) < 0)
            SDL_BlitScaled(frame.s, NULL, sheet.s, &dst);
        long note = vz_view_note_at(v);
        vz_text(g, VZ_BOLD, cx, cy + 2, VZ_INK, pw, "%zu. event %zu", k + 1, at[k]);
        if (v->nnotes && note >= 0)
            vz_text(g, VZ_NORMAL, cx, cy + 20, VZ_NOTE_INK, pw, "%s",
                    wta_model_str(v->m, v->m->events[v->notes[note]].f[0]));
        vz_frame_rect(g, (SDL_Rect){cx - 1, cy + label - 1, pw + 2, ph + 2}, VZ_LINE, 1);
        SDL_RenderPresent(sheet.r);
    }
    int r = vz_png_write(sheet.s, out);
    vz_canvas_close(&frame);
    vz_canvas_close(&sheet);
    return r;
}

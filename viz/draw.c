/*
 * draw.c - colours, fonts and the few shapes every panel is drawn with.
 *
 * Palette: Okabe and Ito's eight colours, chosen to stay distinct for the
 * common kinds of colour blindness. Tasks cycle through seven of them, and
 * each task also has a shape (● ▲ ◆ ■ ★ ▼ ✚) cycling with a different
 * period, so two tasks never rely on hue alone. Thread activities that are
 * not a task are neutral: parked is a grey hatch ("asleep"), a reactor turn
 * is a dark outlined box, the main future's poll is dark blue-grey.
 *
 * Text goes through a cache of rendered textures, keyed by font, colour and
 * string: a frame draws a few hundred strings, mostly the same as the frame
 * before, and rendering each with FreeType every frame would cost more than
 * all the rest of the frame. The cache is emptied when it fills.
 *
 * Shapes are built from SDL_RenderFillRect rows and SDL_RenderGeometry
 * triangles, which the software renderer draws the same on every machine.
 */
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "viewer.h"

#define C(r, g, b) {r, g, b, 255}
const SDL_Color VZ_BG = C(0xfb, 0xfb, 0xf8), VZ_INK = C(0x1d, 0x1f, 0x23),
                VZ_MUTED = C(0x66, 0x66, 0x66), VZ_LINE = C(0x33, 0x33, 0x33),
                VZ_PANEL = C(0xff, 0xff, 0xff), VZ_BAR = C(0x23, 0x26, 0x2b),
                VZ_BAR_INK = C(0xcf, 0xd3, 0xda), VZ_WAKE = C(0xD5, 0x5E, 0x00),
                VZ_SLEEP = C(0xee, 0xee, 0xea), VZ_SLEEP_LINE = C(0xc8, 0xc8, 0xc2),
                VZ_REACTOR = C(0x3b, 0x40, 0x48), VZ_MAIN = C(0x4a, 0x55, 0x68),
                VZ_BLOCKING = C(0x99, 0x99, 0x99), VZ_NOTE_BG = C(0xff, 0xf8, 0xd0),
                VZ_NOTE_INK = C(0x7a, 0x5c, 0x00), VZ_YELLOW = C(0xF0, 0xE4, 0x42),
                VZ_ERROR = C(0xb0, 0x30, 0x00), VZ_LANE_BG = C(0xf1, 0xf1, 0xee);

static const SDL_Color task_colors[] = {
    C(0x00, 0x72, 0xB2), C(0xE6, 0x9F, 0x00), C(0x00, 0x9E, 0x73), C(0xCC, 0x79, 0xA7),
    C(0x56, 0xB4, 0xE9), C(0xD5, 0x5E, 0x00), C(0xF0, 0xE4, 0x42),
};
static const char *task_shapes[] = {"★", "●", "▲", "◆", "■", "▼"};

SDL_Color vz_task_color(uint32_t task)
{
    return task ? task_colors[(task - 1) % 7] : VZ_MAIN;
}

const char *vz_task_shape(uint32_t task)
{
    return task ? task_shapes[(task - 1) % 6] : "";
}

int vz_color_dark(SDL_Color c)
{
    return c.r * 299 + c.g * 587 + c.b * 114 > 140000;  /* light colour: dark text */
}

/* ---------------------------------------------------------------- fonts */
static const struct {
    const char *file;
    int size;
} font_spec[VZ_NFONTS] = {
    [VZ_SMALL] = {"DejaVuSans.ttf", 11},
    [VZ_NORMAL] = {"DejaVuSans.ttf", 12},
    [VZ_BOLD] = {"DejaVuSans-Bold.ttf", 13},
    [VZ_TITLE] = {"DejaVuSans-Bold.ttf", 14},
    [VZ_CAPTION] = {"DejaVuSans.ttf", 18},
    [VZ_CAPTION_BOLD] = {"DejaVuSans-Bold.ttf", 18},
};

#define CACHE_SLOTS 2048
struct text_entry {
    char *s;
    uint32_t hash, rgba;
    int font;
    SDL_Texture *tex;
    int w, h;
};
struct vz_text {
    size_t n;
    struct text_entry e[CACHE_SLOTS];
};

int vz_gfx_init(struct vz_gfx *g, SDL_Renderer *r, int big, char *err, size_t errlen)
{
    memset(g, 0, sizeof *g);
    g->r = r;
    g->big = big;
    g->thick = big ? 3 : 2;
    if (TTF_Init() < 0) {                       /* counted: one per TTF_Quit */
        snprintf(err, errlen, "SDL_ttf: %s", TTF_GetError());
        return -EIO;
    }
    g->ttf = 1;
    for (int k = 0; k < VZ_NFONTS; k++) {
        char path[256];
        snprintf(path, sizeof path, "%s/%s", VZ_FONT_DIR, font_spec[k].file);
        g->font[k] = TTF_OpenFont(path, big ? font_spec[k].size * 14 / 10 : font_spec[k].size);
        if (g->font[k] == NULL) {
            snprintf(err, errlen, "font %s not found: install the Debian package %s", path,
                     VZ_FONT_PKG);
            vz_gfx_destroy(g);
            return -ENOENT;
        }
    }
    if ((g->cache = calloc(1, sizeof *g->cache)) == NULL) {
        snprintf(err, errlen, "out of memory");
        vz_gfx_destroy(g);
        return -ENOMEM;
    }
    return 0;
}

void vz_gfx_flush(struct vz_gfx *g)
{
    if (g->cache == NULL)
        return;
    for (size_t k = 0; k < CACHE_SLOTS; k++) {
        if (g->cache->e[k].tex)
            SDL_DestroyTexture(g->cache->e[k].tex);
        free(g->cache->e[k].s);
    }
    memset(g->cache, 0, sizeof *g->cache);
}

void vz_gfx_destroy(struct vz_gfx *g)
{
    vz_gfx_flush(g);
    free(g->cache);
    for (int k = 0; k < VZ_NFONTS; k++)
        if (g->font[k])
            TTF_CloseFont(g->font[k]);
    if (g->ttf)
        TTF_Quit();
    memset(g, 0, sizeof *g);
}

int vz_font_h(struct vz_gfx *g, enum vz_font f)
{
    return TTF_FontHeight(g->font[f]);
}

int vz_text_width(struct vz_gfx *g, enum vz_font f, const char *s)
{
    int w = 0, h;
    if (*s && TTF_SizeUTF8(g->font[f], s, &w, &h) < 0)
        return 0;
    return w;
}

static uint32_t rgba(SDL_Color c)
{
    return (uint32_t)c.r << 24 | (uint32_t)c.g << 16 | (uint32_t)c.b << 8 | c.a;
}

static uint32_t hash(enum vz_font f, SDL_Color c, const char *s)
{
    uint32_t h = (2166136261u ^ (uint32_t)f) * 16777619u ^ rgba(c);
    for (; *s; s++)
        h = (h ^ (unsigned char)*s) * 16777619u;
    return h;
}

/* The cached texture of s in font f and colour c, rendering it on a miss. */
static struct text_entry *text_get(struct vz_gfx *g, enum vz_font f, SDL_Color c, const char *s)
{
    uint32_t h = hash(f, c, s);
    size_t k = h % CACHE_SLOTS;
    for (;; k = (k + 1) % CACHE_SLOTS) {
        struct text_entry *e = &g->cache->e[k];
        if (e->s == NULL)
            break;
        if (e->hash == h && e->font == (int)f && e->rgba == rgba(c) && strcmp(e->s, s) == 0)
            return e;
    }
    if (g->cache->n >= CACHE_SLOTS * 3 / 4) {   /* full: start again */
        vz_gfx_flush(g);
        k = h % CACHE_SLOTS;
    }
    SDL_Surface *surf = TTF_RenderUTF8_Blended(g->font[f], s, c);
    if (surf == NULL)
        return NULL;
    struct text_entry *e = &g->cache->e[k];
    e->tex = SDL_CreateTextureFromSurface(g->r, surf);
    e->w = surf->w;
    e->h = surf->h;
    SDL_FreeSurface(surf);
    if (e->tex == NULL || (e->s = strdup(s)) == NULL) {
        if (e->tex)
            SDL_DestroyTexture(e->tex);
        memset(e, 0, sizeof *e);
        return NULL;
    }
    e->hash = h;
    e->font = (int)f;
    e->rgba = rgba(c);
    g->cache->n++;
    return e;
}

int vz_text(struct vz_gfx *g, enum vz_font f, int x, int y, SDL_Color c, int max_w,
            const char *fmt, ...)
{
    char buf[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(buf, sizeof buf, fmt, ap);
    va_end(ap);
    for (char *p = buf; *p; p++)                /* trace text must not draw controls */
        if ((unsigned char)*p < 32)
            *p = '?';
    if (buf[0] == '\0' || (max_w > 0 && max_w < 8))
        return 0;
    if (max_w > 0 && vz_text_width(g, f, buf) > max_w) {
        size_t n = strlen(buf);
        while (n > 0) {                         /* shorten at a UTF-8 boundary */
            do
                n--;
            while (n > 0 && ((unsigned char)buf[n] & 0xC0) == 0x80);
            memcpy(buf + n, "…", sizeof "…");
            if (vz_text_width(g, f, buf) <= max_w)
                break;
        }
        if (n == 0)
            return 0;
    }
    struct text_entry *e = text_get(g, f, c, buf);
    if (e == NULL)
        return 0;
    SDL_Rect dst = {x, y, e->w, e->h};
    SDL_RenderCopy(g->r, e->tex, NULL, &dst);
    return e->w;
}

/* ---------------------------------------------------------------- shapes */
/* Opaque colours are drawn without blending: the software renderer then
 * fills rows with plain stores, several times faster than blending each
 * pixel (the frame's background alone is a million pixels). */
void vz_color(struct vz_gfx *g, SDL_Color c)
{
    SDL_SetRenderDrawBlendMode(g->r, c.a == 255 ? SDL_BLENDMODE_NONE : SDL_BLENDMODE_BLEND);
    SDL_SetRenderDrawColor(g->r, c.r, c.g, c.b, c.a);
}

void vz_fill(struct vz_gfx *g, SDL_Rect r, SDL_Color c)
{
    vz_color(g, c);
    SDL_RenderFillRect(g->r, &r);
}

void vz_frame_rect(struct vz_gfx *g, SDL_Rect r, SDL_Color c, int width)
{
    vz_color(g, c);
    for (int k = 0; k < width && r.w > 2 * k && r.h > 2 * k; k++) {
        SDL_Rect q = {r.x + k, r.y + k, r.w - 2 * k, r.h - 2 * k};
        SDL_RenderDrawRect(g->r, &q);
    }
}

/* A filled rounded rectangle, one row at a time through the corners. */
static void round_fill(struct vz_gfx *g, SDL_Rect r, int rad, SDL_Color c)
{
    if (rad * 2 > r.h)
        rad = r.h / 2;
    if (rad * 2 > r.w)
        rad = r.w / 2;
    vz_color(g, c);
    for (int y = 0; y < rad; y++) {
        double dy = rad - y - 0.5;
        int in = rad - (int)lround(sqrt((double)rad * rad - dy * dy));
        SDL_Rect top = {r.x + in, r.y + y, r.w - 2 * in, 1};
        SDL_Rect bot = {r.x + in, r.y + r.h - 1 - y, r.w - 2 * in, 1};
        SDL_RenderFillRect(g->r, &top);
        SDL_RenderFillRect(g->r, &bot);
    }
    SDL_Rect mid = {r.x, r.y + rad, r.w, r.h - 2 * rad};
    SDL_RenderFillRect(g->r, &mid);
}

void vz_round(struct vz_gfx *g, SDL_Rect r, int radius, SDL_Color fill, SDL_Color edge, int width)
{
    if (width > 0) {
        round_fill(g, r, radius, edge);
        r = (SDL_Rect){r.x + width, r.y + width, r.w - 2 * width, r.h - 2 * width};
        radius = radius > width ? radius - width : 0;
    }
    round_fill(g, r, radius, fill);
}

void vz_hatch(struct vz_gfx *g, SDL_Rect r, SDL_Color bg, SDL_Color line)
{
    SDL_Rect old;
    SDL_bool clipped = SDL_RenderIsClipEnabled(g->r);
    SDL_RenderGetClipRect(g->r, &old);
    vz_fill(g, r, bg);
    SDL_Rect clip = r;
    if (clipped && !SDL_IntersectRect(&old, &r, &clip))
        return;
    SDL_RenderSetClipRect(g->r, &clip);
    vz_color(g, line);
    /* Diagonals on a fixed 8-pixel grid, so adjacent hatches line up. */
    int start = r.x - r.h - ((r.x - r.h) % 8 + 8) % 8;
    for (int x = start; x < r.x + r.w; x += 8) {
        SDL_RenderDrawLine(g->r, x, r.y + r.h, x + r.h, r.y);
        SDL_RenderDrawLine(g->r, x + 1, r.y + r.h, x + r.h + 1, r.y);
    }
    SDL_RenderSetClipRect(g->r, clipped ? &old : NULL);
}

void vz_line(struct vz_gfx *g, float x0, float y0, float x1, float y1, float width, SDL_Color c)
{
    float dx = x1 - x0, dy = y1 - y0, len = sqrtf(dx * dx + dy * dy);
    if (len < 0.01f)
        return;
    float nx = -dy / len * width / 2, ny = dx / len * width / 2;
    SDL_Vertex v[4] = {
        {{x0 + nx, y0 + ny}, c, {0, 0}}, {{x1 + nx, y1 + ny}, c, {0, 0}},
        {{x1 - nx, y1 - ny}, c, {0, 0}}, {{x0 - nx, y0 - ny}, c, {0, 0}},
    };
    int idx[6] = {0, 1, 2, 0, 2, 3};
    SDL_RenderGeometry(g->r, NULL, v, 4, idx, 6);
}

void vz_arrow(struct vz_gfx *g, float x0, float y0, float x1, float y1, float bend, float width,
              SDL_Color c, int dash)
{
    float dx = x1 - x0, dy = y1 - y0, len = sqrtf(dx * dx + dy * dy);
    if (len < 1)
        return;
    /* Control point: the midpoint pushed sideways by `bend`. */
    float cx = (x0 + x1) / 2 - dy / len * bend, cy = (y0 + y1) / 2 + dx / len * bend;
    float px = x0, py = y0, head = 6 + width * 2;
    int n = 24;
    for (int k = 1; k <= n; k++) {
        float t = (float)k / n, u = 1 - t;
        float qx = u * u * x0 + 2 * u * t * cx + t * t * x1;
        float qy = u * u * y0 + 2 * u * t * cy + t * t * y1;
        if (!dash || k % 2)
            vz_line(g, px, py, qx, qy, width, c);
        px = qx;
        py = qy;
    }
    /* The head points along the curve's last tangent (from the control point). */
    float tx = x1 - cx, ty = y1 - cy, tl = sqrtf(tx * tx + ty * ty);
    if (tl < 0.01f)
        return;
    tx /= tl;
    ty /= tl;
    SDL_Vertex v[3] = {
        {{x1, y1}, c, {0, 0}},
        {{x1 - tx * head - ty * head / 2, y1 - ty * head + tx * head / 2}, c, {0, 0}},
        {{x1 - tx * head + ty * head / 2, y1 - ty * head - tx * head / 2}, c, {0, 0}},
    };
    SDL_RenderGeometry(g->r, NULL, v, 3, NULL, 0);
}

void vz_circle(struct vz_gfx *g, int cx, int cy, int r, SDL_Color fill, SDL_Color edge)
{
    vz_round(g, (SDL_Rect){cx - r, cy - r, 2 * r, 2 * r}, r, fill, edge, 2);
}

int vz_token(struct vz_gfx *g, int x, int y, uint32_t task, const struct wta_model *m,
             int selected, SDL_Rect *out)
{
    char label[96];
    SDL_Color c = vz_task_color(task), ink = vz_color_dark(c) ? VZ_INK : VZ_PANEL;
    (void)m;
    snprintf(label, sizeof label, "task %llu %s",
             (unsigned long long)(task ? m->tasks[task - 1].id : 0), vz_task_shape(task));
    int h = vz_font_h(g, VZ_BOLD) + 6, w = vz_text_width(g, VZ_BOLD, label) + 18;
    SDL_Rect r = {x, y, w, h};
    if (selected)
        vz_round(g, (SDL_Rect){x - 3, y - 3, w + 6, h + 6}, h / 2 + 3, VZ_INK, VZ_INK, 0);
    vz_round(g, r, h / 2, c, c, 0);
    vz_text(g, VZ_BOLD, x + 9, y + 3, ink, 0, "%s", label);
    if (out)
        *out = r;
    return w;
}

int vz_text_wrap(struct vz_gfx *g, enum vz_font f, int x, int y, SDL_Color c, int max_w,
                 int max_lines, const char *s)
{
    char line[512];
    int n = 0, lh = vz_font_h(g, f);
    while (*s && n < max_lines) {
        size_t len = strlen(s), cut = len;
        if (len >= sizeof line)
            len = cut = sizeof line - 1;
        memcpy(line, s, len);
        line[len] = '\0';
        if (n < max_lines - 1 && vz_text_width(g, f, line) > max_w) {
            /* The longest prefix ending before a space that fits. */
            cut = 0;
            for (size_t k = 1; k < len; k++)
                if (s[k] == ' ') {
                    line[k] = '\0';
                    if (vz_text_width(g, f, line) > max_w)
                        break;
                    cut = k;
                    line[k] = ' ';
                }
            if (cut == 0)
                cut = len;
            line[cut] = '\0';
        }
        vz_text(g, f, x, y + n * lh, c, max_w, "%s", line);
        n++;
        s += cut;
        while (*s == ' ')
            s++;
    }
    return n;
}

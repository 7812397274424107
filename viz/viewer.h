/*
 * viewer.h - what the files of wta-viz (the SDL viewer) share, per file.
 *
 * The viewer is a thin front end over the model (wta_model.h), split so its
 * architecture shows:
 *
 *     view.c      the viewer's state, no drawing: the trace, the playhead,
 *                 notes, lints, zoom, selection; stepping and playing
 *     spans.c     each lane's activity spans and their per-pixel summary
 *     layout.c    geometry: where every panel, lane and box goes for a size
 *     draw.c      palette, fonts, text cache and drawing primitives
 *     timeline.c  the lanes, slices, axes, playhead and wake arrows
 *     diagram.c   the concept diagram: queues, workers, reactor, main
 *     panels.c    top bar, caption, inspector, lints, keys, help overlay
 *     frame.c     one whole frame: layout, then each part in order
 *     input.c     keys and mouse -> changes to the view
 *     app.c       the window: event loop, playback clock, tweening
 *     headless.c  PNGs from the software renderer: --out, --frames, --sheet
 *     wta_viz_main.c  the command line
 *
 * Drawing is always through an SDL_Renderer; headless runs and tests use a
 * software renderer on an SDL_Surface, so a frame is the same bytes on
 * every machine (same fonts, same libraries). Nothing SDL reaches the model.
 */
#ifndef WTA_VIEWER_H
#define WTA_VIEWER_H

#include <SDL.h>
#include <SDL_ttf.h>
#include <stdint.h>

#include "wta_model.h"

#define VZ_FONT_DIR   "/usr/share/fonts/truetype/dejavu"
#define VZ_FONT_PKG   "fonts-dejavu-core"
#define VZ_MAX_LANES  64        /* lanes drawn; more threads share the last */
#define VZ_MAX_WORKERS 16       /* worker boxes in the diagram */

/* ---------------------------------------------------------------- spans.c
 * A lane's life as spans of one activity: [a, b) in event indices. */
struct vz_span {
    uint32_t a, b;
    uint32_t task;          /* dense + 1 while RUNNING (or REACTOR inside a poll) */
    uint8_t act;            /* enum wta_activity */
    uint8_t saved;          /* for REACTOR: the activity it interrupts */
};

struct vz_lane {
    uint16_t th;            /* model thread index */
    size_t n, cap;
    struct vz_span *s;
};

/* One pixel column's summary of a lane: what covers most of it. */
struct vz_col {
    uint32_t task;
    uint8_t act, saved;
    uint8_t mixed;          /* more than one span met in this column */
    uint32_t nspans;
};

/* Build every lane's spans by replaying the trace once; 0 or -ENOMEM. */
int vz_spans_build(const struct wta_model *m, struct vz_lane **lanes, size_t *nlanes);
void vz_spans_free(struct vz_lane *lanes, size_t nlanes);
/* Summarise lane l into cols[0..ncols): column c covers axis units
 * [x0 + c*per, x0 + (c+1)*per). `wall`: axis in ns, else in events. */
void vz_spans_columns(const struct wta_model *m, const struct vz_lane *l, int wall,
                      double x0, double per, struct vz_col *cols, int ncols);
/* The index of the span covering event i in lane l, or -1. */
long vz_spans_find(const struct vz_lane *l, uint32_t i);

/* ---------------------------------------------------------------- view.c */
enum vz_axis { VZ_AXIS_LOGICAL, VZ_AXIS_WALL };

struct vz_view {
    struct wta_model *m;
    const char *path;
    struct wta_state st;            /* the state after `at` events */
    size_t at;                      /* the playhead: events applied */
    struct vz_lane *lanes;
    size_t nlanes;
    struct wta_lints lints;
    size_t nnotes;
    uint32_t *notes;                /* event indices of note events */
    int lesson;                     /* pause at notes */
    int playing;
    double speed;                   /* 0.1 .. 100: events per second / 8 */
    double carry;                   /* fractional events owed to playback */
    enum vz_axis axis;
    double v0, v1;                  /* visible axis range (events or ns) */
    uint32_t selected;              /* dense task + 1, 0: none */
    int filter;                     /* dim everything but the selected task */
    int help;                       /* help overlay shown */
    int big;                        /* projector mode */
    int lint_sel;                   /* index into lints, -1: none */
    char status[160];               /* one line of feedback (screenshot saved...) */
    /* diff: the other run, aligned so that event `align_a` here is
     * event `align_b` there (their first divergent decision). */
    struct vz_view *other;
    const char *tag;                /* "A (top)" / "B (below)" in a diff, else NULL */
    size_t align_a, align_b;
    char diff_text[2][200];
};

/* Open a view of m (which it then owns); 0 or -ENOMEM. */
int vz_view_init(struct vz_view *v, struct wta_model *m, const char *path);
void vz_view_destroy(struct vz_view *v);
/* Move the playhead to i (clamped) and update the state. */
void vz_view_seek(struct vz_view *v, size_t i);
void vz_view_step(struct vz_view *v, long d);
/* Next / previous note event strictly after / before the playhead. */
void vz_view_note(struct vz_view *v, int dir);
void vz_view_next_lint(struct vz_view *v);
/* The note shown at the playhead (the last at or before it): index into
 * notes, or -1. */
long vz_view_note_at(const struct vz_view *v);
/* Advance playback by dt seconds; stops at notes in lesson mode. */
void vz_view_tick(struct vz_view *v, double dt);
/* Zoom by factor f (< 1 zooms in) around axis position c; pan by d units. */
void vz_view_zoom(struct vz_view *v, double f, double c);
void vz_view_pan(struct vz_view *v, double d);
void vz_view_zoom_all(struct vz_view *v);
/* Axis position of event index i (its start), and the full axis range. */
double vz_view_axis_of(const struct vz_view *v, size_t i);
void vz_view_axis_range(const struct vz_view *v, double *lo, double *hi);
/* The event index nearest axis position x. */
size_t vz_view_event_at(const struct vz_view *v, double x);
void vz_view_toggle_axis(struct vz_view *v);
/* Pair a (top) with b (below) for --diff; 0, or -ENOMEM. */
int vz_view_pair(struct vz_view *a, struct vz_view *b);

/* ---------------------------------------------------------------- layout.c */
struct vz_layout {
    int w, h, big, diff;
    int pad, line_h;                /* spacing and one line of normal text */
    SDL_Rect top, diagram, side, timeline, caption, keys;
    /* diagram boxes */
    SDL_Rect main_box, worker_box[VZ_MAX_WORKERS], global_box, reactor_box, blocking_box;
    int nworkers;
    int workers_hidden;         /* workers with no box: the window is too narrow */
    /* side panel */
    SDL_Rect inspector, lints;
    /* timeline */
    SDL_Rect axis, lanes, overview, legend;
    int label_w, lane_h, nlanes;
    /* diff: the second run's timeline */
    SDL_Rect lanes_b, axis_b;
};

void vz_layout_compute(struct vz_layout *L, int w, int h, const struct vz_view *v);
/* The rectangle of lane k (0-based) inside the lanes area `area`. */
SDL_Rect vz_layout_lane(const struct vz_layout *L, const SDL_Rect *area, int k);
/* x pixel of axis position p, and back, within the lanes area. */
int vz_layout_x(const struct vz_layout *L, const struct vz_view *v, double p);
double vz_layout_pos(const struct vz_layout *L, const struct vz_view *v, int x);

/* ---------------------------------------------------------------- draw.c */
enum vz_font { VZ_SMALL, VZ_NORMAL, VZ_BOLD, VZ_TITLE, VZ_CAPTION, VZ_CAPTION_BOLD, VZ_NFONTS };

struct vz_text;                     /* the text cache */

struct vz_gfx {
    SDL_Renderer *r;
    TTF_Font *font[VZ_NFONTS];
    struct vz_text *cache;
    int big;
    int thick;                      /* line width */
    int ttf;                        /* this holds one TTF_Init */
};

/* Open fonts (sizes scaled for --big) and the text cache for r. On a missing
 * font: -ENOENT and a message naming the file and its package in err. */
int vz_gfx_init(struct vz_gfx *g, SDL_Renderer *r, int big, char *err, size_t errlen);
void vz_gfx_destroy(struct vz_gfx *g);
/* Drop cached textures (after the renderer's target changes). */
void vz_gfx_flush(struct vz_gfx *g);

/* Colours: Okabe-Ito for tasks, each with a shape; neutral greys for chrome. */
SDL_Color vz_task_color(uint32_t task);
const char *vz_task_shape(uint32_t task);       /* UTF-8 glyph: ● ▲ ◆ ■ ★ ▼ */
int vz_color_dark(SDL_Color c);                 /* pick black or white text on c */
extern const SDL_Color VZ_BG, VZ_INK, VZ_MUTED, VZ_LINE, VZ_PANEL, VZ_BAR, VZ_BAR_INK,
    VZ_WAKE, VZ_SLEEP, VZ_SLEEP_LINE, VZ_REACTOR, VZ_MAIN, VZ_BLOCKING, VZ_NOTE_BG,
    VZ_NOTE_INK, VZ_YELLOW, VZ_ERROR, VZ_LANE_BG;

void vz_color(struct vz_gfx *g, SDL_Color c);
void vz_fill(struct vz_gfx *g, SDL_Rect r, SDL_Color c);
void vz_frame_rect(struct vz_gfx *g, SDL_Rect r, SDL_Color c, int width);
void vz_round(struct vz_gfx *g, SDL_Rect r, int radius, SDL_Color fill, SDL_Color edge, int width);
void vz_hatch(struct vz_gfx *g, SDL_Rect r, SDL_Color bg, SDL_Color line);
void vz_line(struct vz_gfx *g, float x0, float y0, float x1, float y1, float width, SDL_Color c);
/* An arrow along a quadratic curve from (x0,y0) to (x1,y1) bulging by `bend`
 * pixels; dashed if `dash`. */
void vz_arrow(struct vz_gfx *g, float x0, float y0, float x1, float y1, float bend, float width,
              SDL_Color c, int dash);
void vz_circle(struct vz_gfx *g, int cx, int cy, int r, SDL_Color fill, SDL_Color edge);
/* Draw text with its top-left at (x, y), clipped to max_w pixels (0: none),
 * ending in "…" when cut. Returns the width drawn. */
int vz_text(struct vz_gfx *g, enum vz_font f, int x, int y, SDL_Color c, int max_w,
            const char *fmt, ...) __attribute__((format(printf, 7, 8)));
int vz_text_width(struct vz_gfx *g, enum vz_font f, const char *s);
/* Draw s over at most max_lines lines of max_w pixels, breaking at spaces;
 * the last line ends in "…" if cut. Returns the lines used. */
int vz_text_wrap(struct vz_gfx *g, enum vz_font f, int x, int y, SDL_Color c, int max_w,
                 int max_lines, const char *s);
int vz_font_h(struct vz_gfx *g, enum vz_font f);
/* A task token: rounded pill in the task's colour with "task N ●"; its
 * rectangle in *out. Returns its width. */
int vz_token(struct vz_gfx *g, int x, int y, uint32_t task, const struct wta_model *m,
             int selected, SDL_Rect *out);

/* ---------------------------------------------------------------- timeline.c */
void vz_timeline_draw(struct vz_gfx *g, const struct vz_layout *L, const struct vz_view *v,
                      SDL_Rect axis, SDL_Rect lanes, int full);
/* Which task's slice (dense + 1) is under pixel (x, y), 0: none. */
uint32_t vz_timeline_hit(const struct vz_layout *L, const struct vz_view *v, int x, int y);

/* ---------------------------------------------------------------- diagram.c */
/* Where the last diagram put things: each task's token (for clicks and
 * tweens), the MainWaker's flag, the parked workers' chips (for tests). */
struct vz_tokens {
    size_t n, cap;
    uint32_t *task;
    SDL_Rect *at;
    SDL_Point flag;
    int nparked;
    int parked_worker[VZ_MAX_WORKERS];
    SDL_Rect parked[VZ_MAX_WORKERS];
};
void vz_diagram_draw(struct vz_gfx *g, const struct vz_layout *L, const struct vz_view *v,
                     struct vz_tokens *tok, const struct vz_tokens *from, double tween);
void vz_tokens_free(struct vz_tokens *t);
int vz_tokens_find(const struct vz_tokens *t, uint32_t task, SDL_Rect *out);

/* ---------------------------------------------------------------- panels.c */
void vz_topbar_draw(struct vz_gfx *g, const struct vz_layout *L, const struct vz_view *v);
void vz_caption_draw(struct vz_gfx *g, const struct vz_layout *L, const struct vz_view *v);
void vz_side_draw(struct vz_gfx *g, const struct vz_layout *L, const struct vz_view *v);
void vz_keys_draw(struct vz_gfx *g, const struct vz_layout *L, const struct vz_view *v);
void vz_help_draw(struct vz_gfx *g, const struct vz_layout *L);
/* A full-window message (load errors, progress); progress < 0: none. */
void vz_message_draw(struct vz_gfx *g, int w, int h, const char *title, const char *body,
                     double progress);
/* The lint under pixel (x, y) in the lints panel, or -1. */
void vz_lint_label(const struct vz_view *v, size_t k, char *buf, size_t size);
int vz_lints_hit(const struct vz_layout *L, const struct vz_view *v, int x, int y);

/* ---------------------------------------------------------------- frame.c */
struct vz_frame {
    struct vz_layout L;
    struct vz_tokens tok, prev;     /* token places: this frame, tween start */
    double tween;                   /* 0..1 progress from prev to tok; 1: none */
};
/* Draw one whole frame of v at w x h. */
void vz_frame_draw(struct vz_gfx *g, struct vz_frame *fr, const struct vz_view *v, int w, int h);
void vz_frame_destroy(struct vz_frame *fr);

/* ---------------------------------------------------------------- input.c */
/* What the app must do after an event. */
enum vz_action { VZ_NONE, VZ_QUIT, VZ_SCREENSHOT, VZ_RESIZED };
struct vz_input {
    int dragging, drag_x;
    double drag_v0;
};
enum vz_action vz_input_handle(struct vz_view *v, struct vz_input *in, const struct vz_frame *fr,
                               const SDL_Event *e);

/* ---------------------------------------------------------------- headless.c */
/* A surface, its software renderer, the fonts and a frame drawing into it:
 * what every headless picture (and the tests and the benchmark) draws on. */
struct vz_canvas {
    SDL_Surface *s;
    SDL_Renderer *r;
    struct vz_gfx g;
    struct vz_frame fr;
};
int vz_canvas_open(struct vz_canvas *c, int w, int h, int big, char *err, size_t errlen);
/* Draw v at state i (seeking there first); the pixels are in c->s after. */
void vz_canvas_draw(struct vz_canvas *c, struct vz_view *v, size_t i);
void vz_canvas_close(struct vz_canvas *c);
/* Render v at event i into a new ARGB surface of w x h; NULL on failure. */
SDL_Surface *vz_render_surface(struct vz_view *v, size_t i, int w, int h, int big, char *err,
                               size_t errlen);
int vz_headless_png(struct vz_view *v, size_t i, int w, int h, int big, const char *out);
int vz_headless_frames(struct vz_view *v, const char *dir, size_t every, int w, int h, int big);
int vz_headless_sheet(struct vz_view *v, const char *out, int w, int h, int big);
/* Write a surface as PNG; 0 or -EIO with a message on stderr. */
int vz_png_write(SDL_Surface *s, const char *path);

/* ---------------------------------------------------------------- app.c */
struct vz_app_opts {
    int w, h, big, follow;
    const char *trace_path;
};
struct vz_app {
    SDL_Window *win;
    SDL_Renderer *r;
    struct vz_gfx g;
};
/* Open the window (w x h); NULL after a one-line message on stderr naming
 * what is missing (no display, SDL, a font and its package). */
struct vz_app *vz_app_open(int w, int h, int big);
/* Load a trace while the window shows a progress bar (and stderr says so
 * for a big file). On errors the loader's file:line messages go to stderr
 * and fill the window until a key is pressed. 0, or -errno. */
int vz_app_load(struct vz_app *a, const char *path, struct wta_model **out);
/* Run the window until the user quits; returns the exit status. */
int vz_app_run(struct vz_app *a, struct vz_view *v, const struct vz_app_opts *o);
void vz_app_close(struct vz_app *a);

#endif /* WTA_VIEWER_H */

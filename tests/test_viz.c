/*
 * test_viz.c - the viewer's frames and controls, checked against the model.
 *
 * Its own test binary (run_viz_tests), because it links SDL: frames are
 * drawn headless with the software renderer, and the test finds the pixels
 * to look at from the same layout geometry the drawing used (the lane of a
 * thread, the playhead's x, the MainWaker's flag, a parked worker's chip,
 * a token). Input is pushed through SDL's event queue (SDL_PushEvent) and
 * handled by input.c exactly as the window would, then the view's state is
 * asserted. No display is needed.
 */
#include <CUnit/Basic.h>
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../viz/viewer.h"

#define W 1280
#define H 800

/* Every frame here is drawn on the headless canvas (headless.c). */
static int shot_open(struct vz_canvas *c)
{
    char err[256];
    if (vz_canvas_open(c, W, H, 0, err, sizeof err) < 0) {
        fprintf(stderr, "test_viz: %s\n", err);
        return -1;
    }
    return 0;
}

static void shot_draw(struct vz_canvas *c, struct vz_view *v, size_t at)
{
    vz_view_seek(v, at);
    vz_canvas_draw(c, v, at);
}

static SDL_Color pixel(const struct vz_canvas *c, int x, int y)
{
    Uint32 p = ((const Uint32 *)c->s->pixels)[y * (c->s->pitch / 4) + x];
    SDL_Color col;
    SDL_GetRGBA(p, c->s->format, &col.r, &col.g, &col.b, &col.a);
    return col;
}

static int same(SDL_Color a, SDL_Color b)
{
    return a.r == b.r && a.g == b.g && a.b == b.b;
}

/* Pixels of colour col in rectangle r. */
static int count(const struct vz_canvas *c, SDL_Rect r, SDL_Color col)
{
    int n = 0;
    for (int y = r.y; y < r.y + r.h; y++)
        for (int x = r.x; x < r.x + r.w; x++)
            n += x >= 0 && y >= 0 && x < W && y < H && same(pixel(c, x, y), col);
    return n;
}

static int open_view(struct vz_view *v, const char *path)
{
    struct wta_model *m;
    char full[512];
    snprintf(full, sizeof full, "%s", path);
    if (wta_model_load(full, 0, &m) < 0) {
        wta_model_print_diags(m, stderr);
        wta_model_free(m);
        return -1;
    }
    return vz_view_init(v, m, path);
}

/* ---------------------------------------------------------------- frames */

/* Does a worker's lane show task T's colour where the playhead is, while T runs there? */
static void viz_lane_shows_running_task(void)
{
    struct vz_view v;
    struct vz_canvas c;
    CU_ASSERT_FATAL(open_view(&v, "traces/sample.jsonl") == 0);
    CU_ASSERT_FATAL(shot_open(&c) == 0);
    int checked = 0;
    for (size_t i = 1; i < v.m->nevents && checked < 5; i += 7) {
        vz_view_seek(&v, i);
        for (size_t t = 0; t < v.m->nthreads; t++) {
            const struct wta_thread_state *ts = &v.st.threads[t];
            if (v.m->threads[t].worker < 0 || ts->activity != WTA_ACT_RUNNING ||
                ts->since + 1 >= i)     /* a slice at least one event wide before the playhead */
                continue;
            shot_draw(&c, &v, i);
            SDL_Rect lane = vz_layout_lane(&c.fr.L, &c.fr.L.lanes, (int)t);
            int x = vz_layout_x(&c.fr.L, &v, vz_view_axis_of(&v, i)) - 3;
            CU_ASSERT(same(pixel(&c, x, lane.y + 5), vz_task_color(ts->task)));
            checked++;
            break;
        }
    }
    CU_ASSERT(checked >= 3);
    vz_canvas_close(&c);
    vz_view_destroy(&v);
}

/* Is a parked worker's chip in the parked list exactly while it is parked? */
static void viz_parked_worker_in_list(void)
{
    struct vz_view v;
    struct vz_canvas c;
    CU_ASSERT_FATAL(open_view(&v, "traces/sample.jsonl") == 0);
    CU_ASSERT_FATAL(shot_open(&c) == 0);
    int parked_seen = 0, awake_seen = 0;
    for (size_t i = 0; i <= v.m->nevents; i += 5) {
        shot_draw(&c, &v, i);
        for (size_t t = 0; t < v.m->nthreads; t++) {
            int w = v.m->threads[t].worker, in_list = 0;
            if (w < 0)
                continue;
            for (int k = 0; k < c.fr.tok.nparked; k++)
                if (c.fr.tok.parked_worker[k] == w) {
                    in_list = 1;
                    SDL_Rect chip = c.fr.tok.parked[k];
                    CU_ASSERT(same(pixel(&c, chip.x + 2, chip.y + chip.h / 2), VZ_SLEEP_LINE));
                }
            uint8_t a = v.st.threads[t].activity;
            int parked = a == WTA_ACT_PARKED ||
                         (a == WTA_ACT_REACTOR && v.st.threads[t].saved == WTA_ACT_PARKED);
            CU_ASSERT_EQUAL(in_list, parked);
            parked_seen += parked;
            awake_seen += !parked;
        }
    }
    CU_ASSERT(parked_seen > 0);
    CU_ASSERT(awake_seen > 0);
    vz_canvas_close(&c);
    vz_view_destroy(&v);
}

/* Is a wake arrow drawn into the woken task's token right after a wake, and not before? */
static void viz_wake_arrow_drawn(void)
{
    struct vz_view v;
    struct vz_canvas c;
    CU_ASSERT_FATAL(open_view(&v, "traces/sample.jsonl") == 0);
    CU_ASSERT_FATAL(shot_open(&c) == 0);
    int checked = 0;
    for (size_t i = 1; i < v.m->nevents && checked < 3; i++) {
        const struct wta_ev *e = &v.m->events[i - 1];
        if (e->kind != WTA_EV_WAKER_WAKE || same(vz_task_color(e->task), VZ_WAKE))
            continue;
        shot_draw(&c, &v, i);
        SDL_Rect tok;
        if (!vz_tokens_find(&c.fr.tok, e->task, &tok))
            continue;
        /* The arrow's head ends at the middle of the token's top edge. */
        SDL_Rect head = {tok.x + tok.w / 2 - 12, tok.y - 14, 24, 14};
        int during = count(&c, head, VZ_WAKE);
        shot_draw(&c, &v, i - 1);
        int before = count(&c, head, VZ_WAKE);
        CU_ASSERT(during > 20);
        CU_ASSERT(during > before);
        checked++;
    }
    CU_ASSERT(checked > 0);
    vz_canvas_close(&c);
    vz_view_destroy(&v);
}

/* Does the MainWaker's flag show set (filled) and clear (empty) as the model says? */
static void viz_main_flag_set_and_clear(void)
{
    struct vz_view v;
    struct vz_canvas c;
    CU_ASSERT_FATAL(open_view(&v, "tests/data/runtime/w1.jsonl") == 0);
    CU_ASSERT_FATAL(shot_open(&c) == 0);
    int set = 0, clear = 0;
    for (size_t i = 0; i <= v.m->nevents; i++) {
        shot_draw(&c, &v, i);
        SDL_Color in = pixel(&c, c.fr.tok.flag.x, c.fr.tok.flag.y);
        if (v.st.main_ready) {
            CU_ASSERT(same(in, VZ_WAKE));
            set++;
        } else {
            CU_ASSERT(same(in, VZ_PANEL));
            clear++;
        }
    }
    CU_ASSERT(set > 0);
    CU_ASSERT(clear > 0);
    vz_canvas_close(&c);
    vz_view_destroy(&v);
}

/* Not blank: many colours, and more than the background. */
static int looks_drawn(SDL_Surface *s)
{
    int other = 0;
    Uint32 bg = ((Uint32 *)s->pixels)[W * 45 + 640];
    for (int k = 0; k < s->w * s->h; k += 97)
        other += ((Uint32 *)s->pixels)[k] != bg;
    return other > 100;
}

static void render_dir(const char *dir, int *files)
{
    DIR *d = opendir(dir);
    struct dirent *de;
    if (d == NULL)
        return;
    while ((de = readdir(d)) != NULL) {
        size_t n = strlen(de->d_name);
        char path[600], err[256];
        struct vz_view v;
        if (n < 6 || strcmp(de->d_name + n - 6, ".jsonl") != 0)
            continue;
        snprintf(path, sizeof path, "%s/%s", dir, de->d_name);
        struct wta_model *m;
        if (wta_model_load(path, 0, &m) < 0) {  /* traces with errors are the loader's tests */
            wta_model_free(m);
            continue;
        }
        CU_ASSERT_FATAL(vz_view_init(&v, m, path) == 0);
        size_t at[3] = {0, v.m->nevents / 2, v.m->nevents};
        for (int k = 0; k < 3; k++) {
            SDL_Surface *s = vz_render_surface(&v, at[k], W, H, k == 1, err, sizeof err);
            CU_ASSERT_PTR_NOT_NULL(s);
            if (s)
                CU_ASSERT(looks_drawn(s));
            SDL_FreeSurface(s);
        }
        vz_view_destroy(&v);
        (*files)++;
    }
    closedir(d);
}

/* Does every trace in the repository render (start, middle, end; --big in the middle)? */
static void viz_every_trace_renders(void)
{
    int files = 0;
    render_dir("traces", &files);
    render_dir("tests/data", &files);
    render_dir("tests/data/runtime", &files);
    render_dir("tests/data/lint", &files);
    CU_ASSERT(files >= 10);
}

/* Does the same frame come out as the same pixels twice? */
static void viz_frames_repeat_exactly(void)
{
    struct vz_view v;
    char err[256];
    CU_ASSERT_FATAL(open_view(&v, "traces/sample.jsonl") == 0);
    SDL_Surface *a = vz_render_surface(&v, 77, W, H, 0, err, sizeof err);
    SDL_Surface *b = vz_render_surface(&v, 77, W, H, 0, err, sizeof err);
    CU_ASSERT_FATAL(a != NULL && b != NULL);
    CU_ASSERT(memcmp(a->pixels, b->pixels, (size_t)a->pitch * (size_t)a->h) == 0);
    SDL_FreeSurface(a);
    SDL_FreeSurface(b);
    vz_view_destroy(&v);
}

/* ---------------------------------------------------------------- input */

static void push_key(SDL_Keycode k, Uint16 mod)
{
    SDL_Event e;
    memset(&e, 0, sizeof e);
    e.type = SDL_KEYDOWN;
    e.key.keysym.sym = k;
    e.key.keysym.mod = mod;
    SDL_PushEvent(&e);
}

/* Handle every queued event as the window would. */
static void pump(struct vz_view *v, struct vz_input *in, struct vz_canvas *c)
{
    SDL_Event e;
    while (SDL_PollEvent(&e))
        vz_input_handle(v, in, &c->fr, &e);
    vz_canvas_draw(c, v, v->at);
}

/* Do step, step back, ten steps, Home/End, play, next note and speed do what the keys say? */
static void viz_input_keys(void)
{
    struct vz_view v;
    struct vz_input in = {0};
    struct vz_canvas c;
    CU_ASSERT_FATAL(open_view(&v, "traces/sample.jsonl") == 0);
    CU_ASSERT_FATAL(shot_open(&c) == 0);
    pump(&v, &in, &c);
    push_key(SDLK_RIGHT, 0);
    pump(&v, &in, &c);
    CU_ASSERT_EQUAL(v.at, 1);
    push_key(SDLK_RIGHT, KMOD_LSHIFT);
    pump(&v, &in, &c);
    CU_ASSERT_EQUAL(v.at, 11);
    push_key(SDLK_LEFT, 0);
    pump(&v, &in, &c);
    CU_ASSERT_EQUAL(v.at, 10);
    CU_ASSERT_EQUAL(v.st.at, 10);
    push_key(SDLK_END, 0);
    pump(&v, &in, &c);
    CU_ASSERT_EQUAL(v.at, v.m->nevents);
    push_key(SDLK_HOME, 0);
    pump(&v, &in, &c);
    CU_ASSERT_EQUAL(v.at, 0);
    /* Next note: the playhead lands just after it. */
    CU_ASSERT_FATAL(v.nnotes >= 2);
    push_key(SDLK_n, 0);
    pump(&v, &in, &c);
    CU_ASSERT_EQUAL(v.at, v.notes[0] + 1);
    push_key(SDLK_n, 0);
    pump(&v, &in, &c);
    CU_ASSERT_EQUAL(v.at, v.notes[1] + 1);
    push_key(SDLK_p, 0);
    pump(&v, &in, &c);
    CU_ASSERT_EQUAL(v.at, v.notes[0] + 1);
    /* Play: one second at speed 2 is 16 events, unless a note comes first. */
    push_key(SDLK_PLUS, 0);
    push_key(SDLK_SPACE, 0);
    pump(&v, &in, &c);
    CU_ASSERT(v.playing);
    CU_ASSERT_EQUAL(v.speed, 2.0);
    size_t from = v.at;
    vz_view_tick(&v, 1.0);
    CU_ASSERT_EQUAL(v.at, from + 16);
    push_key(SDLK_SPACE, 0);
    pump(&v, &in, &c);
    CU_ASSERT(!v.playing);
    /* Playback in lesson mode stops at a note. */
    vz_view_seek(&v, v.notes[1] - 3);
    v.playing = 1;
    vz_view_tick(&v, 100.0);
    CU_ASSERT(!v.playing);
    CU_ASSERT_EQUAL(v.at, v.notes[1] + 1);
    /* The time axis toggles; ? shows help. */
    push_key(SDLK_t, 0);
    push_key(SDLK_SLASH, KMOD_LSHIFT);
    pump(&v, &in, &c);
    CU_ASSERT_EQUAL(v.axis, VZ_AXIS_WALL);
    CU_ASSERT(v.help);
    vz_canvas_close(&c);
    vz_view_destroy(&v);
}

/* Does the wheel zoom in around the pointer, a drag pan, and a click on a token select its task? */
static void viz_input_mouse(void)
{
    struct vz_view v;
    struct vz_input in = {0};
    struct vz_canvas c;
    SDL_Event e;
    CU_ASSERT_FATAL(open_view(&v, "traces/sample.jsonl") == 0);
    CU_ASSERT_FATAL(shot_open(&c) == 0);
    vz_view_seek(&v, 60);
    pump(&v, &in, &c);
    double w0 = v.v1 - v.v0;
    memset(&e, 0, sizeof e);
    e.type = SDL_MOUSEWHEEL;
    e.wheel.y = 1;
    e.wheel.mouseX = c.fr.L.lanes.x + c.fr.L.lanes.w / 2;
    e.wheel.mouseY = c.fr.L.lanes.y + 5;
    SDL_PushEvent(&e);
    SDL_PushEvent(&e);
    pump(&v, &in, &c);
    CU_ASSERT(v.v1 - v.v0 < w0 * 0.7);
    /* Drag right by 100 px: the view moves back in time by 100 px worth. */
    double before = v.v0, per = (v.v1 - v.v0) / c.fr.L.lanes.w;
    memset(&e, 0, sizeof e);
    e.type = SDL_MOUSEBUTTONDOWN;
    e.button.button = SDL_BUTTON_LEFT;
    e.button.x = c.fr.L.lanes.x + 400;
    e.button.y = c.fr.L.lanes.y + c.fr.L.lane_h * 3 + 2;
    SDL_PushEvent(&e);
    e.type = SDL_MOUSEMOTION;
    e.motion.x = c.fr.L.lanes.x + 500;
    e.motion.y = c.fr.L.lanes.y + 2;
    SDL_PushEvent(&e);
    e.type = SDL_MOUSEBUTTONUP;
    SDL_PushEvent(&e);
    pump(&v, &in, &c);
    CU_ASSERT(v.v0 < before);
    CU_ASSERT(v.v0 > before - 100 * per - 1e-6);
    /* A click on a token selects its task. */
    CU_ASSERT_FATAL(c.fr.tok.n > 0);
    SDL_Rect t = c.fr.tok.at[c.fr.tok.n - 1];
    memset(&e, 0, sizeof e);
    e.type = SDL_MOUSEBUTTONDOWN;
    e.button.button = SDL_BUTTON_LEFT;
    e.button.x = t.x + t.w / 2;
    e.button.y = t.y + t.h / 2;
    SDL_PushEvent(&e);
    pump(&v, &in, &c);
    CU_ASSERT_EQUAL(v.selected, c.fr.tok.task[c.fr.tok.n - 1]);
    push_key(SDLK_f, 0);
    pump(&v, &in, &c);
    CU_ASSERT(v.filter);
    vz_canvas_close(&c);
    vz_view_destroy(&v);
}

/* Does l jump to the next lint and select its task (the W2 fixture's lost wake first)? */
static void viz_input_next_lint(void)
{
    struct vz_view v;
    struct vz_input in = {0};
    struct vz_canvas c;
    CU_ASSERT_FATAL(open_view(&v, "tests/data/runtime/w2.jsonl") == 0);
    CU_ASSERT_FATAL(shot_open(&c) == 0);
    CU_ASSERT_FATAL(v.lints.n >= 2);
    push_key(SDLK_l, 0);
    pump(&v, &in, &c);
    CU_ASSERT_EQUAL(v.lint_sel, 0);
    CU_ASSERT_EQUAL(v.at, v.lints.items[0].ev + 1);
    CU_ASSERT_EQUAL(v.selected, v.lints.items[0].task);
    CU_ASSERT_STRING_EQUAL(wta_lint_name(v.lints.items[0].kind), "wake-lost-while-running");
    push_key(SDLK_l, 0);
    pump(&v, &in, &c);
    CU_ASSERT_EQUAL(v.lint_sel, 1);
    vz_canvas_close(&c);
    vz_view_destroy(&v);
}

/* Are two runs aligned at their first divergent decision, and does B follow A's playhead? */
static void viz_diff_aligned(void)
{
    struct vz_view a, b;
    struct vz_input in = {0};
    struct vz_canvas c;
    CU_ASSERT_FATAL(open_view(&a, "tests/data/small.jsonl") == 0);
    CU_ASSERT_FATAL(open_view(&b, "tests/data/diff_b.jsonl") == 0);
    CU_ASSERT_FATAL(vz_view_pair(&a, &b) == 0);
    /* viz/README.md: both diverge at event 29, w1 vs w0 polling sleeper#1. */
    CU_ASSERT_EQUAL(a.align_a, 29);
    CU_ASSERT_EQUAL(a.align_b, 29);
    CU_ASSERT_EQUAL(a.m->events[a.align_a].kind, WTA_EV_POLL_BEGIN);
    CU_ASSERT(strstr(a.diff_text[0], "w1 polls sleeper#1") != NULL);
    CU_ASSERT_FATAL(shot_open(&c) == 0);
    push_key(SDLK_END, 0);
    push_key(SDLK_LEFT, 0);
    pump(&a, &in, &c);
    CU_ASSERT_EQUAL(a.at, a.m->nevents - 1);
    size_t want = a.at - a.align_a + a.align_b;
    CU_ASSERT_EQUAL(b.at, want < b.m->nevents ? want : b.m->nevents);
    vz_canvas_close(&c);
    vz_view_destroy(&a);
    vz_view_destroy(&b);
}

/* Do the diagram's boxes, in --big at the default size, show every worker of
 * a 2-worker run inside the diagram without overlapping; and when there are
 * more workers than fit, are the rest counted as hidden (the title says so)? */
static void viz_big_layout_fits_workers(void)
{
    struct vz_view v;
    struct vz_layout L;
    CU_ASSERT_FATAL(open_view(&v, "traces/sample.jsonl") == 0);
    v.big = 1;
    vz_layout_compute(&L, W, H, &v);
    CU_ASSERT_EQUAL(L.nworkers, 2);
    CU_ASSERT_EQUAL(L.workers_hidden, 0);
    SDL_Rect row[4] = {L.main_box, L.worker_box[0], L.worker_box[1], L.global_box};
    for (int k = 0; k < 4; k++) {
        CU_ASSERT(row[k].w >= 100);
        CU_ASSERT(row[k].x >= L.diagram.x && row[k].x + row[k].w <= L.diagram.x + L.diagram.w);
        if (k > 0)
            CU_ASSERT(row[k - 1].x + row[k - 1].w < row[k].x);
    }
    v.m->header.workers = 16;
    vz_layout_compute(&L, W, H, &v);
    CU_ASSERT(L.nworkers >= 2 && L.nworkers < 16);
    CU_ASSERT_EQUAL(L.nworkers + L.workers_hidden, 16);
    v.big = 0;
    vz_layout_compute(&L, 3000, H, &v);
    CU_ASSERT_EQUAL(L.workers_hidden, 16 - L.nworkers);
    vz_view_destroy(&v);
}

/* In lesson mode, is a lint ahead of the playhead shown without its name
 * (it would answer the question), and named once the playhead passes it? */
static void viz_lesson_hides_lints_ahead(void)
{
    struct vz_view v;
    char label[128];
    CU_ASSERT_FATAL(open_view(&v, "traces/10-w1-main-waker.jsonl") == 0);
    CU_ASSERT_FATAL(v.lints.n > 0 && v.lesson);
    uint32_t ev = v.lints.items[0].ev;
    const char *name = wta_lint_name(v.lints.items[0].kind);
    vz_view_seek(&v, ev);                  // just before it
    vz_lint_label(&v, 0, label, sizeof label);
    CU_ASSERT(strstr(label, name) == NULL && strstr(label, "ahead") != NULL);
    vz_view_seek(&v, ev + 1);              // past it
    vz_lint_label(&v, 0, label, sizeof label);
    CU_ASSERT(strstr(label, name) != NULL);
    v.lesson = 0;                          // outside lesson mode, always named
    vz_view_seek(&v, 0);
    vz_lint_label(&v, 0, label, sizeof label);
    CU_ASSERT(strstr(label, name) != NULL && strstr(label, "(ahead)") != NULL);
    vz_view_destroy(&v);
}

/* ---------------------------------------------------------------- runner */
static const struct {
    const char *name;
    void (*fn)(void);
} tests[] = {
    {"viz_lane_shows_running_task", viz_lane_shows_running_task},
    {"viz_parked_worker_in_list", viz_parked_worker_in_list},
    {"viz_wake_arrow_drawn", viz_wake_arrow_drawn},
    {"viz_main_flag_set_and_clear", viz_main_flag_set_and_clear},
    {"viz_every_trace_renders", viz_every_trace_renders},
    {"viz_frames_repeat_exactly", viz_frames_repeat_exactly},
    {"viz_input_keys", viz_input_keys},
    {"viz_input_mouse", viz_input_mouse},
    {"viz_input_next_lint", viz_input_next_lint},
    {"viz_diff_aligned", viz_diff_aligned},
    {"viz_big_layout_fits_workers", viz_big_layout_fits_workers},
    {"viz_lesson_hides_lints_ahead", viz_lesson_hides_lints_ahead},
};

/* Run from the repository's top folder (make test does). Exit 1 on any failure. */
int main(void)
{
    if (SDL_Init(SDL_INIT_EVENTS) < 0) {
        fprintf(stderr, "run_viz_tests: SDL: %s\n", SDL_GetError());
        return 2;
    }
    if (CU_initialize_registry() != CUE_SUCCESS)
        return 2;
    CU_pSuite s = CU_add_suite("viz", NULL, NULL);
    for (size_t k = 0; s && k < sizeof tests / sizeof tests[0]; k++)
        CU_add_test(s, tests[k].name, tests[k].fn);
    CU_basic_set_mode(CU_BRM_VERBOSE);
    CU_basic_run_tests();
    unsigned failed = CU_get_number_of_failures() + CU_get_number_of_suites_failed();
    CU_cleanup_registry();
    SDL_Quit();
    return failed ? 1 : 0;
}

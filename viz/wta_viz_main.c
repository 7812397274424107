/*
 * wta_viz_main.c - the wta-viz command line.
 *
 *     wta-viz [TRACE]                        open the trace in a window
 *     wta-viz TRACE --at I --out F.png       one frame as PNG
 *     wta-viz TRACE --frames DIR --every K   numbered PNGs every K events
 *     wta-viz TRACE --sheet F.png            a contact sheet
 *     wta-viz A --diff B                     two runs, aligned at their divergence
 *     wta-viz --follow TRACE                 watch a trace while it is written
 *
 * With no TRACE it opens the bundled sample trace. Exit status: 0 fine,
 * 1 the trace did not load (its file:line messages are printed) or no
 * window could be opened, 2 a usage error.
 */
#include <errno.h>
#include <limits.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "viewer.h"

#ifndef WTA_VIZ_SAMPLE
#define WTA_VIZ_SAMPLE "/usr/local/share/wta/sample.jsonl"
#endif

static const char usage[] =
    "usage: wta-viz [TRACE] [OPTIONS]\n"
    "\n"
    "Replay a wta trace: timeline, concept diagram, notes, lints. With no TRACE\n"
    "the bundled sample trace opens.\n"
    "\n"
    "  --at I --out F.png     render the state after I events (0: before the first)\n"
    "  --frames DIR --every K render DIR/frame-NNNNNN.png every K events\n"
    "  --sheet F.png          a contact sheet: one panel per note, or 9 moments\n"
    "  --size WxH             frame size for the options above (default 1280x800)\n"
    "  --big                  projector mode: large fonts, thick lines\n"
    "  --diff B               stack run B under TRACE, aligned at their first\n"
    "                         divergent scheduling decision\n"
    "  --follow               re-read TRACE as it grows (live view)\n"
    "  --lesson               pause at every note (on by default when there are notes)\n"
    "  --help, --version\n"
    "\n"
    "Keys: space play · ←/→ step · shift+←/→ ten · n/p note · l lint · +/- speed ·\n"
    "t time axis · wheel zoom · drag pan · Home/End · click select · f filter ·\n"
    "s screenshot · ? help · q quit\n"
    "\n"
    "Exit status: 0 ok, 1 the trace has errors or no window could open, 2 usage.\n";

struct opts {
    const char *trace, *out, *frames, *sheet, *diff;
    long long at;
    long long every;
    int w, h, big, follow, lesson;
};

static int bad(const char *msg, const char *arg)
{
    fprintf(stderr, "wta-viz: %s%s%s\n(try wta-viz --help)\n", msg, arg ? ": " : "", arg ? arg : "");
    return 2;
}

static int number(const char *s, long long *out)
{
    char *end;
    errno = 0;
    long long v = strtoll(s, &end, 10);
    if (errno || end == s || *end || v < 0)
        return -1;
    *out = v;
    return 0;
}

/* 0, 1 (--help/--version done), or 2 (usage error, printed). */
static int parse(int argc, char **argv, struct opts *o)
{
    memset(o, 0, sizeof *o);
    o->at = -1;
    o->w = 1280;
    o->h = 800;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        const char *val = i + 1 < argc ? argv[i + 1] : NULL;
        int takes = !strcmp(a, "--at") || !strcmp(a, "--out") || !strcmp(a, "--frames") ||
                    !strcmp(a, "--every") || !strcmp(a, "--sheet") || !strcmp(a, "--size") ||
                    !strcmp(a, "--diff");
        if (takes && val == NULL)
            return bad("missing value after", a);
        if (!strcmp(a, "--help") || !strcmp(a, "-h")) {
            fputs(usage, stdout);
            return 1;
        } else if (!strcmp(a, "--version")) {
            printf("wta-viz %s\n", WTA_VIZ_VERSION);
            return 1;
        } else if (!strcmp(a, "--at")) {
            if (number(val, &o->at) < 0)
                return bad("--at wants an event index (0 or more)", val);
        } else if (!strcmp(a, "--every")) {
            if (number(val, &o->every) < 0 || o->every == 0)
                return bad("--every wants a number of events (1 or more)", val);
        } else if (!strcmp(a, "--size")) {
            if (sscanf(val, "%dx%d", &o->w, &o->h) != 2 || o->w < 320 || o->h < 240 ||
                o->w > 8192 || o->h > 8192)
                return bad("--size wants WxH between 320x240 and 8192x8192", val);
        } else if (!strcmp(a, "--out")) {
            o->out = val;
        } else if (!strcmp(a, "--frames")) {
            o->frames = val;
        } else if (!strcmp(a, "--sheet")) {
            o->sheet = val;
        } else if (!strcmp(a, "--diff")) {
            o->diff = val;
        } else if (!strcmp(a, "--big")) {
            o->big = 1;
        } else if (!strcmp(a, "--follow")) {
            o->follow = 1;
        } else if (!strcmp(a, "--lesson")) {
            o->lesson = 1;
        } else if (a[0] == '-' && a[1]) {
            return bad("unknown option", a);
        } else if (o->trace == NULL) {
            o->trace = a;
        } else {
            return bad("more than one trace given", a);
        }
        i += takes;
    }
    if ((o->at >= 0) != (o->out != NULL))
        return bad("--at and --out go together", NULL);
    if ((o->frames != NULL) != (o->every > 0))
        return bad("--frames and --every go together", NULL);
    if ((o->out != NULL) + (o->frames != NULL) + (o->sheet != NULL) > 1)
        return bad("choose one of --out, --frames, --sheet", NULL);
    if (o->follow && o->trace == NULL)
        return bad("--follow needs a TRACE", NULL);
    return 0;
}

/* The bundled sample: installed, or beside this binary in a source tree. */
static const char *sample_path(void)
{
    static char path[PATH_MAX + 64];
    const char *env = getenv("WTA_VIZ_SAMPLE");
    if (env && *env)
        return env;
    if (access(WTA_VIZ_SAMPLE, R_OK) == 0)
        return WTA_VIZ_SAMPLE;
    ssize_t n = readlink("/proc/self/exe", path, PATH_MAX);
    if (n > 0) {                                /* build/<mode>/viz/wta-viz -> traces/ */
        path[n] = '\0';
        for (int up = 0; up < 4; up++) {
            char *slash = strrchr(path, '/');
            if (slash == NULL)
                break;
            *slash = '\0';
            if (up == 3)
                break;
        }
        strcat(path, "/traces/sample.jsonl");
        if (access(path, R_OK) == 0)
            return path;
    }
    return "traces/sample.jsonl";
}

/* A load on its own thread, so that the caller can report its progress. */
struct load_job {
    const char *path;
    struct wta_model *m;
    int rc;
    _Atomic uint64_t read;       /* bytes read so far */
    _Atomic int done;
};

static void count_read(void *arg, uint64_t n)
{
    atomic_fetch_add_explicit((_Atomic uint64_t *)arg, n, memory_order_relaxed);
}

static void *load_main(void *arg)
{
    struct load_job *j = arg;
    j->rc = wta_model_load_watched(j->path, 0, count_read, &j->read, &j->m);
    atomic_store(&j->done, 1);
    return NULL;
}

/*
 * Loads path; a file over 16 MB shows its progress on stderr while it
 * loads: one line redrawn on a terminal, else a line at each quarter.
 */
static int load_reporting(const char *path, struct wta_model **m)
{
    struct stat st;
    uint64_t size = stat(path, &st) == 0 && S_ISREG(st.st_mode) ? (uint64_t)st.st_size : 0;
    struct load_job j = {.path = path};
    pthread_t t;
    if (size <= (16u << 20) || pthread_create(&t, NULL, load_main, &j) != 0) {
        load_main(&j);
        *m = j.m;
        return j.rc;
    }
    int tty = isatty(STDERR_FILENO), quarter = 0;
    struct timespec tick = {0, 100 * 1000 * 1000};
    while (!atomic_load(&j.done)) {
        nanosleep(&tick, NULL);
        uint64_t got = atomic_load(&j.read);
        int pct = (int)(got * 100 / size);
        if (tty)
            fprintf(stderr, "\rwta-viz: loading %s: %3d%% (%llu of %llu MB)%s", path, pct,
                    (unsigned long long)(got >> 20), (unsigned long long)(size >> 20),
                    got >= size ? ", indexing" : "");
        else if (pct / 25 > quarter && !atomic_load(&j.done)) {
            quarter = pct / 25;
            fprintf(stderr, "wta-viz: loading %s: %d%% (%llu of %llu MB)%s\n", path, pct,
                    (unsigned long long)(got >> 20), (unsigned long long)(size >> 20),
                    got >= size ? ", indexing" : "");
        }
    }
    pthread_join(t, NULL);
    if (tty)
        fprintf(stderr, "\rwta-viz: loading %s: done%30s\n", path, "");
    *m = j.m;
    return j.rc;
}

static int load(const char *path, struct wta_model **m)
{
    int r = load_reporting(path, m);
    if (r < 0) {
        if (*m)
            wta_model_print_diags(*m, stderr);
        else
            fprintf(stderr, "wta-viz: %s: %s\n", path, strerror(-r));
        fprintf(stderr, "wta-viz: %s: the trace did not load\n", path);
        wta_model_free(*m);
        *m = NULL;
        return 1;
    }
    if ((*m)->nwarnings)
        fprintf(stderr, "wta-viz: %s: %zu warning%s (wta-trace validate shows them)\n", path,
                (*m)->nwarnings, (*m)->nwarnings == 1 ? "" : "s");
    return 0;
}

int main(int argc, char **argv)
{
    struct opts o;
    struct wta_model *m = NULL, *mb = NULL;
    struct vz_view v, vb;
    int r = parse(argc, argv, &o);
    if (r)
        return r == 1 ? 0 : 2;
    int headless = o.out || o.frames || o.sheet;
    if (!headless && !getenv("DISPLAY") && !getenv("WAYLAND_DISPLAY") && !getenv("SDL_VIDEODRIVER")) {
        fprintf(stderr, "wta-viz: no display (DISPLAY is not set): render PNGs instead with "
                        "--at I --out F.png, --frames DIR --every K, or --sheet F.png\n");
        return 1;
    }
    const char *path = o.trace ? o.trace : sample_path();
    struct vz_app *app = NULL;
    if (!headless) {                /* the window first: it shows loading and errors */
        if ((app = vz_app_open(o.w, o.h, o.big)) == NULL)
            return 1;
        if (vz_app_load(app, path, &m) < 0 || (o.diff && vz_app_load(app, o.diff, &mb) < 0)) {
            wta_model_free(m);
            vz_app_close(app);
            return 1;
        }
    } else if (load(path, &m)) {
        return 1;
    } else if (o.diff && load(o.diff, &mb)) {
        wta_model_free(m);
        return 1;
    }
    memset(&vb, 0, sizeof vb);
    vb.m = mb;                                  /* freed with vb, even if v fails */
    if (vz_view_init(&v, m, path) < 0 || (mb && vz_view_init(&vb, mb, o.diff) < 0)) {
        fprintf(stderr, "wta-viz: out of memory\n");
        r = 1;
        goto out;
    }
    v.big = o.big;
    v.lesson |= o.lesson;
    if (mb && vz_view_pair(&v, &vb) < 0) {
        fprintf(stderr, "wta-viz: out of memory\n");
        r = 1;
        goto out;
    }
    if (o.out) {
        if ((size_t)o.at > m->nevents) {
            fprintf(stderr, "wta-viz: --at %lld: the trace has %zu events (0..%zu)\n", o.at,
                    m->nevents, m->nevents);
            r = 2;
            goto out;
        }
        r = vz_headless_png(&v, (size_t)o.at, o.w, o.h, o.big, o.out) < 0;
    } else if (o.frames) {
        r = vz_headless_frames(&v, o.frames, (size_t)o.every, o.w, o.h, o.big) < 0;
    } else if (o.sheet) {
        r = vz_headless_sheet(&v, o.sheet, o.w, o.h, o.big) < 0;
    } else {
        struct vz_app_opts ao = {o.w, o.h, o.big, o.follow, path};
        r = vz_app_run(app, &v, &ao);
    }
out:
    if (mb)
        vz_view_destroy(&vb);
    vz_view_destroy(&v);
    vz_app_close(app);
    return r;
}

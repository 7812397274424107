/*
 * bench_viz.c - is the viewer fast enough on a big trace? (`make bench`)
 *
 *     bench_viz FILE [--reps N]
 *
 * FILE is a generated trace (bench_model --write FILE: 1,000,000 events by
 * default). Every frame is drawn at 1280x800 by the software renderer into
 * a surface, as the headless mode and the window both do. Printed, one
 * line each in the benchmark format (bench/BENCH.md), asserting nothing:
 *
 *   viz_first_frame  load + index + lints + the first frame drawn (goal <= 2 s)
 *   viz_frame_out    one frame, whole run in view, playhead moving (goal <= 16 ms)
 *   viz_frame_mid    one frame, 1/1000 of the run in view
 *   viz_frame_in     one frame, fully zoomed in (a few events in view)
 *   viz_seek_draw    seek to a random event, then one frame (goal <= 16 ms)
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "bench_util.h"
#include "viewer.h"

#define W 1280
#define H 800

/* One bench line: wall times t[0..n) and CPU times c[0..n). */
static void report(const char *name, const char *params, double *t, double *c, int n)
{
    qsort(t, (size_t)n, sizeof t[0], cmp_double);
    qsort(c, (size_t)n, sizeof c[0], cmp_double);
    double med = t[n / 2];
    printf("bench %s impl=wta-viz-%s workers=0 reps=%d %s ops=1 median_ns=%.0f min_ns=%.0f "
           "max_ns=%.0f median_ns_per_op=%.1f cpu_median_ns=%.0f\n", name, WTA_VIZ_VERSION, n,
           params, med * 1e9, t[0] * 1e9, t[n - 1] * 1e9, med * 1e9, c[n / 2] * 1e9);
}

static void draw(struct vz_canvas *c, struct vz_view *v)
{
    vz_canvas_draw(c, v, v->at);
}

/* Frames with the playhead moving one event a frame, as during playback. */
static void frames(const char *name, struct vz_canvas *c, struct vz_view *v, double width, int reps,
                   const char *params)
{
    double t[64], c2[64];
    size_t mid = v->m->nevents / 2;
    vz_view_seek(v, mid);
    v->v0 = vz_view_axis_of(v, mid) - width / 2;
    v->v1 = v->v0 + width;
    vz_view_pan(v, 0);                          /* clamp */
    draw(c, v);                                 /* warm-up */
    for (int k = 0; k < reps; k++) {
        double t0 = now(), c0 = cpu();
        vz_view_step(v, 1);
        draw(c, v);
        t[k] = now() - t0;
        c2[k] = cpu() - c0;
    }
    report(name, params, t, c2, reps);
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        fprintf(stderr, "usage: bench_viz FILE [--reps N]\n");
        return 2;
    }
    int reps = argc > 3 && !strcmp(argv[2], "--reps") ? atoi(argv[3]) : 31;
    if (reps < 1 || reps > 64)
        reps = 31;
    char params[64], err[256];
    struct vz_canvas c;
    struct vz_view v;
    struct wta_model *m;

    double t0 = now(), c0 = cpu();
    if (wta_model_load(argv[1], 0, &m) < 0) {
        wta_model_print_diags(m, stderr);
        return 1;
    }
    double load_cpu = cpu() - c0;
    if (vz_canvas_open(&c, W, H, 0, err, sizeof err) < 0 || vz_view_init(&v, m, argv[1]) < 0) {
        fprintf(stderr, "bench_viz: %s\n", err);
        return 1;
    }
    double draw0 = cpu();
    draw(&c, &v);
    double first = now() - t0, first_cpu = cpu() - c0;
    printf("# first frame, cpu: load %.3f s, spans + lints + notes %.3f s, draw %.3f s\n",
           load_cpu, draw0 - c0 - load_cpu, cpu() - draw0);
    snprintf(params, sizeof params, "events=%zu size=%dx%d", m->nevents, W, H);
    report("viz_first_frame", params, &first, &first_cpu, 1);

    frames("viz_frame_out", &c, &v, (double)m->nevents, reps, params);
    frames("viz_frame_mid", &c, &v, (double)m->nevents / 1000, reps, params);
    frames("viz_frame_in", &c, &v, 8, reps, params);

    double t[64], c3[64];
    srand(1);
    vz_view_zoom_all(&v);
    v.v1 = v.v0 + (double)m->nevents / 1000;    /* a mid zoom: the seek must pan */
    for (int k = 0; k < reps; k++) {
        size_t i = (size_t)rand() % (m->nevents + 1);
        double s0 = now(), sc0 = cpu();
        vz_view_seek(&v, i);
        draw(&c, &v);
        t[k] = now() - s0;
        c3[k] = cpu() - sc0;
    }
    report("viz_seek_draw", params, t, c3, reps);

    vz_canvas_close(&c);
    vz_view_destroy(&v);
    return 0;
}

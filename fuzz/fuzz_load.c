/*
 * fuzz_load.c - libFuzzer target: any bytes through the whole model.
 *
 * Loads the input as a trace; if it loads cleanly, asks the model every
 * question the tool can ask (seek to a few indices, why, lint, stats,
 * export, diff with itself), so a crash anywhere in viz/ on some input is
 * found, not only in the parser. Output goes to /dev/null.
 *
 * It also loads the input again two ways and aborts if either gives a
 * different model (events, thread names, diagnostics and their lines): as
 * two halves on two threads (WTA_LOAD_SPLIT), and with every line read by
 * cJSON (WTA_LOAD_CJSON), without the fast scanner of viz/flat.c. The split
 * reader and the fast one must each be exactly the plain cJSON reader.
 * Build and run: `make fuzz` (see viz/viz.mk); seeds are in fuzz/corpus/.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../viz/viz_int.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void ask(const struct wta_model *m, FILE *null)
{
    struct wta_state s;
    struct wta_task_state ts;
    struct wta_why w;
    struct wta_lint_config c;
    struct wta_lints l;
    wta_state_init(&s);
    for (size_t i = 0; i <= m->nevents; i += 1 + m->nevents / 7)
        wta_model_seek(m, i, &s);
    wta_model_seek(m, m->nevents, &s);
    wta_state_destroy(&s);
    for (uint32_t t = 1; t <= m->ntasks && t < 8; t++) {
        wta_model_task_at(m, t, m->nevents / 2, &ts);
        if (m->nevents > 0)
            wta_why(m, t, m->nevents - 1, &w);
    }
    wta_lint_config_default(&c);
    if (wta_lint_run(m, &c, &l) == 0) {
        wta_lints_write_json(m, &l, null);
        wta_lints_free(&l);
    }
    wta_stats_write(m, null, 1);
    wta_perfetto_write(m, null);
    wta_diff(m, m, null);
}

/* Are a and b (the same bytes read two ways) the same model? */
static int same(const struct wta_model *a, const struct wta_model *b)
{
    char x[512], y[512];
    if (a->nevents != b->nevents || a->nerrors != b->nerrors || a->ndiags != b->ndiags ||
        a->nwarnings != b->nwarnings || a->nthreads != b->nthreads || a->truncated != b->truncated)
        return 0;
    for (size_t i = 0; i < a->ndiags && i < WTA_MAX_DIAGS; i++)
        if (a->diags[i].line != b->diags[i].line || a->diags[i].msg == NULL ||
            b->diags[i].msg == NULL || strcmp(a->diags[i].msg, b->diags[i].msg) != 0)
            return 0;
    for (size_t i = 0; i < a->nevents; i++) {
        const struct wta_ev *e = &a->events[i], *f = &b->events[i];
        wta_event_format(a, e, x, sizeof x);
        wta_event_format(b, f, y, sizeof y);
        if (strcmp(x, y) != 0 || e->t_ns != f->t_ns || e->seq != f->seq ||
            e->line != f->line || strcmp(a->threads[e->th].name, b->threads[f->th].name) != 0)
            return 0;
    }
    return 1;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static FILE *null;
    struct wta_model *m = NULL;
    if (null == NULL)
        null = fopen("/dev/null", "w");
    int err = wta_model_load_mem("fuzz", (const char *)data, size, 0, &m);
    if (err == 0 && m != NULL && null != NULL)
        ask(m, null);
    static const struct { unsigned flags; const char *what; } other[] = {
        {WTA_LOAD_SPLIT, "reading in two halves"},
        {WTA_LOAD_CJSON, "reading every line with cJSON"},
    };
    for (size_t k = 0; k < sizeof other / sizeof other[0]; k++) {
        struct wta_model *o = NULL;
        int err2 = wta_model_load_mem("fuzz", (const char *)data, size, other[k].flags, &o);
        if (err != err2 || (m == NULL) != (o == NULL) || (m != NULL && !same(m, o))) {
            fprintf(stderr, "fuzz_load: %s gave a different model\n", other[k].what);
            abort();
        }
        wta_model_free(o);
    }
    wta_model_free(m);
    return 0;
}

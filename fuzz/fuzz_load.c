/*
 * fuzz_load.c - libFuzzer target: any bytes through the whole model.
 *
 * Loads the input as a trace; if it loads cleanly, asks the model every
 * question the tool can ask (seek to a few indices, why, lint, stats,
 * export, diff with itself), so a crash anywhere in viz/ on some input is
 * found, not only in the parser. Output goes to /dev/null. Build and run:
 * `make fuzz` (see viz/viz.mk); seeds are in fuzz/corpus/.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "../viz/wta_model.h"

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

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static FILE *null;
    struct wta_model *m = NULL;
    if (null == NULL)
        null = fopen("/dev/null", "w");
    int err = wta_model_load_mem("fuzz", (const char *)data, size, 0, &m);
    if (err == 0 && m != NULL && null != NULL)
        ask(m, null);
    wta_model_free(m);
    return 0;
}

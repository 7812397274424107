/*
 * hang.c - reading the task dump that follows a `hang` event.
 *
 * When block_on proves that nothing can wake the main future it records
 * `hang`, then at once, on the same thread, one `hang.main` (the main
 * future's polls, live waker clones and what holds its waker) and one
 * `hang.task` per live task (its state and what it waits on). So the dump
 * is the run of hang.main/hang.task events right after the hang on its
 * thread's own list; a version-1 trace has a hang with no dump.
 *
 * A wait is a pair (`waits`, `on`): which runtime structure holds the
 * waker, and its id. The hang lint and `why` both print it with
 * wta_wait_text, so the two always say the same thing.
 */
#include <inttypes.h>
#include <string.h>

#include "viz_int.h"

uint32_t wta_hang_dump_next(const struct wta_model *m, uint32_t ev)
{
    const struct wta_thread *th = &m->threads[m->events[ev].th];
    size_t p = wta_model_thread_pos(m, ev) + 1;
    if (p >= th->nevents)
        return UINT32_MAX;
    uint8_t kind = m->events[th->evs[p]].kind;
    return kind == WTA_EV_HANG_MAIN || kind == WTA_EV_HANG_TASK ? th->evs[p] : UINT32_MAX;
}

void wta_wait_text(const struct wta_model *m, int64_t waits, int64_t on, char *buf,
                   size_t size)
{
    const char *w = wta_model_str(m, waits);
    uint32_t task;
    if (strcmp(w, "nothing") == 0)
        snprintf(buf, size, "nothing: no waker held, nothing will wake it");
    else if (strcmp(w, "timer") == 0)
        snprintf(buf, size, "timer %" PRId64, on);
    else if (strcmp(w, "fd.read") == 0 || strcmp(w, "fd.write") == 0)
        snprintf(buf, size, "fd %" PRId64 " becoming %s", on,
                 w[3] == 'r' ? "readable" : "writable");
    else if (strcmp(w, "chan.recv") == 0)
        snprintf(buf, size, "a value on channel %" PRId64 " (recv)", on);
    else if (strcmp(w, "chan.send") == 0)
        snprintf(buf, size, "room on channel %" PRId64 " (send)", on);
    else if (strcmp(w, "join") == 0 && on == 0)
        snprintf(buf, size, "a blocking job's JoinHandle");
    else if (strcmp(w, "join") == 0 && (task = wta_model_task_by_id(m, (uint64_t)on)) != 0)
        snprintf(buf, size, "task %" PRId64 " '%s' (its JoinHandle)", on,
                 wta_model_str(m, m->tasks[task - 1].name));
    else
        snprintf(buf, size, "%s %" PRId64, w, on);
    wta_sanitize(buf);
}

int wta_wait_is_nothing(const struct wta_model *m, const struct wta_ev *e)
{
    return wta_model_str_is(m, e->f[S_HANG_WAITS], "nothing");
}

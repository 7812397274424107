/*
 * perfetto_marks.c - what the Perfetto export shows besides slices.
 *
 * perfetto.c lays out the lanes and their slices; this file adds what a
 * student reads off them: each slice's and instant's event as "args" (its
 * index, kind and fields by name, and for a slice the closing event under
 * "end"); the events that are moments, not stretches, as thread-scoped
 * instants (io, channel, select, the hang and its dump, wait.external,
 * notes, marks, bug windows, drops, process.end); and counter tracks for
 * each run queue's length and the number of parked workers.
 */
#include <stdlib.h>

#include "viz_int.h"

#define NONE UINT32_MAX

/* The events' fields come in schema order, under their schema names. */
void wta_pf_args(struct wta_pf_out *o, const struct wta_model *m, uint32_t ev, uint32_t end)
{
    fprintf(o->f, ",\"args\":{\"event\":%u,\"ev\":\"%s\"", ev,
            wta_event_name(m->events[ev].kind));
    wta_event_json_fields(o->f, m, &m->events[ev]);
    if (end != NONE) {
        fprintf(o->f, ",\"end\":{\"event\":%u,\"ev\":\"%s\"", end,
                wta_event_name(m->events[end].kind));
        wta_event_json_fields(o->f, m, &m->events[end]);
        fputc('}', o->f);
    }
    fputc('}', o->f);
}

/* The moments: io, channel, select, hang and its dump, wait.external,
 * note, mark, bug window, drops and process.end. */
int wta_pf_is_instant(uint8_t kind)
{
    return (kind >= WTA_EV_IO_REGISTER && kind <= WTA_EV_SELECT_WINNER) ||
           (kind >= WTA_EV_HANG && kind <= WTA_EV_WAIT_EXTERNAL) || kind == WTA_EV_NOTE ||
           kind == WTA_EV_MARK || kind == WTA_EV_BUG_WINDOW || kind == WTA_EV_DROPPED ||
           kind == WTA_EV_PROCESS_END;
}

/* Thread-scoped ("s":"t"): Perfetto draws it on that lane only. */
void wta_pf_instant(struct wta_pf_out *o, const struct wta_model *m, int pid, int tid,
                    uint32_t i, const char *name)
{
    const struct wta_ev *e = &m->events[i];
    wta_pf_sep(o);
    fprintf(o->f, "{\"ph\":\"i\",\"s\":\"t\",\"cat\":\"wta\",\"pid\":%d,\"tid\":%d,"
            "\"name\":", pid, tid);
    wta_json_string(o->f, name != NULL ? name : e->kind == WTA_EV_NOTE ?
                          wta_model_str(m, e->f[0]) : wta_event_name(e->kind));
    wta_pf_ts(o->f, "ts", e->t_ns);
    wta_pf_args(o, m, i, NONE);
    fputc('}', o->f);
}

/* One counter sample: track `name` (its one series `key`) is v from e on. */
static void counter(struct wta_pf_out *o, const struct wta_ev *e, const char *name,
                    const char *key, int64_t v)
{
    wta_pf_sep(o);
    fprintf(o->f, "{\"ph\":\"C\",\"cat\":\"wta\",\"pid\":%d,\"name\":", WTA_PF_THREAD_PID);
    wta_json_string(o->f, name);
    wta_pf_ts(o->f, "ts", e->t_ns);
    fprintf(o->f, ",\"args\":{\"%s\":%lld}}", key, (long long)v);
}

/* Counter tracks on the threads process: each run queue's length (from
 * queue.push/pop's `len`) and how many workers are parked (worker.park
 * counts up; worker.resume, or worker.stop of a parked worker, down). */
void wta_pf_counters(struct wta_pf_out *o, const struct wta_model *m)
{
    uint8_t *parked = calloc(m->nthreads + 1, 1);
    char name[96];
    int64_t n = 0;
    if (parked == NULL)
        return;
    for (size_t i = 0; i < m->nevents; i++) {
        const struct wta_ev *e = &m->events[i];
        if (e->kind == WTA_EV_QUEUE_PUSH || e->kind == WTA_EV_QUEUE_POP) {
            snprintf(name, sizeof name, "run queue %s", wta_model_str(m, e->f[S_QUEUE_NAME]));
            counter(o, e, name, "len", e->f[2]);
        } else if (e->kind == WTA_EV_WORKER_PARK || e->kind == WTA_EV_WORKER_RESUME ||
                   e->kind == WTA_EV_WORKER_STOP) {
            uint8_t now = e->kind == WTA_EV_WORKER_PARK;
            if (parked[e->th] == now)
                continue;
            parked[e->th] = now;
            n += now ? 1 : -1;
            counter(o, e, "parked workers", "parked", n);
        }
    }
    free(parked);
}


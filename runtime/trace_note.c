/*
 * trace_note.c - what a program writes into its own trace: notes (a line
 * of text, shown in the viewer where it happened) and marks (a number
 * against an id, for the lessons' checks). Both are ordinary events,
 * recorded on the calling thread like any other (trace.c); without a
 * trace they cost one branch.
 */
#include <stdarg.h>
#include <stdio.h>

#include "internal.h"

void wta_trace_mark_on(struct wta_runtime *rt, uint64_t id, uint64_t value)
{
    WTA_TRACE(rt, MARK, id, value);
}

static void vnote(struct wta_runtime *rt, const char *fmt, va_list ap)
{
    if (rt == NULL || rt->trace == NULL)
        return;
    char text[1024];
    vsnprintf(text, sizeof text, fmt, ap);
    wta_trace_rec(rt, 0, WTA_EV_NOTE, WTA_S(text), 0, 0, 0, 0, 0);
}

void wta_note(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vnote(wta_thread_rt(), fmt, ap);
    va_end(ap);
}

void wta_runtime_note(struct wta_runtime *rt, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vnote(rt, fmt, ap);
    va_end(ap);
}

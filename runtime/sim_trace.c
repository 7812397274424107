/*
 * sim_trace.c - the numbers a deterministic trace gives fds and ports.
 *
 * fds and ports are the machine's (inherited fds shift every number; the
 * kernel picks ports), so a deterministic trace numbers them itself: an
 * fd gets the lowest number from 3 up that no open fd has, as a fresh
 * process would; a listening port gets FIRST_PORT, FIRST_PORT + 1, ... in
 * the order listeners open. Past MAX_FDS fds or MAX_PORTS ports, numbers
 * stay as they are.
 *
 * The recorder (trace.c) passes each event through wta_sim_renumber(),
 * on the thread that holds the baton: no other runner runs meanwhile, so s->lock is not taken.
 */
#include <string.h>

#include "sim.h"

#define FIRST_PORT 40000                /* the trace's first listening port */

/* The trace's number for fd; closing: the number is free again after. Baton holder only. */
static int64_t trace_fd(struct wta_sim *s, int64_t fd, bool closing)
{
    if (fd < 0 || fd >= MAX_FDS)
        return fd;
    int v = s->vfd[fd];
    if (v == 0) {
        for (v = 3; v < MAX_FDS && s->vfd_used[v]; v++)
            ;
        if (v == MAX_FDS)
            return fd;
        s->vfd_used[v] = true;
        s->vfd[fd] = v;
    }
    if (closing) {
        s->vfd_used[v] = false;
        s->vfd[fd] = 0;
    }
    return v;
}

/* The trace's number for a listening port. Baton holder only. */
static uint64_t trace_port(struct wta_sim *s, uint64_t port)
{
    for (int i = 0; i < s->nports; i++)
        if (s->ports[i] == port)
            return FIRST_PORT + (uint64_t)i;
    if (s->nports == MAX_PORTS)
        return port;
    s->ports[s->nports] = port;
    return FIRST_PORT + (uint64_t)s->nports++;
}

/* Is the string field v the wake source "reactor" (a cause that is an fd)? */
static bool from_reactor(uint64_t v)
{
    return strcmp((const char *)(uintptr_t)v, "reactor") == 0;
}

/*
 * An event's fields as wta_trace_rec got them (a..f, wta_events.h's
 * order), with the fds and ports in the machine's numbers made the
 * trace's own. Baton holder only.
 */
void wta_sim_renumber(struct wta_sim *s, enum wta_event ev, uint64_t *a, uint64_t b,
                      uint64_t *c, uint64_t *d, uint64_t *e, uint64_t *f)
{
    switch (ev) {
    case WTA_EV_WAKER_WAKE:  // source:s ... cause:u - an fd when the reactor woke it
        if (from_reactor(b))
            *f = (uint64_t)trace_fd(s, (int64_t)*f, false);
        break;
    case WTA_EV_MAIN_WAKE:   // source:s by:u was_ready:b cause:u
        if (from_reactor(*a))
            *d = (uint64_t)trace_fd(s, (int64_t)*d, false);
        break;
    case WTA_EV_HANG_MAIN:   // waits:s on:u - an fd when it waits on one
    case WTA_EV_HANG_TASK:
        if (strncmp((const char *)(uintptr_t)*d, "fd.", 3) == 0)
            *e = (uint64_t)trace_fd(s, (int64_t)*e, false);
        break;
    case WTA_EV_IO_REGISTER:
    case WTA_EV_IO_EVENT:
    case WTA_EV_IO_DEREGISTER:
        *a = (uint64_t)trace_fd(s, (int64_t)*a, false);
        break;
    case WTA_EV_IO_OP: {
        const char *op = (const char *)(uintptr_t)b;
        *a = (uint64_t)trace_fd(s, (int64_t)*a, strcmp(op, "close") == 0);
        if (strcmp(op, "accept") == 0 && (int64_t)*c >= 0)
            *c = (uint64_t)trace_fd(s, (int64_t)*c, false);
        else if (strcmp(op, "listen") == 0 && (int64_t)*c > 0)
            *c = trace_port(s, *c);
        break;
    }
    default:
        break;
    }
}

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
 * The recorder (trace.c) asks for each event, on the thread that holds
 * the baton: no other runner runs meanwhile, so s->lock is not taken.
 */
#include "sim.h"

#define FIRST_PORT 40000                /* the trace's first listening port */

/* The trace's number for fd; closing: the number is free again after. Baton holder only. */
int64_t wta_sim_trace_fd(struct wta_sim *s, int64_t fd, bool closing)
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
uint64_t wta_sim_trace_port(struct wta_sim *s, uint64_t port)
{
    for (int i = 0; i < s->nports; i++)
        if (s->ports[i] == port)
            return FIRST_PORT + (uint64_t)i;
    if (s->nports == MAX_PORTS)
        return port;
    s->ports[s->nports] = port;
    return FIRST_PORT + (uint64_t)s->nports++;
}

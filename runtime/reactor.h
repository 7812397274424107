/*
 * reactor.h - the reactor's own structures, shared by its three files:
 * reactor.c (its life and one turn), io_source.c (registering sockets and
 * their readiness) and reactor_wait.c (waiting in epoll, precisely).
 * Nothing outside those files includes this: the rest of the runtime sees
 * only the functions in internal.h.
 */
#ifndef WTA_REACTOR_H
#define WTA_REACTOR_H

#include <sys/epoll.h>

#include "internal.h"

#define MAX_EVENTS 256

struct wta_io_source {
    int fd;
    struct wta_reactor *r;
    uint32_t ready;                  /* [r->lock] WTA_IO_READ | WTA_IO_WRITE */
    uint32_t hup;                    /* [r->lock] directions hung up or failed: stay ready */
    uint64_t tick;                   /* [r->lock] events seen so far */
    struct wta_waker waker[2];       /* [r->lock] reader, writer */
    bool closed;                     /* [r->lock] deregistered */
    struct wta_io_source *next_free; /* [r->lock] on pending_free */
    struct wta_io_source *prev, *next;  /* [r->lock] r->sources */
    char what[48];                   /* "a listener on port 4000", for the warning at free */
    uint64_t task;                   /* the task that made it (0: none) */
};

struct wta_reactor {
    struct wta_runtime *rt;
    int epfd, evfd;
    struct wta_mutex w5_lock;        /* W5: one block_on thread's turn at a time */
    struct wta_mutex lock;           /* guards sources, timers, turning */
    struct wta_timer_heap timers;    /* timer.c */
    int nsources;
    struct wta_io_source *sources;   /* registered, not yet deregistered */
    bool turning;                    /* a thread is inside a turn */
    int dispatching;                 /* wakes collected, not yet delivered (hang check hook) */
    uint64_t delivered;              /* batches of wakes delivered so far (hang check hook) */
    struct wta_io_source *pending_free;
};

/* reactor_wait.c: waits for events or wait_ns (-1: no limit); io: sockets are registered. */
int wta_reactor_wait(struct wta_reactor *r, struct epoll_event *evs, int64_t wait_ns, bool io);

#endif

/*
 * sim.h - deterministic mode's own structs, shared by its three files:
 * sim.c (the runners and the scheduler: who holds the baton next, the
 * virtual clock), sim_block.c (how a runner waits and is woken; its
 * thread's start and end) and sim_trace.c (the trace's own numbers for
 * fds and ports). Nothing else includes this: the rest of the runtime
 * sees only the functions listed in internal.h under sim.c.
 *
 * Locks: s->lock (a plain pthread mutex: the wrappers' switch points are
 * built on it) guards struct wta_sim and its runners, but for the trace's
 * numbers (vfd, ports), which only the baton holder touches (sim_trace.c).
 */
#ifndef WTA_SIM_H
#define WTA_SIM_H

#include "internal.h"

#define NO_DEADLINE UINT64_MAX
#define MAX_FDS 1024                    /* fds renumbered for the trace (above: as is) */
#define MAX_PORTS 64

/* waiting_on: the reactor's fd or a deadline (sim_block.c's wta_sim_wait_fd). */
extern const char wta_sim_waiting_fd;

struct wta_sim_runner {
    struct wta_sim *sim;
    int index;                   /* start order: 0 is the creating thread */
    pthread_cond_t go;           /* signalled when the baton is handed to us */
    unsigned long tid;           /* wta_thread_id(), once it runs */
    pthread_t thread;
    bool has_thread;             /* started by wta_sim_thread_start */
    void *(*fn)(void *);
    void *arg;
    uint64_t prio;               /* PCT priority: the highest runnable runs */
    const void *waiting_on;      /* NULL: runnable */
    int wait_fd;                 /* with &wta_sim_waiting_fd: readable wakes us (-1: none) */
    bool fd_may_wake;            /* ...and something registered could make it so */
    uint64_t deadline_ns;        /* with &wta_sim_waiting_fd: the clock reaching it wakes us */
    bool done;                   /* its thread returned */
};

struct wta_sim {
    pthread_mutex_t lock;        /* guards everything here; the baton holder takes it */
    uint64_t seed, rng;
    uint64_t now_ns;             /* the virtual clock */
    uint64_t steps;              /* switch points so far */
    uint64_t low_prio;           /* next priority a change point hands out */
    struct wta_sim_runner **r;
    int n, cap;
    struct wta_sim_runner *current;  /* holds the baton */
    const void *hang_obj;        /* block_on waits on it: woken to report a hang */
    bool hung;
    int vfd[MAX_FDS];            /* the trace's number for each fd, 0: none yet */
    bool vfd_used[MAX_FDS];
    uint64_t ports[MAX_PORTS];   /* listening ports, in the order they opened */
    int nports;
};

// sim.c
/* A new runner, runnable, with a random priority above every change point's.
 * Under s->lock once other threads can see s. */
struct wta_sim_runner *wta_sim_add_runner(struct wta_sim *s);
/* One switch point of the baton holder me; returns when it holds the baton again. Hold s->lock. */
void wta_sim_reschedule(struct wta_sim *s, struct wta_sim_runner *me);

#endif

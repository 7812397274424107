/*
 * executor.h - the executor's own structs, shared by executor.c (the
 * worker loop, spawn and wake), workers.c (making the executor, starting
 * and stopping its threads), park.c (sleeping and waking workers),
 * runq.c (a FIFO of tasks), ring.c (a worker's own queue), steal.c (where
 * an idle worker finds work under the per-worker scheduler) and hang.c
 * (which reads the sleep counts).
 * Nothing else in the runtime looks inside them. Their functions are
 * listed in internal.h, under each file.
 *
 * Locks: ex->lock guards the global queue and the sleepers. A worker's own
 * queue is a ring with no lock (ring.c says who may touch what).
 */
#ifndef WTA_EXECUTOR_H
#define WTA_EXECUTOR_H

#include "internal.h"

/* A FIFO of tasks linked through the task (a task is in one queue at most). */
struct wta_runq {
    struct wta_task *head, *tail;
    _Atomic uint64_t len;         /* written under the queue's lock; read anywhere */
    struct wta_mutex *lock;       /* the lock that guards it (asserted held) */
    char name[24];                /* "global", "local-0": as the trace says */
};

/*
 * A worker's own queue (ring.c): a fixed ring that its owner fills and
 * empties without a lock; other workers take from its head by CAS.
 * 256 is tokio's capacity: past it, the older half goes to the global queue.
 */
#define WTA_RING_CAP 256
struct wta_ring {
    _Atomic uint64_t head;        /* oldest queued: moved by CAS, by whoever takes */
    _Atomic uint64_t tail;        /* one past the newest: written by the owner only */
    struct wta_task *_Atomic buf[WTA_RING_CAP];   /* task i in buf[i % WTA_RING_CAP] */
    char name[24];                /* "local-0": as the trace says */
};

struct wta_worker {
    struct wta_executor *ex;
    int index;
    pthread_t thread;
    bool started;
    uint64_t polls;                  /* owner only */
    bool searching;                  /* owner only: woken to look for work */

    /* Per-worker scheduler: the task this worker woke last, run before
     * anything else ("run next"). Owner only, so no lock; never stolen. */
    struct wta_task *next;
    int next_streak;                 /* slot runs in a row (see steal.c) */
    _Atomic bool next_full;          /* next != NULL, for the hang check */
    char next_name[24];              /* "next-0", as the trace says */

    /* Per-worker scheduler: this worker's own queue. The owner pushes and
     * pops without a lock; a thief takes the older half (ring.c). */
    struct wta_ring local;

    /* Parking, guarded by ex->lock. */
    pthread_cond_t cond;
    bool unparked;                   /* a waker picked us */
    uint64_t unpark_t;               /* trace stamp of that unpark */
    struct wta_worker *next_sleeper;
};

struct wta_executor {
    struct wta_runtime *rt;
    bool per_worker;                 /* cfg.scheduler == WTA_SCHED_LOCAL */
    int nworkers;
    struct wta_worker *workers;
    _Atomic int nsearching;          /* workers woken and still looking for work */

    struct wta_mutex lock;           /* guards the fields below */
    struct wta_runq global;          /* spawns and wakes from outside the workers */
    struct wta_worker *sleepers;     /* a stack of workers parked on their condvar */
    _Atomic int nparked;             /* sleepers + the driver while it waits */
    _Atomic bool shutdown;           /* written under lock; a busy worker reads it without */
    bool driving;                    /* a worker has the reactor */
    bool driver_waiting;             /* ...and is (about to be) in epoll_wait */
    struct wta_worker *driver;
};

#endif

/*
 * task.h - a task's struct, shared by its three files: task.c (its state
 * machine and its poll), task_block.c (its memory and references) and
 * task_list.c (the runtime's lists of live tasks).
 * The rest of the runtime sees only the functions in internal.h.
 */
#ifndef WTA_TASK_H
#define WTA_TASK_H

#include <stddef.h>

#include "internal.h"

struct wta_task {
    _Atomic unsigned state;         /* an enum wta_task_state (+ LOST): task.c's arrows move it */
    uint64_t last_wake_t;           /* trace stamp of what scheduled it: written before the push */

    /* Set at spawn, read-only after. */
    struct wta_runtime *rt;
    uint64_t id, parent;
    struct wta_future *fut;         /* owned (boxed, or t->moved); only the RUNNING worker touches it */
    uint32_t polls;                 /* only the RUNNING worker touches it */

    _Atomic int refs;               /* the runtime's (until DONE) + waker clones + the handle's */
    _Atomic int wakers;             /* live waker clones, for the trace */
    _Atomic int held;               /* of those, held by runtime structures (hang.c) */

    /* For the hang check's dump. Written by the polling thread; read only
     * once every worker sleeps (their ex->lock orders the reads after). */
    struct wta_wait wait;           /* what the last runtime-held clone is for */
    uint64_t last_poll_ns;          /* CLOCK_MONOTONIC at the last poll's start */
    char name[32];                  /* set at spawn, read-only after */
    const char *file;
    int line;

    struct wta_task *next;          /* run-queue link, guarded by that queue's lock */
    bool queued;                    /* in a run queue: guarded by that queue's lock */
    struct wta_task_list *list;     /* which of rt->task_lists holds it */
    struct wta_task *all_prev, *all_next;  /* guarded by list->lock */

    struct wta_oneshot_tx join;     /* the JoinHandle's oneshot (its own lock) */
    max_align_t moved[];            /* wta_spawn_move: the future's bytes */
};

// task_block.c
void wta_task_cancel(struct wta_task *t, const char *why);   /* set DONE first; no locks held */

// task.c
enum wta_task_state wta_task_state_now(struct wta_task *t);  /* a snapshot, for the hang dump */
void wta_task_set_done(struct wta_task *t);                  /* any state -> DONE (shutdown) */

// task_list.c
void wta_task_list_add(struct wta_task *t);
void wta_task_unlist(struct wta_task *t);   /* and lets go of the runtime's reference */

#endif /* WTA_TASK_H */

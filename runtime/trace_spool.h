/*
 * trace_spool.h - the layout of a trace's spool file, shared by the
 * recorder (trace.c), the writer (trace_write.c, trace_batch.c), the spool itself
 * (trace_spool.c) and its recovery after a crash (trace_recover.c).
 *
 * Not public: a spool is read back only by the same version of wta.
 */
#ifndef WTA_TRACE_SPOOL_H
#define WTA_TRACE_SPOOL_H

#include <signal.h>
#include <stdint.h>

#include "internal.h"

#define WTA_SPOOL_MAGIC "wtaspool"
#define WTA_SPOOL_VERSION 1
#define WTA_BATCH_RECS 1024
#define WTA_BATCH_ARENA 32768          /* the batch's strings */
#define WTA_BATCH_STR_ROOM 8448        /* room an event's strings may need: two of 4 KiB */
#define WTA_BATCH_CACHE 64             /* literal strings remembered per batch */

/* What became of a slot's batch. A slot that is not FREE may hold events
 * the trace file lacks; recovery reads those back. */
enum wta_spool_state {
    WTA_SLOT_FREE,       /* never used, or written to the trace file */
    WTA_SLOT_FILLING,    /* a recording thread is adding events */
    WTA_SLOT_PENDING,    /* handed to the writer, not yet written */
    WTA_SLOT_WRITING,    /* the writer is writing it: maybe partly in the file */
};

/*
 * One batch: one thread's events, in order. Lives in a spool slot, so
 * everything in it is plain data another process can read: strings are
 * offsets into `arena` (+1; 0 is the empty string), never pointers.
 */
struct wta_trace_batch {
    struct wta_trace_batch *next;    /* the writer's queue or free list (this process only) */
    uint32_t state;                  /* enum wta_spool_state */
    uint32_t n;                      /* events published: stored after each event's fields */
    uint32_t arena_used;
    char thread[24];
    struct wta_trace_rec recs[WTA_BATCH_RECS];
    struct { uintptr_t p; uint32_t off; } cache[WTA_BATCH_CACHE];  /* literal -> arena */
    char arena[WTA_BATCH_ARENA];
};

/* Page 0 of the spool file. */
struct wta_spool_head {
    char magic[8];                   /* WTA_SPOOL_MAGIC */
    uint32_t version;                /* WTA_SPOOL_VERSION */
    uint32_t rec_bytes;              /* sizeof(struct wta_trace_rec) */
    uint32_t slot_bytes;             /* bytes per slot (a page multiple) */
    uint32_t nkinds;                 /* WTA_EV_COUNT of the recorder */
    uint64_t nslots;                 /* slots in the file after this page */
    uint64_t dropped;                /* events the writer lost to write errors */
    uint64_t start_ns;               /* CLOCK_MONOTONIC at the trace's t = 0 */
    /* How the process ended, if it said so (a fatal signal, exit()): */
    int32_t how;                     /* enum wta_spool_how */
    int32_t sig;
    uint64_t end_t;                  /* trace clock */
    uint64_t end_task;               /* the task the thread was polling, or 0 */
    char end_thread[24];
};

enum wta_spool_how {
    WTA_END_UNKNOWN,     /* no word: SIGKILL, or the machine stopped */
    WTA_END_SIGNAL,      /* a fatal signal (sig) */
    WTA_END_EXIT,        /* exit() while the runtime still ran */
};

// trace_spool.c
struct wta_spool;
struct wta_spool *wta_spool_open(const char *trace_path, bool file, uint64_t start_ns);
size_t wta_spool_slot_bytes(void);
void wta_spool_close(struct wta_spool *sp);           /* removes the file */
struct wta_trace_batch *wta_spool_take(struct wta_spool *sp);  /* a FREE slot; writer lock */
void wta_spool_set_dropped(struct wta_spool *sp, uint64_t dropped);

#endif /* WTA_TRACE_SPOOL_H */

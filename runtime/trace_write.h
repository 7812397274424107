/*
 * trace_write.h - the writer's state, shared by its two sides: the
 * writer thread and the file (trace_write.c), and the batches' trip
 * between recording threads and the writer (trace_batch.c).
 *
 * Lock order: pen, then lock.
 */
#ifndef WTA_TRACE_WRITE_H
#define WTA_TRACE_WRITE_H

#include "trace_spool.h"

#define WTA_WRITER_MAX_PENDING 2560    /* batches waiting before recorders write */

struct wta_trace_writer {
    int fd;
    char *path;
    pthread_t thread;
    struct wta_mutex pen;            /* held while formatting and writing a batch */
    char *out;                       /* [pen] the formatting buffer */
    struct wta_mutex lock;           /* guards everything below */
    pthread_cond_t work;             /* the writer waits for batches */
    pthread_cond_t progress;         /* submitters and flush wait for the writer */
    struct wta_trace_batch *head, *tail;
    struct wta_trace_batch *spare;   /* written batches, for reuse: no page faults */
    struct wta_spool *spool;         /* where batches live */
    size_t pending;
    uint64_t submitted, written;     /* batches, for flush */
    bool stop;
    uint64_t dropped;                /* events lost to write errors */
    int err;                         /* the first write error, -errno */
    off_t good, prev_good;           /* file ends of the last two whole batches */
    uint32_t last_n;                 /* events in the last whole batch */
};

/* Formats and writes the oldest waiting batch; false if none. Holds neither lock. */
bool wta_writer_write_next(struct wta_trace_writer *w);

#endif /* WTA_TRACE_WRITE_H */

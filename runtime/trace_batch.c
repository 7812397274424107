/*
 * trace_batch.c - a batch's trip: handed to a recording thread, filled,
 * handed back to the writer.
 *
 * A recording thread owns one batch at a time (trace.c). It gets an
 * empty one here, a written batch from the spare list if there is one
 * (its pages are already faulted in) or else a fresh spool slot; adds
 * events and their strings (wta_batch_str) with no lock; and when it is
 * full swaps it for an empty one. A handed-over batch waits on the
 * writer's queue (trace_write.c).
 *
 * Memory is bounded: past max_pending batches waiting, the recording
 * thread formats and writes the oldest itself rather than grow the spool
 * (trace_write.c's opening comment says why).
 */
#include <stdio.h>
#include <string.h>

#include "trace_write.h"

/* The bound in force; tests lower it, while no trace is open, to make recorders write. */
static size_t max_pending = WTA_WRITER_MAX_PENDING;

/* An empty batch for thread_name: a written one if any, else a new slot. */
struct wta_trace_batch *wta_writer_batch_new(struct wta_trace_writer *w, const char *thread_name)
{
    wta_mutex_lock(&w->lock);
    struct wta_trace_batch *b = w->spare;
    if (b != NULL)
        w->spare = b->next;
    else if ((b = wta_spool_take(w->spool)) == NULL)
        wta_panic("trace spool: out of memory");
    b->next = NULL;
    b->n = 0;
    b->arena_used = 0;
    memset(b->cache, 0, sizeof b->cache);
    snprintf(b->thread, sizeof b->thread, "%s", thread_name);
    b->state = WTA_SLOT_FILLING;
    wta_mutex_unlock(&w->lock);
    return b;
}

/*
 * s as a string field of an event in b: its offset in b's arena, + 1.
 * A literal (it never changes while the program runs) is copied once per
 * batch and found again by its address; the user's strings are copied
 * each time, cut at 4096 bytes. The caller made sure there is room
 * (wta_batch_has_room).
 */
uint64_t wta_batch_str(struct wta_trace_batch *b, const char *s, bool literal)
{
    unsigned k = (unsigned)((uintptr_t)s >> 3) % WTA_BATCH_CACHE;
    if (literal && b->cache[k].p == (uintptr_t)s)
        return b->cache[k].off;
    size_t n = strnlen(s, 4096);
    char *dst = b->arena + b->arena_used;
    memcpy(dst, s, n);
    dst[n] = '\0';
    uint64_t off = b->arena_used + 1;
    b->arena_used += (uint32_t)(n + 1);
    if (literal) {
        b->cache[k].p = (uintptr_t)s;
        b->cache[k].off = (uint32_t)off;
    }
    return off;
}

/* Hands over a full batch and returns an empty one. */
struct wta_trace_batch *wta_writer_swap(struct wta_trace_writer *w, struct wta_trace_batch *full,
                                        const char *thread_name)
{
    wta_writer_submit(w, full);
    return wta_writer_batch_new(w, thread_name);
}

/* Queues b for writing; past the bound, first writes older batches itself. */
void wta_writer_submit(struct wta_trace_writer *w, struct wta_trace_batch *b)
{
    wta_mutex_lock(&w->lock);
    while (w->pending >= max_pending) {   // back-pressure, never silent loss
        wta_mutex_unlock(&w->lock);
        if (!wta_writer_write_next(w))   // all taken: wait for those being written
            wta_writer_flush(w);
        wta_mutex_lock(&w->lock);
    }
    b->next = NULL;
    b->state = WTA_SLOT_PENDING;
    if (w->tail != NULL)
        w->tail->next = b;
    else
        w->head = b;
    w->tail = b;
    w->pending++;
    w->submitted++;
    pthread_cond_signal(&w->work);
    wta_mutex_unlock(&w->lock);
}

/* Tests only: recorders write once n batches wait (0: the default). No trace may be open. */
void wta_writer_max_pending(size_t n)
{
    max_pending = n != 0 ? n : WTA_WRITER_MAX_PENDING;
}

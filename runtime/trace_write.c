/*
 * trace_write.c - the writer thread: formats full batches as JSON Lines.
 *
 * Recording threads hand over batches of binary records (trace.c); this
 * thread turns each into lines (trace_format.c) and writes them with
 * write(2), one batch per call, so a crash of the program loses only what
 * was never handed over.
 *
 * Write errors (a full disk, a file-size limit) never stop the runtime:
 * the batch is dropped and counted, the file is cut back to the end of the
 * last whole batch so it stays valid JSON Lines, stderr says so once, and
 * the last line (trace.end) gives the count. If even trace.end does not
 * fit, the last whole batch is cut to make room for it.
 *
 * Memory is bounded: past WRITER_MAX_PENDING batches waiting (about
 * 256 MB), a recording thread waits for the writer instead of growing.
 * Written batches are kept (up to WRITER_MAX_SPARE) and handed back to
 * recorders, so a recording thread does not page-fault on fresh memory.
 * The writer runs at SCHED_IDLE: it formats on cores nobody else wants.
 */
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "internal.h"

#define BATCH_RECS 1024
#define BATCH_ARENA 8192
#define WRITER_MAX_PENDING 3500
#define WRITER_MAX_SPARE 64

struct wta_trace_batch {
    struct wta_trace_batch *next;
    char thread[24];
    uint32_t n;
    uint32_t arena_used;
    struct wta_trace_rec recs[BATCH_RECS];
    char arena[BATCH_ARENA];
};

struct wta_trace_writer {
    int fd;
    char *path;
    pthread_t thread;
    struct wta_mutex lock;           /* guards everything below */
    pthread_cond_t work;             /* the writer waits for batches */
    pthread_cond_t progress;         /* submitters and flush wait for the writer */
    struct wta_trace_batch *head, *tail;
    struct wta_trace_batch *spare;   /* written batches kept for reuse: no page faults */
    size_t nspare;
    size_t pending;
    uint64_t submitted, written;     /* batches, for flush */
    bool stop;
    uint64_t dropped;                /* events lost to write errors */
    int err;                         /* the first write error, -errno */
    off_t good, prev_good;           /* file ends of the last two whole batches */
    uint32_t last_n;                 /* events in the last whole batch */
    char *out;                       /* formatting buffer (writer thread only) */
};

/* ---------------------------------------------------------------- writing */

static int write_all(int fd, const char *p, size_t n)
{
    while (n > 0) {
        ssize_t k = write(fd, p, n);
        if (k < 0 && errno == EINTR)
            continue;
        if (k <= 0)
            return k < 0 ? -errno : -EIO;
        p += k;
        n -= (size_t)k;
    }
    return 0;
}

/* Writes one formatted batch; on error drops it and keeps the file whole. */
static void write_batch(struct wta_trace_writer *w, const char *buf, size_t len, uint32_t n)
{
    int err = write_all(w->fd, buf, len);
    wta_mutex_lock(&w->lock);
    if (err == 0) {
        w->prev_good = w->good;
        w->good += (off_t)len;
        w->last_n = n;
    } else {
        w->dropped += n;
        if (w->err == 0) {
            w->err = err;
            fprintf(stderr, "wta: trace file '%s': %s; dropping events "
                    "(the trace's last line will say how many)\n", w->path, strerror(-err));
        }
    }
    off_t good = w->good;
    wta_mutex_unlock(&w->lock);
    if (err != 0 && ftruncate(w->fd, good) == 0)
        lseek(w->fd, good, SEEK_SET);
}

static void format_and_write(struct wta_trace_writer *w, struct wta_trace_batch *b)
{
    uint64_t dropped;
    wta_mutex_lock(&w->lock);
    dropped = w->dropped;
    wta_mutex_unlock(&w->lock);
    char th[64] = {0};
    size_t th_len = (size_t)snprintf(th, sizeof th, ",\"th\":\"%s\",\"seq\":", b->thread);
    char *o = w->out;
    bool has_end = false;
    for (uint32_t i = 0; i < b->n; i++) {
        o = wta_format_rec(o, th, th_len, &b->recs[i], dropped);
        has_end |= b->recs[i].ev == WTA_EV_TRACE_END;
    }
    size_t len = (size_t)(o - w->out);
    if (!has_end) {
        write_batch(w, w->out, len, b->n);
        return;
    }
    // The last batch: if it does not fit, cut the batch before it to make room.
    if (write_all(w->fd, w->out, len) == 0)
        return;
    wta_mutex_lock(&w->lock);
    w->dropped += b->n - 1 + w->last_n;
    dropped = w->dropped;
    off_t cut = w->prev_good;
    wta_mutex_unlock(&w->lock);
    if (ftruncate(w->fd, cut) == 0 && lseek(w->fd, cut, SEEK_SET) == cut) {
        o = wta_format_rec(w->out, th, th_len, &b->recs[b->n - 1], dropped);
        if (write_all(w->fd, w->out, (size_t)(o - w->out)) == 0)
            return;
    }
    fprintf(stderr, "wta: trace file '%s': could not write the last line either; "
            "the trace is cut short\n", w->path);
}

static void *writer_main(void *arg)
{
    struct wta_trace_writer *w = arg;
    wta_mutex_lock(&w->lock);
    for (;;) {
        while (w->head == NULL && !w->stop)
            wta_cond_wait(&w->work, &w->lock);
        if (w->head == NULL)
            break;
        struct wta_trace_batch *b = w->head;
        w->head = b->next;
        if (w->head == NULL)
            w->tail = NULL;
        wta_mutex_unlock(&w->lock);
        format_and_write(w, b);
        wta_mutex_lock(&w->lock);
        if (w->nspare < WRITER_MAX_SPARE) {
            b->next = w->spare;
            w->spare = b;
            w->nspare++;
        } else {
            free(b);
        }
        w->pending--;
        w->written++;
        pthread_cond_broadcast(&w->progress);
    }
    wta_mutex_unlock(&w->lock);
    return NULL;
}

struct wta_trace_writer *wta_writer_new(const char *path, const char *header, int *err)
{
    wta_format_init();
    signal(SIGXFSZ, SIG_IGN);   // a file-size limit is a write error, not death
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (fd < 0) {
        *err = -errno;
        return NULL;
    }
    struct wta_trace_writer *w = wta_xcalloc(1, sizeof *w);
    w->fd = fd;
    w->path = strdup(path);
    w->out = wta_xmalloc((size_t)BATCH_RECS * WTA_FORMAT_MAX_LINE);
    wta_mutex_init(&w->lock);
    pthread_cond_init(&w->work, NULL);
    pthread_cond_init(&w->progress, NULL);
    write_batch(w, header, strlen(header), 0);
    int e = pthread_create(&w->thread, NULL, writer_main, w);
    if (e == 0) {
        // Formatting is work nobody waits for: it runs only on a core that
        // would otherwise idle, and never takes one from a worker. If it falls
        // WRITER_MAX_PENDING batches behind, recorders wait (wta_writer_submit).
        struct sched_param idle = {0};
        pthread_setschedparam(w->thread, SCHED_IDLE, &idle);
    }
    if (e != 0) {
        close(fd);
        free(w->out);
        free(w->path);
        free(w);
        *err = -e;
        return NULL;
    }
    return w;
}

static void batch_reset(struct wta_trace_batch *b, const char *thread_name);

struct wta_trace_batch *wta_writer_batch_new(const char *thread_name)
{
    struct wta_trace_batch *b = wta_xmalloc(sizeof *b);
    batch_reset(b, thread_name);
    return b;
}

struct wta_trace_rec *wta_batch_slot(struct wta_trace_batch *b)
{
    return b->n < BATCH_RECS ? &b->recs[b->n++] : NULL;
}

/* Copies s (cut at 4096 bytes) into the batch; falls back to a marker if full. */
const char *wta_batch_copy_str(struct wta_trace_batch *b, const char *s)
{
    size_t n = strnlen(s, 4096);
    if (b->arena_used + n + 1 > BATCH_ARENA)
        return "(string dropped: batch full)";
    char *dst = b->arena + b->arena_used;
    memcpy(dst, s, n);
    dst[n] = '\0';
    b->arena_used += (uint32_t)(n + 1);
    return dst;
}

static void batch_reset(struct wta_trace_batch *b, const char *thread_name)
{
    b->next = NULL;
    snprintf(b->thread, sizeof b->thread, "%s", thread_name);
    b->n = 0;
    b->arena_used = 0;
}

/* Hands over a full batch and returns an empty one (reused if one is spare). */
struct wta_trace_batch *wta_writer_swap(struct wta_trace_writer *w, struct wta_trace_batch *full,
                                        const char *thread_name)
{
    wta_writer_submit(w, full);
    wta_mutex_lock(&w->lock);
    struct wta_trace_batch *b = w->spare;
    if (b != NULL) {
        w->spare = b->next;
        w->nspare--;
    }
    wta_mutex_unlock(&w->lock);
    if (b == NULL)
        return wta_writer_batch_new(thread_name);
    batch_reset(b, thread_name);
    return b;
}

void wta_writer_submit(struct wta_trace_writer *w, struct wta_trace_batch *b)
{
    wta_mutex_lock(&w->lock);
    while (w->pending >= WRITER_MAX_PENDING)
        wta_cond_wait(&w->progress, &w->lock);   // back-pressure, never silent loss
    b->next = NULL;
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

/* Waits until every batch submitted so far is written. */
void wta_writer_flush(struct wta_trace_writer *w)
{
    wta_mutex_lock(&w->lock);
    uint64_t target = w->submitted;
    while (w->written < target)
        wta_cond_wait(&w->progress, &w->lock);
    wta_mutex_unlock(&w->lock);
}

uint64_t wta_writer_dropped(struct wta_trace_writer *w)
{
    wta_mutex_lock(&w->lock);
    uint64_t n = w->dropped;
    wta_mutex_unlock(&w->lock);
    return n;
}

int wta_writer_error(struct wta_trace_writer *w)
{
    wta_mutex_lock(&w->lock);
    int e = w->err;
    wta_mutex_unlock(&w->lock);
    return e;
}

/* Writes what is left, stops the thread, closes the file. */
void wta_writer_free(struct wta_trace_writer *w)
{
    wta_mutex_lock(&w->lock);
    w->stop = true;
    pthread_cond_signal(&w->work);
    wta_mutex_unlock(&w->lock);
    pthread_join(w->thread, NULL);
    while (w->spare != NULL) {
        struct wta_trace_batch *b = w->spare;
        w->spare = b->next;
        free(b);
    }
    if (close(w->fd) != 0 && w->err == 0)
        fprintf(stderr, "wta: trace file '%s': %s\n", w->path, strerror(errno));
    pthread_cond_destroy(&w->work);
    pthread_cond_destroy(&w->progress);
    wta_mutex_destroy(&w->lock);
    free(w->out);
    free(w->path);
    free(w);
}

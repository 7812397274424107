/*
 * trace_write.c - the writer thread: formats full batches as JSON Lines.
 *
 * Recording threads hand over batches of binary records (trace.c); this
 * thread turns each into lines (trace_format.c) and writes them with
 * write(2), one batch per call. The batches are slots of the trace's spool
 * (trace_spool.c), a file mapping the kernel keeps if the process dies, so
 * what was not yet written is recovered from there (trace_recover.c).
 *
 * Write errors (a full disk, a file-size limit) never stop the runtime:
 * the batch is dropped and counted, the file is cut back to the end of the
 * last whole batch so it stays valid JSON Lines, stderr says so once, and
 * the last line (trace.end) gives the count. If even trace.end does not
 * fit, the last whole batch is cut to make room for it.
 *
 * The writer runs at SCHED_IDLE: it formats on cores nobody else wants.
 * Memory is bounded: past max_pending batches waiting (2560, about
 * 256 MB of spool), a recording thread does the writer's work instead of
 * growing the spool: it formats and writes the oldest batch itself, at
 * its own priority. (Waiting for an idle-priority writer on a busy
 * machine could take seconds.) The bound is large so that a burst of
 * events costs the recording threads only the records and the page
 * faults of fresh spool pages, and the formatting waits for an idle
 * core (or the end of the run). Whoever writes holds `pen`, and
 * takes the queue's head while holding it, so batches reach the file in
 * the order they were handed over, whoever writes them. Written batches
 * go back on a free list and are handed to recorders again, so a
 * recording thread seldom page-faults on fresh memory.
 *
 * Lock order: pen, then lock.
 */
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "trace_write.h"



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
        wta_spool_set_dropped(w->spool, w->dropped);
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
        o = wta_format_rec(o, th, th_len, &b->recs[i], dropped, b->arena);
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
    wta_spool_set_dropped(w->spool, dropped);
    off_t cut = w->prev_good;
    wta_mutex_unlock(&w->lock);
    if (ftruncate(w->fd, cut) == 0 && lseek(w->fd, cut, SEEK_SET) == cut) {
        o = wta_format_rec(w->out, th, th_len, &b->recs[b->n - 1], dropped, b->arena);
        if (write_all(w->fd, w->out, (size_t)(o - w->out)) == 0)
            return;
    }
    fprintf(stderr, "wta: trace file '%s': could not write the last line either; "
            "the trace is cut short\n", w->path);
}

/*
 * Formats and writes the oldest waiting batch, if any; false if there was
 * none. The writer thread, or a recording thread the bound stops. Takes
 * pen and lock; the caller holds neither.
 */
bool wta_writer_write_next(struct wta_trace_writer *w)
{
    wta_mutex_lock(&w->pen);
    wta_mutex_lock(&w->lock);
    struct wta_trace_batch *b = w->head;
    if (b != NULL) {
        w->head = b->next;
        if (w->head == NULL)
            w->tail = NULL;
        b->state = WTA_SLOT_WRITING;
    }
    wta_mutex_unlock(&w->lock);
    if (b == NULL) {
        wta_mutex_unlock(&w->pen);
        return false;
    }
    format_and_write(w, b);
    wta_mutex_lock(&w->lock);
    b->state = WTA_SLOT_FREE;   // in the file now (or counted as dropped)
    b->next = w->spare;
    w->spare = b;
    w->pending--;
    w->written++;
    pthread_cond_broadcast(&w->progress);
    wta_mutex_unlock(&w->lock);
    wta_mutex_unlock(&w->pen);
    return true;
}

static void *writer_main(void *arg)
{
    struct wta_trace_writer *w = arg;
    for (;;) {
        wta_mutex_lock(&w->lock);
        while (w->head == NULL && !w->stop)
            wta_cond_wait(&w->work, &w->lock);
        bool done = w->head == NULL;
        wta_mutex_unlock(&w->lock);
        if (done)
            break;
        wta_writer_write_next(w);   // a recorder may have emptied the queue: then wait again
    }
    return NULL;
}

/*
 * Opens the trace file at path, writes header and starts the writer. The
 * spool goes beside the file; if it cannot, stderr says that a crash would
 * lose the unwritten events, and tracing goes on. NULL and *err on error.
 */
struct wta_trace_writer *wta_writer_new(const char *path, const char *header,
                                        uint64_t start_ns, int *err)
{
    wta_format_init();
    signal(SIGXFSZ, SIG_IGN);   // a file-size limit is a write error, not death
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (fd < 0) {
        *err = -errno;
        return NULL;
    }
    struct stat st;
    bool regular = fstat(fd, &st) == 0 && S_ISREG(st.st_mode);
    struct wta_spool *spool = wta_spool_open(path, regular, start_ns);
    if (spool == NULL) {
        close(fd);
        *err = -ENOMEM;
        return NULL;
    }
    struct wta_trace_writer *w = wta_xcalloc(1, sizeof *w);
    w->fd = fd;
    w->spool = spool;
    w->path = strdup(path);
    w->out = wta_xmalloc((size_t)WTA_BATCH_RECS * WTA_FORMAT_MAX_LINE);
    wta_mutex_init(&w->pen);
    wta_mutex_init(&w->lock);
    pthread_cond_init(&w->work, NULL);
    pthread_cond_init(&w->progress, NULL);
    write_batch(w, header, strlen(header), 0);
    int e = pthread_create(&w->thread, NULL, writer_main, w);
    if (e == 0) {
        // Formatting is work nobody waits for: it runs only on a core that
        // would otherwise idle, and never takes one from a worker. If it falls
        // max_pending batches behind, recorders write (wta_writer_submit).
        struct sched_param idle = {0};
        pthread_setschedparam(w->thread, SCHED_IDLE, &idle);
    }
    if (e != 0) {
        close(fd);
        wta_spool_close(spool);
        unlink(path);
        free(w->out);
        free(w->path);
        free(w);
        *err = -e;
        return NULL;
    }
    return w;
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
    if (close(w->fd) != 0 && w->err == 0)
        fprintf(stderr, "wta: trace file '%s': %s\n", w->path, strerror(errno));
    wta_spool_close(w->spool);   // only now: every event is in the file
    pthread_cond_destroy(&w->work);
    pthread_cond_destroy(&w->progress);
    wta_mutex_destroy(&w->lock);
    wta_mutex_destroy(&w->pen);
    free(w->out);
    free(w->path);
    free(w);
}

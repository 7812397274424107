/*
 * trace_recover.c - the trace of a process that died, finished from its spool.
 *
 * A process that was killed or crashed leaves `<trace>.spool` (see
 * trace_spool.c): its batches, some already written to the trace file,
 * some not. Recovery:
 *
 *   1. takes the spool's lock: if that fails, the process still runs;
 *   2. cuts the trace file after its last whole line (the writer may have
 *      died mid-write), noting each thread's last `seq` and the last `t`;
 *   3. formats, from every slot that may hold unwritten events, each event
 *      whose seq is past what the file has for its thread - a batch the
 *      writer had half written is finished, not repeated;
 *   4. adds `process.end` (how the run ended, from the spool's header) and
 *      `trace.end`, on thread main, after every other event;
 *   5. appends all that to the trace and removes the spool.
 *
 * The spool is checked as untrusted input: wrong magic, version or sizes
 * refuse it, and a record with an unknown kind or a string offset outside
 * its batch is skipped.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "trace_spool.h"

#define MAX_THREADS 1024

struct seen {
    char name[24];
    int64_t file_seq;                /* the last seq in the file; -1: none */
    int64_t last_seq;                /* the last in the file or recovered */
};

struct recovery {
    struct seen th[MAX_THREADS];
    int nth;
    uint64_t last_t;
    char *out;                       /* the lines to append */
    size_t len, cap;
    uint64_t events;
};

static struct seen *thread_of(struct recovery *rc, const char *name, size_t len)
{
    if (len >= sizeof rc->th[0].name)
        len = sizeof rc->th[0].name - 1;
    for (int i = 0; i < rc->nth; i++)
        if (strncmp(rc->th[i].name, name, len) == 0 && rc->th[i].name[len] == '\0')
            return &rc->th[i];
    if (rc->nth == MAX_THREADS)
        return NULL;
    struct seen *s = &rc->th[rc->nth++];
    memcpy(s->name, name, len);
    s->name[len] = '\0';
    s->file_seq = s->last_seq = -1;
    return s;
}

/* One line the writer wrote: {"t":T,"th":"NAME","seq":S,... */
static void scan_line(struct recovery *rc, const char *p, const char *end)
{
    static const char t_key[] = "{\"t\":", th_key[] = ",\"th\":\"", seq_key[] = "\",\"seq\":";
    if ((size_t)(end - p) < sizeof t_key || memcmp(p, t_key, sizeof t_key - 1) != 0)
        return;                      // the header
    char *q;
    uint64_t t = strtoull(p + sizeof t_key - 1, &q, 10);
    if ((size_t)(end - q) < sizeof th_key || memcmp(q, th_key, sizeof th_key - 1) != 0)
        return;
    const char *name = q + sizeof th_key - 1;
    const char *quote = memchr(name, '"', (size_t)(end - name));
    if (quote == NULL || (size_t)(end - quote) < sizeof seq_key ||
        memcmp(quote, seq_key, sizeof seq_key - 1) != 0)
        return;
    uint64_t seq = strtoull(quote + sizeof seq_key - 1, NULL, 10);
    struct seen *s = thread_of(rc, name, (size_t)(quote - name));
    if (s != NULL && (int64_t)seq > s->file_seq)
        s->file_seq = s->last_seq = (int64_t)seq;
    if (t > rc->last_t)
        rc->last_t = t;
}

/* Cuts the trace after its last newline and reads what it holds. 0 or -errno. */
static int scan_trace(struct recovery *rc, int fd)
{
    struct stat st;
    if (fstat(fd, &st) != 0)
        return -errno;
    size_t size = (size_t)st.st_size;
    if (size == 0)
        return -EINVAL;               // not even the header: nothing to finish
    char *p = mmap(NULL, size, PROT_READ, MAP_PRIVATE, fd, 0);
    if (p == MAP_FAILED)
        return -errno;
    size_t keep = size;
    while (keep > 0 && p[keep - 1] != '\n')
        keep--;
    for (size_t i = 0; i < keep;) {
        const char *nl = memchr(p + i, '\n', keep - i);
        scan_line(rc, p + i, nl);
        i = (size_t)(nl - p) + 1;
    }
    munmap(p, size);
    if (keep < size && ftruncate(fd, (off_t)keep) != 0)
        return -errno;
    return keep == 0 ? -EINVAL : 0;
}

static void emit(struct recovery *rc, const char *thread, const struct wta_trace_rec *r,
                 const char *arena, uint64_t dropped)
{
    if (rc->cap - rc->len < WTA_FORMAT_MAX_LINE + 64) {
        rc->cap = rc->cap ? rc->cap * 2 : 1 << 20;
        rc->out = realloc(rc->out, rc->cap);
        if (rc->out == NULL)
            wta_panic("oom");
    }
    char th[64];
    size_t th_len = (size_t)snprintf(th, sizeof th, ",\"th\":\"%s\",\"seq\":", thread);
    char *o = wta_format_rec(rc->out + rc->len, th, th_len, r, dropped, arena);
    rc->len = (size_t)(o - rc->out);
}

/* Are r's kind and string offsets inside batch b? */
static bool rec_ok(const struct wta_trace_batch *b, const struct wta_trace_rec *r)
{
    if (r->ev >= WTA_EV_COUNT)
        return false;
    unsigned strs = wta_format_strings(r->ev);
    for (int i = 0; strs != 0; i++, strs >>= 1)
        if ((strs & 1) && r->a[i] != 0 &&
            (r->a[i] > WTA_BATCH_ARENA ||
             memchr(b->arena + r->a[i] - 1, '\0', WTA_BATCH_ARENA - (r->a[i] - 1)) == NULL))
            return false;
    return true;
}

/* Formats the events of one slot that the trace file lacks. */
static void recover_slot(struct recovery *rc, const struct wta_trace_batch *b)
{
    if (b->state == WTA_SLOT_FREE || b->state > WTA_SLOT_WRITING)
        return;
    char name[sizeof b->thread];
    memcpy(name, b->thread, sizeof name);
    name[sizeof name - 1] = '\0';
    if (name[0] == '\0' || strchr(name, '"') != NULL || strchr(name, '\\') != NULL)
        return;
    struct seen *s = thread_of(rc, name, strlen(name));
    if (s == NULL)
        return;
    uint32_t n = b->n < WTA_BATCH_RECS ? b->n : WTA_BATCH_RECS;
    for (uint32_t i = 0; i < n; i++) {
        const struct wta_trace_rec *r = &b->recs[i];
        if ((int64_t)r->seq <= s->file_seq || !rec_ok(b, r))   // written before the end
            continue;
        emit(rc, name, r, b->arena, 0);
        rc->events++;
        if ((int64_t)r->seq > s->last_seq)
            s->last_seq = r->seq;
        if (r->t > rc->last_t)
            rc->last_t = r->t;
    }
}

static const char *signal_name(int sig)
{
    switch (sig) {
    case SIGSEGV: return "SIGSEGV";
    case SIGBUS:  return "SIGBUS";
    case SIGFPE:  return "SIGFPE";
    case SIGILL:  return "SIGILL";
    case SIGABRT: return "SIGABRT";
    case SIGTERM: return "SIGTERM";
    case SIGINT:  return "SIGINT";
    case SIGHUP:  return "SIGHUP";
    case SIGQUIT: return "SIGQUIT";
    default:      return "a signal";
    }
}

/* process.end and trace.end, on main, after everything else. */
static void finish(struct recovery *rc, const struct wta_spool_head *h,
                   struct wta_trace_recovery *out)
{
    const char *how = h->how == WTA_END_SIGNAL ? "signal" : h->how == WTA_END_EXIT ? "exit"
                    : "killed";
    snprintf(out->how, sizeof out->how, "%s", how);
    snprintf(out->signal, sizeof out->signal, "%s",
             h->how == WTA_END_SIGNAL ? signal_name(h->sig) : "");
    snprintf(out->thread, sizeof out->thread, "%.*s", (int)sizeof h->end_thread - 1,
             h->how != WTA_END_UNKNOWN ? h->end_thread : "");
    out->task = h->how != WTA_END_UNKNOWN ? h->end_task : 0;
    out->events = rc->events;

    // The strings, in a little arena of their own: offsets + 1, as in a batch.
    char arena[96] = "";
    size_t n = 0, off[3];
    const char *strs[3] = {out->how, out->signal, out->thread};
    for (int i = 0; i < 3; i++) {
        off[i] = n + 1;
        n += (size_t)snprintf(arena + n, sizeof arena - n, "%s", strs[i]) + 1;
    }
    struct seen *m = thread_of(rc, "main", 4);
    struct wta_trace_rec r = {.t = rc->last_t + 1, .ev = WTA_EV_PROCESS_END,
                              .a = {out->task, off[0], off[1], off[2], rc->events}};
    r.seq = (uint32_t)(m->last_seq + 1);
    emit(rc, "main", &r, arena, 0);
    struct wta_trace_rec end = {.t = r.t, .ev = WTA_EV_TRACE_END, .seq = r.seq + 1};
    emit(rc, "main", &end, arena, h->dropped);
}

int wta_trace_recover(const char *trace_path, struct wta_trace_recovery *out)
{
    struct wta_trace_recovery ignore;
    if (out == NULL)
        out = &ignore;
    memset(out, 0, sizeof *out);
    if (trace_path == NULL)
        return -EINVAL;
    char spool[4096];
    if ((size_t)snprintf(spool, sizeof spool, "%s.spool", trace_path) >= sizeof spool)
        return -ENAMETOOLONG;
    int sfd = open(spool, O_RDWR | O_CLOEXEC);
    if (sfd < 0)
        return -errno;
    if (flock(sfd, LOCK_EX | LOCK_NB) != 0) {
        int e = errno == EWOULDBLOCK ? -EBUSY : -errno;
        close(sfd);
        return e;
    }
    wta_format_init();
    int err = -EINVAL;
    int tfd = -1;
    struct recovery *rc = calloc(1, sizeof *rc);
    struct stat st;
    char *map = MAP_FAILED;
    if (rc == NULL || fstat(sfd, &st) != 0 || (size_t)st.st_size < 4096)
        goto out;
    map = mmap(NULL, (size_t)st.st_size, PROT_READ, MAP_PRIVATE, sfd, 0);
    if (map == MAP_FAILED) {
        err = -errno;
        goto out;
    }
    const struct wta_spool_head *h = (const void *)map;
    if (memcmp(h->magic, WTA_SPOOL_MAGIC, sizeof h->magic) != 0 ||
        h->version != WTA_SPOOL_VERSION || h->rec_bytes != sizeof(struct wta_trace_rec) ||
        h->slot_bytes != wta_spool_slot_bytes() || h->nkinds != WTA_EV_COUNT)
        goto out;
    tfd = open(trace_path, O_RDWR | O_CLOEXEC);
    if (tfd < 0) {
        err = -errno;
        goto out;
    }
    if ((err = scan_trace(rc, tfd)) != 0)
        goto out;
    uint64_t nslots = ((size_t)st.st_size - 4096) / h->slot_bytes;
    if (h->nslots < nslots)
        nslots = h->nslots;
    for (uint64_t i = 0; i < nslots; i++)
        recover_slot(rc, (const void *)(map + 4096 + i * h->slot_bytes));
    finish(rc, h, out);
    err = 0;
    if (lseek(tfd, 0, SEEK_END) < 0)
        err = -errno;
    for (size_t done = 0; err == 0 && done < rc->len;) {
        ssize_t k = write(tfd, rc->out + done, rc->len - done);
        if (k < 0 && errno == EINTR)
            continue;
        if (k <= 0)
            err = k < 0 ? -errno : -EIO;
        else
            done += (size_t)k;
    }
    if (err == 0 && close(tfd) != 0)
        err = -errno;
    tfd = -1;
    if (err == 0)
        unlink(spool);
out:
    if (tfd >= 0)
        close(tfd);
    if (map != MAP_FAILED)
        munmap(map, (size_t)st.st_size);
    if (rc != NULL)
        free(rc->out);
    free(rc);
    close(sfd);
    return err;
}

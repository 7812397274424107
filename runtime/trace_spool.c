/*
 * trace_spool.c - a trace's batches live in a file the kernel keeps.
 *
 * A recording thread writes each event straight into its batch (trace.c),
 * and the batches are not ordinary memory: each is a slot of a shared
 * mapping of one spool file beside the trace, `<trace>.spool`. If the
 * process dies - a crash, abort(), SIGTERM, even SIGKILL - the kernel
 * keeps the mapping's pages, so every event recorded up to that instant
 * is still in the file. `wta-trace` finds the leftover spool and writes
 * the events the writer had not yet written as the trace's last lines
 * (trace_recover.c). A run that stops cleanly removes its spool.
 *
 * The file: one header page (struct wta_spool_head), then slots, mapped
 * SLOTS_PER_CHUNK at a time (ftruncate, then one more mmap), so a slot
 * never moves. A slot's `state` says whether its events may be missing
 * from the trace file; an event counts once its fields are stored and the
 * batch's count `n` is raised past it (trace.c), so a kill in the middle
 * of one loses that one event, never garbles it.
 *
 * How the run ended: a handler for the fatal signals notes the signal, the
 * thread and the task it was polling in the header - plain stores, safe in
 * a handler - then passes the signal on to the handler that was there
 * before (by default: the process dies as it would have). An atexit hook
 * notes an exit() that left a runtime running. SIGKILL leaves no note;
 * the recovered trace then says "killed".
 *
 * The runtime holds an flock on the spool while it runs: recovery takes it
 * to know the process is gone (a pid could be reused). Left out: a child
 * made by fork() shares the mapping and the lock; it must not record.
 */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/mman.h>
#include <unistd.h>

#include "trace_spool.h"

#define SLOTS_PER_CHUNK 16
#define HEAD_BYTES 4096
#define MAX_SPOOLS 8                 /* traced runtimes at once that a signal notes */

struct chunk {
    char *base;
    size_t len;
};

struct wta_spool {
    int fd;                          /* -1: no file (the trace is not a regular file) */
    bool file_ok;                    /* [writer lock] new chunks go in the file */
    char *path;
    struct wta_spool_head *head;
    size_t slot_bytes;
    struct chunk *chunks;            /* [writer lock] */
    size_t nchunks;
    size_t used;                     /* slots handed out of the last chunk */
};

/* The spools a fatal signal notes its arrival in. */
static struct wta_spool *_Atomic live[MAX_SPOOLS];
static pthread_mutex_t live_lock = PTHREAD_MUTEX_INITIALIZER;   /* guards installs */
static int nlive;

static const int fatal_sigs[] = {SIGSEGV, SIGBUS, SIGFPE, SIGILL, SIGABRT,
                                 SIGTERM, SIGINT, SIGHUP, SIGQUIT};
#define NFATAL ((int)(sizeof fatal_sigs / sizeof fatal_sigs[0]))
static struct sigaction old_action[NFATAL];
static bool installed[NFATAL];

/*
 * Notes in every live spool how the process ends. Async-signal-safe: plain
 * C11 atomics, not sync.c's wta_atomic_* (a switch point of deterministic
 * mode would pass the baton from inside a handler); wta_clock_ns() only
 * reads the clock (the virtual one in deterministic mode).
 */
static void note_end(int how, int sig)
{
    for (int i = 0; i < MAX_SPOOLS; i++) {
        struct wta_spool *sp = atomic_load(&live[i]);
        if (sp == NULL)
            continue;
        struct wta_spool_head *h = sp->head;
        h->sig = sig;
        h->end_t = wta_clock_ns() - h->start_ns;
        h->end_task = wta_current_task_id();
        const char *name = wta_self.name[0] ? wta_self.name : "main";
        size_t k = 0;
        for (; k + 1 < sizeof h->end_thread && name[k] != '\0'; k++)
            h->end_thread[k] = name[k];
        h->end_thread[k] = '\0';
        atomic_signal_fence(memory_order_release);
        h->how = how;
    }
}

static void on_fatal(int sig, siginfo_t *info, void *uc)
{
    int k = 0;
    while (k < NFATAL && fatal_sigs[k] != sig)
        k++;
    if (k == NFATAL)
        return;
    note_end(WTA_END_SIGNAL, sig);
    struct sigaction *old = &old_action[k];
    if (old->sa_handler == SIG_DFL) {
        // Die as the process would have: the signal is blocked while we
        // run, so it arrives again, unhandled, the moment we return.
        signal(sig, SIG_DFL);
        raise(sig);
        return;
    }
    if (old->sa_flags & SA_SIGINFO)
        old->sa_sigaction(sig, info, uc);
    else if (old->sa_handler != SIG_IGN)
        old->sa_handler(sig);
    note_end(WTA_END_UNKNOWN, 0);     // their handler returned: the process goes on
}

static void on_exit_hook(void)
{
    note_end(WTA_END_EXIT, 0);
}

/* First live spool: catch the fatal signals that are not ignored. */
static void install(void)
{
    static bool at_exit;
    if (!at_exit && atexit(on_exit_hook) == 0)
        at_exit = true;
    struct sigaction sa = {.sa_sigaction = on_fatal, .sa_flags = SA_SIGINFO | SA_ONSTACK};
    sigemptyset(&sa.sa_mask);
    for (int k = 0; k < NFATAL; k++) {
        struct sigaction old;
        if (sigaction(fatal_sigs[k], NULL, &old) != 0 || old.sa_handler == SIG_IGN)
            continue;
        installed[k] = sigaction(fatal_sigs[k], &sa, &old_action[k]) == 0;
    }
}

/* Last live spool gone: give the signals back as they were. */
static void uninstall(void)
{
    for (int k = 0; k < NFATAL; k++)
        if (installed[k]) {
            sigaction(fatal_sigs[k], &old_action[k], NULL);
            installed[k] = false;
        }
}

static void live_add(struct wta_spool *sp)
{
    pthread_mutex_lock(&live_lock);
    for (int i = 0; i < MAX_SPOOLS; i++) {
        struct wta_spool *none = NULL;
        if (atomic_compare_exchange_strong(&live[i], &none, sp)) {
            if (nlive++ == 0)
                install();
            break;
        }
    }
    pthread_mutex_unlock(&live_lock);
}

static void live_remove(struct wta_spool *sp)
{
    pthread_mutex_lock(&live_lock);
    for (int i = 0; i < MAX_SPOOLS; i++) {
        struct wta_spool *me = sp;
        if (atomic_compare_exchange_strong(&live[i], &me, NULL)) {
            if (--nlive == 0)
                uninstall();
            break;
        }
    }
    pthread_mutex_unlock(&live_lock);
}

/*
 * Maps len bytes of the file at off. The blocks are allocated first: a
 * page of a shared mapping that the disk has no room for would kill the
 * process with SIGBUS when touched, a full disk must be an error here.
 * If the file cannot grow, this and every later chunk is anonymous memory
 * (a crash loses what is in it) and stderr says so once.
 */
static void *map(struct wta_spool *sp, off_t off, size_t len)
{
    void *p = MAP_FAILED;
    if (sp->file_ok) {
        int e = posix_fallocate(sp->fd, off, (off_t)len);
        if (e == 0)
            p = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_SHARED, sp->fd, off);
        else
            errno = e;
        if (p == MAP_FAILED) {
            fprintf(stderr, "wta: trace spool '%s': %s; a crash will lose the events "
                    "not yet written\n", sp->path, strerror(errno));
            sp->file_ok = false;
        }
    }
    if (p == MAP_FAILED)
        p = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    return p == MAP_FAILED ? NULL : p;
}

size_t wta_spool_slot_bytes(void)
{
    size_t page = HEAD_BYTES;
    return (sizeof(struct wta_trace_batch) + page - 1) / page * page;
}

/*
 * Creates `<trace_path>.spool` and locks it; `file`: the trace is a
 * regular file (else, say /dev/full, the spool is memory only). If the
 * spool file cannot be made, stderr says so and the spool is memory (a
 * crash then loses the unwritten events). NULL only without memory.
 */
struct wta_spool *wta_spool_open(const char *trace_path, bool file, uint64_t start_ns)
{
    struct wta_spool *sp = wta_xcalloc(1, sizeof *sp);
    size_t n = strlen(trace_path) + sizeof ".spool";
    sp->path = wta_xmalloc(n);
    snprintf(sp->path, n, "%s.spool", trace_path);
    sp->slot_bytes = wta_spool_slot_bytes();
    sp->fd = file ? open(sp->path, O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0644) : -1;
    if (sp->fd >= 0 && flock(sp->fd, LOCK_EX | LOCK_NB) != 0) {   // another run's: leave it
        close(sp->fd);
        sp->fd = -1;
        errno = EBUSY;
    }
    if (file && sp->fd < 0)
        fprintf(stderr, "wta: trace spool '%s': %s; a crash will lose the events "
                "not yet written\n", sp->path, strerror(errno));
    sp->file_ok = sp->fd >= 0;
    sp->head = map(sp, 0, HEAD_BYTES);
    if (sp->head == NULL) {
        if (sp->fd >= 0)
            close(sp->fd);
        free(sp->path);
        free(sp);
        return NULL;
    }
    struct wta_spool_head *h = sp->head;
    memcpy(h->magic, WTA_SPOOL_MAGIC, sizeof h->magic);
    h->version = WTA_SPOOL_VERSION;
    h->rec_bytes = sizeof(struct wta_trace_rec);
    h->slot_bytes = (uint32_t)sp->slot_bytes;
    h->nkinds = WTA_EV_COUNT;
    h->start_ns = start_ns;
    if (sp->file_ok)
        live_add(sp);
    return sp;
}

/* A never-used slot, zeroed (FREE). Caller holds the writer's lock. NULL: no memory. */
struct wta_trace_batch *wta_spool_take(struct wta_spool *sp)
{
    if (sp->nchunks == 0 || sp->used == SLOTS_PER_CHUNK) {
        size_t len = sp->slot_bytes * SLOTS_PER_CHUNK;
        off_t off = HEAD_BYTES + (off_t)(sp->nchunks * len);
        char *base = map(sp, off, len);
        if (base == NULL)
            return NULL;
        sp->chunks = realloc(sp->chunks, (sp->nchunks + 1) * sizeof *sp->chunks);
        if (sp->chunks == NULL)
            wta_panic("oom");
        sp->chunks[sp->nchunks++] = (struct chunk){base, len};
        sp->used = 0;
        if (sp->file_ok)
            sp->head->nslots = sp->nchunks * SLOTS_PER_CHUNK;
    }
    return (struct wta_trace_batch *)(sp->chunks[sp->nchunks - 1].base +
                                      sp->used++ * sp->slot_bytes);
}

/* The writer's count of events lost to write errors, for recovery. */
void wta_spool_set_dropped(struct wta_spool *sp, uint64_t dropped)
{
    sp->head->dropped = dropped;
}

/* The trace is complete on disk: unmap and remove the spool. */
void wta_spool_close(struct wta_spool *sp)
{
    live_remove(sp);
    for (size_t i = 0; i < sp->nchunks; i++)
        munmap(sp->chunks[i].base, sp->chunks[i].len);
    munmap(sp->head, HEAD_BYTES);
    if (sp->fd >= 0) {
        unlink(sp->path);
        close(sp->fd);
    }
    free(sp->chunks);
    free(sp->path);
    free(sp);
}

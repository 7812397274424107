/*
 * trace.c - the recorder's hot path: one binary record per event.
 *
 * Off: every call site is `if (rt->trace != NULL)`, one predictable branch.
 * On: the calling thread appends a fixed-size record (time, kind, up to six
 * 64-bit fields) to its own batch: no lock, no formatting, no syscall but
 * the vDSO clock read. A full batch (1024 records) is handed to the writer
 * thread (trace_write.c), which formats JSON and writes it; so a lock is
 * taken once per 1024 events, not per event. Batches live in the trace's
 * spool, a file mapping that outlives a crash (trace_spool.c): an event
 * counts once its batch's count `n` is raised past it, after its fields.
 *
 * Order without a shared counter: each record carries CLOCK_MONOTONIC
 * (one clock for all CPUs), stamped under the lock that publishes the
 * event's effect, so a cause is stamped before its effect. Where an effect
 * could tie with its cause, the effect is stamped `after` the cause's time
 * (+1 ns): a poll after its wake, a resume after its unpark. Within a
 * thread t never decreases.
 *
 * Strings: a record holds no pointer (another process may read it): each
 * string is copied into the batch's arena and the field holds its offset.
 * Most are literals ("scheduled", "global"), copied once per batch and
 * found again by address; the few that may be the user's (task names,
 * notes) are copied every time, so the caller's string may die at once.
 *
 * Deterministic mode (sim.c): t is the virtual clock, and the recorder's
 * own locks (buffers, the writer, its spool) are taken outside the
 * scheduler, so recording adds no switch point: a traced run steps
 * exactly as an untraced one.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "trace_spool.h"

struct wta_trace_buf {
    struct wta_trace_buf *next;      /* trace->bufs, under trace->lock */
    unsigned long owner;             /* wta_thread_id() of the recording thread */
    char name[24];                   /* "main", "w0", "blocking-1", "ext-0" */
    uint32_t seq;                    /* next event number on this thread */
    uint64_t last_t;
    struct wta_trace_batch *batch;   /* NULL after the thread handed it over */
};

struct wta_trace {
    uint64_t gen;                    /* tells this trace from an earlier one */
    uint64_t start_ns;
    struct wta_trace_writer *writer;
    struct wta_mutex lock;           /* guards bufs and next_ext */
    struct wta_trace_buf *bufs;
    int next_ext;
};

static _Atomic uint64_t next_gen = 1;
static _Thread_local uint64_t my_gen;   /* generation of wta_self.tb */

/* Which string fields of an event may be the user's (bit i = field i). */
static unsigned user_strings(enum wta_event ev)
{
    switch (ev) {
    case WTA_EV_TASK_SPAWN:     return 1u << 2 | 1u << 3;  /* name, file */
    case WTA_EV_BLOCK_ON_BEGIN: return 1u << 0;
    case WTA_EV_BLOCKING_START: return 1u << 1;
    case WTA_EV_NOTE:           return 1u << 0;
    default:                    return 0;
    }
}

/*
 * Gives the calling thread its buffer in rt's trace: the one it had, if it
 * recorded here before and then into another runtime's trace (block_on on
 * two runtimes in turn), so its seq and time go on from where they were;
 * else a new one. One buffer per thread per trace.
 */
static struct wta_trace_buf *attach(struct wta_runtime *rt)
{
    struct wta_trace *tr = rt->trace;
    unsigned long me = wta_thread_id();
    wta_mutex_lock(&tr->lock);
    struct wta_trace_buf *tb = tr->bufs;
    while (tb != NULL && tb->owner != me)
        tb = tb->next;
    if (tb != NULL) {
        wta_mutex_unlock(&tr->lock);
        wta_self.tb = tb;
        my_gen = tr->gen;
        return tb;
    }
    tb = wta_xcalloc(1, sizeof *tb);
    tb->owner = me;
    if (wta_self.name[0] != '\0')
        snprintf(tb->name, sizeof tb->name, "%s", wta_self.name);
    else if (wta_thread_id() == rt->creator)
        snprintf(tb->name, sizeof tb->name, "main");
    else
        snprintf(tb->name, sizeof tb->name, "ext-%d", tr->next_ext++);
    tb->next = tr->bufs;
    tr->bufs = tb;
    wta_mutex_unlock(&tr->lock);
    tb->batch = wta_writer_batch_new(tr->writer, tb->name);
    wta_self.tb = tb;
    my_gen = tr->gen;
    return tb;
}

uint64_t wta_trace_now(struct wta_runtime *rt)
{
    return wta_clock_ns() - rt->trace->start_ns;
}

/* A CLOCK_MONOTONIC time on the trace's clock (for deadlines). */
uint64_t wta_trace_clock(struct wta_runtime *rt, uint64_t mono_ns)
{
    uint64_t start = rt->trace != NULL ? rt->trace->start_ns : 0;
    return mono_ns > start ? mono_ns - start : 0;
}

uint64_t wta_trace_rec(struct wta_runtime *rt, uint64_t after, enum wta_event ev,
                       uint64_t a, uint64_t b, uint64_t c, uint64_t d,
                       uint64_t e, uint64_t f)
{
    uint64_t t = wta_trace_now(rt);   // the virtual clock is the runner's: read it first
    if (after != 0 && t <= after)
        t = after + 1;   // an effect sorts after its cause
    return wta_trace_rec_at(rt, t, ev, a, b, c, d, e, f);
}

/*
 * The same, stamped t (from wta_trace_now), or this thread's last stamp if
 * that is later. For an event that must sort by the moment its effect was
 * published, when it can only be recorded after that: task.c reads t
 * before the compare-and-swap that moves a task's state.
 */
uint64_t wta_trace_rec_at(struct wta_runtime *rt, uint64_t t, enum wta_event ev,
                          uint64_t a, uint64_t b, uint64_t c, uint64_t d,
                          uint64_t e, uint64_t f)
{
    if (rt->sim != NULL)
        wta_sim_renumber(rt->sim, ev, &a, b, &c, &d, &e, &f);
    struct wta_trace *tr = rt->trace;
    struct wta_sim_runner *sim = wta_sim_detach();   // from here on, no switch point
    struct wta_trace_buf *tb = wta_self.tb;
    if (tb == NULL || my_gen != tr->gen)
        tb = attach(rt);
    if (tb->batch == NULL)
        tb->batch = wta_writer_batch_new(tr->writer, tb->name);

    if (t < tb->last_t)
        t = tb->last_t;
    tb->last_t = t;

    struct wta_trace_batch *bt = tb->batch;
    unsigned strs = wta_format_strings(ev);
    if (bt->n == WTA_BATCH_RECS ||
        (strs != 0 && WTA_BATCH_ARENA - bt->arena_used < WTA_BATCH_STR_ROOM))
        bt = tb->batch = wta_writer_swap(tr->writer, bt, tb->name);   // about once per 1024
    struct wta_trace_rec *r = &bt->recs[bt->n];
    r->t = t;
    r->ev = (uint32_t)ev;
    r->seq = tb->seq++;
    r->a[0] = a, r->a[1] = b, r->a[2] = c, r->a[3] = d, r->a[4] = e, r->a[5] = f;
    unsigned user = user_strings(ev);
    for (int i = 0; strs != 0; i++, strs >>= 1, user >>= 1)
        if ((strs & 1) && r->a[i] != 0)
            r->a[i] = wta_batch_str(bt, (const char *)(uintptr_t)r->a[i], !(user & 1));
    // The event counts from here: a process killed before this line leaves
    // it out whole. (The reader is a later process, not another thread:
    // the compiler must not sink a field's store below this one.)
    atomic_signal_fence(memory_order_release);
    bt->n++;
    wta_sim_attach(sim);
    return t;
}

static int header(struct wta_runtime *rt, char *buf, size_t cap, uint64_t unix_ns)
{
    char bugs[64] = "";
    size_t n = 0;
    for (int i = 0; i < 5; i++)
        if (rt->cfg.bugs & (1u << i))
            n += (size_t)snprintf(bugs + n, sizeof bugs - n, "%s\"W%d\"", n ? "," : "", i + 1);
    char program[256];
    wta_json_escape(program, sizeof program, rt->cfg.program);
    char seed[24] = "null";
    if (rt->sim != NULL)
        snprintf(seed, sizeof seed, "%llu", (unsigned long long)wta_sim_seed(rt->sim));
    return snprintf(buf, cap,
                    "{\"format\":\"wta-trace\",\"version\":%d,\"runtime\":\"%s\","
                    "\"program\":\"%s\",\"mode\":\"%s\",\"seed\":%s,\"workers\":%d,"
                    "\"scheduler\":\"%s\",\"bugs\":[%s],\"clock\":\"%s\","
                    "\"start_unix_ns\":%llu}\n",
                    WTA_TRACE_FORMAT_VERSION, WTA_VERSION, program,
                    rt->sim != NULL ? "deterministic" : "real", seed, rt->nworkers,
                    wta_executor_scheduler_name(rt), bugs,
                    rt->sim != NULL ? "virtual" : "monotonic", (unsigned long long)unix_ns);
}

/* Opens cfg.trace_path and writes the header. 0 or -errno; on error, no trace. */
int wta_trace_open(struct wta_runtime *rt)
{
    struct timespec now;
    clock_gettime(CLOCK_REALTIME, &now);
    struct wta_trace *tr = wta_xcalloc(1, sizeof *tr);
    tr->gen = atomic_fetch_add(&next_gen, 1);
    tr->start_ns = wta_clock_ns();
    wta_mutex_init(&tr->lock);
    char head[1024];
    // Deterministic mode: nothing in the trace may depend on the wall clock.
    header(rt, head, sizeof head,
           rt->sim != NULL ? 0 : (uint64_t)now.tv_sec * 1000000000u + (uint64_t)now.tv_nsec);
    int err = 0;
    struct wta_sim_runner *sim = wta_sim_detach();
    tr->writer = wta_writer_new(rt->cfg.trace_path, head, tr->start_ns, &err);
    wta_sim_attach(sim);
    if (tr->writer == NULL) {
        wta_mutex_destroy(&tr->lock);
        free(tr);
        return err;
    }
    rt->trace = tr;
    return 0;
}

/* The calling thread is done recording: hand its batch to the writer. */
void wta_trace_thread_done(void)
{
    struct wta_runtime *rt = wta_self.rt;
    struct wta_trace_buf *tb = wta_self.tb;
    if (rt == NULL || rt->trace == NULL || tb == NULL || my_gen != rt->trace->gen)
        return;
    struct wta_sim_runner *sim = wta_sim_detach();
    if (tb->batch != NULL)
        wta_writer_submit(rt->trace->writer, tb->batch);
    wta_sim_attach(sim);
    tb->batch = NULL;
}

/*
 * Every recording thread has stopped (workers joined). Hands over every
 * batch, the closing thread's last so that trace.end is the last line.
 */
void wta_trace_close(struct wta_runtime *rt)
{
    struct wta_trace *tr = rt->trace;
    if (tr == NULL)
        return;
    wta_trace_rec(rt, 0, WTA_EV_TRACE_END, 0, 0, 0, 0, 0, 0);
    struct wta_sim_runner *sim = wta_sim_detach();
    struct wta_trace_buf *mine = wta_self.tb;
    for (struct wta_trace_buf *tb = tr->bufs, *next; tb != NULL; tb = next) {
        next = tb->next;
        if (tb != mine && tb->batch != NULL)
            wta_writer_submit(tr->writer, tb->batch);
        if (tb != mine)
            free(tb);
    }
    wta_writer_submit(tr->writer, mine->batch);
    free(mine);
    wta_self.tb = NULL;
    rt->trace = NULL;
    wta_writer_free(tr->writer);
    wta_mutex_destroy(&tr->lock);
    free(tr);
    wta_sim_attach(sim);
}

/* ---------------------------------------------------------------- public */

bool wta_trace_on(const struct wta_runtime *rt) { return rt->trace != NULL; }
int wta_trace_error(const struct wta_runtime *rt)
{
    if (rt->trace_err != 0 || rt->trace == NULL)
        return rt->trace_err;
    struct wta_sim_runner *sim = wta_sim_detach();
    int err = wta_writer_error(rt->trace->writer);
    wta_sim_attach(sim);
    return err;
}
uint64_t wta_trace_dropped(const struct wta_runtime *rt)
{
    if (rt->trace == NULL)
        return 0;
    struct wta_sim_runner *sim = wta_sim_detach();
    uint64_t n = wta_writer_dropped(rt->trace->writer);
    wta_sim_attach(sim);
    return n;
}
const char *wta_trace_path(const struct wta_runtime *rt)
{
    return rt->trace != NULL ? rt->cfg.trace_path : NULL;
}

/* Hands this thread's events to the writer and waits until they are written. */
void wta_trace_flush(struct wta_runtime *rt)
{
    if (rt == NULL || rt->trace == NULL)
        return;
    struct wta_trace_buf *tb = wta_self.tb;
    struct wta_sim_runner *sim = wta_sim_detach();
    if (tb != NULL && my_gen == rt->trace->gen && tb->batch != NULL) {
        wta_writer_submit(rt->trace->writer, tb->batch);
        tb->batch = NULL;
    }
    wta_writer_flush(rt->trace->writer);
    wta_sim_attach(sim);
}

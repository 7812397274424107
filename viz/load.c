/*
 * load.c - read a trace file line by line into events, checking each line.
 *
 * The reader is a feed: bytes go in (a file read in 1 MiB blocks, or one
 * buffer for the fuzzer), whole lines come out. A line longer than
 * WTA_MAX_LINE is an error and is skipped to its newline without being kept,
 * so one 10 MB line costs no more memory than a short one. A last line with
 * no newline that does not parse was cut by a crash: a warning, not an
 * error (SCHEMA.md, "Truncation").
 *
 * Reading lines is most of a load's time (even with line.c's fast reader,
 * which spares event lines cJSON's tree), and a line depends on no other
 * line, so a big input (WTA_SPLIT_MIN) is read as two halves on two
 * threads, split just after a newline near the middle.
 * Each half fills its own partial model (events, strings, threads,
 * diagnostics); the second is then merged into the first: its string ids
 * and thread indices remapped, its line numbers shifted by the first half's
 * line count (a second header the second half met is reported then, at its
 * real line). The result is the same as one reader's, which the fuzzer
 * checks on every input. What each line must contain is line.c's.
 */
#include <cjson/cJSON.h>
#include <errno.h>
#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "viz_int.h"

/* Feed bytes; at eof, the rest is the last line. */
static void feed(struct loader *ld, const char *p, size_t n, int eof)
{
    while (n > 0 && !ld->stop) {
        const char *nl = memchr(p, '\n', n);
        size_t take = nl ? (size_t)(nl - p) : n;
        if (!ld->overlong && ld->len + take > WTA_MAX_LINE) {
            wta_model_diag(ld->m, WTA_ERROR, ld->line + 1, "line longer than "
                           "WTA_MAX_LINE (%d bytes): skipped", WTA_MAX_LINE);
            ld->overlong = 1;
            ld->len = 0;
            if (!ld->header_done)
                ld->stop = 1;
        }
        if (nl == NULL) {
            if (!ld->overlong) {
                memcpy(ld->buf + ld->len, p, n);
                ld->len += n;
            }
            break;
        }
        ld->line++;
        if (ld->overlong) {
            ld->overlong = 0;
        } else if (ld->len == 0) {
            wta_line_load(ld, p, take, 0);          /* whole line in this block */
        } else {
            memcpy(ld->buf + ld->len, p, take);
            wta_line_load(ld, ld->buf, ld->len + take, 0);
        }
        ld->len = 0;
        p += take + 1;
        n -= take + 1;
    }
    if (eof && !ld->stop) {
        if (ld->len > 0 || ld->overlong) {
            ld->line++;
            if (!ld->overlong)
                wta_line_load(ld, ld->buf, ld->len, 1);
        }
        if (ld->line == 0)
            wta_model_diag(ld->m, WTA_ERROR, 0, "empty file: expected the header line");
    }
}

struct half {
    struct loader ld;           /* with its own (partial) model in ld.m */
    FILE *f;                    /* read f from `from`, or buf */
    const char *buf;
    size_t from, to;            /* the byte range */
    int last;                   /* it ends at the end of the input */
    void (*on_read)(void *arg, uint64_t n);   /* told of each block read (NULL: nobody asks) */
    void *on_read_arg;
};

/* A reader for part of the input into model m. 0 or -ENOMEM. */
static int half_init(struct half *h, struct wta_model *m, unsigned flags)
{
    memset(h, 0, sizeof *h);
    h->ld.m = m;
    h->ld.flags = flags;
    h->ld.buf = malloc(WTA_MAX_LINE + 1);
    h->ld.scratch = malloc(WTA_MAX_LINE);
    wta_idmap_init(&h->ld.thread_ids);
    wta_line_init(&h->ld);
    return h->ld.buf == NULL || h->ld.scratch == NULL ? -ENOMEM : 0;
}

static void half_destroy(struct half *h)
{
    free(h->ld.buf);
    free(h->ld.scratch);
    wta_idmap_destroy(&h->ld.thread_ids);
}

/* Read h's byte range into its model; a pthread start routine. */
static void *read_half(void *arg)
{
    struct half *h = arg;
    struct loader *ld = &h->ld;
    if (h->f == NULL) {
        feed(ld, h->buf + h->from, h->to - h->from, h->last);
        return NULL;
    }
    size_t n, size = 1 << 20, left = h->to - h->from;
    char *block = malloc(size);
    /* (a pipe cannot seek; it is only ever read whole, from 0) */
    if (block == NULL || (h->from > 0 && fseeko(h->f, (off_t)h->from, SEEK_SET) != 0)) {
        wta_model_diag(ld->m, WTA_ERROR, 0, block ? "seek error" : "out of memory");
        free(block);
        return NULL;
    }
    while (left > 0 && !ld->stop && (n = fread(block, 1, left < size ? left : size, h->f)) > 0) {
        feed(ld, block, n, 0);
        left -= n;
        if (h->on_read != NULL)
            h->on_read(h->on_read_arg, n);
    }
    if (ferror(h->f))
        wta_model_diag(ld->m, WTA_ERROR, 0, "read error");
    if (h->last)
        feed(ld, "", 0, 1);
    free(block);
    return NULL;
}

/* Just past the first newline at or after the middle of the input, or 0
 * (do not split) if there is none before the end. */
static size_t split_point(FILE *f, const char *buf, size_t size)
{
    char block[4096];
    size_t at = size / 2, n;
    if (buf != NULL) {
        const char *nl = memchr(buf + at, '\n', size - at);
        return nl && (size_t)(nl - buf) + 1 < size ? (size_t)(nl - buf) + 1 : 0;
    }
    if (fseeko(f, (off_t)at, SEEK_SET) != 0)
        return 0;
    size_t mid = 0;
    while (mid == 0 && (n = fread(block, 1, sizeof block, f)) > 0) {
        const char *nl = memchr(block, '\n', n);
        if (nl != NULL)
            mid = at + (size_t)(nl - block) + 1 < size ? at + (size_t)(nl - block) + 1 : SIZE_MAX;
        at += n;
    }
    if (fseeko(f, 0, SEEK_SET) != 0)     /* the first half reads from the start */
        return 0;
    return mid == SIZE_MAX ? 0 : mid;
}

/* String id *id of model b as an id of model a (interned there on first
 * sight; ids remembers the answer). 0, -E2BIG past a's limits, or -ENOMEM. */
static int remap_string(struct wta_idmap *ids, struct wta_model *a,
                        const struct wta_model *b, int64_t *id)
{
    uint32_t known = wta_idmap_get(ids, (uint64_t)*id);
    if (known != UINT32_MAX) {
        *id = known;
        return 0;
    }
    const char *s = wta_model_str(b, *id);
    int64_t to = wta_strtab_intern(a->strs, s, strlen(s));
    if (to < 0)
        return -E2BIG;
    if (wta_idmap_put(ids, (uint64_t)*id, (uint32_t)to) < 0)
        return -ENOMEM;
    *id = to;
    return 0;
}

/* Move b's events, threads, strings and diagnostics into a's model, as if
 * a's loader had read them after its own `line0` lines. */
static int merge(struct loader *la, const struct loader *lb, uint32_t line0)
{
    struct wta_model *b = lb->m;
    struct wta_model *a = la->m;
    size_t na = a->nevents, nd = a->ndiags, ne = a->nerrors, nw = a->nwarnings;
    uint16_t th[WTA_MAX_THREADS];
    for (size_t k = 0; k < b->nthreads; k++) {
        int64_t id = wta_strtab_intern(a->strs, b->threads[k].name, strlen(b->threads[k].name));
        int t = id < 0 ? -1 : wta_line_thread(la, id);
        if (t < 0)
            return -E2BIG;
        th[k] = (uint16_t)t;
    }
    if (na + b->nevents > WTA_MAX_EVENTS)
        return -E2BIG;
    struct wta_ev *ev = realloc(a->events, (na + b->nevents + 1) * sizeof ev[0]);
    if (ev == NULL)
        return -ENOMEM;
    a->events = ev;
    struct wta_idmap ids;               /* b's string id -> a's, once found */
    wta_idmap_init(&ids);
    int err = 0;
    for (size_t i = 0; i < b->nevents && err == 0; i++) {
        struct wta_ev *e = &ev[na + i];
        *e = b->events[i];
        e->th = th[e->th];
        e->line += line0;
        const struct kind_fields *kf = &la->kinds[e->kind];
        for (int k = 0; k < kf->n && err == 0; k++)
            if (kf->type[k] == 's')
                err = remap_string(&ids, a, b, &e->f[k]);
    }
    wta_idmap_destroy(&ids);
    if (err < 0)
        return err;
    a->nevents += b->nevents;
    for (size_t i = 0; i < b->ndiags && i < WTA_MAX_DIAGS; i++)
        wta_model_diag(a, b->diags[i].severity, b->diags[i].line ? b->diags[i].line + line0 : 0,
                       "%s", b->diags[i].msg ? b->diags[i].msg : "?");
    a->ndiags = nd + b->ndiags;
    a->nerrors = ne + b->nerrors;
    a->nwarnings = nw + b->nwarnings;
    if (lb->second_header)              /* b's last word: it stopped there */
        wta_line_second_header(a, lb->second_header + line0);
    a->truncated |= b->truncated;
    return 0;
}

/* The format version that line 1 (the header, within the first `mid`
 * bytes) declares, or 0 if it declares none. The second half needs it before
 * the first half has read it: which missing fields are errors depends on it.
 * A header the first half rejects stops the load, so 0 is never used then. */
static int peek_version(FILE *f, const char *buf, size_t mid)
{
    size_t n = mid < WTA_MAX_LINE ? mid : WTA_MAX_LINE;
    char *own = NULL;
    if (buf == NULL) {
        if ((own = malloc(n)) == NULL)
            return 0;
        ssize_t got = pread(fileno(f), own, n, 0);
        n = got > 0 ? (size_t)got : 0;
        buf = own;
    }
    const char *nl = memchr(buf, '\n', n);
    cJSON *h = cJSON_ParseWithLength(buf, nl ? (size_t)(nl - buf) : n);
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(h, "version");
    int version = cJSON_IsNumber(v) && v->valuedouble >= 1 &&
                  v->valuedouble <= WTA_TRACE_FORMAT_VERSION ? (int)v->valuedouble : 0;
    cJSON_Delete(h);
    free(own);
    return version;
}

/* Read the input as two halves on two threads, then merge them. */
static int load_split(struct half *h1, const char *path, size_t mid)
{
    struct half h2;
    struct wta_model *b = calloc(1, sizeof *b);
    pthread_t tid;
    int err = -ENOMEM;
    if (b == NULL || (b->strs = wta_strtab_new()) == NULL || half_init(&h2, b, h1->ld.flags) < 0)
        goto out;
    h2.ld.header_done = 1;
    h2.ld.later_half = 1;
    b->header.version = peek_version(h1->f, h1->buf, mid);
    h2.buf = h1->buf;
    h2.on_read = h1->on_read;
    h2.on_read_arg = h1->on_read_arg;
    h2.from = mid;
    h2.to = h1->to;
    h2.last = 1;
    h1->to = mid;
    h1->last = 0;
    if (path != NULL && (h2.f = fopen(path, "rb")) == NULL) {
        err = -errno;
        goto out;
    }
    int threaded = pthread_create(&tid, NULL, read_half, &h2) == 0;
    read_half(h1);
    if (threaded)
        pthread_join(tid, NULL);
    else if (!h1->ld.stop)
        read_half(&h2);
    /* A fatal problem in the first half (a bad header, a limit) stops the
     * load there, as it would stop one reader: the second half is dropped. */
    err = h1->ld.stop ? 0 : merge(&h1->ld, &h2.ld, h1->ld.line);
    if (err == -E2BIG)
        wta_model_diag(h1->ld.m, WTA_ERROR, 0, "more than WTA_MAX_EVENTS events, "
                       "WTA_MAX_THREADS threads or WTA_MAX_STR_BYTES of strings");
out:
    if (h2.f != NULL)
        fclose(h2.f);
    half_destroy(&h2);
    wta_model_free(b);
    return err == -E2BIG ? 0 : err;
}

static int load(const char *name, FILE *f, const char *buf, size_t len,
                unsigned flags, void (*on_read)(void *, uint64_t), void *arg,
                struct wta_model **out)
{
    struct half h;
    struct wta_model *m = calloc(1, sizeof *m);
    int err = -ENOMEM;
    *out = m;
    if (m == NULL)
        return -ENOMEM;
    m->path = strdup(name);
    m->strs = wta_strtab_new();
    if (half_init(&h, m, flags) < 0 || m->path == NULL || m->strs == NULL)
        goto fail;
    h.f = f;
    h.buf = buf;
    h.on_read = on_read;
    h.on_read_arg = arg;
    h.to = len;
    h.last = 1;
    size_t mid = 0;
    if (len != SIZE_MAX && (len >= WTA_SPLIT_MIN || (flags & WTA_LOAD_SPLIT)))
        mid = split_point(f, buf, len);
    if (wta_schema_check_slots() != 0)
        wta_model_diag(m, WTA_ERROR, 0, "viz/viz_int.h's slot table disagrees with "
                       "runtime/wta_events.h (row %d): rebuild viz", wta_schema_check_slots());
    else if (mid > 0 && (err = load_split(&h, f ? name : NULL, mid)) < 0)
        goto fail;
    else if (mid == 0)
        read_half(&h);
    err = m->nerrors == 0 ? wta_model_build(m) : -EINVAL;
fail:
    half_destroy(&h);
    return err;
}

int wta_model_load_mem(const char *name, const char *buf, size_t len,
                       unsigned flags, struct wta_model **out)
{
    return load(name, NULL, buf, len, flags, NULL, NULL, out);
}

int wta_model_load_watched(const char *path, unsigned flags,
                           void (*on_read)(void *arg, uint64_t n), void *arg,
                           struct wta_model **out)
{
    FILE *f = fopen(path, "rb");
    struct stat st;
    *out = NULL;
    if (f == NULL)
        return -errno;
    size_t size = SIZE_MAX;     /* a pipe or device: read to its end, in one piece */
    if (fstat(fileno(f), &st) == 0 && S_ISREG(st.st_mode))
        size = (size_t)st.st_size;
    int err = load(path, f, NULL, size, flags, on_read, arg, out);
    fclose(f);
    return err;
}

int wta_model_load(const char *path, unsigned flags, struct wta_model **out)
{
    return wta_model_load_watched(path, flags, NULL, NULL, out);
}

/*
 * line.c - one line of a trace: the header, or one event checked field by field.
 *
 * Line 1 must be the header; a wrong format or version stops the load, and
 * so does a header on a later line (two traces in one file). Every
 * other line is one JSON object checked against the event list: the
 * envelope (t, th, seq, ev), then each field of its kind with its type.
 * Integers come out of cJSON as doubles, so a value is accepted only if it
 * is an exact integer within +-2^53. Each problem is reported with the line,
 * the field and what was expected; a bad line adds no event. Checks that
 * need more than one line (order, ids, poll pairs) are model.c's.
 *
 * Two readers of an event line, one result. The fast one (flat_event) takes
 * the members flat.c scanned in place and fills the event directly; it only
 * ever accepts a line, doing in the same order what the cJSON path would do
 * (intern th, ev, the thread, each string field). A line the cJSON path
 * would report - a missing field, a wrong type, an unknown kind - it gives
 * back before any effect, and the cJSON path (parse_event), which alone
 * writes diagnostics, reads it again; a limit met while interning is given
 * back after effects that the cJSON path repeats to the same state (an
 * interned string keeps its id). The header is always cJSON's.
 * WTA_LOAD_CJSON turns the fast reader off.
 */
#include <cjson/cJSON.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "viz_int.h"

/* "unsigned integer" for 'u', and so on, for messages. */
static const char *type_name(char type)
{
    switch (type) {
    case 'u': return "unsigned integer";
    case 'i': return "integer";
    case 's': return "string";
    default: return "boolean";
    }
}

/* What a JSON value is, for "expected X, got Y" messages. */
static const char *json_kind(const cJSON *v)
{
    if (cJSON_IsString(v)) return "a string";
    if (cJSON_IsNumber(v)) return "a number";
    if (cJSON_IsBool(v)) return "a boolean";
    if (cJSON_IsNull(v)) return "null";
    if (cJSON_IsArray(v)) return "an array";
    return "an object";
}

/* Read v as a field of `type` into *out. Returns NULL, or what was wrong. */
static const char *read_value(struct loader *ld, const cJSON *v, char type, int64_t *out)
{
    if (type == 'b') {
        if (!cJSON_IsBool(v))
            return "expected boolean";
        *out = cJSON_IsTrue(v);
        return NULL;
    }
    if (type == 's') {
        if (!cJSON_IsString(v))
            return "expected string";
        size_t len = strlen(v->valuestring);
        if (len > WTA_MAX_STRING)
            return "string longer than WTA_MAX_STRING (4096 bytes)";
        int64_t id = wta_strtab_intern(ld->m->strs, v->valuestring, len);
        if (id < 0)
            return "too many distinct string bytes (WTA_MAX_STR_BYTES, 64 MiB)";
        *out = id;
        return NULL;
    }
    if (!cJSON_IsNumber(v))
        return type == 'u' ? "expected unsigned integer" : "expected integer";
    double d = v->valuedouble;
    if (!(d <= WTA_MAX_INT && d >= -WTA_MAX_INT))       /* also NaN */
        return "integer beyond 2^53 cannot be exact";
    if (d != (double)(int64_t)d)
        return type == 'u' ? "expected unsigned integer, got a fraction"
                           : "expected integer, got a fraction";
    if (type == 'u' && d < 0)
        return "expected unsigned integer, got a negative number";
    *out = (int64_t)d;
    return NULL;
}

static void field_error(struct loader *ld, const char *field, const cJSON *v,
                        const char *what, char type)
{
    if (v == NULL)
        wta_model_diag(ld->m, WTA_ERROR, ld->line, "field '%s' missing: expected %s",
                       field, type_name(type));
    else if (strncmp(what, "expected", 8) == 0 && strchr(what, ',') == NULL)
        wta_model_diag(ld->m, WTA_ERROR, ld->line, "field '%s': %s, got %s",
                       field, what, json_kind(v));
    else
        wta_model_diag(ld->m, WTA_ERROR, ld->line, "field '%s': %s", field, what);
}

static void read_header_str(struct loader *ld, const cJSON *h, const char *name,
                            char *dst, size_t size)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(h, name);
    if (v == NULL || cJSON_IsNull(v))
        return;
    if (!cJSON_IsString(v)) {
        field_error(ld, name, v, "expected string", 's');
        return;
    }
    snprintf(dst, size, "%s", v->valuestring);
}

/* Check line 1 and fill m->header; a fatal problem sets ld->stop. */
static void parse_header(struct loader *ld, const cJSON *h)
{
    struct wta_header *hd = &ld->m->header;
    const cJSON *fmt = cJSON_GetObjectItemCaseSensitive(h, "format");
    const cJSON *ver = cJSON_GetObjectItemCaseSensitive(h, "version");
    int64_t v;
    if (!cJSON_IsString(fmt) || strcmp(fmt->valuestring, "wta-trace") != 0) {
        wta_model_diag(ld->m, WTA_ERROR, ld->line, "not a wta trace: expected a header "
                       "with field 'format': \"wta-trace\"%s",
                       cJSON_GetObjectItemCaseSensitive(h, "ev") ? " (found an event)" : "");
        ld->stop = 1;
        return;
    }
    if (ver == NULL || read_value(ld, ver, 'u', &v) != NULL) {
        field_error(ld, "version", ver, "expected unsigned integer", 'u');
        ld->stop = 1;
        return;
    }
    if (v < 1 || v > WTA_TRACE_FORMAT_VERSION) {
        wta_model_diag(ld->m, WTA_ERROR, ld->line, "unsupported trace format version "
                       "%lld (this reader knows versions 1 to %d)", (long long)v,
                       WTA_TRACE_FORMAT_VERSION);
        ld->stop = 1;
        return;
    }
    hd->version = (int)v;
    const cJSON *w = cJSON_GetObjectItemCaseSensitive(h, "workers");
    if (w != NULL) {
        const char *err = read_value(ld, w, 'u', &v);
        if (err != NULL || v > WTA_MAX_THREADS)
            field_error(ld, "workers", w, err ? err : "more than WTA_MAX_THREADS", 'u');
        else
            hd->workers = (uint32_t)v;
    }
    const cJSON *seed = cJSON_GetObjectItemCaseSensitive(h, "seed");
    hd->seed = -1;
    if (seed != NULL && !cJSON_IsNull(seed)) {
        const char *err = read_value(ld, seed, 'u', &v);
        if (err != NULL)
            field_error(ld, "seed", seed, err, 'u');
        else
            hd->seed = v;
    }
    read_header_str(ld, h, "runtime", hd->runtime, sizeof hd->runtime);
    read_header_str(ld, h, "program", hd->program, sizeof hd->program);
    read_header_str(ld, h, "mode", hd->mode, sizeof hd->mode);
    read_header_str(ld, h, "scheduler", hd->scheduler, sizeof hd->scheduler);
    read_header_str(ld, h, "clock", hd->clock, sizeof hd->clock);
    const cJSON *bugs = cJSON_GetObjectItemCaseSensitive(h, "bugs"), *b;
    size_t len = 0;
    if (!cJSON_IsArray(bugs))
        bugs = NULL;
    cJSON_ArrayForEach(b, bugs) {
        if (cJSON_IsString(b) && len + strlen(b->valuestring) + 2 < sizeof hd->bugs)
            len += (size_t)sprintf(hd->bugs + len, "%s%s", len ? "," : "", b->valuestring);
    }
}

/* The thread index of name, adding it on first sight; -1 past the limit. */
int wta_line_thread(struct loader *ld, int64_t name)
{
    struct wta_model *m = ld->m;
    uint32_t k = wta_idmap_get(&ld->thread_ids, (uint64_t)name);
    if (k != UINT32_MAX)
        return (int)k;
    if (m->nthreads == WTA_MAX_THREADS)
        return -1;
    struct wta_thread *t = realloc(m->threads, (m->nthreads + 1) * sizeof *t);
    if (t == NULL || wta_idmap_put(&ld->thread_ids, (uint64_t)name, (uint32_t)m->nthreads) < 0) {
        if (t != NULL)
            m->threads = t;
        return -1;
    }
    m->threads = t;
    memset(&t[m->nthreads], 0, sizeof t[0]);
    snprintf(t[m->nthreads].name, sizeof t[0].name, "%s", wta_model_str(m, name));
    return (int)m->nthreads++;
}

/* Room for one more event (zeroed, its line set), or NULL after a diagnostic. */
static struct wta_ev *new_event(struct loader *ld)
{
    struct wta_model *m = ld->m;
    if (m->nevents == WTA_MAX_EVENTS) {
        wta_model_diag(m, WTA_ERROR, ld->line, "more than WTA_MAX_EVENTS (%u) events",
                       WTA_MAX_EVENTS);
        ld->stop = 1;
        return NULL;
    }
    if (m->nevents == ld->events_cap) {
        size_t cap = ld->events_cap ? ld->events_cap * 2 : 1024;
        struct wta_ev *ev = realloc(m->events, cap * sizeof *ev);
        if (ev == NULL) {
            wta_model_diag(m, WTA_ERROR, ld->line, "out of memory");
            ld->stop = 1;
            return NULL;
        }
        m->events = ev;
        ld->events_cap = cap;
    }
    struct wta_ev *e = &m->events[m->nevents];
    memset(e, 0, sizeof *e);
    e->line = ld->line;
    return e;
}

/* Member `name` of o. The recorder writes members in the schema's order, so
 * the one at *next is tried first (one strcmp), then a search by name. */
static const cJSON *member(const cJSON *o, const cJSON **next, const char *name)
{
    const cJSON *c = *next;
    if (c != NULL && c->string != NULL && strcmp(c->string, name) == 0) {
        *next = c->next;
        return c;
    }
    return cJSON_GetObjectItemCaseSensitive(o, name);
}

void wta_line_second_header(struct wta_model *m, uint32_t line)
{
    wta_model_diag(m, WTA_ERROR, line, "a second header at line %u: expected an event "
                   "(two traces in one file?); read no further", (unsigned)line);
}

/* Check one event line; add it to the model only if every field is right. */
static void parse_event(struct loader *ld, const cJSON *o)
{
    const cJSON *next = o->child;
    const cJSON *fmt = cJSON_GetObjectItemCaseSensitive(o, "format");
    if (cJSON_IsString(fmt) && strcmp(fmt->valuestring, "wta-trace") == 0 &&
        cJSON_GetObjectItemCaseSensitive(o, "ev") == NULL) {
        /* Two traces in one file (`cat a.jsonl b.jsonl`): what follows is
         * another run, whose times and seqs would only bury this message.
         * A second half does not know its line numbers yet: merge() says it. */
        if (ld->later_half)
            ld->second_header = ld->line;
        else
            wta_line_second_header(ld->m, ld->line);
        ld->stop = 1;
        return;
    }
    static const struct { const char *name; char type; } env[] = {
        {"t", 'u'}, {"th", 's'}, {"seq", 'u'}, {"ev", 's'},
    };
    int64_t val[4];
    for (int k = 0; k < 4; k++) {
        const cJSON *v = member(o, &next, env[k].name);
        const char *err = v ? read_value(ld, v, env[k].type, &val[k]) : "missing";
        if (err != NULL) {
            field_error(ld, env[k].name, v, err, env[k].type);
            return;
        }
    }
    const char *evname = wta_model_str(ld->m, val[3]);
    int kind = wta_event_kind(evname);
    if (kind < 0) {
        wta_model_diag(ld->m, ld->flags & WTA_LOAD_STRICT ? WTA_ERROR : WTA_WARNING,
                       ld->line, "unknown event kind '%.64s' (skipped)", evname);
        return;
    }
    if (val[2] > UINT32_MAX) {
        wta_model_diag(ld->m, WTA_ERROR, ld->line, "field 'seq': larger than 2^32-1");
        return;
    }
    const char *thname = wta_model_str(ld->m, val[1]);
    if (strlen(thname) >= sizeof ld->m->threads[0].name || thname[0] == '\0') {
        wta_model_diag(ld->m, WTA_ERROR, ld->line, "field 'th': expected a thread name "
                       "of 1 to 63 bytes");
        return;
    }
    for (const char *p = thname; *p; p++)
        if ((unsigned char)*p < 0x20 || *p == 0x7f) {
            wta_model_diag(ld->m, WTA_ERROR, ld->line, "field 'th': control character "
                           "in a thread name");
            return;
        }
    int th = wta_line_thread(ld, val[1]);
    if (th < 0) {
        wta_model_diag(ld->m, WTA_ERROR, ld->line, "more than WTA_MAX_THREADS (%d) threads",
                       WTA_MAX_THREADS);
        ld->stop = 1;
        return;
    }
    int64_t f[WTA_MAX_FIELDS] = {0};
    char name[16], type;
    for (int k = 0; wta_schema_field((unsigned)kind, k, name, &type) == 0; k++) {
        const cJSON *v = member(o, &next, name);
        if (v == NULL && ld->m->header.version <= wta_schema_lacking((unsigned)kind, name))
            continue;                   /* an older trace: the field is 0 */
        const char *err = v ? read_value(ld, v, type, &f[k]) : "missing";
        if (err != NULL) {
            field_error(ld, name, v, err, type);
            return;
        }
    }
    struct wta_ev *e = new_event(ld);
    if (e == NULL)
        return;
    e->t_ns = val[0];
    e->th = (uint16_t)th;
    e->seq = (uint32_t)val[2];
    e->kind = (uint8_t)kind;
    memcpy(e->f, f, sizeof f);
    ld->m->nevents++;
}

/* A hash of an event kind's name, for ld->kind_slot. */
static size_t kind_hash(const char *s, size_t len)
{
    size_t h = len;
    for (size_t i = 0; i < len; i++)
        h = h * 31 + (unsigned char)s[i];
    return h % WTA_KIND_SLOTS;
}

void wta_line_init(struct loader *ld)
{
    memset(ld->kind_slot, 0, sizeof ld->kind_slot);
    for (unsigned kind = 0; kind < WTA_EV_COUNT; kind++) {
        const char *name = wta_event_name(kind);
        size_t h = kind_hash(name, strlen(name));
        while (ld->kind_slot[h] != 0)
            h = (h + 1) % WTA_KIND_SLOTS;
        ld->kind_slot[h] = (uint8_t)(kind + 1);
    }
    for (unsigned kind = 0; kind < WTA_EV_COUNT; kind++) {
        struct kind_fields *kf = &ld->kinds[kind];
        kf->n = 0;
        while (kf->n < WTA_MAX_FIELDS &&
               wta_schema_field(kind, kf->n, kf->name[kf->n], &kf->type[kf->n]) == 0) {
            kf->len[kf->n] = strlen(kf->name[kf->n]);
            kf->lacking[kf->n] = wta_schema_lacking(kind, kf->name[kf->n]);
            kf->n++;
        }
    }
}

/* Is member m's key name[0..len)? (Keys are a few bytes: a loop beats memcmp.) */
static int key_is(const struct wta_flat_member *m, const char *name, size_t len)
{
    if (m->key_len != len)
        return 0;
    for (size_t i = 0; i < len; i++)
        if (m->key[i] != name[i])
            return 0;
    return 1;
}

/* The first member called name[0..len), as member() finds it: the one at
 * *next first (the recorder's order), then a search from the start. */
static const struct wta_flat_member *flat_member(const struct wta_flat_member *mem, int n,
                                                 int *next, const char *name, size_t len)
{
    if (*next < n && key_is(&mem[*next], name, len))
        return &mem[(*next)++];
    for (const struct wta_flat_member *m = mem; m < mem + n; m++)
        if (key_is(m, name, len))
            return m;
    return NULL;
}

/* The kind named ev[0..len), through ld->kind_slot (see wta_line_init). */
static int flat_kind(const struct loader *ld, const char *ev, size_t len)
{
    size_t h = kind_hash(ev, len);
    for (;; h = (h + 1) % WTA_KIND_SLOTS) {
        int k = ld->kind_slot[h] - 1;
        if (k < 0)
            return -1;
        const char *name = wta_event_name((unsigned)k);
        size_t i = 0;
        while (i < len && name[i] == ev[i])
            i++;
        if (i == len && name[len] == '\0')
            return k;
    }
}

/* String member m as bytes (decoded into ld->scratch at *used if escaped):
 * *len set; NULL if longer than max (the cJSON path's to report). */
static const char *flat_string(struct loader *ld, const struct wta_flat_member *m,
                               size_t *used, size_t max, size_t *len)
{
    if (!m->escaped) {
        *len = m->len;
        return m->len <= max ? m->s : NULL;
    }
    char *out = ld->scratch + *used;
    *len = wta_flat_string(m, out);
    *used += m->len;
    return *len <= max ? out : NULL;
}

/* wta_strtab_intern of s[0..len), through ld->recent: a trace says the same
 * few short strings (thread names, outcomes, queues) over and over. An id
 * never changes once given, so a remembered one is the one intern returns. */
static int64_t flat_intern(struct loader *ld, const char *s, size_t len)
{
    if (len == 0 || len > sizeof ld->recent[0].s)
        return wta_strtab_intern(ld->m->strs, s, len);
    size_t h = len;
    for (size_t i = 0; i < len; i++)
        h = h * 31 + (unsigned char)s[i];
    h = (h ^ (h >> 9)) % WTA_RECENT_SLOTS;
    if (ld->recent[h].len == len) {
        size_t i = 0;
        while (i < len && ld->recent[h].s[i] == s[i])
            i++;
        if (i == len)
            return ld->recent[h].id;
    }
    int64_t id = wta_strtab_intern(ld->m->strs, s, len);
    if (id >= 0) {
        ld->recent[h].len = (uint8_t)len;
        memcpy(ld->recent[h].s, s, len);
        ld->recent[h].id = id;
    }
    return id;
}

/* The fast reader of one event line (see the top of the file): 1 if it took
 * the line, 0 if it did nothing and the cJSON path must read it. */
static int flat_event(struct loader *ld, const struct wta_flat_member *mem, int n)
{
    static const struct { const char *name; size_t len; char type; } env[] = {
        {"t", 1, 'n'}, {"th", 2, 's'}, {"seq", 3, 'n'}, {"ev", 2, 's'},
    };
    const struct wta_flat_member *v[4], *fv[WTA_MAX_FIELDS];
    const char *str[WTA_MAX_FIELDS];
    size_t slen[WTA_MAX_FIELDS], thlen, evlen, used = 0;
    int next = 0;
    for (int k = 0; k < 4; k++)
        if ((v[k] = flat_member(mem, n, &next, env[k].name, env[k].len)) == NULL ||
            v[k]->type != env[k].type)
            return 0;
    if (v[0]->n < 0 || v[2]->n < 0 || v[2]->n > UINT32_MAX)
        return 0;
    const char *th = flat_string(ld, v[1], &used, sizeof ld->m->threads[0].name - 1, &thlen);
    const char *ev = flat_string(ld, v[3], &used, WTA_MAX_STRING, &evlen);
    if (th == NULL || ev == NULL || thlen == 0)
        return 0;
    for (size_t i = 0; i < thlen; i++)
        if ((unsigned char)th[i] < 0x20 || th[i] == 0x7f)
            return 0;
    int kind = flat_kind(ld, ev, evlen);
    if (kind < 0)
        return 0;
    const struct kind_fields *kf = &ld->kinds[kind];
    for (int k = 0; k < kf->n; k++) {
        const struct wta_flat_member *m = flat_member(mem, n, &next, kf->name[k], kf->len[k]);
        fv[k] = m;
        if (m == NULL && ld->m->header.version <= kf->lacking[k])
            continue;                   /* an older trace: the field is 0 */
        char want = kf->type[k] == 'u' || kf->type[k] == 'i' ? 'n' : kf->type[k];
        if (m == NULL || m->type != want || (kf->type[k] == 'u' && m->n < 0))
            return 0;
        if (kf->type[k] == 's' &&
            (str[k] = flat_string(ld, m, &used, WTA_MAX_STRING, &slen[k])) == NULL)
            return 0;
    }
    /* Every check passed: the effects, in the cJSON path's order. A limit
     * met here is met there too, at the same step, and reported there. */
    int64_t f[WTA_MAX_FIELDS] = {0};
    int64_t thid = flat_intern(ld, th, thlen);
    if (thid < 0 || flat_intern(ld, ev, evlen) < 0)
        return 0;
    int t = wta_line_thread(ld, thid);
    if (t < 0)
        return 0;
    for (int k = 0; k < kf->n; k++) {
        if (fv[k] == NULL)
            continue;
        f[k] = kf->type[k] == 's' ? flat_intern(ld, str[k], slen[k]) : fv[k]->n;
        if (f[k] < 0)
            return 0;
    }
    struct wta_ev *e = new_event(ld);
    if (e != NULL) {
        e->t_ns = v[0]->n;
        e->th = (uint16_t)t;
        e->seq = (uint32_t)v[2]->n;
        e->kind = (uint8_t)kind;
        memcpy(e->f, f, sizeof f);
        ld->m->nevents++;
    }
    return 1;
}

/* One whole line, without its '\n'. `cut`: the file ended inside it. */
void wta_line_load(struct loader *ld, const char *s, size_t len, int cut)
{
    const char *end = NULL;
    size_t i = 0;
    while (i < len && (s[i] == ' ' || s[i] == '\t' || s[i] == '\r'))
        i++;
    if (i == len) {
        if (!ld->header_done) {         /* line 1 is the header, or nothing is */
            wta_model_diag(ld->m, WTA_ERROR, ld->line, "empty line: expected the header");
            ld->stop = 1;
        } else if (!cut) {
            wta_model_diag(ld->m, WTA_ERROR, ld->line, "empty line");
        }
        return;
    }
    struct wta_flat_member mem[WTA_FLAT_MAX];
    int n;
    if (ld->header_done && !(ld->flags & WTA_LOAD_CJSON) &&
        (n = wta_flat_scan(s + i, len - i, mem)) >= 0 && flat_event(ld, mem, n))
        return;
    cJSON *o = cJSON_ParseWithLengthOpts(s, len, &end, 0);
    if (o != NULL)
        for (; end < s + len; end++)
            if (*end != ' ' && *end != '\t' && *end != '\r') {
                cJSON_Delete(o);
                o = NULL;
                break;
            }
    if (o == NULL || !cJSON_IsObject(o)) {
        if (cut && ld->header_done) {
            wta_model_diag(ld->m, WTA_WARNING, ld->line, "last line is cut short "
                           "(the recorder stopped mid-write): dropped");
            ld->m->truncated = 1;
        } else {
            wta_model_diag(ld->m, WTA_ERROR, ld->line, o ? "expected a JSON object"
                           : "not valid JSON");
        }
        if (!ld->header_done)
            ld->stop = 1;
        cJSON_Delete(o);
        return;
    }
    if (!ld->header_done) {
        ld->header_done = 1;
        parse_header(ld, o);
    } else {
        parse_event(ld, o);
    }
    cJSON_Delete(o);
}


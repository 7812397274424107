/*
 * line.c - one line of a trace: the header, or one event checked field by field.
 *
 * Line 1 must be the header; a wrong format or version stops the load. Every
 * other line is one JSON object checked against the event list: the
 * envelope (t, th, seq, ev), then each field of its kind with its type.
 * Integers come out of cJSON as doubles, so a value is accepted only if it
 * is an exact integer within +-2^53. Each problem is reported with the line,
 * the field and what was expected; a bad line adds no event. Checks that
 * need more than one line (order, ids, poll pairs) are model.c's.
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

/* Check one event line; add it to the model only if every field is right. */
static void parse_event(struct loader *ld, const cJSON *o)
{
    const cJSON *next = o->child;
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
        if (v == NULL && ld->m->header.version < wta_schema_since((unsigned)kind, name))
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


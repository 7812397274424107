/*
 * event.c - the event list, read from runtime/wta_events.h.
 *
 * The X-macro gives each kind a name and a field string such as
 * "task:u poll:u result:s next:s". This file expands it into one table and
 * answers questions about it by scanning that short string: how many fields
 * a kind has, the name and type of field k, which slot holds field "poll".
 * No copy of the list exists in viz/, so the loader can never disagree with
 * the recorder. Also here: printing an event as one readable line, and the
 * JSON string escaper the writers share.
 */
#include <errno.h>
#include <inttypes.h>
#include <string.h>

#include "viz_int.h"

struct kind_info {
    const char *name;
    const char *fields;
};

static const struct kind_info kinds[WTA_EV_COUNT] = {
#define WTA_KIND_ROW(id, name, fields, doc) {name, fields},
    WTA_EVENT_LIST(WTA_KIND_ROW)
#undef WTA_KIND_ROW
};

const char *wta_event_name(unsigned kind)
{
    return kind < WTA_EV_COUNT ? kinds[kind].name : "?";
}

/* A linear search, first letters compared before the rest: called once per
 * line, it costs less than the JSON parse. */
int wta_event_kind(const char *name)
{
    for (int k = 0; k < WTA_EV_COUNT; k++)
        if (kinds[k].name[0] == name[0] && strcmp(kinds[k].name, name) == 0)
            return k;
    return -1;
}

/* Field k of kind: name (NUL-terminated, at most 15 bytes) and type.
 * Returns 0, or -ENOENT if the kind has no field k. */
int wta_schema_field(unsigned kind, int k, char name[16], char *type)
{
    if (kind >= WTA_EV_COUNT)
        return -ENOENT;
    const char *p = kinds[kind].fields;
    for (int i = 0; *p; i++) {
        while (*p == ' ')
            p++;
        const char *colon = strchr(p, ':');
        if (colon == NULL)
            break;
        if (i == k) {
            size_t len = (size_t)(colon - p);
            if (len > 15)
                len = 15;
            memcpy(name, p, len);
            name[len] = '\0';
            *type = colon[1];
            return 0;
        }
        p = colon + 2;
    }
    return -ENOENT;
}

int wta_schema_slot(unsigned kind, const char *name)
{
    char fname[16], type;
    for (int k = 0; wta_schema_field(kind, k, fname, &type) == 0; k++)
        if (strcmp(fname, name) == 0)
            return k;
    return -1;
}

/* The newest format version whose traces may lack field `name` of kind:
 * 0 for the original fields, more for those in WTA_FIELDS_ADDED. */
int wta_schema_lacking(unsigned kind, const char *name)
{
    static const struct { unsigned kind; const char *name; int lacking; } added[] = {
#define WTA_ADDED_ROW(id, field, version) {WTA_EV_##id, field, version},
        WTA_FIELDS_ADDED(WTA_ADDED_ROW)
#undef WTA_ADDED_ROW
    };
    for (size_t i = 0; i < sizeof added / sizeof added[0]; i++)
        if (added[i].kind == kind && strcmp(added[i].name, name) == 0)
            return added[i].lacking;
    return 0;
}

int wta_schema_check_slots(void)
{
    static const struct { int kind; const char *name; int slot; } rows[] = {
#define WTA_SLOT_ROW(id, kind, name, slot) {WTA_EV_##kind, name, slot},
        WTA_SLOT_LIST(WTA_SLOT_ROW)
#undef WTA_SLOT_ROW
    };
    for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++)
        if (wta_schema_slot((unsigned)rows[i].kind, rows[i].name) != rows[i].slot)
            return (int)i + 1;
    /* No kind has more fields than an event keeps (f[WTA_MAX_FIELDS]). */
    char name[16], type;
    for (unsigned k = 0; k < WTA_EV_COUNT; k++)
        if (wta_schema_field(k, WTA_MAX_FIELDS, name, &type) == 0)
            return 2000 + (int)k;
    /* "task", wherever a kind has it, is its first field; or its last, on
     * timer.insert and where version 2 added it. */
    for (unsigned k = 0; k < WTA_EV_COUNT; k++) {
        int s = wta_schema_slot(k, "task");
        if (s > 0 && k != WTA_EV_TIMER_INSERT && wta_schema_lacking(k, "task") == 0)
            return 1000 + (int)k;
    }
    return 0;
}

int wta_event_get(const struct wta_ev *e, const char *name, int64_t *v)
{
    int s = wta_schema_slot(e->kind, name);
    if (s < 0)
        return -ENOENT;
    *v = e->f[s];
    return 0;
}

/* Append to buf at *len without overflowing; output is cut when full. */
static void put(char *buf, size_t size, size_t *len, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
static void put(char *buf, size_t size, size_t *len, const char *fmt, ...)
{
    if (*len >= size)
        return;
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(buf + *len, size - *len, fmt, ap);
    va_end(ap);
    if (n > 0)
        *len += (size_t)n;
}

void wta_event_format(const struct wta_model *m, const struct wta_ev *e,
                      char *buf, size_t size)
{
    size_t len = 0;
    char name[16], type;
    if (size == 0)
        return;
    buf[0] = '\0';
    put(buf, size, &len, "%s", wta_event_name(e->kind));
    for (int k = 0; wta_schema_field(e->kind, k, name, &type) == 0; k++) {
        if (type == 's')
            put(buf, size, &len, " %s=\"%s\"", name, wta_model_str(m, e->f[k]));
        else if (type == 'b')
            put(buf, size, &len, " %s=%s", name, e->f[k] ? "true" : "false");
        else
            put(buf, size, &len, " %s=%" PRId64, name, e->f[k]);
    }
    wta_sanitize(buf);
}

void wta_event_json_fields(FILE *f, const struct wta_model *m, const struct wta_ev *e)
{
    char name[16], type;
    for (int k = 0; wta_schema_field(e->kind, k, name, &type) == 0; k++) {
        fprintf(f, ",\"%s\":", name);
        if (type == 's')
            wta_json_string(f, wta_model_str(m, e->f[k]));
        else if (type == 'b')
            fputs(e->f[k] ? "true" : "false", f);
        else
            fprintf(f, "%" PRId64, e->f[k]);
    }
}

void wta_sanitize(char *s)
{
    for (; *s; s++)
        if ((unsigned char)*s < 0x20 || *s == 0x7f)
            *s = '?';
}

/* Length of the valid UTF-8 sequence at s (1-4), or 0 if it is not one. */
static int utf8_len(const unsigned char *s)
{
    int n = s[0] < 0xc2 ? 0 : s[0] < 0xe0 ? 2 : s[0] < 0xf0 ? 3 : s[0] < 0xf5 ? 4 : 0;
    for (int i = 1; i < n; i++)
        if ((s[i] & 0xc0) != 0x80)
            return 0;
    return n;
}

/* Any byte that is not valid UTF-8 becomes '?', so the output is JSON. */
void wta_json_string(FILE *f, const char *str)
{
    const unsigned char *s = (const unsigned char *)str;
    fputc('"', f);
    while (*s) {
        unsigned char c = *s;
        if (c == '"' || c == '\\')
            fprintf(f, "\\%c", c);
        else if (c < 0x20 || c == 0x7f)
            fprintf(f, "\\u%04x", c);
        else if (c < 0x80)
            fputc(c, f);
        else {
            int n = utf8_len(s);
            if (n == 0)
                fputc('?', f);
            else
                fwrite(s, 1, (size_t)n, f);
            s += n ? n : 1;
            continue;
        }
        s++;
    }
    fputc('"', f);
}

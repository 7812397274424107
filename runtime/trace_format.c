/*
 * trace_format.c - one binary trace record to one line of JSON.
 *
 * The field names and types come from the one event list (wta_events.h),
 * split once into a table; each key is precomputed with its punctuation
 * (,"task":) so formatting a record is a few fixed-size copies and the
 * digits. Numbers are written two digits at a time with 32-bit arithmetic,
 * since this loop is what bounds how fast the writer keeps up. Strings are
 * JSON-escaped and cut at 4 KiB.
 *
 * Used only by the writer thread (trace_write.c).
 */
#include <pthread.h>
#include <stdio.h>
#include <string.h>

#include "internal.h"

/* The field specs of wta_events.h, split once into names and types. */
struct ev_spec {
    const char *name;
    int nfields;
    char fname[6][24];
    char ftype[6];
    unsigned strings;             /* bit i: field i is a string */
    /* Precomputed text, so formatting is memcpy and digits: */
    char head[48];                /* ,"ev":"poll.begin"   */
    uint8_t head_len;
    char key[6][48];              /* ,"task": (48: put_mem reads that many) */
    uint8_t key_len[6];
};
static struct ev_spec specs[WTA_EV_COUNT];
static pthread_once_t specs_once = PTHREAD_ONCE_INIT;

static void parse_specs(void)
{
    static const char *names[] = {
#define WTA_EV_NAME(id, name, fields, doc) name,
        WTA_EVENT_LIST(WTA_EV_NAME)
#undef WTA_EV_NAME
    };
    static const char *fields[] = {
#define WTA_EV_FIELDS(id, name, fields, doc) fields,
        WTA_EVENT_LIST(WTA_EV_FIELDS)
#undef WTA_EV_FIELDS
    };
    for (int e = 0; e < WTA_EV_COUNT; e++) {
        struct ev_spec *s = &specs[e];
        s->name = names[e];
        const char *p = fields[e];
        while (*p != '\0' && s->nfields < 6) {
            int n = 0;
            while (*p == ' ')
                p++;
            while (*p != ':' && *p != '\0' && n < 23)
                s->fname[s->nfields][n++] = *p++;
            if (*p != ':')
                wta_panic("event spec: field without type");
            if (p[1] == 's')
                s->strings |= 1u << s->nfields;
            s->ftype[s->nfields++] = p[1];
            p += 2;
        }
        s->head_len = (uint8_t)snprintf(s->head, sizeof s->head, ",\"ev\":\"%s\"", s->name);
        for (int i = 0; i < s->nfields; i++) {
            size_t n = strlen(s->fname[i]);   // ,"name":
            memcpy(s->key[i], ",\"", 2);
            memcpy(s->key[i] + 2, s->fname[i], n);
            memcpy(s->key[i] + 2 + n, "\":", 2);
            s->key_len[i] = (uint8_t)(n + 4);
        }
    }
}

/* ---------------------------------------------------------------- formatting */

static char *put_str(char *o, const char *s)
{
    while (*s != '\0')
        *o++ = *s++;
    return o;
}

/*
 * Copies n <= 48 bytes by always moving a fixed 48: two or three vector
 * stores instead of a call to memcpy. The output buffer has slack at its
 * end (MAX_LINE), and the bytes past n are overwritten by what follows.
 */
#define PUT_MEM_MAX 48
static char *put_mem(char *o, const char *s, size_t n)
{
    memcpy(o, s, PUT_MEM_MAX);
    return o + n;
}

static const char digit_pairs[201] =
    "00010203040506070809101112131415161718192021222324252627282930313233343536373839"
    "40414243444546474849505152535455565758596061626364656667686970717273747576777879"
    "8081828384858687888990919293949596979899";

static unsigned digits32(uint32_t v)
{
    return v < 10 ? 1 : v < 100 ? 2 : v < 1000 ? 3 : v < 10000 ? 4 : v < 100000 ? 5
         : v < 1000000 ? 6 : v < 10000000 ? 7 : v < 100000000 ? 8 : v < 1000000000 ? 9 : 10;
}

/* Writes the n low digits of v backwards from end, two at a time (32-bit math is cheaper). */
static void put_digits32(char *end, uint32_t v, unsigned n)
{
    while (n >= 2) {
        unsigned d = (v % 100) * 2;
        v /= 100;
        *--end = digit_pairs[d + 1];
        *--end = digit_pairs[d];
        n -= 2;
    }
    if (n == 1)
        *--end = (char)('0' + v % 10);
}

/* Decimal digits: the writer's inner loop (every event has at least t and seq). */
static char *put_u64(char *o, uint64_t v)
{
    if (v > UINT32_MAX) {   // t after 4.3 s: the top part, then exactly 8 more digits
        o = put_u64(o, v / 100000000);
        put_digits32(o + 8, (uint32_t)(v % 100000000), 8);
        return o + 8;
    }
    unsigned n = digits32((uint32_t)v);
    put_digits32(o + n, (uint32_t)v, n);
    return o + n;
}

static char *put_i64(char *o, int64_t v)
{
    if (v < 0) {
        *o++ = '-';
        return put_u64(o, (uint64_t)0 - (uint64_t)v);
    }
    return put_u64(o, (uint64_t)v);
}

/* Writes s as a JSON string body (no quotes) into dst; always terminates. */
size_t wta_json_escape(char *dst, size_t cap, const char *s)
{
    size_t n = 0;
    for (; s != NULL && *s != '\0' && n + 7 < cap; s++) {
        unsigned char c = (unsigned char)*s;
        if (c == '"' || c == '\\') {
            dst[n++] = '\\';
            dst[n++] = (char)c;
        } else if (c < 0x20) {
            n += (size_t)snprintf(dst + n, cap - n, "\\u%04x", c);
        } else {
            dst[n++] = (char)c;
        }
    }
    if (cap > 0)
        dst[n < cap ? n : cap - 1] = '\0';
    return n;
}

/* Which fields of ev are strings (bit i: field i). After wta_format_init. */
unsigned wta_format_strings(enum wta_event ev)
{
    return specs[ev].strings;
}

/*
 * One event as one line. o has room for at least WTA_FORMAT_MAX_LINE
 * bytes; a string field is an offset + 1 into arena (0: empty).
 */
char *wta_format_rec(char *o, const char *th, size_t th_len, const struct wta_trace_rec *r,
                     uint64_t dropped, const char *arena)
{
    const struct ev_spec *s = &specs[r->ev];
    memcpy(o, "{\"t\":", 5);
    o += 5;
    o = put_u64(o, r->t);
    o = put_mem(o, th, th_len);          // ,"th":"w0","seq":
    o = put_u64(o, r->seq);
    o = put_mem(o, s->head, s->head_len);
    for (int i = 0; i < s->nfields; i++) {
        uint64_t v = r->a[i];
        if (r->ev == WTA_EV_TRACE_END)   // the writer knows the final count
            v = i == 0 ? dropped : dropped == 0;
        o = put_mem(o, s->key[i], s->key_len[i]);
        switch (s->ftype[i]) {
        case 'u': o = put_u64(o, v); break;
        case 'i': o = put_i64(o, (int64_t)v); break;
        case 'b': o = put_str(o, v ? "true" : "false"); break;
        case 's':
            *o++ = '"';
            o += wta_json_escape(o, 4096 + 8, v ? arena + v - 1 : "");
            *o++ = '"';
            break;
        default: wta_panic("event spec: unknown type");
        }
    }
    return put_str(o, "}\n");
}

/* Parses the event list's field specs once per process. Any thread. */
void wta_format_init(void)
{
    pthread_once(&specs_once, parse_specs);
}

/*
 * trace_format.c - one binary trace record to one line of JSON.
 *
 * This loop bounds how fast the writer keeps up, so it is built for speed
 * while staying byte for byte what a plain printf would write:
 *
 *  - Fixed fragments: the field names and types come from the one event
 *    list (wta_events.h), split once per process into, per event kind,
 *    the text between the values: ,"ev":"poll.end","task": before the
 *    first, ","next":" between a string and the next, "}\n after the last.
 *    A line is then the fragments copied with fixed-size moves and the
 *    values between them.
 *  - Integers in 8-digit blocks: a number below 10^8 becomes 8 ASCII
 *    digits in one 64-bit word by SWAR (splitting 4|4, 2|2|2|2, then
 *    1|1|..., each split one multiply for all lanes at once), shifted past
 *    its leading zeros and stored with one 8-byte store. Larger numbers
 *    (t after 0.1 s) are one 64-bit division into blocks, not a chain of
 *    divisions per digit pair.
 *  - Strings: plain bytes are copied after one table look-up each; only
 *    quote, backslash and control characters take the slow path. Strings
 *    are cut as wta_json_escape cuts them (at 4 KiB of output).
 *
 * Stores run past the end of what they mean to write (up to FRAG_BYTES):
 * every caller's buffer has WTA_FORMAT_MAX_LINE of room per line, and the
 * bytes past the line are overwritten by the next one or never written.
 * Used by the writer thread (trace_write.c) and by recovery.
 */
#include <pthread.h>
#include <stdio.h>
#include <string.h>

#include "internal.h"

#define FRAG_BYTES 64                 /* every fragment is copied as this many bytes */

/* Per event kind, its field types and the fixed text around its values. */
struct ev_spec {
    int nfields;
    char ftype[6];                    /* 'u', 'i', 'b' or 's' */
    unsigned strings;                 /* bit i: field i is a string */
    char frag[7][FRAG_BYTES];         /* frag[i] before value i; frag[nfields] ends the line */
    uint8_t frag_len[7];
};
static struct ev_spec specs[WTA_EV_COUNT];
static pthread_once_t specs_once = PTHREAD_ONCE_INIT;

/* Appends text to fragment i of s; panics if the event list outgrows FRAG_BYTES. */
static void frag_add(struct ev_spec *s, int i, const char *text)
{
    size_t n = strlen(text);
    if (s->frag_len[i] + n >= FRAG_BYTES)
        wta_panic("event spec: name too long for a fragment");
    memcpy(s->frag[i] + s->frag_len[i], text, n);
    s->frag_len[i] = (uint8_t)(s->frag_len[i] + n);
}

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
        frag_add(s, 0, ",\"ev\":\"");
        frag_add(s, 0, names[e]);
        frag_add(s, 0, "\"");
        const char *p = fields[e];
        while (*p != '\0' && s->nfields < 6) {
            char fname[24] = "";
            int n = 0;
            while (*p == ' ')
                p++;
            while (*p != ':' && *p != '\0' && n < 23)
                fname[n++] = *p++;
            if (*p != ':')
                wta_panic("event spec: field without type");
            int i = s->nfields++;
            s->ftype[i] = p[1];
            p += 2;
            if (i > 0 && s->ftype[i - 1] == 's')
                frag_add(s, i, "\"");         // closes the string before
            frag_add(s, i, ",\"");
            frag_add(s, i, fname);
            frag_add(s, i, "\":");
            if (s->ftype[i] == 's') {
                s->strings |= 1u << i;
                frag_add(s, i, "\"");         // opens this one
            }
        }
        if (s->nfields > 0 && s->ftype[s->nfields - 1] == 's')
            frag_add(s, s->nfields, "\"");
        frag_add(s, s->nfields, "}\n");
    }
}

/* ---------------------------------------------------------------- formatting */

/* Copies n <= FRAG_BYTES bytes by always moving FRAG_BYTES: a few vector stores, no call. */
static char *put_frag(char *o, const char *s, size_t n)
{
    memcpy(o, s, FRAG_BYTES);
    return o + n;
}

/*
 * v < 10^8 as 8 ASCII digits with leading zeros, the first digit in the
 * lowest byte. Each step splits every lane in two with one multiply: a
 * lane x < 10^4 gives x / 100 = (x * 5243) >> 19, x < 100 gives x / 10 =
 * (x * 103) >> 10; no lane's product reaches the next lane.
 */
static uint64_t digits8(uint32_t v)
{
    uint64_t x = v / 10000;                                  // the high 4 digits first
    x |= (uint64_t)(v % 10000) << 32;
    uint64_t hi = ((x * 5243) >> 19) & 0x0000007F0000007Full;
    x = hi | ((x - hi * 100) << 16);                         // four lanes of 2 digits
    hi = ((x * 103) >> 10) & 0x000F000F000F000Full;
    x = hi | ((x - hi * 10) << 8);                           // eight lanes of 1 digit
    return x | 0x3030303030303030ull;
}

/* Stores the 8 bytes of x, lowest first, with one 8-byte store. */
static void store8(char *o, uint64_t x)
{
#if __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
    x = __builtin_bswap64(x);
#endif
    memcpy(o, &x, 8);
}

static const char digit_pairs[201] =
    "00010203040506070809101112131415161718192021222324252627282930313233343536373839"
    "40414243444546474849505152535455565758596061626364656667686970717273747576777879"
    "8081828384858687888990919293949596979899";

/*
 * v < 10^8 without leading zeros. Most values are small (ids, counts,
 * lengths), so up to 4 digits take one or two table look-ups instead.
 */
static char *put_u27(char *o, uint32_t v)
{
    if (v < 10) {
        *o = (char)('0' + v);
        return o + 1;
    }
    if (v < 100) {
        memcpy(o, digit_pairs + 2 * v, 2);
        return o + 2;
    }
    if (v < 10000) {
        unsigned hi = v / 100, lo = v - hi * 100;
        if (hi < 10) {
            *o++ = (char)('0' + hi);
        } else {
            memcpy(o, digit_pairs + 2 * hi, 2);
            o += 2;
        }
        memcpy(o, digit_pairs + 2 * lo, 2);
        return o + 2;
    }
    unsigned n = 5u + (v >= 100000) + (v >= 1000000) + (v >= 10000000);
    store8(o, digits8(v) >> (8 * (8 - n)));
    return o + n;
}

/* Decimal digits: every event has at least t and seq. */
static char *put_u64(char *o, uint64_t v)
{
    if (v < 100000000)
        return put_u27(o, (uint32_t)v);
    uint64_t low = v % 100000000;
    v /= 100000000;
    if (v < 100000000) {
        o = put_u27(o, (uint32_t)v);
    } else {   // 17 to 20 digits
        o = put_u27(o, (uint32_t)(v / 100000000));
        store8(o, digits8((uint32_t)(v % 100000000)));
        o += 8;
    }
    store8(o, digits8((uint32_t)low));
    return o + 8;
}

static char *put_i64(char *o, int64_t v)
{
    if (v < 0) {
        *o++ = '-';
        return put_u64(o, (uint64_t)0 - (uint64_t)v);
    }
    return put_u64(o, (uint64_t)v);
}

/* 1 for the bytes a JSON string cannot hold as they are (and the terminator). */
static const unsigned char json_special[256] = {
    1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,
    1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,
    ['"'] = 1, ['\\'] = 1,
};

/*
 * s as a JSON string body, the same bytes as wta_json_escape(o, 4104, s):
 * a character is written only while at most 4096 bytes are.
 */
static char *put_json(char *o, const char *s)
{
    static const char hex[] = "0123456789abcdef";
    char *end = o + 4096;
    for (; o <= end; s++) {
        unsigned char c = (unsigned char)*s;
        if (!json_special[c]) {
            *o++ = (char)c;
        } else if (c == '\0') {
            break;
        } else if (c == '"' || c == '\\') {
            *o++ = '\\';
            *o++ = (char)c;
        } else {
            memcpy(o, "\\u00", 4);
            o[4] = hex[c >> 4];
            o[5] = hex[c & 15];
            o += 6;
        }
    }
    return o;
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
    uint64_t end_fields[2] = {dropped, dropped == 0};
    const uint64_t *a = r->ev == WTA_EV_TRACE_END ? end_fields : r->a;   // the writer knows the final count
    memcpy(o, "{\"t\":", 5);
    o = put_u64(o + 5, r->t);
    o = put_frag(o, th, th_len);          // ,"th":"w0","seq":
    o = put_u64(o, r->seq);
    for (int i = 0; i < s->nfields; i++) {
        o = put_frag(o, s->frag[i], s->frag_len[i]);
        uint64_t v = a[i];
        switch (s->ftype[i]) {
        case 'u': o = put_u64(o, v); break;
        case 'i': o = put_i64(o, (int64_t)v); break;
        case 'b':
            memcpy(o, v ? "true\0\0\0" : "false\0\0", 8);
            o += v ? 4 : 5;
            break;
        case 's': o = put_json(o, v ? arena + v - 1 : ""); break;
        default: wta_panic("event spec: unknown type");
        }
    }
    return put_frag(o, s->frag[s->nfields], s->frag_len[s->nfields]);
}

/* Parses the event list's field specs once per process. Any thread. */
void wta_format_init(void)
{
    pthread_once(&specs_once, parse_specs);
}

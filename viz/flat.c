/*
 * flat.c - a scanner for the one-level JSON objects the recorder writes.
 *
 * Every event line is a flat object of integers, strings and booleans:
 *     {"t":1234,"th":"w0","seq":17,"ev":"poll.begin","task":3,"poll":2}
 * cJSON reads such a line into a tree of malloc'd nodes and each number
 * through strtod; scanning it in place, allocating nothing, costs several
 * times less, and reading lines is most of a big trace's load time.
 *
 * The scanner accepts a strict subset of what cJSON accepts, and reads each
 * value exactly as cJSON does:
 *   - strings: raw bytes >= 0x20 as they are; the escapes \" \\ \/ \b \f \n
 *     \r \t, and \uXXXX (a surrogate pair is one code point) as UTF-8;
 *   - numbers: integers, -?[0-9]+, of at most 18 digits and within +-2^53,
 *     where strtod's double is exact, so the integer is the same;
 *   - true, false, null; whitespace between tokens: space, tab, CR.
 * Anything else - a nested object or array, a fraction or an exponent, a raw
 * control byte or a bad escape in a string, a key with an escape, more than
 * WTA_FLAT_MAX members, a syntax error - and it gives up: the caller then
 * reads the line with cJSON, so what a bad line is told is always cJSON's
 * path's. Members are kept in order, duplicates too (the caller takes the
 * first, as cJSON_GetObjectItemCaseSensitive does).
 */
#include <string.h>

#include "viz_int.h"

static const char *skip_space(const char *p, const char *end)
{
    while (p < end && (unsigned char)*p <= ' ' && (*p == ' ' || *p == '\t' || *p == '\r'))
        p++;
    return p;
}

/* Four hex digits at p into *out; -1 if one is not a hex digit (cJSON would
 * read it as 0: the scanner leaves that oddity to cJSON). */
static int hex4(const char *p, unsigned *out)
{
    unsigned h = 0;
    for (int i = 0; i < 4; i++) {
        char c = p[i];
        h <<= 4;
        if (c >= '0' && c <= '9')
            h |= (unsigned)(c - '0');
        else if (c >= 'a' && c <= 'f')
            h |= (unsigned)(c - 'a' + 10);
        else if (c >= 'A' && c <= 'F')
            h |= (unsigned)(c - 'A' + 10);
        else
            return -1;
    }
    *out = h;
    return 0;
}

/* The escape at p (p[0] is '\\', p < end): its code point into *cp and its
 * length (2, 6, or 12 for a surrogate pair), or 0 if the scanner does not
 * take it. A low surrogate alone, or a high one not followed by a low one,
 * is an error to cJSON too. */
static int escape(const char *p, const char *end, unsigned *cp)
{
    static const char from[] = "bfnrt\"\\/", to[] = "\b\f\n\r\t\"\\/";
    unsigned hi, lo;
    if (end - p < 2)
        return 0;
    if (p[1] != 'u') {
        const char *c = p[1] ? strchr(from, p[1]) : NULL;
        if (c == NULL)
            return 0;
        *cp = (unsigned char)to[c - from];
        return 2;
    }
    if (end - p < 6 || hex4(p + 2, &hi) < 0 || (hi >= 0xdc00 && hi <= 0xdfff))
        return 0;
    if (hi < 0xd800 || hi > 0xdbff) {
        *cp = hi;
        return 6;
    }
    if (end - p < 12 || p[6] != '\\' || p[7] != 'u' || hex4(p + 8, &lo) < 0 ||
        lo < 0xdc00 || lo > 0xdfff)
        return 0;
    *cp = 0x10000 + (((hi & 0x3ff) << 10) | (lo & 0x3ff));
    return 12;
}

/* The string starting at p (at its '"'): just past its closing quote, or
 * NULL. *escaped: it holds a backslash. */
static const char *scan_string(const char *p, const char *end, int *escaped)
{
    unsigned cp;
    *escaped = 0;
    if (p == end || *p != '"')
        return NULL;
    for (p++; p < end; p++) {
        while (p < end && (unsigned char)*p > '\\')    /* most bytes: plain */
            p++;
        if (p == end)
            break;
        if (*p == '"')
            return p + 1;
        if ((unsigned char)*p < 0x20)
            return NULL;
        if (*p == '\\') {
            int n = escape(p, end, &cp);
            if (n == 0)
                return NULL;
            *escaped = 1;
            p += n - 1;
        }
    }
    return NULL;
}

/* The value at p into m: just past it, or NULL. */
static const char *scan_value(const char *p, const char *end, struct wta_flat_member *m)
{
    if (p < end && *p == '"') {
        const char *q = scan_string(p, end, &m->escaped);
        m->type = 's';
        m->s = p + 1;
        m->len = q ? (size_t)(q - p - 2) : 0;
        return q;
    }
    static const struct { const char *word; size_t len; char type; int64_t n; } words[] = {
        {"true", 4, 'b', 1}, {"false", 5, 'b', 0}, {"null", 4, '0', 0},
    };
    for (size_t k = 0; p < end && *p >= 'a' && k < sizeof words / sizeof words[0]; k++)
        if ((size_t)(end - p) >= words[k].len && memcmp(p, words[k].word, words[k].len) == 0) {
            m->type = words[k].type;
            m->n = words[k].n;
            return p + words[k].len;
        }
    /* An integer. What may follow it (',', '}', space) is the caller's check,
     * so "1.5" or "1e3" stops at '.' or 'e' and the line is given up. */
    int neg = p < end && *p == '-';
    const char *d = p + neg, *stop = end - d > 18 ? d + 18 : end;
    uint64_t v = 0;
    for (p = d; p < stop && *p >= '0' && *p <= '9'; p++)
        v = v * 10 + (uint64_t)(*p - '0');
    if (p == d || (p < end && *p >= '0' && *p <= '9') || v > (uint64_t)WTA_MAX_INT)
        return NULL;
    m->type = 'n';
    m->n = neg ? -(int64_t)v : (int64_t)v;
    return p;
}

int wta_flat_scan(const char *s, size_t len, struct wta_flat_member mem[WTA_FLAT_MAX])
{
    const char *p = skip_space(s, s + len), *end = s + len;
    int n = 0;
    if (p == end || *p != '{')
        return -1;
    p = skip_space(p + 1, end);
    if (p < end && *p == '}')
        return skip_space(p + 1, end) == end ? 0 : -1;
    for (;;) {
        if (n == WTA_FLAT_MAX)
            return -1;
        struct wta_flat_member *m = &mem[n++];
        const char *q = scan_string(p, end, &m->escaped);
        if (q == NULL || m->escaped)
            return -1;
        m->key = p + 1;
        m->key_len = (size_t)(q - p - 2);
        p = skip_space(q, end);
        if (p == end || *p != ':')
            return -1;
        p = skip_space(p + 1, end);
        if ((p = scan_value(p, end, m)) == NULL)
            return -1;
        p = skip_space(p, end);
        if (p < end && *p == '}')
            return skip_space(p + 1, end) == end ? n : -1;
        if (p == end || *p != ',')
            return -1;
        p = skip_space(p + 1, end);
    }
}

/* Code point cp as UTF-8 at out, as cJSON writes it; the byte count. */
static size_t put_utf8(unsigned cp, char *out)
{
    if (cp < 0x80) {
        out[0] = (char)cp;
        return 1;
    }
    size_t n = cp < 0x800 ? 2 : cp < 0x10000 ? 3 : 4;
    static const unsigned char mark[] = {0, 0, 0xc0, 0xe0, 0xf0};
    for (size_t i = n - 1; i > 0; i--) {
        out[i] = (char)(0x80 | (cp & 0x3f));
        cp >>= 6;
    }
    out[0] = (char)(mark[n] | cp);
    return n;
}

size_t wta_flat_string(const struct wta_flat_member *m, char *out)
{
    const char *p = m->s, *end = m->s + m->len;
    size_t n = 0;
    unsigned cp;
    while (p < end) {
        if (*p != '\\') {
            out[n++] = *p++;
            continue;
        }
        p += escape(p, end, &cp);       /* not 0: the scan checked it */
        n += put_utf8(cp, out + n);
    }
    const char *nul = memchr(out, '\0', n);     /* "\u0000" ends a C string */
    return nul ? (size_t)(nul - out) : n;
}

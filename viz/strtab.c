/*
 * strtab.c - interned strings and a 64-bit id map, the model's two tables.
 *
 * A trace repeats the same few strings (thread names, outcomes, task names)
 * a million times, so each event keeps a string as a small id: the index of
 * its one copy here. Bytes live in one growing pool, each string followed by
 * its NUL; a hash table of ids (open addressing, linear probing, kept at most
 * half full) finds an existing copy. The pool is capped at WTA_MAX_STR_BYTES
 * so a trace of a million distinct megabyte names cannot exhaust memory.
 *
 * wta_idmap maps 64-bit keys (task ids, timer ids, fds) to 32-bit values the
 * same way. Deletion uses backward-shift so no tombstones pile up.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "viz_int.h"

struct wta_strtab {
    char *pool;
    size_t len, cap;            /* bytes used / allocated in pool */
    uint32_t *off;              /* id -> offset into pool */
    size_t n, off_cap;
    int64_t *slots;             /* hash -> id, -1 empty */
    size_t nslots;              /* power of two, > 2n */
};

static uint64_t hash_bytes(const char *s, size_t len)
{
    uint64_t h = 1469598103934665603ull;        /* FNV-1a */
    for (size_t i = 0; i < len; i++)
        h = (h ^ (unsigned char)s[i]) * 1099511628211ull;
    return h;
}

static uint64_t hash_u64(uint64_t x)
{
    x ^= x >> 33;
    x *= 0xff51afd7ed558ccdull;
    x ^= x >> 33;
    return x;
}

/* A new empty table, or NULL. */
struct wta_strtab *wta_strtab_new(void)
{
    struct wta_strtab *st = calloc(1, sizeof *st);
    if (st == NULL)
        return NULL;
    st->nslots = 64;
    st->slots = malloc(st->nslots * sizeof st->slots[0]);
    if (st->slots == NULL) {
        free(st);
        return NULL;
    }
    memset(st->slots, 0xff, st->nslots * sizeof st->slots[0]);
    return st;
}

void wta_strtab_free(struct wta_strtab *st)
{
    if (st == NULL)
        return;
    free(st->pool);
    free(st->off);
    free(st->slots);
    free(st);
}

static int grow_slots(struct wta_strtab *st)
{
    size_t n = st->nslots * 2;
    int64_t *slots = malloc(n * sizeof slots[0]);
    if (slots == NULL)
        return -ENOMEM;
    memset(slots, 0xff, n * sizeof slots[0]);
    for (size_t id = 0; id < st->n; id++) {
        const char *s = st->pool + st->off[id];
        size_t h = hash_bytes(s, strlen(s)) & (n - 1);
        while (slots[h] >= 0)
            h = (h + 1) & (n - 1);
        slots[h] = (int64_t)id;
    }
    free(st->slots);
    st->slots = slots;
    st->nslots = n;
    return 0;
}

/* Strings with a NUL inside are cut at it: ids name C strings. */
int64_t wta_strtab_intern(struct wta_strtab *st, const char *s, size_t len)
{
    const char *nul = memchr(s, '\0', len);
    if (nul != NULL)
        len = (size_t)(nul - s);
    size_t h = hash_bytes(s, len) & (st->nslots - 1);
    for (; st->slots[h] >= 0; h = (h + 1) & (st->nslots - 1)) {
        const char *t = st->pool + st->off[st->slots[h]];
        if (strncmp(t, s, len) == 0 && t[len] == '\0')
            return st->slots[h];
    }
    if (st->len + len + 1 > WTA_MAX_STR_BYTES)
        return -E2BIG;
    if (st->len + len + 1 > st->cap) {
        size_t cap = st->cap ? st->cap : 4096;
        while (cap < st->len + len + 1)
            cap *= 2;
        char *pool = realloc(st->pool, cap);
        if (pool == NULL)
            return -ENOMEM;
        st->pool = pool;
        st->cap = cap;
    }
    if (st->n == st->off_cap) {
        size_t cap = st->off_cap ? st->off_cap * 2 : 64;
        uint32_t *off = realloc(st->off, cap * sizeof off[0]);
        if (off == NULL)
            return -ENOMEM;
        st->off = off;
        st->off_cap = cap;
    }
    memcpy(st->pool + st->len, s, len);
    st->pool[st->len + len] = '\0';
    st->off[st->n] = (uint32_t)st->len;
    st->len += len + 1;
    st->slots[h] = (int64_t)st->n;
    int64_t id = (int64_t)st->n++;
    if (st->n * 2 >= st->nslots && grow_slots(st) < 0)
        return -ENOMEM;
    return id;
}

/* The string with this id; "" for an id that is not one. */
const char *wta_strtab_get(const struct wta_strtab *st, int64_t id)
{
    if (st == NULL || id < 0 || (uint64_t)id >= st->n)
        return "";
    return st->pool + st->off[id];
}

size_t wta_strtab_bytes(const struct wta_strtab *st)
{
    return st->cap + st->off_cap * sizeof st->off[0] + st->nslots * sizeof st->slots[0];
}

/* ---------------------------------------------------------------- idmap */
void wta_idmap_init(struct wta_idmap *m)
{
    memset(m, 0, sizeof *m);
}

void wta_idmap_destroy(struct wta_idmap *m)
{
    free(m->keys);
    free(m->vals);
    wta_idmap_init(m);
}

void wta_idmap_clear(struct wta_idmap *m)
{
    if (m->cap)
        memset(m->vals, 0xff, m->cap * sizeof m->vals[0]);
    m->n = 0;
}

static int idmap_grow(struct wta_idmap *m)
{
    size_t cap = m->cap ? m->cap * 2 : 16;
    uint64_t *keys = malloc(cap * sizeof keys[0]);
    uint32_t *vals = malloc(cap * sizeof vals[0]);
    if (keys == NULL || vals == NULL) {
        free(keys);
        free(vals);
        return -ENOMEM;
    }
    memset(vals, 0xff, cap * sizeof vals[0]);
    for (size_t i = 0; i < m->cap; i++) {
        if (m->vals[i] == UINT32_MAX)
            continue;
        size_t h = hash_u64(m->keys[i]) & (cap - 1);
        while (vals[h] != UINT32_MAX)
            h = (h + 1) & (cap - 1);
        keys[h] = m->keys[i];
        vals[h] = m->vals[i];
    }
    free(m->keys);
    free(m->vals);
    m->keys = keys;
    m->vals = vals;
    m->cap = cap;
    return 0;
}

/* Insert or overwrite key; val must not be UINT32_MAX. */
int wta_idmap_put(struct wta_idmap *m, uint64_t key, uint32_t val)
{
    if ((m->n + 1) * 2 > m->cap && idmap_grow(m) < 0)
        return -ENOMEM;
    size_t h = hash_u64(key) & (m->cap - 1);
    while (m->vals[h] != UINT32_MAX && m->keys[h] != key)
        h = (h + 1) & (m->cap - 1);
    if (m->vals[h] == UINT32_MAX)
        m->n++;
    m->keys[h] = key;
    m->vals[h] = val;
    return 0;
}

uint32_t wta_idmap_get(const struct wta_idmap *m, uint64_t key)
{
    if (m->cap == 0)
        return UINT32_MAX;
    size_t h = hash_u64(key) & (m->cap - 1);
    for (; m->vals[h] != UINT32_MAX; h = (h + 1) & (m->cap - 1))
        if (m->keys[h] == key)
            return m->vals[h];
    return UINT32_MAX;
}

/* Remove key if present, shifting later entries of its run back. */
void wta_idmap_del(struct wta_idmap *m, uint64_t key)
{
    if (m->cap == 0)
        return;
    size_t mask = m->cap - 1, h = hash_u64(key) & mask;
    while (m->vals[h] != UINT32_MAX && m->keys[h] != key)
        h = (h + 1) & mask;
    if (m->vals[h] == UINT32_MAX)
        return;
    m->vals[h] = UINT32_MAX;
    m->n--;
    for (size_t j = (h + 1) & mask; m->vals[j] != UINT32_MAX; j = (j + 1) & mask) {
        size_t home = hash_u64(m->keys[j]) & mask;
        /* Move j back to the hole if its home is not in (h, j]. */
        if ((j > h && (home <= h || home > j)) || (j < h && (home <= h && home > j))) {
            m->keys[h] = m->keys[j];
            m->vals[h] = m->vals[j];
            m->vals[j] = UINT32_MAX;
            h = j;
        }
    }
}

/*
 * ring.c - a worker's own run queue: a fixed ring of task pointers that
 * its owner fills and empties without a lock, and that idle workers steal
 * from (tokio 1.x's local queue, with one head instead of two).
 *
 * Two counters that only grow (64 bits: they never wrap); task i sits in
 * slot buf[i % WTA_RING_CAP]:
 *
 *   tail  one past the newest task. Only the owner writes it: it fills
 *         slot tail, then publishes it with a release store of tail + 1.
 *         Whoever reads tail (acquire) sees every slot below it filled.
 *   head  the oldest task still queued. Anyone who takes tasks moves it,
 *         with one compare-and-swap from h to h + n: the owner taking one
 *         (pop), a thief taking the older half (steal), the owner moving
 *         the older half out when the ring is full (take_half, for the
 *         global queue). The CAS that wins is what makes tasks h..h+n-1
 *         the taker's; a loser tries again or gives up.
 *
 * Who touches which slot, and why that is safe:
 *   - The owner writes slot tail only while tail - head < WTA_RING_CAP:
 *     the task that slot held before lies below head, so it is gone.
 *   - A taker reads slots h..h+n-1 *before* its CAS: until then it cannot
 *     know they are its own. Meanwhile another taker may win, and the
 *     owner may refill those slots. So slots are atomics (relaxed): a
 *     taker may read a newer task, but then head is no longer h, its CAS
 *     fails, and it forgets what it read. (The owner's refill of a slot
 *     follows, through its acquire read of head, the release CAS that
 *     freed it, so a winner's reads never see it.) tokio claims first and
 *     copies after, which needs a second head packed into one word with
 *     the first; reading first, as here, needs one head.
 *   - Tasks moved by a steal land in the thief's own ring above its tail,
 *     invisible until the thief publishes its new tail.
 * wta_ring_len() from another thread is a hint (two loads); the owner's
 * is exact but for thieves, who only make it shorter.
 *
 * Every push and pop is traced, as the locked queue's are (runq.c): the
 * push before tail is published, a take after its CAS, so a task's push
 * sorts before its pop. The lengths come from the counters the operation
 * read anyway: tracing adds no switch point of the deterministic mode.
 */
#include <stdio.h>

#include "executor.h"

#define SLOT(r, i) (&(r)->buf[(i) % WTA_RING_CAP])

void wta_ring_init(struct wta_ring *r, const char *name)
{
    atomic_init(&r->head, 0);
    atomic_init(&r->tail, 0);
    for (int i = 0; i < WTA_RING_CAP; i++)
        atomic_init(&r->buf[i], NULL);
    snprintf(r->name, sizeof r->name, "%s", name);
}

/* Tasks queued: exact for the owner (or shorter, by a steal); a hint for others. */
uint64_t wta_ring_len(struct wta_ring *r)
{
    uint64_t h = wta_atomic_load(&r->head);   // head first: then tail >= h
    return wta_atomic_load(&r->tail) - h;
}

/* Owner only. Appends t; false if the ring is full (the caller makes room: take_half). */
bool wta_ring_push(struct wta_runtime *rt, struct wta_ring *r, struct wta_task *t)
{
    uint64_t tail = wta_atomic_load_explicit(&r->tail, memory_order_relaxed);
    uint64_t head = wta_atomic_load_explicit(&r->head, memory_order_acquire);
    if (tail - head >= WTA_RING_CAP)
        return false;
    wta_task_set_queued(t, true);
    wta_atomic_store_explicit(SLOT(r, tail), t, memory_order_relaxed);
    WTA_TRACE(rt, QUEUE_PUSH, wta_task_id(t), WTA_S(r->name), tail + 1 - head);
    wta_atomic_store_explicit(&r->tail, tail + 1, memory_order_release);   // publish
    return true;
}

/* Moves head from *h to h + n: true if it was still *h (the tasks are ours), else *h = now. */
static bool claim(struct wta_ring *r, uint64_t *h, uint64_t n)
{
    return wta_atomic_compare_exchange_strong_explicit(&r->head, h, *h + n, memory_order_acq_rel,
                                                       memory_order_acquire);
}

/* Owner only. Takes the oldest task, or NULL if the ring is empty. */
struct wta_task *wta_ring_pop(struct wta_runtime *rt, struct wta_ring *r)
{
    uint64_t tail = wta_atomic_load_explicit(&r->tail, memory_order_relaxed);
    uint64_t head = wta_atomic_load_explicit(&r->head, memory_order_acquire);
    while (head != tail) {
        struct wta_task *t = wta_atomic_load_explicit(SLOT(r, head), memory_order_relaxed);
        if (claim(r, &head, 1)) {
            wta_task_set_queued(t, false);
            WTA_TRACE_AFTER(rt, wta_task_last_wake_t(t), QUEUE_POP, wta_task_id(t),
                            WTA_S(r->name), tail - head - 1);
            return t;
        }
        // a thief took it (head moved on): try the new oldest
    }
    return NULL;
}

/*
 * Owner only, when push found the ring full: takes its older half out into
 * out[WTA_RING_CAP / 2], oldest first, for the global queue. Returns how
 * many; 0 if a thief took some meanwhile (then there is room: push again).
 */
size_t wta_ring_take_half(struct wta_runtime *rt, struct wta_ring *r, struct wta_task **out)
{
    uint64_t tail = wta_atomic_load_explicit(&r->tail, memory_order_relaxed);
    uint64_t head = wta_atomic_load_explicit(&r->head, memory_order_acquire);
    const uint64_t n = WTA_RING_CAP / 2;
    if (tail - head < WTA_RING_CAP)
        return 0;
    for (uint64_t i = 0; i < n; i++)
        out[i] = wta_atomic_load_explicit(SLOT(r, head + i), memory_order_relaxed);
    if (!claim(r, &head, n))
        return 0;
    for (uint64_t i = 0; i < n; i++) {
        wta_task_set_queued(out[i], false);
        WTA_TRACE(rt, QUEUE_POP, wta_task_id(out[i]), WTA_S(r->name), tail - head - i - 1);
    }
    return (size_t)n;
}

/*
 * dst's owner only: takes the older half of src (another worker's ring):
 * the oldest to run, returned; the rest to the back of dst, as far as dst
 * has room. NULL if src looked empty.
 */
struct wta_task *wta_ring_steal(struct wta_runtime *rt, struct wta_ring *dst, struct wta_ring *src)
{
    struct wta_task *got[WTA_RING_CAP / 2];   // what we copied, for the trace
    uint64_t head = wta_atomic_load_explicit(&src->head, memory_order_acquire);
    uint64_t len = wta_atomic_load_explicit(&src->tail, memory_order_acquire) - head;
    if (len == 0)
        return NULL;   // the common case for an idle worker: two loads
    uint64_t dtail = wta_atomic_load_explicit(&dst->tail, memory_order_relaxed);
    uint64_t room = WTA_RING_CAP - (dtail - wta_atomic_load_explicit(&dst->head,
                                                                     memory_order_acquire));
    uint64_t n;
    for (;; len = wta_atomic_load_explicit(&src->tail, memory_order_acquire) - head) {
        if (len == 0)
            return NULL;
        if (len > WTA_RING_CAP) {   // head was read long before tail: read head again
            head = wta_atomic_load_explicit(&src->head, memory_order_acquire);
            continue;
        }
        n = (len + 1) / 2;   // the older half, at least one
        if (n - 1 > room)
            n = room + 1;
        for (uint64_t i = 0; i < n; i++) {
            got[i] = wta_atomic_load_explicit(SLOT(src, head + i), memory_order_relaxed);
            if (i > 0)   // the first we run; the rest go above our tail, unpublished
                wta_atomic_store_explicit(SLOT(dst, dtail + i - 1), got[i], memory_order_relaxed);
        }
        if (claim(src, &head, n))
            break;
        // another taker won: head is its new value; what we copied is stale
    }
    wta_task_set_queued(got[0], false);
    WTA_TRACE_AFTER(rt, wta_task_last_wake_t(got[0]), QUEUE_POP, wta_task_id(got[0]),
                    WTA_S(src->name), len - 1);
    for (uint64_t i = 1; i < n; i++) {
        WTA_TRACE(rt, QUEUE_POP, wta_task_id(got[i]), WTA_S(src->name), len - i - 1);
        WTA_TRACE(rt, QUEUE_PUSH, wta_task_id(got[i]), WTA_S(dst->name), WTA_RING_CAP - room + i);
    }
    if (n > 1)
        wta_atomic_store_explicit(&dst->tail, dtail + n - 1, memory_order_release);   // publish
    return got[0];
}

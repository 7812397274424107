/*
 * test_ring.c - a worker's own queue, the lock-free ring (runtime/ring.c):
 * its order, its overflow, its steal, and an owner and two thieves
 * hammering it at once (run it under TSan: `make SAN=thread test`).
 *
 * The items are real tasks (wta_task_new, never pushed to a run queue of
 * the runtime), so a task pushed twice or popped when not queued panics.
 */
#include <CUnit/CUnit.h>
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdlib.h>

#include "executor.h"
#include "suites.h"
#include "test_util.h"

struct items {
    struct wta_runtime *rt;
    struct wta_task **task;
    struct wta_future **handle;   /* their JoinHandles, dropped at the end */
    uint64_t first_id;
    int n;
};

/* n tasks, ids first_id .. first_id + n - 1, on a runtime whose workers never see them. */
static void items_new(struct items *it, int n)
{
    it->rt = test_runtime(1, 0, NULL);
    it->n = n;
    it->task = calloc((size_t)n, sizeof *it->task);
    it->handle = calloc((size_t)n, sizeof *it->handle);
    for (int i = 0; i < n; i++)
        it->task[i] = wta_task_new(it->rt, wta_ready(i), 0, "item", __FILE__, __LINE__,
                                   &it->handle[i]);
    it->first_id = wta_task_id(it->task[0]);
}

/* Which item t is. */
static int item_of(const struct items *it, struct wta_task *t)
{
    return (int)(wta_task_id(t) - it->first_id);
}

/* Shuts the runtime down (it drops the tasks: their handles see -ECANCELED). */
static void items_free(struct items *it)
{
    wta_runtime_free(it->rt);
    for (int i = 0; i < it->n; i++)
        wta_future_drop(it->handle[i]);
    free(it->task);
    free(it->handle);
}

/* Does the owner get its tasks back oldest first, and NULL when empty? */
static void ring_fifo(void)
{
    struct items it;
    items_new(&it, 300);
    struct wta_ring *r = malloc(sizeof *r);
    wta_ring_init(r, "local-t");
    CU_ASSERT_PTR_NULL(wta_ring_pop(it.rt, r));
    // Around the ring more than once, so slots are reused.
    int pushed = 0, popped = 0;
    for (int round = 0; round < 3; round++) {
        for (int i = 0; i < 100; i++)
            CU_ASSERT_TRUE(wta_ring_push(it.rt, r, it.task[pushed++]));
        CU_ASSERT_EQUAL(wta_ring_len(r), 100);
        for (int i = 0; i < 100; i++)
            CU_ASSERT_PTR_EQUAL(wta_ring_pop(it.rt, r), it.task[popped++]);
        CU_ASSERT_PTR_NULL(wta_ring_pop(it.rt, r));
    }
    free(r);
    items_free(&it);
}

/* When the ring is full, does take_half hand out the older half, in order, and make room? */
static void ring_overflow_half(void)
{
    struct items it;
    items_new(&it, WTA_RING_CAP + 1);
    struct wta_ring *r = malloc(sizeof *r);
    struct wta_task *out[WTA_RING_CAP / 2];
    wta_ring_init(r, "local-t");
    CU_ASSERT_EQUAL(wta_ring_take_half(it.rt, r, out), 0);   // not full: nothing to move
    for (int i = 0; i < WTA_RING_CAP; i++)
        CU_ASSERT_TRUE(wta_ring_push(it.rt, r, it.task[i]));
    CU_ASSERT_FALSE(wta_ring_push(it.rt, r, it.task[WTA_RING_CAP]));
    CU_ASSERT_EQUAL(wta_ring_take_half(it.rt, r, out), WTA_RING_CAP / 2);
    for (int i = 0; i < WTA_RING_CAP / 2; i++)
        CU_ASSERT_PTR_EQUAL(out[i], it.task[i]);
    CU_ASSERT_TRUE(wta_ring_push(it.rt, r, it.task[WTA_RING_CAP]));
    CU_ASSERT_EQUAL(wta_ring_len(r), WTA_RING_CAP / 2 + 1);
    for (int i = WTA_RING_CAP / 2; i <= WTA_RING_CAP; i++)
        CU_ASSERT_PTR_EQUAL(wta_ring_pop(it.rt, r), it.task[i]);
    CU_ASSERT_PTR_NULL(wta_ring_pop(it.rt, r));
    free(r);
    items_free(&it);
}

/* Does a thief take the older half: the oldest to run, the next ones into its ring, in order? */
static void ring_steal_half(void)
{
    struct items it;
    items_new(&it, 9);
    struct wta_ring *victim = malloc(sizeof *victim), *thief = malloc(sizeof *thief);
    wta_ring_init(victim, "local-v");
    wta_ring_init(thief, "local-t");
    CU_ASSERT_PTR_NULL(wta_ring_steal(it.rt, thief, victim));
    for (int i = 0; i < 9; i++)
        wta_ring_push(it.rt, victim, it.task[i]);
    CU_ASSERT_PTR_EQUAL(wta_ring_steal(it.rt, thief, victim), it.task[0]);   // 5 of 9
    CU_ASSERT_EQUAL(wta_ring_len(thief), 4);
    CU_ASSERT_EQUAL(wta_ring_len(victim), 4);
    for (int i = 1; i <= 4; i++)
        CU_ASSERT_PTR_EQUAL(wta_ring_pop(it.rt, thief), it.task[i]);
    for (int i = 5; i < 9; i++)
        CU_ASSERT_PTR_EQUAL(wta_ring_pop(it.rt, victim), it.task[i]);
    free(victim);
    free(thief);
    items_free(&it);
}

/* ---- the hammer: an owner pushing and popping, two thieves, overflow */

#define HAMMER_ITEMS 40000
#define THIEVES 2

struct hammer {
    struct items it;
    struct wta_ring *owner_ring;
    struct wta_ring *thief_ring[THIEVES];
    _Atomic int *seen;            /* per item: how many times it came out */
    _Atomic int total;            /* items that came out */
    _Atomic int overflowed;       /* of those, moved out by take_half */
    _Atomic int stolen;           /* steals that got something */
    _Atomic bool steal_on;        /* off for every other block of pushes: the ring fills */
};

static void came_out(struct hammer *h, struct wta_task *t)
{
    atomic_fetch_add(&h->seen[item_of(&h->it, t)], 1);
    atomic_fetch_add(&h->total, 1);
}

/*
 * The owner: pushes every item, pops one every third push, moves half out
 * when full. Thieves steal during every other block of 1,000 pushes; in
 * the blocks between, the ring grows by ~667 and must overflow (while a
 * thief may still be finishing a steal).
 */
static void *hammer_owner(void *arg)
{
    struct hammer *h = arg;
    struct wta_task *out[WTA_RING_CAP / 2];
    struct wta_task *t;
    for (int i = 0; i < h->it.n; i++) {
        if (i % 1000 == 0)
            atomic_store(&h->steal_on, i / 1000 % 2 == 0);
        while (!wta_ring_push(h->it.rt, h->owner_ring, h->it.task[i])) {
            size_t n = wta_ring_take_half(h->it.rt, h->owner_ring, out);
            for (size_t k = 0; k < n; k++)
                came_out(h, out[k]);   // as if pushed to the global queue
            atomic_fetch_add(&h->overflowed, (int)n);
        }
        if (i % 3 == 2 && (t = wta_ring_pop(h->it.rt, h->owner_ring)) != NULL)
            came_out(h, t);
        if (i % 16 == 0 && atomic_load(&h->steal_on))
            sched_yield();   // on two CPUs, let the thieves in now and then
    }
    atomic_store(&h->steal_on, true);
    while ((t = wta_ring_pop(h->it.rt, h->owner_ring)) != NULL)
        came_out(h, t);
    return NULL;
}

struct thief {
    struct hammer *h;
    int me;
};

/* A thief: runs its own ring dry, then steals from the owner or the other thief, until all came out. */
static void *hammer_thief(void *arg)
{
    struct thief *th = arg;
    struct hammer *h = th->h;
    struct wta_ring *mine = h->thief_ring[th->me];
    struct wta_ring *other = h->thief_ring[1 - th->me];
    while (atomic_load(&h->total) < h->it.n) {
        struct wta_task *t = wta_ring_pop(h->it.rt, mine);
        bool steal = atomic_load(&h->steal_on);
        if (t == NULL && steal)
            t = wta_ring_steal(h->it.rt, mine, h->owner_ring);
        if (t == NULL && steal)
            t = wta_ring_steal(h->it.rt, mine, other);
        if (t == NULL) {
            sched_yield();
            continue;
        }
        came_out(h, t);
        atomic_fetch_add(&h->stolen, 1);   // or popped from its own ring: taken by a thief
    }
    return NULL;
}

/*
 * The owner pushes 40,000 tasks (popping some, overflowing when full)
 * while two thieves steal from it and from each other: does every task
 * come out exactly once?
 */
static void ring_hammer(void)
{
    struct hammer h = {0};
    items_new(&h.it, HAMMER_ITEMS);
    h.seen = calloc(HAMMER_ITEMS, sizeof *h.seen);
    h.owner_ring = malloc(sizeof *h.owner_ring);
    wta_ring_init(h.owner_ring, "local-0");
    struct thief th[THIEVES];
    pthread_t tid[THIEVES + 1];
    for (int i = 0; i < THIEVES; i++) {
        h.thief_ring[i] = malloc(sizeof *h.thief_ring[i]);
        wta_ring_init(h.thief_ring[i], i == 0 ? "local-1" : "local-2");
        th[i] = (struct thief){&h, i};
    }
    for (int i = 0; i < THIEVES; i++)
        CU_ASSERT_EQUAL_FATAL(pthread_create(&tid[i], NULL, hammer_thief, &th[i]), 0);
    CU_ASSERT_EQUAL_FATAL(pthread_create(&tid[THIEVES], NULL, hammer_owner, &h), 0);
    for (int i = 0; i <= THIEVES; i++)
        pthread_join(tid[i], NULL);

    CU_ASSERT_EQUAL(atomic_load(&h.total), HAMMER_ITEMS);
    int wrong = 0;
    for (int i = 0; i < HAMMER_ITEMS; i++)
        wrong += atomic_load(&h.seen[i]) != 1;
    CU_ASSERT_EQUAL(wrong, 0);
    CU_ASSERT_TRUE(atomic_load(&h.overflowed) > 0);
    CU_ASSERT_EQUAL(wta_ring_len(h.owner_ring), 0);
    for (int i = 0; i < THIEVES; i++) {
        CU_ASSERT_EQUAL(wta_ring_len(h.thief_ring[i]), 0);
        free(h.thief_ring[i]);
    }
    free(h.owner_ring);
    free(h.seen);
    items_free(&h.it);
}

void suite_ring(void)
{
    CU_pSuite s = CU_add_suite("ring", NULL, NULL);
    CU_add_test(s, "ring_fifo", ring_fifo);
    CU_add_test(s, "ring_overflow_half", ring_overflow_half);
    CU_add_test(s, "ring_steal_half", ring_steal_half);
    CU_add_test(s, "ring_hammer", ring_hammer);
}

/*
 * races.c - three races of the original wta, with no hook holding a
 * window open: each happens only when the threads interleave just so.
 * Run one in deterministic mode and search for a seed that makes it
 * happen, then replay that seed in the viewer:
 *
 *     wta-trace explore --seeds 1..50 -- build/debug/demo/races w2 --bug
 *
 *   w1  main awaits tasks one by one; with W1 on, a task's join wake that
 *       arrives while main's poll is still running is erased: a hang.
 *   w2  a sender task and a receiver task share a channel of one; with W2
 *       on, a send that wakes the receiver while it is still inside its
 *       poll is lost, the channel fills up, and both wait forever; or, if
 *       no waker of the receiver is left, the original frees it and its
 *       JoinHandle says cancelled (which of the two: the interleaving).
 *   w3  main spawns tasks one by one into one worker; with W3 on, a spawn
 *       between the worker's look at the queue and its sleep is stranded.
 *
 * Without --bug the same program must finish on every seed. Exit status:
 * 0 finished, 1 block_on failed (a hang is -EDEADLK), 2 usage.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "wta.h"

/* ---- a task that yields once, then finishes with 1 */

struct yield_once {
    struct wta_future base;
    bool yielded;
};

static int yield_once_poll(struct wta_future *self, struct wta_context *cx, intptr_t *out)
{
    struct yield_once *y = (struct yield_once *)self;
    if (!y->yielded) {
        y->yielded = true;
        wta_waker_wake_by_ref(cx->waker);
        return WTA_PENDING;        // we woke ourselves: back of the queue
    }
    *out = 1;
    return WTA_READY;
}

static void yield_once_drop(struct wta_future *self) { free(self); }

static const struct wta_future_vt yield_once_vt = {"yield_once", yield_once_poll,
                                                   yield_once_drop};

static struct wta_future *yield_once_new(void)
{
    struct yield_once *y = calloc(1, sizeof *y);
    y->base.vt = &yield_once_vt;
    return &y->base;
}

/* ---- w1 and w3: main spawns one task at a time and awaits it */

struct one_by_one {
    struct wta_future base;
    int rounds, done;
    struct wta_future *h;
};

static int one_by_one_poll(struct wta_future *self, struct wta_context *cx, intptr_t *out)
{
    struct one_by_one *m = (struct one_by_one *)self;
    while (m->done < m->rounds) {
        if (m->h == NULL)
            m->h = wta_spawn(yield_once_new());
        intptr_t v;
        int rc = wta_poll(m->h, cx, &v);
        if (rc == WTA_PENDING)
            return WTA_PENDING;    // the task's join wakes us
        wta_future_drop(m->h);
        m->h = NULL;
        if (rc != 0)
            return rc;
        m->done++;
    }
    *out = m->done;
    return WTA_READY;
}

static void one_by_one_drop(struct wta_future *self)
{
    struct one_by_one *m = (struct one_by_one *)self;
    wta_future_drop(m->h);
    free(m);
}

static const struct wta_future_vt one_by_one_vt = {"one_by_one", one_by_one_poll,
                                                   one_by_one_drop};

/* ---- w2: a sender and a receiver on a channel of one */

struct sender {
    struct wta_future base;
    struct wta_chan_tx *tx;
    struct wta_future *op;
    int i, n;
};

static int sender_poll(struct wta_future *self, struct wta_context *cx, intptr_t *out)
{
    struct sender *s = (struct sender *)self;
    for (; s->i < s->n; s->i++) {
        if (s->op == NULL)
            s->op = wta_chan_send(s->tx, s->i);
        if (wta_poll(s->op, cx, out) == WTA_PENDING)
            return WTA_PENDING;    // the receiver makes room and wakes us
        wta_future_drop(s->op);
        s->op = NULL;
    }
    *out = s->n;
    return WTA_READY;
}

static void sender_drop(struct wta_future *self)
{
    struct sender *s = (struct sender *)self;
    wta_future_drop(s->op);
    wta_chan_tx_drop(s->tx);
    free(s);
}

static const struct wta_future_vt sender_vt = {"sender", sender_poll, sender_drop};

struct receiver {
    struct wta_future base;
    struct wta_chan_rx *rx;
    struct wta_future *op;
    intptr_t got;
};

static int receiver_poll(struct wta_future *self, struct wta_context *cx, intptr_t *out)
{
    struct receiver *r = (struct receiver *)self;
    for (;;) {
        if (r->op == NULL)
            r->op = wta_chan_recv(r->rx);
        intptr_t v;
        int rc = wta_poll(r->op, cx, &v);
        if (rc == WTA_PENDING)
            return WTA_PENDING;    // the sender's next send wakes us
        wta_future_drop(r->op);
        r->op = NULL;
        if (rc != 0)
            break;                 // -EPIPE: the sender is done
        r->got++;
    }
    *out = r->got;
    return WTA_READY;
}

static void receiver_drop(struct wta_future *self)
{
    struct receiver *r = (struct receiver *)self;
    wta_future_drop(r->op);
    wta_chan_rx_drop(r->rx);
    free(r);
}

static const struct wta_future_vt receiver_vt = {"receiver", receiver_poll, receiver_drop};

struct pair {
    struct wta_future base;
    int n;
    struct wta_future *h[2];
    int joined;
    intptr_t got;
};

static int pair_poll(struct wta_future *self, struct wta_context *cx, intptr_t *out)
{
    struct pair *p = (struct pair *)self;
    if (p->h[0] == NULL) {
        struct sender *s = calloc(1, sizeof *s);
        struct receiver *r = calloc(1, sizeof *r);
        wta_chan_new(1, &s->tx, &r->rx);
        s->base.vt = &sender_vt;
        s->n = p->n;
        r->base.vt = &receiver_vt;
        p->h[0] = wta_spawn(&r->base);
        p->h[1] = wta_spawn(&s->base);
    }
    for (; p->joined < 2; p->joined++) {
        intptr_t v;
        int rc = wta_poll(p->h[p->joined], cx, &v);
        if (rc == WTA_PENDING)
            return WTA_PENDING;    // that task's join wakes us
        if (rc != 0)
            return rc;
        if (p->joined == 0)
            p->got = v;
    }
    *out = p->got;
    return WTA_READY;
}

static void pair_drop(struct wta_future *self)
{
    struct pair *p = (struct pair *)self;
    wta_future_drop(p->h[0]);
    wta_future_drop(p->h[1]);
    free(p);
}

static const struct wta_future_vt pair_vt = {"pair", pair_poll, pair_drop};

/* ---------------------------------------------------------------- main */

static int usage(FILE *to, int status)
{
    fprintf(to, "usage: races w1|w2|w3 [--bug] [--workers N] [--rounds N]\n"
                "  w1  main's wake erased after its poll (W1)\n"
                "  w2  a wake lost while its task runs (W2)\n"
                "  w3  a spawn stranded between a worker's look and its sleep (W3)\n"
                "  --bug       switch the matching bug of the original on\n"
                "  --workers   worker threads (default: 1 for w3, else 2)\n"
                "  --rounds    tasks (w1, w3) or messages (w2); default 20\n"
                "Run it with WTA_SEED=n (or under wta-trace explore) to step it.\n");
    return status;
}

int main(int argc, char **argv)
{
    if (argc < 2 || strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0)
        return usage(argc < 2 ? stderr : stdout, argc < 2 ? 2 : 0);
    const char *which = argv[1];
    bool bug = false;
    int workers = 0, rounds = 20;
    for (int i = 2; i < argc; i++) {
        if (strcmp(argv[i], "--bug") == 0)
            bug = true;
        else if (strcmp(argv[i], "--workers") == 0 && i + 1 < argc)
            workers = atoi(argv[++i]);
        else if (strcmp(argv[i], "--rounds") == 0 && i + 1 < argc)
            rounds = atoi(argv[++i]);
        else {
            fprintf(stderr, "races: unknown or incomplete option '%s'\n", argv[i]);
            return usage(stderr, 2);
        }
    }
    unsigned flag;
    struct wta_future *f;
    if (strcmp(which, "w1") == 0 || strcmp(which, "w3") == 0) {
        struct one_by_one *m = calloc(1, sizeof *m);
        m->base.vt = &one_by_one_vt;
        m->rounds = rounds;
        f = &m->base;
        flag = which[1] == '1' ? WTA_BUG_W1 : WTA_BUG_W3;
    } else if (strcmp(which, "w2") == 0) {
        struct pair *p = calloc(1, sizeof *p);
        p->base.vt = &pair_vt;
        p->n = rounds;
        f = &p->base;
        flag = WTA_BUG_W2;
    } else {
        fprintf(stderr, "races: expected w1, w2 or w3, not '%s'\n", which);
        return usage(stderr, 2);
    }
    if (workers == 0)
        workers = flag == WTA_BUG_W3 ? 1 : 2;
    if (workers < 1 || workers > 256 || rounds < 1) {
        fprintf(stderr, "races: --workers must be 1..256 and --rounds at least 1\n");
        wta_future_drop(f);
        return 2;
    }
    char program[16];
    snprintf(program, sizeof program, "races-%s", which);
    struct wta_config cfg = {.workers = workers, .bugs = bug ? flag : 0, .program = program};
    struct wta_runtime *rt = wta_runtime_new(&cfg);
    if (rt == NULL) {
        fprintf(stderr, "races: cannot start the runtime: %s\n", strerror(errno));
        wta_future_drop(f);
        return 1;
    }
    intptr_t out = 0;
    int rc = wta_block_on(rt, f, &out);
    wta_runtime_free(rt);
    if (rc != 0) {
        fprintf(stderr, "races %s: %s\n", which, wta_strerror(rc));
        return 1;
    }
    printf("races %s: %ld done\n", which, (long)out);
    return 0;
}

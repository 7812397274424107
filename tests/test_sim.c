/*
 * test_sim.c - deterministic mode (runtime/sim.c): the same program, seed
 * and worker count give the same trace byte for byte; other seeds give
 * other interleavings; virtual time passes without waiting for it.
 *
 * Each program here is run twice per seed into two trace files, and the
 * files are compared whole: header, every event, every timestamp.
 */
#include <CUnit/CUnit.h>
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "suites.h"
#include "test_util.h"

typedef struct wta_future *(*program_fn)(void);

static struct wta_runtime *sim_runtime(uint64_t seed, int workers, const char *path)
{
    struct wta_config cfg = {.workers = workers, .trace_path = path, .program = "test_sim",
                             .deterministic = true, .seed = seed};
    const char *sched = getenv("WTA_TEST_SCHEDULER");
    if (sched != NULL && strcmp(sched, "global") == 0)
        cfg.scheduler = WTA_SCHED_GLOBAL;
    struct wta_runtime *rt = wta_runtime_new(&cfg);
    CU_ASSERT_PTR_NOT_NULL_FATAL(rt);
    return rt;
}

/* Runs program() in deterministic mode, traced to path; its block_on result. */
static int run_program(program_fn program, uint64_t seed, int workers, const char *path,
                       intptr_t *out)
{
    struct wta_runtime *rt = sim_runtime(seed, workers, path);
    int rc = wta_block_on(rt, program(), out);
    wta_runtime_free(rt);
    return rc;
}

/* The whole file, or NULL; *len its length. Caller frees. */
static char *slurp(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (f == NULL)
        return NULL;
    size_t cap = 1 << 16, n = 0, k;
    char *buf = malloc(cap);
    while ((k = fread(buf + n, 1, cap - n, f)) > 0) {
        n += k;
        if (n == cap)
            buf = realloc(buf, cap *= 2);
    }
    fclose(f);
    *len = n;
    return buf;
}

/* ---- the programs */

/* spawn + yield + a blocking job: the demo's shape */
struct spinner {
    int left;
};

static int spinner_poll(void *st, struct wta_context *cx, intptr_t *out)
{
    struct spinner *s = st;
    if (s->left-- > 0) {
        wta_waker_wake_by_ref(cx->waker);
        return WTA_PENDING;   // we woke ourselves: back of the queue
    }
    *out = 1;
    return WTA_READY;
}

static intptr_t blocking_sum(void *arg)
{
    intptr_t n = (intptr_t)arg, sum = 0;
    for (intptr_t i = 1; i <= n; i++)
        sum += i;
    return sum;
}

#define SPAWNED 6

struct spawner {
    struct wta_future *h[SPAWNED + 1];
    struct spinner s[SPAWNED];
    int next;
    intptr_t sum;
};

static int spawner_poll(void *st, struct wta_context *cx, intptr_t *out)
{
    struct spawner *p = st;
    if (p->h[0] == NULL) {
        for (int i = 0; i < SPAWNED; i++) {
            p->s[i].left = i % 3 + 1;
            p->h[i] = wta_spawn(fn_future("spinner", spinner_poll, &p->s[i], NULL));
        }
        p->h[SPAWNED] = wta_spawn_blocking(blocking_sum, (void *)100);
    }
    for (; p->next <= SPAWNED; p->next++) {
        intptr_t v;
        if (wta_poll(p->h[p->next], cx, &v) == WTA_PENDING)
            return WTA_PENDING;   // that task's join wakes us
        p->sum += v;
    }
    *out = p->sum;
    return WTA_READY;
}

static void spawner_drop(void *st)
{
    struct spawner *p = st;
    for (int i = 0; i <= SPAWNED; i++)
        wta_future_drop(p->h[i]);
    free(p);
}

static struct wta_future *prog_spawn(void)
{
    return fn_future("spawner", spawner_poll, calloc(1, sizeof(struct spawner)), spawner_drop);
}

/* channels: two producers, one consumer, a channel of 2 */
struct producer {
    struct wta_chan_tx *tx;
    struct wta_future *op;
    int i, base;
};

static int producer_poll(void *st, struct wta_context *cx, intptr_t *out)
{
    struct producer *p = st;
    for (; p->i < 10; p->i++) {
        if (p->op == NULL)
            p->op = wta_chan_send(p->tx, p->base + p->i);
        if (wta_poll(p->op, cx, out) == WTA_PENDING)
            return WTA_PENDING;   // the receiver makes room and wakes us
        wta_future_drop(p->op);
        p->op = NULL;
    }
    return WTA_READY;
}

static void producer_drop(void *st)
{
    struct producer *p = st;
    wta_future_drop(p->op);
    wta_chan_tx_drop(p->tx);
    free(p);
}

struct chan_main {
    struct wta_chan_rx *rx;
    struct wta_future *op;
    intptr_t sum;
};

static int chan_main_poll(void *st, struct wta_context *cx, intptr_t *out)
{
    struct chan_main *m = st;
    if (m->rx == NULL) {
        struct wta_chan_tx *tx;
        wta_chan_new(2, &tx, &m->rx);
        for (int k = 0; k < 2; k++) {
            struct producer *p = calloc(1, sizeof *p);
            p->tx = wta_chan_tx_clone(tx);
            p->base = 100 * k;
            wta_future_drop(wta_spawn(fn_future("producer", producer_poll, p, producer_drop)));
        }
        wta_chan_tx_drop(tx);
    }
    for (;;) {
        if (m->op == NULL)
            m->op = wta_chan_recv(m->rx);
        intptr_t v;
        int rc = wta_poll(m->op, cx, &v);
        if (rc == WTA_PENDING)
            return WTA_PENDING;   // a send wakes us
        wta_future_drop(m->op);
        m->op = NULL;
        if (rc != 0)
            break;               // -EPIPE: both producers are done
        m->sum += v;
    }
    *out = m->sum;
    return WTA_READY;
}

static void chan_main_drop(void *st)
{
    struct chan_main *m = st;
    wta_future_drop(m->op);
    wta_chan_rx_drop(m->rx);
    free(m);
}

static struct wta_future *prog_chan(void)
{
    return fn_future("chan_main", chan_main_poll, calloc(1, sizeof(struct chan_main)),
                     chan_main_drop);
}

/* timers: five tasks sleeping 5, 1, 4, 2, 3 ms, and main ticking an interval */
struct napper {
    struct wta_future *sleep;
    uint64_t ms;
};

static int napper_poll(void *st, struct wta_context *cx, intptr_t *out)
{
    struct napper *n = st;
    if (n->sleep == NULL)
        n->sleep = wta_sleep(n->ms * 1000000);
    return wta_poll(n->sleep, cx, out);   // pending: its timer wakes us
}

static void napper_drop(void *st)
{
    struct napper *n = st;
    wta_future_drop(n->sleep);
    free(n);
}

struct timer_main {
    struct wta_future *iv, *h[5];
    int ticks, next;
};

static int timer_main_poll(void *st, struct wta_context *cx, intptr_t *out)
{
    struct timer_main *m = st;
    static const uint64_t ms[5] = {5, 1, 4, 2, 3};
    if (m->iv == NULL) {
        m->iv = wta_interval(700000);
        for (int i = 0; i < 5; i++) {
            struct napper *n = calloc(1, sizeof *n);
            n->ms = ms[i];
            m->h[i] = wta_spawn(fn_future("napper", napper_poll, n, napper_drop));
        }
    }
    intptr_t v;
    while (m->ticks < 6) {
        if (wta_poll(m->iv, cx, &v) == WTA_PENDING)
            return WTA_PENDING;   // the interval's timer wakes us
        m->ticks++;
    }
    for (; m->next < 5; m->next++)
        if (wta_poll(m->h[m->next], cx, &v) == WTA_PENDING)
            return WTA_PENDING;   // that napper's join wakes us
    *out = m->ticks;
    return WTA_READY;
}

static void timer_main_drop(void *st)
{
    struct timer_main *m = st;
    wta_future_drop(m->iv);
    for (int i = 0; i < 5; i++)
        wta_future_drop(m->h[i]);
    free(m);
}

static struct wta_future *prog_timers(void)
{
    return fn_future("timer_main", timer_main_poll, calloc(1, sizeof(struct timer_main)),
                     timer_main_drop);
}

/* TCP echo: a server task echoes one message to each of three client tasks */
#define ECHO_CLIENTS 3

static struct wta_tcp_stream *as_stream(intptr_t v) { return (struct wta_tcp_stream *)v; }

struct echo_conn {           /* the server's side of one connection */
    struct wta_tcp_stream *s;
    struct wta_future *op;
    char buf[16];
    int step;
};

static int echo_conn_poll(void *st, struct wta_context *cx, intptr_t *out)
{
    struct echo_conn *c = st;
    for (;;) {
        if (c->op == NULL)
            c->op = c->step == 0 ? wta_tcp_read_exact(c->s, c->buf, sizeof c->buf)
                                 : wta_tcp_write_all(c->s, c->buf, sizeof c->buf);
        int rc = wta_poll(c->op, cx, out);
        if (rc == WTA_PENDING)
            return WTA_PENDING;   // the reactor wakes us when the socket is ready
        wta_future_drop(c->op);
        c->op = NULL;
        if (rc != 0 || ++c->step == 2)
            return rc;
    }
}

static void echo_conn_drop(void *st)
{
    struct echo_conn *c = st;
    wta_future_drop(c->op);
    wta_tcp_close(c->s);
    free(c);
}

struct echo_client {
    uint16_t port;
    int id, step;
    struct wta_tcp_stream *s;
    struct wta_future *op;
    char msg[16], back[16];
};

static int echo_client_poll(void *st, struct wta_context *cx, intptr_t *out)
{
    struct echo_client *c = st;
    for (;;) {
        if (c->op == NULL) {
            if (c->step == 0)
                c->op = wta_tcp_connect("127.0.0.1", c->port);
            else if (c->step == 1)
                c->op = wta_tcp_write_all(c->s, c->msg, sizeof c->msg);
            else
                c->op = wta_tcp_read_exact(c->s, c->back, sizeof c->back);
        }
        intptr_t v;
        int rc = wta_poll(c->op, cx, &v);
        if (rc == WTA_PENDING)
            return WTA_PENDING;   // the reactor wakes us when the socket is ready
        wta_future_drop(c->op);
        c->op = NULL;
        if (rc != 0)
            return rc;
        if (c->step == 0)
            c->s = as_stream(v);
        if (++c->step == 3) {
            *out = memcmp(c->msg, c->back, sizeof c->msg) == 0;
            return WTA_READY;
        }
    }
}

static void echo_client_drop(void *st)
{
    struct echo_client *c = st;
    wta_future_drop(c->op);
    wta_tcp_close(c->s);
    free(c);
}

struct echo_main {
    struct wta_tcp_listener *l;
    struct wta_future *accept, *clients[ECHO_CLIENTS], *conns[ECHO_CLIENTS];
    int accepted, joined;
    intptr_t ok;
};

static int echo_main_poll(void *st, struct wta_context *cx, intptr_t *out)
{
    struct echo_main *m = st;
    if (m->l == NULL) {
        if (wta_tcp_listen("127.0.0.1", 0, &m->l) != 0)
            return -EIO;
        for (int i = 0; i < ECHO_CLIENTS; i++) {
            struct echo_client *c = calloc(1, sizeof *c);
            c->port = wta_tcp_listener_port(m->l);
            snprintf(c->msg, sizeof c->msg, "hello %u", (unsigned)i % 10);
            m->clients[i] = wta_spawn(fn_future("client", echo_client_poll, c, echo_client_drop));
        }
    }
    intptr_t v;
    while (m->accepted < ECHO_CLIENTS) {
        if (m->accept == NULL)
            m->accept = wta_tcp_accept(m->l);
        int rc = wta_poll(m->accept, cx, &v);
        if (rc == WTA_PENDING)
            return WTA_PENDING;   // the reactor wakes us when a client connects
        wta_future_drop(m->accept);
        m->accept = NULL;
        if (rc != 0)
            return rc;
        struct echo_conn *c = calloc(1, sizeof *c);
        c->s = as_stream(v);
        m->conns[m->accepted++] = wta_spawn(fn_future("echo", echo_conn_poll, c, echo_conn_drop));
    }
    for (; m->joined < ECHO_CLIENTS; m->joined++) {
        if (wta_poll(m->clients[m->joined], cx, &v) == WTA_PENDING)
            return WTA_PENDING;   // that client's join wakes us
        m->ok += v;
    }
    *out = m->ok;
    return WTA_READY;
}

static void echo_main_drop(void *st)
{
    struct echo_main *m = st;
    wta_future_drop(m->accept);
    for (int i = 0; i < ECHO_CLIENTS; i++) {
        wta_future_drop(m->clients[i]);
        wta_future_drop(m->conns[i]);
    }
    wta_tcp_listener_close(m->l);
    free(m);
}

static struct wta_future *prog_echo(void)
{
    return fn_future("echo_main", echo_main_poll, calloc(1, sizeof(struct echo_main)),
                     echo_main_drop);
}

/* ---- the tests */

static const struct {
    const char *name;
    program_fn fn;
    intptr_t want;
} programs[] = {
    {"spawn", prog_spawn, SPAWNED + 5050},
    {"chan", prog_chan, 2 * 45 + 100 * 10},
    {"timers", prog_timers, 6},
    {"echo", prog_echo, ECHO_CLIENTS},
};
#define NPROGRAMS (sizeof programs / sizeof programs[0])

/* Same program, seed and workers, run twice: is the trace the same, byte for byte? */
static void sim_same_seed_same_trace(void)
{
    char *a = test_trace_path("sim_a"), *b = test_trace_path("sim_b");
    for (size_t p = 0; p < NPROGRAMS; p++) {
        for (uint64_t seed = 1; seed <= 3; seed++) {
            intptr_t out_a = -1, out_b = -1;
            CU_ASSERT_EQUAL(run_program(programs[p].fn, seed, 2, a, &out_a), 0);
            CU_ASSERT_EQUAL(run_program(programs[p].fn, seed, 2, b, &out_b), 0);
            CU_ASSERT_EQUAL(out_a, programs[p].want);
            CU_ASSERT_EQUAL(out_b, programs[p].want);
            size_t la = 0, lb = 0;
            char *ta = slurp(a, &la), *tb = slurp(b, &lb);
            CU_ASSERT_PTR_NOT_NULL(ta);
            bool same = ta != NULL && tb != NULL && la == lb && memcmp(ta, tb, la) == 0;
            if (!same)
                fprintf(stderr, "\n%s, seed %llu: the two traces differ (%s, %s)\n",
                        programs[p].name, (unsigned long long)seed, a, b);
            CU_ASSERT_TRUE(same);
            free(ta);
            free(tb);
            if (!same)
                goto out;   // keep the two files to compare
        }
    }
    remove(a);
    remove(b);
out:
    free(a);
    free(b);
}

/* Do different seeds give different interleavings (not just a different header)? */
static void sim_seeds_differ(void)
{
    char *path = test_trace_path("sim_seeds");
    for (size_t p = 0; p < NPROGRAMS; p++) {
        char *first = NULL;
        size_t first_len = 0;
        int differ = 0;
        for (uint64_t seed = 1; seed <= 6; seed++) {
            intptr_t out = -1;
            CU_ASSERT_EQUAL(run_program(programs[p].fn, seed, 2, path, &out), 0);
            CU_ASSERT_EQUAL(out, programs[p].want);
            size_t len = 0;
            char *t = slurp(path, &len);
            char *body = t != NULL ? strchr(t, '\n') : NULL;   // past the header (it has the seed)
            if (body == NULL) {
                CU_FAIL("trace missing");
                free(t);
                continue;
            }
            size_t blen = len - (size_t)(body - t);
            if (first == NULL) {
                first = malloc(blen);
                memcpy(first, body, blen);
                first_len = blen;
            } else {
                differ += blen != first_len || memcmp(first, body, blen) != 0;
            }
            free(t);
        }
        if (differ == 0)
            fprintf(stderr, "\n%s: seeds 1-6 gave one interleaving\n", programs[p].name);
        CU_ASSERT_TRUE(differ > 0);
        free(first);
    }
    remove(path);
    free(path);
}

static uint64_t real_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

/* Does a 10 s sleep take 10 s of virtual time and (far) less of the real kind? */
static void sim_sleep_is_virtual(void)
{
    char *path = test_trace_path("sim_sleep");
    struct wta_runtime *rt = sim_runtime(7, 2, path);
    uint64_t real0 = real_ns(), v0 = wta_now();
    CU_ASSERT_EQUAL(wta_block_on(rt, wta_sleep(10ull * 1000000000), NULL), 0);
    uint64_t v1 = wta_now(), real1 = real_ns();
    wta_runtime_free(rt);
    CU_ASSERT_TRUE(v1 - v0 >= 10ull * 1000000000);
    // Loose on purpose (a loaded machine): the point is not waiting 10 s.
    CU_ASSERT_TRUE(real1 - real0 < 5ull * 1000000000);
    struct trace tr;
    if (trace_load(path, &tr) == 0) {
        CU_ASSERT_STRING_EQUAL(ev_str(tr.header, "mode"), "deterministic");
        CU_ASSERT_STRING_EQUAL(ev_str(tr.header, "clock"), "virtual");
        CU_ASSERT_EQUAL(ev_int(tr.header, "seed"), 7);
        CU_ASSERT_EQUAL(ev_int(tr.header, "start_unix_ns"), 0);
        int fire = trace_find(&tr, 0, "timer.fire", NULL, 0);
        CU_ASSERT_TRUE(fire >= 0);
        if (fire >= 0) {
            CU_ASSERT_TRUE(ev_int(tr.ev[fire], "t") >= 10ll * 1000000000);
            CU_ASSERT_TRUE(ev_int(tr.ev[fire], "late_ns") < 1000000);   // the clock jumped to it
        }
        trace_free(&tr);
    }
    remove(path);
    free(path);
}

/* ---- time spent where the runtime cannot see it */

struct spender {
    struct wta_future *join;      /* the napper's JoinHandle */
    uint64_t v0, v1;              /* the virtual clock around the spend */
};

static int spender_poll(void *st, struct wta_context *cx, intptr_t *out)
{
    struct spender *s = st;
    if (s->join == NULL) {
        s->join = wta_spawn(wta_sleep(1000000));   // a 1 ms nap on the worker
        s->v0 = wta_now();
        wta_spent_ns(10000000);                     // main "computes" for 10 ms
        s->v1 = wta_now();
    }
    return wta_poll(s->join, cx, out);
}

static void spender_drop(void *st)
{
    struct spender *s = st;
    wta_future_drop(s->join);
}

/* Does wta_spent_ns move the virtual clock, with the other threads going on meanwhile? */
static void sim_spent_counts_time(void)
{
    char *path = test_trace_path("sim_spent");
    struct wta_runtime *rt = sim_runtime(5, 1, path);
    struct spender s = {0};
    CU_ASSERT_EQUAL(wta_block_on(rt, fn_future("spender", spender_poll, &s, spender_drop), NULL), 0);
    wta_runtime_free(rt);
    CU_ASSERT_TRUE(s.v1 - s.v0 >= 10000000);   // the spend took its 10 ms...
    CU_ASSERT_TRUE(s.v1 - s.v0 < 11000000);
    struct trace tr;
    if (trace_load(path, &tr) == 0) {   // ...and the worker's 1 ms timer fired within them, on time
        int fire = trace_find(&tr, 0, "timer.fire", NULL, 0);
        CU_ASSERT_TRUE(fire >= 0);
        if (fire >= 0)
            CU_ASSERT_TRUE(ev_int(tr.ev[fire], "late_ns") < 1000000);
        trace_free(&tr);
    }
    remove(path);
    free(path);
}

/* Is a bad $WTA_SEED refused with a message, not silently ignored? */
static void sim_bad_seed_refused(void)
{
    char *saved = getenv("WTA_SEED") != NULL ? strdup(getenv("WTA_SEED")) : NULL;
    setenv("WTA_SEED", "12abc", 1);
    struct wta_config cfg = {.workers = 1, .trace_path = ""};
    errno = 0;
    struct wta_runtime *rt = wta_runtime_new(&cfg);
    CU_ASSERT_PTR_NULL(rt);
    CU_ASSERT_EQUAL(errno, EINVAL);
    wta_runtime_free(rt);
    if (saved != NULL)
        setenv("WTA_SEED", saved, 1);
    else
        unsetenv("WTA_SEED");
    free(saved);
}

/*
 * With nothing left that could wake main, is the hang reported at once, in
 * virtual time, with its task dump (hang.main, hang.task) - and is that
 * dump, idle times included, the same byte for byte on a second run?
 */
static int never_poll(void *st, struct wta_context *cx, intptr_t *out)
{
    (void)st, (void)cx, (void)out;
    return WTA_PENDING;   // nobody will ever wake us: a hang
}

/* Spawns a task that never ends, then waits on its JoinHandle. */
static int join_stuck_poll(void *st, struct wta_context *cx, intptr_t *out)
{
    struct wta_future **h = st;
    if (*h == NULL)
        *h = wta_spawn(fn_future("stuck", never_poll, NULL, NULL));
    return wta_poll(*h, cx, out);   // the JoinHandle holds our waker; nobody will use it
}

static void join_stuck_drop(void *st)
{
    struct wta_future **h = st;
    wta_future_drop(*h);
    free(h);
}

static void sim_hang_reported(void)
{
    char *path[2] = {test_trace_path("sim_hang_a"), test_trace_path("sim_hang_b")};
    char *text[2] = {NULL, NULL};
    size_t len[2] = {0, 0};
    for (int run = 0; run < 2; run++) {
        struct wta_runtime *rt = sim_runtime(3, 2, path[run]);
        struct wta_future *f = fn_future("join_stuck", join_stuck_poll,
                                         calloc(1, sizeof(struct wta_future *)), join_stuck_drop);
        CU_ASSERT_EQUAL(wta_block_on(rt, f, NULL), -EDEADLK);
        wta_runtime_free(rt);
        text[run] = slurp(path[run], &len[run]);
    }
    struct trace tr;
    if (trace_load(path[0], &tr) == 0) {
        CU_ASSERT_EQUAL(trace_count(&tr, "hang"), 1);
        CU_ASSERT_EQUAL(trace_count(&tr, "hang.main"), 1);
        CU_ASSERT_EQUAL(trace_count(&tr, "hang.task"), 1);
        int m = trace_find(&tr, 0, "hang.main", NULL, 0);
        if (m >= 0)
            CU_ASSERT_STRING_EQUAL(ev_str(tr.ev[m], "waits"), "join");
        trace_free(&tr);
    }
    bool same = text[0] != NULL && text[1] != NULL && len[0] == len[1] &&
                memcmp(text[0], text[1], len[0]) == 0;
    CU_ASSERT_TRUE(same);
    for (int run = 0; run < 2; run++) {
        free(text[run]);
        if (same)
            remove(path[run]);
        else
            fprintf(stderr, "\nsim_hang_reported: the two traces differ (kept: %s)\n", path[run]);
        free(path[run]);
    }
}

/* ---- explore: searching seeds for the original's races, with no hook */

/* Runs `wta-trace explore ARGS`; its exit status, its output in out. */
static int explore(const char *args, char *out, size_t size)
{
    char tool[1024], races[1024], cmd[4096];
    if (test_build_path("viz/wta-trace", tool, sizeof tool) != 0 ||
        test_build_path("demo/races", races, sizeof races) != 0) {
        CU_FAIL("wta-trace or demo/races is not built");
        return -1;
    }
    snprintf(cmd, sizeof cmd, "%s explore %s 2>&1", tool, args);
    char *at = strstr(cmd, "RACES");   // the program's path goes where the case says RACES
    if (at != NULL) {
        char rest[2048];
        snprintf(rest, sizeof rest, "%s", at + 5);
        snprintf(at, sizeof cmd - (size_t)(at - cmd), "%s%s", races, rest);
    }
    FILE *p = popen(cmd, "r");
    if (p == NULL)
        return -1;
    size_t len = fread(out, 1, size - 1, p);
    out[len] = '\0';
    while (fread(cmd, 1, sizeof cmd, p) > 0)
        ;
    int st = pclose(p);
    return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

/* Removes the trace explore kept ("trace of seed N: PATH") and its folder. */
static void remove_kept(const char *out)
{
    const char *at = strstr(out, "trace of seed ");
    at = at != NULL ? strstr(at, ": ") : NULL;
    if (at == NULL)
        return;
    char path[1024];
    snprintf(path, sizeof path, "%.*s", (int)strcspn(at + 2, "\n"), at + 2);
    remove(path);
    char *slash = strrchr(path, '/');
    if (slash != NULL) {
        *slash = '\0';
        rmdir(path);
    }
}

/*
 * With each of W1, W2, W3 on, does a search over 20 seeds find it (its
 * lint, what it does to the program, a replay command)? With it off, does
 * the same search find nothing? W2's lost wake ends one of two ways, by
 * the interleaving: a hang, or (no waker of the task left) the original
 * frees the task and its JoinHandle says cancelled.
 */
static void sim_explore_finds_races(void)
{
    static const struct {
        const char *race, *lint, *effect, *effect2;
    } cases[] = {
        {"w1", "main-flag-overwritten", "; hang", "; hang"},
        {"w2", "wake-lost-while-running", "; hang", "task was cancelled"},
        {"w3", "parked-with-work", "; hang", "; hang"},
    };
    static char out[65536];
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char args[256];
        snprintf(args, sizeof args, "--seeds 1..20 -- RACES %s --bug", cases[i].race);
        int st = explore(args, out, sizeof out);
        bool ok = st == 0 && strstr(out, cases[i].lint) != NULL &&
                  (strstr(out, cases[i].effect) || strstr(out, cases[i].effect2)) &&
                  strstr(out, "replay: WTA_SEED=") != NULL;
        if (!ok)
            fprintf(stderr, "\nexplore %s: exit %d, output:\n%s\n", args, st, out);
        CU_ASSERT_TRUE(ok);
        remove_kept(out);

        snprintf(args, sizeof args, "--seeds 1..20 -- RACES %s", cases[i].race);
        st = explore(args, out, sizeof out);
        ok = st == 1 && strstr(out, "0 of 20 seeds") != NULL;
        if (!ok)
            fprintf(stderr, "\nexplore %s: exit %d, output:\n%s\n", args, st, out);
        CU_ASSERT_TRUE(ok);
    }
}

/* Do --lint, a bad seed range and a missing program get the answers --help promises? */
static void sim_explore_usage(void)
{
    static char out[65536];
    // Only the lint asked for counts: W2's lost wake still hangs, but no parked-with-work.
    int st = explore("--seeds 1..20 --lint parked-with-work -- RACES w2 --bug", out, sizeof out);
    CU_ASSERT_EQUAL(st, 0);   // the hang alone is a finding
    CU_ASSERT_PTR_NULL(strstr(out, "wake-lost-while-running"));
    remove_kept(out);
    CU_ASSERT_EQUAL(explore("--seeds 9..3 -- RACES w1", out, sizeof out), 2);
    CU_ASSERT_PTR_NOT_NULL(strstr(out, "expected A..B"));
    CU_ASSERT_EQUAL(explore("--lint no-such-lint -- RACES w1", out, sizeof out), 2);
    CU_ASSERT_EQUAL(explore("--seeds 1..2", out, sizeof out), 2);
    CU_ASSERT_PTR_NOT_NULL(strstr(out, "missing -- PROGRAM"));
    CU_ASSERT_EQUAL(explore("--help", out, sizeof out), 0);
    CU_ASSERT_PTR_NOT_NULL(strstr(out, "--seeds A..B"));
}

/* ---- the switch points are in the primitives: nothing in runtime/ may skip them */

/* Is a bare C11 atomic (not sync.c's wrapper) called at s? */
static bool bare_atomic_at(const char *line, const char *s)
{
    static const char *ops[] = {"load", "store", "exchange", "fetch_add", "fetch_sub",
                                "fetch_or", "fetch_and", "compare_exchange", "thread_fence"};
    if (s > line && (s[-1] == '_' || (s[-1] >= 'a' && s[-1] <= 'z')))
        return false;   // wta_atomic_..., or part of a longer name
    for (size_t i = 0; i < sizeof ops / sizeof ops[0]; i++)
        if (strncmp(s + 7, ops[i], strlen(ops[i])) == 0)
            return true;
    return false;
}

/* Is name one of the files sim_atomics_wrapped leaves out? */
static bool atomics_exempt(const char *name)
{
    size_t n = strlen(name);
    if (n < 3 || (strcmp(name + n - 2, ".c") != 0 && strcmp(name + n - 2, ".h") != 0))
        return true;   // not source
    return strcmp(name, "sync.c") == 0 || strcmp(name, "sim.c") == 0 ||
           strcmp(name, "internal.h") == 0 ||   // where the wrappers are defined
           strncmp(name, "trace", 5) == 0;      // the recorder, outside the scheduler
}

/*
 * Does every file of the runtime share state between threads only through
 * sync.c's locks and atomic wrappers (each a switch point)? sync.c and
 * sim.c implement them; the recorder (trace*.c) runs outside the scheduler,
 * and its signal handler (trace_spool.c) must not pass the baton. Every
 * other file in runtime/ is read, so a new one cannot slip past.
 */
static void sim_atomics_wrapped(void)
{
    DIR *dir = opendir("runtime");
    CU_ASSERT_PTR_NOT_NULL_FATAL(dir);   // run from the repository's root
    int checked = 0;
    for (struct dirent *de; (de = readdir(dir)) != NULL;) {
        if (atomics_exempt(de->d_name))
            continue;
        char path[512], line[1024];
        snprintf(path, sizeof path, "runtime/%s", de->d_name);
        FILE *f = fopen(path, "r");
        if (f == NULL)
            continue;
        checked++;
        for (int n = 1; fgets(line, sizeof line, f) != NULL; n++) {
            for (const char *s = strstr(line, "atomic_"); s != NULL; s = strstr(s + 1, "atomic_")) {
                if (bare_atomic_at(line, s)) {
                    fprintf(stderr, "\n%s:%d: a bare C11 atomic; use sync.c's wta_%.*s "
                            "(a switch point of the deterministic mode)\n", path, n,
                            (int)strcspn(s, "("), s);
                    CU_FAIL("a bare atomic in runtime/ (see stderr)");
                }
            }
        }
        fclose(f);
    }
    closedir(dir);
    CU_ASSERT_TRUE(checked > 10);
}

void suite_sim(void)
{
    CU_pSuite s = CU_add_suite("sim", NULL, NULL);
    CU_add_test(s, "sim_same_seed_same_trace", sim_same_seed_same_trace);
    CU_add_test(s, "sim_seeds_differ", sim_seeds_differ);
    CU_add_test(s, "sim_sleep_is_virtual", sim_sleep_is_virtual);
    CU_add_test(s, "sim_spent_counts_time", sim_spent_counts_time);
    CU_add_test(s, "sim_bad_seed_refused", sim_bad_seed_refused);
    CU_add_test(s, "sim_hang_reported", sim_hang_reported);
    CU_add_test(s, "sim_explore_finds_races", sim_explore_finds_races);
    CU_add_test(s, "sim_explore_usage", sim_explore_usage);
    CU_add_test(s, "sim_atomics_wrapped", sim_atomics_wrapped);
}

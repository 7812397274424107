/*
 * test_blocking.c - the spawn_blocking pool: jobs that depend on each
 * other, and jobs that submit jobs while the runtime shuts down.
 *
 * Scenarios that would hang if the pool were wrong run in a child process
 * with a time limit (run_limited), so a hang fails the test instead of
 * stopping the whole run.
 */
#include <CUnit/CUnit.h>
#include <errno.h>
#include <sched.h>
#include <semaphore.h>
#include <stdio.h>
#include <stdlib.h>

#include "suites.h"
#include "test_util.h"

#define LIMIT_S 60

static struct wta_future *spawn_blocking_on(struct wta_runtime *rt, wta_blocking_fn fn,
                                            void *arg)
{
    return wta_spawn_blocking_at(rt, fn, arg, "job", __FILE__, __LINE__);
}

/* ---- a job that waits for the job submitted after it */

struct pair {
    sem_t b_ran;
};

static intptr_t job_noop(void *arg)
{
    (void)arg;
    return 7;
}

static intptr_t job_a(void *arg)
{
    struct pair *p = arg;
    sem_wait(&p->b_ran);   // only job B can let us go
    return 1;
}

static intptr_t job_b(void *arg)
{
    struct pair *p = arg;
    sem_post(&p->b_ran);
    return 2;
}

static int dependent_jobs(void *unused)
{
    (void)unused;
    for (int round = 0; round < 50; round++) {
        struct wta_runtime *rt = test_runtime(1, 0, NULL);
        // One job first, so the pool has one thread, idle once the job is done.
        intptr_t v = 0;
        if (wta_block_on(rt, spawn_blocking_on(rt, job_noop, NULL), &v) != 0 || v != 7) {
            fprintf(stderr, "round %d: the first job failed\n", round);
            return 1;
        }
        struct pair p;
        sem_init(&p.b_ran, 0, 0);
        struct wta_future *both[2] = {spawn_blocking_on(rt, job_a, &p),
                                      spawn_blocking_on(rt, job_b, &p)};
        intptr_t outs[2] = {0, 0};
        int rc = wta_block_on(rt, wta_join_all(both, 2, NULL, outs), NULL);
        wta_runtime_free(rt);
        sem_destroy(&p.b_ran);
        if (rc != 0 || outs[0] != 1 || outs[1] != 2) {
            fprintf(stderr, "round %d: rc %d, outputs %ld %ld\n", round, rc, (long)outs[0],
                    (long)outs[1]);
            return 1;
        }
    }
    return 0;
}

/* What if job A waits for job B, submitted right after it, with one idle thread? */
static void blocking_dependent_jobs(void)
{
    run_limited("blocking_dependent_jobs", dependent_jobs, NULL, LIMIT_S);
}

/* ---- a job that submits jobs while the runtime shuts down */

struct resubmit {
    struct wta_runtime *rt;
    sem_t started;
    int refused;        /* written by the job, read after free */
    long submitted;
};

static intptr_t job_resubmit(void *arg)
{
    struct resubmit *r = arg;
    sem_post(&r->started);
    // Submit one job at a time, until the pool refuses one: that happens
    // only once shutdown has begun, and free is waiting for us.
    for (;;) {
        struct wta_future *h = spawn_blocking_on(r->rt, job_noop, NULL);
        if (h == NULL)
            return -1;
        int rc;
        while ((rc = wta_join_try(h, NULL)) == WTA_PENDING)
            sched_yield();
        wta_future_drop(h);
        r->submitted++;
        if (rc == -ECANCELED) {
            r->refused = 1;
            return 0;
        }
    }
}

static int submit_during_shutdown(void *unused)
{
    (void)unused;
    for (int round = 0; round < 20; round++) {
        struct resubmit r = {.rt = test_runtime(1, 0, NULL)};
        sem_init(&r.started, 0, 0);
        wta_future_drop(spawn_blocking_on(r.rt, job_resubmit, &r));   // detached
        sem_wait(&r.started);
        wta_runtime_free(r.rt);   // must wait for the job, and start no thread after
        sem_destroy(&r.started);
        if (!r.refused) {
            fprintf(stderr, "round %d: the job was never refused\n", round);
            return 1;
        }
    }
    return 0;
}

/* What if a blocking job submits jobs while the runtime is being freed? */
static void blocking_submit_during_shutdown(void)
{
    run_limited("blocking_submit_during_shutdown", submit_during_shutdown, NULL, LIMIT_S);
}

void suite_blocking(void)
{
    CU_pSuite s = CU_add_suite("blocking", NULL, NULL);
    CU_add_test(s, "blocking_dependent_jobs", blocking_dependent_jobs);
    CU_add_test(s, "blocking_submit_during_shutdown", blocking_submit_during_shutdown);
}

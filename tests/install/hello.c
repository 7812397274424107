/*
 * hello.c - the smallest program against an installed wta, built by
 * tests/test_install.sh with pkg-config (shared and static). It prints
 * what the runtime was started with, so the test can check the
 * environment knobs, and the result of a small spawn + sleep + join.
 */
#include <stdio.h>
#include <stdlib.h>
#include <wta.h>

struct hello {
    struct wta_future base;
    struct wta_future *task;   /* JoinHandle of a sleep, spawned on first poll */
};

static int hello_poll(struct wta_future *self, struct wta_context *cx, intptr_t *out)
{
    struct hello *h = (struct hello *)self;
    int rc;
    if (h->task == NULL)
        h->task = wta_spawn(wta_sleep(1000 * 1000));
    WTA_AWAIT(rc, h->task, cx, out);   // the task's end wakes us
    *out = 42;
    return rc;
}

static void hello_drop(struct wta_future *self)
{
    wta_future_drop(((struct hello *)self)->task);
    free(self);
}

static const struct wta_future_vt hello_vt = {"hello", hello_poll, hello_drop};

int main(void)
{
    struct wta_runtime *rt = wta_runtime_new(NULL);
    if (rt == NULL) {
        perror("hello: wta_runtime_new");
        return 1;
    }
    struct hello *h = calloc(1, sizeof *h);
    h->base.vt = &hello_vt;
    intptr_t out = 0;
    int rc = wta_block_on(rt, &h->base, &out);
    printf("hello from C: wta %s, %d workers, block_on: %s, output %ld\n", WTA_VERSION,
           wta_runtime_workers(rt), wta_strerror(rc), (long)out);
    wta_runtime_free(rt);
    return rc == 0 ? 0 : 1;
}

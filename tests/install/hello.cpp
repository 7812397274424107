// hello.cpp - wta from C++: the header's extern "C" lets a C++ program
// link the C library. Built by tests/test_install.sh with pkg-config.
// A future is still a C struct whose first member is a wta_future.
#include <cstdio>
#include <wta.h>

namespace {

struct countdown {
    wta_future base;
    int left;
};

int countdown_poll(wta_future *self, wta_context *cx, intptr_t *out)
{
    countdown *c = reinterpret_cast<countdown *>(self);
    if (c->left-- > 0) {
        wta_waker_wake_by_ref(cx->waker);   // yield: wake ourselves, back of the queue
        return WTA_PENDING;
    }
    *out = 7;
    return WTA_READY;
}

void countdown_drop(wta_future *self)
{
    delete reinterpret_cast<countdown *>(self);
}

const wta_future_vt countdown_vt = {"countdown", countdown_poll, countdown_drop};

}  // namespace

int main()
{
    wta_config cfg{};
    cfg.workers = 2;
    wta_runtime *rt = wta_runtime_new(&cfg);
    if (rt == nullptr) {
        std::perror("hello: wta_runtime_new");
        return 1;
    }
    countdown *c = new countdown{{&countdown_vt}, 3};
    intptr_t out = 0;
    int rc = wta_block_on(rt, wta_spawn_at(rt, &c->base, "countdown", __FILE__, __LINE__), &out);
    std::printf("hello from C++: block_on: %s, output %ld\n", wta_strerror(rc), static_cast<long>(out));
    wta_runtime_free(rt);
    return rc == 0 && out == 7 ? 0 : 1;
}

static int book_keeping(struct wta_runtime *rt, struct main_waker *mw)
{
    // TODO(lab 1): sleep on rt->main_cond (under rt->main_lock) until
    // mw->ready is set; say you are waiting first (mw->waiting, rt->main_waiters),
    // and return -EDEADLK when wta_hang_certain() says nothing can wake you.
    // For the trace, record WTA_TRACE(rt, MAIN_WAIT, 0) when you start
    // waiting, and when you stop:
    //     WTA_TRACE_AFTER(rt, atomic_load(&mw->wake_t), MAIN_RESUME,
    //                     WTA_S(rc ? "hang" : "woken"));
    (void)rt;
    (void)mw;
    return -ENOSYS;
}

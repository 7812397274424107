static void mw_wake_by_ref(const struct wta_waker *w)
{
    struct main_waker *mw = w->data;
    struct wta_runtime *rt = mw->rt;
    // TODO(lab 1): set mw->ready, and if block_on is asleep (mw->waiting),
    // wake it: broadcast rt->main_cond while holding rt->main_lock.
    (void)rt;
}

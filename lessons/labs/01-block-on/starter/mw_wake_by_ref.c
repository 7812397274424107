static void mw_wake_by_ref(const struct wta_waker *w)
{
    struct main_waker *mw = w->data;
    struct wta_runtime *rt = mw->rt;
    if (rt->trace != NULL) {   // the trace's main.wake (given: the viewer draws it)
        struct wta_task *cur = wta_self.current;
        bool was = atomic_load(&mw->ready);
        atomic_store(&mw->wake_t,
                     wta_trace_rec(rt, 0, WTA_EV_MAIN_WAKE,
                                   WTA_S(wta_wake_source_name(wta_self.src)),
                                   cur != NULL ? wta_task_id(cur) : 0, was, wta_self.cause,
                                   0, 0));
    }
    // TODO(lab 1): set mw->ready, and if block_on is asleep (mw->waiting),
    // wake it: broadcast rt->main_cond while holding rt->main_lock.
}

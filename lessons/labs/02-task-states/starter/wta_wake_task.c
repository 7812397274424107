void wta_wake_task(struct wta_task *t, bool by_ref)
{
    struct wta_runtime *rt = t->rt;
    const char *outcome = NULL;   // NULL: another thread moved t first; look again
    bool push = false;
    uint64_t tw;

    do {
        unsigned s = wta_atomic_load(&t->state);
        tw = stamp(rt);
        // TODO(lab 2): the wake arrows, by state_of(s). schedule(t, s) and
        // notify(t, s) are each one compare-and-swap from s; they return
        // false if another thread moved t first: leave outcome NULL then,
        // and the loop looks again.
        //   IDLE      -> SCHEDULED (schedule): "scheduled", and push it (once)
        //   SCHEDULED or NOTIFIED: "already-scheduled", nothing to do
        //   RUNNING   -> NOTIFIED (notify): "notified-while-running": the
        //                worker re-queues it when its poll returns
        //   DONE      : "stale", nothing to do
        (void)s;
        outcome = "lost";
    } while (outcome == NULL);

    struct wta_task *cur = wta_self.current;
    WTA_TRACE_AT(rt, tw, WAKER_WAKE, t->id, WTA_S(wta_wake_source_name(wta_self.src)),
                 WTA_S(outcome), cur != NULL ? cur->id : 0, by_ref, wta_self.cause);
    if (push) {
        t->last_wake_t = tw;   // the pop and the poll it causes sort after this wake
        wta_executor_push(rt->exec, t, true);
    }
}

void wta_wake_task(struct wta_task *t, bool by_ref)
{
    struct wta_runtime *rt = t->rt;
    const char *outcome = "lost";
    bool push = false;
    struct wta_task *cur = wta_self.current;

    wta_mutex_lock(&t->lock);
    // TODO(lab 2): the wake transitions, by t->state:
    //   IDLE      -> SCHEDULED, outcome "scheduled", and push it (once)
    //   SCHEDULED or NOTIFIED: "already-scheduled", nothing to do
    //   RUNNING   -> NOTIFIED, "notified-while-running": the worker
    //                re-queues it when its poll returns
    //   DONE      : "stale", nothing to do
    // Stamped under the lock, so it sorts before the poll it causes.
    uint64_t tw = 0;
    if (rt->trace != NULL)
        tw = wta_trace_rec(rt, 0, WTA_EV_WAKER_WAKE, t->id,
                           WTA_S(wta_wake_source_name(wta_self.src)), WTA_S(outcome),
                           cur != NULL ? cur->id : 0, by_ref, wta_self.cause);
    if (push || t->state == WTA_TASK_NOTIFIED)
        t->last_wake_t = tw;
    wta_mutex_unlock(&t->lock);

    if (push)
        wta_executor_push(rt->exec, t, true);
}

/* Planted: a wake from another thread during the poll is dropped (the original's W2). */
void wta_wake_task(struct wta_task *t, bool by_ref)
{
    struct wta_runtime *rt = t->rt;
    const char *outcome;
    bool push = false;
    struct wta_task *cur = wta_self.current;

    wta_mutex_lock(&t->lock);
    switch (t->state) {
    case WTA_TASK_IDLE:
        t->state = WTA_TASK_SCHEDULED;
        outcome = "scheduled";
        push = true;
        break;
    case WTA_TASK_SCHEDULED:
    case WTA_TASK_NOTIFIED:
        outcome = "already-scheduled";
        break;
    case WTA_TASK_RUNNING:
        if (t->running_on != wta_thread_id()) {
            outcome = "lost";
        } else {
            t->state = WTA_TASK_NOTIFIED;
            outcome = "notified-while-running";
        }
        break;
    case WTA_TASK_DONE:
    default:
        outcome = "stale";
        break;
    }
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

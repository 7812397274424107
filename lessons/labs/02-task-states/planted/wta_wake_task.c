/* Planted: a wake from another thread during the poll is dropped (the original's W2). */
void wta_wake_task(struct wta_task *t, bool by_ref)
{
    struct wta_runtime *rt = t->rt;
    const char *outcome = NULL;   // NULL: another thread moved t first; look again
    bool push = false;
    uint64_t tw;

    do {
        unsigned s = wta_atomic_load(&t->state);
        tw = stamp(rt);
        switch (state_of(s)) {
        case WTA_TASK_IDLE:
            if (schedule(t, s)) {
                outcome = "scheduled";
                push = true;
            }
            break;
        case WTA_TASK_SCHEDULED:
        case WTA_TASK_NOTIFIED:
            outcome = "already-scheduled";
            break;
        case WTA_TASK_RUNNING:
            if (wta_self.current != t) {
                outcome = "lost";
            } else if (notify(t, s)) {
                outcome = "notified-while-running";
            }
            break;
        case WTA_TASK_DONE:
        default:
            outcome = "stale";
            break;
        }
    } while (outcome == NULL);

    struct wta_task *cur = wta_self.current;
    WTA_TRACE_AT(rt, tw, WAKER_WAKE, t->id, WTA_S(wta_wake_source_name(wta_self.src)),
                 WTA_S(outcome), cur != NULL ? cur->id : 0, by_ref, wta_self.cause);
    if (push) {
        t->last_wake_t = tw;   // the pop and the poll it causes sort after this wake
        wta_executor_push(rt->exec, t, true);
    }
}

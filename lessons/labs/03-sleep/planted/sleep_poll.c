/* Planted: a second poll takes any wake for the timer's, and is ready early. */
static int sleep_poll(struct wta_future *self, struct wta_context *cx, intptr_t *out)
{
    struct sleep *s = (struct sleep *)self;
    *out = 0;
    if (s->r != NULL)
        return WTA_READY;   // wrong: polled again does not mean the deadline passed
    if (wta_clock_ns() >= s->timer.deadline_ns)
        return WTA_READY;
    struct wta_runtime *rt = wta_self.rt;
    if (rt == NULL)
        return -ESRCH;
    s->r = rt->reactor;
    bool earliest;
    wta_mutex_lock(wta_reactor_lock(s->r));
    s->timer.waker = wta_waker_clone(cx->waker);
    earliest = wta_timer_heap_insert(wta_reactor_timers(s->r), &s->timer);
    wta_mutex_unlock(wta_reactor_lock(s->r));
    if (earliest)
        wta_reactor_unpark(s->r);
    return WTA_PENDING;
}

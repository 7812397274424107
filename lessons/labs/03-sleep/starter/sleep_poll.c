static int sleep_poll(struct wta_future *self, struct wta_context *cx, intptr_t *out)
{
    struct sleep *s = (struct sleep *)self;
    // TODO(lab 3): ready (0) once wta_clock_ns() >= s->timer.deadline_ns.
    // Otherwise arm the timer once, under the reactor's lock: keep a clone
    // of cx->waker in s->timer.waker (replace it only if it would wake
    // someone else), insert s->timer into the reactor's heap, and if it is
    // now the earliest, wta_reactor_unpark() so the epoll wait is shortened.
    // Once the reactor has fired it (s->timer.fired), you are ready.
    (void)s;
    (void)cx;
    *out = 0;
    return -ENOSYS;
}

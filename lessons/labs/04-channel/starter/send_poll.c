static int send_poll(struct wta_future *self, struct wta_context *cx, intptr_t *out)
{
    struct send_fut *s = (struct send_fut *)self;
    // TODO(lab 4): under c->lock:
    //   receiver gone (!c->rx_alive)  -> -EPIPE
    //   room (c->len < c->cap)        -> put s->value at the ring's tail, take
    //                                    the receiver's waker (wake it after
    //                                    unlocking), leave the wait list, 0
    //   full                          -> keep a clone of cx->waker in s->waker
    //                                    and join the wait list once: a recv
    //                                    that frees a slot wakes the first in line
    (void)s;
    (void)cx;
    *out = 0;
    return -ENOSYS;
}

static int recv_poll(struct wta_future *self, struct wta_context *cx, intptr_t *out)
{
    struct chan *c = ((struct recv_fut *)self)->c;
    // TODO(lab 4): under c->lock:
    //   a value queued     -> take it from the ring's head into *out, wake the
    //                         first waiting sender (pop_waiter; after unlocking), 0
    //   empty, no senders  -> -EPIPE (closed)
    //   empty              -> keep a clone of cx->waker in c->rx_waker: the next
    //                         send, or the last sender's drop, wakes us
    (void)c;
    (void)cx;
    *out = 0;
    return -ENOSYS;
}

/* Planted: a full channel's sender waits, but never gets in line: no recv will wake it. */
static int send_poll(struct wta_future *self, struct wta_context *cx, intptr_t *out)
{
    struct send_fut *s = (struct send_fut *)self;
    struct chan *c = s->c;
    struct wta_waker rx = {0};
    int rc;
    (void)cx;
    *out = 0;
    wta_mutex_lock(&c->lock);
    if (!c->rx_alive) {
        rc = -EPIPE;
    } else if (c->len < c->cap) {
        c->ring[(c->head + c->len++) % c->cap] = s->value;
        s->sent = true;
        rx = c->rx_waker;
        c->rx_waker = (struct wta_waker){0};
        rc = 0;
    } else {
        rc = WTA_PENDING;   // wrong: nobody will ever wake us
    }
    wta_mutex_unlock(&c->lock);
    wake_and_drop(c, &rx);
    return rc;
}

static void sleep_drop(struct wta_future *self)
{
    struct sleep *s = (struct sleep *)self;
    // TODO(lab 3): if the timer is armed, take it out of the heap (under the
    // reactor's lock), then drop the waker it kept -- after unlocking.
    free(s);
}

/* Planted: no hang check, so a future nobody can wake makes block_on sleep forever. */
static int book_keeping(struct wta_runtime *rt, struct main_waker *mw)
{
    wta_mutex_lock(&rt->main_lock);
    atomic_store(&mw->waiting, true);
    atomic_fetch_add(&rt->main_waiters, 1);
    while (!atomic_load(&mw->ready))
        wta_cond_wait(&rt->main_cond, &rt->main_lock);
    atomic_fetch_sub(&rt->main_waiters, 1);
    atomic_store(&mw->waiting, false);
    wta_mutex_unlock(&rt->main_lock);
    return 0;
}

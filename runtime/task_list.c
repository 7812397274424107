/*
 * task_list.c - the runtime's lists of live tasks: who is still alive.
 *
 * The original needs none (a task lives as long as its wakers); wta keeps
 * every task that is not yet DONE on a list for two readers:
 *
 *   shutdown       wta_runtime_free drops every listed task, so a task no
 *                  waker will ever call is freed instead of leaked;
 *   the hang check whether every waker clone is held by the runtime
 *                  (wta_task_all_held), and the dump at a hang
 *                  (wta_task_for_each).
 *
 * One list per worker and one for every other thread, each under its own
 * lock, so that spawns on different workers do not contend. A task is
 * listed at spawn and unlisted when it becomes DONE (finished, freed by
 * W2/W4, or cancelled), which lets go of the runtime's reference.
 *
 * A list's lock is the only lock here: a task's state is one atomic word
 * (task.c), read without a lock of its own.
 */
#include <stdlib.h>

#include "task.h"

int wta_task_lists_init(struct wta_runtime *rt)
{
    rt->task_lists = wta_xcalloc((size_t)rt->nworkers + 1, sizeof *rt->task_lists);
    for (int i = 0; i <= rt->nworkers; i++)
        wta_mutex_init(&rt->task_lists[i].lock);
    return 0;
}

void wta_task_lists_destroy(struct wta_runtime *rt)
{
    for (int i = 0; i <= rt->nworkers; i++)
        wta_mutex_destroy(&rt->task_lists[i].lock);
    free(rt->task_lists);
}

/* Lists t (at spawn): on the spawning worker's list, or the shared one. */
void wta_task_list_add(struct wta_task *t)
{
    struct wta_runtime *rt = t->rt;
    struct wta_worker *w = wta_self.worker;
    t->list = &rt->task_lists[w != NULL && wta_self.rt == rt ? wta_worker_index(w) + 1 : 0];
    wta_mutex_lock(&t->list->lock);
    t->all_next = t->list->head;
    if (t->list->head != NULL)
        t->list->head->all_prev = t;
    t->list->head = t;
    wta_mutex_unlock(&t->list->lock);
    wta_atomic_fetch_add(&rt->live_tasks, 1);
}

/*
 * The hang check's question: is every live clone of every listed task's
 * waker held by a runtime structure? If not, *id names a task whose are
 * not, with its counts. Reads only atomics: tasks may be running.
 */
bool wta_task_all_held(struct wta_runtime *rt, uint64_t *id, int *wakers, int *held)
{
    for (int i = 0; i <= rt->nworkers; i++) {
        struct wta_task_list *list = &rt->task_lists[i];
        bool all = true;
        wta_mutex_lock(&list->lock);
        for (struct wta_task *t = list->head; t != NULL && all; t = t->all_next) {
            *held = wta_atomic_load(&t->held);   // first: held only grows after clones do
            *wakers = wta_atomic_load(&t->wakers);
            if (*wakers != *held) {
                *id = t->id;
                all = false;
            }
        }
        wta_mutex_unlock(&list->lock);
        if (!all)
            return false;
    }
    return true;
}

/*
 * The hang check's dump: fn(info) for every task not yet DONE. Only when
 * every worker sleeps (the plain fields are then still). Takes each list's
 * lock, then each task's: nobody takes them the other way round.
 */
void wta_task_for_each(struct wta_runtime *rt, void (*fn)(const struct wta_task_info *, void *),
                       void *arg)
{
    for (int i = 0; i <= rt->nworkers; i++) {
        struct wta_task_list *list = &rt->task_lists[i];
        wta_mutex_lock(&list->lock);
        for (struct wta_task *t = list->head; t != NULL; t = t->all_next) {
            struct wta_task_info info = {
                .id = t->id, .polls = t->polls, .last_poll_ns = t->last_poll_ns,
                .wakers = wta_atomic_load(&t->wakers), .held = wta_atomic_load(&t->held),
                .wait = t->wait, .name = t->name, .file = t->file, .line = t->line,
            };
            info.state = wta_task_state_now(t);
            if (info.state != WTA_TASK_DONE)
                fn(&info, arg);
        }
        wta_mutex_unlock(&list->lock);
    }
}

/* Takes t off its task list and lets go of the runtime's reference. */
void wta_task_unlist(struct wta_task *t)
{
    struct wta_runtime *rt = t->rt;
    wta_mutex_lock(&t->list->lock);
    if (t->all_prev != NULL)
        t->all_prev->all_next = t->all_next;
    else
        t->list->head = t->all_next;
    if (t->all_next != NULL)
        t->all_next->all_prev = t->all_prev;
    wta_mutex_unlock(&t->list->lock);
    wta_atomic_fetch_sub(&rt->live_tasks, 1);
    wta_task_release(t);
}

/* Drops every task on one list; returns how many. */
static int drop_list(struct wta_task_list *list)
{
    int n = 0;
    for (;;) {
        // Dropping a future may wake or free other tasks: take one at a time.
        wta_mutex_lock(&list->lock);
        struct wta_task *t = list->head;
        if (t != NULL)
            wta_task_hold(t);   // keep it alive while we decide
        wta_mutex_unlock(&list->lock);
        if (t == NULL)
            return n;
        wta_task_set_done(t);
        wta_task_cancel(t, "shutdown");
        wta_task_release(t);
        n++;
    }
}

/* Shutdown (workers stopped): drops every task still listed. Returns how many. */
int wta_task_drop_all(struct wta_runtime *rt)
{
    int n = 0, pass;
    do {   // until a pass finds none: a future's drop may spawn, into any list
        pass = 0;
        for (int i = 0; i <= rt->nworkers; i++)
            pass += drop_list(&rt->task_lists[i]);
        n += pass;
    } while (pass > 0);
    return n;
}

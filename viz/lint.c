/*
 * lint.c - the lint list: names, explanations, and printing the findings.
 *
 * WTA_LINT_LIST in wta_model.h names each lint once; this file holds the
 * paragraph a student reads for each, and the two ways of printing a run
 * (text for people, JSON for graders). The rules themselves, one replay
 * of the trace, are in lint_rules.c.
 */
#include <stdlib.h>
#include <string.h>

#include "viz_int.h"

static const struct {
    const char *name;
    enum wta_severity severity;
} lints[WTA_LINT_COUNT] = {
#define WTA_LINT_ROW(id, name, sev) {name, sev},
    WTA_LINT_LIST(WTA_LINT_ROW)
#undef WTA_LINT_ROW
};

static const char *explanations[WTA_LINT_COUNT] = {
    [WTA_LINT_LOST_WAKEUP] =
        "A task returned Pending and then nothing was left that could wake it: every "
        "clone of its waker was dropped, no timer of its is pending, and no wake is on "
        "the way. A future that returns Pending promises that someone holds its waker; "
        "here nobody does, so the task hangs until shutdown drops it. Look at the poll "
        "that returned Pending and ask who was meant to call wake().",
    [WTA_LINT_WAKE_LOST] =
        "A task was woken while it was being polled, and the runtime dropped the wake "
        "(outcome 'lost'). The wake was the news that the task can make progress; after "
        "the poll returns Pending nobody will deliver it again. The fix (W2) is a "
        "NOTIFIED state: a wake during the poll marks the task, and the worker re-queues "
        "it when the poll ends.",
    [WTA_LINT_MAIN_FLAG] =
        "block_on cleared the MainWaker's ready flag after polling the main future, but a "
        "wake had set the flag during that poll. Clearing it erased the wake: block_on "
        "now waits for a wake that already happened and may wait forever. The fix (W1) is "
        "to swap the flag to false before each poll, so a wake during the poll survives.",
    [WTA_LINT_PARKED_WITH_WORK] =
        "A worker went to sleep while a task sat in the run queue it serves, and no "
        "unpark was on its way. The push happened between the worker's last look at the "
        "queue and its park, so the push's unpark found no sleeper (W3). The fix is to "
        "register as a sleeper first, look at the queue again, and only then park.",
    [WTA_LINT_HANG] =
        "block_on returned -EDEADLK: the main future was Pending and nothing left in the "
        "runtime could wake it - every worker parked, no task queued, no timer, socket or "
        "blocking job pending. The finding names what the main future waits on and what "
        "each live task waits on, from the task dump the runtime recorded with the hang "
        "(hang.main, hang.task); a task that waits on 'nothing' - it returned Pending with "
        "no waker held - is the usual cause, and is named first. 'wta-trace why FILE "
        "--task T --at I' says why a task is not running (--task 0: the main future).",
    [WTA_LINT_LONG_POLL] =
        "One poll ran longer than the threshold. While a task is being polled its worker "
        "can do nothing else, so a long poll delays every task queued behind it. Blocking "
        "work belongs in spawn_blocking; long loops should yield now and then.",
    [WTA_LINT_SELF_WAKE_LOOP] =
        "A task woke itself in poll after poll and returned Pending each time, without "
        "anything else waking it. That is a busy loop spelled as a future: it burns a "
        "worker and never sleeps. Either it is waiting for something that should have its "
        "own waker, or it should not be a loop.",
    [WTA_LINT_LATE_TIMER] =
        "A timer fired later than the threshold after its deadline. Either the reactor "
        "did not run in time (with W5 only block_on drives it, on a fixed spin, so timers "
        "stall while the main future is busy) or the process was starved of CPU.",
    [WTA_LINT_NEVER_JOINED] =
        "A task finished and sent its output into its JoinHandle, but nobody ever "
        "received it, and the handle was not dropped (detaching is a choice, and does "
        "not count): whoever held the handle never awaited it, and the result was lost.",
    [WTA_LINT_DROPPED] =
        "The recorder lost events (a write error, or the program stopped before the last "
        "batch was written). Everything after this point may be missing pieces, so other "
        "lints and the state view may be wrong around it.",
};

const char *wta_lint_name(enum wta_lint_kind k)
{
    return (unsigned)k < WTA_LINT_COUNT ? lints[k].name : "?";
}

enum wta_severity wta_lint_severity(enum wta_lint_kind k)
{
    return (unsigned)k < WTA_LINT_COUNT ? lints[k].severity : WTA_ERROR;
}

const char *wta_lint_explain(enum wta_lint_kind k)
{
    return (unsigned)k < WTA_LINT_COUNT ? explanations[k] : "";
}

int wta_lint_by_name(const char *name)
{
    for (int k = 0; k < WTA_LINT_COUNT; k++)
        if (strcmp(lints[k].name, name) == 0)
            return k;
    return -1;
}

void wta_lint_config_default(struct wta_lint_config *c)
{
    c->long_poll_ns = 10 * 1000 * 1000;
    c->late_timer_ns = 1000 * 1000;
    c->self_wake_polls = 50;
    c->allow = 0;
}

void wta_lints_free(struct wta_lints *l)
{
    free(l->items);
    memset(l, 0, sizeof *l);
}

void wta_lints_write_text(const struct wta_model *m, const struct wta_lints *l, FILE *f)
{
    int seen[WTA_LINT_COUNT] = {0};
    for (size_t i = 0; i < l->n; i++) {
        const struct wta_lint *x = &l->items[i];
        fprintf(f, "%s:%u: %s: %s [%s] (event %u)\n", m->path, m->events[x->ev].line,
                wta_lint_severity(x->kind) == WTA_ERROR ? "error" : "warning", x->msg,
                wta_lint_name(x->kind), x->ev);
        seen[x->kind] = 1;
    }
    for (int k = 0; k < WTA_LINT_COUNT; k++)
        if (seen[k])
            fprintf(f, "\n[%s] %s\n", wta_lint_name(k), wta_lint_explain(k));
    fprintf(f, "%s%zu lint(s): %zu error(s), %zu warning(s)", l->n ? "\n" : "", l->n,
            l->nerrors, l->nwarnings);
    const char *pre = " [";
    for (int k = 0; k < WTA_LINT_COUNT; k++)
        if (l->count[k]) {
            fprintf(f, "%s%s %zu", pre, wta_lint_name(k), l->count[k]);
            pre = ", ";
        }
    fputs(pre[0] == ',' ? "]" : "", f);
    pre = "; allowed: ";
    for (int k = 0; k < WTA_LINT_COUNT; k++)
        if (l->allowed[k]) {
            fprintf(f, "%s%s %zu", pre, wta_lint_name(k), l->allowed[k]);
            pre = ", ";
        }
    fputc('\n', f);
}

/* "name":n for each lint with a nonzero n. */
static void write_counts(FILE *f, const size_t *n)
{
    const char *pre = "";
    for (int k = 0; k < WTA_LINT_COUNT; k++)
        if (n[k]) {
            fprintf(f, "%s\"%s\":%zu", pre, wta_lint_name(k), n[k]);
            pre = ",";
        }
}

void wta_lints_write_json(const struct wta_model *m, const struct wta_lints *l, FILE *f)
{
    fprintf(f, "{\"file\":");
    wta_json_string(f, m->path);
    fprintf(f, ",\"lints\":[");
    for (size_t i = 0; i < l->n; i++) {
        const struct wta_lint *x = &l->items[i];
        fprintf(f, "%s\n{\"lint\":\"%s\",\"severity\":\"%s\",\"event\":%u,\"line\":%u,"
                "\"task\":%llu,\"message\":", i ? "," : "", wta_lint_name(x->kind),
                wta_lint_severity(x->kind) == WTA_ERROR ? "error" : "warning", x->ev,
                m->events[x->ev].line,
                x->task ? (unsigned long long)m->tasks[x->task - 1].id : 0ull);
        wta_json_string(f, x->msg);
        fprintf(f, "}");
    }
    fprintf(f, "],\n\"summary\":{\"errors\":%zu,\"warnings\":%zu,\"by_lint\":{",
            l->nerrors, l->nwarnings);
    write_counts(f, l->count);
    fprintf(f, "},\"allowed\":{");
    write_counts(f, l->allowed);
    fprintf(f, "}}}\n");
}

/*
 * recover.c - wta-trace finishes the trace of a program that died.
 *
 * A traced program killed or crashed leaves `<trace>.spool` beside its
 * trace (runtime/trace_spool.c). Before reading a trace, wta-trace asks
 * the runtime's wta_trace_recover() to write the spool's events into it,
 * and says so on stderr, with how the run ended. Only the wta-trace
 * program links this file (it needs libwta); libwtaviz reads what is on
 * disk.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "recover.h"
#include "wta.h"

void wta_cli_recover(const char *path)
{
    struct wta_trace_recovery rec;
    int err = wta_trace_recover(path, &rec);
    if (err == -ENOENT)
        return;
    if (err == -EBUSY) {
        fprintf(stderr, "wta-trace: %s: its program is still running; reading the events "
                "written so far\n", path);
    } else if (err == -EINVAL) {
        fprintf(stderr, "wta-trace: %s.spool: cannot recover the trace's last events: the "
                "spool was written by another version of wta, or is damaged\n", path);
    } else if (err != 0) {
        fprintf(stderr, "wta-trace: %s.spool: cannot recover the trace's last events: %s\n",
                path, strerror(-err));
    } else if (strcmp(rec.how, "signal") == 0) {
        char task[48] = "";
        if (rec.task != 0)
            snprintf(task, sizeof task, " while it polled task %llu",
                     (unsigned long long)rec.task);
        fprintf(stderr, "wta-trace: %s: recovered %llu event(s) from %s.spool: the run ended "
                "by %s on thread %s%s\n", path, (unsigned long long)rec.events, path,
                rec.signal, rec.thread, task);
    } else {
        fprintf(stderr, "wta-trace: %s: recovered %llu event(s) from %s.spool: the run ended "
                "%s\n", path, (unsigned long long)rec.events, path,
                strcmp(rec.how, "exit") == 0 ? "by exit() with its runtime still running"
                : "without a word (killed by SIGKILL, or the machine stopped)");
    }
}

/*
 * wta_trace_main.c - the wta-trace command: one subcommand per question.
 *
 *     wta-trace validate FILE            every problem as file:line; exit 0/1
 *     wta-trace stats FILE [--json]      time per task and per worker
 *     wta-trace lint FILE [--json]       known bugs, each at an event; exit 1 on errors
 *     wta-trace why FILE --task T --at I why T runs, or what it waits on
 *     wta-trace cat FILE [--from I] [--to J] [--task T]
 *     wta-trace export --perfetto FILE -o OUT.json
 *     wta-trace diff A B                 first divergent scheduling decision
 *     wta-trace explore [--seeds A..B] -- PROGRAM ARGS   search seeds for a race
 *
 * Each subcommand parses its own flags, loads the trace (errors print as
 * file:line and exit 1), asks the model one question and prints the answer.
 * Exit status: 0 fine, 1 the trace has a problem (or lints, or differs),
 * 2 a usage error.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "explore.h"
#include "recover.h"
#include "wta_model.h"

/* Where `make install` puts the docs; the Makefile passes PREFIX/share/doc/wta. */
#ifndef WTA_DOCDIR
#define WTA_DOCDIR "/usr/local/share/doc/wta"
#endif

static const char usage[] =
    "usage: wta-trace COMMAND [ARGS]\n"
    "\n"
    "  validate FILE [--strict]           check a trace; print every problem as file:line\n"
    "  stats FILE [--json]                polls, busy/scheduled/idle time, latencies\n"
    "  lint FILE [--json] [--long-poll-ms N] [--late-timer-ms N] [--self-wakes N]\n"
    "       [--allow NAME]... [--warnings-fail]\n"
    "                                     known concurrency bugs, each with its event,\n"
    "                                     then a summary per lint; --allow leaves lint\n"
    "                                     NAME out; exit 1 on an error-severity lint\n"
    "                                     (--warnings-fail: on any lint)\n"
    "  why FILE --task T --at I           why task T (its id) runs at event I: the\n"
    "                                     chain of causes behind its poll; or, if it\n"
    "                                     is not running, its state and what it waits\n"
    "                                     on; --task 0: the main future (block_on)\n"
    "  cat FILE [--from I] [--to J] [--task T]   one readable line per event;\n"
    "                                     --task T: T's events, with the io, channel\n"
    "                                     and select events T caused (version 2)\n"
    "  export --perfetto FILE -o OUT.json Chrome trace JSON for ui.perfetto.dev: thread\n"
    "                                     and task lanes, wake arrows, io/chan/select/\n"
    "                                     hang/note/mark instants, event fields as args,\n"
    "                                     run-queue and parked-worker counters\n"
    "  diff A B                           first divergent scheduling decision\n"
    "  explore [--seeds A..B] [--lint NAME] -- PROGRAM [ARGS]\n"
    "                                     run PROGRAM once per seed (WTA_SEED) and report\n"
    "                                     the seeds where it failed, hung or a lint fired\n"
    "\n"
    "  --strict   an unknown event kind is an error (default: a warning)\n"
    "  --help     this text      --version   the version\n"
    "\n"
    "Exit status: 0 ok, 1 the trace has errors (or FILE is a directory) / error lints\n"
    "fired / traces differ, 2 usage (also: --from after --to).\n"
    "What each lint means: man wta-trace, or " WTA_DOCDIR "/viz/README.md\n"
    "(viz/README.md in the source tree).\n";

struct opts {
    const char *files[2];
    int nfiles;
    int json, strict, perfetto;
    const char *out;
    int64_t task, at, from, to;
    double long_poll_ms, late_timer_ms;
    int64_t self_wakes;
    uint32_t allow;             /* lints left out: bit k for lint k */
    int warnings_fail;
};

static int usage_error(const char *fmt, const char *arg)
{
    fprintf(stderr, "wta-trace: ");
    fprintf(stderr, fmt, arg);
    fprintf(stderr, "\nTry 'wta-trace --help'.\n");
    return 2;
}

/* Parse a non-negative integer flag value; -1 if it is not one. */
static int64_t number(const char *s)
{
    char *end;
    errno = 0;
    long long v = strtoll(s, &end, 10);
    if (errno != 0 || end == s || *end != '\0' || v < 0)
        return -1;
    return v;
}

static int parse(int argc, char **argv, struct opts *o)
{
    for (int i = 2; i < argc; i++) {
        const char *a = argv[i];
        const char *v = i + 1 < argc ? argv[i + 1] : NULL;
        int64_t *num = NULL;
        double *ms = NULL;
        if (strcmp(a, "--json") == 0) o->json = 1;
        else if (strcmp(a, "--strict") == 0) o->strict = 1;
        else if (strcmp(a, "--perfetto") == 0) o->perfetto = 1;
        else if (strcmp(a, "--warnings-fail") == 0) o->warnings_fail = 1;
        else if (strcmp(a, "--allow") == 0) {
            int k = v != NULL ? wta_lint_by_name(v) : -1;
            if (v == NULL)
                return usage_error("%s needs a lint name", a);
            if (k < 0)
                return usage_error("unknown lint '%s' (the lints are listed in viz/README.md)", v);
            o->allow |= 1u << k;
            i++;
        }
        else if (strcmp(a, "-o") == 0) {
            if (v == NULL)
                return usage_error("%s needs a file name", a);
            o->out = v;
            i++;
        }
        else if (strcmp(a, "--task") == 0) num = &o->task;
        else if (strcmp(a, "--at") == 0) num = &o->at;
        else if (strcmp(a, "--from") == 0) num = &o->from;
        else if (strcmp(a, "--to") == 0) num = &o->to;
        else if (strcmp(a, "--self-wakes") == 0) num = &o->self_wakes;
        else if (strcmp(a, "--long-poll-ms") == 0) ms = &o->long_poll_ms;
        else if (strcmp(a, "--late-timer-ms") == 0) ms = &o->late_timer_ms;
        else if (a[0] == '-' && a[1] != '\0') return usage_error("unknown option '%s'", a);
        else if (o->nfiles == 2) return usage_error("too many files: '%s'", a);
        else o->files[o->nfiles++] = a;
        if (num != NULL || ms != NULL) {
            if (v == NULL)
                return usage_error("%s needs a number", a);
            if (num != NULL && (*num = number(v)) < 0)
                return usage_error("expected a non-negative integer, not '%s'", v);
            if (ms != NULL && (sscanf(v, "%lf", ms) != 1 || *ms < 0))
                return usage_error("expected a non-negative number of ms, not '%s'", v);
            i++;
        }
    }
    return 0;
}

/* Recover a leftover spool and load the trace at path for any command. A
 * directory is refused here, with one message, before the loader would try
 * to read it. *m is NULL if the file could not be read (said on stderr). */
static int load(const char *path, const struct opts *o, struct wta_model **m)
{
    struct stat st;
    *m = NULL;
    if (stat(path, &st) == 0 && S_ISDIR(st.st_mode)) {
        fprintf(stderr, "wta-trace: %s: is a directory, not a trace file\n", path);
        return -EISDIR;
    }
    wta_cli_recover(path);
    int err = wta_model_load(path, o->strict ? WTA_LOAD_STRICT : 0, m);
    if (*m == NULL)
        fprintf(stderr, "wta-trace: %s: %s\n", path, strerror(-err));
    return err;
}

/* Load a trace for a command; prints problems and returns NULL on errors. */
static struct wta_model *open_trace(const char *path, const struct opts *o)
{
    struct wta_model *m;
    int err = load(path, o, &m);
    if (m == NULL)
        return NULL;
    if (err < 0) {
        wta_model_print_diags(m, stderr);
        if (m->nerrors == 0)
            fprintf(stderr, "wta-trace: %s: %s\n", path, strerror(-err));
        wta_model_free(m);
        return NULL;
    }
    if (m->nwarnings > 0)
        fprintf(stderr, "wta-trace: %s: %zu warning(s); 'wta-trace validate %s' lists them\n",
                path, m->nwarnings, path);
    return m;
}

static int cmd_validate(const struct opts *o)
{
    struct wta_model *m;
    int err = load(o->files[0], o, &m);
    if (m == NULL)
        return 1;
    wta_model_print_diags(m, stdout);
    printf("%s: %zu events, %zu threads, %zu tasks: %zu error(s), %zu warning(s)%s\n",
           o->files[0], m->nevents, m->nthreads, m->ntasks, m->nerrors, m->nwarnings,
           m->truncated ? " (cut short)" : "");
    wta_model_free(m);
    return err < 0 ? 1 : 0;
}

static int cmd_cat(const struct opts *o, const struct wta_model *m)
{
    char line[512];
    uint32_t task = 0;
    if (o->task >= 0 && (task = wta_model_task_by_id(m, (uint64_t)o->task)) == 0) {
        fprintf(stderr, "wta-trace: %s: no task %" PRId64 "\n", m->path, o->task);
        return 1;
    }
    size_t to = o->to >= 0 && (size_t)o->to < m->nevents ? (size_t)o->to + 1 : m->nevents;
    for (size_t i = o->from >= 0 ? (size_t)o->from : 0; i < to; i++) {
        const struct wta_ev *e = &m->events[i];
        if (task != 0 && e->task != task)
            continue;
        wta_event_format(m, e, line, sizeof line);
        printf("%7zu %12.3fus %-10s %s\n", i, (double)e->t_ns / 1000.0,
               m->threads[e->th].name, line);
    }
    return 0;
}

/* Print a why answer: a chain of causes ("<-": caused by) or a list of facts. */
static void print_why(const struct wta_why *w, int chain)
{
    for (size_t k = 0; k < w->n; k++)
        printf("%s%7u  %s\n", k && chain ? "  <- " : "     ", w->ev[k], w->text[k]);
}

/* why --task T --at I: the chain behind its poll if T is running at event
 * I; else why it is not (its state and what it waits on). T 0 is the main
 * future. */
static int cmd_why(const struct opts *o, const struct wta_model *m)
{
    struct wta_why w;
    uint32_t task = 0;
    if (o->task < 0 || o->at < 0)
        return usage_error("%s needs --task T and --at I", "why");
    if (o->task != 0 && (task = wta_model_task_by_id(m, (uint64_t)o->task)) == 0) {
        fprintf(stderr, "wta-trace: %s: no task %" PRId64 " (--task 0 is the main future)\n",
                m->path, o->task);
        return 1;
    }
    if ((size_t)o->at >= m->nevents) {
        fprintf(stderr, "wta-trace: %s: --at %" PRId64 ": the trace has events 0..%zu\n",
                m->path, o->at, m->nevents - 1);
        return 1;
    }
    if (task == 0) {
        wta_why_main(m, (size_t)o->at, &w);
        print_why(&w, 0);
    } else if (wta_why_not(m, task, (size_t)o->at, &w) == 0) {
        print_why(&w, 0);
    } else {
        wta_why(m, task, (size_t)o->at, &w);
        print_why(&w, 1);
    }
    return 0;
}

static int cmd_lint(const struct opts *o, const struct wta_model *m)
{
    struct wta_lint_config c;
    struct wta_lints l = {0};
    wta_lint_config_default(&c);
    if (o->long_poll_ms >= 0)
        c.long_poll_ns = (int64_t)(o->long_poll_ms * 1e6);
    if (o->late_timer_ms >= 0)
        c.late_timer_ns = (int64_t)(o->late_timer_ms * 1e6);
    if (o->self_wakes > 0)
        c.self_wake_polls = (uint32_t)o->self_wakes;
    c.allow = o->allow;
    if (wta_lint_run(m, &c, &l) < 0) {
        fprintf(stderr, "wta-trace: out of memory\n");
        return 1;
    }
    if (o->json)
        wta_lints_write_json(m, &l, stdout);
    else
        wta_lints_write_text(m, &l, stdout);
    int fail = l.nerrors > 0 || (o->warnings_fail && l.nwarnings > 0);
    wta_lints_free(&l);
    return fail;
}

static int cmd_export(const struct opts *o, const struct wta_model *m)
{
    FILE *f = fopen(o->out, "w");
    if (f == NULL) {
        fprintf(stderr, "wta-trace: %s: %s\n", o->out, strerror(errno));
        return 1;
    }
    int err = wta_perfetto_write(m, f);
    if (fclose(f) != 0 && err == 0)
        err = -errno;
    if (err < 0) {
        fprintf(stderr, "wta-trace: %s: %s\n", o->out, strerror(-err));
        return 1;
    }
    return 0;
}

int main(int argc, char **argv)
{
    struct opts o = {.task = -1, .at = -1, .from = -1, .to = -1,
                     .long_poll_ms = -1, .late_timer_ms = -1};
    if (argc < 2)
        return usage_error("%s", "missing command");
    const char *cmd = argv[1];
    if (strcmp(cmd, "--help") == 0 || strcmp(cmd, "-h") == 0 || strcmp(cmd, "help") == 0) {
        fputs(usage, stdout);
        return 0;
    }
    if (strcmp(cmd, "--version") == 0) {
        printf("wta-trace %s (trace format %d)\n", WTA_VIZ_VERSION, WTA_TRACE_FORMAT_VERSION);
        return 0;
    }
    if (strcmp(cmd, "explore") == 0)
        return wta_explore_main(argc, argv);   // its own flags, and a program after --
    static const char *cmds[] = {"validate", "stats", "lint", "why", "cat", "export", "diff"};
    int c = -1;
    for (int k = 0; k < 7; k++)
        if (strcmp(cmd, cmds[k]) == 0)
            c = k;
    if (c < 0)
        return usage_error("unknown command '%s'", cmd);
    for (int i = 2; i < argc; i++)
        if (strcmp(argv[i], "--help") == 0) {
            fputs(usage, stdout);
            return 0;
        }
    if (parse(argc, argv, &o) != 0)
        return 2;
    if (o.nfiles != (c == 6 ? 2 : 1))
        return usage_error(c == 6 ? "%s needs two trace files" : "%s needs one trace file", cmd);
    if (c == 5 && (!o.perfetto || o.out == NULL))
        return usage_error("%s needs --perfetto and -o OUT.json", cmd);
    if (o.from >= 0 && o.to >= 0 && o.from > o.to) {
        fprintf(stderr, "wta-trace: --from %" PRId64 " is after --to %" PRId64 ": nothing "
                "to print\nTry 'wta-trace --help'.\n", o.from, o.to);
        return 2;
    }
    if (c == 0)
        return cmd_validate(&o);
    struct wta_model *m = open_trace(o.files[0], &o), *b = NULL;
    if (m == NULL)
        return 1;
    int rc;
    switch (c) {
    case 1: rc = wta_stats_write(m, stdout, o.json) < 0; break;
    case 2: rc = cmd_lint(&o, m); break;
    case 3: rc = cmd_why(&o, m); break;
    case 4: rc = cmd_cat(&o, m); break;
    case 5: rc = cmd_export(&o, m); break;
    default:
        if ((b = open_trace(o.files[1], &o)) == NULL) {
            rc = 1;
            break;
        }
        rc = wta_diff(m, b, stdout) != 0;
        wta_model_free(b);
        break;
    }
    wta_model_free(m);
    return rc;
}

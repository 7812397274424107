/*
 * explore.c - `wta-trace explore`: search seeds for a race.
 *
 *     wta-trace explore [--seeds A..B] [--lint NAME]... [--timeout S] -- PROGRAM ARGS
 *
 * Runs PROGRAM once per seed in deterministic mode (WTA_SEED=n, with
 * WTA_TRACE naming a fresh file), then looks at what happened: did it
 * exit non-zero or die, did block_on report a hang (a `hang` event), did
 * a lint fire on its trace? Every seed that found something gets a line;
 * the end says which, keeps the first one's trace, and prints the command
 * that replays it. The same seed gives the same trace byte for byte, so
 * the replay shows exactly what the search saw.
 *
 * Lints: by default those of severity error (lost wakeups, a main flag
 * overwritten, a worker parked with work...); warnings such as long-poll
 * describe performance, not correctness. --lint NAME (repeatable) looks
 * for those lints only.
 *
 * Exit status: 0 a seed found something, 1 none did, 2 usage or a run
 * that could not be started.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "explore.h"
#include "wta_model.h"

static const char explore_usage[] =
    "usage: wta-trace explore [--seeds A..B] [--lint NAME]... [--timeout S] -- PROGRAM [ARGS]\n"
    "\n"
    "Runs PROGRAM once per seed with WTA_SEED=n (deterministic mode) and WTA_TRACE set to\n"
    "a temporary file, and reports each seed where it exited non-zero, hung (block_on\n"
    "returned -EDEADLK: the trace has a `hang` event) or a lint fired on its trace; then\n"
    "the command that replays the first such seed, byte for byte.\n"
    "\n"
    "  --seeds A..B   the seeds to try (default 1..50)\n"
    "  --lint NAME    count only this lint (repeatable; default: every error-level lint)\n"
    "  --timeout S    kill a run after S seconds of real time (default 60)\n"
    "  --help         this text\n"
    "\n"
    "Exit status: 0 a seed found something, 1 none did, 2 usage error.\n";

struct explore_opts {
    uint64_t first, last;
    bool want[WTA_LINT_COUNT];
    bool any_lint;              /* --lint given */
    unsigned timeout_s;
    char **argv;                /* PROGRAM ARGS, NULL-terminated */
};

static int explore_usage_error(const char *fmt, const char *arg)
{
    fprintf(stderr, "wta-trace explore: ");
    fprintf(stderr, fmt, arg);
    fprintf(stderr, "\nTry 'wta-trace explore --help'.\n");
    return 2;
}

static bool parse_u64(const char *s, const char *end, uint64_t *out)
{
    if (s == end || *s < '0' || *s > '9')
        return false;
    char *stop;
    errno = 0;
    unsigned long long v = strtoull(s, &stop, 10);
    if (errno != 0 || stop != end)
        return false;
    *out = v;
    return true;
}

static int parse_opts(int argc, char **argv, struct explore_opts *o)
{
    o->first = 1;
    o->last = 50;
    o->timeout_s = 60;
    int i = 2;
    for (; i < argc && strcmp(argv[i], "--") != 0; i++) {
        const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
        if (strcmp(a, "--seeds") == 0 || strcmp(a, "--lint") == 0 ||
            strcmp(a, "--timeout") == 0) {
            if (v == NULL)
                return explore_usage_error("%s needs a value", a);
            i++;
        }
        if (strcmp(a, "--seeds") == 0) {
            const char *dots = strstr(v, "..");
            if (dots == NULL || !parse_u64(v, dots, &o->first) ||
                !parse_u64(dots + 2, dots + strlen(dots), &o->last) || o->last < o->first)
                return explore_usage_error("--seeds: expected A..B with A <= B, not '%s'", v);
        } else if (strcmp(a, "--lint") == 0) {
            int k = 0;
            while (k < WTA_LINT_COUNT && strcmp(wta_lint_name((enum wta_lint_kind)k), v) != 0)
                k++;
            if (k == WTA_LINT_COUNT)
                return explore_usage_error("unknown lint '%s' (see wta-trace lint --help)", v);
            o->want[k] = true;
            o->any_lint = true;
        } else if (strcmp(a, "--timeout") == 0) {
            uint64_t s;
            if (!parse_u64(v, v + strlen(v), &s) || s == 0 || s > 86400)
                return explore_usage_error("--timeout: expected seconds from 1 to 86400, "
                                           "not '%s'", v);
            o->timeout_s = (unsigned)s;
        } else {
            return explore_usage_error("unknown option '%s' (the program goes after --)", a);
        }
    }
    if (i + 1 >= argc)
        return explore_usage_error("%s", "missing -- PROGRAM [ARGS]");
    o->argv = argv + i + 1;
    if (!o->any_lint)
        for (int k = 0; k < WTA_LINT_COUNT; k++)
            o->want[k] = wta_lint_severity((enum wta_lint_kind)k) == WTA_ERROR;
    return 0;
}

/* ---------------------------------------------------------------- one run */

struct run_result {
    int status;                 /* waitpid's; meaningful unless timed_out */
    bool timed_out, hung, no_trace;
    char lints[512];            /* "lost-wakeup at event 12, ..." */
    char last_line[200];        /* the program's last line of output */
};

/* Runs the program with seed; 0, or -errno if it could not be started. */
static int run_seed(const struct explore_opts *o, uint64_t seed, const char *trace,
                    const char *out_path, struct run_result *r)
{
    sigset_t chld, old;
    sigemptyset(&chld);
    sigaddset(&chld, SIGCHLD);
    sigprocmask(SIG_BLOCK, &chld, &old);   // so sigtimedwait can wait for the child
    fflush(stdout);
    fflush(stderr);
    pid_t pid = fork();
    if (pid < 0) {
        int err = errno;
        sigprocmask(SIG_SETMASK, &old, NULL);
        return -err;
    }
    if (pid == 0) {
        sigprocmask(SIG_SETMASK, &old, NULL);
        char s[24];
        snprintf(s, sizeof s, "%llu", (unsigned long long)seed);
        setenv("WTA_SEED", s, 1);
        setenv("WTA_TRACE", trace, 1);
        int fd = open(out_path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
        if (fd >= 0) {
            dup2(fd, 1);
            dup2(fd, 2);
            close(fd);
        }
        execvp(o->argv[0], o->argv);
        fprintf(stderr, "wta-trace explore: cannot run '%s': %s\n", o->argv[0],
                strerror(errno));
        _exit(127);
    }
    struct timespec left = {.tv_sec = o->timeout_s};
    struct timespec start;
    clock_gettime(CLOCK_MONOTONIC, &start);
    for (;;) {
        if (waitpid(pid, &r->status, WNOHANG) == pid)
            break;
        struct timespec now;
        clock_gettime(CLOCK_MONOTONIC, &now);
        double used = (double)(now.tv_sec - start.tv_sec) + (now.tv_nsec - start.tv_nsec) / 1e9;
        if (used >= o->timeout_s) {
            kill(pid, SIGKILL);
            waitpid(pid, &r->status, 0);
            r->timed_out = true;
            break;
        }
        double rest = o->timeout_s - used;
        left.tv_sec = (time_t)rest;
        left.tv_nsec = (long)((rest - (double)left.tv_sec) * 1e9);
        sigtimedwait(&chld, NULL, &left);   // SIGCHLD, or the time is up
    }
    sigprocmask(SIG_SETMASK, &old, NULL);
    return 0;
}

/* The last non-empty line of a file, or "". */
static void last_line(const char *path, char *out, size_t cap)
{
    out[0] = '\0';
    FILE *f = fopen(path, "r");
    if (f == NULL)
        return;
    char line[1024];
    while (fgets(line, sizeof line, f) != NULL) {
        size_t n = strcspn(line, "\n");
        if (n == 0)
            continue;
        if (n >= cap)
            n = cap - 1;   // a long line is cut: this is a reminder, not the record
        memcpy(out, line, n);
        out[n] = '\0';
    }
    fclose(f);
}

/* Reads the run's trace: a hang event? which wanted lints fired? */
static void examine(const struct explore_opts *o, const char *trace, struct run_result *r)
{
    struct wta_model *m = NULL;
    wta_model_load(trace, 0, &m);
    if (m == NULL || m->nevents == 0) {
        r->no_trace = true;
        if (m != NULL)
            wta_model_free(m);
        return;
    }
    for (size_t i = 0; i < m->nevents && !r->hung; i++)
        r->hung = m->events[i].kind == WTA_EV_HANG;
    struct wta_lint_config c;
    struct wta_lints l = {0};
    wta_lint_config_default(&c);
    if (wta_lint_run(m, &c, &l) == 0) {
        size_t n = 0;
        for (size_t i = 0; i < l.n; i++) {
            if (!o->want[l.items[i].kind] || n + 64 >= sizeof r->lints)
                continue;
            n += (size_t)snprintf(r->lints + n, sizeof r->lints - n, "%s%s at event %u",
                                  n ? ", " : "", wta_lint_name(l.items[i].kind), l.items[i].ev);
        }
    }
    wta_lints_free(&l);
    wta_model_free(m);
}

static bool exited_ok(const struct run_result *r)
{
    return !r->timed_out && WIFEXITED(r->status) && WEXITSTATUS(r->status) == 0;
}

static bool found(const struct run_result *r)
{
    return !exited_ok(r) || r->hung || r->lints[0] != '\0';
}

static void report(uint64_t seed, const struct run_result *r)
{
    printf("seed %llu:", (unsigned long long)seed);
    const char *sep = " ";
    if (r->timed_out)
        printf("%stimed out (killed)", sep), sep = "; ";
    else if (WIFSIGNALED(r->status))
        printf("%skilled by signal %d", sep, WTERMSIG(r->status)), sep = "; ";
    else if (WEXITSTATUS(r->status) != 0)
        printf("%sexit status %d", sep, WEXITSTATUS(r->status)), sep = "; ";
    if (r->hung)
        printf("%shang", sep), sep = "; ";
    if (r->lints[0] != '\0')
        printf("%slint: %s", sep, r->lints), sep = "; ";
    if (r->no_trace)
        printf("%sno trace written", sep);
    printf("\n");
    if (!exited_ok(r) && r->last_line[0] != '\0')
        printf("    its output: %s\n", r->last_line);
}

/* Prints s for a POSIX shell: as is if safe, else in single quotes. */
static void shell_word(const char *s)
{
    if (s[0] != '\0' && strspn(s, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
                                  "0123456789-_./=:,+@%") == strlen(s)) {
        fputs(s, stdout);
        return;
    }
    putchar('\'');
    for (; *s; s++) {
        if (*s == '\'')
            fputs("'\\''", stdout);
        else
            putchar(*s);
    }
    putchar('\'');
}

/* ---------------------------------------------------------------- the search */

int wta_explore_main(int argc, char **argv)
{
    for (int i = 2; i < argc && strcmp(argv[i], "--") != 0; i++)
        if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
            fputs(explore_usage, stdout);
            return 0;
        }
    struct explore_opts o = {0};
    if (parse_opts(argc, argv, &o) != 0)
        return 2;
    const char *tmp = getenv("TMPDIR");
    char dir[4096];
    snprintf(dir, sizeof dir, "%s/wta-explore-XXXXXX", tmp != NULL && tmp[0] ? tmp : "/tmp");
    if (mkdtemp(dir) == NULL) {
        fprintf(stderr, "wta-trace explore: cannot make a folder for the traces (%s): %s\n",
                dir, strerror(errno));
        return 2;
    }
    char trace[4200], out[4200], kept[4200] = "";
    snprintf(out, sizeof out, "%s/output.txt", dir);
    uint64_t nfound = 0, first_found = 0, runs = 0;
    for (uint64_t seed = o.first;; seed++) {
        snprintf(trace, sizeof trace, "%s/seed-%llu.jsonl", dir, (unsigned long long)seed);
        struct run_result r = {0};
        int err = run_seed(&o, seed, trace, out, &r);
        if (err != 0) {
            fprintf(stderr, "wta-trace explore: cannot start a run: %s\n", strerror(-err));
            return 2;
        }
        runs++;
        if (WIFEXITED(r.status) && WEXITSTATUS(r.status) == 127 && !r.timed_out) {
            last_line(out, r.last_line, sizeof r.last_line);
            fprintf(stderr, "%s\n", r.last_line);
            remove(out);
            remove(trace);
            rmdir(dir);
            return 2;
        }
        examine(&o, trace, &r);
        if (found(&r)) {
            last_line(out, r.last_line, sizeof r.last_line);
            report(seed, &r);
            if (nfound++ == 0) {
                first_found = seed;
                snprintf(kept, sizeof kept, "%s", trace);
            }
        }
        if (strcmp(trace, kept) != 0)
            remove(trace);
        if (seed == o.last)
            break;
    }
    remove(out);
    printf("%llu of %llu seeds (%llu..%llu) found something\n", (unsigned long long)nfound,
           (unsigned long long)runs, (unsigned long long)o.first, (unsigned long long)o.last);
    if (nfound == 0) {
        rmdir(dir);
        return 1;
    }
    printf("trace of seed %llu: %s\n", (unsigned long long)first_found, kept);
    printf("replay: WTA_SEED=%llu WTA_TRACE=seed-%llu.jsonl", (unsigned long long)first_found,
           (unsigned long long)first_found);
    for (char **a = o.argv; *a != NULL; a++) {
        putchar(' ');
        shell_word(*a);
    }
    printf("\n");
    return 0;
}

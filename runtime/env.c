/*
 * env.c - the environment knobs: what a user can change from the shell
 * without recompiling, as Go's GOMAXPROCS or tokio's TOKIO_WORKER_THREADS.
 *
 * wta_runtime_new calls wta_env_apply on its copy of the config before
 * anything starts. Each knob fills one field, and only when the program left
 * that field unset (0, NULL, WTA_SCHED_DEFAULT): what the program says wins.
 * An empty variable counts as unset (WTA_TRACE= turns tracing off).
 *
 *     WTA_WORKERS=N       cfg.workers      1..256
 *     WTA_SCHEDULER=S     cfg.scheduler    local | global
 *     WTA_BUGS=W2,W5      cfg.bugs         W1..W5, comma-separated, or none
 *     WTA_TRACE=path      cfg.trace_path   a file to write the trace to
 *     WTA_SEED=n          cfg.deterministic, cfg.seed   deterministic mode (sim.c)
 *
 * A bad value is refused, never guessed at: the runtime does not start, and
 * the message names the variable, the value and what it accepts, so a typo
 * cannot quietly run a different lesson. The values in effect are echoed
 * in the trace header (workers, scheduler, bugs).
 *
 * Each knob is one small parser and a row in the table below, and one line
 * in wta_env_apply that copies its field when the program left it unset.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"

/* Parses one value into its field of cfg: 0, or -EINVAL if it is not accepted. */
typedef int (*env_parse_fn)(const char *value, struct wta_config *cfg);

static int parse_workers(const char *value, struct wta_config *cfg)
{
    char *end;
    errno = 0;
    long n = strtol(value, &end, 10);
    if (errno != 0 || end == value || *end != '\0' || n < 1 || n > WTA_MAX_WORKERS)
        return -EINVAL;
    cfg->workers = (int)n;
    return 0;
}

static int parse_scheduler(const char *value, struct wta_config *cfg)
{
    if (strcmp(value, "local") == 0)
        cfg->scheduler = WTA_SCHED_LOCAL;
    else if (strcmp(value, "global") == 0)
        cfg->scheduler = WTA_SCHED_GLOBAL;
    else
        return -EINVAL;
    return 0;
}

/* "W2,W5" (w2 also), or "none". A bug named twice is one bug. */
static int parse_bugs(const char *value, struct wta_config *cfg)
{
    if (strcmp(value, "none") == 0)
        return 0;
    unsigned bugs = 0;
    const char *p = value;
    for (;;) {
        if ((p[0] != 'W' && p[0] != 'w') || p[1] < '1' || p[1] > '5')
            return -EINVAL;
        bugs |= 1u << (p[1] - '1');   // W1 is bit 0, as in enum wta_bug
        p += 2;
        if (*p == '\0')
            break;
        if (*p != ',')
            return -EINVAL;
        p++;
    }
    cfg->bugs = bugs;
    return 0;
}

static int parse_trace(const char *value, struct wta_config *cfg)
{
    cfg->trace_path = value;   // getenv's string lives as long as the process
    return 0;
}

static int parse_seed(const char *value, struct wta_config *cfg)
{
    char *end;
    errno = 0;
    unsigned long long n = strtoull(value, &end, 10);
    if (errno != 0 || end == value || *end != '\0' || value[0] < '0' || value[0] > '9')
        return -EINVAL;
    cfg->deterministic = true;
    cfg->seed = n;
    return 0;
}

_Static_assert(WTA_MAX_WORKERS == 256, "WTA_WORKERS' message says 1 to 256");

static const struct env_knob {
    const char *name;
    env_parse_fn parse;
    const char *accepts;   /* the error message's "expected ..." */
} knobs[] = {
    {"WTA_WORKERS",   parse_workers,   "a number of worker threads from 1 to 256"},
    {"WTA_SCHEDULER", parse_scheduler, "'local' or 'global'"},
    {"WTA_BUGS",      parse_bugs,      "bug ids W1..W5 separated by commas (e.g. W2,W5), or 'none'"},
    {"WTA_TRACE",     parse_trace,     "a file name"},
    {"WTA_SEED",      parse_seed,      "a seed, a number from 0 to 18446744073709551615"},
};

/*
 * Fills the fields cfg leaves unset from the environment. Every knob that is
 * set is checked, even one whose field the program set itself, so a typo is
 * never silently ignored. Returns 0, or -EINVAL with a one-line message (no
 * newline) in msg. Called by wta_runtime_new before any thread starts.
 */
int wta_env_apply(struct wta_config *cfg, char *msg, size_t cap)
{
    struct wta_config env = {0};
    for (size_t i = 0; i < sizeof knobs / sizeof knobs[0]; i++) {
        const struct env_knob *k = &knobs[i];
        const char *value = getenv(k->name);
        if (value == NULL || value[0] == '\0')
            continue;
        if (k->parse(value, &env) != 0) {
            snprintf(msg, cap, "%s='%s' is not valid: expected %s", k->name, value,
                     k->accepts);
            return -EINVAL;
        }
    }
    if (cfg->workers == 0)
        cfg->workers = env.workers;
    if (cfg->scheduler == WTA_SCHED_DEFAULT)
        cfg->scheduler = env.scheduler;
    if (cfg->bugs == 0)
        cfg->bugs = env.bugs;
    if (cfg->trace_path == NULL)
        cfg->trace_path = env.trace_path;
    if (!cfg->deterministic) {
        cfg->deterministic = env.deterministic;
        cfg->seed = env.seed;
    }
    return 0;
}

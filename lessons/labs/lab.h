/*
 * lab.h - the scenario harness every lab's grader program shares.
 *
 * A lab's scenarios.c lists its scenarios in one table; the grader
 * (grade.sh) runs the program once per scenario, per seed, in a child
 * process with a time limit:
 *
 *     scenarios NAME        run one scenario; exit 0 = pass
 *     scenarios --list      print every scenario's name
 *
 * A scenario returns 0 when the runtime behaved as the contract says, or
 * prints one sentence saying what it expected and returns 1. A crash or a
 * hang in the student's code is the child's, never the grader's.
 */
#ifndef WTA_LAB_H
#define WTA_LAB_H

#include <stdio.h>

#include "wta.h"

struct lab_scenario {
    const char *name;
    int (*run)(void);
};

/* Fails the scenario with a sentence if cond is false. */
#define LAB_EXPECT(cond, ...)                                 \
    do {                                                      \
        if (!(cond)) {                                        \
            fprintf(stderr, "expected: " __VA_ARGS__);        \
            fputc('\n', stderr);                              \
            return 1;                                         \
        }                                                     \
    } while (0)

/* A runtime with `workers` workers (the environment may add a seed, a trace). */
struct wta_runtime *lab_runtime(int workers);

/* The table and its length, defined by each lab's scenarios.c. */
extern const struct lab_scenario lab_scenarios[];
extern const int lab_nscenarios;

#endif

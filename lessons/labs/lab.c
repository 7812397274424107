/*
 * lab.c - main() for a lab's scenario program (see lab.h).
 */
#include <stdlib.h>
#include <string.h>

#include "lab.h"

struct wta_runtime *lab_runtime(int workers)
{
    struct wta_config cfg = {.workers = workers};
    struct wta_runtime *rt = wta_runtime_new(&cfg);
    if (rt == NULL) {
        fprintf(stderr, "expected: wta_runtime_new to succeed\n");
        exit(1);
    }
    return rt;
}

int main(int argc, char **argv)
{
    if (argc == 2 && strcmp(argv[1], "--list") == 0) {
        for (int i = 0; i < lab_nscenarios; i++)
            printf("%s\n", lab_scenarios[i].name);
        return 0;
    }
    if (argc != 2 || argv[1][0] == '-') {
        fprintf(stderr, "usage: %s SCENARIO | --list\n", argv[0]);
        return 2;
    }
    for (int i = 0; i < lab_nscenarios; i++)
        if (strcmp(argv[1], lab_scenarios[i].name) == 0)
            return lab_scenarios[i].run();
    fprintf(stderr, "%s: no scenario '%s' (--list shows them)\n", argv[0], argv[1]);
    return 2;
}

/*
 * main.c - runs every suite in tests/suites.h with CUnit's basic runner.
 *
 *     run_tests            all suites
 *     run_tests NAME...    only the named suites (e.g. `run_tests task trace`)
 *
 * Exits 1 if any test or suite failed. CU_basic_run_tests() returns 0 even
 * when assertions fail, so the counts are read before the registry is freed.
 */
#include <CUnit/Basic.h>
#include <stdio.h>
#include <string.h>

#include "suites.h"

struct suite_entry {
    const char *name;
    void (*add)(void);
};

static const struct suite_entry suites[] = {
#define WTA_SUITE_ENTRY(name) {#name, suite_##name},
    WTA_TEST_SUITES(WTA_SUITE_ENTRY)
#undef WTA_SUITE_ENTRY
};

static int wanted(const char *name, int argc, char **argv)
{
    if (argc < 2)
        return 1;
    for (int i = 1; i < argc; i++)
        if (strcmp(argv[i], name) == 0)
            return 1;
    return 0;
}

int main(int argc, char **argv)
{
    if (argc > 1 && (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0)) {
        printf("usage: %s [SUITE...]\nsuites:", argv[0]);
        for (size_t i = 0; i < sizeof suites / sizeof suites[0]; i++)
            printf(" %s", suites[i].name);
        printf("\n");
        return 0;
    }
    if (CU_initialize_registry() != CUE_SUCCESS) {
        fprintf(stderr, "run_tests: CUnit: %s\n", CU_get_error_msg());
        return 2;
    }
    int added = 0;
    for (size_t i = 0; i < sizeof suites / sizeof suites[0]; i++) {
        if (wanted(suites[i].name, argc, argv)) {
            suites[i].add();
            added++;
        }
    }
    if (added == 0) {
        fprintf(stderr, "run_tests: no suite matches; try --help\n");
        CU_cleanup_registry();
        return 2;
    }
    CU_basic_set_mode(CU_BRM_VERBOSE);
    CU_basic_run_tests();
    unsigned failed = CU_get_number_of_tests_failed() + CU_get_number_of_suites_failed();
    unsigned ran = CU_get_number_of_tests_run();
    CU_cleanup_registry();
    printf("\n%u passed, %u failed\n", ran - (failed > ran ? ran : failed), failed);
    return failed == 0 && ran > 0 ? 0 : 1;
}

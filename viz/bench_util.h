/*
 * bench_util.h - clocks for the viz benchmarks (bench_model.c, bench_viz.c).
 *
 * Both wall time and this process's CPU time: on a shared, busy machine the
 * wall clock overstates what the work costs, so the benchmarks print both.
 */
#ifndef WTA_BENCH_UTIL_H
#define WTA_BENCH_UTIL_H

#include <time.h>

static inline double clock_s(clockid_t id)
{
    struct timespec ts;
    clock_gettime(id, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static inline double now(void)
{
    return clock_s(CLOCK_MONOTONIC);
}

static inline double cpu(void)
{
    return clock_s(CLOCK_PROCESS_CPUTIME_ID);
}

static inline int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

#endif /* WTA_BENCH_UTIL_H */

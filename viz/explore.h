/*
 * explore.h - `wta-trace explore` (explore.c): run a program once per seed
 * in deterministic mode and report the seeds where it failed, hung or a
 * lint fired. argv is wta-trace's own (argv[1] is "explore").
 */
#ifndef WTA_EXPLORE_H
#define WTA_EXPLORE_H

int wta_explore_main(int argc, char **argv);

#endif

# bench: the benchmark program (see bench/RESULTS.md)

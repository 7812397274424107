# bench: the benchmark program (see bench/RESULTS.md and ../shared/BENCH.md)
#
# bench            build/<mode>/bench/bench: every workload of BENCH.md, one
#                  line each; also part of `all` (it builds in seconds)
# bench-runtime    `make bench` part: the release binary, tracing off, then
#                  on (`+trace` lines with rec_per_op); QUICK=1 adds --quick
#
# Only $(BUILD) is known when this file is read ($(LIBWTA) is set after the
# include), so the library is named by its path.

BENCH_SRCS := \
	bench/bench_main.c \
	bench/bench_fut.c \
	bench/bench_sched.c \
	bench/bench_pong.c \
	bench/bench_chan.c \
	bench/bench_timer.c \
	bench/bench_io.c \
	bench/bench_trace.c

BENCH_BIN := $(BUILD)/bench/bench

all: $(BENCH_BIN)

$(BENCH_BIN): $(BENCH_SRCS:%.c=$(BUILD)/%.o) $(BUILD)/libwta.a
	@mkdir -p $(dir $@)
	$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS)

BENCH_RUNS += bench-runtime
BENCH_FLAGS := $(if $(QUICK),--quick,)
.PHONY: bench-runtime
bench-runtime:
	@$(MAKE) --no-print-directory RELEASE=1 SAN= build/release/bench/bench
	build/release/bench/bench $(BENCH_FLAGS)
	build/release/bench/bench --trace $(BENCH_FLAGS)

# viz: the trace model, wta-trace and the viewer (see viz/README.md)
#
# libwtaviz.a   the model (no SDL): load, state, why, lints, stats, export, diff
# wta-trace     the command-line tool over it
# bench-model   `make bench` part: load/seek/lint a generated 1M-event trace
# fuzz          libFuzzer over the loader (clang); FUZZ_SECONDS=60 by default

VIZ_SRCS := \
	viz/strtab.c \
	viz/event.c \
	viz/load.c \
	viz/line.c \
	viz/model.c \
	viz/tasks.c \
	viz/state.c \
	viz/keyframe.c \
	viz/why.c \
	viz/lint.c \
	viz/lint_rules.c \
	viz/stats.c \
	viz/perfetto.c \
	viz/diff.c

TEST_SRCS += \
	tests/test_load.c \
	tests/test_model.c \
	tests/test_lint.c \
	tests/test_export.c \
	tests/test_cli.c

CJSON_CFLAGS := $(shell pkg-config --cflags libcjson 2>/dev/null)
CJSON_LIBS   := $(shell pkg-config --libs libcjson 2>/dev/null || echo -lcjson)
EXTRA_CFLAGS_viz_ = $(CJSON_CFLAGS)

LIBWTAVIZ     := $(BUILD)/libwtaviz.a
WTA_TRACE_BIN := $(BUILD)/viz/wta-trace
TEST_LIBS     += $(LIBWTAVIZ)

all: $(LIBWTAVIZ) $(WTA_TRACE_BIN)

$(LIBWTAVIZ): $(VIZ_SRCS:%.c=$(BUILD)/%.o)
	@mkdir -p $(dir $@)
	$(AR) rcs $@ $^

$(WTA_TRACE_BIN): $(BUILD)/viz/wta_trace_main.o $(BUILD)/viz/explore.o $(LIBWTAVIZ)
	@mkdir -p $(dir $@)
	$(CC) $(LDFLAGS) -o $@ $^ $(CJSON_LIBS) $(LDLIBS)

# ---------------------------------------------------------------- bench
BENCH_RUNS += bench-model
.PHONY: bench-model
bench-model:
	@$(MAKE) --no-print-directory RELEASE=1 SAN= build/release/viz/bench_model
	build/release/viz/bench_model $(if $(QUICK),--events 100000,)

build/release/viz/bench_model: build/release/viz/bench_model.o build/release/libwtaviz.a
	@mkdir -p $(dir $@)
	$(CC) -o $@ $^ $(CJSON_LIBS) $(LDLIBS)

# ---------------------------------------------------------------- fuzz
# The corpus in fuzz/corpus/ is replayed first (every input must pass), then
# libFuzzer runs for FUZZ_SECONDS; new inputs go to build/fuzz/corpus/.
FUZZ_SECONDS ?= 60
FUZZ_CC      := clang
FUZZ_FLAGS   := -std=c11 -D_GNU_SOURCE -g -O1 -Iruntime $(CJSON_CFLAGS) \
	-fsanitize=fuzzer,address,undefined -fno-sanitize-recover=all
FUZZ_BIN     := build/fuzz/fuzz_load

.PHONY: fuzz
$(FUZZ_BIN): fuzz/fuzz_load.c $(VIZ_SRCS) viz/wta_model.h viz/viz_int.h runtime/wta_events.h
	@mkdir -p $(dir $@) build/fuzz/corpus
	$(FUZZ_CC) $(FUZZ_FLAGS) -o $@ fuzz/fuzz_load.c $(VIZ_SRCS) $(CJSON_LIBS) -lpthread

fuzz: $(FUZZ_BIN)
	$(FUZZ_BIN) -artifact_prefix=build/fuzz/ -runs=0 fuzz/corpus
	$(FUZZ_BIN) -artifact_prefix=build/fuzz/ -max_total_time=$(FUZZ_SECONDS) \
		-max_len=65536 -timeout=10 \
		-rss_limit_mb=2048 build/fuzz/corpus fuzz/corpus

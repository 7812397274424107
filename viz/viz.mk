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
	viz/flat.c \
	viz/model.c \
	viz/tasks.c \
	viz/state.c \
	viz/keyframe.c \
	viz/hang.c \
	viz/why.c \
	viz/cause.c \
	viz/why_not.c \
	viz/lint.c \
	viz/lint_rules.c \
	viz/stats.c \
	viz/perfetto.c \
	viz/perfetto_marks.c \
	viz/diff.c

TEST_SRCS += \
	tests/test_load.c \
	tests/test_model.c \
	tests/test_lint.c \
	tests/test_lint_runs.c \
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

# recover.c finishes a crashed program's trace with libwta's wta_trace_recover.
$(WTA_TRACE_BIN): $(BUILD)/viz/wta_trace_main.o $(BUILD)/viz/recover.o $(BUILD)/viz/explore.o $(LIBWTAVIZ) $(BUILD)/libwta.a
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

# ---------------------------------------------------------------- wta-viz
# The SDL viewer: only these files see SDL's headers; the model above
# never does. See viz/viewer.h for what each file is.
VIZ_APP_SRCS := \
	viz/view.c \
	viz/spans.c \
	viz/layout.c \
	viz/draw.c \
	viz/timeline.c \
	viz/diagram.c \
	viz/panels.c \
	viz/frame.c \
	viz/input.c \
	viz/app.c \
	viz/headless.c

SDL_PKGS   := sdl2 SDL2_ttf SDL2_image
SDL_CFLAGS := $(shell pkg-config --cflags $(SDL_PKGS) 2>/dev/null)
SDL_LIBS   := $(shell pkg-config --libs $(SDL_PKGS) 2>/dev/null || echo -lSDL2_ttf -lSDL2_image -lSDL2)
VIZ_APP_OBJS := $(VIZ_APP_SRCS:%.c=$(BUILD)/%.o)
VIZ_SAMPLE_DIR := $(PREFIX)/share/wta
WTA_VIZ_BIN := $(BUILD)/viz/wta-viz

$(VIZ_APP_OBJS) $(BUILD)/viz/wta_viz_main.o: CFLAGS += $(SDL_CFLAGS)
$(BUILD)/viz/wta_viz_main.o: CFLAGS += -DWTA_VIZ_SAMPLE='"$(VIZ_SAMPLE_DIR)/sample.jsonl"'

all: $(WTA_VIZ_BIN)

$(WTA_VIZ_BIN): $(BUILD)/viz/wta_viz_main.o $(VIZ_APP_OBJS) $(LIBWTAVIZ)
	@mkdir -p $(dir $@)
	$(CC) $(LDFLAGS) -o $@ $^ $(SDL_LIBS) $(CJSON_LIBS) -lm $(LDLIBS)

# ---------------------------------------------------------------- viewer tests
# run_viz_tests links SDL, so it is its own binary (run_tests stays SDL-free);
# `make test` runs it through viz-check, then the real-window test under Xvfb.
# ASan: X11 and libdbus keep memory until exit on purpose, so LSan is told
# to ignore what those libraries allocate (tests/lsan-viz.supp); SDL must
# not use a hardware framebuffer under ASan.
# TSan: the window test is skipped: Xlib's and libdbus's own threads are not
# built with TSan, which then reports races inside them that are not ours.
VIZ_TEST_BIN := $(BUILD)/tests/run_viz_tests
VIZ_TEST_ENV := SDL_FRAMEBUFFER_ACCELERATION=0 \
	LSAN_OPTIONS=suppressions=$(CURDIR)/tests/lsan-viz.supp:print_suppressions=0
$(BUILD)/tests/test_viz.o: CFLAGS += $(SDL_CFLAGS) $(CUNIT_CFLAGS)
all: $(VIZ_TEST_BIN)

$(VIZ_TEST_BIN): $(BUILD)/tests/test_viz.o $(VIZ_APP_OBJS) $(LIBWTAVIZ)
	@mkdir -p $(dir $@)
	$(CC) $(LDFLAGS) -o $@ $^ $(SDL_LIBS) $(CUNIT_LIBS) $(CJSON_LIBS) -lm $(LDLIBS)

.PHONY: viz-check
viz-check: $(VIZ_TEST_BIN) $(WTA_VIZ_BIN)
	$(VIZ_TEST_ENV) $(RUN_PREFIX) $(VIZ_TEST_BIN)
	$(if $(filter tsan,$(MODE)),@echo "viz_window: skipped under TSan (see viz/viz.mk)",\
		$(VIZ_TEST_ENV) sh tests/viz_window.sh $(BUILD))

# ---------------------------------------------------------------- viewer bench
BENCH_RUNS += bench-viz
.PHONY: bench-viz
bench-viz:
	@$(MAKE) --no-print-directory RELEASE=1 SAN= build/release/viz/bench_model build/release/viz/bench_viz
	build/release/viz/bench_model --write build/release/viz/bench-1m.jsonl >/dev/null
	build/release/viz/bench_viz build/release/viz/bench-1m.jsonl $(if $(QUICK),--reps 5,)
	@rm -f build/release/viz/bench-1m.jsonl

build/release/viz/bench_viz.o: CFLAGS += $(SDL_CFLAGS)
build/release/viz/bench_viz: build/release/viz/bench_viz.o \
		$(VIZ_APP_SRCS:%.c=build/release/%.o) build/release/libwtaviz.a
	@mkdir -p $(dir $@)
	$(CC) -o $@ $^ $(SDL_LIBS) $(CJSON_LIBS) -lm $(LDLIBS)

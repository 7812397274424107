# wta - a teaching async runtime. `make help` lists the targets.
#
# ---------------------------------------------------------------- settings
# SAN      sanitizer build: address (ASan+UBSan, no recovery) | thread (TSan) | empty
# RELEASE  1: optimised build without assertions' cost (bench always uses it)
# QUICK    1: `make bench QUICK=1` runs the shortened benchmark (CI smoke run)
# PREFIX   where `make install` puts the libraries, headers, tools, man pages, docs
# DESTDIR  staging root prepended to PREFIX by install/uninstall (packaging); empty
# CC       the C compiler (gcc by default; the fuzzer needs clang)
SAN     ?=
RELEASE ?=
QUICK   ?=
PREFIX  ?= /usr/local
DESTDIR ?=
CC      ?= cc
.DEFAULT_GOAL := all

# One build folder per mode, so switching modes never mixes objects.
ifeq ($(SAN),address)
  MODE    := asan
  SANFLAGS := -fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer
else ifeq ($(SAN),thread)
  MODE    := tsan
  SANFLAGS := -fsanitize=thread -fno-omit-frame-pointer
else ifeq ($(SAN),)
  MODE    := $(if $(RELEASE),release,debug)
  SANFLAGS :=
else
  $(error SAN must be 'address', 'thread' or empty, not '$(SAN)')
endif
BUILD := build/$(MODE)

WARN    := -Wall -Wextra -Werror -Wshadow -Wstrict-prototypes -Wmissing-prototypes
OPT     := $(if $(filter release,$(MODE)),-O2 -DNDEBUG,-O1 -g)
CFLAGS  := -std=c11 -D_GNU_SOURCE $(WARN) $(OPT) $(SANFLAGS) -MMD -MP -Iruntime
LDFLAGS := $(SANFLAGS)
LDLIBS  := -lpthread

# Debian packages each part needs (the deps script installs missing ones).
DEPS_BUILD := build-essential pkg-config
DEPS_TEST  := libcunit1-dev libcjson-dev
DEPS_VIZ   := libcjson-dev libsdl2-dev libsdl2-ttf-dev libsdl2-image-dev fonts-dejavu-core \
              xvfb xauth xdotool imagemagick

# ---------------------------------------------------------------- sources
RUNTIME_SRCS := \
	runtime/sync.c \
	runtime/sim.c \
	runtime/sim_block.c \
	runtime/sim_trace.c \
	runtime/runtime.c \
	runtime/env.c \
	runtime/task.c \
	runtime/task_block.c \
	runtime/task_list.c \
	runtime/waker.c \
	runtime/executor.c \
	runtime/workers.c \
	runtime/park.c \
	runtime/runq.c \
	runtime/ring.c \
	runtime/steal.c \
	runtime/block_on.c \
	runtime/hang.c \
	runtime/oneshot.c \
	runtime/blocking.c \
	runtime/future.c \
	runtime/reactor.c \
	runtime/reactor_wait.c \
	runtime/io_source.c \
	runtime/timer.c \
	runtime/time.c \
	runtime/net.c \
	runtime/io.c \
	runtime/channel.c \
	runtime/channel_ends.c \
	runtime/combinators.c \
	runtime/trace.c \
	runtime/trace_note.c \
	runtime/trace_write.c \
	runtime/trace_batch.c \
	runtime/trace_format.c \
	runtime/trace_spool.c \
	runtime/trace_recover.c

TEST_SRCS := \
	tests/main.c \
	tests/test_util.c \
	tests/test_task.c \
	tests/test_runtime.c \
	tests/test_block_on.c \
	tests/test_blocking.c \
	tests/test_join.c \
	tests/test_bugs.c \
	tests/test_trace.c \
	tests/test_cause.c \
	tests/test_crash.c \
	tests/test_hang.c \
	tests/test_reactor.c \
	tests/test_net.c \
	tests/test_chan.c \
	tests/test_combinators.c \
	tests/test_env.c \
	tests/test_sim.c \
	tests/test_ring.c

DEMO_SRCS := demo/demo.c
RACES_SRCS := demo/races.c   # W1-W3 with no hook: for deterministic mode's explore
TEST_LIBS :=
BENCH_RUNS :=   # targets `make bench` runs; each part's makefile adds its own

# Each part beyond the runtime keeps its sources and targets in its own
# makefile: they may add to TEST_SRCS / TEST_LIBS and to `all`.
include viz/viz.mk bench/bench.mk

RUNTIME_OBJS := $(RUNTIME_SRCS:%.c=$(BUILD)/%.o)
LIBWTA       := $(BUILD)/libwta.a
TEST_BIN     := $(BUILD)/tests/run_tests
DEMO_BIN     := $(BUILD)/demo/demo
RACES_BIN    := $(BUILD)/demo/races

# The lessons need LIBWTA and WTA_TRACE_BIN above.
include lessons/lessons.mk
include lessons/labs/labs.mk

# install / uninstall: read last, as it lists files every part builds.
include dist/dist.mk

.PHONY: all run test bench clean deps help
bench: $(BENCH_RUNS)
all: $(LIBWTA) $(DEMO_BIN) $(RACES_BIN) $(TEST_BIN)

# Every target and setting; tests/test_install.sh checks that each .PHONY
# target is listed here.
help:
	@echo "targets:"
	@echo "  make all          build the library, tools, demo, tests, benchmark (the default)"
	@echo "  make run          the guided tour: lesson LESSON in the viewer (installs missing"
	@echo "                   Debian packages first)"
	@echo "  make test         build and run every test suite (CUnit, install, examples)"
	@echo "  make bench        run the benchmarks: bench-runtime, bench-model and bench-viz"
	@echo "  make bench-runtime | bench-model | bench-viz   one benchmark part alone"
	@echo "  make fuzz         fuzz the trace loader (clang); FUZZ_SECONDS=$(FUZZ_SECONDS)"
	@echo "  make lessons      build every lesson (build/<mode>/lessons/NN-slug)"
	@echo "  make lessons-check    re-run every lesson and check its trace (make test runs it)"
	@echo "  make lessons-regen    re-record the lessons' reference traces in traces/"
	@echo "  make lessons-find-seed LESSON=NN-slug   the first seed that shows what a lesson teaches"
	@echo "  make lab-start LAB=n   your copy of lab n in labs-work/ (lessons/labs/README.md)"
	@echo "  make grade LAB=n  grade your lab n: one line per test, then score: X/Y"
	@echo "                   (REFERENCE=1: grade the runtime's own code)"
	@echo "  make labs-check   every lab's grader proved both ways (make test runs it)"
	@echo "  make viz-check    the viewer's tests: frames, input, a real window (make test runs it)"
	@echo "  make install      install an optimised build into DESTDIR+PREFIX (no CUnit needed)"
	@echo "  make install-release   the same, in the current build mode (install calls it)"
	@echo "  make uninstall    remove exactly what install put there"
	@echo "  make deps         install the Debian packages the build needs"
	@echo "  make clean        remove build/"
	@echo "  make help         this text"
	@echo "settings (make VAR=value ...):"
	@echo "  SAN=address|thread   ASan+UBSan / TSan build (build/asan, build/tsan)"
	@echo "  RELEASE=1            optimised build (build/release); bench always uses it"
	@echo "  QUICK=1              short benchmark run (make bench QUICK=1)"
	@echo "  LESSON=NN            the lesson make run shows (now $(LESSON))"
	@echo "  LAB=n, REFERENCE=1   the lab make lab-start / make grade work on"
	@echo "  PREFIX=DIR           where install puts things (now $(PREFIX))"
	@echo "  DESTDIR=DIR          staging root for install/uninstall (packaging); empty"
	@echo "  CC=COMPILER          the C compiler (now $(CC))"
	@echo "  FUZZ_SECONDS=N       how long make fuzz runs (now $(FUZZ_SECONDS))"

# ---------------------------------------------------------------- rules
$(BUILD)/%.o: %.c
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) $(EXTRA_CFLAGS_$(subst /,_,$(dir $<))) -c $< -o $@

$(LIBWTA): $(RUNTIME_OBJS)
	@mkdir -p $(dir $@)
	$(AR) rcs $@ $^

CUNIT_CFLAGS  = $(shell pkg-config --cflags cunit libcjson 2>/dev/null)
CUNIT_LIBS    = $(shell pkg-config --libs cunit libcjson 2>/dev/null)
EXTRA_CFLAGS_tests_ = $(CUNIT_CFLAGS)

$(TEST_BIN): $(TEST_SRCS:%.c=$(BUILD)/%.o) $(TEST_LIBS) $(LIBWTA)
	@mkdir -p $(dir $@)
	$(CC) $(LDFLAGS) -o $@ $^ $(CUNIT_LIBS) $(LDLIBS)

$(DEMO_BIN): $(DEMO_SRCS:%.c=$(BUILD)/%.o) $(LIBWTA)
	@mkdir -p $(dir $@)
	$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS)

$(RACES_BIN): $(RACES_SRCS:%.c=$(BUILD)/%.o) $(LIBWTA)
	@mkdir -p $(dir $@)
	$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS)

deps:
	@sh scripts/deps.sh $(DEPS_BUILD) $(DEPS_TEST) $(DEPS_VIZ)

# TSan needs a fixed address layout on kernels with high mmap randomness.
RUN_PREFIX := $(if $(filter tsan,$(MODE)),sh scripts/norandom.sh,)

# Every suite runs under both schedulers: the per-worker default and wta's global queue.
# The environment knobs a user may have set (README) would change what the tests run.
# Then the runtime's suites run again in deterministic mode, a few seeds under each
# scheduler (tests whose scenario needs a thread of their own skip themselves there).
TEST_ENV := env -u WTA_WORKERS -u WTA_SCHEDULER -u WTA_BUGS -u WTA_TRACE -u WTA_SEED
SIM_SUITES       := task block_on join bugs trace cause reactor net chan combinators
SIM_SEEDS_LOCAL  := 1 2
SIM_SEEDS_GLOBAL := 3 4
test: deps
	@$(MAKE) --no-print-directory all
	$(TEST_ENV) $(RUN_PREFIX) $(TEST_BIN)
	$(TEST_ENV) WTA_TEST_SCHEDULER=global $(RUN_PREFIX) $(TEST_BIN)
	@for s in $(SIM_SEEDS_LOCAL); do echo "WTA_SEED=$$s $(TEST_BIN) $(SIM_SUITES)"; \
		$(TEST_ENV) WTA_SEED=$$s $(RUN_PREFIX) $(TEST_BIN) $(SIM_SUITES) > $(BUILD)/sim-test.log 2>&1 \
		|| { cat $(BUILD)/sim-test.log; exit 1; }; tail -1 $(BUILD)/sim-test.log; done
	@for s in $(SIM_SEEDS_GLOBAL); do echo "WTA_SEED=$$s WTA_TEST_SCHEDULER=global $(TEST_BIN) $(SIM_SUITES)"; \
		$(TEST_ENV) WTA_SEED=$$s WTA_TEST_SCHEDULER=global $(RUN_PREFIX) $(TEST_BIN) $(SIM_SUITES) \
		> $(BUILD)/sim-test.log 2>&1 || { cat $(BUILD)/sim-test.log; exit 1; }; \
		tail -1 $(BUILD)/sim-test.log; done
	@$(MAKE) --no-print-directory lessons-check
	$(if $(filter debug,$(MODE)),@$(TEST_ENV) $(MAKE) --no-print-directory labs-check)
	@$(MAKE) --no-print-directory viz-check
	+$(TEST_ENV) MAKE='$(MAKE)' sh tests/test_install.sh

# The guided tour: run a lesson, open the viewer on its trace (or, without a
# display, print its notes and render its contact sheet). LESSON=NN picks one.
run: deps
	@$(MAKE) --no-print-directory all
	@sh scripts/run-lesson.sh $(BUILD) $(LESSON)

clean:
	rm -rf build

-include $(shell find $(BUILD) -name '*.d' 2>/dev/null)

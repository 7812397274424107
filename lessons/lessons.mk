# lessons: one program per folder lessons/NN-slug/lesson.c, built to
# build/<mode>/lessons/NN-slug (the binary is named as its folder), each
# linked with the shared harness (lessons/harness.c) and the runtime.
#
# make lessons             build them all (also part of `all`)
# make run [LESSON=07]     the guided tour: run a lesson, show its trace
# make lessons-check       re-run every lesson and check its trace (part of `test`)
# make lessons-regen       re-record traces/ after an intended change
# make lessons-find-seed LESSON=NN-slug [MAX=200]
#                           the first seed under which a lesson shows what it teaches

LESSON_NAMES := $(sort $(notdir $(patsubst %/,%,$(dir $(wildcard lessons/[0-9][0-9]-*/lesson.c)))))
LESSON_BINS  := $(LESSON_NAMES:%=$(BUILD)/lessons/%)
LESSON_HARNESS := $(BUILD)/lessons/obj/harness.o
LESSON ?= 01

.PHONY: lessons lessons-check lessons-regen lessons-find-seed
.SECONDARY: $(LESSON_NAMES:%=$(BUILD)/lessons/obj/%.o)
all: lessons
lessons: $(LESSON_BINS)

$(BUILD)/lessons/obj/%.o: lessons/%/lesson.c
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -Ilessons -c $< -o $@

$(LESSON_HARNESS): lessons/harness.c
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -Ilessons -c $< -o $@

$(BUILD)/lessons/%: $(BUILD)/lessons/obj/%.o $(LESSON_HARNESS) $(LIBWTA)
	@mkdir -p $(dir $@)
	$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS)

lessons-check: lessons $(WTA_TRACE_BIN)
	$(RUN_PREFIX) sh lessons/check.sh $(BUILD)

lessons-regen: lessons $(WTA_TRACE_BIN)
	sh lessons/check.sh $(BUILD) --regen

lessons-find-seed: lessons $(WTA_TRACE_BIN)
	@test -n "$(LESSON)" || { echo "usage: make lessons-find-seed LESSON=NN-slug [MAX=200]"; exit 2; }
	$(RUN_PREFIX) sh lessons/check.sh $(BUILD) --find-seed $(LESSON) $(or $(MAX),200)

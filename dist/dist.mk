# dist: install wta like any C library (see README, "Your first program")
#
# install      builds the release objects (whatever RELEASE says) and puts under
#              $(DESTDIR)$(PREFIX): libwta.so (soname libwta.so.MAJOR) and libwta.a,
#              libwtaviz (the trace model), wta.pc and wta-viz.pc, the headers,
#              wta-trace (and wta-viz once viz/ builds it), man pages wta-trace(1),
#              wta-viz(1), wta(3), and the docs. Builds no tests: no CUnit needed.
# uninstall    removes exactly what install put there (dist/install.sh keeps a
#              manifest in $(PREFIX)/share/wta/manifest)
#
# Any part may add files to INSTALL_FILES (MODE:SOURCE:DEST, DEST relative to
# PREFIX; see dist/install.sh). Read after the Makefile's build variables, so
# $(LIBWTA) and friends are known here.

VERSION     := $(shell sed -n 's/^\#define WTA_VERSION "\(.*\)"/\1/p' runtime/wta.h)
VIZ_VERSION := $(shell sed -n 's/^\#define WTA_VIZ_VERSION "\(.*\)"/\1/p' viz/wta_model.h)
SOMAJOR     := $(firstword $(subst ., ,$(VERSION)))
VIZ_SOMAJOR := $(firstword $(subst ., ,$(VIZ_VERSION)))
DOCDIR      := $(PREFIX)/share/doc/wta

LIBWTA_SO    := $(BUILD)/libwta.so.$(VERSION)
LIBWTAVIZ_SO := $(BUILD)/libwtaviz.so.$(VIZ_VERSION)

# Shared libraries are made of position-independent objects, built beside
# the plain ones (the static libraries keep those).
$(BUILD)/pic/%.o: %.c
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -fPIC $(EXTRA_CFLAGS_$(subst /,_,$(dir $<))) -c $< -o $@

$(LIBWTA_SO): $(RUNTIME_SRCS:%.c=$(BUILD)/pic/%.o)
	$(CC) $(LDFLAGS) -shared -Wl,-soname,libwta.so.$(SOMAJOR) -o $@ $^ $(LDLIBS)

$(LIBWTAVIZ_SO): $(VIZ_SRCS:%.c=$(BUILD)/pic/%.o)
	$(CC) $(LDFLAGS) -shared -Wl,-soname,libwtaviz.so.$(VIZ_SOMAJOR) -o $@ $^ \
		$(CJSON_LIBS) $(LDLIBS)

# PREFIX is written into the .pc files, the man pages and wta-trace --help:
# this file changes (and they are remade) only when PREFIX does.
PREFIX_STAMP := $(BUILD)/prefix.stamp
FORCE:
$(PREFIX_STAMP): FORCE
	@mkdir -p $(dir $@)
	@echo '$(PREFIX)' | cmp -s - $@ || echo '$(PREFIX)' >$@

SUBST = sed -e 's|@PREFIX@|$(PREFIX)|g' -e 's|@DOCDIR@|$(DOCDIR)|g' \
	-e 's|@VERSION@|$(1)|g' $< >$@

$(BUILD)/pkgconfig/wta.pc: dist/wta.pc.in $(PREFIX_STAMP)
	@mkdir -p $(dir $@)
	$(call SUBST,$(VERSION))
$(BUILD)/pkgconfig/wta-viz.pc: dist/wta-viz.pc.in $(PREFIX_STAMP)
	@mkdir -p $(dir $@)
	$(call SUBST,$(VIZ_VERSION))
$(BUILD)/man/%: man/% $(PREFIX_STAMP)
	@mkdir -p $(dir $@)
	$(call SUBST,$(VERSION))

# wta-trace --help names the installed copy of viz/README.md.
$(BUILD)/viz/wta_trace_main.o: CFLAGS += -DWTA_DOCDIR='"$(DOCDIR)"'
$(BUILD)/viz/wta_trace_main.o: $(PREFIX_STAMP)

EXAMPLES := examples/echo.c examples/pipeline.c examples/lost_wakeup.c

INSTALL_FILES += \
	644:$(LIBWTA):lib/libwta.a \
	755:$(LIBWTA_SO):lib/libwta.so.$(VERSION) \
	link:libwta.so.$(VERSION):lib/libwta.so.$(SOMAJOR) \
	link:libwta.so.$(SOMAJOR):lib/libwta.so \
	644:$(BUILD)/pkgconfig/wta.pc:lib/pkgconfig/wta.pc \
	644:runtime/wta.h:include/wta.h \
	644:$(LIBWTAVIZ):lib/libwtaviz.a \
	755:$(LIBWTAVIZ_SO):lib/libwtaviz.so.$(VIZ_VERSION) \
	link:libwtaviz.so.$(VIZ_VERSION):lib/libwtaviz.so.$(VIZ_SOMAJOR) \
	link:libwtaviz.so.$(VIZ_SOMAJOR):lib/libwtaviz.so \
	644:$(BUILD)/pkgconfig/wta-viz.pc:lib/pkgconfig/wta-viz.pc \
	644:viz/wta_model.h:include/wta_model.h \
	644:runtime/wta_events.h:include/wta_events.h \
	755:$(WTA_TRACE_BIN):bin/wta-trace \
	644:$(BUILD)/man/wta-trace.1:share/man/man1/wta-trace.1 \
	644:$(BUILD)/man/wta.3:share/man/man3/wta.3 \
	644:README.md:share/doc/wta/README.md \
	644:CONCORDANCE.md:share/doc/wta/CONCORDANCE.md \
	644:viz/README.md:share/doc/wta/viz/README.md \
	644:traces/SCHEMA.md:share/doc/wta/traces/SCHEMA.md \
	$(foreach e,$(EXAMPLES),644:$(e):share/doc/wta/$(e))

# The viewer, once viz/viz.mk defines it, and the sample trace it opens by
# default (it looks for PREFIX/share/wta/sample.jsonl, so it is rebuilt when
# PREFIX changes).
ifdef WTA_VIZ_BIN
INSTALL_FILES += \
	755:$(WTA_VIZ_BIN):bin/wta-viz \
	644:$(BUILD)/man/wta-viz.1:share/man/man1/wta-viz.1 \
	644:traces/sample.jsonl:share/wta/sample.jsonl
$(BUILD)/viz/wta_viz_main.o: $(PREFIX_STAMP)
endif

# What must be built first: every SOURCE that is not a link's target name.
INSTALL_DEPS = $(foreach e,$(filter-out link:%,$(INSTALL_FILES)),$(word 2,$(subst :, ,$(e))))

.PHONY: install install-release uninstall
install:
	@$(MAKE) --no-print-directory RELEASE=1 SAN= install-release

install-release: $(INSTALL_DEPS)
	sh dist/install.sh install '$(DESTDIR)' '$(PREFIX)' $(INSTALL_FILES)
	@$(LDCONFIG)

uninstall:
	sh dist/install.sh uninstall '$(DESTDIR)' '$(PREFIX)'
	@$(LDCONFIG)

# A real install as root refreshes the dynamic linker's cache, so programs
# find libwta.so.$(SOMAJOR) in PREFIX/lib at once (if ld.so.conf lists it).
LDCONFIG = if [ -z '$(DESTDIR)' ] && [ "$$(id -u)" = 0 ] && command -v ldconfig >/dev/null; \
	then ldconfig; fi

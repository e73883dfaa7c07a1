# lkgate: see README.  `make` builds ./lkgate; `make check` runs every test
# twice, plainly and under AddressSanitizer + UBSan.
include config.mk

BUILD		?= build/release
SRCS		 = $(wildcard src/*.c)
HDRS		 = $(wildcard include/*.h)
LIBOBJS		 = $(patsubst src/%.c,$(BUILD)/%.o,$(filter-out src/main.c,$(SRCS)))
# Documents built into the binary (see "embed" below).
EMBEDOBJS	 = $(BUILD)/openapi_doc.o $(BUILD)/admin_doc.o
LIBOBJS		+= $(EMBEDOBJS)
UNIT_SRCS	 = $(wildcard test/unit/test_*.c)
UNIT_BINS	 = $(patsubst test/unit/%.c,$(BUILD)/test/%,$(UNIT_SRCS))
FUZZ_TARGETS	 = $(patsubst test/fuzz/fuzz_%.c,%,$(wildcard test/fuzz/fuzz_*.c))
FUZZ_REPLAYS	 = $(patsubst %,$(BUILD)/test/fuzz_%,$(FUZZ_TARGETS))
FUZZ_SECONDS	?= 30
FUZZ_CC		?= clang
DEPCFLAGS	 = $(shell $(PKG_CONFIG) --cflags $(DEPS) 2>/dev/null)
DEPLIBS		 = $(shell $(PKG_CONFIG) --libs $(DEPS) 2>/dev/null) $(MBEDTLS_LIBS)
DEPS_STAMP	 = build/.deps-build
TEST_STAMP	 = build/.deps-test

.PHONY: all binary deps test-deps dev test check asan bench \
	install uninstall clean headers-check check-includes lint-man \
	run-tests fuzz fuzzers

all: $(DEPS_STAMP)
	@$(MAKE) --no-print-directory binary

# Installs missing Debian packages (and, for tests, npm packages) once.
$(DEPS_STAMP): deploy/install-deps
	sh deploy/install-deps build
	@mkdir -p build && touch $@
$(TEST_STAMP): deploy/install-deps test/emulator/package.json
	sh deploy/install-deps test
	@mkdir -p build && touch $@
deps: $(DEPS_STAMP)
test-deps: $(DEPS_STAMP) $(TEST_STAMP)

# The dependency flags come from pkg-config, so everything that compiles
# runs in a sub-make started after the packages are there.
binary: $(BUILD)/lkgate
	@# A rename, so that a running ./lkgate is never written to.
	@if [ "$(BUILD)" = build/release ]; then \
	    cp $(BUILD)/lkgate lkgate.new && mv -f lkgate.new lkgate; fi

$(BUILD)/lkgate: $(LIBOBJS) $(BUILD)/main.o
	@echo "  LD      $@"
	@$(CC) $(CFLAGS) $(LDFLAGS) -o $@ $(LIBOBJS) $(BUILD)/main.o $(DEPLIBS)

$(BUILD)/%.o: src/%.c $(HDRS) config.mk
	@mkdir -p $(@D)
	@echo "  CC      $@"
	@$(CC) $(CPPFLAGS) $(DEPCFLAGS) $(CFLAGS) -c -o $@ $<

# Embeds a file in the binary with od and awk only: $(BUILD)/NAME_doc.c
# defines const char SYM[], the file's bytes as one string literal of octal
# escapes (so NUL-terminated), and const size_t SYM_len, its length
# without the NUL.  $(call embed,SYM,HEADER)
define embed
	@mkdir -p $(@D)
	@echo "  GEN     $@"
	@od -An -v -to1 $< | awk -v sym=$(1) -v hdr=$(2) -v src=$< ' \
	BEGIN { printf "/* Generated from %s by the Makefile. */\n", src; \
	    printf "#include \"%s\"\n\nconst char %s[] =\n", hdr, sym } \
	{ s = ""; for (i = 1; i <= NF; i++) s = s "\\" $$i; \
	    printf "    \"%s\"\n", s; n += NF } \
	END { if (n == 0) printf "    \"\"\n"; \
	    printf "    ;\nconst size_t %s_len = %d;\n", sym, n }' \
	    >$@.$$$$ && mv -f $@.$$$$ $@
endef

$(BUILD)/openapi_doc.c: src/openapi.json Makefile
	$(call embed,openapi_json,openapi.h)
$(BUILD)/admin_doc.c: src/admin.html Makefile
	$(call embed,admin_html,adminpage.h)

$(EMBEDOBJS): %.o: %.c $(HDRS) config.mk
	@echo "  CC      $@"
	@$(CC) $(CPPFLAGS) $(DEPCFLAGS) $(CFLAGS) -c -o $@ $<

$(BUILD)/test/tap.o: test/tap.c test/tap.h
	@mkdir -p $(@D)
	@echo "  CC      $@"
	@$(CC) $(CPPFLAGS) -Itest $(DEPCFLAGS) $(CFLAGS) -c -o $@ $<

$(BUILD)/test/test_%: test/unit/test_%.c $(BUILD)/test/tap.o $(LIBOBJS) $(HDRS)
	@mkdir -p $(@D)
	@echo "  CCLD    $@"
	@$(CC) $(CPPFLAGS) -Itest $(DEPCFLAGS) $(CFLAGS) $(LDFLAGS) -o $@ $< \
	    $(BUILD)/test/tap.o $(LIBOBJS) $(DEPLIBS)

# The fuzz targets (test/fuzz/) link against an archive, so that a target
# may replace a module (fuzz_body replaces httpfront's request API).
$(BUILD)/liblkgate.a: $(LIBOBJS)
	@echo "  AR      $@"
	@rm -f $@ && $(AR) rcs $@ $(LIBOBJS)

FUZZ_DEPS	 = test/fuzz/fuzz.h test/fuzz/fakerq.c $(BUILD)/liblkgate.a \
		   $(HDRS)

# Each target with replay.c as main: the suite replays its corpus.
$(BUILD)/test/fuzz_%: test/fuzz/fuzz_%.c test/fuzz/replay.c $(FUZZ_DEPS)
	@mkdir -p $(@D)
	@echo "  CCLD    $@"
	@$(CC) $(CPPFLAGS) -Itest/fuzz $(DEPCFLAGS) $(CFLAGS) $(LDFLAGS) \
	    -o $@ $< test/fuzz/replay.c $(BUILD)/liblkgate.a $(DEPLIBS) -lm

# Each target with libFuzzer as main (make fuzz builds these).
$(BUILD)/fuzzer/fuzz_%: test/fuzz/fuzz_%.c $(FUZZ_DEPS)
	@mkdir -p $(@D)
	@echo "  CCLD    $@"
	@$(CC) $(CPPFLAGS) -Itest/fuzz $(DEPCFLAGS) $(CFLAGS) $(LDFLAGS) \
	    -fsanitize=fuzzer -o $@ $< $(BUILD)/liblkgate.a $(DEPLIBS) -lm

fuzzers: $(patsubst %,$(BUILD)/fuzzer/fuzz_%,$(FUZZ_TARGETS))

# The whole suite against the binary of $(BUILD).
run-tests: $(BUILD)/lkgate $(UNIT_BINS) $(FUZZ_REPLAYS)
	@sh test/run $(BUILD)

test: test-deps
	@$(MAKE) --no-print-directory binary
	@$(MAKE) --no-print-directory run-tests

asan: test-deps
	@$(MAKE) --no-print-directory BUILD=build/asan \
	    OPTFLAGS="$(SANFLAGS)" LDFLAGS="$(SANFLAGS)" run-tests

check: test asan

# libFuzzer on every target for FUZZ_SECONDS each, under ASan and UBSan;
# needs clang and libclang-rt (sh deploy/install-deps fuzz).
fuzz: $(DEPS_STAMP)
	sh deploy/install-deps fuzz
	@$(MAKE) --no-print-directory BUILD=build/fuzz CC=$(FUZZ_CC) \
	    OPTFLAGS="$(SANFLAGS) -fsanitize=fuzzer-no-link" \
	    LDFLAGS="$(SANFLAGS)" fuzzers
	@sh test/fuzz/run build/fuzz $(FUZZ_SECONDS) $(FUZZ_TARGETS)

# Development server: like `livekit-server --dev`.
dev: all
	./lkgate --dev

bench: all $(TEST_STAMP)
	sh deploy/install-deps bench
	@$(MAKE) --no-print-directory $(BUILD)/bench-floor
	BENCH_FLOOR=$(BUILD)/bench-floor sh test/bench/run

# The reference servers of the benchmark (test/bench/floor.c).
$(BUILD)/bench-floor: test/bench/floor.c config.mk
	@mkdir -p $(@D)
	@echo "  CC      $@"
	@$(CC) $(CPPFLAGS) $(DEPCFLAGS) $(CFLAGS) -o $@ $< $(DEPLIBS)

headers-check: $(DEPS_STAMP)
	@sh test/check-headers

# Module boundaries: one module includes curl, one mbedTLS, one evhttp;
# includes follow test/may-include; the parts of a module call in no circle.
check-includes:
	@sh test/check-includes $(BUILD)

lint-man:
	sh test/check-man

install: $(DEPS_STAMP)
	@$(MAKE) --no-print-directory binary
	install -d $(DESTDIR)$(PREFIX)/bin $(DESTDIR)$(MANPREFIX)/man8 \
	    $(DESTDIR)$(MANPREFIX)/man5 $(DESTDIR)$(SYSCONFDIR)/lkgate
	install -m 0755 lkgate $(DESTDIR)$(PREFIX)/bin/lkgate
	install -m 0644 man/lkgate.8 $(DESTDIR)$(MANPREFIX)/man8/lkgate.8
	install -m 0644 man/lkgate.conf.5 $(DESTDIR)$(MANPREFIX)/man5/lkgate.conf.5
	@if [ -e $(DESTDIR)$(SYSCONFDIR)/lkgate/lkgate.conf ]; then \
	    echo "keeping existing $(DESTDIR)$(SYSCONFDIR)/lkgate/lkgate.conf"; \
	else install -m 0640 etc/lkgate.conf \
	    $(DESTDIR)$(SYSCONFDIR)/lkgate/lkgate.conf; fi

uninstall:
	rm -f $(DESTDIR)$(PREFIX)/bin/lkgate \
	    $(DESTDIR)$(MANPREFIX)/man8/lkgate.8 \
	    $(DESTDIR)$(MANPREFIX)/man5/lkgate.conf.5

clean:
	rm -rf build/release build/asan build/fuzz lkgate

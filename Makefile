# SPDX-License-Identifier: GPL-2.0
# xlb: one non-recursive Makefile; every output goes to build/.

CC      ?= gcc
CLANG   ?= clang
BPFTOOL ?= bpftool
PREFIX  ?= /usr/local
DESTDIR ?=
B       := build

ifeq ($(V),1)
Q :=
msg =
else
Q := @
msg = @printf '  %-8s %s\n' "$(1)" "$(2)";
endif

ARCH_INC := /usr/include/$(shell $(CC) -dumpmachine)
PKGS     := libbpf libxdp json-c

CFLAGS   ?= -O2 -g
# The version xlb_build_info reports.
XLB_VERSION ?= $(shell git describe --tags --always 2>/dev/null || echo unknown)
XCFLAGS  := $(CFLAGS) -std=gnu11 -Wall -Wextra -Werror -Iinclude -Iuser -I$(B) \
	    -D_GNU_SOURCE -DXLB_VERSION='"$(XLB_VERSION)"' -MMD -MP
LDLIBS   := $(shell pkg-config --libs $(PKGS) 2>/dev/null || echo -lbpf -lxdp -ljson-c) -lelf -lz
SANFLAGS := -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=all
BPFFLAGS := -O2 -g -target bpf -Wall -Werror -Iinclude -idirafter $(ARCH_INC)

# Userspace modules: every user/*.c except the mains.
MAINS    := user/xlbd.c user/xlbctl.c user/xlb-decap.c
USER_SRC := $(filter-out $(MAINS),$(wildcard user/*.c))
USER_OBJ := $(USER_SRC:%.c=$(B)/%.o)
ASAN_OBJ := $(USER_SRC:%.c=$(B)/asan/%.o)
SKELS    := $(B)/xlb.skel.h $(B)/decap.skel.h
BPF_OBJ  := $(B)/xlb.bpf.o $(B)/decap.bpf.o $(B)/pass.bpf.o
PROGS    := $(patsubst user/%.c,$(B)/%,$(wildcard $(MAINS)))

UNIT_SRC := $(wildcard tests/unit/test_*.c)
UNIT_BIN := $(UNIT_SRC:tests/unit/%.c=$(B)/tests/unit/%)
BPFT_SRC := $(wildcard tests/bpf/test_*.c)
BPFT_BIN := $(BPFT_SRC:tests/bpf/%.c=$(B)/tests/bpf/%)
FUZZ_SRC := $(wildcard tests/fuzz/fuzz_*.c)
FUZZ_BIN := $(FUZZ_SRC:tests/fuzz/%.c=$(B)/fuzz/%)
BENCH_SRC := $(wildcard tests/bench/bench_*.c)
BENCH_BIN := $(BENCH_SRC:tests/bench/%.c=$(B)/bench/%)
# Helper programs that e2e scripts run (tests/e2e/*.c).
E2E_SRC  := $(wildcard tests/e2e/*.c)
E2E_BIN  := $(E2E_SRC:tests/e2e/%.c=$(B)/tests/e2e/%)
TEST_HELPER := tests/test.h tests/unit/evwait.h

.DELETE_ON_ERROR:
.SECONDARY:
.PHONY: all deps test check unit bench bench-e2e fuzz demo install clean help

all: $(BPF_OBJ) $(SKELS) $(PROGS)

help:
	@echo 'make            build everything into $(B)/'
	@echo 'make test       install missing packages, build, run every suite'
	@echo 'make unit       build and run the unit tests only (no root needed)'
	@echo 'make bench      print NAME VALUE UNIT benchmark lines'
	@echo 'make bench-e2e  xlb vs nftables and HAProxy in a lab; docs/performance.md'
	@echo 'make fuzz       long libFuzzer runs (FUZZ_SECONDS=600)'
	@echo 'make demo       run xlb in a namespace lab'
	@echo 'make install    install binaries, BPF objects, man pages, unit (PREFIX, DESTDIR)'
	@echo 'make clean      remove $(B)/'
	@echo 'V=1 shows full commands; CC, CLANG, BPFTOOL can be overridden'

deps:
	$(Q)scripts/deps.sh

# --- BPF -------------------------------------------------------------------
$(B)/%.bpf.o: bpf/%.bpf.c | $(B)
	$(call msg,BPF,$@)
	$(Q)$(CLANG) $(BPFFLAGS) -MMD -MP -MF $(@:.o=.d) -c $< -o $@

$(B)/%.skel.h: $(B)/%.bpf.o
	$(call msg,SKEL,$@)
	$(Q)$(BPFTOOL) gen skeleton $< > $@

# --- userspace -------------------------------------------------------------
$(B)/user/%.o: user/%.c | $(SKELS)
	@mkdir -p $(@D)
	$(call msg,CC,$@)
	$(Q)$(CC) $(XCFLAGS) -c $< -o $@

$(B)/asan/user/%.o: user/%.c | $(SKELS)
	@mkdir -p $(@D)
	$(call msg,CC-ASAN,$@)
	$(Q)$(CC) $(XCFLAGS) $(SANFLAGS) -c $< -o $@

$(B)/libxlb.a: $(USER_OBJ)
	$(call msg,AR,$@)
	$(Q)rm -f $@ && ar rcs $@ $^

$(B)/libxlb-asan.a: $(ASAN_OBJ)
	$(call msg,AR,$@)
	$(Q)rm -f $@ && ar rcs $@ $^

$(B)/%: user/%.c $(B)/libxlb.a | $(SKELS)
	$(call msg,LINK,$@)
	$(Q)$(CC) $(XCFLAGS) $< $(B)/libxlb.a $(LDLIBS) -o $@

# --- tests -----------------------------------------------------------------
$(B)/tests/unit/%: tests/unit/%.c $(B)/libxlb-asan.a $(TEST_HELPER)
	@mkdir -p $(@D)
	$(call msg,UNIT,$@)
	$(Q)$(CC) $(XCFLAGS) $(SANFLAGS) -Itests $< $(B)/libxlb-asan.a $(LDLIBS) -lcmocka -lm -o $@

$(B)/tests/bpf/%: tests/bpf/%.c $(B)/libxlb.a $(BPF_OBJ) $(SKELS) $(TEST_HELPER)
	@mkdir -p $(@D)
	$(call msg,BPFTEST,$@)
	$(Q)$(CC) $(XCFLAGS) -Itests -Ibpf $< $(B)/libxlb.a $(LDLIBS) -lm -o $@

$(B)/tests/e2e/%: tests/e2e/%.c $(B)/libxlb.a
	@mkdir -p $(@D)
	$(call msg,E2E,$@)
	$(Q)$(CC) $(XCFLAGS) $< $(B)/libxlb.a $(LDLIBS) -o $@

$(B)/bench/%: tests/bench/%.c $(B)/libxlb.a $(BPF_OBJ) $(SKELS)
	@mkdir -p $(@D)
	$(call msg,BENCH,$@)
	$(Q)$(CC) $(XCFLAGS) -Itests -Ibpf $< $(B)/libxlb.a $(LDLIBS) -lm -o $@

# make bench-e2e: its XDP programs (skeleton) and helpers.
E2E_BENCH := $(B)/bench/e2e_gen $(B)/bench/e2e_scale
$(B)/bench/%.bpf.o: tests/bench/%.bpf.c
	@mkdir -p $(@D)
	$(call msg,BPF,$@)
	$(Q)$(CLANG) $(BPFFLAGS) -MMD -MP -MF $(@:.o=.d) -c $< -o $@
$(B)/bench/e2e_gen: $(B)/bench/e2e.skel.h
$(B)/bench/e2e_scale: $(B)/bench/scale.skel.h
$(B)/bench/bench_xdp: $(B)/bench/scale.skel.h

# libFuzzer targets link the modules they exercise from source, built with
# clang and the fuzzer instrumentation.
FUZZFLAGS := -g -O1 -std=gnu11 -Iinclude -Iuser -I$(B) -D_GNU_SOURCE \
	     -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=all
$(B)/fuzz/%: tests/fuzz/%.c $(USER_SRC) | $(SKELS)
	@mkdir -p $(@D)
	$(call msg,FUZZ,$@)
	$(Q)$(CLANG) $(FUZZFLAGS) $< $(USER_SRC) $(LDLIBS) -o $@

$(B):
	@mkdir -p $@

check: all $(UNIT_BIN) $(BPFT_BIN) $(FUZZ_BIN) $(BENCH_BIN) $(E2E_BIN) \
       $(E2E_BENCH)

test: deps
	$(Q)$(MAKE) --no-print-directory check
	$(Q)tests/run.sh

# The unit suites alone: no namespaces, no BPF loading, safe to run while
# another tree's e2e suites are running.
unit: $(UNIT_BIN)
	$(Q)tests/run.sh unit/

bench: deps
	$(Q)$(MAKE) --no-print-directory check
	$(Q)tests/bench/run.sh

bench-e2e: deps
	$(Q)$(MAKE) --no-print-directory all $(E2E_BENCH)
	$(Q)tests/bench/e2e.sh

fuzz: deps
	$(Q)$(MAKE) --no-print-directory $(FUZZ_BIN)
	$(Q)FUZZ_SECONDS=$${FUZZ_SECONDS:-600} tests/fuzz/run.sh

demo: deps
	$(Q)$(MAKE) --no-print-directory all
	$(Q)scripts/demo.sh

# Paths on the target system; DESTDIR only prefixes where files are put.
SBINDIR    ?= $(PREFIX)/sbin
XLBLIBDIR  ?= $(PREFIX)/lib/xlb
MANDIR     ?= $(PREFIX)/share/man
UNITDIR    ?= $(PREFIX)/lib/systemd/system
SYSCONFDIR ?= /etc

install: all
	install -d $(DESTDIR)$(SBINDIR) $(DESTDIR)$(XLBLIBDIR) \
		$(DESTDIR)$(MANDIR)/man5 $(DESTDIR)$(MANDIR)/man8 \
		$(DESTDIR)$(UNITDIR) $(DESTDIR)$(SYSCONFDIR)/xlb
	install -m 0755 $(PROGS) $(DESTDIR)$(SBINDIR)/
	install -m 0644 $(BPF_OBJ) $(DESTDIR)$(XLBLIBDIR)/
	install -m 0644 man/xlbd.8 man/xlbctl.8 $(DESTDIR)$(MANDIR)/man8/
	install -m 0644 man/xlb.conf.5 $(DESTDIR)$(MANDIR)/man5/
	install -m 0644 etc/xlb.conf.example $(DESTDIR)$(SYSCONFDIR)/xlb/
	sed 's|@SBINDIR@|$(SBINDIR)|g; s|@SYSCONFDIR@|$(SYSCONFDIR)|g' \
		etc/xlbd.service.in >$(DESTDIR)$(UNITDIR)/xlbd.service
	chmod 0644 $(DESTDIR)$(UNITDIR)/xlbd.service

clean:
	rm -rf $(B)

-include $(shell find $(B) -name '*.d' 2>/dev/null)

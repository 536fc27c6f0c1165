# livedump — see README.md.  `make V=1` shows the commands.
# make SAN=1: the collector and the unit tests built with AddressSanitizer
# and UBSan, in build-san unless O says otherwise (docs/testing.md).
ifeq ($(SAN),1)
O        ?= build-san
SAN_CFLAGS := -fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer
endif
O        ?= build
PREFIX   ?= /usr/local
LIBDIR   ?= $(PREFIX)/lib
BINDIR   ?= $(PREFIX)/bin
INCLUDEDIR ?= $(PREFIX)/include
MANDIR   ?= $(PREFIX)/share/man
# systemd reads units from /usr/local/lib/systemd/system too; Debian 12's
# packages put theirs in /lib/systemd/system (debian/rules says so).
UNITDIR  ?= $(PREFIX)/lib/systemd/system
BASHCOMPDIR ?= $(PREFIX)/share/bash-completion/completions
# record reads /etc/livedump/rules.d whatever the prefix (src/cli/cmd_record.c).
SYSCONFDIR ?= /etc
ARCH     := x86
VERSION  := 0.1.0

CC       ?= gcc
CLANG    ?= clang
BPFTOOL  ?= bpftool

ifeq ($(V),1)
Q :=
msg =
else
Q := @
msg = @printf '  %-8s %s\n' "$(1)" "$(2)";
endif

WARN     := -Wall -Wextra -Werror
CFLAGS   ?= -O2 -g
CPPFLAGS += -Iinclude -iquote src -iquote $(O)/skel -iquote $(O)/gen -D_GNU_SOURCE \
	    -DLD_VERSION='"$(VERSION)"' -DLD_LIBDIR='"$(LIBDIR)"'
LDLIBS   := -lbpf -ldw -lelf -lz -lzstd -lpthread -lmicrohttpd -ldebuginfod -lcurl -lxml2 -lcrypto
# libxml2 keeps its headers in a folder of their own.
XML_CFLAGS := $(shell pkg-config --cflags libxml-2.0 2>/dev/null || echo -I/usr/include/libxml2)
CPPFLAGS += $(XML_CFLAGS)

BPF_CFLAGS := -g -O2 -target bpf -D__TARGET_ARCH_$(ARCH) -D__BPF__ \
	      -Ivmlinux/$(ARCH) -Ibpf -Iinclude -Isrc -Wall -Werror \
	      -idirafter /usr/include/$(shell $(CC) -dumpmachine)

BPF_SRCS   := $(wildcard bpf/*.bpf.c)
BPF_OBJS   := $(patsubst bpf/%.bpf.c,$(O)/bpf/%.bpf.o,$(BPF_SRCS))
SKELS      := $(patsubst bpf/%.bpf.c,$(O)/skel/%.skel.h,$(BPF_SRCS))

# The collector and analysis tools: one archive per folder of src/
# (docs/hacking.md says what each owns), so a unit test links only the
# folders it tests.  cli holds main and the commands.
SRC_DIRS   := base rules detectors collector capture group dump fleet notes analysis metrics cli
dir_srcs    = $(wildcard src/$(1)/*.c)
dir_objs    = $(patsubst src/%.c,$(O)/src/%.o,$(call dir_srcs,$(1)))
dir_lib     = $(O)/src/$(1)/lib$(1).a
TOOL_SRCS  := $(foreach d,$(SRC_DIRS),$(call dir_srcs,$(d)))
TOOL_OBJS  := $(patsubst src/%.c,$(O)/src/%.o,$(TOOL_SRCS))
DIR_LIBS   := $(foreach d,$(SRC_DIRS),$(call dir_lib,$(d)))
SRC_HDRS   := $(wildcard src/*/*.h) $(wildcard include/*.h include/livedump/*.h)

CLIENT_SRCS := $(wildcard src/client/*.c)
CLIENT_PIC  := $(patsubst src/%.c,$(O)/src/%.pic.o,$(CLIENT_SRCS))
CLIENT_OBJS := $(patsubst src/%.c,$(O)/src/%.o,$(CLIENT_SRCS))
LIBSO       := $(O)/lib/liblivedump.so.1

PROG_SRCS  := $(wildcard tests/progs/*.c)
PROGS      := $(patsubst tests/progs/%.c,$(O)/tests/%,$(PROG_SRCS))
BENCH_SRCS := $(filter-out %.bpf.c,$(wildcard bench/*.c))
BENCH_PROGS := $(patsubst bench/%.c,$(O)/bench/%,$(BENCH_SRCS))
UNIT_SRCS  := $(wildcard tests/unit/test_*.c)
UNITS      := $(patsubst tests/unit/%.c,$(O)/tests/unit/%,$(UNIT_SRCS))

.SECONDARY:
.PHONY: all deps demo test test-unit test-integration install clean dist-files deb
all: $(O)/livedump $(O)/lib/liblivedump.a $(O)/lib/liblivedump.so $(PROGS) $(UNITS) \
     $(O)/examples/demo

deps:
	$(Q)./scripts/deps.sh

$(O)/bpf/%.bpf.o: bpf/%.bpf.c bpf/*.h bpf/detectors/*.h src/kabi/*.h include/livedump/*.h | $(O)/bpf
	$(call msg,BPF,$@)
	$(Q)$(CLANG) $(BPF_CFLAGS) -c $< -o $@

$(O)/skel/%.skel.h: $(O)/bpf/%.bpf.o | $(O)/skel
	$(call msg,SKEL,$@)
	$(Q)$(BPFTOOL) gen skeleton $< > $@.tmp && mv $@.tmp $@

$(O)/gen/syscalls.inc: scripts/gen-syscalls.sh | $(O)/gen
	$(call msg,GEN,$@)
	$(Q)./scripts/gen-syscalls.sh > $@.tmp && mv $@.tmp $@

$(O)/src/%.o: src/%.c $(SKELS) $(O)/gen/syscalls.inc $(SRC_HDRS)
	$(call msg,CC,$@)
	@mkdir -p $(@D)
	$(Q)$(CC) $(CPPFLAGS) $(CFLAGS) $(if $(filter $(O)/src/client/%,$@),,$(SAN_CFLAGS)) \
		$(WARN) -c $< -o $@

$(O)/src/client/%.pic.o: src/client/%.c include/livedump.h include/livedump/abi.h
	$(call msg,CC,$@)
	@mkdir -p $(@D)
	$(Q)$(CC) $(CPPFLAGS) $(CFLAGS) $(WARN) -fPIC -fvisibility=hidden -c $< -o $@

define dir_lib_rule
$(call dir_lib,$(1)): $(call dir_objs,$(1))
	$$(call msg,AR,$$@)
	$$(Q)rm -f $$@ && ar rcs $$@ $$^
endef
$(foreach d,$(SRC_DIRS),$(eval $(call dir_lib_rule,$(d))))

# The folders call each other (the collector captures, capture writes
# dumps, ...): one group, in any order.
$(O)/livedump: $(DIR_LIBS)
	$(call msg,LINK,$@)
	$(Q)$(CC) $(CFLAGS) $(SAN_CFLAGS) $(LDFLAGS) -Wl,--start-group $^ -Wl,--end-group $(LDLIBS) -o $@

$(O)/lib/liblivedump.a: $(CLIENT_OBJS) | $(O)/lib
	$(call msg,AR,$@)
	$(Q)rm -f $@ && ar rcs $@ $^

$(LIBSO): $(CLIENT_PIC) | $(O)/lib
	$(call msg,LINK,$@)
	$(Q)$(CC) -shared -Wl,-soname,liblivedump.so.1 $(CFLAGS) $(LDFLAGS) $^ -o $@

$(O)/lib/liblivedump.so: $(LIBSO)
	$(Q)ln -sf liblivedump.so.1 $@

# Test programs link the shared library (found through RUNPATH) unless
# their name says static.
$(O)/tests/%_static: tests/progs/%_static.c tests/progs/%.c $(O)/lib/liblivedump.a | $(O)/tests
	$(call msg,CC,$@)
	$(Q)$(CC) $(CPPFLAGS) -O1 -g $(WARN) -static $< $(O)/lib/liblivedump.a -lpthread -o $@

# ... and are built without frame pointers when their name ends in _nofp,
# so that only CFI can unwind them.
$(O)/tests/%_nofp: tests/progs/%_nofp.c $(O)/lib/liblivedump.so | $(O)/tests
	$(call msg,CC,$@)
	$(Q)$(CC) $(CPPFLAGS) -O2 -g -fomit-frame-pointer $(WARN) $< -L$(O)/lib -llivedump \
		-lpthread -Wl,-rpath,'$$ORIGIN/../lib' -o $@

$(O)/tests/%: tests/progs/%.c $(O)/lib/liblivedump.so | $(O)/tests
	$(call msg,CC,$@)
	$(Q)$(CC) $(CPPFLAGS) -O1 -g $(WARN) $< -L$(O)/lib -llivedump -lpthread \
		-Wl,-rpath,'$$ORIGIN/../lib' -o $@

$(O)/examples/demo: examples/demo.c $(O)/lib/liblivedump.so | $(O)/examples
	$(call msg,CC,$@)
	$(Q)$(CC) $(CPPFLAGS) -O1 -g $(WARN) $< -L$(O)/lib -llivedump -lpthread \
		-Wl,-rpath,'$$ORIGIN/../lib' -o $@

# The floors' BPF programs (bench/floors.bpf.c), for bench/floors only.
$(O)/bench/floors.bpf.o: bench/floors.bpf.c | $(O)/bench
	$(call msg,BPF,$@)
	$(Q)$(CLANG) $(BPF_CFLAGS) -c $< -o $@

$(O)/bench/floors.skel.h: $(O)/bench/floors.bpf.o
	$(call msg,SKEL,$@)
	$(Q)$(BPFTOOL) gen skeleton $< > $@.tmp && mv $@.tmp $@

$(O)/bench/floors: bench/floors.c $(O)/bench/floors.skel.h $(O)/lib/liblivedump.so | $(O)/bench
	$(call msg,CC,$@)
	$(Q)$(CC) $(CPPFLAGS) -iquote $(O)/bench -O2 -g $(WARN) $< -L$(O)/lib -llivedump -lbpf \
		-Wl,-rpath,'$$ORIGIN/../lib' -o $@

# Benchmark programs (make bench): like the test programs.
$(O)/bench/%: bench/%.c $(O)/lib/liblivedump.so | $(O)/bench
	$(call msg,CC,$@)
	$(Q)$(CC) $(CPPFLAGS) -O2 -g $(WARN) $< -L$(O)/lib -llivedump -lpthread \
		-Wl,-rpath,'$$ORIGIN/../lib' -o $@

# Each unit test links the folders it tests and what those need; a test
# without a list (test_reader, test_rules: they run commands) links all.
UNIT_LIBS_test_parse     := base
UNIT_LIBS_test_cgident   := base
UNIT_LIBS_test_compress  := dump base
UNIT_LIBS_test_xstate    := dump
UNIT_LIBS_test_metrics   := metrics base
UNIT_LIBS_test_btf       := capture analysis base
$(O)/tests/unit/%: tests/unit/%.c $(DIR_LIBS) $(CLIENT_OBJS) | $(O)/tests/unit
	$(call msg,CC,$@)
	$(Q)$(CC) $(CPPFLAGS) $(CFLAGS) $(SAN_CFLAGS) $(WARN) $< -Wl,--start-group \
		$(foreach d,$(or $(UNIT_LIBS_$*),$(SRC_DIRS)),$(call dir_lib,$(d))) -Wl,--end-group \
		$(CLIENT_OBJS) $(LDLIBS) -lcmocka -o $@

# Fuzz targets (tests/fuzz/, docs/testing.md "Fuzzing"): libFuzzer with
# ASan and UBSan, so the folders are built again by clang with coverage
# instrumentation, in $(FUZZ_O).  `make fuzz` runs each for FUZZ_TIME
# seconds (FUZZ=NAME: that one only); `make test` runs each briefly.
FUZZ_O      := $(O)/fuzz
FUZZ_CC     ?= clang
FUZZ_TIME   ?= 60
FUZZ_SAN    := -fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer
# clang, unlike gcc, warns of GNU C the tree uses (a struct ending in a
# flexible array inside another struct: dump_reader.h's ld_dump_socket).
FUZZ_CFLAGS := -g -O1 -fsanitize=fuzzer-no-link $(FUZZ_SAN) -Wno-gnu-variable-sized-type-not-at-end
FUZZ_SRCS   := $(wildcard tests/fuzz/fuzz_*.c)
FUZZERS     := $(patsubst tests/fuzz/%.c,$(FUZZ_O)/%,$(FUZZ_SRCS))
FUZZ_OBJS   := $(patsubst src/%.c,$(FUZZ_O)/src/%.o,$(TOOL_SRCS))
fuzz_lib     = $(FUZZ_O)/src/$(1)/lib$(1).a
FUZZ_LIBS   := $(foreach d,$(SRC_DIRS),$(call fuzz_lib,$(d)))

$(FUZZ_O)/src/%.o: src/%.c $(SKELS) $(O)/gen/syscalls.inc $(SRC_HDRS)
	$(call msg,FUZZCC,$@)
	@mkdir -p $(@D)
	$(Q)$(FUZZ_CC) $(CPPFLAGS) $(FUZZ_CFLAGS) $(WARN) -c $< -o $@

define fuzz_lib_rule
$(call fuzz_lib,$(1)): $(patsubst src/%.c,$(FUZZ_O)/src/%.o,$(call dir_srcs,$(1)))
	$$(call msg,AR,$$@)
	$$(Q)rm -f $$@ && ar rcs $$@ $$^
endef
$(foreach d,$(SRC_DIRS),$(eval $(call fuzz_lib_rule,$(d))))

$(FUZZ_O)/fuzz_%: tests/fuzz/fuzz_%.c tests/fuzz/fuzz.h $(FUZZ_LIBS)
	$(call msg,FUZZLD,$@)
	$(Q)$(FUZZ_CC) $(CPPFLAGS) $(FUZZ_CFLAGS) -fsanitize=fuzzer $(WARN) $< \
		-Wl,--start-group $(FUZZ_LIBS) -Wl,--end-group $(LDLIBS) -o $@

.PHONY: fuzzers fuzz
fuzzers: $(FUZZERS)

fuzz: deps
	$(Q)$(MAKE) --no-print-directory -s fuzzers
	$(Q)for f in $(if $(FUZZ),$(FUZZ_O)/fuzz_$(FUZZ),$(FUZZERS)); do \
		./tests/fuzz/run.sh $(O) $${f##*/} $(FUZZ_TIME) || exit 1; done

$(O)/bpf $(O)/skel $(O)/gen $(O)/lib $(O)/tests $(O)/tests/unit $(O)/examples \
$(O)/bench:
	$(Q)mkdir -p $@

demo: deps
	$(Q)$(MAKE) --no-print-directory all
	$(Q)./scripts/demo.sh $(O)

test: deps
	$(Q)$(MAKE) --no-print-directory all fuzzers
	$(Q)./tests/run.sh $(O)

# The benchmark suite (bench/run.sh, docs/performance.md); not part of test.
.PHONY: bench
bench: deps
	$(Q)$(MAKE) --no-print-directory all $(BENCH_PROGS)
	$(Q)./bench/run.sh $(O)

# The kernel matrix: the integration tests on Debian's 6.1 kernel under qemu.
.PHONY: test-vm
test-vm: deps
	$(Q)$(MAKE) --no-print-directory all
	$(Q)./scripts/test-vm.sh $(O)

# --- What is installed (make install, and debian/rules for the packages) ---

# The pkg-config file and the unit, with the paths of this build.
subst = sed -e 's|@PREFIX@|$(PREFIX)|g' -e 's|@LIBDIR@|$(LIBDIR)|g' \
	    -e 's|@INCLUDEDIR@|$(INCLUDEDIR)|g' -e 's|@BINDIR@|$(BINDIR)|g' \
	    -e 's|@VERSION@|$(VERSION)|g'
$(O)/dist/%: dist/%.in Makefile
	$(call msg,GEN,$@)
	@mkdir -p $(@D)
	$(Q)$(subst) $< > $@.tmp && mv $@.tmp $@

# Man pages: livedump(1) from docs/livedump.md, livedump-CMD(1) from
# docs/commands/CMD.md, by pandoc with scripts/man.lua; the one-line
# summary of each is the command table's (livedump --help).
PANDOC   ?= pandoc
MAN_PAGES := $(O)/man/livedump.1 \
	     $(patsubst docs/commands/%.md,$(O)/man/livedump-%.1,$(wildcard docs/commands/*.md))
man_summary = $$($(O)/livedump --help | awk '$$1 == "$(1)" { $$1 = ""; sub(/^ +/, ""); print }')
man_page = $(Q)command -v $(PANDOC) >/dev/null || \
	{ echo "livedump: $(PANDOC) is needed for the man pages: ./scripts/deps.sh man" >&2; exit 1; }; \
	mkdir -p $(@D) && $(PANDOC) -f markdown -t man -s --lua-filter scripts/man.lua \
		-M section=1 -M footer='livedump $(VERSION)' -M header='livedump manual' \
		-M summary="$(1)" $< -o $@.tmp && mv $@.tmp $@
$(O)/man/livedump.1: docs/livedump.md scripts/man.lua
	$(call msg,MAN,$@)
	$(call man_page,eBPF-assisted live dumps of Linux processes when an issue happens)
$(O)/man/livedump-%.1: docs/commands/%.md scripts/man.lua $(O)/livedump
	$(call msg,MAN,$@)
	$(call man_page,$(call man_summary,$*))

DIST_FILES := $(O)/livedump $(O)/lib/liblivedump.a $(O)/lib/liblivedump.so \
	      $(O)/dist/livedump.pc $(O)/dist/livedump.service $(MAN_PAGES)
dist-files: $(DIST_FILES)

install: dist-files
	install -d $(DESTDIR)$(BINDIR) $(DESTDIR)$(LIBDIR)/pkgconfig $(DESTDIR)$(INCLUDEDIR)/livedump \
		$(DESTDIR)$(MANDIR)/man1 $(DESTDIR)$(UNITDIR) $(DESTDIR)$(BASHCOMPDIR) \
		$(DESTDIR)$(SYSCONFDIR)/livedump/rules.d
	install -m 0755 $(O)/livedump $(DESTDIR)$(BINDIR)/
	install -m 0644 $(O)/lib/liblivedump.a $(DESTDIR)$(LIBDIR)/
	install -m 0644 $(LIBSO) $(DESTDIR)$(LIBDIR)/
	ln -sf liblivedump.so.1 $(DESTDIR)$(LIBDIR)/liblivedump.so
	install -m 0644 $(O)/dist/livedump.pc $(DESTDIR)$(LIBDIR)/pkgconfig/
	install -m 0644 include/livedump.h $(DESTDIR)$(INCLUDEDIR)/
	install -m 0644 include/livedump/abi.h $(DESTDIR)$(INCLUDEDIR)/livedump/
	install -m 0644 $(MAN_PAGES) $(DESTDIR)$(MANDIR)/man1/
	install -m 0644 $(O)/dist/livedump.service $(DESTDIR)$(UNITDIR)/
	install -m 0644 dist/livedump.bash-completion $(DESTDIR)$(BASHCOMPDIR)/livedump
	@# an edited rules file is the administrator's: never overwritten
	[ -e $(DESTDIR)$(SYSCONFDIR)/livedump/rules.d/default.rules ] || \
		install -m 0644 dist/default.rules $(DESTDIR)$(SYSCONFDIR)/livedump/rules.d/

# The Debian packages (debian/), built by dpkg-buildpackage in a copy of the
# tree under $(O)/deb so that the source tree stays as it is; the .debs and
# lintian's findings ($(O)/deb/lintian.log) land there.  Nothing is redone
# while the copy's inputs are unchanged.
DEB_ARCH   = $(shell dpkg --print-architecture)
DEB_DIR    := $(O)/deb
DEB_TREE   := Makefile README.md docs include src bpf vmlinux scripts dist debian examples
DEB_INPUTS := $(shell find $(DEB_TREE) -type f 2>/dev/null)
DEB_STAMP  := $(DEB_DIR)/.built
deb:
	$(Q)./scripts/deps.sh deb
	$(Q)$(MAKE) --no-print-directory $(if $(Q),-s) $(DEB_STAMP)
$(DEB_STAMP): $(DEB_INPUTS)
	$(call msg,DEB,$(DEB_DIR)/livedump-$(VERSION))
	$(Q)rm -rf $(DEB_DIR) && mkdir -p $(DEB_DIR)/livedump-$(VERSION)
	$(Q)tar -c $(DEB_TREE) | tar -x -C $(DEB_DIR)/livedump-$(VERSION)
	@# Without our make's variables: an O= given to us must not reach the
	@# copy's make (its clean would remove our O).
	$(Q)cd $(DEB_DIR)/livedump-$(VERSION) && env -u MAKEFLAGS -u MFLAGS -u MAKELEVEL \
		dpkg-buildpackage -b -uc -us -J$$(nproc) $(if $(Q),>../build.log 2>&1) || \
		{ $(if $(Q),tail -n 30 ../build.log;) echo "livedump: dpkg-buildpackage failed (log: $(DEB_DIR)/build.log)" >&2; exit 1; }
	$(call msg,LINTIAN,$(DEB_DIR)/lintian.log)
	$(Q)lintian --fail-on error --tag-display-limit 0 $(DEB_DIR)/livedump_$(VERSION)_$(DEB_ARCH).changes \
		> $(DEB_DIR)/lintian.log 2>&1 || { cat $(DEB_DIR)/lintian.log; \
		echo "livedump: lintian found errors in the packages" >&2; exit 1; }
	$(Q)$(if $(Q),,cat $(DEB_DIR)/lintian.log;) for f in $(DEB_DIR)/*.deb; do printf '  %-8s %s\n' OUT "$$f"; done
	$(Q)touch $@

clean:
	rm -rf $(O)

# retrace-server: one non-recursive GNU Makefile.
#   make            build everything into build/bin
#   make check      install what is missing, build, run every test under prove
#   make demo       install what is missing, build, start a local server, walk an upload
#   make check-cluster  the scale-out tests: a Ceph cluster, hosts in namespaces (root)
#   make fresh-check  what CI runs: make demo and make check in a fresh Debian 12 root
#   make lint       clang-tidy, cppcheck and the banned-function grep
#   make fuzz       libFuzzer targets (clang) into build/fuzz
#   make bench      benchmarks against peer tools, printed as tables
#   make install    programs, policies, configuration, systemd units (PREFIX, DESTDIR, ...)
#   make dist       a release tarball of the tree
#   make SANITIZE=address,undefined   a sanitized copy in build/san
.DEFAULT_GOAL := all
.SUFFIXES:
.DELETE_ON_ERROR:
.SECONDARY:

SHELL := /bin/bash
CC ?= gcc
ifeq ($(origin CC),default)
CC := gcc
endif

SANITIZE ?=
ifneq ($(SANITIZE),)
O ?= build/san
else
O ?= build
endif
BIN := $(O)/bin
OBJ := $(O)/obj

PKGS := libmicrohttpd libarchive libseccomp libcap openssl sqlite3 liblzma zlib libelf libsolvext rpm libcurl \
	lzo2 libzstd mount
# The flags are asked for once, when a recipe first needs them; a missing
# library stops the build with the Debian package that brings it
# (tools/install-deps.sh build installs them all).
DEB_libmicrohttpd := libmicrohttpd-dev
DEB_libarchive := libarchive-dev
DEB_libseccomp := libseccomp-dev
DEB_libcap := libcap-dev
DEB_openssl := libssl-dev
DEB_sqlite3 := libsqlite3-dev
DEB_liblzma := liblzma-dev
DEB_zlib := zlib1g-dev
DEB_libelf := libelf-dev
DEB_libsolvext := libsolvext-dev
DEB_rpm := librpm-dev
DEB_libcurl := libcurl4-openssl-dev
DEB_lzo2 := liblzo2-dev
DEB_libzstd := libzstd-dev
DEB_mount := libmount-dev
pkg_missing = $(if $(shell command -v pkg-config),$(foreach p,$(PKGS),$(if $(shell pkg-config --exists $(p) && echo y),,$(DEB_$(p)))),pkg-config) \
	$(if $(wildcard /usr/include/snappy-c.h),,libsnappy-dev)
pkg_flags = $(if $(strip $(pkg_missing)),$(error missing Debian packages: $(strip $(pkg_missing)) (as root: tools/install-deps.sh build)),$(shell pkg-config $(1) $(PKGS)))
PKG_CFLAGS = $(eval PKG_CFLAGS := $$(call pkg_flags,--cflags))$(PKG_CFLAGS)
PKG_LIBS = $(eval PKG_LIBS := $$(call pkg_flags,--libs) -lsnappy)$(PKG_LIBS)

WARN := -std=gnu17 -Wall -Wextra -Werror -Wshadow -Wformat=2 -Wstrict-prototypes \
	-Wmissing-prototypes -Wvla -Wwrite-strings -Wimplicit-fallthrough
HARDEN := -fstack-protector-strong -fstack-clash-protection -fcf-protection -fPIE
ifeq ($(SANITIZE),)
HARDEN += -D_FORTIFY_SOURCE=3
SAN :=
else
SAN := -fsanitize=$(SANITIZE) -fno-omit-frame-pointer -fno-sanitize-recover=all
endif
OPT ?= -O2 -g
CFLAGS_ALL = $(WARN) $(HARDEN) $(OPT) $(SAN) -D_GNU_SOURCE -I. $(PKG_CFLAGS) $(CFLAGS)
LDFLAGS_ALL = -pie -Wl,-z,relro,-z,now -Wl,--as-needed $(SAN) $(LDFLAGS)

# --- sources ---------------------------------------------------------------
COMMON_SRC := $(wildcard common/*.c)
SANDBOX_SRC := sandbox/cgroup.c sandbox/seccomp-policy.c sandbox/confine.c sandbox/daemon.c sandbox/sandbox.c
HTTPD_LIB_SRC := httpd/request.c httpd/upload.c httpd/guard.c httpd/ledger.c httpd/sync.c httpd/routes.c httpd/manager.c \
	httpd/mhd.c
DEBUGINFOD_SRC := debuginfod/request.c debuginfod/lookup.c debuginfod/upstream.c debuginfod/fetcher.c
HTTPD_SRC := httpd/main.c
COREDUMP_SRC := coredump/coredump.c coredump/print.c coredump/confined.c
SOLVER_SRC := solver/rpmlib.c solver/elfnote.c solver/pkgscan.c solver/repo.c solver/resolve.c
ROOTFS_SRC := rootfs-cache/package.c rootfs-cache/cache.c rootfs-cache/stack.c
WORKER_SRC := worker/analyze.c worker/coretask.c worker/hooks.c worker/kernel.c worker/lifecycle.c worker/remote.c worker/stats.c worker/task.c worker/taskstate.c \
	worker/worker.c debuginfod/request.c debuginfod/upstream.c
VMCORE_SRC := vmcore/vmcore.c vmcore/dmesg.c vmcore/confined.c

LIBCOMMON := $(OBJ)/libcommon.a
LIBSANDBOX := $(OBJ)/libsandbox.a
LIBHTTPD := $(OBJ)/libhttpd.a
LIBCOREDUMP := $(OBJ)/libcoredump.a
LIBSOLVER := $(OBJ)/libsolver.a
LIBROOTFS := $(OBJ)/librootfs.a
LIBWORKER := $(OBJ)/libworker.a
LIBVMCORE := $(OBJ)/libvmcore.a

obj = $(patsubst %.c,$(OBJ)/%.o,$(1))

PROGRAMS := $(BIN)/retrace-httpd $(BIN)/retrace-policy $(BIN)/retrace-coredump $(BIN)/retrace-sandbox \
	$(BIN)/retrace-resolve $(BIN)/retrace-reposync $(BIN)/retrace-rootfs $(BIN)/retrace-cleanup $(BIN)/retrace-task $(BIN)/retrace-interact $(BIN)/retrace-worker \
	$(BIN)/retrace-client $(BIN)/retrace-vmcore $(BIN)/retrace-debuginfod
# man pages, made from docs/man/*.md (tools/md2man.awk)
MAN_SRC := $(wildcard docs/man/*.md)
MAN_PAGES := $(patsubst docs/man/%.md,$(O)/man/%,$(MAN_SRC))
MAN_DATE := 2026-12-04
UNIT_SRC := $(wildcard tests/unit/test-*.c)
UNIT_BINS := $(patsubst tests/unit/%.c,$(O)/tests/%,$(UNIT_SRC))
FUZZ_TARGETS := $(patsubst fuzz/fuzz-%.c,%,$(wildcard fuzz/fuzz-*.c))
REPLAY_BINS := $(patsubst %,$(O)/tests/replay-%,$(FUZZ_TARGETS))
TEST_TOOLS := $(O)/tests/rawclient $(O)/tests/runtime $(O)/tests/mkarchive $(O)/tests/policy-probe $(O)/tests/corepatch \
	$(O)/tests/kdump-recompress $(O)/tests/rate-core

# Beside the programs: the checkout they were built from, so that a program
# run from the build tree finds the checkout's seccomp policies
# (config_default_policy_dir()); an installed program has no such file.
SOURCE_MARK := $(BIN)/.retrace-source

all: $(PROGRAMS) $(SOURCE_MARK) $(MAN_PAGES)

$(SOURCE_MARK): FORCE
	@mkdir -p $(@D)
	@[ "$$(cat $@ 2>/dev/null)" = "$(CURDIR)" ] || echo "$(CURDIR)" >$@
FORCE:

$(OBJ)/%.o: %.c
	@mkdir -p $(@D)
	$(CC) $(CFLAGS_ALL) -MMD -MP -c $< -o $@

$(LIBCOMMON): $(call obj,$(COMMON_SRC))
	@mkdir -p $(@D)
	$(AR) rcs $@ $^
$(LIBSANDBOX): $(call obj,$(SANDBOX_SRC))
	$(AR) rcs $@ $^
$(LIBHTTPD): $(call obj,$(HTTPD_LIB_SRC))
	$(AR) rcs $@ $^
$(LIBCOREDUMP): $(call obj,$(COREDUMP_SRC))
	$(AR) rcs $@ $^
$(LIBSOLVER): $(call obj,$(SOLVER_SRC))
	$(AR) rcs $@ $^
$(LIBROOTFS): $(call obj,$(ROOTFS_SRC))
	$(AR) rcs $@ $^
$(LIBWORKER): $(call obj,$(WORKER_SRC))
	$(AR) rcs $@ $^
$(LIBVMCORE): $(call obj,$(VMCORE_SRC))
	$(AR) rcs $@ $^

$(BIN)/retrace-httpd: $(call obj,$(HTTPD_SRC)) $(LIBHTTPD) $(LIBWORKER) $(LIBSANDBOX) $(LIBROOTFS) $(LIBCOMMON)
	@mkdir -p $(@D)
	$(CC) $(LDFLAGS_ALL) -o $@ $^ $(PKG_LIBS) -lpthread
$(BIN)/retrace-debuginfod: $(call obj,tools/retrace-debuginfod.c $(DEBUGINFOD_SRC)) $(LIBHTTPD) $(LIBSOLVER) $(LIBROOTFS) $(LIBSANDBOX) $(LIBCOMMON)
	@mkdir -p $(@D)
	$(CC) $(LDFLAGS_ALL) -o $@ $^ $(PKG_LIBS) -lpthread
$(BIN)/retrace-coredump: $(call obj,tools/retrace-coredump.c) $(LIBCOREDUMP) $(LIBSANDBOX) $(LIBROOTFS) $(LIBCOMMON)
	@mkdir -p $(@D)
	$(CC) $(LDFLAGS_ALL) -o $@ $^ $(PKG_LIBS)
$(BIN)/retrace-resolve: $(call obj,tools/retrace-resolve.c) $(LIBSOLVER) $(LIBCOREDUMP) $(LIBSANDBOX) $(LIBROOTFS) $(LIBCOMMON)
	@mkdir -p $(@D)
	$(CC) $(LDFLAGS_ALL) -o $@ $^ $(PKG_LIBS)
$(BIN)/retrace-reposync: $(call obj,tools/retrace-reposync.c) $(LIBSOLVER) $(LIBCOMMON)
	@mkdir -p $(@D)
	$(CC) $(LDFLAGS_ALL) -o $@ $^ $(PKG_LIBS)
$(BIN)/retrace-rootfs: $(call obj,tools/retrace-rootfs.c) $(LIBROOTFS) $(LIBSOLVER) $(LIBCOMMON)
	@mkdir -p $(@D)
	$(CC) $(LDFLAGS_ALL) -o $@ $^ $(PKG_LIBS)
$(BIN)/retrace-vmcore: $(call obj,tools/retrace-vmcore.c) $(LIBVMCORE) $(LIBSANDBOX) $(LIBROOTFS) $(LIBCOMMON)
	@mkdir -p $(@D)
	$(CC) $(LDFLAGS_ALL) -o $@ $^ $(PKG_LIBS)
$(BIN)/retrace-client: $(call obj,tools/retrace-client.c) $(LIBWORKER) $(LIBCOMMON)
	@mkdir -p $(@D)
	$(CC) $(LDFLAGS_ALL) -o $@ $^ $(PKG_LIBS) -lm
$(BIN)/retrace-worker: $(call obj,tools/retrace-worker.c) $(LIBWORKER) $(LIBHTTPD) $(LIBVMCORE) $(LIBSOLVER) $(LIBCOREDUMP) $(LIBSANDBOX) $(LIBROOTFS) $(LIBSOLVER) $(LIBCOMMON)
	@mkdir -p $(@D)
	$(CC) $(LDFLAGS_ALL) -o $@ $+ $(PKG_LIBS)
$(BIN)/retrace-cleanup: $(call obj,tools/retrace-cleanup.c) $(LIBWORKER) $(LIBHTTPD) $(LIBVMCORE) $(LIBSOLVER) $(LIBCOREDUMP) $(LIBSANDBOX) $(LIBROOTFS) $(LIBSOLVER) $(LIBCOMMON)
	@mkdir -p $(@D)
	$(CC) $(LDFLAGS_ALL) -o $@ $+ $(PKG_LIBS)
$(BIN)/retrace-task: $(call obj,tools/retrace-task.c) $(LIBWORKER) $(LIBHTTPD) $(LIBVMCORE) $(LIBSOLVER) $(LIBCOREDUMP) $(LIBSANDBOX) $(LIBROOTFS) $(LIBSOLVER) $(LIBCOMMON)
	@mkdir -p $(@D)
	$(CC) $(LDFLAGS_ALL) -o $@ $+ $(PKG_LIBS)
$(BIN)/retrace-interact: $(call obj,tools/retrace-interact.c) $(LIBWORKER) $(LIBHTTPD) $(LIBVMCORE) $(LIBSOLVER) $(LIBCOREDUMP) $(LIBSANDBOX) $(LIBROOTFS) $(LIBSOLVER) $(LIBCOMMON)
	@mkdir -p $(@D)
	$(CC) $(LDFLAGS_ALL) -o $@ $+ $(PKG_LIBS)
$(BIN)/retrace-sandbox: $(call obj,tools/retrace-sandbox.c) $(LIBSANDBOX) $(LIBROOTFS) $(LIBCOMMON)
	@mkdir -p $(@D)
	$(CC) $(LDFLAGS_ALL) -o $@ $^ $(PKG_LIBS)
$(BIN)/retrace-policy: $(call obj,tools/retrace-policy.c) $(LIBSANDBOX) $(LIBROOTFS) $(LIBCOMMON)
	@mkdir -p $(@D)
	$(CC) $(LDFLAGS_ALL) -o $@ $^ $(PKG_LIBS)

$(O)/tests/test-%: $(call obj,tests/unit/test-%.c) $(LIBHTTPD) $(LIBWORKER) $(LIBHTTPD) $(LIBVMCORE) $(LIBROOTFS) $(LIBSOLVER) $(LIBCOREDUMP) $(LIBSANDBOX) $(LIBROOTFS) $(LIBCOMMON)
	@mkdir -p $(@D)
	$(CC) $(LDFLAGS_ALL) -o $@ $+ $(PKG_LIBS) -lpthread
$(O)/tests/replay-%: $(call obj,fuzz/fuzz-%.c) $(call obj,fuzz/replay.c) $(call obj,$(DEBUGINFOD_SRC)) $(LIBHTTPD) $(LIBWORKER) $(LIBHTTPD) $(LIBVMCORE) $(LIBROOTFS) $(LIBSOLVER) $(LIBCOREDUMP) $(LIBSANDBOX) $(LIBROOTFS) $(LIBCOMMON)
	@mkdir -p $(@D)
	$(CC) $(LDFLAGS_ALL) -o $@ $+ $(PKG_LIBS) -lpthread
$(O)/tests/rawclient: $(call obj,tests/tools/rawclient.c)
	@mkdir -p $(@D)
	$(CC) $(LDFLAGS_ALL) -o $@ $^
$(O)/tests/policy-probe: $(call obj,tests/tools/policy-probe.c) $(LIBSANDBOX) $(LIBROOTFS) $(LIBCOMMON)
	@mkdir -p $(@D)
	$(CC) $(LDFLAGS_ALL) -o $@ $^ $(PKG_LIBS) -lpthread
$(O)/tests/runtime: $(call obj,tests/tools/runtime.c) $(LIBSANDBOX) $(LIBROOTFS) $(LIBCOMMON)
	@mkdir -p $(@D)
	$(CC) $(LDFLAGS_ALL) -o $@ $^ $(PKG_LIBS)
$(O)/tests/corepatch: $(call obj,tests/tools/corepatch.c)
	@mkdir -p $(@D)
	$(CC) $(LDFLAGS_ALL) -o $@ $^
$(O)/tests/rate-core: $(call obj,tests/tools/rate-core.c) $(LIBWORKER) $(LIBHTTPD) $(LIBVMCORE) $(LIBSOLVER) $(LIBCOREDUMP) $(LIBSANDBOX) $(LIBROOTFS) $(LIBSOLVER) $(LIBCOMMON)
	@mkdir -p $(@D)
	$(CC) $(LDFLAGS_ALL) -o $@ $^ $(PKG_LIBS)
$(O)/tests/kdump-recompress: $(call obj,tests/tools/kdump-recompress.c)
	@mkdir -p $(@D)
	$(CC) $(LDFLAGS_ALL) -o $@ $^ $(PKG_LIBS)
$(O)/tests/mkarchive: $(call obj,tests/tools/mkarchive.c)
	@mkdir -p $(@D)
	$(CC) $(LDFLAGS_ALL) -o $@ $^ $(PKG_LIBS)

-include $(shell find $(OBJ) -name '*.d' 2>/dev/null)

# --- tests -----------------------------------------------------------------
INTEGRATION := $(sort $(wildcard tests/integration/*.t))
TESTS := $(UNIT_BINS) $(REPLAY_BINS) $(INTEGRATION)

deps-%:
	@tools/install-deps.sh $*

build-tests: $(PROGRAMS) $(SOURCE_MARK) $(UNIT_BINS) $(REPLAY_BINS) $(TEST_TOOLS)

# make check: every test on the normal build, then again on a build with
# AddressSanitizer and UndefinedBehaviorSanitizer (unless SANITIZE is set
# already, or CHECK_SANITIZED=0).
CHECK_SANITIZED ?= 1
check: deps-check
	@$(MAKE) --no-print-directory check-run
ifeq ($(SANITIZE),)
ifeq ($(CHECK_SANITIZED),1)
	@echo "== the same tests on the ASan+UBSan build"
	@$(MAKE) --no-print-directory SANITIZE=address,undefined check-run
endif
endif

check-run: build-tests
	@n=$$(echo $(TESTS) | wc -w); if [ "$$n" -eq 0 ]; then echo "error: no test to run" >&2; exit 1; fi
	RETRACE_BUILD=$(abspath $(O)) RETRACE_SRC=$(CURDIR) prove --exec tests/lib/bounded --timer --comments $(PROVE_FLAGS) $(TESTS)

# The scale-out tests (tests/cluster): a throw-away Ceph cluster and three
# hosts made of namespaces, on the normal build only (about 2 minutes). make
# check runs the one-host CephFS test (t1130) in both passes.
CLUSTER_TESTS := $(sort $(wildcard tests/cluster/*.t))
check-cluster: deps-check
	@$(MAKE) --no-print-directory build-tests
	RETRACE_BUILD=$(abspath $(O)) RETRACE_SRC=$(CURDIR) prove --exec tests/lib/bounded --timer --comments $(PROVE_FLAGS) $(CLUSTER_TESTS)

# what CI runs: make demo and make check in a fresh minbase Debian 12 root
fresh-check:
	bash .ci/run

demo: deps-demo
	@$(MAKE) --no-print-directory all
	RETRACE_BUILD=$(abspath $(O)) tools/demo.sh

lint: deps-lint
	tools/lint.sh

bench: deps-bench
	@$(MAKE) --no-print-directory all $(O)/tests/runtime
	RETRACE_BUILD=$(abspath $(O)) bench/run.sh
	RETRACE_BUILD=$(abspath $(O)) bench/debuginfod.sh
	RETRACE_BUILD=$(abspath $(O)) bench/cluster.sh

# libFuzzer builds: clang, ASan+UBSan, one binary per fuzz/fuzz-*.c
FUZZ_O := build/fuzz
FUZZ_CFLAGS = -std=gnu17 -g -O1 -D_GNU_SOURCE -I. $(PKG_CFLAGS) \
	-fsanitize=fuzzer,address,undefined -fno-sanitize-recover=all
FUZZ_LIB_SRC := $(sort $(COMMON_SRC) $(SANDBOX_SRC) $(HTTPD_LIB_SRC) $(DEBUGINFOD_SRC) $(COREDUMP_SRC) $(SOLVER_SRC) $(ROOTFS_SRC) $(WORKER_SRC) $(VMCORE_SRC))
fuzz: deps-fuzz
	@mkdir -p $(FUZZ_O)
	@set -e; for t in $(FUZZ_TARGETS); do \
		echo "  FUZZ $$t"; \
		clang $(FUZZ_CFLAGS) -o $(FUZZ_O)/fuzz-$$t fuzz/fuzz-$$t.c $(FUZZ_LIB_SRC) $(PKG_LIBS) -lpthread; \
	done

# --- man pages: docs/man/*.md to roff; retrace-server.conf(5) from the key table
man: $(MAN_PAGES)

$(O)/tools/conf-keys: $(call obj,tools/conf-keys.c) $(LIBCOMMON)
	@mkdir -p $(@D)
	$(CC) $(LDFLAGS_ALL) -o $@ $^ $(PKG_LIBS)

$(O)/man/retrace-server.conf.5: docs/man/retrace-server.conf.5.md $(O)/tools/conf-keys tools/md2man.awk
	@mkdir -p $(@D)
	$(O)/tools/conf-keys >$@.keys
	awk -v keys=$@.keys '$$0 == "@KEYS@" { while ((getline l < keys) > 0) print l; next } { print }' $< >$@.md
	awk -v version=$(VERSION) -v date=$(MAN_DATE) -f tools/md2man.awk $@.md >$@
	rm -f $@.keys $@.md

$(O)/man/%: docs/man/%.md tools/md2man.awk
	@mkdir -p $(@D)
	awk -v version=$(VERSION) -v date=$(MAN_DATE) -f tools/md2man.awk $< >$@

# --- install -----------------------------------------------------------------
VERSION := 0.1.0
PREFIX ?= /usr
BINDIR ?= $(PREFIX)/bin
SBINDIR ?= $(PREFIX)/sbin
DATADIR ?= $(PREFIX)/share
SYSCONFDIR ?= /etc
UNITDIR ?= $(PREFIX)/lib/systemd/system
SYSUSERSDIR ?= $(PREFIX)/lib/sysusers.d
TMPFILESDIR ?= $(PREFIX)/lib/tmpfiles.d
DOCDIR ?= $(DATADIR)/doc/retrace-server
MANDIR ?= $(DATADIR)/man
APPARMORDIR ?= $(SYSCONFDIR)/apparmor.d
# what users and admins run: bin; the daemons and the tools that manage them: sbin
INSTALL_BIN := retrace-client retrace-coredump retrace-vmcore retrace-policy retrace-sandbox
INSTALL_SBIN := retrace-httpd retrace-worker retrace-cleanup retrace-reposync retrace-task retrace-interact \
	retrace-rootfs retrace-resolve retrace-debuginfod
UNITS := retrace-httpd.service retrace-worker.service retrace-cleanup.service retrace-cleanup.timer \
	retrace-reposync.service retrace-reposync.timer retrace-debuginfod.service
subst_paths = sed -e 's|@SBINDIR@|$(SBINDIR)|g' -e 's|@BINDIR@|$(BINDIR)|g' -e 's|@SYSCONFDIR@|$(SYSCONFDIR)|g'

install: $(PROGRAMS) $(MAN_PAGES)
	install -d $(DESTDIR)$(BINDIR) $(DESTDIR)$(SBINDIR) $(DESTDIR)$(DATADIR)/retrace-server/policy/seccomp \
		$(DESTDIR)$(SYSCONFDIR)/retrace-server/repos.d $(DESTDIR)$(SYSCONFDIR)/logrotate.d \
		$(DESTDIR)$(UNITDIR) $(DESTDIR)$(SYSUSERSDIR) $(DESTDIR)$(TMPFILESDIR) $(DESTDIR)$(DOCDIR)
	install -m 0755 $(addprefix $(BIN)/,$(INSTALL_BIN)) $(DESTDIR)$(BINDIR)/
	install -m 0755 $(addprefix $(BIN)/,$(INSTALL_SBIN)) $(DESTDIR)$(SBINDIR)/
	install -m 0644 policy/seccomp/*.policy $(DESTDIR)$(DATADIR)/retrace-server/policy/seccomp/
	@# the configuration names the policies' installed place; an admin's file is never replaced
	@if [ -e $(DESTDIR)$(SYSCONFDIR)/retrace-server.conf ]; then \
		echo "keeping $(DESTDIR)$(SYSCONFDIR)/retrace-server.conf; the shipped one is retrace-server.conf.dist"; \
		conf=$(DESTDIR)$(SYSCONFDIR)/retrace-server.conf.dist; \
	else conf=$(DESTDIR)$(SYSCONFDIR)/retrace-server.conf; fi; \
	sed 's|^SeccompPolicyDir = .*|SeccompPolicyDir = $(DATADIR)/retrace-server/policy/seccomp|' \
		config/retrace-server.conf >"$$conf" && chmod 0644 "$$conf"
	for u in $(UNITS); do $(subst_paths) packaging/systemd/$$u >$(DESTDIR)$(UNITDIR)/$$u; \
		chmod 0644 $(DESTDIR)$(UNITDIR)/$$u; done
	install -m 0644 packaging/sysusers.conf $(DESTDIR)$(SYSUSERSDIR)/retrace-server.conf
	install -m 0644 packaging/tmpfiles.conf $(DESTDIR)$(TMPFILESDIR)/retrace-server.conf
	install -m 0644 packaging/logrotate $(DESTDIR)$(SYSCONFDIR)/logrotate.d/retrace-server
	install -m 0644 README.md docs/*.md $(DESTDIR)$(DOCDIR)/
	for p in $(MAN_PAGES); do s=$${p##*.}; install -D -m 0644 $$p $(DESTDIR)$(MANDIR)/man$$s/$${p##*/}; done
	install -d $(DESTDIR)$(APPARMORDIR)
	install -m 0644 policy/apparmor/usr.sbin.retrace-worker policy/apparmor/usr.sbin.retrace-httpd \
		policy/apparmor/usr.sbin.retrace-debuginfod $(DESTDIR)$(APPARMORDIR)/
	@# AppArmor 4's userns rule, only where this machine's parser knows it
	@if command -v apparmor_parser >/dev/null && \
	    [ "$$(apparmor_parser --version | sed -n 's/.*version \([0-9]*\).*/\1/p' | head -n 1)" -ge 4 ] 2>/dev/null; then \
		install -D -m 0644 policy/apparmor/retrace-server/userns $(DESTDIR)$(APPARMORDIR)/retrace-server/userns; \
	fi

# RPMs built by packaging/retrace-server.spec from the dist tarball, into
# build/rpm (RPMBUILD_FLAGS=--nodeps where the build dependencies are not
# RPMs, as on Debian)
rpm: dist
	rpmbuild -bb $(RPMBUILD_FLAGS) -D "_topdir $(abspath build/rpm)" -D "_sourcedir $(abspath build)" \
		packaging/retrace-server.spec
	@ls build/rpm/RPMS/*/*.rpm

# a Debian package of the dist tarball (packaging/debian), into build/deb
deb: dist
	rm -rf build/deb && mkdir -p build/deb
	tar -C build/deb -xzf build/retrace-server-$(VERSION).tar.gz
	cp -r packaging/debian build/deb/retrace-server-$(VERSION)/debian
	cd build/deb/retrace-server-$(VERSION) && dpkg-buildpackage -us -uc -b $(DEB_FLAGS)
	@ls build/deb/*.deb

# the tracked files of the tree (git archive), or all of it outside git
dist:
	@mkdir -p build
	@if git rev-parse --git-dir >/dev/null 2>&1; then \
		git archive --format=tar.gz --prefix=retrace-server-$(VERSION)/ -o build/retrace-server-$(VERSION).tar.gz HEAD; \
	else \
		tar --exclude=./build --transform 's|^\./|retrace-server-$(VERSION)/|' -czf build/retrace-server-$(VERSION).tar.gz .; \
	fi
	@echo build/retrace-server-$(VERSION).tar.gz

clean:
	rm -rf build

.PHONY: FORCE all check check-run check-cluster fresh-check demo lint bench fuzz clean build-tests install dist rpm deb man

# SPDX-License-Identifier: Apache-2.0 OR MIT
# pizauth in C: the one build file.  `make` builds, `make check` tests,
# `make run` starts a server, `make deps` installs what is missing.

PREFIX     ?= /usr/local
BINDIR     ?= $(PREFIX)/bin
LIBDIR     ?= $(PREFIX)/lib
SHAREDIR   ?= $(PREFIX)/share
MANDIR     ?= $(SHAREDIR)/man
DOCDIR     ?= $(SHAREDIR)/doc/pizauth
# Where a system service's configuration goes: /etc for /usr.
SYSCONFDIR ?= $(if $(filter /usr,$(PREFIX)),/etc,$(PREFIX)/etc)
EXAMPLESDIR ?= $(SHAREDIR)/examples
DESTDIR    ?=
# The systemd user unit is installed where systemd runs (USESYSTEMD=1
# forces it, USESYSTEMD=0 leaves it out), as pizauth 1.1.0 does.
USESYSTEMD ?= $(shell test -d /run/systemd/system && echo 1 || echo 0)

VERSION    := 1.1.0

CC         ?= cc
CFLAGS     ?= -O2 -g
BUILD      ?= build
# V=1 shows every command.
Q          := $(if $(V),,@)

# What every object is compiled with.  _GNU_SOURCE for SO_PEERCRED, timerfd,
# CLOCK_BOOTTIME and explicit_bzero: the daemon is Linux-first like its users.
PZ_CFLAGS  := -std=c11 -D_GNU_SOURCE -Wall -Wextra -Werror -Wshadow \
              -Wstrict-prototypes -Wmissing-prototypes -Wno-unused-parameter \
              -fstack-protector-strong -fPIC -DPZ_VERSION='"$(VERSION)"' -I.
PZ_LDFLAGS :=

ifeq ($(SANITIZE),1)
BUILD      := build/sanitize
PZ_CFLAGS  += -fsanitize=address,undefined -fno-omit-frame-pointer \
              -fno-sanitize-recover=undefined
PZ_LDFLAGS += -fsanitize=address,undefined
endif

# pkg-config module -> the Debian package that provides it: what building
# pizauth and its adapters needs, then what the tests add.
PC_PKGS    := jansson:libjansson-dev openssl:libssl-dev \
              libevent:libevent-dev libevent_openssl:libevent-dev \
              libcurl:libcurl4-openssl-dev \
              libsasl2:libsasl2-dev libsecret-1:libsecret-1-dev
TEST_PC_PKGS := cmocka:libcmocka-dev
# Commands -> their Debian packages: what building and running the demo
# (`make run`) needs, then what the tests run.
RUN_TOOL_PKGS := cc:gcc pkg-config:pkg-config /usr/bin/python3:python3 \
              curl:curl
TOOL_PKGS  := mandoc:mandoc node:nodejs npm:npm valgrind:valgrind git:git \
              gnome-keyring-daemon:gnome-keyring secret-tool:libsecret-tools \
              dbus-daemon:dbus gdbus:libglib2.0-bin \
              /usr/sbin/dovecot:dovecot-imapd \
              /usr/lib/dovecot/submission:dovecot-submissiond \
              msmtp:msmtp mbsync:isync /usr/lib/cyrus/bin/imtest:cyrus-clients \
              systemd-analyze:systemd zsh:zsh fish:fish \
              /usr/share/bash-completion/bash_completion:bash-completion \
              /usr/sbin/postfix:postfix

pc_name     = $(word 1,$(subst :, ,$(1)))
deb_name    = $(word 2,$(subst :, ,$(1)))
# The Debian packages of the list $(1) whose module / command is missing.
missing_pc  = $(sort $(foreach p,$(1),$(if $(shell pkg-config --exists \
                $(call pc_name,$(p)) 2>/dev/null && echo y),,$(call deb_name,$(p)))))
missing_tool = $(sort $(foreach p,$(1),$(if $(shell command -v \
                $(call pc_name,$(p)) 2>/dev/null),,$(call deb_name,$(p)))))

# An interpreter with pytest: the first python3 on PATH may be a build
# without it, while Debian's own has python3-pytest.
PYTHON     ?= $(shell for p in python3 /usr/bin/python3; do \
                $$p -c 'import pytest' 2>/dev/null && { echo $$p; break; }; done)

pc_cflags   = $(shell pkg-config --cflags $(1) 2>/dev/null)
# Small programs run on every mail fetch link jansson statically: one
# shared object fewer to map and relocate is a fifth of their start-up.
JANSSON_STATIC = -Wl,-Bstatic -ljansson -Wl,-Bdynamic
pc_libs     = $(shell pkg-config --libs $(1) 2>/dev/null)

CORE_PC    := jansson openssl
CLIENT_PC  := jansson
DAEMON_PC  := libevent libevent_openssl libcurl openssl jansson
SASL_PC    := libsasl2
KEYRING_PC := libsecret-1
# libsasl2 searches this directory for plugins; override to install
# elsewhere (SASL_PATH lets a user point libsasl2 at another).
SASL_PLUGIN_DIR ?= $(shell pkg-config --variable=libdir libsasl2 2>/dev/null)/sasl2

CORE_SRC   := $(sort $(wildcard core/*.c))
CLIENT_SRC := $(sort $(wildcard daemon/client/*.c))
DAEMON_SRC := $(sort $(wildcard daemon/server/*.c))
UNIT_SRC   := $(sort $(wildcard tests/unit/test_*.c))
# The adapters: each a directory, each linking the core and its own library
# only (never the daemon).
GITCRED_SRC := $(sort $(wildcard helpers/git/*.c))
PWEVAL_SRC := $(sort $(wildcard helpers/passwordeval/*.c))
SASL_SRC   := $(sort $(wildcard plugins/sasl/*.c))
KEYRING_SRC := $(sort $(wildcard plugins/keyring/*.c))

obj         = $(patsubst %.c,$(BUILD)/obj/%.o,$(1))
CORE_OBJ   := $(call obj,$(CORE_SRC))
CLIENT_OBJ := $(call obj,$(CLIENT_SRC))
DAEMON_OBJ := $(call obj,$(DAEMON_SRC))
# The daemon minus its main(), so unit tests can link its modules.
DAEMON_LIB_OBJ := $(filter-out $(BUILD)/obj/daemon/server/main.o,$(DAEMON_OBJ))

GITCRED_OBJ := $(call obj,$(GITCRED_SRC))
PWEVAL_OBJ := $(call obj,$(PWEVAL_SRC))
SASL_OBJ   := $(call obj,$(SASL_SRC))
KEYRING_OBJ := $(call obj,$(KEYRING_SRC))
# Everything of the adapters but their main()s, for unit tests.
ADAPTER_LIB_OBJ := $(filter-out %/main.o,$(GITCRED_OBJ) $(PWEVAL_OBJ) \
              $(SASL_OBJ) $(KEYRING_OBJ))

CORE_LIB   := $(BUILD)/lib/libpizauth-core.a
DAEMON_LIB := $(BUILD)/lib/libpizauthd.a
ADAPTER_LIB := $(BUILD)/lib/libpizauth-adapters.a
SASL_PLUGIN := $(BUILD)/lib/sasl2/libpizauth.so
ADAPTERS   := $(if $(GITCRED_SRC),$(BUILD)/bin/git-credential-pizauth) \
              $(if $(PWEVAL_SRC),$(BUILD)/bin/pizauth-passwordeval) \
              $(if $(KEYRING_SRC),$(BUILD)/bin/pizauth-keyring) \
              $(if $(SASL_SRC),$(SASL_PLUGIN))
PROGRAMS   := $(BUILD)/bin/pizauth $(BUILD)/bin/pizauthd $(ADAPTERS)
UNIT_BINS  := $(patsubst tests/unit/%.c,$(BUILD)/tests/%,$(UNIT_SRC))

MANPAGES   := $(wildcard docs/*.1 docs/*.5 docs/*.7)

.PHONY: all check check-deps deps deps-run run install uninstall clean unit \
        integration e2e lint-man valgrind fuzz bench

all: check-deps $(PROGRAMS)

# Fail before compiling anything when a -dev package is missing.
check-deps:
	@m="$(call missing_pc,$(PC_PKGS))"; if [ -n "$$m" ]; then \
	  echo "missing Debian packages: $$m" >&2; \
	  echo "run 'make deps' to install them" >&2; exit 1; fi

# Install what is missing (Debian); a no-op when nothing is.  deps-run is
# what building and `make run` need, without the packages those merely
# recommend; deps adds what the tests use.
APT_INSTALL = SUDO=; [ "$$(id -u)" = 0 ] || SUDO=sudo; \
	  $$SUDO apt-get update -qq && \
	  $$SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq

deps-run:
	@m="$(strip $(call missing_pc,$(PC_PKGS)) \
	  $(call missing_tool,$(RUN_TOOL_PKGS)))"; \
	if [ -n "$$m" ]; then echo "installing: $$m"; \
	  $(APT_INSTALL) --no-install-recommends $$m; fi

# Postfix (the e2e tests run private instances of it) is installed with
# debconf's "No configuration": no /etc/postfix/main.cf, so the package
# starts no system instance and nothing listens on port 25.  It is the MTA
# that cyrus-clients (through cyrus-common) wants, so, installed in the same
# transaction, no other MTA comes in (an installed one, e.g. exim4, goes).
deps: deps-run
	@m="$(strip $(call missing_pc,$(TEST_PC_PKGS)) \
	  $(call missing_tool,$(TOOL_PKGS)))"; \
	if [ -z "$(PYTHON)" ]; then m="$$m python3-pytest"; fi; \
	if [ -n "$$m" ]; then echo "installing: $$m"; \
	  case " $$m " in *" postfix "*) \
	    S=; [ "$$(id -u)" = 0 ] || S=sudo; \
	    echo "postfix postfix/main_mailer_type select No configuration" | \
	      $$S debconf-set-selections || exit 1;; esac; \
	  $(APT_INSTALL) $$m; fi

$(BUILD)/obj/core/%.o: core/%.c
	@mkdir -p $(@D)
	@echo '  CC      $<'
	$(Q)$(CC) $(CFLAGS) $(PZ_CFLAGS) $(call pc_cflags,$(CORE_PC)) -MMD -MP -c $< -o $@

$(BUILD)/obj/daemon/client/%.o: daemon/client/%.c
	@mkdir -p $(@D)
	@echo '  CC      $<'
	$(Q)$(CC) $(CFLAGS) $(PZ_CFLAGS) $(call pc_cflags,$(CLIENT_PC)) -MMD -MP -c $< -o $@

$(BUILD)/obj/daemon/server/%.o: daemon/server/%.c
	@mkdir -p $(@D)
	@echo '  CC      $<'
	$(Q)$(CC) $(CFLAGS) $(PZ_CFLAGS) $(call pc_cflags,$(DAEMON_PC)) -MMD -MP -c $< -o $@

$(BUILD)/obj/helpers/%.o: helpers/%.c
	@mkdir -p $(@D)
	@echo '  CC      $<'
	$(Q)$(CC) $(CFLAGS) $(PZ_CFLAGS) $(call pc_cflags,$(CLIENT_PC)) -MMD -MP -c $< -o $@

# The SASL plugin lives in other programs: export nothing but its entry.
$(BUILD)/obj/plugins/sasl/%.o: plugins/sasl/%.c
	@mkdir -p $(@D)
	@echo '  CC      $<'
	$(Q)$(CC) $(CFLAGS) $(PZ_CFLAGS) -fvisibility=hidden $(call pc_cflags,$(SASL_PC) $(CLIENT_PC)) -MMD -MP -c $< -o $@

$(BUILD)/obj/plugins/keyring/%.o: plugins/keyring/%.c
	@mkdir -p $(@D)
	@echo '  CC      $<'
	$(Q)$(CC) $(CFLAGS) $(PZ_CFLAGS) $(call pc_cflags,$(KEYRING_PC) $(CLIENT_PC)) -MMD -MP -c $< -o $@

$(BUILD)/obj/tests/unit/%.o: tests/unit/%.c
	@mkdir -p $(@D)
	@echo '  CC      $<'
	$(Q)$(CC) $(CFLAGS) $(PZ_CFLAGS) $(call pc_cflags,cmocka $(DAEMON_PC) $(SASL_PC) $(KEYRING_PC)) -MMD -MP -c $< -o $@

$(CORE_LIB): $(CORE_OBJ)
	@mkdir -p $(@D)
	@echo '  AR      $@'
	$(Q)rm -f $@ && ar rcs $@ $^

$(ADAPTER_LIB): $(ADAPTER_LIB_OBJ)
	@mkdir -p $(@D)
	@echo '  AR      $@'
	$(Q)rm -f $@ && ar rcs $@ $^

$(DAEMON_LIB): $(DAEMON_LIB_OBJ)
	@mkdir -p $(@D)
	@echo '  AR      $@'
	$(Q)rm -f $@ && ar rcs $@ $^

# The client links the core and jansson only: `pizauth show` runs on every
# mail fetch, and libcurl + libevent + libcrypto would triple its start-up.
$(BUILD)/bin/pizauth: $(CLIENT_OBJ) $(CORE_LIB)
	@mkdir -p $(@D)
	@echo '  LD      $@'
	$(Q)$(CC) $(CFLAGS) $(PZ_LDFLAGS) $(LDFLAGS) -Wl,--as-needed -o $@ \
	  $(CLIENT_OBJ) $(CORE_LIB) $(JANSSON_STATIC)

$(BUILD)/bin/pizauthd: $(DAEMON_OBJ) $(CORE_LIB)
	@mkdir -p $(@D)
	@echo '  LD      $@'
	$(Q)$(CC) $(CFLAGS) $(PZ_LDFLAGS) $(LDFLAGS) -o $@ \
	  $(DAEMON_OBJ) $(CORE_LIB) $(call pc_libs,$(DAEMON_PC))

# Adapters link the core and jansson (and their own library) only.
$(BUILD)/bin/git-credential-pizauth: $(GITCRED_OBJ) $(CORE_LIB)
	@mkdir -p $(@D)
	@echo '  LD      $@'
	$(Q)$(CC) $(CFLAGS) $(PZ_LDFLAGS) $(LDFLAGS) -Wl,--as-needed -o $@ \
	  $(GITCRED_OBJ) $(CORE_LIB) $(JANSSON_STATIC)

$(BUILD)/bin/pizauth-passwordeval: $(PWEVAL_OBJ) $(CORE_LIB)
	@mkdir -p $(@D)
	@echo '  LD      $@'
	$(Q)$(CC) $(CFLAGS) $(PZ_LDFLAGS) $(LDFLAGS) -Wl,--as-needed -o $@ \
	  $(PWEVAL_OBJ) $(CORE_LIB) $(JANSSON_STATIC)

$(BUILD)/bin/pizauth-keyring: $(KEYRING_OBJ) $(CORE_LIB)
	@mkdir -p $(@D)
	@echo '  LD      $@'
	$(Q)$(CC) $(CFLAGS) $(PZ_LDFLAGS) $(LDFLAGS) -Wl,--as-needed -o $@ \
	  $(KEYRING_OBJ) $(CORE_LIB) $(call pc_libs,$(KEYRING_PC) $(CLIENT_PC))

$(SASL_PLUGIN): $(SASL_OBJ) $(CORE_LIB)
	@mkdir -p $(@D)
	@echo '  LD      $@'
	$(Q)$(CC) $(CFLAGS) $(PZ_LDFLAGS) $(LDFLAGS) -shared -Wl,--as-needed \
	  -Wl,-z,defs -Wl,--exclude-libs,ALL -o $@ $(SASL_OBJ) $(CORE_LIB) \
	  $(call pc_libs,$(SASL_PC) $(CLIENT_PC))

$(BUILD)/tests/%: $(BUILD)/obj/tests/unit/%.o $(DAEMON_LIB) $(ADAPTER_LIB) $(CORE_LIB)
	@mkdir -p $(@D)
	@echo '  LD      $@'
	$(Q)$(CC) $(CFLAGS) $(PZ_LDFLAGS) $(LDFLAGS) -o $@ $< $(DAEMON_LIB) \
	  $(ADAPTER_LIB) $(CORE_LIB) \
	  $(call pc_libs,cmocka $(DAEMON_PC) $(SASL_PC) $(KEYRING_PC))

# Keep objects make considers intermediate (unit test objects).
.SECONDARY:

-include $(shell find $(BUILD)/obj -name '*.d' 2>/dev/null)

# ---- tests -------------------------------------------------------------

check: deps
	@$(MAKE) --no-print-directory all
	@$(MAKE) --no-print-directory unit lint-man valgrind fuzz-replay
	@$(MAKE) --no-print-directory integration e2e

unit: $(UNIT_BINS)
	@fail=0; for t in $(UNIT_BINS); do \
	  echo "== $$t"; $$t || fail=1; done; \
	exit $$fail

# Small programs the integration tests run (tests/tools/*.c, on the core).
TEST_TOOLS := $(patsubst tests/tools/%.c,$(BUILD)/tests/tools/%, \
              $(wildcard tests/tools/*.c))
$(BUILD)/tests/tools/%: tests/tools/%.c $(CORE_LIB)
	@mkdir -p $(@D)
	@echo '  CC      $<'
	$(Q)$(CC) $(CFLAGS) $(PZ_CFLAGS) $(PZ_LDFLAGS) $(LDFLAGS) \
	  $(call pc_cflags,$(CORE_PC)) -o $@ $< $(CORE_LIB) \
	  $(call pc_libs,$(CORE_PC))

integration: $(PROGRAMS) $(TEST_TOOLS)
	PIZAUTH_BIN=$(abspath $(BUILD))/bin \
	  PIZAUTH_TEST_TOOLS=$(abspath $(BUILD))/tests/tools $(PYTHON) -m pytest \
	  -q -p no:cacheprovider tests/integration

# End-to-end against real programs; tests/e2e holds its own npm lock file.
E2E_NODE_MODULES := tests/e2e/node_modules/.package-lock.json
$(E2E_NODE_MODULES): tests/e2e/package-lock.json
	cd tests/e2e && npm ci --no-audit --no-fund --loglevel=error
	@touch $@

e2e: $(PROGRAMS) $(E2E_NODE_MODULES)
	PIZAUTH_BIN=$(abspath $(BUILD))/bin $(PYTHON) -m pytest -q \
	  -p no:cacheprovider tests/e2e

lint-man:
	@for m in $(MANPAGES); do mandoc -Tlint -W warning $$m || exit 1; done

# ASan and valgrind cannot watch the same process: under SANITIZE=1 the
# sanitizers do this job, and a plain `make check` runs valgrind.
ifeq ($(SANITIZE),1)
valgrind:
	@echo "valgrind: skipped under SANITIZE=1 (the sanitizers watch instead)"
else
valgrind: $(UNIT_BINS) $(PROGRAMS)
	@command -v valgrind >/dev/null || { SUDO=; [ "$$(id -u)" = 0 ] || SUDO=sudo; \
	  $$SUDO apt-get update -qq && $$SUDO apt-get install -y -qq valgrind; }
	@for t in $(UNIT_BINS); do valgrind -q --error-exitcode=1 \
	  --leak-check=full --errors-for-leak-kinds=definite $$t >/dev/null \
	  || exit 1; done; echo "valgrind: unit tests clean"
	@BIN=$(abspath $(BUILD))/bin sh tests/valgrind/daemon.sh
endif

# The figures of bench/RESULTS.md (bench.py), then what `pizauth show`
# costs against bench/baseline.txt.  PIZAUTH_BASELINE=/path/to/pizauth
# measures another pizauth beside ours.
# floor_sock and floor_rss are the machine's floors the daemon is measured
# against, as /bin/true is for `pizauth show`.
BENCH_TOOLS := $(BUILD)/bench/spawn $(BUILD)/bench/load \
               $(BUILD)/bench/floor_sock $(BUILD)/bench/floor_rss
$(BUILD)/bench/%: bench/%.c
	@mkdir -p $(@D)
	@echo '  CC      $<'
	$(Q)$(CC) $(CFLAGS) -std=c11 -D_GNU_SOURCE -Wall -Wextra -Werror -pthread -o $@ $<
# Linked exactly as the daemon is, so it maps the same libraries.
$(BUILD)/bench/floor_rss: bench/floor_rss.c
	@mkdir -p $(@D)
	@echo '  CC      $<'
	$(Q)$(CC) $(CFLAGS) -std=c11 -D_GNU_SOURCE -Wall -Wextra -Werror \
	  $(call pc_cflags,$(DAEMON_PC)) -o $@ $< -Wl,--no-as-needed \
	  $(call pc_libs,$(DAEMON_PC))

bench: $(PROGRAMS) $(BENCH_TOOLS)
	@BIN=$(abspath $(BUILD))/bin BENCH_TOOLS=$(abspath $(BUILD))/bench \
	  BENCH_OUT=$(abspath $(BUILD))/bench /usr/bin/python3 bench/bench.py
	@BIN=$(abspath $(BUILD))/bin sh bench/show.sh

# Coverage-guided fuzzing (clang's libFuzzer) of the parsers and of the
# whole daemon in process (fuzz_daemon, which links the daemon's modules),
# each for FUZZ_SECONDS and seeded from tests/fuzz/corpus/<fuzzer>/; not
# part of check.  What the fuzzers find stays in build/fuzz/ (new inputs in
# <fuzzer>.corpus/, crashes as crash-*): tests/ is never written.
# What a fuzzer links beyond the core: the daemon's modules (fuzz_daemon,
# and those of its parts that need a struct server or libevent), the git
# helper's, or the SASL plugin's (compiled with libsasl2's cflags).
FUZZ_SECONDS ?= 60
FUZZ_SRC   := $(sort $(wildcard tests/fuzz/fuzz_*.c))
FUZZ_NAMES := $(patsubst tests/fuzz/%.c,%,$(FUZZ_SRC))
FUZZ_WITH_DAEMON  := fuzz_daemon fuzz_redirect fuzz_control
FUZZ_WITH_GITCRED := fuzz_gitcred
FUZZ_WITH_SASL    := fuzz_sasl_challenge
DAEMON_LIB_SRC := $(filter-out daemon/server/main.c,$(DAEMON_SRC))
GITCRED_LIB_SRC := $(filter-out %/main.c,$(GITCRED_SRC))
GITCRED_LIB_OBJ := $(call obj,$(GITCRED_LIB_SRC))
fuzz:
	@command -v clang >/dev/null && [ -n "$$(ls /usr/lib/llvm-*/lib/clang/*/lib/linux/libclang_rt.fuzzer-x86_64.a 2>/dev/null)" ] || \
	  { SUDO=; [ "$$(id -u)" = 0 ] || SUDO=sudo; $$SUDO apt-get update -qq && \
	    DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq clang libclang-rt-14-dev; }
	@mkdir -p build/fuzz
	@for n in $(FUZZ_NAMES); do \
	  case " $(FUZZ_WITH_DAEMON) " in *" $$n "*) \
	    src="$(DAEMON_LIB_SRC)"; pc="$(DAEMON_PC)";; *) \
	  case " $(FUZZ_WITH_GITCRED) " in *" $$n "*) \
	    src="$(GITCRED_LIB_SRC)"; pc="$(CLIENT_PC) $(CORE_PC)";; *) \
	  case " $(FUZZ_WITH_SASL) " in *" $$n "*) \
	    src="$(SASL_SRC)"; pc="$(SASL_PC) $(CLIENT_PC) $(CORE_PC)";; *) \
	    src=; pc="$(CORE_PC)";; \
	  esac;; esac;; esac; \
	  echo "== $$n ($(FUZZ_SECONDS) s)"; \
	  clang -g -O1 -std=c11 -D_GNU_SOURCE -DPZ_VERSION='"$(VERSION)"' -I. \
	    -Wall -Wextra -Werror -Wno-unused-parameter \
	    -fsanitize=fuzzer,address,undefined $$(pkg-config --cflags $$pc) \
	    -o build/fuzz/$$n tests/fuzz/$$n.c $(CORE_SRC) $$src \
	    $$(pkg-config --libs $$pc) || exit 1; \
	  mkdir -p build/fuzz/$$n.corpus; \
	  if [ -d tests/fuzz/corpus/$$n ]; then \
	    cp tests/fuzz/corpus/$$n/* build/fuzz/$$n.corpus/ || exit 1; fi; \
	  (cd build/fuzz && ./$$n -max_total_time=$(FUZZ_SECONDS) -max_len=4096 \
	    -timeout=10 -close_fd_mask=2 -dict=../../tests/fuzz/$$n.dict \
	    $$n.corpus) || exit 1; \
	done

# The committed corpora replayed through each fuzzer built with $(CC) and
# the usual flags (sanitized under SANITIZE=1), tests/fuzz/replay.c as
# main(): no clang, a few seconds; part of check.
.PHONY: fuzz-replay
REPLAY_BINS := $(patsubst %,$(BUILD)/fuzz-replay/%,$(FUZZ_NAMES))
REPLAY_OBJ := $(BUILD)/obj/tests/fuzz/replay.o

$(BUILD)/obj/tests/fuzz/%.o: tests/fuzz/%.c
	@mkdir -p $(@D)
	@echo '  CC      $<'
	$(Q)$(CC) $(CFLAGS) $(PZ_CFLAGS) $(call pc_cflags,$(DAEMON_PC) $(SASL_PC)) -MMD -MP -c $< -o $@

$(patsubst %,$(BUILD)/fuzz-replay/%,$(FUZZ_WITH_DAEMON)): \
    $(BUILD)/fuzz-replay/%: $(BUILD)/obj/tests/fuzz/%.o $(REPLAY_OBJ) \
    $(DAEMON_LIB) $(CORE_LIB)
	@mkdir -p $(@D)
	@echo '  LD      $@'
	$(Q)$(CC) $(CFLAGS) $(PZ_LDFLAGS) $(LDFLAGS) -o $@ $< $(REPLAY_OBJ) \
	  $(DAEMON_LIB) $(CORE_LIB) $(call pc_libs,$(DAEMON_PC))

$(patsubst %,$(BUILD)/fuzz-replay/%,$(FUZZ_WITH_GITCRED)): \
    $(BUILD)/fuzz-replay/%: $(BUILD)/obj/tests/fuzz/%.o $(REPLAY_OBJ) \
    $(GITCRED_LIB_OBJ) $(CORE_LIB)
	@mkdir -p $(@D)
	@echo '  LD      $@'
	$(Q)$(CC) $(CFLAGS) $(PZ_LDFLAGS) $(LDFLAGS) -o $@ $< $(REPLAY_OBJ) \
	  $(GITCRED_LIB_OBJ) $(CORE_LIB) $(call pc_libs,$(CLIENT_PC) $(CORE_PC))

$(patsubst %,$(BUILD)/fuzz-replay/%,$(FUZZ_WITH_SASL)): \
    $(BUILD)/fuzz-replay/%: $(BUILD)/obj/tests/fuzz/%.o $(REPLAY_OBJ) \
    $(SASL_OBJ) $(CORE_LIB)
	@mkdir -p $(@D)
	@echo '  LD      $@'
	$(Q)$(CC) $(CFLAGS) $(PZ_LDFLAGS) $(LDFLAGS) -o $@ $< $(REPLAY_OBJ) \
	  $(SASL_OBJ) $(CORE_LIB) \
	  $(call pc_libs,$(SASL_PC) $(CLIENT_PC) $(CORE_PC))

$(BUILD)/fuzz-replay/%: $(BUILD)/obj/tests/fuzz/%.o $(REPLAY_OBJ) $(CORE_LIB)
	@mkdir -p $(@D)
	@echo '  LD      $@'
	$(Q)$(CC) $(CFLAGS) $(PZ_LDFLAGS) $(LDFLAGS) -o $@ $< $(REPLAY_OBJ) \
	  $(CORE_LIB) $(call pc_libs,$(CORE_PC))

fuzz-replay: $(REPLAY_BINS)
	@fail=0; for n in $(FUZZ_NAMES); do \
	  [ -d tests/fuzz/corpus/$$n ] || continue; \
	  $(BUILD)/fuzz-replay/$$n tests/fuzz/corpus/$$n || fail=1; \
	done; exit $$fail

# ---- running and installing ----------------------------------------------

# The quick start: the user's config if there is one, else the bundled demo.
run: deps-run
	@$(MAKE) --no-print-directory all
	@BIN=$(abspath $(BUILD))/bin sh examples/demo/run.sh

install: all
	install -d $(DESTDIR)$(BINDIR) $(DESTDIR)$(MANDIR)/man1 \
	  $(DESTDIR)$(MANDIR)/man5 $(DESTDIR)$(MANDIR)/man7 \
	  $(DESTDIR)$(DOCDIR)
	install -m 755 $(filter $(BUILD)/bin/%,$(PROGRAMS)) $(DESTDIR)$(BINDIR)/
	$(if $(SASL_SRC),install -d $(DESTDIR)$(SASL_PLUGIN_DIR) && \
	  install -m 755 $(SASL_PLUGIN) $(DESTDIR)$(SASL_PLUGIN_DIR)/)
	install -m 644 $(wildcard docs/*.1) $(DESTDIR)$(MANDIR)/man1/
	install -m 644 $(wildcard docs/*.5) $(DESTDIR)$(MANDIR)/man5/
	install -m 644 $(wildcard docs/*.7) $(DESTDIR)$(MANDIR)/man7/
	install -m 644 README.md $(DESTDIR)$(DOCDIR)/
	install -d $(DESTDIR)$(SHAREDIR)/bash-completion/completions \
	  $(DESTDIR)$(SHAREDIR)/zsh/site-functions \
	  $(DESTDIR)$(SHAREDIR)/fish/vendor_completions.d
	install -m 644 share/bash/pizauth share/bash/pizauth-passwordeval \
	  share/bash/pizauth-keyring \
	  $(DESTDIR)$(SHAREDIR)/bash-completion/completions/
	install -m 644 share/zsh/_pizauth $(DESTDIR)$(SHAREDIR)/zsh/site-functions/
	install -m 644 share/fish/pizauth.fish \
	  share/fish/pizauth-passwordeval.fish share/fish/pizauth-keyring.fish \
	  $(DESTDIR)$(SHAREDIR)/fish/vendor_completions.d/
	install -d $(DESTDIR)$(EXAMPLESDIR)/pizauth
	install -m 644 examples/pizauth.conf $(DESTDIR)$(EXAMPLESDIR)/pizauth/
ifeq ($(USESYSTEMD),1)
	install -d $(DESTDIR)$(LIBDIR)/systemd/user
	sed -e 's|@BINDIR@|$(BINDIR)|g' -e 's|@DOCDIR@|$(DOCDIR)|g' \
	  lib/systemd/user/pizauth.service.in \
	  > $(DESTDIR)$(LIBDIR)/systemd/user/pizauth.service
	chmod 644 $(DESTDIR)$(LIBDIR)/systemd/user/pizauth.service
	install -d $(DESTDIR)$(LIBDIR)/systemd/system
	sed -e 's|@BINDIR@|$(BINDIR)|g' -e 's|@DOCDIR@|$(DOCDIR)|g' \
	  -e 's|@SYSCONFDIR@|$(SYSCONFDIR)|g' \
	  lib/systemd/system/pizauth-postfix.service.in \
	  > $(DESTDIR)$(LIBDIR)/systemd/system/pizauth-postfix.service
	chmod 644 $(DESTDIR)$(LIBDIR)/systemd/system/pizauth-postfix.service
endif

uninstall:
	rm -f $(addprefix $(DESTDIR)$(BINDIR)/,$(notdir $(filter $(BUILD)/bin/%,$(PROGRAMS))))
	rm -f $(DESTDIR)$(SASL_PLUGIN_DIR)/libpizauth.so
	rm -f $(addprefix $(DESTDIR)$(MANDIR)/man1/,$(notdir $(wildcard docs/*.1)))
	rm -f $(addprefix $(DESTDIR)$(MANDIR)/man5/,$(notdir $(wildcard docs/*.5)))
	rm -f $(addprefix $(DESTDIR)$(MANDIR)/man7/,$(notdir $(wildcard docs/*.7)))
	rm -rf $(DESTDIR)$(DOCDIR) $(DESTDIR)$(EXAMPLESDIR)/pizauth
	rm -f $(DESTDIR)$(LIBDIR)/systemd/user/pizauth.service
	rm -f $(DESTDIR)$(LIBDIR)/systemd/system/pizauth-postfix.service
	rm -f $(addprefix $(DESTDIR)$(SHAREDIR)/bash-completion/completions/,\
	  pizauth pizauth-passwordeval pizauth-keyring)
	rm -f $(DESTDIR)$(SHAREDIR)/zsh/site-functions/_pizauth
	rm -f $(addprefix $(DESTDIR)$(SHAREDIR)/fish/vendor_completions.d/,\
	  pizauth.fish pizauth-passwordeval.fish pizauth-keyring.fish)

clean:
	rm -rf build

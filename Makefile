# hermes: one plain GNU Makefile.  `make` builds bin/, `make test` runs
# the suite through prove, `make check` the suite under ASan+UBSan.
# Knobs: PREFIX DESTDIR BINDIR MANDIR CC CFLAGS SANITIZE V=1.

VERSION = 0.1.0
PREFIX ?= /usr/local
BINDIR = $(PREFIX)/bin
MANDIR = $(PREFIX)/share/man
BASHCOMPDIR = $(PREFIX)/share/bash-completion/completions
ZSHCOMPDIR = $(PREFIX)/share/zsh/site-functions
SKILLDIR = $(PREFIX)/share/hermes/skills

PKGS = libcurl libcjson sqlite3 libgit2 libedit
CFLAGS ?= -O2 -g
override CFLAGS += -std=c11 -Wall -Wextra -Werror \
	$(if $(SANITIZE),-fsanitize=$(SANITIZE) -fno-omit-frame-pointer)
override CPPFLAGS += -D_GNU_SOURCE -DHM_VERSION='"$(VERSION)"' -Ilibcommon \
	$(shell pkg-config --cflags $(PKGS) 2>/dev/null)
override LDFLAGS += -Wl,--as-needed $(if $(SANITIZE),-fsanitize=$(SANITIZE))
LDLIBS = $(shell pkg-config --libs $(PKGS) 2>/dev/null) -linotifytools

CMDS = $(patsubst cmd/%.c,bin/%,$(wildcard cmd/*.c))
LIBO = $(patsubst %.c,%.o,$(wildcard libcommon/*.c))
HDRS = $(wildcard libcommon/*.h)
UNIT = $(patsubst %.c,%.t,$(wildcard tests/unit/*.c))
SHIMS = tests/fault.so
MAN1 = $(wildcard man/*.1)
MAN5 = $(wildcard man/*.5)
MAN7 = $(wildcard man/*.7)

ifeq ($(V),1)
Q =
else
Q = @
endif

DEBS = build-essential pkg-config libcurl4-openssl-dev libcjson-dev \
	libsqlite3-dev libgit2-dev libinotifytools0-dev sqlite3 mandoc \
	shellcheck hyperfine python3 perl git zsh ripgrep openssh-server \
	libedit-dev nodejs dovecot-imapd python3-aiosmtpd python3-websockets
# Not npm: the machine's nodesource nodejs bundles npm and Conflicts: npm.
# deps/npm pins the MCP test peers (and a Node 22); tests skip without them.
NPMDIR = deps/npm

.PHONY: all deps test check bench install uninstall clean
.SUFFIXES:

all: $(CMDS)

bin/%: cmd/%.o libcommon.a
	@mkdir -p bin
	$(if $(Q),@echo '  LD      $@')
	$(Q)$(CC) $(LDFLAGS) -o $@ $< libcommon.a $(LDLIBS)

%.o: %.c
	$(if $(Q),@echo '  CC      $@')
	$(Q)$(CC) $(CPPFLAGS) $(CFLAGS) -c -o $@ $<

$(LIBO) $(CMDS:bin/%=cmd/%.o) $(UNIT): $(HDRS)

libcommon.a: $(LIBO)
	$(if $(Q),@echo '  AR      $@')
	$(Q)rm -f $@ && $(AR) rcs $@ $(LIBO)

tests/unit/%.t: tests/unit/%.c tests/unit/tap.h tests/unit/fake.h libcommon.a
	$(if $(Q),@echo '  CC      $@')
	$(Q)$(CC) $(CPPFLAGS) $(CFLAGS) $(LDFLAGS) -o $@ $< libcommon.a $(LDLIBS)

# LD_PRELOAD shim the fault tests use to make write(2) fail (ENOSPC).
tests/fault.so: tests/fault.c
	$(if $(Q),@echo '  CC      $@')
	$(Q)$(CC) -std=c11 -D_GNU_SOURCE -Wall -Wextra -Werror -O2 -shared \
		-fPIC -o $@ $< -ldl

deps:
	@missing=; for p in $(DEBS); do \
		dpkg -s $$p >/dev/null 2>&1 || missing="$$missing $$p"; \
	done; \
	if [ -n "$$missing" ]; then \
		echo "installing:$$missing"; \
		export DEBIAN_FRONTEND=noninteractive; \
		$(if $(filter 0,$(shell id -u)),,sudo) apt-get update -qq && \
		$(if $(filter 0,$(shell id -u)),,sudo) apt-get install -y -qq \
			--no-install-recommends $$missing </dev/null; \
	else echo "deps: all installed"; fi
	@if ! command -v npm >/dev/null 2>&1; then \
		echo "deps: warning: no npm, $(NPMDIR) not installed (MCP tests will skip)" >&2; \
	elif [ $(NPMDIR)/node_modules/.package-lock.json -nt $(NPMDIR)/package-lock.json ]; then \
		echo "deps: $(NPMDIR) up to date"; \
	else cd $(NPMDIR) && npm ci --no-audit --no-fund </dev/null; fi

# Two test files at a time: each has its own HERMES_HOME and ports, and
# most of a gateway test is waiting on its peers.  JOBS=1 for one.
JOBS = 2
test: all $(UNIT) $(SHIMS)
	prove -j$(JOBS) -r tests/ </dev/null

check:
	$(MAKE) clean
	$(MAKE) SANITIZE=address,undefined \
		ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 \
		UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1 test
	$(MAKE) clean

bench: all bench/out/mcp-calls
	@for b in bench/*.sh; do echo "== $$b"; sh $$b || exit 1; done

bench/out/%: bench/%.c libcommon.a $(HDRS)
	@mkdir -p bench/out
	$(Q)$(CC) $(CPPFLAGS) $(CFLAGS) $(LDFLAGS) -o $@ $< libcommon.a $(LDLIBS)

install: all
	install -d $(DESTDIR)$(BINDIR) $(DESTDIR)$(MANDIR)/man1 \
		$(DESTDIR)$(MANDIR)/man5 $(DESTDIR)$(MANDIR)/man7 \
		$(DESTDIR)$(BASHCOMPDIR) $(DESTDIR)$(ZSHCOMPDIR)
	install -m 0755 $(CMDS) $(DESTDIR)$(BINDIR)
	install -m 0644 $(MAN1) $(DESTDIR)$(MANDIR)/man1
	install -m 0644 $(MAN5) $(DESTDIR)$(MANDIR)/man5
	install -m 0644 $(MAN7) $(DESTDIR)$(MANDIR)/man7
	install -m 0644 completions/hermes.bash $(DESTDIR)$(BASHCOMPDIR)/hermes
	for c in $(filter-out hermes,$(CMDS:bin/%=%)); do \
		ln -sf hermes $(DESTDIR)$(BASHCOMPDIR)/$$c; done
	install -m 0644 completions/_hermes $(DESTDIR)$(ZSHCOMPDIR)/_hermes
	for f in $$(cd skills && find . -type f); do \
		install -D -m 0644 skills/$$f $(DESTDIR)$(SKILLDIR)/$$f; done

# The find also takes the completion links of commands an older install
# had: every link there that points to hermes is ours.
uninstall:
	rm -f $(CMDS:bin/%=$(DESTDIR)$(BINDIR)/%)
	rm -f $(MAN1:man/%=$(DESTDIR)$(MANDIR)/man1/%)
	rm -f $(MAN5:man/%=$(DESTDIR)$(MANDIR)/man5/%)
	rm -f $(MAN7:man/%=$(DESTDIR)$(MANDIR)/man7/%)
	rm -f $(DESTDIR)$(BASHCOMPDIR)/hermes $(DESTDIR)$(ZSHCOMPDIR)/_hermes
	rm -f $(CMDS:bin/%=$(DESTDIR)$(BASHCOMPDIR)/%)
	[ ! -d $(DESTDIR)$(BASHCOMPDIR) ] || find $(DESTDIR)$(BASHCOMPDIR) \
		-maxdepth 1 -type l -lname hermes -exec rm -f {} +
	rm -rf $(DESTDIR)$(SKILLDIR)

clean:
	rm -rf bin libcommon.a libcommon/*.o cmd/*.o tests/unit/*.t \
		tests/*.so

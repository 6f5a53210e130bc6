# Stockade — build, test, demo, benchmark, install.
#
#   make demo     install system packages, build, run a real sandboxed demo
#   make test     install system packages, build, run the whole test suite
#   make bench    start-up / RSS / seccomp benchmarks (docs/performance.md)
#   make bench-net  egress firewall benchmarks (docs/performance.md)
#   make install  PREFIX=/usr/local DESTDIR=
#
# Root is needed for the system packages and for the integration tests
# (namespaces as root, cgroups); non-root runs skip them with a reason.

PREFIX      ?= /usr/local
DESTDIR     ?=
SHELL       := /bin/bash
# The Swift toolchain: `swift` on PATH, else the one in /opt/swift.
SWIFT       ?= $(shell command -v swift 2>/dev/null || echo /opt/swift/usr/bin/swift)
BUILD_FLAGS ?=
# Release builds start faster and smaller (docs/performance.md): the Swift
# runtime and libstdc++ linked in statically (a directory holding only
# libstdc++.a comes first on the search path), lld with packed relative
# relocations (DT_RELR: ld.so reads kilobytes, not 700 KB, of relocations).
# DT_RELR only where ld.so reads it (glibc 2.36+, e.g. Debian 12, Ubuntu 24.04).
STATIC_CXX_DIR := $(CURDIR)/.build/static-libstdc++
RELR_FLAGS := $(shell v="$$(getconf GNU_LIBC_VERSION 2>/dev/null | cut -d' ' -f2)"; \
  [ -n "$$v" ] && [ "$$(printf '%s\n' 2.36 "$$v" | sort -V | head -n1)" = 2.36 ] && \
  echo "-Xlinker -z -Xlinker pack-relative-relocs")
# --no-export-dynamic: the executable's own symbols stay out of the dynamic
# symbol table (350 KB that every symbol look-up at start-up walks through).
RELEASE_FLAGS ?= -c release --static-swift-stdlib -Xswiftc -use-ld=lld $(RELR_FLAGS) -Xlinker -L$(STATIC_CXX_DIR) \
                 -Xlinker --no-export-dynamic

APT_PACKAGES = libseccomp-dev libcap-dev libnftnl-dev libmnl-dev libyaml-dev nettle-dev pkg-config \
               dnsmasq-base iproute2 nftables util-linux procps systemd \
               gcc make git python3 ca-certificates \
               g++ python3-venv nodejs default-jre-headless \
               python3-requests python3-pip \
               curl wget openssl binutils
BENCH_PACKAGES = hyperfine bubblewrap

.PHONY: all deps print-apt-packages build release static-libstdc++ test unit-test demo bench bench-net install uninstall clean

all: build

# Installs only the packages that are missing, so repeated runs are quick.
define install-missing
	@missing=""; for p in $(1); do \
	  dpkg -s $$p >/dev/null 2>&1 || missing="$$missing $$p"; done; \
	if [ -n "$$missing" ]; then \
	  if [ "$$(id -u)" != 0 ]; then echo "missing packages:$$missing (run as root)"; exit 1; fi; \
	  apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y $$missing; fi
endef

# Swift is not a Debian package: say where to get it rather than fail on
# "No such file" half-way through a build.
deps:
	$(call install-missing,$(APT_PACKAGES))
	@command -v $(SWIFT) >/dev/null || { echo "no Swift toolchain at $(SWIFT): unpack a Swift 6 release from https://swift.org/install (the tarball for this distribution) at /opt/swift, or set SWIFT=/path/to/swift"; exit 1; }

# The package list, for .ci/run (one list for CI and for newcomers).
print-apt-packages:
	@echo $(APT_PACKAGES)

build: deps
	$(SWIFT) build $(BUILD_FLAGS)

release: deps static-libstdc++
	$(SWIFT) build $(RELEASE_FLAGS)

# Empty when the compiler has no libstdc++.a (then the link stays dynamic).
static-libstdc++:
	@mkdir -p $(STATIC_CXX_DIR); a="$$(clang -print-file-name=libstdc++.a 2>/dev/null || gcc -print-file-name=libstdc++.a)"; \
	  if [ -f "$$a" ]; then ln -sf "$$a" $(STATIC_CXX_DIR)/libstdc++.a; else rm -f $(STATIC_CXX_DIR)/libstdc++.a; fi

test: build
	$(SWIFT) test $(BUILD_FLAGS)

unit-test: build
	$(SWIFT) test $(BUILD_FLAGS) --skip IntegrationTests

# The walls, then the egress firewall in a private fake internet (network
# namespaces made and removed by the script; nothing leaves the machine).
demo: build
	bin="$$($(SWIFT) build $(BUILD_FLAGS) --show-bin-path)/sandbox-run"; \
	  ./scripts/demo.sh "$$bin" && ./scripts/net-demo.sh "$$bin"

bench: release
	$(call install-missing,$(BENCH_PACKAGES))
	./Benchmarks/run.sh "$$($(SWIFT) build $(RELEASE_FLAGS) --show-bin-path)/sandbox-run"

# Egress firewall: filtered vs none start-up, DNS proxy vs dnsmasq, 50 at once.
# Builds its own network namespaces; sends nothing outside them.
bench-net: release
	./Benchmarks/net/run.sh "$$($(SWIFT) build $(RELEASE_FLAGS) --show-bin-path)/sandbox-run"

# Units go to $(PREFIX)/lib/systemd/system: systemd searches /usr/local/lib/systemd/system
# for local installs and /usr/lib/systemd/system is the distribution's; /etc/systemd/system
# stays the administrator's. ExecStart= is rewritten to $(PREFIX)/bin (docs/systemd.md).
UNITDIR     ?= $(PREFIX)/lib/systemd/system
MANDIR      ?= $(PREFIX)/share/man
BASHCOMPDIR ?= $(PREFIX)/share/bash-completion/completions
ZSHCOMPDIR  ?= $(PREFIX)/share/zsh/site-functions
FISHCOMPDIR ?= $(PREFIX)/share/fish/vendor_completions.d

install: release
	install -d $(DESTDIR)$(PREFIX)/bin $(DESTDIR)$(PREFIX)/share/stockade/profiles/presets $(DESTDIR)$(PREFIX)/share/doc/stockade
	install -m 0755 "$$($(SWIFT) build $(RELEASE_FLAGS) --show-bin-path)/sandbox-run" $(DESTDIR)$(PREFIX)/bin/sandbox-run
	install -m 0644 profiles/*.yaml $(DESTDIR)$(PREFIX)/share/stockade/profiles/
	install -m 0644 profiles/presets/*.yaml $(DESTDIR)$(PREFIX)/share/stockade/profiles/presets/
	install -m 0644 README.md docs/*.md $(DESTDIR)$(PREFIX)/share/doc/stockade/
	install -d $(DESTDIR)$(UNITDIR) $(DESTDIR)$(PREFIX)/share/stockade/examples $(DESTDIR)$(MANDIR)/man1 \
	  $(DESTDIR)$(BASHCOMPDIR) $(DESTDIR)$(ZSHCOMPDIR) $(DESTDIR)$(FISHCOMPDIR)
	sed -e 's|/usr/local/bin/sandbox-run|$(PREFIX)/bin/sandbox-run|' -e 's|/usr/local/share/doc|$(PREFIX)/share/doc|' \
	  systemd/stockade-agent@.service > $(DESTDIR)$(UNITDIR)/stockade-agent@.service
	chmod 0644 $(DESTDIR)$(UNITDIR)/stockade-agent@.service
	install -m 0644 systemd/example-agent.yaml $(DESTDIR)$(PREFIX)/share/stockade/examples/agent.yaml
	bin="$$($(SWIFT) build $(RELEASE_FLAGS) --show-bin-path)/sandbox-run"; \
	  "$$bin" --generate-man-page > $(DESTDIR)$(MANDIR)/man1/sandbox-run.1 && \
	  "$$bin" --generate-completion-script bash > $(DESTDIR)$(BASHCOMPDIR)/sandbox-run && \
	  "$$bin" --generate-completion-script zsh > $(DESTDIR)$(ZSHCOMPDIR)/_sandbox-run && \
	  "$$bin" --generate-completion-script fish > $(DESTDIR)$(FISHCOMPDIR)/sandbox-run.fish
	@if [ -z "$(DESTDIR)" ] && [ -d /run/systemd/system ]; then systemctl daemon-reload; fi
	@# Compiled seccomp filters for the shipped profiles, so that rootless
	@# runs skip the compile (they read root's cache, never write one).
	@# A profile prepare cannot read or compile only costs its runs the compile.
	@if [ -z "$(DESTDIR)" ] && [ "$$(id -u)" = 0 ]; then $(PREFIX)/bin/sandbox-run prepare || \
	  echo "make install: sandbox-run prepare failed (see above); those profiles compile at each start"; fi

uninstall:
	rm -f $(DESTDIR)$(PREFIX)/bin/sandbox-run
	rm -rf $(DESTDIR)$(PREFIX)/share/stockade $(DESTDIR)$(PREFIX)/share/doc/stockade
	rm -f $(DESTDIR)$(UNITDIR)/stockade-agent@.service $(DESTDIR)$(MANDIR)/man1/sandbox-run.1 \
	  $(DESTDIR)$(BASHCOMPDIR)/sandbox-run $(DESTDIR)$(ZSHCOMPDIR)/_sandbox-run $(DESTDIR)$(FISHCOMPDIR)/sandbox-run.fish
	@if [ -z "$(DESTDIR)" ]; then rm -rf /var/cache/stockade; fi
	@if [ -z "$(DESTDIR)" ] && [ -d /run/systemd/system ]; then systemctl daemon-reload; fi

clean:
	rm -rf .build

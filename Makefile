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
SWIFT       ?= swift
BUILD_FLAGS ?=
RELEASE_FLAGS ?= -c release --static-swift-stdlib

APT_PACKAGES = libseccomp-dev libcap-dev libnftnl-dev libmnl-dev pkg-config \
               dnsmasq-base iproute2 nftables \
               gcc make git python3 ca-certificates
BENCH_PACKAGES = hyperfine bubblewrap

.PHONY: all deps build release test unit-test demo bench bench-net install uninstall clean

all: build

# Installs only what is missing, so repeated runs are quick and offline-safe.
deps:
	@missing=""; for p in $(APT_PACKAGES); do \
	  dpkg -s $$p >/dev/null 2>&1 || missing="$$missing $$p"; done; \
	if [ -n "$$missing" ]; then \
	  if [ "$$(id -u)" != 0 ]; then echo "missing packages:$$missing (run as root)"; exit 1; fi; \
	  apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y $$missing; fi

build: deps
	$(SWIFT) build $(BUILD_FLAGS)

release: deps
	$(SWIFT) build $(RELEASE_FLAGS)

test: build
	$(SWIFT) test $(BUILD_FLAGS) 2>&1 | tee .test-output.log; exit $${PIPESTATUS[0]}

unit-test: build
	$(SWIFT) test $(BUILD_FLAGS) --skip IntegrationTests

# The walls, then the egress firewall in a private fake internet (network
# namespaces made and removed by the script; nothing leaves the machine).
demo: build
	./scripts/demo.sh "$$($(SWIFT) build $(BUILD_FLAGS) --show-bin-path)/sandbox-run"
	./scripts/net-demo.sh "$$($(SWIFT) build $(BUILD_FLAGS) --show-bin-path)/sandbox-run"

bench: release
	@missing=""; for p in $(BENCH_PACKAGES); do \
	  dpkg -s $$p >/dev/null 2>&1 || missing="$$missing $$p"; done; \
	if [ -n "$$missing" ]; then apt-get update && apt-get install -y $$missing; fi
	./Benchmarks/run.sh "$$($(SWIFT) build $(RELEASE_FLAGS) --show-bin-path)/sandbox-run"

# Egress firewall: filtered vs none start-up, DNS proxy vs dnsmasq, 50 at once.
# Builds its own network namespaces; sends nothing outside them.
bench-net: release
	./Benchmarks/net/run.sh "$$($(SWIFT) build $(RELEASE_FLAGS) --show-bin-path)/sandbox-run"

install: release
	install -d $(DESTDIR)$(PREFIX)/bin $(DESTDIR)$(PREFIX)/share/stockade/profiles/presets $(DESTDIR)$(PREFIX)/share/doc/stockade
	install -m 0755 "$$($(SWIFT) build $(RELEASE_FLAGS) --show-bin-path)/sandbox-run" $(DESTDIR)$(PREFIX)/bin/sandbox-run
	install -m 0644 profiles/*.yaml $(DESTDIR)$(PREFIX)/share/stockade/profiles/
	install -m 0644 profiles/presets/*.yaml $(DESTDIR)$(PREFIX)/share/stockade/profiles/presets/
	install -m 0644 README.md docs/*.md $(DESTDIR)$(PREFIX)/share/doc/stockade/

uninstall:
	rm -f $(DESTDIR)$(PREFIX)/bin/sandbox-run
	rm -rf $(DESTDIR)$(PREFIX)/share/stockade $(DESTDIR)$(PREFIX)/share/doc/stockade

clean:
	rm -rf .build .test-output.log

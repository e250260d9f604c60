# Thin wrapper over CMake. `make` builds, `make test` builds and runs every test,
# `make demo` network-boots a VM from netbootd on a private virtual network,
# `make run` starts netbootd with etc/netbootd.ini. Missing Debian packages are
# installed first by scripts/deps.sh (quick no-op when all are present).
BUILD     ?= build
JOBS      ?= 2
CONFIG    ?= etc/netbootd.ini
CMAKE_ARGS ?=
CTEST_ARGS ?=

.PHONY: all build deps deps-test configure test unit e2e demo bench fuzz run check-config install clean sanitize

all: build

deps:
	@scripts/deps.sh build

deps-test:
	@scripts/deps.sh build test e2e

configure: deps
	@cmake -S . -B $(BUILD) $(CMAKE_ARGS) >/dev/null

build: configure
	@cmake --build $(BUILD) -j $(JOBS)

test: deps-test build
	@cd $(BUILD) && ctest --output-on-failure -j $(JOBS) $(CTEST_ARGS)

unit: build
	@cd $(BUILD) && ctest --output-on-failure -j $(JOBS) -L unit

# Real firmware (SeaBIOS, OVMF) PXE-booting QEMU machines from netbootd (root only).
e2e: deps-test build
	@cd $(BUILD) && ctest --output-on-failure -L e2e

demo:
	@BUILD=$(BUILD) scripts/demo.sh

# libFuzzer (clang) on every parser for FUZZ_SECONDS each; `make test` only replays the corpora.
FUZZ_SECONDS ?= 60
fuzz:
	@scripts/deps.sh build fuzz
	@CC=clang CXX=clang++ cmake -S . -B build-fuzz -DNETBOOT_FUZZ=ON -DNETBOOT_BUILD_BENCH=OFF >/dev/null
	@cmake --build build-fuzz -j $(JOBS) --target fuzz_targets
	@FUZZ_SECONDS=$(FUZZ_SECONDS) tests/fuzz/run_fuzz.sh build-fuzz

# netbootd side by side with dnsmasq, tftpd-hpa, Kea and nginx; rewrites its part of bench/RESULTS.md
# (the sections of status_bench.py, proxy_bench.py and pg_bench.py are kept).
bench:
	@scripts/bench.sh

run: build
	$(BUILD)/netbootd -c $(CONFIG)

check-config: build
	$(BUILD)/netbootd -c $(CONFIG) --check-config

# The binary, the unit, the sample as /etc/netbootd/netbootd.ini.example and the docs
# (README, "Install as a service"). DESTDIR=/some/where stages them instead.
# Stripped: the build keeps its debug information (tens of MB), the installed daemon does not.
install: build
	cmake --install $(BUILD) --strip

# AddressSanitizer + UndefinedBehaviorSanitizer build of everything, then every test.
sanitize:
	@$(MAKE) test BUILD=build-sanitize CMAKE_ARGS="-DNETBOOT_SANITIZE=address,undefined -DCMAKE_BUILD_TYPE=Debug"

clean:
	rm -rf $(BUILD) build-sanitize build-fuzz

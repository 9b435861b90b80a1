# Lakeshare front door. `make run` and `make test` do everything on a fresh Debian 12 machine.
SHELL := /bin/bash
BUILD ?= build
JOBS ?= $(shell nproc)
CMAKE_FLAGS ?=

.PHONY: all deps configure build run test test-unit test-asan fuzz bench format lint clean

all: build

deps:
	@scripts/install-deps.sh

configure: deps
	@cmake -S . -B $(BUILD) -G Ninja -DCMAKE_BUILD_TYPE=Release -DLAKESHARE_WERROR=ON $(CMAKE_FLAGS) >/dev/null

build: configure
	@ninja -C $(BUILD) -j $(JOBS)
	@echo "built $(BUILD)/lakeshare"

run: build
	@scripts/run-demo.sh $(BUILD)/lakeshare

test: build
	@cd $(BUILD) && ctest --output-on-failure -j $(JOBS) --timeout 1800

test-unit: build
	@cd $(BUILD) && ctest --output-on-failure -j $(JOBS) -L unit

# Debug + AddressSanitizer + UndefinedBehaviorSanitizer, then a short fuzz run of every target.
test-asan: deps
	@cmake -S . -B build-asan -G Ninja -DCMAKE_BUILD_TYPE=Debug -DLAKESHARE_SANITIZE=ON \
	  -DLAKESHARE_BENCH=OFF >/dev/null
	@ninja -C build-asan -j $(JOBS)
	@cd build-asan && ctest --output-on-failure -j $(JOBS) -L 'unit|integration'
	@$(MAKE) --no-print-directory fuzz FUZZ_SECONDS=$${FUZZ_SECONDS:-30}

# libFuzzer targets built with clang; each runs FUZZ_SECONDS from its seed corpus.
FUZZ_SECONDS ?= 60
fuzz: deps
	@CC=clang CXX=clang++ cmake -S . -B build-fuzz -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo \
	  -DLAKESHARE_FUZZ=ON -DLAKESHARE_SANITIZE=ON -DLAKESHARE_BENCH=OFF >/dev/null
	@ninja -C build-fuzz -j $(JOBS) fuzzers
	@scripts/run-fuzzers.sh build-fuzz $(FUZZ_SECONDS)

bench: build
	@scripts/bench.sh $(BUILD)

format:
	@git ls-files '*.h' '*.cc' | xargs clang-format -i

lint: configure
	@git ls-files 'src/*.cc' | grep -v '_test.cc' | xargs clang-tidy -p $(BUILD) --quiet

clean:
	rm -rf build build-asan build-fuzz

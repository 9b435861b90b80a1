# Lakeshare front door. `make run` and `make test` do everything on a fresh Debian 12 machine.
SHELL := /bin/bash
BUILD ?= build
JOBS ?= $(shell nproc)
CMAKE_FLAGS ?=

.PHONY: all deps configure build run test test-unit test-release test-asan asan-build \
        fuzz fuzz-ci bench format lint clean

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

# Everything CI runs (.ci/run): the Release build and every test. The sanitizer stage
# (test-asan) is not part of it yet: see test-asan.
test: test-release

test-release: build
	@cd $(BUILD) && ctest --output-on-failure -j $(JOBS) --timeout 1800

# The sanitizer stage (issue 10 item 7): the sanitizer tree (asan-build, no benchmarks), its
# unit and integration tests under ASan + UBSan (every module's unit tests, the servers on real
# sockets, S3 on moto, PostgreSQL, the bad-input catalogue against the ASan `lakeshare` on both
# APIs), then every fuzz target for FUZZ_CI_SECONDS from its seeds. Left out for time: the
# conformance suites (the shared corpus against DuckDB) and the e2e journeys (clients and
# browsers driving the Release server). Meant to follow test-release in `make test`; not joined
# yet because CI must stay under 60 minutes on a clean clone and the one clean-clone run with it
# joined was far over that on the shared machine (docs/security.md, "Sanitizers and fuzzing in
# CI"). Each step prints its time.
FUZZ_CI_SECONDS ?= 15
test-asan:
	@echo "sanitizers: building $(ASAN_BUILD) (clang, ASan + UBSan, libFuzzer coverage)"; \
	  start=$$SECONDS; $(MAKE) --no-print-directory asan-build && \
	  echo "sanitizers: $(ASAN_BUILD) built in $$((SECONDS - start)) s"
	@echo "sanitizers: unit and integration tests under ASan + UBSan"; start=$$SECONDS; \
	  cd $(ASAN_BUILD) && ctest --output-on-failure -j $(JOBS) -L 'unit|integration' --timeout 1800 && \
	  echo "sanitizers: tests passed in $$((SECONDS - start)) s"
	@start=$$SECONDS; scripts/run-fuzzers.sh $(ASAN_BUILD) $(FUZZ_CI_SECONDS) && \
	  echo "sanitizers: fuzz run passed in $$((SECONDS - start)) s"

test-unit: build
	@cd $(BUILD) && ctest --output-on-failure -j $(JOBS) -L unit

# One sanitizer tree for tests and fuzzing: clang, AddressSanitizer + UndefinedBehaviorSanitizer
# (any undefined behaviour aborts), libFuzzer coverage, -O1 (ASan's advice: fast enough to run
# every unit and integration test, line tables for reports). CCACHE_NOHASHDIR: ccache may reuse an
# object compiled in another checkout (a clean clone), whose line tables then name that checkout's
# build folder; file names and lines in reports stay right.
ASAN_BUILD ?= build-asan
asan-build: deps
	@CC=clang CXX=clang++ cmake -S . -B $(ASAN_BUILD) -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo \
	  "-DCMAKE_CXX_FLAGS_RELWITHDEBINFO=-O1 -g1" -DLAKESHARE_SANITIZE=ON \
	  -DLAKESHARE_FUZZ=ON -DLAKESHARE_BENCH=OFF >/dev/null
	@CCACHE_NOHASHDIR=1 ninja -C $(ASAN_BUILD) -j $(JOBS)

# Every libFuzzer target for FUZZ_SECONDS from its seeds (testdata/fuzz/<target>); a crash
# becomes a seed (scripts/run-fuzzers.sh).
FUZZ_SECONDS ?= 60
fuzz: asan-build
	@scripts/run-fuzzers.sh $(ASAN_BUILD) $(FUZZ_SECONDS)

fuzz-ci: asan-build
	@scripts/run-fuzzers.sh $(ASAN_BUILD) $(FUZZ_CI_SECONDS)

bench: build
	@scripts/bench.sh $(BUILD)

format:
	@git ls-files '*.h' '*.cc' | xargs clang-format -i

lint: configure
	@git ls-files 'src/*.cc' | grep -v '_test.cc' | xargs clang-tidy -p $(BUILD) --quiet

clean:
	rm -rf build build-asan

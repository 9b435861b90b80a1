# Lakeshare front door. `make run` and `make test` do everything on a fresh Debian 12 machine.
SHELL := /bin/bash
BUILD ?= build
JOBS ?= $(shell nproc)
CMAKE_FLAGS ?=

.PHONY: all deps configure build run test test-unit test-release test-asan test-asan-all \
        asan-configure asan-build \
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

# Everything CI runs (.ci/run): the Release build and every test, then the lean sanitizer stage
# (test-asan; its measured cold time is in docs/security.md). Each step prints its time.
test:
	@start=$$SECONDS; $(MAKE) --no-print-directory test-release && \
	  echo "release: build and tests passed in $$((SECONDS - start)) s"
	@start=$$SECONDS; $(MAKE) --no-print-directory test-asan && \
	  echo "sanitizers: the stage passed in $$((SECONDS - start)) s"

test-release: build
	@start=$$SECONDS; cd $(BUILD) && ctest --output-on-failure -j $(JOBS) --timeout 1800 && \
	  echo "release: tests passed in $$((SECONDS - start)) s"

# The lean sanitizer stage (issue 10 item 7), cut to the CI budget: docs/security.md ("Sanitizers
# and fuzzing in CI") has the measured times, what was left out and why. It builds ONLY the
# targets below in the sanitizer tree (asan-configure: clang, ASan + UBSan, every report fatal),
# runs the listed test binaries, then each listed fuzz target for FUZZ_CI_SECONDS from its seeds
# (a crash fails the stage and prints its input). What it covers: the parsers of untrusted files,
# Parquet (footer, pages, every codec, rows to JSON), Delta log JSON and change feed, checkpoints
# and deletion vectors, and the JSON bounds and civil dates every parser shares (common_test).
# The rest of the sanitizer tree (every unit and integration test, all ten fuzz targets):
# make test-asan-all; make fuzz.
ASAN_TESTS ?= common_test
ASAN_FUZZERS ?= parquet_reader_fuzz delta_log_fuzz deletion_vector_fuzz checkpoint_fuzz
FUZZ_CI_SECONDS ?= 10
empty :=
space := $(empty) $(empty)
test-asan: asan-configure
	@start=$$SECONDS; echo "sanitizers: building $(ASAN_TESTS) $(ASAN_FUZZERS) in $(ASAN_BUILD)"; \
	  CCACHE_NOHASHDIR=1 ninja -C $(ASAN_BUILD) -j $(JOBS) $(ASAN_TESTS) $(ASAN_FUZZERS) && \
	  echo "sanitizers: built in $$((SECONDS - start)) s"
	@echo "sanitizers: $(ASAN_TESTS) under ASan + UBSan"; start=$$SECONDS; \
	  cd $(ASAN_BUILD) && ctest --output-on-failure -j $(JOBS) --timeout 900 \
	    -R '^($(subst $(space),|,$(strip $(ASAN_TESTS))))\.' && \
	  echo "sanitizers: tests passed in $$((SECONDS - start)) s"
	@start=$$SECONDS; scripts/run-fuzzers.sh $(ASAN_BUILD) $(FUZZ_CI_SECONDS) $(ASAN_FUZZERS) && \
	  echo "sanitizers: fuzz run passed in $$((SECONDS - start)) s"

test-unit: build
	@cd $(BUILD) && ctest --output-on-failure -j $(JOBS) -L unit

# One sanitizer tree for tests and fuzzing: clang, AddressSanitizer + UndefinedBehaviorSanitizer
# (any undefined behaviour aborts), libFuzzer coverage, line tables for reports, no benchmarks,
# linked by lld. ASAN_OPT is -O0: with the sanitizers on, -O1 doubled the compile time of a source
# file (measured, docs/security.md) and the build is most of the stage; ASan and UBSan check the
# same at -O0 (no access is optimised away; UBSan's object-size check needs -O1). For long fuzz runs a faster tree: make fuzz ASAN_OPT=-O1
# ASAN_BUILD=build-asan-o1. CCACHE_NOHASHDIR: ccache may reuse an object compiled in another
# checkout (a clean clone), whose line tables then name that checkout's build folder; file names
# and lines in reports stay right.
ASAN_BUILD ?= build-asan
ASAN_OPT ?= -O0 -g1
asan-configure: deps
	@CC=clang CXX=clang++ cmake -S . -B $(ASAN_BUILD) -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo \
	  "-DCMAKE_CXX_FLAGS_RELWITHDEBINFO=$(ASAN_OPT)" -DLAKESHARE_SANITIZE=ON \
	  -DLAKESHARE_FUZZ=ON -DLAKESHARE_BENCH=OFF -DCMAKE_EXE_LINKER_FLAGS=-fuse-ld=lld >/dev/null

# The whole sanitizer tree (every test binary, every fuzz target, the ASan `lakeshare`).
asan-build: asan-configure
	@CCACHE_NOHASHDIR=1 ninja -C $(ASAN_BUILD) -j $(JOBS)

# Every test labelled unit or integration under the sanitizers (the bad-input catalogue against
# the ASan `lakeshare` on both APIs, S3 on moto, PostgreSQL): too long for CI, run it by hand.
test-asan-all: asan-build
	@cd $(ASAN_BUILD) && ctest --output-on-failure -j $(JOBS) -L 'unit|integration' --timeout 1800

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

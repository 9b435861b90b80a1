# Lakeshare front door. `make run` and `make test` do everything on a fresh Debian 12 machine.
SHELL := /bin/bash
BUILD ?= build
JOBS ?= $(shell nproc)
CMAKE_FLAGS ?=

.PHONY: all deps configure build run test test-unit test-release test-asan test-asan-all \
        asan-configure asan-build \
        fuzz fuzz-ci bench format lint clean

all: build

# What install-deps installs: everything `make test` needs, or only what `make run` builds with.
DEPS_FOR ?= test
deps:
	@scripts/install-deps.sh --for $(DEPS_FOR)

configure: deps
	@cmake -S . -B $(BUILD) -G Ninja -DCMAKE_BUILD_TYPE=Release -DLAKESHARE_WERROR=ON $(CMAKE_FLAGS) >/dev/null

build: configure
	@ninja -C $(BUILD) -j $(JOBS)
	@echo "built $(BUILD)/lakeshare"

# The demo needs the server binary only: about half of the build steps of `make build` (the rest
# are tests; steps differ in cost, so this is not a measured half of the time).
run: DEPS_FOR := run
run: configure
	@ninja -C $(BUILD) -j $(JOBS) lakeshare
	@scripts/run-demo.sh $(BUILD)/lakeshare

# Everything CI runs (.ci/run): the Release build and every test, then the sanitizer stage
# (test-asan; its measured cold time is in docs/security.md). Each step prints its time.
test:
	@start=$$SECONDS; $(MAKE) --no-print-directory test-release && \
	  echo "release: build and tests passed in $$((SECONDS - start)) s"
	@start=$$SECONDS; $(MAKE) --no-print-directory test-asan && \
	  echo "sanitizers: the stage passed in $$((SECONDS - start)) s"

# A test that skips because a test dependency is missing fails the run (scripts/check-skips.py:
# only an absent shared folder beside the project, or a kernel capability, may skip a test).
test-release: build
	@start=$$SECONDS; cd $(BUILD) && \
	  ctest --output-on-failure -j $(JOBS) --timeout 1800 --output-junit ctest-results.xml && \
	  $(CURDIR)/scripts/check-skips.py . && \
	  echo "release: tests passed in $$((SECONDS - start)) s"

# The sanitizer stage (issue 10 item 7), cut to the CI budget: docs/security.md ("Sanitizers and
# fuzzing in CI") has the measured cold times and what is left out. It builds ONLY the targets
# below in the sanitizer tree (asan-configure: clang, ASan + UBSan, every report fatal, a unity
# build of the modules), then runs, each step with its time:
#   - ASAN_TESTS (common_test: the JSON bounds, civil dates and strings every parser shares);
#   - ASAN_E2E (the bad-input catalogue, both APIs, against the ASan + UBSan `lakeshare`: a 5xx, a
#     crash, an exit other than 0 on SIGTERM or a sanitizer report in the server's log fails it);
#   - every fuzz target in ASAN_FUZZERS for FUZZ_CI_SECONDS from its seeds (a crash fails the stage
#     and prints its input).
# The rest of the sanitizer tree (every unit and integration test): make test-asan-all; long fuzz
# runs: make fuzz.
ASAN_TESTS ?= common_test
ASAN_E2E ?= bad_input_catalogue
ASAN_FUZZERS ?= parquet_reader_fuzz delta_log_fuzz checkpoint_fuzz deletion_vector_fuzz \
                query_request_fuzz management_api_fuzz oauth_token_fuzz jwt_fuzz server_config_fuzz \
                partners_csv_fuzz
FUZZ_CI_SECONDS ?= 10
# Every sanitizer report stops the process with a non-zero exit (ASan's default; UBSan's too with
# -fno-sanitize-recover, said again here) and is written to its stderr, which the tests check.
SANITIZER_ENV := ASAN_OPTIONS=halt_on_error=1:detect_leaks=1:strict_string_checks=1 \
                 UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1
empty :=
space := $(empty) $(empty)
test-asan: asan-configure
	@start=$$SECONDS; echo "sanitizers: building lakeshare $(ASAN_TESTS) $(ASAN_FUZZERS) in $(ASAN_BUILD)"; \
	  CCACHE_NOHASHDIR=1 ninja -C $(ASAN_BUILD) -j $(JOBS) lakeshare $(ASAN_TESTS) $(ASAN_FUZZERS) && \
	  echo "sanitizers: built in $$((SECONDS - start)) s"
	@echo "sanitizers: $(ASAN_TESTS) under ASan + UBSan"; start=$$SECONDS; \
	  cd $(ASAN_BUILD) && $(SANITIZER_ENV) ctest --output-on-failure -j $(JOBS) --timeout 900 \
	    -R '^($(subst $(space),|,$(strip $(ASAN_TESTS))))\.' --output-junit ctest-results.xml && \
	  $(CURDIR)/scripts/check-skips.py . && \
	  echo "sanitizers: $(ASAN_TESTS) passed in $$((SECONDS - start)) s"
	@echo "sanitizers: $(ASAN_E2E) against the ASan + UBSan lakeshare"; start=$$SECONDS; \
	  cd $(ASAN_BUILD) && $(SANITIZER_ENV) ctest --output-on-failure --timeout 900 \
	    -R '^($(subst $(space),|,$(strip $(ASAN_E2E))))$$' --output-junit ctest-results.xml && \
	  $(CURDIR)/scripts/check-skips.py . && \
	  echo "sanitizers: $(ASAN_E2E) passed in $$((SECONDS - start)) s"
	@start=$$SECONDS; scripts/run-fuzzers.sh $(ASAN_BUILD) $(FUZZ_CI_SECONDS) $(ASAN_FUZZERS) && \
	  echo "sanitizers: fuzz run passed in $$((SECONDS - start)) s"

test-unit: build
	@cd $(BUILD) && ctest --output-on-failure -j $(JOBS) -L unit

# One sanitizer tree for tests and fuzzing: clang, AddressSanitizer + UndefinedBehaviorSanitizer
# (any undefined behaviour aborts), libFuzzer coverage, no benchmarks, linked by lld, the modules,
# `lakeshare` and common_test as unity builds (LAKESHARE_UNITY, cmake/LakeshareHelpers.cmake: one
# source per module, or per ASAN_UNITY_BATCH files; the Release tree is not). ASAN_OPT is -O0:
# with the sanitizers on, -O1 doubled the compile time of a source file and the build is most of
# the stage (docs/security.md); ASan and UBSan check the same at -O0 (no access is optimised away;
# UBSan's object-size check needs -O1). -g0: reports name functions (from the symbol table), not
# lines; it saves a tenth of the compile. Lines in reports, or faster long fuzz runs, in a tree
# of their own: make fuzz ASAN_OPT="-O1 -g1" ASAN_BUILD=build-asan-o1. CCACHE_NOHASHDIR: ccache
# may reuse an object compiled in another checkout (a clean clone).
ASAN_BUILD ?= build-asan
ASAN_OPT ?= -O0 -g0
ASAN_UNITY_BATCH ?= 0
asan-configure: deps
	@CC=clang CXX=clang++ cmake -S . -B $(ASAN_BUILD) -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo \
	  "-DCMAKE_CXX_FLAGS_RELWITHDEBINFO=$(ASAN_OPT)" -DLAKESHARE_SANITIZE=ON \
	  -DLAKESHARE_FUZZ=ON -DLAKESHARE_BENCH=OFF -DCMAKE_EXE_LINKER_FLAGS=-fuse-ld=lld \
	  -DLAKESHARE_UNITY=ON -DLAKESHARE_UNITY_BATCH=$(ASAN_UNITY_BATCH) >/dev/null

# The whole sanitizer tree (every test binary, every fuzz target, the ASan `lakeshare`).
asan-build: asan-configure
	@CCACHE_NOHASHDIR=1 ninja -C $(ASAN_BUILD) -j $(JOBS)

# Every test labelled unit or integration under the sanitizers (the bad-input catalogue against
# the ASan `lakeshare` on both APIs, S3 on moto, PostgreSQL): too long for CI, run it by hand.
test-asan-all: asan-build
	@cd $(ASAN_BUILD) && $(SANITIZER_ENV) ctest --output-on-failure -j $(JOBS) -L 'unit|integration' --timeout 1800

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

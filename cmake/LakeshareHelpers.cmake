# lakeshare_unity(target...): compile each target as one unity source per
# LAKESHARE_UNITY_BATCH files (0: all of them) when LAKESHARE_UNITY is on, which only the sanitizer
# tree sets (Makefile, asan-configure): it parses the heavy headers once per batch instead of once
# per file, the most of that tree's cold build (docs/security.md). The Release tree stays one object
# per file. Hence, within one module, no two files may define the same name in an anonymous
# namespace (or as `static`): give such helpers a specific name.
function(lakeshare_unity)
  if(LAKESHARE_UNITY)
    set_target_properties(${ARGN} PROPERTIES UNITY_BUILD ON
                          UNITY_BUILD_BATCH_SIZE ${LAKESHARE_UNITY_BATCH})
  endif()
endfunction()

# lakeshare_add_module(name SOURCES ... DEPS ...): one static library per src/ folder, exported as
# lakeshare::name. Includes are rooted at src/.
function(lakeshare_add_module name)
  cmake_parse_arguments(ARG "" "" "SOURCES;DEPS;PRIVATE_DEPS" ${ARGN})
  if(NOT ARG_SOURCES)
    # A module whose code does not exist yet: an interface target so the dependency graph of
    # DESIGN.md is already wired. It provides nothing.
    add_library(lakeshare_${name} INTERFACE)
    add_library(lakeshare::${name} ALIAS lakeshare_${name})
    target_include_directories(lakeshare_${name} INTERFACE ${PROJECT_SOURCE_DIR}/src)
    target_link_libraries(lakeshare_${name} INTERFACE ${ARG_DEPS})
    return()
  endif()
  add_library(lakeshare_${name} STATIC ${ARG_SOURCES})
  add_library(lakeshare::${name} ALIAS lakeshare_${name})
  lakeshare_unity(lakeshare_${name})
  target_include_directories(lakeshare_${name} PUBLIC ${PROJECT_SOURCE_DIR}/src)
  target_link_libraries(lakeshare_${name} PUBLIC ${ARG_DEPS} PRIVATE ${ARG_PRIVATE_DEPS})
endfunction()

# lakeshare_add_test(name SOURCES ... DEPS ... [LABELS ...]): a GoogleTest binary registered with
# ctest; tests are discovered so each TEST is its own ctest entry. Default label: unit.
function(lakeshare_add_test name)
  cmake_parse_arguments(ARG "" "" "SOURCES;DEPS;LABELS" ${ARGN})
  if(NOT ARG_LABELS)
    set(ARG_LABELS unit)
  endif()
  add_executable(${name} ${ARG_SOURCES})
  target_link_libraries(${name} PRIVATE ${ARG_DEPS} GTest::gmock GTest::gtest_main)
  target_compile_definitions(${name} PRIVATE
    LAKESHARE_SOURCE_DIR="${PROJECT_SOURCE_DIR}"
    LAKESHARE_CORPUS_DIR="${LAKESHARE_CORPUS}")
  include(GoogleTest)
  gtest_discover_tests(${name} TEST_PREFIX "${name}." PROPERTIES LABELS "${ARG_LABELS}" DISCOVERY_TIMEOUT 60)
endfunction()

# lakeshare_add_benchmark(name SOURCES ... DEPS ...): a Google Benchmark binary (not a test).
function(lakeshare_add_benchmark name)
  if(NOT LAKESHARE_BENCH)
    return()
  endif()
  cmake_parse_arguments(ARG "" "" "SOURCES;DEPS" ${ARGN})
  add_executable(${name} ${ARG_SOURCES})
  target_link_libraries(${name} PRIVATE ${ARG_DEPS} benchmark::benchmark)
endfunction()

# lakeshare_add_fuzzer(name SOURCES ... DEPS ... [SEEDS dir]): a libFuzzer target when
# LAKESHARE_FUZZ is on (clang); otherwise a plain replay binary that runs every seed once, so each
# build still exercises the seeds under ctest (label unit). Every fuzzer is listed, with its seed
# folder (by default testdata/fuzz/<name without _fuzz>), in <build>/fuzzers.tsv, which
# scripts/run-fuzzers.sh runs (`make fuzz`, CI).
file(WRITE ${CMAKE_BINARY_DIR}/fuzzers.tsv "")
function(lakeshare_add_fuzzer name)
  cmake_parse_arguments(ARG "" "SEEDS" "SOURCES;DEPS" ${ARGN})
  if(NOT ARG_SEEDS)
    # The one rule for where seeds live: testdata/fuzz/<target without _fuzz>.
    string(REGEX REPLACE "_fuzz$" "" stem ${name})
    set(ARG_SEEDS ${PROJECT_SOURCE_DIR}/testdata/fuzz/${stem})
  endif()
  if(NOT IS_DIRECTORY ${ARG_SEEDS})
    message(FATAL_ERROR "fuzzer ${name}: no seed folder ${ARG_SEEDS}")
  endif()
  file(RELATIVE_PATH seeds_rel ${PROJECT_SOURCE_DIR} ${ARG_SEEDS})
  file(RELATIVE_PATH binary_rel ${CMAKE_BINARY_DIR} ${CMAKE_CURRENT_BINARY_DIR}/${name})
  file(APPEND ${CMAKE_BINARY_DIR}/fuzzers.tsv "${name}\t${binary_rel}\t${seeds_rel}\n")
  add_executable(${name} ${ARG_SOURCES})
  target_link_libraries(${name} PRIVATE ${ARG_DEPS})
  if(LAKESHARE_FUZZ)
    target_compile_options(${name} PRIVATE -fsanitize=fuzzer)
    target_link_options(${name} PRIVATE -fsanitize=fuzzer)
  else()
    target_sources(${name} PRIVATE ${PROJECT_SOURCE_DIR}/src/common/fuzz_replay_main.cc)
  endif()
  if(NOT TARGET fuzzers)
    add_custom_target(fuzzers)
  endif()
  add_dependencies(fuzzers ${name})
  if(ARG_SEEDS AND NOT LAKESHARE_FUZZ)
    add_test(NAME ${name}_seeds COMMAND ${name} ${ARG_SEEDS})
    # Replaying the seeds takes seconds; a seed that makes the code loop (a hostile footer's row
    # count once did) fails the run instead of holding it for ctest's default 1,500 s.
    set_tests_properties(${name}_seeds PROPERTIES LABELS unit TIMEOUT 300)
  endif()
endfunction()

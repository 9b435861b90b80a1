# `lakeshare admin` (admin_commands.cc): included by src/app/CMakeLists.txt. A client of the
# management API over HTTP: it needs the curl client (http) and the time helpers (delta).
target_sources(lakeshare PRIVATE ${CMAKE_CURRENT_LIST_DIR}/admin_commands.cc)
target_link_libraries(lakeshare PRIVATE lakeshare::http lakeshare::delta nlohmann_json::nlohmann_json)

lakeshare_add_test(admin_commands_test
  SOURCES ${CMAKE_CURRENT_LIST_DIR}/admin_commands_test.cc ${CMAKE_CURRENT_LIST_DIR}/admin_commands.cc
  DEPS lakeshare::http lakeshare::delta lakeshare::common CLI11::CLI11
       nlohmann_json::nlohmann_json)

# The partners CSV of `onboard --csv` (a provider's spreadsheet export).
lakeshare_add_fuzzer(partners_csv_fuzz
  SOURCES ${CMAKE_CURRENT_LIST_DIR}/partners_csv_fuzz.cc ${CMAKE_CURRENT_LIST_DIR}/admin_commands.cc
  DEPS lakeshare::http lakeshare::delta lakeshare::common CLI11::CLI11
       nlohmann_json::nlohmann_json
  SEEDS ${PROJECT_SOURCE_DIR}/testdata/fuzz/partners_csv)

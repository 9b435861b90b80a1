# `lakeshare serve` (serve_command.cc): included by src/app/CMakeLists.txt.
target_sources(lakeshare PRIVATE ${CMAKE_CURRENT_LIST_DIR}/serve_command.cc
                                 ${CMAKE_CURRENT_LIST_DIR}/serve_limits.cc
                                 ${CMAKE_CURRENT_LIST_DIR}/audit_hooks.cc
                                 ${CMAKE_CURRENT_LIST_DIR}/federation_setup.cc
                                 ${CMAKE_CURRENT_LIST_DIR}/materialize_setup.cc
                                 ${CMAKE_CURRENT_LIST_DIR}/governance_setup.cc)
target_link_libraries(lakeshare PRIVATE lakeshare::sharing lakeshare::http lakeshare::admin
                      lakeshare::auth lakeshare::catalog lakeshare::web lakeshare::materialize
                      nlohmann_json::nlohmann_json)

# The audit hooks on their own, over a SQLite metastore in a temp dir.
lakeshare_add_test(app_audit_test
  SOURCES ${CMAKE_CURRENT_LIST_DIR}/audit_hooks_test.cc ${CMAKE_CURRENT_LIST_DIR}/audit_hooks.cc
  DEPS lakeshare::catalog lakeshare::http nlohmann_json::nlohmann_json)

# Registration checks and shared-table status (table_checks.cc) over real local tables.
target_sources(lakeshare PRIVATE ${CMAKE_CURRENT_LIST_DIR}/table_checks.cc)
lakeshare_add_test(app_table_checks_test
  SOURCES ${CMAKE_CURRENT_LIST_DIR}/table_checks_test.cc ${CMAKE_CURRENT_LIST_DIR}/table_checks.cc
          ${PROJECT_SOURCE_DIR}/src/storage/storage_test_util.cc
  DEPS lakeshare::delta lakeshare_delta_testing lakeshare::storage lakeshare::catalog)

# The bounded serve flags (serve_limits.cc, federation_setup.cc): parsing, refusal, --help.
lakeshare_add_test(app_serve_flags_test
  SOURCES ${CMAKE_CURRENT_LIST_DIR}/serve_flags_test.cc ${CMAKE_CURRENT_LIST_DIR}/serve_limits.cc
          ${CMAKE_CURRENT_LIST_DIR}/federation_setup.cc
  DEPS lakeshare::sharing lakeshare::http lakeshare::auth lakeshare::catalog CLI11::CLI11)

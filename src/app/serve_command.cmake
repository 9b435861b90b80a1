# `lakeshare serve` (serve_command.cc): included by src/app/CMakeLists.txt.
target_sources(lakeshare PRIVATE ${CMAKE_CURRENT_LIST_DIR}/serve_command.cc)
target_link_libraries(lakeshare PRIVATE lakeshare::sharing lakeshare::http)

# `lakeshare demo write` (demo_commands.cc): included by src/app/CMakeLists.txt. Writes Delta
# tables with the project's own Parquet writer.
target_sources(lakeshare PRIVATE ${CMAKE_CURRENT_LIST_DIR}/demo_commands.cc)
target_link_libraries(lakeshare PRIVATE lakeshare::parquet lakeshare::delta
                      nlohmann_json::nlohmann_json)

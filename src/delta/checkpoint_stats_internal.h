// Internal to src/delta: the statistics of a checkpoint's add rows that carry `add.stats_parsed`
// (a struct of typed columns) instead of JSON `add.stats`. ParsedStats decodes the struct's leaves
// of a row group and writes each row's statistics back as the JSON Delta writes, so that the rest
// of the snapshot sees one form. Not thread-safe: one per row group being read.
#pragma once

#include <cstddef>
#include <string>
#include <unordered_map>
#include <vector>

#include "common/result.h"
#include "delta/checkpoint_columns_internal.h"

namespace lakeshare::delta::internal {

// Rebuilds the JSON statistics of a row from the `add.stats_parsed` struct columns.
class ParsedStats {
 public:
  Status Load(const FileReader& reader, int row_group, int node);
  bool present() const { return root_ >= 0; }
  /// Advance every column one row (call once per row).
  void Next() {
    for (auto& c : columns_) {
      c.Next();
    }
  }
  /// Append the current row's stats as JSON; false when the struct is null.
  bool AppendJson(std::string& out);

 private:
  bool AnyDefinedAtOrAbove(int node);
  void AppendStruct(int node, std::string& out);

  const Schema* schema_ = nullptr;
  int root_ = -1;
  std::vector<FlatColumn> columns_;
  std::unordered_map<int, size_t> column_of_;
};

}  // namespace lakeshare::delta::internal

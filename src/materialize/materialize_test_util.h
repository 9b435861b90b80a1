// Test helpers for src/materialize: Parquet files built from JSON rows and read back as JSON
// rows, a rewrite of one file from bytes to bytes, and a fixture holding a Delta table and a cache
// store in memory, written by the project's Delta writer and stamped by the test's clock.
// Test-only; not thread-safe (a fixture's stores are, as MemoryObjectStore is).
#pragma once

#include <gtest/gtest.h>

#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "common/clock.h"
#include "common/result.h"
#include "delta/snapshot.h"
#include "delta/table_writer.h"
#include "materialize/file_rewriter.h"
#include "parquet/file_writer.h"
#include "storage/memory_object_store.h"

namespace lakeshare::materialize::testing {

/// A Parquet file of `fields` holding one row group per entry of `row_groups` (JSON objects, one
/// a row). Failures are test failures.
std::string ParquetFile(const std::vector<parquet::WriterField>& fields,
                        const std::vector<std::vector<std::string>>& row_groups);

/// Every row of a Parquet file, as JSON objects (top-level columns in the file's order).
std::vector<std::string> ReadRows(const std::string& parquet_bytes);

/// RewriteFile of the Parquet file `input`: what it did and the bytes it wrote.
Result<std::pair<RewriteResult, std::string>> Rewrite(const std::string& input,
                                                      const RewriteSpec& spec);

/// A Delta table (table_, written by writer_) and a cache store (cache_) in memory; the cache
/// store stamps modification times by clock_.
class MemoryTableTest : public ::testing::Test {
 protected:
  MemoryTableTest();

  /// A data file of the table holding `rows` (JSON objects) of `fields`; its add action.
  delta::FileAction WriteDataFile(const std::string& path,
                                  const std::vector<parquet::WriterField>& fields,
                                  const std::vector<std::string>& rows);
  Result<std::shared_ptr<const delta::Snapshot>> Load() const {
    return delta::Snapshot::Load(table_);
  }

  ManualClock clock_;
  std::shared_ptr<storage::MemoryObjectStore> table_;
  std::shared_ptr<storage::MemoryObjectStore> cache_;
  std::unique_ptr<delta::TableWriter> writer_;
};

}  // namespace lakeshare::materialize::testing

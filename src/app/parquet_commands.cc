#include "app/parquet_commands.h"

#include <CLI/CLI.hpp>
#include <fmt/format.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <memory>
#include <string>
#include <vector>

#include "common/error_context.h"
#include "common/strings.h"
#include "parquet/file_reader.h"
#include "parquet/record_json.h"

namespace lakeshare::app {

namespace {

[[noreturn]] void Fail(const Error& e) {
  std::fprintf(stderr, "error: %s\n", e.message.c_str());
  std::exit(e.code == ErrorCode::kNotFound || e.code == ErrorCode::kInvalidArgument ? 2 : 1);
}

int RunSchema(const std::string& path, bool json) {
  auto reader = parquet::FileReader::OpenPath(path);
  if (!reader) Fail(reader.error());
  const auto& r = **reader;
  if (json) {
    std::string out = "{\"num_rows\":" + std::to_string(r.num_rows()) + ",\"row_groups\":[";
    for (int rg = 0; rg < r.num_row_groups(); ++rg) {
      if (rg) out += ",";
      out += "{\"num_rows\":" + std::to_string(r.row_group_num_rows(rg)) + ",\"columns\":[";
      for (int leaf = 0; leaf < r.schema().num_leaves(); ++leaf) {
        if (leaf) out += ",";
        auto info = r.column_chunk_info(rg, leaf);
        out += "{\"path\":";
        AppendJsonString(out, r.schema().Path(r.schema().leaf_node(leaf)));
        out += ",\"codec\":\"" + std::string(parquet::CompressionName(info.codec)) + "\"";
        out += ",\"encodings\":[";
        for (size_t i = 0; i < info.encodings.size(); ++i) {
          if (i) out += ",";
          out += "\"" + std::string(parquet::EncodingName(info.encodings[i])) + "\"";
        }
        out += "],\"num_values\":" + std::to_string(info.num_values);
        out += ",\"compressed_size\":" + std::to_string(info.compressed_size) + "}";
      }
      out += "]}";
    }
    out += "],\"schema\":";
    AppendJsonString(out, r.schema().ToString());
    out += "}\n";
    std::fputs(out.c_str(), stdout);
    return 0;
  }
  std::fputs(r.schema().ToString().c_str(), stdout);
  std::printf("\nrows: %lld in %d row group(s); created by: %s\n",
              static_cast<long long>(r.num_rows()), r.num_row_groups(), r.created_by().c_str());
  for (int rg = 0; rg < r.num_row_groups(); ++rg) {
    std::printf("row group %d: %lld rows\n", rg, static_cast<long long>(r.row_group_num_rows(rg)));
    for (int leaf = 0; leaf < r.schema().num_leaves(); ++leaf) {
      auto info = r.column_chunk_info(rg, leaf);
      std::string enc;
      for (auto e : info.encodings) {
        if (!enc.empty()) enc += ",";
        enc += parquet::EncodingName(e);
      }
      std::printf("  %-40s %-12s %-40s %lld values, %lld bytes\n",
                  r.schema().Path(r.schema().leaf_node(leaf)).c_str(),
                  std::string(parquet::CompressionName(info.codec)).c_str(), enc.c_str(),
                  static_cast<long long>(info.num_values),
                  static_cast<long long>(info.compressed_size));
    }
  }
  return 0;
}

int RunCat(const std::string& path, const std::string& columns, int64_t limit) {
  auto opened = parquet::FileReader::OpenPath(path);
  if (!opened) Fail(opened.error());
  const auto& r = **opened;
  const auto& schema = r.schema();
  std::vector<int> fields;
  if (columns.empty()) {
    fields = schema.root().children;
  } else {
    std::vector<bool> wanted(static_cast<size_t>(schema.num_nodes()), false);
    for (auto name : Split(columns, ',')) {
      int f = schema.FindField(name);
      if (f < 0) {
        Fail(Error{ErrorCode::kInvalidArgument,
                   fmt::format("column '{}' is not a top-level field of '{}'; run `lakeshare "
                               "parquet schema {}` to list them",
                               name, path, path)});
      }
      wanted[static_cast<size_t>(f)] = true;
    }
    for (int c : schema.root().children) {
      if (wanted[static_cast<size_t>(c)]) fields.push_back(c);
    }
  }
  std::vector<int> leaves;
  for (int f : fields) {
    for (int leaf : schema.LeavesUnder(f)) leaves.push_back(leaf);
  }
  parquet::RecordJsonWriter writer(schema, fields);
  std::string out;
  int64_t printed = 0;
  for (int rg = 0; rg < r.num_row_groups() && (limit < 0 || printed < limit); ++rg) {
    std::vector<parquet::ColumnData> data;
    data.reserve(leaves.size());
    std::vector<const parquet::ColumnData*> by_leaf(static_cast<size_t>(schema.num_leaves()), nullptr);
    for (int leaf : leaves) {
      auto col = r.ReadColumn(rg, leaf);
      if (!col) Fail(col.error());
      data.push_back(std::move(*col));
    }
    for (size_t i = 0; i < leaves.size(); ++i) by_leaf[static_cast<size_t>(leaves[i])] = &data[i];
    writer.StartRowGroup(by_leaf);
    const int64_t rows = r.row_group_num_rows(rg);
    for (int64_t row = 0; row < rows && (limit < 0 || printed < limit); ++row) {
      if (auto st = writer.AppendRow(out); !st) {
        Fail(WithContext(st.error(),
                         fmt::format("Failed to read '{}' row group {} row {}", path, rg, row)));
      }
      out.push_back('\n');
      ++printed;
      if (out.size() > (1 << 16)) {
        std::fwrite(out.data(), 1, out.size(), stdout);
        out.clear();
      }
    }
  }
  std::fwrite(out.data(), 1, out.size(), stdout);
  return 0;
}

// Decode the chosen top-level columns of every row group (no output), `repeat` times, and report
// the best time: what `make bench` compares against DuckDB.
int RunScan(const std::string& path, const std::string& columns, int repeat, bool json) {
  auto opened = parquet::FileReader::OpenPath(path);
  if (!opened) Fail(opened.error());
  const auto& schema = (*opened)->schema();
  std::vector<int> leaves;
  if (columns.empty()) {
    for (int i = 0; i < schema.num_leaves(); ++i) leaves.push_back(i);
  } else {
    for (auto name : Split(columns, ',')) {
      int node = schema.FindPath(name);
      if (node < 0) {
        Fail(Error{ErrorCode::kInvalidArgument,
                   fmt::format("column '{}' does not exist in '{}'", name, path)});
      }
      for (int leaf : schema.LeavesUnder(node)) leaves.push_back(leaf);
    }
  }
  double best = 1e300;
  int64_t values = 0;
  for (int it = 0; it < std::max(repeat, 1); ++it) {
    auto start = std::chrono::steady_clock::now();
    // Reopen each time: the footer parse is part of a cold read.
    auto reader = parquet::FileReader::OpenPath(path);
    if (!reader) Fail(reader.error());
    values = 0;
    for (int rg = 0; rg < (*reader)->num_row_groups(); ++rg) {
      for (int leaf : leaves) {
        auto col = (*reader)->ReadColumn(rg, leaf);
        if (!col) Fail(col.error());
        values += col->num_entries;
      }
    }
    std::chrono::duration<double> took = std::chrono::steady_clock::now() - start;
    best = std::min(best, took.count());
  }
  if (json) {
    std::printf("{\"seconds\":%.6f,\"entries\":%lld,\"columns\":%zu}\n", best,
                static_cast<long long>(values), leaves.size());
  } else {
    std::printf("decoded %lld entries of %zu leaf column(s) in %.3f s (best of %d)\n",
                static_cast<long long>(values), leaves.size(), best, std::max(repeat, 1));
  }
  return 0;
}

}  // namespace

void AddParquetCommands(CLI::App& root) {
  auto* pq = root.add_subcommand("parquet", "Inspect Parquet files");
  pq->require_subcommand(1);

  auto* schema = pq->add_subcommand("schema", "Print the schema, row groups and column chunks");
  auto* schema_path = new std::string;
  auto* schema_json = new bool(false);
  schema->add_option("file", *schema_path, "Parquet file")->required();
  schema->add_flag("--json", *schema_json, "Print one JSON object");
  schema->callback([=] { std::exit(RunSchema(*schema_path, *schema_json)); });

  auto* cat = pq->add_subcommand("cat", "Print rows as JSON lines");
  auto* cat_path = new std::string;
  auto* cat_columns = new std::string;
  auto* cat_limit = new int64_t(-1);
  cat->add_option("file", *cat_path, "Parquet file")->required();
  cat->add_option("--columns", *cat_columns, "Comma-separated top-level columns to print");
  cat->add_option("--limit", *cat_limit, "Print at most N rows");
  cat->callback([=] { std::exit(RunCat(*cat_path, *cat_columns, *cat_limit)); });

  auto* scan = pq->add_subcommand("scan", "Decode columns without printing and report the time");
  auto* scan_path = new std::string;
  auto* scan_columns = new std::string;
  auto* scan_repeat = new int(3);
  auto* scan_json = new bool(false);
  scan->add_option("file", *scan_path, "Parquet file")->required();
  scan->add_option("--columns", *scan_columns, "Comma-separated column paths (a.b); default all");
  scan->add_option("--repeat", *scan_repeat, "Runs; the best is reported");
  scan->add_flag("--json", *scan_json, "Print one JSON object");
  scan->callback([=] { std::exit(RunScan(*scan_path, *scan_columns, *scan_repeat, *scan_json)); });

  AddParquetWriteCommands(*pq);
}

}  // namespace lakeshare::app

// Fuzz target: any bytes as a Parquet file. Open, decode every column of every row group and
// assemble every row; the only acceptable outcomes are success or an Error.
#include <cstdint>
#include <string>
#include <vector>

#include "parquet/file_reader.h"
#include "parquet/record_json.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace lakeshare;
  auto file = storage::MakeBufferFile(std::string(reinterpret_cast<const char*>(data), size), "fuzz");
  auto reader = parquet::FileReader::Open(std::shared_ptr<storage::RandomAccessFile>(std::move(file)));
  if (!reader) return 0;
  const auto& r = **reader;
  const auto& schema = r.schema();
  parquet::RecordJsonWriter writer(schema, schema.root().children);
  std::string out;
  for (int rg = 0; rg < r.num_row_groups() && rg < 16; ++rg) {
    std::vector<parquet::ColumnData> cols;
    std::vector<const parquet::ColumnData*> by_leaf(static_cast<size_t>(schema.num_leaves()), nullptr);
    bool ok = true;
    for (int leaf = 0; leaf < schema.num_leaves(); ++leaf) {
      auto col = r.ReadColumn(rg, leaf);
      if (!col) {
        ok = false;
        break;
      }
      cols.push_back(std::move(*col));
    }
    if (!ok) continue;
    for (size_t i = 0; i < cols.size(); ++i) by_leaf[i] = &cols[i];
    writer.StartRowGroup(by_leaf);
    for (int64_t row = 0; row < r.row_group_num_rows(rg) && row < 100000; ++row) {
      out.clear();
      if (!writer.AppendRow(out)) break;
    }
  }
  return 0;
}

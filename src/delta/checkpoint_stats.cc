#include "delta/checkpoint_stats_internal.h"

#include <fmt/format.h>

#include <iterator>

#include "common/civil_date.h"  // FloorDiv
#include "common/iso_time.h"
#include "common/strings.h"
#include "delta/time_util.h"
#include "parquet/record_json.h"

namespace lakeshare::delta::internal {

namespace {

using parquet::LogicalKind;

void AppendTimestamp(std::string& out, int64_t v, parquet::TimeUnit unit, bool utc) {
  int64_t millis = unit == parquet::TimeUnit::kMillis   ? v
                   : unit == parquet::TimeUnit::kMicros ? FloorDiv(v, 1000)
                                                        : FloorDiv(v, 1000000);
  out.push_back('"');
  AppendIsoMillis(out, millis);
  if (!utc) {
    out.pop_back();  // timestamp_ntz: no zone
  }
  out.push_back('"');
}

// One statistics value in the form Delta writes in JSON stats.
void AppendStatValue(std::string& out, const SchemaNode& leaf, const ColumnData& c, int64_t i) {
  const size_t k = static_cast<size_t>(i);
  const auto& lt = leaf.logical;
  switch (c.type) {
    case PhysicalType::kBoolean:
      out += c.bools[k] ? "true" : "false";
      return;
    case PhysicalType::kInt32:
      if (lt.kind == LogicalKind::kDate) {
        out.push_back('"');
        AppendDate(out, c.i32[k]);
        out.push_back('"');
      } else if (lt.kind == LogicalKind::kDecimal) {
        parquet::AppendDecimalText(out, int64_t{c.i32[k]}, lt.scale);
      } else {
        fmt::format_to(std::back_inserter(out), "{}", c.i32[k]);
      }
      return;
    case PhysicalType::kInt64:
      if (lt.kind == LogicalKind::kTimestamp) {
        AppendTimestamp(out, c.i64[k], lt.unit, lt.adjusted_to_utc);
      } else if (lt.kind == LogicalKind::kDecimal) {
        parquet::AppendDecimalText(out, c.i64[k], lt.scale);
      } else {
        fmt::format_to(std::back_inserter(out), "{}", c.i64[k]);
      }
      return;
    case PhysicalType::kInt96: {
      // In milliseconds, which hold every INT96 day (4,294,967,295 * 86,400,000 < 2^63).
      const parquet::Int96Instant t = parquet::DecodeInt96(c.i96[k]);
      AppendTimestamp(out, t.days * 86400000 + t.nanos_of_day / 1000000, parquet::TimeUnit::kMillis,
                      true);
      return;
    }
    case PhysicalType::kFloat:
      AppendJsonDouble(out, static_cast<double>(c.f32[k]));
      return;
    case PhysicalType::kDouble:
      AppendJsonDouble(out, c.f64[k]);
      return;
    case PhysicalType::kByteArray:
    case PhysicalType::kFixedLenByteArray:
      if (lt.kind == LogicalKind::kDecimal) {
        parquet::AppendDecimalText(out, c.bytes[k], lt.scale);
      } else {
        AppendJsonString(out, c.bytes[k]);
      }
      return;
  }
}

}  // namespace

Status ParsedStats::Load(const FileReader& reader, int row_group, int node) {
  root_ = node;
  columns_.clear();
  column_of_.clear();
  if (node < 0 || reader.schema().node(node).shape != NodeShape::kStruct) {
    root_ = -1;
    return OkStatus();
  }
  schema_ = &reader.schema();
  for (int leaf : schema_->LeavesUnder(node)) {
    int n = schema_->leaf_node(leaf);
    if (schema_->node(n).max_rep != 0) {
      continue;  // stats never repeat
    }
    column_of_[n] = columns_.size();
    columns_.emplace_back();
    LS_RETURN_IF_ERROR(columns_.back().Load(reader, row_group, n));
  }
  return OkStatus();
}

bool ParsedStats::AppendJson(std::string& out) {
  if (root_ < 0) {
    return false;
  }
  if (!AnyDefinedAtOrAbove(root_)) {
    return false;
  }
  AppendStruct(root_, out);
  return true;
}

bool ParsedStats::AnyDefinedAtOrAbove(int node) {
  const SchemaNode& n = schema_->node(node);
  for (int leaf : schema_->LeavesUnder(node)) {
    auto it = column_of_.find(schema_->leaf_node(leaf));
    if (it != column_of_.end() && columns_[it->second].present() &&
        columns_[it->second].def() >= n.max_def) {
      return true;
    }
  }
  return false;
}

void ParsedStats::AppendStruct(int node, std::string& out) {
  out.push_back('{');
  bool first = true;
  for (int child : schema_->node(node).children) {
    const SchemaNode& c = schema_->node(child);
    size_t mark = out.size();
    if (!first) {
      out.push_back(',');
    }
    AppendJsonString(out, c.name);
    out.push_back(':');
    bool wrote = false;
    if (c.shape == NodeShape::kPrimitive) {
      auto it = column_of_.find(child);
      if (it != column_of_.end()) {
        FlatColumn& col = columns_[it->second];
        if (col.present() && col.def() == col.data().max_def) {
          AppendStatValue(out, c, col.data(), col.cur());
          wrote = true;
        }
      }
    } else if (c.shape == NodeShape::kStruct && AnyDefinedAtOrAbove(child)) {
      AppendStruct(child, out);
      wrote = true;
    }
    if (wrote) {
      first = false;
    } else {
      out.resize(mark);
    }
  }
  out.push_back('}');
}

}  // namespace lakeshare::delta::internal

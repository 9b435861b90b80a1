// Internal to src/delta: the column readers of the Parquet checkpoint reader. Each decodes one
// leaf (or a list's element, a map's keys and values) of a row group with its definition and
// repetition levels and is then walked one row at a time, so that a checkpoint's actions are read
// from their columns without assembling rows (delta/checkpoint_reader.cc,
// delta/checkpoint_stats.cc).
// Views into decoded pages stay valid until the next Load or Detach. Not thread-safe: a reader
// belongs to one checkpoint read at a time.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "common/result.h"
#include "parquet/column_reader.h"
#include "parquet/file_reader.h"
#include "parquet/schema.h"

namespace lakeshare::delta::internal {

using parquet::ColumnData;
using parquet::FileReader;
using parquet::NodeShape;
using parquet::PhysicalType;
using parquet::Schema;
using parquet::SchemaNode;

// True when the chunk's statistics say every value is null: such a chunk (a checkpoint's
// metaData columns in a row group of adds, say) is not decoded at all.
bool AllNull(const FileReader& reader, int row_group, int leaf);

// Drop what ties decoded data to the file just read (views, page buffers shared with a
// snapshot), keeping the memory that can be reused: vector capacity, an unshared page arena.
void Detach(ColumnData& d);

// The bytes the vectors and the page arena of `d` hold.
size_t Capacity(const ColumnData& d);

// A leaf column without repetition, read row by row.
class FlatColumn {
 public:
  // A chunk whose every value is null is skipped, unless `keep_all_null`: then its definition
  // levels still tell at which level each row is null.
  Status Load(const FileReader& reader, int row_group, int node, bool keep_all_null = false) {
    node_ = node >= 0 ? &reader.schema().node(node) : nullptr;
    if (node_ == nullptr || node_->shape != NodeShape::kPrimitive || node_->max_rep != 0 ||
        (!keep_all_null && AllNull(reader, row_group, node_->leaf_index))) {
      node_ = nullptr;
      return OkStatus();
    }
    LS_RETURN_IF_ERROR(reader.ReadColumnInto(row_group, node_->leaf_index, &data_));
    entry_ = 0;
    value_ = 0;
    return OkStatus();
  }
  bool present() const { return node_ != nullptr; }
  const SchemaNode* node() const { return node_; }
  const ColumnData& data() const { return data_; }
  void Detach() {
    node_ = nullptr;
    internal::Detach(data_);
  }
  size_t Capacity() const { return internal::Capacity(data_); }

  /// Advance one row; true when the leaf value is defined.
  bool Next() {
    if (node_ == nullptr || entry_ >= data_.num_entries) {
      def_ = 0;
      return false;
    }
    def_ = data_.def_levels.empty() ? data_.max_def : data_.def_levels[static_cast<size_t>(entry_)];
    ++entry_;
    if (def_ == data_.max_def) {
      cur_ = value_++;
      return true;
    }
    return false;
  }
  int16_t def() const { return def_; }
  int64_t cur() const { return cur_; }
  std::string_view bytes() const {
    return data_.type == PhysicalType::kByteArray || data_.type == PhysicalType::kFixedLenByteArray
               ? data_.bytes[static_cast<size_t>(cur_)]
               : std::string_view();
  }
  int64_t integer() const {
    switch (data_.type) {
      case PhysicalType::kInt32:
        return data_.i32[static_cast<size_t>(cur_)];
      case PhysicalType::kInt64:
        return data_.i64[static_cast<size_t>(cur_)];
      default:  // integer columns are loaded through LoadInteger, which refuses other types
        return 0;
    }
  }
  // Boolean columns are loaded through LoadBoolean, which refuses other types.
  bool boolean() const { return data_.bools[static_cast<size_t>(cur_)] != 0; }

 private:
  const SchemaNode* node_ = nullptr;
  ColumnData data_;
  int64_t entry_ = 0;
  int64_t value_ = 0;
  int64_t cur_ = 0;
  int16_t def_ = 0;
};

// The leaf of a list element or a map key/value, read one row (one collection) at a time.
class RepeatedColumn {
 public:
  // `collection` is the list or map node; `leaf_node` the element, key or value leaf.
  Status Load(const FileReader& reader, int row_group, int collection, int leaf_node) {
    present_ = false;
    if (collection < 0 || leaf_node < 0) {
      return OkStatus();
    }
    const Schema& s = reader.schema();
    const SchemaNode& leaf = s.node(leaf_node);
    if (leaf.shape != NodeShape::kPrimitive || AllNull(reader, row_group, leaf.leaf_index)) {
      return OkStatus();
    }
    element_def_ = s.node(s.node(collection).list_repeated).max_def;
    LS_RETURN_IF_ERROR(reader.ReadColumnInto(row_group, leaf.leaf_index, &data_));
    entry_ = 0;
    value_ = 0;
    present_ = true;
    return OkStatus();
  }
  bool present() const { return present_; }
  const ColumnData& data() const { return data_; }
  /// Not present; the decoded data's memory is kept for the next Load.
  void Reset() { present_ = false; }
  void Detach() {
    present_ = false;
    internal::Detach(data_);
  }
  size_t Capacity() const { return internal::Capacity(data_); }

  /// Advance one row; `out` gets the value index of each element (-1 for a null element).
  /// Returns the definition level of the row's first entry (to tell null from empty).
  int16_t NextRow(std::vector<int64_t>& out) {
    out.clear();
    if (!present_ || entry_ >= data_.num_entries) {
      return 0;
    }
    // Locals instead of members and level vectors: push_back may write anywhere as far as the
    // compiler knows, which would reload them for every entry (this runs per row and column).
    const int16_t* reps = data_.rep_levels.empty() ? nullptr : data_.rep_levels.data();
    const int16_t* defs = data_.def_levels.empty() ? nullptr : data_.def_levels.data();
    const int16_t max_def = data_.max_def;
    const int16_t element_def = element_def_;
    const int64_t entries = data_.num_entries;
    int64_t entry = entry_;
    int64_t value = value_;
    const int16_t first_def = defs != nullptr ? defs[entry] : max_def;
    // The row's first entry, then every following one that repeats (repetition level > 0).
    do {
      const int16_t def = defs != nullptr ? defs[entry] : max_def;
      ++entry;
      if (def >= element_def) {
        out.push_back(def == max_def ? value++ : -1);
      }
    } while (entry < entries && reps != nullptr && reps[entry] != 0);
    entry_ = entry;
    value_ = value;
    return first_def;
  }

 private:
  bool present_ = false;
  ColumnData data_;
  int16_t element_def_ = 0;
  int64_t entry_ = 0;
  int64_t value_ = 0;
};

inline std::string_view BytesAt(const ColumnData& c, int64_t i) {
  return c.bytes[static_cast<size_t>(i)];
}

// A map<string,string> column pair.
class MapColumn {
 public:
  Status Load(const FileReader& reader, int row_group, int node) {
    key_.Reset();
    value_.Reset();
    if (node < 0) {
      return OkStatus();
    }
    const SchemaNode& n = reader.schema().node(node);
    if (n.shape != NodeShape::kMap) {
      return OkStatus();
    }
    LS_RETURN_IF_ERROR(key_.Load(reader, row_group, node, n.map_key));
    LS_RETURN_IF_ERROR(value_.Load(reader, row_group, node, n.map_value));
    return OkStatus();
  }
  bool present() const { return key_.present(); }
  void Detach() {
    key_.Detach();
    value_.Detach();
  }
  size_t Capacity() const { return key_.Capacity() + value_.Capacity(); }
  /// Advance one row; fills `out` with views valid until the next Load.
  Status NextRow(std::vector<std::pair<std::string_view, std::optional<std::string_view>>>& out,
                 std::string_view what) {
    out.clear();
    if (!key_.present()) {
      return OkStatus();
    }
    key_.NextRow(keys_);
    value_.NextRow(values_);
    if (value_.present() && values_.size() != keys_.size()) {
      return CorruptError("map column '{}' has {} keys but {} values in one row", what,
                          keys_.size(), values_.size());
    }
    for (size_t i = 0; i < keys_.size(); ++i) {
      if (keys_[i] < 0) {
        return CorruptError("map column '{}' has a null key", what);
      }
      std::optional<std::string_view> v;
      if (value_.present() && values_[i] >= 0) {
        v = BytesAt(value_.data(), values_[i]);
      }
      out.emplace_back(BytesAt(key_.data(), keys_[i]), v);
    }
    return OkStatus();
  }

 private:
  RepeatedColumn key_;
  RepeatedColumn value_;
  std::vector<int64_t> keys_;
  std::vector<int64_t> values_;
};

// A list<string> column.
class ListColumn {
 public:
  Status Load(const FileReader& reader, int row_group, int node) {
    col_.Reset();
    node_def_ = 0;
    if (node < 0) {
      return OkStatus();
    }
    const SchemaNode& n = reader.schema().node(node);
    if (n.shape != NodeShape::kList) {
      return OkStatus();
    }
    node_def_ = n.max_def;
    return col_.Load(reader, row_group, node, n.list_element);
  }
  void Detach() { col_.Detach(); }
  size_t Capacity() const { return col_.Capacity(); }
  /// Advance one row; nullopt when the list itself is null.
  std::optional<std::vector<std::string>> NextRow() {
    if (!col_.present()) {
      return std::nullopt;
    }
    int16_t def = col_.NextRow(idx_);
    if (def < node_def_) {
      return std::nullopt;
    }
    std::vector<std::string> out;
    for (int64_t i : idx_) {
      if (i >= 0) {
        out.emplace_back(BytesAt(col_.data(), i));
      }
    }
    return out;
  }

 private:
  RepeatedColumn col_;
  std::vector<int64_t> idx_;
  int16_t node_def_ = 0;
};

}  // namespace lakeshare::delta::internal

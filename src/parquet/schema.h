// Schema: the Parquet schema tree of one file, rebuilt from the footer's flattened depth-first
// list of SchemaElements, with definition/repetition levels computed for every node and the
// LIST/MAP backward-compatibility rules of the format specification (LogicalTypes.md, "Nested
// Types") resolved once, so readers and the record assembler see one shape per node:
// primitive, struct, list or map. Immutable after construction; safe to share between threads.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "common/result.h"
#include "parquet/types.h"

namespace lakeshare::parquet {

namespace format {
class SchemaElement;
}

enum class NodeShape : uint8_t {
  kPrimitive,  // a leaf column
  kStruct,     // a group whose children are fields
  kList,       // list_element is the element node; list_repeated the repeated node
  kMap,        // list_repeated is the key_value group; map_key / map_value its children
};

struct SchemaNode {
  std::string name;
  Repetition repetition = Repetition::kRequired;
  NodeShape shape = NodeShape::kStruct;
  PhysicalType physical = PhysicalType::kInt32;  // leaves only
  int32_t type_length = 0;                       // FIXED_LEN_BYTE_ARRAY only
  LogicalType logical;
  int32_t field_id = -1;
  int parent = -1;
  std::vector<int> children;
  int16_t max_def = 0;  // definition level at which this node is present (non-null)
  int16_t max_rep = 0;  // repetition level of the innermost repeated node at or above this one
  int leaf_index = -1;  // index among leaves (column chunk order) for primitives
  // Resolved nesting (see NodeShape). For a bare repeated field outside any LIST annotation the
  // node is its own list: shape kList, list_repeated == list_element == itself, and the element
  // is read as required.
  int list_repeated = -1;
  int list_element = -1;
  int map_key = -1;
  int map_value = -1;
  bool is_bare_repeated = false;
};

class Schema {
 public:
  /// Build from the footer's SchemaElement list; a list that does not form a tree is kCorrupt.
  static Result<Schema> FromThrift(const std::vector<format::SchemaElement>& elements);

  const SchemaNode& node(int i) const { return nodes_[static_cast<size_t>(i)]; }
  const SchemaNode& root() const { return nodes_[0]; }
  int num_nodes() const { return static_cast<int>(nodes_.size()); }
  int num_leaves() const { return static_cast<int>(leaves_.size()); }
  /// Node index of the i-th leaf (column chunk order).
  int leaf_node(int leaf) const { return leaves_[static_cast<size_t>(leaf)]; }
  /// Dotted path of a node from the root's children: "add.stats", "a.list.element".
  std::string Path(int node) const;
  /// Find a top-level field by exact name; -1 when absent.
  int FindField(std::string_view name) const;
  /// Find a node by dotted path from the root ("add.partitionValues"); -1 when absent.
  int FindPath(std::string_view dotted) const;
  /// Leaf indices under (and including) a node, in column order.
  std::vector<int> LeavesUnder(int node) const;
  /// Human-readable tree, one node a line (for `lakeshare parquet schema`).
  std::string ToString() const;

 private:
  std::vector<SchemaNode> nodes_;
  std::vector<int> leaves_;
};

}  // namespace lakeshare::parquet

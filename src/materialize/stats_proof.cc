#include "materialize/stats_proof.h"

#include <map>
#include <nlohmann/json.hpp>
#include <string>

#include "materialize/row_filter.h"

namespace lakeshare::materialize {

namespace {

using delta::PredicateNode;
using delta::PredicateOp;
using delta::ValueType;

// Delta type names of the top-level columns, by exact name.
std::map<std::string, std::string> TopLevelTypes(const std::string& schema_string) {
  std::map<std::string, std::string> out;
  nlohmann::json schema = nlohmann::json::parse(schema_string, nullptr, false);
  if (!schema.is_object() || !schema.contains("fields") || !schema["fields"].is_array()) {
    return out;
  }
  for (const auto& f : schema["fields"]) {
    if (!f.is_object() || !f.contains("name") || !f["name"].is_string()) continue;
    if (!f.contains("type") || !f["type"].is_string()) continue;  // nested: not covered
    out[f["name"].get<std::string>()] = f["type"].get<std::string>();
  }
  return out;
}

// Whether a column of Delta type `type` read as `want` compares as the statistics do.
bool Covered(ValueType want, const std::string& type) {
  switch (want) {
    case ValueType::kString:
      return type == "string";
    case ValueType::kLong:
      return type == "long" || type == "integer" || type == "short" || type == "byte";
    case ValueType::kInt:
      return type == "integer" || type == "short" || type == "byte";
    case ValueType::kDate:
      return type == "date";
    case ValueType::kBool:
      return type == "boolean";
    default:
      // float and double: NaN lies outside min/max; timestamps: writers' time zones and
      // precisions vary. Never proven.
      return false;
  }
}

bool Operand(const PredicateNode& n, const std::map<std::string, std::string>& types) {
  if (n.op == PredicateOp::kLiteral) return n.literal.has_value();
  if (n.op != PredicateOp::kColumn) return false;
  auto it = types.find(n.name);
  return it != types.end() && Covered(n.value_type, it->second);
}

// The shapes row_filter.cc evaluates exactly as data_skipping.cc bounds them.
bool Provable(const PredicateNode& n, const std::map<std::string, std::string>& types, int depth) {
  if (depth > 64) return false;
  switch (n.op) {
    case PredicateOp::kAnd:
    case PredicateOp::kOr:
      if (n.children.empty()) return false;
      for (const auto& c : n.children) {
        if (!Provable(c, types, depth + 1)) return false;
      }
      return true;
    case PredicateOp::kNot:
      return n.children.size() == 1 && Provable(n.children[0], types, depth + 1);
    case PredicateOp::kIsNull:
      return n.children.size() == 1 && Operand(n.children[0], types);
    case PredicateOp::kEqual:
    case PredicateOp::kLessThan:
    case PredicateOp::kLessThanOrEqual:
    case PredicateOp::kGreaterThan:
    case PredicateOp::kGreaterThanOrEqual:
      return n.children.size() == 2 && Operand(n.children[0], types) &&
             Operand(n.children[1], types) && n.children[0].value_type == n.children[1].value_type;
    default:
      return false;  // a bare column or literal as a condition
  }
}

}  // namespace

std::unique_ptr<StatsProof> StatsProof::For(const Transform& transform,
                                            const delta::Metadata& metadata,
                                            const delta::TableFeatures& features) {
  if (transform.row_filter == nullptr) return nullptr;
  if (transform.row_filter->never()) {
    return std::unique_ptr<StatsProof>(new StatsProof(std::nullopt, false, metadata, features));
  }
  // The resolved filter is a plain predicate: recipientProperty leaves became literals.
  auto predicate = delta::Predicate::Parse(transform.row_filter->resolved());
  if (!predicate) return nullptr;
  if (!Provable(predicate->root(), TopLevelTypes(metadata.schema_string), 0)) return nullptr;
  const bool serves_as_is = transform.columns.empty() && transform.column_masks.empty() &&
                            transform.column_mapping_mode == "none" &&
                            features.column_mapping_mode == "none";
  return std::unique_ptr<StatsProof>(
      new StatsProof(std::move(*predicate), serves_as_is, metadata, features));
}

StatsProof::StatsProof(std::optional<delta::Predicate> predicate, bool serves_as_is,
                       const delta::Metadata& metadata, const delta::TableFeatures& features)
    : predicate_(std::move(predicate)),
      serves_as_is_(serves_as_is),
      metadata_(metadata),
      features_(features) {}

bool StatsProof::Proves(const delta::AddFile& file) const {
  if (!serves_as_is_ || !predicate_) return false;
  if (file.deletion_vector != nullptr || !file.has_stats) return false;
  MutexLock lock(mu_);
  if (!filter_) filter_.emplace(*predicate_, metadata_, features_);
  return filter_->Evaluate(file) == delta::kMayBeTrue;
}

bool StatsProof::Excludes(const delta::AddFile& file) const {
  if (!predicate_) return true;
  MutexLock lock(mu_);
  if (!filter_) filter_.emplace(*predicate_, metadata_, features_);
  return (filter_->Evaluate(file) & delta::kMayBeTrue) == 0;
}

uint8_t StatsProof::Outcomes(const delta::FileAction& action) const {
  // A view of the action as an AddFile; its own filter, since FileFilter remembers outcomes by
  // the address of the partition values (this one lives on the stack).
  delta::PartitionValues partition_values{action.partition_values};
  delta::AddFile f;
  f.partition_values = &partition_values;
  f.path_data = action.path.data();
  f.path_size = static_cast<uint32_t>(action.path.size());
  const bool has_stats = action.stats && !action.stats->empty();
  if (has_stats) {
    f.stats_data = action.stats->data();
    f.stats_size = static_cast<uint32_t>(action.stats->size());
  }
  f.has_stats = has_stats;
  f.stats_escaped = false;
  delta::FileFilter filter(*predicate_, metadata_, features_);
  return filter.Evaluate(f);
}

bool StatsProof::Proves(const delta::FileAction& action) const {
  if (!serves_as_is_ || !predicate_) return false;
  if (action.deletion_vector || !action.stats || action.stats->empty()) return false;
  return Outcomes(action) == delta::kMayBeTrue;
}

bool StatsProof::Excludes(const delta::FileAction& action) const {
  if (!predicate_) return true;
  return (Outcomes(action) & delta::kMayBeTrue) == 0;
}

}  // namespace lakeshare::materialize

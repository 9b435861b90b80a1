#include <fmt/format.h>

#include <utility>
#include <vector>

#include "common/strings.h"
#include "sharing/file_filters_internal.h"
#include "sharing/file_rewrites_internal.h"
#include "sharing/sql_predicate.h"

namespace lakeshare::sharing {

namespace {

constexpr int64_t kHintLookupsInitial = 1'000'000;
constexpr int64_t kHintLookupsPerFile = 32;

// The share's partition filter: a predicate on partition columns only.
Result<delta::Predicate> ShareFilter(const TableContext& ctx, const delta::Snapshot& s) {
  auto p = delta::Predicate::Parse(ctx.table.partition_filter);
  if (!p) {
    return MakeError(ErrorCode::kInternal,
                     fmt::format("The partition filter of table '{}' is invalid: {}",
                                 ctx.table.name, p.error().message));
  }
  for (const std::string& column : p->ReferencedColumns()) {
    bool is_partition = false;
    for (const auto& pc : s.partition_columns()) {
      is_partition = is_partition || ToLower(pc) == ToLower(column);
    }
    if (!is_partition) {
      return MakeError(ErrorCode::kInternal,
                       fmt::format("The partition filter of table '{}' references '{}', which "
                                   "is not a partition column",
                                   ctx.table.name, column));
    }
  }
  return p;
}

// The hints of `q` that parse, AND-ed into one predicate.
std::optional<delta::Predicate> Hints(const SharingOptions& options, const delta::Snapshot& s,
                                      const QueryRequest& q) {
  std::vector<std::string> parts;
  if (q.json_predicate_hints && options.evaluate_json_predicate_hints &&
      delta::Predicate::Parse(*q.json_predicate_hints)) {
    parts.push_back(*q.json_predicate_hints);
  }
  if (!q.predicate_hints.empty() && options.evaluate_predicate_hints) {
    auto columns = PredicateColumns(s.metadata().schema_string);
    for (const std::string& hint : q.predicate_hints) {
      auto tree = SqlHintToJsonPredicate(hint, columns);
      if (tree && delta::Predicate::Parse(*tree)) parts.push_back(std::move(*tree));
    }
  }
  if (parts.size() == 1) return *delta::Predicate::Parse(parts[0]);
  if (parts.size() > 1) {
    std::string combined = "{\"op\":\"and\",\"children\":[";
    for (size_t i = 0; i < parts.size(); ++i) {
      if (i) combined.push_back(',');
      combined += parts[i];
    }
    combined += "]}";
    if (auto p = delta::Predicate::Parse(combined)) return std::move(*p);
  }
  return std::nullopt;
}

}  // namespace

Result<FilterSpec> BuildFilters(const SharingOptions& options, const TableContext& ctx,
                                const delta::Snapshot& s, const QueryRequest* q) {
  FilterSpec spec;
  if (!ctx.table.partition_filter.empty()) {
    LS_ASSIGN_OR_RETURN(spec.share_filter, ShareFilter(ctx, s));
  }
  if (ctx.table.partition_rule) {
    LS_ASSIGN_OR_RETURN(spec.share_rule,
                        PartitionRuleMatcher::Create(*ctx.table.partition_rule, s.metadata()));
  }
  // With a row filter, column list or masks, the hints would be evaluated on statistics of rows
  // and columns the recipient may not see (a hint on a hidden column prunes files, which tells
  // the recipient about that column), and limitHint on row counts it does not get: both ignored
  // (they are best effort; the client applies them itself).
  if (!q || Restricts(ctx.table.view)) return spec;
  spec.hints = Hints(options, s, *q);
  spec.limit = q->limit_hint;
  return spec;
}

Filters::Filters(const FilterSpec& spec, const delta::Metadata& metadata,
                 const delta::TableFeatures& features) {
  if (spec.share_filter) {
    share = std::make_unique<delta::FileFilter>(*spec.share_filter, metadata, features);
  }
  if (spec.hints) {
    hints = std::make_unique<delta::FileFilter>(*spec.hints, metadata, features);
    // The client's hints may hold ~900 comparisons (kPredicateJsonLimits), each looked up in
    // every file: one /query of a 100,000-file table held a handler thread for about a minute.
    // Past a million lookups, at most 32 per file on average (a predicate of up to 32
    // comparisons is never cut); beyond, files are kept, which best-effort hints allow.
    hints->LimitWork(kHintLookupsInitial, kHintLookupsPerFile);
  }
  if (spec.share_rule) rule = &*spec.share_rule;
}

bool Filters::Shared(const delta::AddFile& f) {
  if (rule && !rule->Matches(f.partition_values->values)) return false;
  return !share || share->Evaluate(f) == delta::kMayBeTrue;
}

std::string FileKey(const delta::AddFile& f) {
  std::string key(f.path());
  key.push_back('\x1f');
  key.append(f.dv_unique_id());
  return key;
}

bool FileLess(const delta::AddFile* a, const delta::AddFile* b) {
  if (a->path() != b->path()) return a->path() < b->path();
  return a->dv_unique_id() < b->dv_unique_id();
}

}  // namespace lakeshare::sharing

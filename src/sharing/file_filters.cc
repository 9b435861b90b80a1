#include <fmt/format.h>

#include <algorithm>
#include <map>
#include <utility>
#include <vector>

#include "common/strings.h"
#include "sharing/file_filters_internal.h"
#include "sharing/file_rewrites_internal.h"
#include "sharing/served_view_internal.h"
#include "sharing/sql_predicate.h"

namespace lakeshare::sharing {

namespace {

constexpr int64_t kHintLookupsInitial = 1'000'000;
constexpr int64_t kHintLookupsPerFile = 32;

bool IsPartitionColumn(const delta::Metadata& m, const std::string& column) {
  return std::any_of(m.partition_columns.begin(), m.partition_columns.end(),
                     [&](const std::string& p) { return ToLower(p) == ToLower(column); });
}

// The names at `s` of the partition columns `columns` of the latest version, by physical identity
// (ServedNames); nullopt when `s` lacks one of them as a partition column: the restriction cannot
// be decided there, and no file is served (never a restriction ignored).
Result<std::optional<std::map<std::string, std::string>>> ServedPartitionNames(
    const TableContext& ctx, const std::vector<std::string>& columns, const delta::Snapshot& latest,
    const delta::Snapshot& s) {
  LS_ASSIGN_OR_RETURN(auto served, ServedNames(columns, ctx.table.name, latest.metadata(),
                                               s.metadata(), s.version()));
  std::map<std::string, std::string> out;
  for (const auto& [column, name] : served) {
    if (!name || !IsPartitionColumn(s.metadata(), *name)) return std::nullopt;
    out[column] = *name;
  }
  return out;
}

// The share's partition filter, a predicate on partition columns of the latest version, on the
// columns of `s`; nullopt: none of `s`'s files is served.
Result<std::optional<delta::Predicate>> ShareFilter(const TableContext& ctx,
                                                    const delta::Snapshot& latest,
                                                    const delta::Snapshot& s) {
  auto p = delta::Predicate::Parse(ctx.table.partition_filter);
  if (!p) {
    return MakeError(ErrorCode::kInternal,
                     fmt::format("The partition filter of table '{}' is invalid: {}",
                                 ctx.table.name, p.error().message));
  }
  const std::vector<std::string> columns = p->ReferencedColumns();
  for (const std::string& column : columns) {
    if (!IsPartitionColumn(latest.metadata(), column)) {
      return MakeError(ErrorCode::kInternal,
                       fmt::format("The partition filter of table '{}' references '{}', which "
                                   "is not a partition column",
                                   ctx.table.name, column));
    }
  }
  if (s.version() == latest.version()) return std::optional<delta::Predicate>(std::move(*p));
  LS_ASSIGN_OR_RETURN(auto names, ServedPartitionNames(ctx, columns, latest, s));
  if (!names) return std::optional<delta::Predicate>();
  return std::optional<delta::Predicate>(p->Renamed(*names));
}

// The share's partition rule, on partition columns of the latest version, bound to the columns
// of `s`; nullopt: none of `s`'s files is served.
Result<std::optional<PartitionRuleMatcher>> ShareRule(const TableContext& ctx,
                                                      const delta::Snapshot& latest,
                                                      const delta::Snapshot& s) {
  std::vector<PartitionClause> rule = *ctx.table.partition_rule;
  LS_ASSIGN_OR_RETURN(PartitionRuleMatcher at_latest,
                      PartitionRuleMatcher::Create(rule, latest.metadata()));
  if (s.version() == latest.version()) return std::optional(std::move(at_latest));
  std::vector<std::string> columns;
  for (const PartitionClause& clause : rule) {
    for (const PartitionCondition& c : clause) columns.push_back(c.column);
  }
  LS_ASSIGN_OR_RETURN(auto names, ServedPartitionNames(ctx, columns, latest, s));
  if (!names) return std::optional<PartitionRuleMatcher>();
  for (PartitionClause& clause : rule) {
    for (PartitionCondition& c : clause) c.column = names->at(c.column);
  }
  LS_ASSIGN_OR_RETURN(PartitionRuleMatcher at_served,
                      PartitionRuleMatcher::Create(rule, s.metadata()));
  return std::optional(std::move(at_served));
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
                                const delta::Snapshot& latest, const delta::Snapshot& s,
                                const QueryRequest* q) {
  FilterSpec spec;
  if (!ctx.table.partition_filter.empty()) {
    LS_ASSIGN_OR_RETURN(spec.share_filter, ShareFilter(ctx, latest, s));
    spec.serves_none = !spec.share_filter;
  }
  if (ctx.table.partition_rule) {
    LS_ASSIGN_OR_RETURN(spec.share_rule, ShareRule(ctx, latest, s));
    spec.serves_none = spec.serves_none || !spec.share_rule;
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
  serves_none = spec.serves_none;
}

bool Filters::Shared(const delta::AddFile& f) {
  if (!SharedByRule(f.partition_values->values)) return false;
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

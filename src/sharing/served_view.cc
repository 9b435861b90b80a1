#include <algorithm>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "common/strings.h"
#include "materialize/row_filter.h"
#include "sharing/served_view_internal.h"

namespace lakeshare::sharing {

namespace {

// The top-level columns of one version: lower-cased name -> column, and lower-cased physical
// name -> lower-cased name.
struct Columns {
  std::map<std::string, delta::SchemaColumn> by_name;
  std::map<std::string, std::string> by_physical;
};

// Why a version cannot be served with the view; the column is never named (a row filter may read
// a column the recipient does not see).
tl::unexpected<Error> Refused(std::string_view table, int64_t version, std::string_view why) {
  return Unsupported("Table '{}' cannot be served to you at version {}: {}; ask the provider",
                     table, version, why);
}

// Whether a mask of `kind` can apply to column `c` (its type empty: a nested type), decided here
// once for every endpoint, as materialize's rewriter applies masks to files ("null": flat
// columns the schema says are nullable; "hash": byte-array columns) and FileRewrites to
// partition values ("hash": strings). A decimal is never hashed: a file may store it as an
// integer (Parquet, *DECIMAL*: int32 or int64 up to precision 18), which the schema does not
// tell and the rewriter refuses, so /metadata would accept what /query refuses.
bool MaskFits(std::string_view kind, const delta::SchemaColumn& c, bool partition) {
  if (c.type.empty()) return false;
  if (kind == "null") return c.nullable;
  if (kind != "hash") return false;
  if (partition) return c.type == "string";
  return c.type == "string" || c.type == "binary";
}

Result<Columns> ColumnsOf(const delta::Metadata& m, std::string_view table, int64_t version) {
  std::optional<std::vector<delta::SchemaColumn>> columns = delta::TopLevelColumns(m.schema_string);
  if (!columns) return Refused(table, version, "its schema is not a Delta struct schema");
  Columns out;
  for (const delta::SchemaColumn& c : *columns) {
    const std::string& physical = c.physical.empty() ? c.name : c.physical;
    const bool new_name = out.by_name.emplace(ToLower(c.name), c).second;
    const bool new_physical = out.by_physical.emplace(ToLower(physical), ToLower(c.name)).second;
    if (!new_name || !new_physical) {
      return Refused(table, version, "its schema names one column twice");
    }
  }
  return out;
}

tl::unexpected<Error> NotLatest(std::string_view table, int64_t version) {
  return Refused(table, version, "its share names a column the table no longer has");
}

// Resolves view names at the latest version to names at the served version.
class Resolver {
 public:
  Resolver(Columns latest, Columns served)
      : latest_(std::move(latest)), served_(std::move(served)) {}
  static Result<Resolver> Make(std::string_view table, const delta::Metadata& latest,
                               const delta::Metadata& served, int64_t version) {
    LS_ASSIGN_OR_RETURN(Columns latest_columns, ColumnsOf(latest, table, version));
    LS_ASSIGN_OR_RETURN(Columns served_columns, ColumnsOf(served, table, version));
    return Resolver(std::move(latest_columns), std::move(served_columns));
  }

  // The served version's name of the column the latest version calls `name`: nullopt when that
  // version lacks it; false when the latest version has no such column.
  bool Resolve(const std::string& name, std::optional<std::string>* out) const {
    out->reset();
    std::string physical;
    for (const auto& [p, n] : latest_.by_physical) {
      if (n == ToLower(name)) physical = p;
    }
    if (physical.empty()) return false;
    auto at = served_.by_physical.find(physical);
    if (at != served_.by_physical.end()) *out = served_.by_name.at(at->second).name;
    return true;
  }
  // The served version's name of its column called `name` (any case), whatever its identity;
  // nullopt when it has none.
  std::optional<std::string> Named(const std::string& name) const {
    auto it = served_.by_name.find(ToLower(name));
    if (it == served_.by_name.end()) return std::nullopt;
    return it->second.name;
  }
  // The served version's column `served_name` (as Resolve gave it).
  const delta::SchemaColumn& ColumnOf(const std::string& served_name) const {
    return served_.by_name.at(ToLower(served_name));
  }

 private:
  Columns latest_;
  Columns served_;
};

}  // namespace

Result<std::map<std::string, std::optional<std::string>>> ServedNames(
    const std::vector<std::string>& names, std::string_view table, const delta::Metadata& latest,
    const delta::Metadata& served, int64_t version) {
  LS_ASSIGN_OR_RETURN(const Resolver resolver, Resolver::Make(table, latest, served, version));
  std::map<std::string, std::optional<std::string>> out;
  for (const std::string& name : names) {
    if (!resolver.Resolve(name, &out[name])) return NotLatest(table, version);
  }
  return out;
}

Result<RecipientView> ServedView(const RecipientView& view, std::string_view table,
                                 const delta::Metadata& latest, const delta::Metadata& served,
                                 int64_t version) {
  if (view.row_filter == nullptr && view.columns.empty() && view.column_masks.empty()) return view;
  LS_ASSIGN_OR_RETURN(const Resolver resolver, Resolver::Make(table, latest, served, version));
  const tl::unexpected<Error> not_latest = NotLatest(table, version);
  RecipientView out;
  std::optional<std::string> at;
  for (const std::string& c : view.columns) {
    if (!resolver.Resolve(c, &at)) return not_latest;
    if (at) out.columns.push_back(*at);
  }
  if (!view.columns.empty() && out.columns.empty()) {
    return Refused(table, version, "none of the columns shared with you existed at that version");
  }
  // Masks fail closed: a served column is masked when it is a masked column of the latest version
  // (by identity) or when it carries a masked name, whatever its identity. A column dropped and
  // re-added under its name (a new physical name), or physical names that changed when column
  // mapping was removed and enabled again, leave older versions a column of the masked name that
  // no identity links to the latest: the provider masked that name all along. Where both apply,
  // the mask of the identity is kept.
  for (const auto& [column, kind] : view.column_masks) {
    if (!resolver.Resolve(column, &at)) return not_latest;
    if (at) out.column_masks[*at] = kind;
  }
  for (const auto& [column, kind] : view.column_masks) {
    if (std::optional<std::string> named = resolver.Named(column)) {
      out.column_masks.emplace(*named, kind);
    }
  }
  for (const auto& [masked, kind] : out.column_masks) {
    const std::string& column = masked;  // clang 14 cannot capture a structured binding
    const bool listed = out.columns.empty() ||
                        std::any_of(out.columns.begin(), out.columns.end(),
                                    [&](const auto& c) { return ToLower(c) == ToLower(column); });
    if (!listed) continue;  // not in the files: nothing to mask (and never named to the client)
    const bool partition =
        std::any_of(served.partition_columns.begin(), served.partition_columns.end(),
                    [&](const std::string& p) { return ToLower(p) == ToLower(column); });
    const delta::SchemaColumn& c = resolver.ColumnOf(column);
    if (!MaskFits(kind, c, partition)) {
      return Unsupported(
          "column mask '{}' cannot apply to {}column '{}' of type '{}'{} (null: nullable flat "
          "columns; hash: string {}columns); ask the provider",
          kind, partition ? "partition " : "", column, c.type.empty() ? "nested" : c.type,
          c.nullable ? "" : ", not nullable", partition ? "" : "or binary ");
    }
  }
  if (view.row_filter != nullptr) {
    std::map<std::string, std::string> names;
    bool same = true;
    for (const std::string& c : view.row_filter->Columns()) {
      if (!resolver.Resolve(c, &at)) return not_latest;
      if (!at) {
        return Refused(table, version,
                       "the rows shared with you are chosen by a column that did not exist at "
                       "that version");
      }
      names[c] = *at;
      same = same && *at == c;
    }
    if (same) {
      out.row_filter = view.row_filter;
      return out;
    }
    auto renamed = view.row_filter->Renamed(names);
    if (!renamed) return Refused(table, version, renamed.error().message);
    out.row_filter = std::make_shared<const materialize::RowFilter>(std::move(*renamed));
  }
  return out;
}

}  // namespace lakeshare::sharing

// Small pieces every SQL file of the catalog uses: cell conversions (every column arrives as
// text), name keys, paging with opaque tokens, and batched key lookups. Pure functions.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "catalog/sql_catalog_internal.h"

namespace lakeshare::catalog {

/// A LIMIT that never limits.
inline constexpr int64_t kNoLimit = int64_t{1} << 62;
/// The securable id of the metastore in grants.
inline constexpr std::string_view kMetastoreId = "metastore";

/// The integer in a cell of `column` (named in the error): the whole cell as a decimal int64,
/// and 0 for NULL (an aggregate over no rows). kInternal for anything else (text, a fraction,
/// trailing characters, a number past int64): a metastore fault, never read as a silent 0.
Result<int64_t> ToInt(const std::optional<std::string>& v, std::string_view column);
/// As ToInt, for a column where NULL means "unset" (nullopt).
Result<std::optional<int64_t>> ToOptInt(const std::optional<std::string>& v,
                                        std::string_view column);
inline std::string ToStr(const std::optional<std::string>& v) { return v.value_or(std::string()); }
inline SqlValue OptVal(std::optional<int64_t> v) { return v ? SqlValue(*v) : SqlValue(nullptr); }
inline SqlValue Text(std::string_view s) { return SqlValue(std::string(s)); }
/// The case-insensitive lookup key of a name.
std::string Key(std::string_view name);

/// How messages name an object of `kind`: its ResourceKindName as a noun, "STORAGE_CREDENTIAL"
/// -> "Storage credential" ("" for kinds without a name).
std::string KindNoun(ResourceKind kind);

/// Lists kept in one column, one item a line.
std::string JoinLines(const std::vector<std::string>& items);
std::vector<std::string> SplitLines(const std::string& text);

/// The first column of every row `sql` selects, as text ("" for NULL).
Result<std::vector<std::string>> QueryColumn(SqlConn& c, std::string_view sql,
                                             const std::vector<SqlValue>& params);

/// The number a "SELECT COUNT(*) ..." `sql` selects (see ToInt).
Result<int64_t> QueryCount(SqlConn& c, std::string_view sql, const std::vector<SqlValue>& params);

/// Split "a.b.c", a full name a caller gave, into exactly `parts` valid names (ValidateName:
/// the rule of names created now).
Result<std::vector<std::string>> SplitFullName(std::string_view what, std::string_view full,
                                               size_t parts);

/// Split "a.b.c", a full name read back from the metastore, into exactly `parts` non-empty
/// parts; nullopt when it has another shape. No name rule: an object created before a rule
/// (such as NFC, common/names.h) keeps its name and stays served.
std::optional<std::vector<std::string>> SplitStoredFullName(std::string_view full, size_t parts);

// ---- Paging: an opaque token carries the last name key of a page. ----

struct PageBounds {
  std::string after;  // return keys strictly greater than this
  int64_t max = 0;    // 0 = no limit
};

Result<PageBounds> ParsePage(const PageRequest& page);
/// The LIMIT to fetch a page of at most `max` rows (0: no limit): one row more than asked, to
/// know whether there is a next one; kNoLimit from there up (never past INT64_MAX).
int64_t SqlLimit(int64_t max);
int64_t SqlLimit(const PageBounds& b);
/// Trim rows fetched with SqlLimit() to the page; the next token is made from column 0 (the key).
/// Returns the trimmed rows.
SqlRows TrimPage(SqlRows rows, const PageBounds& b, std::string* next_page_token);

// ---- Batched lookups ----

/// Bind a list of keys (each of one or more parts) in chunks of at most 64, each padded to a
/// power of two by repeating its last key, so that a connection prepares at most seven shapes of
/// each statement whatever the number of keys.
std::vector<std::vector<SqlValue>> KeyBatches(const std::vector<std::vector<std::string>>& keys);
/// "(?, ?), (?, ?)" for `rows` rows of `width` placeholders.
std::string PlaceholderRows(size_t rows, size_t width);

}  // namespace lakeshare::catalog

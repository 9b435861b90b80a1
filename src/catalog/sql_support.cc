#include <algorithm>

#include "catalog/sql_support_internal.h"
#include "common/numbers.h"
#include "common/strings.h"

namespace lakeshare::catalog {

std::string Key(std::string_view name) { return ToLower(name); }

Result<int64_t> ToInt(const std::optional<std::string>& v, std::string_view column) {
  LS_ASSIGN_OR_RETURN(std::optional<int64_t> n, ToOptInt(v, column));
  return n.value_or(0);
}

Result<std::optional<int64_t>> ToOptInt(const std::optional<std::string>& v,
                                        std::string_view column) {
  if (!v) {
    return std::optional<int64_t>();
  }
  std::optional<int64_t> n = ParseInteger<int64_t>(*v);
  if (!n) {
    return Errorf(ErrorCode::kInternal,
                  "Metastore column '{}' holds a value that is not a whole number", column);
  }
  return n;
}

std::string KindNoun(ResourceKind kind) {
  const std::string_view name = ResourceKindName(kind);
  if (name.empty()) {
    return std::string();
  }
  // The first letter stays a capital; the rest is lower case, words apart.
  std::string out = std::string(name.substr(0, 1)) + ToLower(name.substr(1));
  std::replace(out.begin(), out.end(), '_', ' ');
  return out;
}

std::string JoinLines(const std::vector<std::string>& items) { return Join(items, "\n"); }

std::vector<std::string> SplitLines(const std::string& text) {
  std::vector<std::string> out;
  if (text.empty()) {
    return out;
  }
  for (std::string_view part : Split(text, '\n')) {
    out.emplace_back(part);
  }
  return out;
}

Result<std::vector<std::string>> QueryColumn(SqlConn& c, std::string_view sql,
                                             const std::vector<SqlValue>& params) {
  LS_ASSIGN_OR_RETURN(SqlRows rows, c.Query(sql, params));
  std::vector<std::string> out;
  out.reserve(rows.size());
  for (const SqlRow& row : rows) {
    out.push_back(ToStr(row[0]));
  }
  return out;
}

Result<int64_t> QueryCount(SqlConn& c, std::string_view sql, const std::vector<SqlValue>& params) {
  LS_ASSIGN_OR_RETURN(SqlRows rows, c.Query(sql, params));
  if (rows.empty() || rows[0].empty()) {
    return 0;
  }
  return ToInt(rows[0][0], "COUNT(*)");
}

Result<std::vector<std::string>> SplitFullName(std::string_view what, std::string_view full,
                                               size_t parts) {
  std::vector<std::string> out;
  for (std::string_view p : Split(full, '.')) {
    out.emplace_back(p);
  }
  if (out.size() != parts) {
    return InvalidArgument("Invalid {} name '{}': expected {} dot-separated parts", what, full,
                           parts);
  }
  for (const std::string& p : out) {
    LS_RETURN_IF_ERROR(ValidateName(what, p, /*allow_dot=*/false));
  }
  return out;
}

std::optional<std::vector<std::string>> SplitStoredFullName(std::string_view full, size_t parts) {
  std::vector<std::string> out;
  for (std::string_view p : Split(full, '.')) {
    if (p.empty()) {
      return std::nullopt;
    }
    out.emplace_back(p);
  }
  if (out.size() != parts) {
    return std::nullopt;
  }
  return out;
}

Result<PageBounds> ParsePage(const PageRequest& page) {
  if (page.max_results < 0) {
    return InvalidArgument("max_results must not be negative, got {}", page.max_results);
  }
  PageBounds bounds;
  bounds.max = page.max_results;
  if (!page.page_token.empty()) {
    std::optional<std::string> decoded = Base64Decode(page.page_token);
    if (!decoded || decoded->empty() || (*decoded)[0] != 'n') {
      return InvalidArgument("Invalid page_token");
    }
    bounds.after = decoded->substr(1);
  }
  return bounds;
}

int64_t SqlLimit(int64_t max) { return max == 0 || max >= kNoLimit ? kNoLimit : max + 1; }

int64_t SqlLimit(const PageBounds& b) { return SqlLimit(b.max); }

SqlRows TrimPage(SqlRows rows, const PageBounds& b, std::string* next_page_token) {
  next_page_token->clear();
  if (b.max > 0 && static_cast<int64_t>(rows.size()) > b.max) {
    rows.resize(static_cast<size_t>(b.max));
    *next_page_token = Base64Encode("n" + ToStr(rows.back()[0]));
  }
  return rows;
}

std::vector<std::vector<SqlValue>> KeyBatches(const std::vector<std::vector<std::string>>& keys) {
  constexpr size_t kMaxBatch = 64;
  std::vector<std::vector<SqlValue>> out;
  for (size_t at = 0; at < keys.size(); at += kMaxBatch) {
    const size_t n = std::min(kMaxBatch, keys.size() - at);
    size_t padded = 1;
    while (padded < n) {
      padded *= 2;
    }
    std::vector<SqlValue> batch;
    for (size_t i = 0; i < padded; ++i) {
      for (const std::string& part : keys[at + std::min(i, n - 1)]) {
        batch.emplace_back(part);
      }
    }
    out.push_back(std::move(batch));
  }
  return out;
}

std::string PlaceholderRows(size_t rows, size_t width) {
  std::string row = "(";
  for (size_t i = 0; i < width; ++i) {
    row += i == 0 ? "?" : ", ?";
  }
  row += ')';
  std::string out;
  for (size_t i = 0; i < rows; ++i) {
    out += i == 0 ? "" : ", ";
    out += row;
  }
  return out;
}

}  // namespace lakeshare::catalog

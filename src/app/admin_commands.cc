#include "app/admin_commands.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <algorithm>
#include <atomic>
#include <cctype>
#include <cerrno>
#include <charconv>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <functional>
#include <iostream>
#include <map>
#include <memory>
#include <mutex>
#include <nlohmann/json.hpp>
#include <set>
#include <sstream>
#include <string>
#include <thread>
#include <tl/expected.hpp>
#include <vector>

#include "common/strings.h"
#include "delta/time_util.h"
#include "http/client.h"

namespace lakeshare::app {

// ===============================================================================================
// Pure helpers (admin_commands.h)

namespace admin {

namespace {

std::string_view Trim(std::string_view s) {
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.front()))) {
    s.remove_prefix(1);
  }
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back()))) {
    s.remove_suffix(1);
  }
  return s;
}

bool IsNamePart(std::string_view s) {
  if (s.empty()) {
    return false;
  }
  for (char c : s) {
    if (!std::isalnum(static_cast<unsigned char>(c)) && c != '_' && c != '-') {
      return false;
    }
  }
  return true;
}

// Split a list cell on ';', trimming items and dropping empty ones.
std::vector<std::string> SplitList(std::string_view cell) {
  std::vector<std::string> out;
  for (std::string_view item : Split(cell, ';')) {
    item = Trim(item);
    if (!item.empty()) {
      out.emplace_back(item);
    }
  }
  return out;
}

}  // namespace

Result<TableItem> ParseTableItem(std::string_view text) {
  text = Trim(text);
  TableItem item;
  std::string_view name = text;
  if (size_t eq = text.find('='); eq != std::string_view::npos) {
    name = Trim(text.substr(0, eq));
    item.location = std::string(Trim(text.substr(eq + 1)));
    if (item.location.empty()) {
      return InvalidArgument("table '{}': the location after '=' is empty", text);
    }
  }
  std::vector<std::string_view> parts = Split(name, '.');
  if (parts.size() != 3 || !IsNamePart(parts[0]) || !IsNamePart(parts[1]) ||
      !IsNamePart(parts[2])) {
    return InvalidArgument(
        "table '{}' is not catalog.schema.table[=LOCATION] (name parts are letters, digits, '_' "
        "and '-'), e.g. main.sales.daily_sales=/data/daily_sales",
        text);
  }
  item.name = ToLower(name);
  return item;
}

Result<PartitionItem> ParsePartitionItem(std::string_view text) {
  text = Trim(text);
  const size_t colon = text.find(':');
  const size_t eq = text.find('=', colon == std::string_view::npos ? 0 : colon);
  if (colon == std::string_view::npos || eq == std::string_view::npos) {
    return InvalidArgument(
        "partition filter '{}' is not TABLE:COLUMN=VALUE or TABLE:COLUMN=@PROPERTY, e.g. "
        "stock_levels:country=@country",
        text);
  }
  PartitionItem p;
  p.table = ToLower(Trim(text.substr(0, colon)));
  p.column = std::string(Trim(text.substr(colon + 1, eq - colon - 1)));
  std::string_view value = Trim(text.substr(eq + 1));
  if (!value.empty() && value.front() == '@') {
    p.from_property = true;
    value.remove_prefix(1);
    if (value.empty()) {
      return InvalidArgument("partition filter '{}': name the recipient property after '@'", text);
    }
  }
  p.value = std::string(value);
  if (p.table.empty() || p.column.empty()) {
    return InvalidArgument("partition filter '{}': the table and the column must not be empty",
                           text);
  }
  return p;
}

Result<std::pair<std::string, std::string>> ParseProperty(std::string_view text) {
  const size_t eq = text.find('=');
  if (eq == std::string_view::npos || Trim(text.substr(0, eq)).empty()) {
    return InvalidArgument("property '{}' is not KEY=VALUE, e.g. partner_id=P001", text);
  }
  return std::pair<std::string, std::string>(std::string(Trim(text.substr(0, eq))),
                                             std::string(Trim(text.substr(eq + 1))));
}

Result<std::vector<std::vector<std::string>>> ParseCsv(std::string_view text) {
  if (text.substr(0, 3) == "\xEF\xBB\xBF") {  // UTF-8 byte order mark (Excel writes one)
    text.remove_prefix(3);
  }
  std::vector<std::vector<std::string>> records;
  std::vector<std::string> record;
  std::string field;
  bool in_quotes = false;
  bool field_quoted = false;
  int64_t line = 1;
  int64_t quote_line = 0;
  for (size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if (in_quotes) {
      if (c == '"') {
        if (i + 1 < text.size() && text[i + 1] == '"') {
          field.push_back('"');
          ++i;
        } else {
          in_quotes = false;
        }
      } else {
        if (c == '\n') {
          ++line;
        }
        field.push_back(c);
      }
      continue;
    }
    if (c == '"') {
      if (!field.empty() || field_quoted) {
        return InvalidArgument(
            "CSV line {}: a quote inside an unquoted field; quote the whole field and double the "
            "quotes inside (\"a \"\"b\"\"\")",
            line);
      }
      in_quotes = true;
      field_quoted = true;
      quote_line = line;
    } else if (c == ',') {
      record.push_back(std::move(field));
      field.clear();
      field_quoted = false;
    } else if (c == '\n' || c == '\r') {
      if (c == '\r' && i + 1 < text.size() && text[i + 1] == '\n') {
        ++i;
      }
      record.push_back(std::move(field));
      field.clear();
      field_quoted = false;
      records.push_back(std::move(record));
      record.clear();
      ++line;
    } else {
      if (field_quoted) {
        return InvalidArgument("CSV line {}: text after a closing quote", line);
      }
      field.push_back(c);
    }
  }
  if (in_quotes) {
    return InvalidArgument("CSV line {}: a quoted field is never closed", quote_line);
  }
  if (!field.empty() || field_quoted || !record.empty()) {
    record.push_back(std::move(field));
    records.push_back(std::move(record));
  }
  return records;
}

Status ValidatePartner(const PartnerSpec& spec) {
  const std::string where = spec.line > 0 ? fmt::format("line {}: ", spec.line) : std::string();
  auto valid_name = [](std::string_view n) {
    if (n.empty()) {
      return false;
    }
    return std::all_of(n.begin(), n.end(), [](char c) {
      return std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '-' || c == '.';
    });
  };
  if (!valid_name(spec.partner)) {
    return InvalidArgument(
        "{}partner name '{}' must be letters, digits, '_', '-' or '.' (it becomes the recipient's "
        "name)",
        where, spec.partner);
  }
  if (!valid_name(spec.share)) {
    return InvalidArgument("{}share name '{}' must be letters, digits, '_', '-' or '.'", where,
                           spec.share);
  }
  if (spec.tables.empty()) {
    return InvalidArgument(
        "{}partner '{}' has no tables: name at least one as catalog.schema.table[=LOCATION]", where,
        spec.partner);
  }
  std::set<std::string> keys;
  for (const auto& [k, v] : spec.properties) {
    if (!keys.insert(k).second) {
      return InvalidArgument("{}property '{}' is given twice", where, k);
    }
  }
  for (const PartitionItem& p : spec.partitions) {
    int matches = 0;
    for (const TableItem& t : spec.tables) {
      if (t.name == p.table || t.name.substr(t.name.rfind('.') + 1) == p.table) {
        ++matches;
      }
    }
    if (matches != 1) {
      return InvalidArgument(
          "{}partition filter on '{}' must name exactly one of the partner's tables ({} match); "
          "use the full catalog.schema.table name",
          where, p.table, matches);
    }
    if (p.from_property && !keys.count(p.value)) {
      return InvalidArgument(
          "{}partition filter on '{}.{}' reads property '{}', which partner '{}' does not have; "
          "add it with {}={}",
          where, p.table, p.column, p.value, spec.partner, p.value, "VALUE");
    }
  }
  return OkStatus();
}

Result<std::vector<PartnerSpec>> ParsePartnersCsv(std::string_view text) {
  LS_ASSIGN_OR_RETURN(auto records, ParseCsv(text));
  static const std::set<std::string> kKnown = {
      "partner", "share", "tables", "properties", "comment", "partitions", "ip_access_list"};
  size_t first = 0;
  while (first < records.size() && records[first].size() == 1 && Trim(records[first][0]).empty()) {
    ++first;
  }
  if (first == records.size()) {
    return InvalidArgument(
        "the CSV file is empty: it needs a header line such as "
        "partner,share,tables,properties,ip_access_list,partitions,comment");
  }
  std::map<std::string, size_t> column;
  for (size_t i = 0; i < records[first].size(); ++i) {
    std::string name = ToLower(Trim(records[first][i]));
    if (!kKnown.count(name)) {
      return InvalidArgument(
          "CSV header: unknown column '{}'; the columns are partner (required), share, tables, "
          "properties, ip_access_list, partitions and comment",
          name);
    }
    if (!column.emplace(name, i).second) {
      return InvalidArgument("CSV header: column '{}' appears twice", name);
    }
  }
  if (!column.count("partner")) {
    return InvalidArgument("CSV header: the 'partner' column is required (found: {})",
                           fmt::join(records[first], ","));
  }
  std::vector<PartnerSpec> out;
  std::set<std::string> seen;
  for (size_t r = first + 1; r < records.size(); ++r) {
    const auto& rec = records[r];
    if (std::all_of(rec.begin(), rec.end(), [](const std::string& f) { return Trim(f).empty(); })) {
      continue;
    }
    // Lines count physical lines only when no field holds a line break, which is the common
    // case; the record number is exact otherwise.
    const int64_t line = static_cast<int64_t>(r) + 1;
    if (rec.size() > records[first].size()) {
      return InvalidArgument(
          "CSV line {}: {} fields but the header has {}; quote fields that "
          "contain commas",
          line, rec.size(), records[first].size());
    }
    auto cell = [&](const char* name) -> std::string {
      auto it = column.find(name);
      if (it == column.end() || it->second >= rec.size()) {
        return {};
      }
      return std::string(Trim(rec[it->second]));
    };
    PartnerSpec spec;
    spec.line = line;
    spec.partner = cell("partner");
    spec.share = cell("share");
    if (spec.share.empty()) {
      spec.share = spec.partner;
    }
    spec.comment = cell("comment");
    for (const std::string& t : SplitList(cell("tables"))) {
      auto item = ParseTableItem(t);
      if (!item) {
        return InvalidArgument("CSV line {}, column tables: {}", line, item.error().message);
      }
      spec.tables.push_back(std::move(*item));
    }
    for (const std::string& p : SplitList(cell("properties"))) {
      auto kv = ParseProperty(p);
      if (!kv) {
        return InvalidArgument("CSV line {}, column properties: {}", line, kv.error().message);
      }
      spec.properties.push_back(std::move(*kv));
    }
    spec.ip_access_list = SplitList(cell("ip_access_list"));
    for (const std::string& p : SplitList(cell("partitions"))) {
      auto item = ParsePartitionItem(p);
      if (!item) {
        return InvalidArgument("CSV line {}, column partitions: {}", line, item.error().message);
      }
      spec.partitions.push_back(std::move(*item));
    }
    LS_RETURN_IF_ERROR(ValidatePartner(spec));
    if (!seen.insert(ToLower(spec.partner)).second) {
      return InvalidArgument("CSV line {}: partner '{}' appears a second time", line, spec.partner);
    }
    out.push_back(std::move(spec));
  }
  if (out.empty()) {
    return InvalidArgument("the CSV file has a header but no partners");
  }
  return out;
}

Result<int64_t> ParseTimeArg(std::string_view text, int64_t now_ms, bool future) {
  text = Trim(text);
  int64_t n = 0;
  auto [p, ec] = std::from_chars(text.data(), text.data() + text.size(), n);
  if (ec == std::errc() && p == text.data() + text.size()) {
    return n;
  }
  if (ec == std::errc() && p + 1 == text.data() + text.size() && n >= 0) {
    int64_t unit = 0;
    switch (*p) {
      case 's':
        unit = 1000;
        break;
      case 'm':
        unit = int64_t{60} * 1000;
        break;
      case 'h':
        unit = int64_t{3600} * 1000;
        break;
      case 'd':
        unit = int64_t{86400} * 1000;
        break;
      default:
        break;
    }
    if (unit > 0) {
      return future ? now_ms + n * unit : now_ms - n * unit;
    }
  }
  if (auto micros = delta::ParseTimestampMicros(text)) {
    return *micros >= 0 ? *micros / 1000 : -((-*micros + 999) / 1000);
  }
  return InvalidArgument(
      "'{}' is not a time: give milliseconds since the epoch, an ISO-8601 date or time "
      "(2024-05-01, 2024-05-01T10:00:00Z) or a duration from now (90s, 15m, 24h, 7d)",
      text);
}

std::string FormatTable(const std::vector<std::string>& header,
                        const std::vector<std::vector<std::string>>& rows) {
  std::vector<size_t> width(header.size(), 0);
  auto measure = [&](const std::vector<std::string>& row) {
    for (size_t i = 0; i < row.size() && i < width.size(); ++i) {
      width[i] = std::max(width[i], row[i].size());
    }
  };
  measure(header);
  for (const auto& row : rows) {
    measure(row);
  }
  std::string out;
  auto emit = [&](const std::vector<std::string>& row) {
    std::string line;
    for (size_t i = 0; i < width.size(); ++i) {
      const std::string& cell = i < row.size() ? row[i] : std::string();
      line += cell;
      if (i + 1 < width.size()) {
        line.append(width[i] - cell.size() + 2, ' ');
      }
    }
    while (!line.empty() && line.back() == ' ') {
      line.pop_back();
    }
    out += line;
    out += '\n';
  };
  emit(header);
  for (const auto& row : rows) {
    emit(row);
  }
  return out;
}

std::string EncodePathSegment(std::string_view text) {
  static const char kHex[] = "0123456789ABCDEF";
  std::string out;
  for (unsigned char c : text) {
    if (std::isalnum(c) || c == '-' || c == '.' || c == '_' || c == '~') {
      out.push_back(static_cast<char>(c));
    } else {
      out.push_back('%');
      out.push_back(kHex[c >> 4]);
      out.push_back(kHex[c & 15]);
    }
  }
  return out;
}

}  // namespace admin

// ===============================================================================================
// The client

namespace {

using Json = nlohmann::ordered_json;
using admin::EncodePathSegment;

constexpr const char* kUcPrefix = "/api/2.1/unity-catalog/";
constexpr const char* kAuditPath = "/api/2.1/lakeshare/audit";

int64_t NowMs() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

struct GlobalOptions {
  std::string host = "http://127.0.0.1:8080";
  std::string token;
  std::string token_file;
  bool json = false;
};

/// A failed call: the HTTP status (0 when the server was not reached) and the server's
/// error_code and message.
struct ApiError {
  int status = 0;
  std::string error_code;
  std::string message;

  bool client_error() const { return status >= 400 && status < 500; }
  bool already_exists() const {
    return status == 409 || error_code.find("ALREADY_EXISTS") != std::string::npos;
  }
  bool not_found() const { return status == 404; }
};

template <typename T>
using ApiResult = tl::expected<T, ApiError>;

ApiError UsageError(std::string message) { return ApiError{400, "USAGE", std::move(message)}; }

std::string QueryString(const std::vector<http::Field>& query) {
  std::string out;
  for (const auto& [k, v] : query) {
    out += out.empty() ? '?' : '&';
    out += EncodePathSegment(k);
    out += '=';
    out += EncodePathSegment(v);
  }
  return out;
}

/// One connection to the management API. Not thread-safe: one per thread.
class Api {
 public:
  Api(const std::string& host, const std::string& token) : token_(token) {
    base_ = host;
    while (!base_.empty() && base_.back() == '/') {
      base_.pop_back();
    }
    http::ClientOptions options;
    options.timeout_ms = 120'000;
    client_ = std::make_unique<http::Client>(options);
  }

  /// Call `method` on `path` (absolute, "/api/..."); a 2xx answer's JSON body (an empty body is
  /// {}). Retries refused connections of reads and 429/503 answers, twice, 0.2 s then 0.4 s apart.
  ApiResult<Json> Call(const std::string& method, const std::string& path,
                       const std::vector<http::Field>& query = {}, const Json* body = nullptr) {
    http::ClientRequest req;
    req.method = method;
    req.url = base_ + path + QueryString(query);
    req.headers.emplace_back("Authorization", "Bearer " + token_);
    req.headers.emplace_back("Accept", "application/json");
    req.headers.emplace_back("User-Agent", "lakeshare-admin/0.1.0");
    if (body != nullptr) {
      req.headers.emplace_back("Content-Type", "application/json");
      req.body = body->dump();
    }
    for (int attempt = 0;; ++attempt) {
      auto resp = client_->Send(req);
      const bool retry_transport = !resp && method == "GET";
      const bool retry_status = resp && (resp->status == 429 || resp->status == 503);
      if ((retry_transport || retry_status) && attempt < 2) {
        std::this_thread::sleep_for(std::chrono::milliseconds(200 << attempt));
        continue;
      }
      if (!resp) {
        return tl::unexpected(ApiError{
            0, "", fmt::format("cannot reach the server ({}): {}", base_, resp.error().message)});
      }
      return Interpret(*resp);
    }
  }

  ApiResult<Json> Uc(const std::string& method, const std::string& path,
                     const std::vector<http::Field>& query = {}, const Json* body = nullptr) {
    return Call(method, kUcPrefix + path, query, body);
  }

  /// GET `path` and hand a 2xx body to `sink` as it arrives. The first 64 KiB are held back
  /// until the status is known, so an error reply is reported rather than written out.
  ApiResult<void> Stream(const std::string& path, const std::vector<http::Field>& query,
                         const std::function<bool(std::string_view)>& sink) {
    http::ClientRequest req;
    req.url = base_ + path + QueryString(query);
    req.headers.emplace_back("Authorization", "Bearer " + token_);
    req.headers.emplace_back("User-Agent", "lakeshare-admin/0.1.0");
    req.timeout_ms = 0;  // an export may take long; the server streams steadily
    std::string held;
    bool flowing = false;
    bool sink_failed = false;
    auto resp = client_->Send(req, [&](std::string_view data) {
      if (flowing) {
        sink_failed = !sink(data);
        return !sink_failed;
      }
      held.append(data);
      if (held.size() >= (64 << 10)) {
        flowing = true;
        sink_failed = !sink(held);
        held.clear();
        return !sink_failed;
      }
      return true;
    });
    if (sink_failed) {
      return tl::unexpected(ApiError{0, "", "cannot write the output (disk full or pipe closed)"});
    }
    if (!resp) {
      return tl::unexpected(ApiError{
          0, "", fmt::format("cannot reach the server ({}): {}", base_, resp.error().message)});
    }
    if (resp->status < 200 || resp->status >= 300) {
      http::ClientResponse copy = *resp;
      copy.body = held;
      auto r = Interpret(copy);
      return tl::unexpected(r ? ApiError{resp->status, "", "unexpected answer"} : r.error());
    }
    if (!held.empty() && !sink(held)) {
      return tl::unexpected(ApiError{0, "", "cannot write the output (disk full or pipe closed)"});
    }
    return {};
  }

  const std::string& base() const { return base_; }

 private:
  static ApiResult<Json> Interpret(const http::ClientResponse& resp) {
    Json doc;
    bool parsed = false;
    if (!resp.body.empty()) {
      doc = Json::parse(resp.body, nullptr, /*allow_exceptions=*/false);
      parsed = !doc.is_discarded();
    }
    if (resp.status >= 200 && resp.status < 300) {
      if (resp.body.empty()) {
        return Json::object();
      }
      if (!parsed) {
        return tl::unexpected(ApiError{resp.status, "",
                                       "the server's answer is not JSON: is --host pointing at a "
                                       "Lakeshare server?"});
      }
      return doc;
    }
    ApiError e;
    e.status = resp.status;
    if (parsed && doc.is_object()) {
      for (const char* k : {"error_code", "errorCode"}) {
        if (doc.contains(k) && doc[k].is_string()) {
          e.error_code = doc[k].get<std::string>();
        }
      }
      if (doc.contains("message") && doc["message"].is_string()) {
        e.message = doc["message"].get<std::string>();
      }
    }
    if (e.message.empty()) {
      e.message = fmt::format("HTTP {}", resp.status);
    }
    return tl::unexpected(e);
  }

  std::string base_;
  std::string token_;
  std::unique_ptr<http::Client> client_;
};

// ----- output ------------------------------------------------------------------------------------

bool IsTimeKey(std::string_view key) {
  auto ends = [&](std::string_view suffix) {
    return key.size() >= suffix.size() && key.substr(key.size() - suffix.size()) == suffix;
  };
  return ends("_at") || ends("_time") || ends("_time_ms") || key == "timestamp" ||
         key == "event_time";
}

std::string Cell(const Json& v, std::string_view key = {}) {
  if (v.is_null()) {
    return "";
  }
  if (v.is_string()) {
    return v.get<std::string>();
  }
  if (v.is_boolean()) {
    return v.get<bool>() ? "true" : "false";
  }
  if (v.is_number_integer() && IsTimeKey(key) && v.get<int64_t>() > 0) {
    return delta::FormatIsoMillis(v.get<int64_t>());
  }
  if (v.is_object() && v.contains("properties") && v["properties"].is_object()) {
    std::string out;  // properties_kvpairs
    for (auto it = v["properties"].begin(); it != v["properties"].end(); ++it) {
      out += out.empty() ? "" : ",";
      out += it.key() + "=" + Cell(it.value());
    }
    return out;
  }
  if (v.is_object() && v.contains("allowed_ip_addresses")) {
    return Cell(v["allowed_ip_addresses"]);
  }
  if (v.is_array() &&
      std::all_of(v.begin(), v.end(), [](const Json& e) { return e.is_string(); })) {
    std::string out;
    for (const Json& e : v) {
      out += out.empty() ? "" : ",";
      out += e.get<std::string>();
    }
    return out;
  }
  return v.dump();
}

// The value at a '/'-separated path in `v`, trying alternatives separated by '|'.
const Json* Lookup(const Json& v, std::string_view paths) {
  for (std::string_view path : Split(paths, '|')) {
    const Json* cur = &v;
    for (std::string_view part : Split(path, '/')) {
      if (!cur->is_object()) {
        cur = nullptr;
        break;
      }
      auto it = cur->find(std::string(part));
      if (it == cur->end()) {
        cur = nullptr;
        break;
      }
      cur = &*it;
    }
    if (cur != nullptr && !cur->is_null()) {
      return cur;
    }
  }
  return nullptr;
}

struct Column {
  std::string title;
  std::string paths;  // see Lookup
};

void PrintRows(const Json& items, const std::vector<Column>& columns) {
  std::vector<std::string> header;
  header.reserve(columns.size());
  for (const Column& c : columns) {
    header.push_back(c.title);
  }
  std::vector<std::vector<std::string>> rows;
  for (const Json& item : items) {
    std::vector<std::string> row;
    for (const Column& c : columns) {
      const Json* v = Lookup(item, c.paths);
      std::string key(
          c.paths.substr(c.paths.rfind('/') == std::string::npos ? 0 : c.paths.rfind('/') + 1));
      row.push_back(v ? Cell(*v, key.substr(0, key.find('|'))) : "");
    }
    rows.push_back(std::move(row));
  }
  std::fputs(admin::FormatTable(header, rows).c_str(), stdout);
}

// Print an object as aligned "key  value" lines; `skip` keys are left out.
void PrintObject(const Json& obj, const std::set<std::string>& skip = {}) {
  std::vector<std::vector<std::string>> rows;
  for (auto it = obj.begin(); it != obj.end(); ++it) {
    if (skip.count(it.key())) {
      continue;
    }
    rows.push_back({it.key(), Cell(it.value(), it.key())});
  }
  std::string text = admin::FormatTable({"field", "value"}, rows);
  std::fputs(text.substr(text.find('\n') + 1).c_str(), stdout);
}

void PrintJson(const Json& doc) { std::printf("%s\n", doc.dump(2).c_str()); }

// ----- errors ------------------------------------------------------------------------------------

/// What the user ran, for hints: "shares", "get".
struct Context {
  std::string noun;
  std::string verb;
};

std::string Hint(const ApiError& e, const Context& ctx, const GlobalOptions& g) {
  const std::string command = ctx.verb.empty() ? ctx.noun : ctx.noun + " " + ctx.verb;
  if (e.error_code == "USAGE") {
    return fmt::format("see `lakeshare admin {} --help`", command);
  }
  if (e.status == 0) {
    return fmt::format(
        "is the server running? Start it with `lakeshare serve --data-dir DIR`, or point --host "
        "(or LAKESHARE_HOST) at it; now {}",
        g.host);
  }
  if (e.status == 401) {
    return "pass the admin token with --token-file DATA_DIR/admin-token, LAKESHARE_TOKEN or "
           "--token";
  }
  if (e.status == 403) {
    return "this token may not do that: ask a metastore admin or the object's owner for the "
           "privilege";
  }
  if (e.status == 404) {
    if (e.error_code.empty() || e.message.rfind("No endpoint", 0) == 0) {
      return "the server does not serve the management API: start it with `lakeshare serve "
             "--data-dir DIR`";
    }
    return fmt::format("check the name; `lakeshare admin {} list` shows what exists", ctx.noun);
  }
  if (e.already_exists()) {
    return fmt::format(
        "the name is taken: choose another, or use `lakeshare admin {} get` / `update` on it",
        ctx.noun);
  }
  if (e.client_error()) {
    return fmt::format(
        "fix the value the message names; `lakeshare admin {} --help` lists the options", command);
  }
  return "the server failed: its log has the details under the request id; retry later";
}

std::string Describe(const ApiError& e) {
  if (e.status == 0 || e.error_code == "USAGE") {
    return e.message;
  }
  if (e.error_code.empty()) {
    return fmt::format("{} (HTTP {})", e.message, e.status);
  }
  return fmt::format("{} ({}, HTTP {})", e.message, e.error_code, e.status);
}

int Report(const ApiError& e, const Context& ctx, const GlobalOptions& g) {
  std::fprintf(stderr, "error: %s\nhint: %s\n", Describe(e).c_str(), Hint(e, ctx, g).c_str());
  return e.status == 0 || e.status >= 500 ? 1 : 2;
}

// ----- token -------------------------------------------------------------------------------------

ApiResult<std::string> ResolveToken(const GlobalOptions& g) {
  if (!g.token.empty()) {
    return g.token;
  }
  if (g.token_file.empty()) {
    return tl::unexpected(UsageError(
        "no admin token: pass --token-file DATA_DIR/admin-token (written by the first `lakeshare "
        "serve --data-dir DATA_DIR`), or set LAKESHARE_TOKEN"));
  }
  std::ifstream in(g.token_file);
  if (!in) {
    return tl::unexpected(UsageError(fmt::format(
        "cannot read the token file '{}': check the path (DATA_DIR/admin-token) and that you may "
        "read it",
        g.token_file)));
  }
  std::stringstream ss;
  ss << in.rdbuf();
  std::string token = std::string(admin::Trim(ss.str()));
  if (token.empty()) {
    return tl::unexpected(UsageError(fmt::format("the token file '{}' is empty", g.token_file)));
  }
  return token;
}

// ----- paging ------------------------------------------------------------------------------------

/// Every item of a paged list call: follows next_page_token until absent. `limit` < 0: all.
ApiResult<Json> ListAll(Api& api, const std::string& path, const std::vector<http::Field>& query,
                        const std::string& key, int64_t limit = -1) {
  Json all = Json::array();
  std::string token;
  for (;;) {
    std::vector<http::Field> q = query;
    q.emplace_back("max_results", "500");
    if (!token.empty()) {
      q.emplace_back("page_token", token);
    }
    auto page = api.Call("GET", path, q);
    if (!page) {
      return tl::unexpected(page.error());
    }
    if (auto it = page->find(key); it != page->end() && it->is_array()) {
      for (Json& item : *it) {
        if (limit >= 0 && static_cast<int64_t>(all.size()) >= limit) {
          break;
        }
        all.push_back(std::move(item));
      }
    }
    auto next = page->find("next_page_token");
    if (next == page->end() || !next->is_string() || next->get<std::string>().empty() ||
        (limit >= 0 && static_cast<int64_t>(all.size()) >= limit)) {
      return all;
    }
    if (next->get<std::string>() == token) {
      return tl::unexpected(ApiError{500, "", "the server returned the same page token twice"});
    }
    token = next->get<std::string>();
  }
}

// ----- command plumbing
// ----------------------------------------------------------------------------

GlobalOptions& Globals() {
  static GlobalOptions* g = new GlobalOptions;
  return *g;
}

using Action = std::function<ApiResult<void>(Api& api, const GlobalOptions& g)>;

int RunAction(const Context& ctx, const Action& action) {
  const GlobalOptions& g = Globals();
  auto token = ResolveToken(g);
  if (!token) {
    return Report(token.error(), ctx, g);
  }
  Api api(g.host, *token);
  auto result = action(api, g);
  if (!result) {
    return Report(result.error(), ctx, g);
  }
  return 0;
}

CLI::App* Verb(CLI::App* noun, const std::string& verb, const std::string& description,
               const Action& action) {
  CLI::App* cmd = noun->add_subcommand(verb, description);
  cmd->fallthrough();
  Context ctx{noun->get_name(), verb};
  cmd->callback([ctx, action] { std::exit(RunAction(ctx, action)); });
  return cmd;
}

ApiResult<void> Done(ApiResult<Json> r, const GlobalOptions& g, const std::string& what) {
  if (!r) {
    return tl::unexpected(r.error());
  }
  if (g.json) {
    PrintJson(*r);
  } else {
    std::printf("%s\n", what.c_str());
  }
  return {};
}

ApiResult<void> ShowObject(ApiResult<Json> r, const GlobalOptions& g) {
  if (!r) {
    return tl::unexpected(r.error());
  }
  if (g.json) {
    PrintJson(*r);
  } else {
    PrintObject(*r);
  }
  return {};
}

ApiResult<void> ShowList(ApiResult<Json> r, const GlobalOptions& g, const std::string& key,
                         const std::vector<Column>& columns) {
  if (!r) {
    return tl::unexpected(r.error());
  }
  if (g.json) {
    Json doc = Json::object();
    doc[key] = std::move(*r);
    PrintJson(doc);
  } else {
    PrintRows(*r, columns);
  }
  return {};
}

// Fields for the PATCH of an object, from flags that were given.
struct UpdateFlags {
  std::string new_name;
  std::string comment;
  std::string owner;

  void Add(CLI::App* cmd) {
    cmd->add_option("--new-name", new_name, "Rename");
    cmd->add_option("--comment", comment, "New comment");
    cmd->add_option("--owner", owner, "New owner (user or group)");
  }
  Json Body() const {
    Json body = Json::object();
    if (!new_name.empty()) {
      body["new_name"] = new_name;
    }
    if (!comment.empty()) {
      body["comment"] = comment;
    }
    if (!owner.empty()) {
      body["owner"] = owner;
    }
    return body;
  }
};

ApiResult<void> NeedChanges(const Json& body, const std::string& flags) {
  if (body.empty()) {
    return tl::unexpected(UsageError("nothing to update: give at least one of " + flags));
  }
  return {};
}

// ----- catalogs, schemas, tables
// -------------------------------------------------------------------

void AddCatalogCommands(CLI::App* admin) {
  CLI::App* noun = admin->add_subcommand("catalogs", "Catalogs (the top level of table names)");
  noun->require_subcommand(1);
  noun->fallthrough();
  {
    auto o = std::make_shared<std::pair<std::string, std::string>>();
    auto* c = Verb(noun, "create", "Create a catalog", [o](Api& api, const GlobalOptions& g) {
      Json body = {{"name", o->first}};
      if (!o->second.empty()) {
        body["comment"] = o->second;
      }
      return Done(api.Uc("POST", "catalogs", {}, &body), g,
                  fmt::format("catalog {} created", o->first));
    });
    c->add_option("NAME", o->first, "Catalog name")->required();
    c->add_option("--comment", o->second, "Comment");
  }
  Verb(noun, "list", "List catalogs", [](Api& api, const GlobalOptions& g) {
    return ShowList(
        ListAll(api, std::string(kUcPrefix) + "catalogs", {}, "catalogs"), g, "catalogs",
        {{"NAME", "name"}, {"OWNER", "owner"}, {"COMMENT", "comment"}, {"CREATED", "created_at"}});
  });
  {
    auto name = std::make_shared<std::string>();
    auto* c = Verb(noun, "get", "Show a catalog", [name](Api& api, const GlobalOptions& g) {
      return ShowObject(api.Uc("GET", "catalogs/" + EncodePathSegment(*name)), g);
    });
    c->add_option("NAME", *name, "Catalog name")->required();
  }
  {
    auto name = std::make_shared<std::string>();
    auto flags = std::make_shared<UpdateFlags>();
    auto* c = Verb(noun, "update", "Rename a catalog or change its comment or owner",
                   [name, flags](Api& api, const GlobalOptions& g) -> ApiResult<void> {
                     Json body = flags->Body();
                     if (auto st = NeedChanges(body, "--new-name, --comment, --owner"); !st) {
                       return st;
                     }
                     return ShowObject(
                         api.Uc("PATCH", "catalogs/" + EncodePathSegment(*name), {}, &body), g);
                   });
    c->add_option("NAME", *name, "Catalog name")->required();
    flags->Add(c);
  }
  {
    auto name = std::make_shared<std::string>();
    auto force = std::make_shared<bool>(false);
    auto* c =
        Verb(noun, "delete", "Delete a catalog", [name, force](Api& api, const GlobalOptions& g) {
          std::vector<http::Field> q;
          if (*force) {
            q.emplace_back("force", "true");
          }
          return Done(api.Uc("DELETE", "catalogs/" + EncodePathSegment(*name), q), g,
                      fmt::format("catalog {} deleted", *name));
        });
    c->add_option("NAME", *name, "Catalog name")->required();
    c->add_flag("--force", *force, "Delete even if it holds schemas");
  }
}

void AddSchemaCommands(CLI::App* admin) {
  CLI::App* noun = admin->add_subcommand("schemas", "Schemas (catalog.schema)");
  noun->require_subcommand(1);
  noun->fallthrough();
  {
    struct Opts {
      std::string name, catalog, comment;
    };
    auto o = std::make_shared<Opts>();
    auto* c =
        Verb(noun, "create", "Create a schema in a catalog", [o](Api& api, const GlobalOptions& g) {
          Json body = {{"name", o->name}, {"catalog_name", o->catalog}};
          if (!o->comment.empty()) {
            body["comment"] = o->comment;
          }
          return Done(api.Uc("POST", "schemas", {}, &body), g,
                      fmt::format("schema {}.{} created", o->catalog, o->name));
        });
    c->add_option("NAME", o->name, "Schema name")->required();
    c->add_option("CATALOG", o->catalog, "Catalog it belongs to")->required();
    c->add_option("--comment", o->comment, "Comment");
  }
  {
    auto catalog = std::make_shared<std::string>();
    auto* c = Verb(noun, "list", "List the schemas of a catalog",
                   [catalog](Api& api, const GlobalOptions& g) {
                     return ShowList(ListAll(api, std::string(kUcPrefix) + "schemas",
                                             {{"catalog_name", *catalog}}, "schemas"),
                                     g, "schemas",
                                     {{"FULL NAME", "full_name"},
                                      {"OWNER", "owner"},
                                      {"COMMENT", "comment"},
                                      {"CREATED", "created_at"}});
                   });
    c->add_option("CATALOG", *catalog, "Catalog name")->required();
  }
  {
    auto name = std::make_shared<std::string>();
    auto* c = Verb(noun, "get", "Show a schema", [name](Api& api, const GlobalOptions& g) {
      return ShowObject(api.Uc("GET", "schemas/" + EncodePathSegment(*name)), g);
    });
    c->add_option("FULL_NAME", *name, "catalog.schema")->required();
  }
  {
    auto name = std::make_shared<std::string>();
    auto flags = std::make_shared<UpdateFlags>();
    auto* c = Verb(noun, "update", "Rename a schema or change its comment or owner",
                   [name, flags](Api& api, const GlobalOptions& g) -> ApiResult<void> {
                     Json body = flags->Body();
                     if (auto st = NeedChanges(body, "--new-name, --comment, --owner"); !st) {
                       return st;
                     }
                     return ShowObject(
                         api.Uc("PATCH", "schemas/" + EncodePathSegment(*name), {}, &body), g);
                   });
    c->add_option("FULL_NAME", *name, "catalog.schema")->required();
    flags->Add(c);
  }
  {
    auto name = std::make_shared<std::string>();
    auto* c = Verb(noun, "delete", "Delete a schema", [name](Api& api, const GlobalOptions& g) {
      return Done(api.Uc("DELETE", "schemas/" + EncodePathSegment(*name)), g,
                  fmt::format("schema {} deleted", *name));
    });
    c->add_option("FULL_NAME", *name, "catalog.schema")->required();
  }
}

Json TableBody(const admin::TableItem& item, const std::string& comment) {
  std::vector<std::string_view> parts = Split(item.name, '.');
  Json body = {{"name", std::string(parts[2])},        {"catalog_name", std::string(parts[0])},
               {"schema_name", std::string(parts[1])}, {"table_type", "EXTERNAL"},
               {"data_source_format", "DELTA"},        {"storage_location", item.location}};
  if (!comment.empty()) {
    body["comment"] = comment;
  }
  return body;
}

void AddTableCommands(CLI::App* admin) {
  CLI::App* noun =
      admin->add_subcommand("tables", "Tables (external Delta tables registered by location)");
  noun->require_subcommand(1);
  noun->fallthrough();
  {
    struct Opts {
      std::string name, location, comment;
    };
    auto o = std::make_shared<Opts>();
    auto* c =
        Verb(noun, "create", "Register a Delta table by its storage location",
             [o](Api& api, const GlobalOptions& g) -> ApiResult<void> {
               auto item = admin::ParseTableItem(o->name + "=" + o->location);
               if (!item) {
                 return tl::unexpected(UsageError(item.error().message));
               }
               Json body = TableBody(*item, o->comment);
               return Done(api.Uc("POST", "tables", {}, &body), g,
                           fmt::format("table {} registered at {}", item->name, item->location));
             });
    c->add_option("FULL_NAME", o->name, "catalog.schema.table")->required();
    c->add_option("--storage-location", o->location,
                  "Where the Delta table lives: a local folder or s3://bucket/path")
        ->required();
    c->add_option("--comment", o->comment, "Comment");
  }
  {
    auto o = std::make_shared<std::pair<std::string, std::string>>();
    auto* c =
        Verb(noun, "list", "List the tables of a schema", [o](Api& api, const GlobalOptions& g) {
          return ShowList(
              ListAll(api, std::string(kUcPrefix) + "tables",
                      {{"catalog_name", o->first}, {"schema_name", o->second}}, "tables"),
              g, "tables",
              {{"FULL NAME", "full_name"},
               {"TYPE", "table_type"},
               {"LOCATION", "storage_location"},
               {"CREATED", "created_at"}});
        });
    c->add_option("CATALOG", o->first, "Catalog name")->required();
    c->add_option("SCHEMA", o->second, "Schema name")->required();
  }
  {
    auto name = std::make_shared<std::string>();
    auto* c = Verb(noun, "get", "Show a table", [name](Api& api, const GlobalOptions& g) {
      return ShowObject(api.Uc("GET", "tables/" + EncodePathSegment(*name)), g);
    });
    c->add_option("FULL_NAME", *name, "catalog.schema.table")->required();
  }
  {
    auto name = std::make_shared<std::string>();
    auto flags = std::make_shared<UpdateFlags>();
    auto* c = Verb(noun, "update", "Change a table's comment or owner",
                   [name, flags](Api& api, const GlobalOptions& g) -> ApiResult<void> {
                     Json body = flags->Body();
                     if (auto st = NeedChanges(body, "--comment, --owner"); !st) {
                       return st;
                     }
                     return ShowObject(
                         api.Uc("PATCH", "tables/" + EncodePathSegment(*name), {}, &body), g);
                   });
    c->add_option("FULL_NAME", *name, "catalog.schema.table")->required();
    c->add_option("--comment", flags->comment, "New comment");
    c->add_option("--owner", flags->owner, "New owner (user or group)");
  }
  {
    auto name = std::make_shared<std::string>();
    auto* c = Verb(noun, "delete", "Unregister a table (its files stay)",
                   [name](Api& api, const GlobalOptions& g) {
                     return Done(api.Uc("DELETE", "tables/" + EncodePathSegment(*name)), g,
                                 fmt::format("table {} deleted", *name));
                   });
    c->add_option("FULL_NAME", *name, "catalog.schema.table")->required();
  }
}

// ----- shares
// --------------------------------------------------------------------------------------

/// How a table is shared: the data_object of a share update (UC SharedDataObject).
struct ShareTableFlags {
  std::string shared_as;
  bool with_history = false;
  bool cdf = false;
  int64_t start_version = -1;
  std::string comment;
  std::vector<std::string> partitions;  // COLUMN=VALUE or COLUMN=@KEY

  void Add(CLI::App* cmd) {
    cmd->add_option("--as", shared_as, "Name recipients see, schema.table (default: the source's)");
    cmd->add_flag("--with-history", with_history,
                  "Share the table's history: time travel and the change data feed");
    cmd->add_flag("--cdf", cdf, "Share the change data feed (implies --with-history)");
    cmd->add_option("--start-version", start_version, "Lowest version recipients may read");
    cmd->add_option("--comment", comment, "Comment");
    cmd->add_option("--partition", partitions,
                    "Share only a partition: COLUMN=VALUE, or COLUMN=@KEY for the value of each "
                    "recipient's property KEY (repeat: all must hold)");
  }
};

ApiResult<Json> PartitionsJson(const std::vector<admin::PartitionItem>& items) {
  if (items.empty()) {
    return Json();
  }
  Json values = Json::array();
  for (const admin::PartitionItem& p : items) {
    Json v = {{"name", p.column}, {"op", "EQUAL"}};
    if (p.from_property) {
      v["recipient_property_key"] = p.value;
    } else {
      v["value"] = p.value;
    }
    values.push_back(std::move(v));
  }
  return Json::array({Json{{"values", std::move(values)}}});
}

Json DataObject(const std::string& table, bool history, bool cdf, const std::string& shared_as,
                int64_t start_version, const std::string& comment, const Json& partitions) {
  Json o = {{"name", table}, {"data_object_type", "TABLE"}};
  o["history_data_sharing_status"] = history || cdf ? "ENABLED" : "DISABLED";
  if (cdf) {
    o["cdf_enabled"] = true;
  }
  if (!shared_as.empty()) {
    o["shared_as"] = shared_as;
  }
  if (start_version >= 0) {
    o["start_version"] = start_version;
  }
  if (!comment.empty()) {
    o["comment"] = comment;
  }
  if (!partitions.is_null()) {
    o["partitions"] = partitions;
  }
  return o;
}

std::string PartitionsCell(const Json& partitions) {
  std::string out;
  for (const Json& p : partitions) {
    std::string conj;
    if (const Json* values = Lookup(p, "values")) {
      for (const Json& v : *values) {
        conj += conj.empty() ? "" : " AND ";
        conj += Cell(v.value("name", Json())) + " " + Cell(v.value("op", Json("EQUAL"))) + " ";
        if (v.contains("recipient_property_key")) {
          conj += "@" + Cell(v["recipient_property_key"]);
        } else {
          conj += Cell(v.value("value", Json()));
        }
      }
    }
    out += out.empty() ? "" : " OR ";
    out += conj;
  }
  return out;
}

void PrintShare(const Json& share) {
  PrintObject(share, {"objects"});
  if (const Json* objects = Lookup(share, "objects"); objects && objects->is_array()) {
    std::printf("\n");
    std::vector<std::vector<std::string>> rows;
    for (const Json& o : *objects) {
      rows.push_back({Cell(o.value("name", Json())), Cell(o.value("shared_as", Json())),
                      Cell(o.value("history_data_sharing_status", Json())),
                      Cell(o.value("cdf_enabled", Json())),
                      PartitionsCell(o.value("partitions", Json::array())),
                      Cell(o.value("status", Json()))});
    }
    std::fputs(
        admin::FormatTable({"OBJECT", "SHARED AS", "HISTORY", "CDF", "PARTITIONS", "STATUS"}, rows)
            .c_str(),
        stdout);
  }
}

void AddShareCommands(CLI::App* admin) {
  CLI::App* noun = admin->add_subcommand("shares", "Shares (groups of tables granted to partners)");
  noun->require_subcommand(1);
  noun->fallthrough();
  {
    auto o = std::make_shared<std::pair<std::string, std::string>>();
    auto* c = Verb(noun, "create", "Create a share", [o](Api& api, const GlobalOptions& g) {
      Json body = {{"name", o->first}};
      if (!o->second.empty()) {
        body["comment"] = o->second;
      }
      return Done(api.Uc("POST", "shares", {}, &body), g,
                  fmt::format("share {} created; add tables with `lakeshare admin shares "
                              "add-table {} CATALOG.SCHEMA.TABLE`",
                              o->first, o->first));
    });
    c->add_option("NAME", o->first, "Share name")->required();
    c->add_option("--comment", o->second, "Comment");
  }
  Verb(noun, "list", "List shares", [](Api& api, const GlobalOptions& g) {
    return ShowList(
        ListAll(api, std::string(kUcPrefix) + "shares", {}, "shares"), g, "shares",
        {{"NAME", "name"}, {"OWNER", "owner"}, {"COMMENT", "comment"}, {"CREATED", "created_at"}});
  });
  {
    auto name = std::make_shared<std::string>();
    auto* c = Verb(noun, "get", "Show a share and its tables",
                   [name](Api& api, const GlobalOptions& g) -> ApiResult<void> {
                     auto r = api.Uc("GET", "shares/" + EncodePathSegment(*name),
                                     {{"include_shared_data", "true"}});
                     if (!r) {
                       return tl::unexpected(r.error());
                     }
                     if (g.json) {
                       PrintJson(*r);
                     } else {
                       PrintShare(*r);
                     }
                     return {};
                   });
    c->add_option("NAME", *name, "Share name")->required();
  }
  {
    auto name = std::make_shared<std::string>();
    auto flags = std::make_shared<UpdateFlags>();
    auto* c = Verb(noun, "update", "Rename a share or change its comment or owner",
                   [name, flags](Api& api, const GlobalOptions& g) -> ApiResult<void> {
                     Json body = flags->Body();
                     if (auto st = NeedChanges(body, "--new-name, --comment, --owner"); !st) {
                       return st;
                     }
                     return ShowObject(
                         api.Uc("PATCH", "shares/" + EncodePathSegment(*name), {}, &body), g);
                   });
    c->add_option("NAME", *name, "Share name")->required();
    flags->Add(c);
  }
  {
    auto name = std::make_shared<std::string>();
    auto* c = Verb(noun, "delete", "Delete a share (recipients lose access at once)",
                   [name](Api& api, const GlobalOptions& g) {
                     return Done(api.Uc("DELETE", "shares/" + EncodePathSegment(*name)), g,
                                 fmt::format("share {} deleted", *name));
                   });
    c->add_option("NAME", *name, "Share name")->required();
  }
  {
    auto o = std::make_shared<std::pair<std::string, std::string>>();
    auto flags = std::make_shared<ShareTableFlags>();
    auto* c = Verb(
        noun, "add-table", "Add a registered table to a share",
        [o, flags](Api& api, const GlobalOptions& g) -> ApiResult<void> {
          std::vector<admin::PartitionItem> parts;
          for (const std::string& p : flags->partitions) {
            auto item = admin::ParsePartitionItem(o->second + ":" + p);
            if (!item) {
              return tl::unexpected(UsageError(item.error().message));
            }
            parts.push_back(std::move(*item));
          }
          auto partitions = PartitionsJson(parts);
          Json body = {
              {"updates", Json::array({Json{
                              {"action", "ADD"},
                              {"data_object", DataObject(o->second, flags->with_history, flags->cdf,
                                                         flags->shared_as, flags->start_version,
                                                         flags->comment, *partitions)}}})}};
          auto r = api.Uc("PATCH", "shares/" + EncodePathSegment(o->first), {}, &body);
          if (!r) {
            return tl::unexpected(r.error());
          }
          if (g.json) {
            PrintJson(*r);
          } else {
            std::printf("table %s added to share %s\n", o->second.c_str(), o->first.c_str());
          }
          return {};
        });
    c->add_option("SHARE", o->first, "Share name")->required();
    c->add_option("TABLE", o->second, "catalog.schema.table")->required();
    flags->Add(c);
  }
  {
    auto o = std::make_shared<std::pair<std::string, std::string>>();
    auto* c = Verb(
        noun, "remove-table", "Remove a table from a share", [o](Api& api, const GlobalOptions& g) {
          Json body = {
              {"updates",
               Json::array(
                   {Json{{"action", "REMOVE"},
                         {"data_object", {{"name", o->second}, {"data_object_type", "TABLE"}}}}})}};
          return Done(api.Uc("PATCH", "shares/" + EncodePathSegment(o->first), {}, &body), g,
                      fmt::format("table {} removed from share {}", o->second, o->first));
        });
    c->add_option("SHARE", o->first, "Share name")->required();
    c->add_option("TABLE", o->second, "catalog.schema.table (or the name it is shared as)")
        ->required();
  }
}

void AddSharePermissionCommands(CLI::App* admin) {
  CLI::App* noun =
      admin->add_subcommand("share-permissions", "Which recipients may read a share (SELECT)");
  noun->require_subcommand(1);
  noun->fallthrough();
  const std::vector<Column> columns = {{"PRINCIPAL", "principal"}, {"PRIVILEGES", "privileges"}};
  {
    auto name = std::make_shared<std::string>();
    auto* c = Verb(noun, "get", "List the recipients granted a share",
                   [name, columns](Api& api, const GlobalOptions& g) {
                     return ShowList(ListAll(api,
                                             std::string(kUcPrefix) + "shares/" +
                                                 EncodePathSegment(*name) + "/permissions",
                                             {}, "privilege_assignments"),
                                     g, "privilege_assignments", columns);
                   });
    c->add_option("SHARE", *name, "Share name")->required();
  }
  {
    struct Opts {
      std::string share;
      std::vector<std::string> grant, revoke;
    };
    auto o = std::make_shared<Opts>();
    auto* c = Verb(noun, "update", "Grant or revoke SELECT on a share",
                   [o, columns](Api& api, const GlobalOptions& g) -> ApiResult<void> {
                     if (o->grant.empty() && o->revoke.empty()) {
                       return tl::unexpected(
                           UsageError("nothing to change: give --grant RECIPIENT and/or "
                                      "--revoke RECIPIENT"));
                     }
                     Json changes = Json::array();
                     for (const std::string& r : o->grant) {
                       changes.push_back({{"principal", r}, {"add", {"SELECT"}}});
                     }
                     for (const std::string& r : o->revoke) {
                       changes.push_back({{"principal", r}, {"remove", {"SELECT"}}});
                     }
                     Json body = {{"changes", changes}};
                     auto r =
                         api.Uc("PATCH", "shares/" + EncodePathSegment(o->share) + "/permissions",
                                {}, &body);
                     if (!r) {
                       return tl::unexpected(r.error());
                     }
                     if (g.json) {
                       PrintJson(*r);
                     } else if (const Json* a = Lookup(*r, "privilege_assignments")) {
                       PrintRows(*a, columns);
                     } else {
                       std::printf("permissions of share %s updated\n", o->share.c_str());
                     }
                     return {};
                   });
    c->add_option("SHARE", o->share, "Share name")->required();
    c->add_option("--grant", o->grant, "Recipient to grant SELECT (repeatable)");
    c->add_option("--revoke", o->revoke, "Recipient to revoke SELECT from (repeatable)");
  }
}

// ----- recipients
// ----------------------------------------------------------------------------------

/// The activation link of a RecipientInfo: the top-level field, else the newest token's.
std::string ActivationUrl(const Json& recipient) {
  if (const Json* url = Lookup(recipient, "activation_url");
      url && url->is_string() && !url->get<std::string>().empty()) {
    return url->get<std::string>();
  }
  std::string best;
  int64_t best_created = -1;
  if (const Json* tokens = Lookup(recipient, "tokens"); tokens && tokens->is_array()) {
    for (const Json& t : *tokens) {
      const Json* url = Lookup(t, "activation_url");
      if (url == nullptr || !url->is_string() || url->get<std::string>().empty()) {
        continue;
      }
      const Json* created = Lookup(t, "created_at");
      int64_t c = created && created->is_number_integer() ? created->get<int64_t>() : 0;
      if (c >= best_created) {
        best_created = c;
        best = url->get<std::string>();
      }
    }
  }
  return best;
}

Json WithoutLinks(Json recipient) {
  recipient.erase("activation_url");
  if (auto it = recipient.find("tokens"); it != recipient.end() && it->is_array()) {
    for (Json& t : *it) {
      t.erase("activation_url");
    }
  }
  return recipient;
}

ApiResult<Json> PropertiesJson(const std::vector<std::string>& props) {
  Json map = Json::object();
  for (const std::string& p : props) {
    auto kv = admin::ParseProperty(p);
    if (!kv) {
      return tl::unexpected(UsageError(kv.error().message));
    }
    map[kv->first] = kv->second;
  }
  return map;
}

void PrintRecipient(const Json& r, bool with_link) {
  PrintObject(WithoutLinks(r), {"tokens"});
  if (const Json* tokens = Lookup(r, "tokens"); tokens && tokens->is_array() && !tokens->empty()) {
    std::printf("\n");
    PrintRows(*tokens, {{"TOKEN ID", "id"},
                        {"CREATED", "created_at"},
                        {"EXPIRES", "expiration_time"},
                        {"UPDATED", "updated_at"}});
  }
  const std::string link = ActivationUrl(r);
  if (with_link && !link.empty()) {
    std::printf("\nactivation link (send it to the partner; it works once):\n  %s\n", link.c_str());
  }
}

void AddRecipientCommands(CLI::App* admin) {
  CLI::App* noun = admin->add_subcommand("recipients", "Recipients (one per partner)");
  noun->require_subcommand(1);
  noun->fallthrough();
  {
    struct Opts {
      std::string name, comment, expiration;
      std::vector<std::string> ips, props;
    };
    auto o = std::make_shared<Opts>();
    auto* c = Verb(noun, "create", "Create a token recipient and print its activation link",
                   [o](Api& api, const GlobalOptions& g) -> ApiResult<void> {
                     Json body = {{"name", o->name}, {"authentication_type", "TOKEN"}};
                     if (!o->comment.empty()) {
                       body["comment"] = o->comment;
                     }
                     if (!o->ips.empty()) {
                       body["ip_access_list"] = {{"allowed_ip_addresses", o->ips}};
                     }
                     if (!o->props.empty()) {
                       auto props = PropertiesJson(o->props);
                       if (!props) {
                         return tl::unexpected(props.error());
                       }
                       body["properties_kvpairs"] = {{"properties", *props}};
                     }
                     if (!o->expiration.empty()) {
                       auto t = admin::ParseTimeArg(o->expiration, NowMs(), /*future=*/true);
                       if (!t) {
                         return tl::unexpected(UsageError(t.error().message));
                       }
                       body["expiration_time"] = *t;
                     }
                     auto r = api.Uc("POST", "recipients", {}, &body);
                     if (!r) {
                       return tl::unexpected(r.error());
                     }
                     if (g.json) {
                       PrintJson(*r);
                     } else {
                       std::printf("recipient %s created\n\n", o->name.c_str());
                       PrintRecipient(*r, true);
                     }
                     return {};
                   });
    c->add_option("NAME", o->name, "Recipient name")->required();
    c->add_option("--comment", o->comment, "Comment");
    c->add_option("--ip", o->ips, "Allowed IP address or CIDR range (repeatable)");
    c->add_option("--property", o->props, "Property KEY=VALUE (repeatable)");
    c->add_option("--expiration-time", o->expiration,
                  "When its tokens stop working (ISO-8601, epoch ms, or 90d from now)");
  }
  Verb(noun, "list", "List recipients", [](Api& api, const GlobalOptions& g) -> ApiResult<void> {
    auto all = ListAll(api, std::string(kUcPrefix) + "recipients", {}, "recipients");
    if (!all) {
      return tl::unexpected(all.error());
    }
    for (Json& r : *all) {
      r = WithoutLinks(std::move(r));  // a listing never shows links
    }
    return ShowList(std::move(all), g, "recipients",
                    {{"NAME", "name"},
                     {"AUTH", "authentication_type"},
                     {"ACTIVATED", "activated"},
                     {"PROPERTIES", "properties_kvpairs"},
                     {"IP ACCESS LIST", "ip_access_list"},
                     {"CREATED", "created_at"}});
  });
  {
    auto name = std::make_shared<std::string>();
    auto* c = Verb(noun, "get", "Show a recipient and its tokens",
                   [name](Api& api, const GlobalOptions& g) -> ApiResult<void> {
                     auto r = api.Uc("GET", "recipients/" + EncodePathSegment(*name));
                     if (!r) {
                       return tl::unexpected(r.error());
                     }
                     if (g.json) {
                       PrintJson(*r);
                     } else {
                       PrintRecipient(*r, true);
                     }
                     return {};
                   });
    c->add_option("NAME", *name, "Recipient name")->required();
  }
  {
    struct Opts {
      std::string name, expiration;
      UpdateFlags flags;
      std::vector<std::string> ips, props, remove_props;
      bool clear_ips = false;
    };
    auto o = std::make_shared<Opts>();
    auto* c =
        Verb(noun, "update",
             "Change a recipient: name, comment, owner, IP access list, properties, expiration",
             [o](Api& api, const GlobalOptions& g) -> ApiResult<void> {
               Json body = o->flags.Body();
               if (!o->ips.empty() || o->clear_ips) {
                 body["ip_access_list"] = {{"allowed_ip_addresses", o->ips}};
               }
               if (!o->props.empty() || !o->remove_props.empty()) {
                 // The update replaces the whole map: read, modify, write.
                 auto current = api.Uc("GET", "recipients/" + EncodePathSegment(o->name));
                 if (!current) {
                   return tl::unexpected(current.error());
                 }
                 Json map = Json::object();
                 if (const Json* p = Lookup(*current, "properties_kvpairs/properties");
                     p && p->is_object()) {
                   map = *p;
                 }
                 auto add = PropertiesJson(o->props);
                 if (!add) {
                   return tl::unexpected(add.error());
                 }
                 for (auto it = add->begin(); it != add->end(); ++it) {
                   map[it.key()] = it.value();
                 }
                 for (const std::string& k : o->remove_props) {
                   map.erase(k);
                 }
                 body["properties_kvpairs"] = {{"properties", map}};
               }
               if (!o->expiration.empty()) {
                 auto t = admin::ParseTimeArg(o->expiration, NowMs(), /*future=*/true);
                 if (!t) {
                   return tl::unexpected(UsageError(t.error().message));
                 }
                 body["expiration_time"] = *t;
               }
               if (auto st = NeedChanges(body,
                                         "--new-name, --comment, --owner, --ip, --clear-ip, "
                                         "--property, --remove-property, --expiration-time");
                   !st) {
                 return st;
               }
               auto r = api.Uc("PATCH", "recipients/" + EncodePathSegment(o->name), {}, &body);
               if (!r) {
                 return tl::unexpected(r.error());
               }
               if (g.json) {
                 PrintJson(WithoutLinks(*r));
               } else {
                 PrintRecipient(*r, false);
               }
               return {};
             });
    c->add_option("NAME", o->name, "Recipient name")->required();
    o->flags.Add(c);
    c->add_option("--ip", o->ips, "Allowed IP address or CIDR (repeatable; replaces the list)");
    c->add_flag("--clear-ip", o->clear_ips, "Remove the IP access list (open to any address)");
    c->add_option("--property", o->props, "Set property KEY=VALUE (repeatable)");
    c->add_option("--remove-property", o->remove_props, "Remove property KEY (repeatable)");
    c->add_option("--expiration-time", o->expiration,
                  "When its tokens stop working (ISO-8601, epoch ms, or 90d from now)");
  }
  {
    auto name = std::make_shared<std::string>();
    auto* c = Verb(noun, "delete", "Delete a recipient (its tokens stop working at once)",
                   [name](Api& api, const GlobalOptions& g) {
                     return Done(api.Uc("DELETE", "recipients/" + EncodePathSegment(*name)), g,
                                 fmt::format("recipient {} deleted", *name));
                   });
    c->add_option("NAME", *name, "Recipient name")->required();
  }
  {
    auto name = std::make_shared<std::string>();
    auto seconds = std::make_shared<int64_t>(-1);
    auto* c = Verb(
        noun, "rotate-token",
        "Issue a new token (and activation link); the current one expires within N seconds",
        [name, seconds](Api& api, const GlobalOptions& g) -> ApiResult<void> {
          Json body = {{"existing_token_expire_in_seconds", *seconds}};
          auto r =
              api.Uc("POST", "recipients/" + EncodePathSegment(*name) + "/rotate-token", {}, &body);
          if (!r) {
            return tl::unexpected(r.error());
          }
          if (g.json) {
            PrintJson(*r);
          } else {
            std::printf("token of recipient %s rotated; the previous token expires in %lld s\n",
                        name->c_str(), static_cast<long long>(*seconds));
            const std::string link = ActivationUrl(*r);
            if (!link.empty()) {
              std::printf("new activation link (send it to the partner; it works once):\n  %s\n",
                          link.c_str());
            }
          }
          return {};
        });
    c->add_option("NAME", *name, "Recipient name")->required();
    c->add_option("--existing-token-expire-in-seconds", *seconds,
                  "Grace for the current token (0: revoke now; can only shorten)")
        ->required()
        ->check(CLI::NonNegativeNumber);
  }
  {
    auto name = std::make_shared<std::string>();
    auto* c =
        Verb(noun, "share-permissions", "List the shares a recipient may read",
             [name](Api& api, const GlobalOptions& g) {
               return ShowList(ListAll(api,
                                       std::string(kUcPrefix) + "recipients/" +
                                           EncodePathSegment(*name) + "/share-permissions",
                                       {}, "permissions_out"),
                               g, "permissions_out",
                               {{"SHARE", "share_name"}, {"PRIVILEGES", "privilege_assignments"}});
             });
    c->add_option("NAME", *name, "Recipient name")->required();
  }
}

// ----- audit
// ---------------------------------------------------------------------------------------

struct AuditOptions {
  std::string from, to, since, action, principal, recipient;
  int64_t max_results = 100;
  bool jsonl = false;
};

ApiResult<void> RunAudit(Api& api, const GlobalOptions& g, const AuditOptions& o) {
  std::vector<http::Field> query;
  const int64_t now = NowMs();
  auto time_arg = [&](const std::string& text, const char* name) -> ApiResult<void> {
    if (text.empty()) {
      return {};
    }
    auto t = admin::ParseTimeArg(text, now);
    if (!t) {
      return tl::unexpected(UsageError(t.error().message));
    }
    query.emplace_back(name, std::to_string(*t));
    return {};
  };
  if (!o.since.empty() && !o.from.empty()) {
    return tl::unexpected(UsageError("give --since or --from, not both"));
  }
  if (auto st = time_arg(o.since.empty() ? o.from : o.since, "from_time_ms"); !st) {
    return st;
  }
  if (auto st = time_arg(o.to, "to_time_ms"); !st) {
    return st;
  }
  if (!o.action.empty()) {
    query.emplace_back("action", o.action);
  }
  if (!o.principal.empty()) {
    query.emplace_back("principal", o.principal);
  }
  if (!o.recipient.empty()) {
    query.emplace_back("recipient", o.recipient);
  }
  if (o.jsonl) {
    // The server streams every matching event as JSON lines (format=jsonl without max_results);
    // they go to stdout as they arrive.
    query.emplace_back("format", "jsonl");
    int64_t lines = 0;
    auto st = api.Stream(kAuditPath, query, [&](std::string_view data) {
      lines += std::count(data.begin(), data.end(), '\n');
      return std::fwrite(data.data(), 1, data.size(), stdout) == data.size();
    });
    if (!st) {
      return st;
    }
    std::fflush(stdout);
    std::fprintf(stderr, "exported %lld audit events\n", static_cast<long long>(lines));
    return {};
  }
  auto events = ListAll(api, kAuditPath, query, "events", o.max_results);
  return ShowList(std::move(events), g, "events",
                  {{"TIME", "event_time"},
                   {"ACTION", "action_name"},
                   {"PRINCIPAL", "principal"},
                   {"RECIPIENT", "recipient"},
                   {"STATUS", "response/status_code"},
                   {"SOURCE IP", "source_ip_address"},
                   {"ERROR", "response/error_message"}});
}

// ===============================================================================================
// onboard

struct OnboardOptions {
  // One partner from flags.
  std::string partner, share, comment;
  std::vector<std::string> tables, properties, ips, partitions;
  // Many from a file.
  std::string csv;
  int parallel = 4;
  bool with_history = false;
  bool reissue_links = false;
  bool rotate_activated = false;
  int64_t existing_token_expire_in_seconds = 86400;
  std::string links_out;
};

enum Kind { kCatalog, kSchema, kTable, kShare, kShareTable, kRecipient, kGrant, kKinds };
constexpr const char* kKindNames[kKinds] = {"catalogs",     "schemas",    "tables", "shares",
                                            "share tables", "recipients", "grants"};

struct PartnerOutcome {
  std::string partner;
  std::string share;
  int64_t line = 0;
  enum class Status { kCreated, kPresent, kFailed } status = Status::kPresent;
  std::string activation_url;
  bool unactivated_without_link = false;
  ApiError error;
  std::string step;
};

/// Progress on stderr: a bar redrawn in place on a terminal, a line every `every` partners
/// otherwise.
class Progress {
 public:
  explicit Progress(int64_t total) : total_(total), tty_(isatty(STDERR_FILENO) != 0) {
    every_ = std::max<int64_t>(1, std::min<int64_t>(100, total / 10));
    start_ = std::chrono::steady_clock::now();
  }

  void Tick(bool failed) {
    std::lock_guard<std::mutex> lock(mu_);
    ++done_;
    failed_ += failed ? 1 : 0;
    if (total_ <= 1) {
      return;  // one partner: the summary says it all
    }
    if (tty_) {
      if (done_ == total_ || done_ % std::max<int64_t>(1, total_ / 200) == 0) {
        Draw();
      }
    } else if (done_ % every_ == 0 || done_ == total_) {
      std::fprintf(stderr, "onboard: %lld/%lld partners done, %lld failed\n",
                   static_cast<long long>(done_), static_cast<long long>(total_),
                   static_cast<long long>(failed_));
    }
  }

  void Finish() {
    std::lock_guard<std::mutex> lock(mu_);
    if (tty_ && done_ > 0 && total_ > 1) {
      std::fputc('\n', stderr);
    }
  }

 private:
  void Draw() {
    constexpr int kWidth = 30;
    const int filled = static_cast<int>(kWidth * done_ / std::max<int64_t>(1, total_));
    const double secs =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - start_).count();
    std::string bar(static_cast<size_t>(filled), '#');
    bar.append(static_cast<size_t>(kWidth - filled), '.');
    std::fprintf(stderr, "\ronboard [%s] %lld/%lld  failed %lld  %.0f/s ", bar.c_str(),
                 static_cast<long long>(done_), static_cast<long long>(total_),
                 static_cast<long long>(failed_), secs > 0 ? done_ / secs : 0.0);
    std::fflush(stderr);
  }

  std::mutex mu_;
  int64_t total_;
  bool tty_;
  int64_t every_ = 1;
  int64_t done_ = 0;
  int64_t failed_ = 0;
  std::chrono::steady_clock::time_point start_;
};

/// Runs the five steps for partners on worker threads. Objects several partners share (catalogs,
/// schemas, tables, shares and their tables) are ensured once per run under a per-object lock,
/// so concurrent workers neither race nor repeat requests.
class Onboarder {
 public:
  Onboarder(const OnboardOptions& o) : options_(o) {
    for (int k = 0; k < kKinds; ++k) {
      created_[k] = 0;
      present_[k] = 0;
    }
  }

  PartnerOutcome Run(Api& api, const admin::PartnerSpec& spec) {
    PartnerOutcome out;
    out.partner = spec.partner;
    out.share = spec.share;
    out.line = spec.line;
    auto fail = [&](std::string step, ApiError e) {
      out.status = PartnerOutcome::Status::kFailed;
      out.step = std::move(step);
      out.error = std::move(e);
      return out;
    };
    for (const admin::TableItem& t : spec.tables) {
      if (auto st = EnsureTable(api, t); !st) {
        return fail("register table " + t.name, st.error());
      }
    }
    if (auto st = EnsureShare(api, spec); !st) {
      return fail("share " + spec.share, st.error());
    }
    bool changed = false;
    auto recipient = EnsureRecipient(api, spec, &out, &changed);
    if (!recipient) {
      return fail("recipient " + spec.partner, recipient.error());
    }
    auto granted = EnsureGrant(api, spec, *recipient);
    if (!granted) {
      return fail("grant " + spec.share + " to " + spec.partner, granted.error());
    }
    changed = changed || *granted;
    out.status = changed ? PartnerOutcome::Status::kCreated : PartnerOutcome::Status::kPresent;
    return out;
  }

  int64_t created(int k) const { return created_[k].load(); }
  int64_t present(int k) const { return present_[k].load(); }

 private:
  struct Entry {
    std::mutex mu;
    bool done = false;
    std::set<std::string> objects;  // shares: the names of their objects
    std::set<std::string> counted;  // shares: objects already counted
  };

  std::shared_ptr<Entry> Get(const std::string& key) {
    std::lock_guard<std::mutex> lock(mu_);
    auto& e = entries_[key];
    if (!e) {
      e = std::make_shared<Entry>();
    }
    return e;
  }

  void Count(Kind k, bool created) { (created ? created_ : present_)[k].fetch_add(1); }

  // GET `path`; when absent, POST `body` to `create_path`. Counts the object.
  ApiResult<void> Ensure(Api& api, Kind kind, const std::string& key, const std::string& path,
                         const std::string& create_path, const Json& body,
                         const std::function<ApiResult<void>()>& before_create = {}) {
    auto entry = Get(key);
    std::lock_guard<std::mutex> lock(entry->mu);
    if (entry->done) {
      return {};
    }
    auto got = api.Uc("GET", path);
    if (got) {
      Count(kind, false);
      entry->done = true;
      return {};
    }
    if (!got.error().not_found()) {
      return tl::unexpected(got.error());
    }
    if (before_create) {
      if (auto st = before_create(); !st) {
        return st;
      }
    }
    auto made = api.Uc("POST", create_path, {}, &body);
    if (!made && !made.error().already_exists()) {
      return tl::unexpected(made.error());
    }
    Count(kind, static_cast<bool>(made));
    entry->done = true;
    return {};
  }

  ApiResult<void> EnsureTable(Api& api, const admin::TableItem& t) {
    std::vector<std::string_view> parts = Split(t.name, '.');
    const std::string catalog(parts[0]);
    const std::string schema = catalog + "." + std::string(parts[1]);
    auto entry = Get("table:" + t.name);
    {
      std::lock_guard<std::mutex> lock(entry->mu);
      if (entry->done) {
        return {};
      }
    }
    if (t.location.empty()) {
      std::lock_guard<std::mutex> lock(entry->mu);
      auto got = api.Uc("GET", "tables/" + EncodePathSegment(t.name));
      if (!got) {
        if (got.error().not_found()) {
          return tl::unexpected(
              ApiError{404, got.error().error_code,
                       fmt::format("table {} is not registered; give its location as {}=LOCATION",
                                   t.name, t.name)});
        }
        return tl::unexpected(got.error());
      }
      Count(kTable, false);
      entry->done = true;
      return {};
    }
    return Ensure(api, kTable, "table:" + t.name, "tables/" + EncodePathSegment(t.name), "tables",
                  TableBody(t, ""), [&]() -> ApiResult<void> {
                    if (auto st = Ensure(api, kCatalog, "catalog:" + catalog,
                                         "catalogs/" + EncodePathSegment(catalog), "catalogs",
                                         Json{{"name", catalog}});
                        !st) {
                      return st;
                    }
                    return Ensure(api, kSchema, "schema:" + schema,
                                  "schemas/" + EncodePathSegment(schema), "schemas",
                                  Json{{"name", std::string(parts[1])}, {"catalog_name", catalog}});
                  });
  }

  ApiResult<void> EnsureShare(Api& api, const admin::PartnerSpec& spec) {
    auto entry = Get("share:" + ToLower(spec.share));
    std::lock_guard<std::mutex> lock(entry->mu);
    const std::string path = "shares/" + EncodePathSegment(spec.share);
    auto load = [&]() -> ApiResult<void> {
      auto got = api.Uc("GET", path, {{"include_shared_data", "true"}});
      if (!got) {
        return tl::unexpected(got.error());
      }
      entry->objects.clear();
      if (const Json* objects = Lookup(*got, "objects"); objects && objects->is_array()) {
        for (const Json& o : *objects) {
          if (const Json* n = Lookup(o, "name"); n && n->is_string()) {
            entry->objects.insert(ToLower(n->get<std::string>()));
          }
        }
      }
      return {};
    };
    if (!entry->done) {
      auto loaded = load();
      if (!loaded && loaded.error().not_found()) {
        Json body = {{"name", spec.share}};
        auto made = api.Uc("POST", "shares", {}, &body);
        if (!made && !made.error().already_exists()) {
          return tl::unexpected(made.error());
        }
        Count(kShare, static_cast<bool>(made));
        entry->objects.clear();
        if (!made) {
          loaded = load();
        } else {
          loaded = {};
        }
      } else if (loaded) {
        Count(kShare, false);
      }
      if (!loaded) {
        return loaded;
      }
      entry->done = true;
    }
    // Tables not yet in the share, added in one update (at most 100 per call, as UC allows).
    for (int attempt = 0;; ++attempt) {
      Json updates = Json::array();
      std::vector<std::string> adding;
      for (const admin::TableItem& t : spec.tables) {
        if (entry->objects.count(t.name)) {
          continue;
        }
        std::vector<admin::PartitionItem> parts;
        for (const admin::PartitionItem& p : spec.partitions) {
          if (p.table == t.name || t.name.substr(t.name.rfind('.') + 1) == p.table) {
            parts.push_back(p);
          }
        }
        auto partitions = PartitionsJson(parts);
        updates.push_back(
            {{"action", "ADD"},
             {"data_object", DataObject(t.name, options_.with_history, options_.with_history, "",
                                        -1, "", *partitions)}});
        adding.push_back(t.name);
        if (updates.size() == 100) {
          break;
        }
      }
      if (updates.empty()) {
        for (const admin::TableItem& t : spec.tables) {
          if (entry->counted.insert(t.name).second) {
            Count(kShareTable, false);
          }
        }
        return {};
      }
      Json body = {{"updates", updates}};
      auto r = api.Uc("PATCH", path, {}, &body);
      if (!r) {
        if (r.error().already_exists() && attempt == 0) {
          // Added by someone else meanwhile: reload and add what is still missing.
          if (auto st = load(); !st) {
            return st;
          }
          continue;
        }
        return tl::unexpected(r.error());
      }
      for (const std::string& n : adding) {
        entry->objects.insert(n);
        entry->counted.insert(n);
        Count(kShareTable, true);
      }
    }
  }

  // The recipient exists afterwards; returns whether it was created now.
  ApiResult<bool> EnsureRecipient(Api& api, const admin::PartnerSpec& spec, PartnerOutcome* out,
                                  bool* changed) {
    const std::string path = "recipients/" + EncodePathSegment(spec.partner);
    auto got = api.Uc("GET", path);
    if (!got && !got.error().not_found()) {
      return tl::unexpected(got.error());
    }
    if (got) {
      Count(kRecipient, false);
      const Json* activated = Lookup(*got, "activated");
      const bool is_activated = activated && activated->is_boolean() && activated->get<bool>();
      const bool rotate = is_activated ? options_.rotate_activated
                                       : options_.reissue_links || options_.rotate_activated;
      if (rotate) {
        Json body = {{"existing_token_expire_in_seconds",
                      is_activated ? options_.existing_token_expire_in_seconds : 0}};
        auto r = api.Uc("POST", path + "/rotate-token", {}, &body);
        if (!r) {
          return tl::unexpected(r.error());
        }
        out->activation_url = ActivationUrl(*r);
        *changed = true;
      } else if (!is_activated) {
        out->activation_url = ActivationUrl(*got);
        out->unactivated_without_link = out->activation_url.empty();
      }
      return false;
    }
    Json body = {{"name", spec.partner}, {"authentication_type", "TOKEN"}};
    if (!spec.comment.empty()) {
      body["comment"] = spec.comment;
    }
    if (!spec.ip_access_list.empty()) {
      body["ip_access_list"] = {{"allowed_ip_addresses", spec.ip_access_list}};
    }
    if (!spec.properties.empty()) {
      Json map = Json::object();
      for (const auto& [k, v] : spec.properties) {
        map[k] = v;
      }
      body["properties_kvpairs"] = {{"properties", map}};
    }
    auto made = api.Uc("POST", "recipients", {}, &body);
    if (!made) {
      if (made.error().already_exists()) {
        Count(kRecipient, false);  // created by a concurrent run
        return false;
      }
      return tl::unexpected(made.error());
    }
    Count(kRecipient, true);
    out->activation_url = ActivationUrl(*made);
    *changed = true;
    return true;
  }

  // Grant SELECT on the share; returns whether the grant was new.
  ApiResult<bool> EnsureGrant(Api& api, const admin::PartnerSpec& spec, bool recipient_is_new) {
    if (!recipient_is_new) {
      auto perms = ListAll(api,
                           std::string(kUcPrefix) + "recipients/" +
                               EncodePathSegment(spec.partner) + "/share-permissions",
                           {}, "permissions_out");
      if (!perms) {
        return tl::unexpected(perms.error());
      }
      for (const Json& p : *perms) {
        const Json* name = Lookup(p, "share_name");
        if (name && name->is_string() && ToLower(name->get<std::string>()) == ToLower(spec.share)) {
          Count(kGrant, false);
          return false;
        }
      }
    }
    Json body = {{"changes", Json::array({Json{{"principal", spec.partner},
                                               {"add", Json::array({"SELECT"})}}})}};
    auto r = api.Uc("PATCH", "shares/" + EncodePathSegment(spec.share) + "/permissions", {}, &body);
    if (!r) {
      return tl::unexpected(r.error());
    }
    Count(kGrant, true);
    return true;
  }

  const OnboardOptions& options_;
  std::mutex mu_;
  std::map<std::string, std::shared_ptr<Entry>> entries_;
  std::atomic<int64_t> created_[kKinds];
  std::atomic<int64_t> present_[kKinds];
};

bool EndsWith(std::string_view s, std::string_view suffix) {
  return s.size() >= suffix.size() && s.substr(s.size() - suffix.size()) == suffix;
}

std::string CsvField(const std::string& s) {
  if (s.find_first_of(",\"\r\n") == std::string::npos) {
    return s;
  }
  std::string out = "\"";
  for (char c : s) {
    out += c;
    if (c == '"') {
      out += '"';
    }
  }
  return out + "\"";
}

ApiResult<std::vector<admin::PartnerSpec>> OnboardSpecs(const OnboardOptions& o) {
  if (o.csv.empty() == o.partner.empty()) {
    return tl::unexpected(UsageError(
        "name one partner with --partner NAME --table ..., or many with --csv FILE (not both)"));
  }
  if (!o.csv.empty()) {
    if (!o.share.empty() || !o.tables.empty() || !o.properties.empty() || !o.ips.empty() ||
        !o.partitions.empty() || !o.comment.empty()) {
      return tl::unexpected(UsageError(
          "with --csv, give the share, tables, properties, IP list and partitions as columns of "
          "the file, not as flags"));
    }
    std::string text;
    if (o.csv == "-") {
      std::stringstream ss;
      ss << std::cin.rdbuf();
      text = ss.str();
    } else {
      std::ifstream in(o.csv, std::ios::binary);
      if (!in) {
        return tl::unexpected(UsageError(fmt::format("cannot read '{}': check the path", o.csv)));
      }
      std::stringstream ss;
      ss << in.rdbuf();
      text = ss.str();
    }
    auto specs = admin::ParsePartnersCsv(text);
    if (!specs) {
      return tl::unexpected(UsageError(fmt::format("{}: {}", o.csv, specs.error().message)));
    }
    return std::move(*specs);
  }
  admin::PartnerSpec spec;
  spec.partner = o.partner;
  spec.share = o.share.empty() ? o.partner : o.share;
  spec.comment = o.comment;
  spec.ip_access_list = o.ips;
  for (const std::string& t : o.tables) {
    auto item = admin::ParseTableItem(t);
    if (!item) {
      return tl::unexpected(UsageError(item.error().message));
    }
    spec.tables.push_back(std::move(*item));
  }
  for (const std::string& p : o.properties) {
    auto kv = admin::ParseProperty(p);
    if (!kv) {
      return tl::unexpected(UsageError(kv.error().message));
    }
    spec.properties.push_back(std::move(*kv));
  }
  for (const std::string& p : o.partitions) {
    auto item = admin::ParsePartitionItem(p);
    if (!item) {
      return tl::unexpected(UsageError(item.error().message));
    }
    spec.partitions.push_back(std::move(*item));
  }
  if (auto st = admin::ValidatePartner(spec); !st) {
    return tl::unexpected(UsageError(st.error().message));
  }
  return std::vector<admin::PartnerSpec>{std::move(spec)};
}

/// The links file, created before any work so that a run never fails at the end for want of it.
class LinksFile {
 public:
  static ApiResult<std::unique_ptr<LinksFile>> Open(const std::string& path) {
    if (path.empty()) {
      return std::unique_ptr<LinksFile>();
    }
    const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
    if (fd < 0) {
      if (errno == EEXIST) {
        return tl::unexpected(UsageError(fmt::format(
            "'{}' exists and may hold activation links that cannot be shown again: move it away "
            "or name another --links-out file",
            path)));
      }
      return tl::unexpected(
          UsageError(fmt::format("cannot create '{}': {}", path, std::strerror(errno))));
    }
    ::fchmod(fd, 0600);
    auto f = std::unique_ptr<LinksFile>(new LinksFile);
    f->file_ = ::fdopen(fd, "w");
    f->json_ = EndsWith(ToLower(path), ".json");
    f->path_ = path;
    std::fputs(f->json_ ? "[" : "partner,share,activation_url\n", f->file_);
    std::fflush(f->file_);
    return f;
  }
  ~LinksFile() {
    if (file_ != nullptr) {
      std::fclose(file_);
    }
  }

  /// Record a link. Each is written at once, so that an interrupted run loses none (a JSON file
  /// then lacks only its closing bracket).
  void Add(const PartnerOutcome& p) {
    std::lock_guard<std::mutex> lock(mu_);
    std::string row;
    if (json_) {
      row = count_ == 0 ? "\n  " : ",\n  ";
      row += Json{{"partner", p.partner}, {"share", p.share}, {"activation_url", p.activation_url}}
                 .dump();
    } else {
      row = CsvField(p.partner) + "," + CsvField(p.share) + "," + CsvField(p.activation_url) + "\n";
    }
    ++count_;
    std::fputs(row.c_str(), file_);
    std::fflush(file_);
  }

  Status Close() {
    if (json_) {
      std::fputs(count_ == 0 ? "]\n" : "\n]\n", file_);
    }
    const bool ok = std::fflush(file_) == 0 && ::fsync(::fileno(file_)) == 0;
    std::fclose(file_);
    file_ = nullptr;
    if (!ok) {
      return MakeError(ErrorCode::kUnavailable,
                       fmt::format("writing '{}' failed: {}", path_, std::strerror(errno)));
    }
    return OkStatus();
  }

  int64_t count() const { return count_; }
  const std::string& path() const { return path_; }

 private:
  LinksFile() = default;
  std::FILE* file_ = nullptr;
  bool json_ = false;
  std::string path_;
  std::mutex mu_;
  int64_t count_ = 0;
};

int RunOnboard(const OnboardOptions& o) {
  const GlobalOptions& g = Globals();
  const Context ctx{"onboard", ""};
  auto specs = OnboardSpecs(o);
  if (!specs) {
    std::fprintf(stderr, "error: %s\nhint: see `lakeshare admin onboard --help` and docs/cli.md\n",
                 specs.error().message.c_str());
    return 2;
  }
  auto token = ResolveToken(g);
  if (!token) {
    return Report(token.error(), ctx, g);
  }
  auto links = LinksFile::Open(o.links_out);
  if (!links) {
    return Report(links.error(), Context{"onboard", ""}, g);
  }
  const int64_t total = static_cast<int64_t>(specs->size());
  const int workers = static_cast<int>(std::clamp<int64_t>(o.parallel, 1, total));
  Onboarder onboarder(o);
  Progress progress(total);
  std::vector<PartnerOutcome> outcomes(specs->size());
  std::atomic<size_t> next{0};
  std::atomic<bool> unreachable{false};
  auto work = [&] {
    Api api(g.host, *token);
    for (;;) {
      const size_t i = next.fetch_add(1);
      if (i >= specs->size()) {
        return;
      }
      if (unreachable.load()) {
        // The server is down: do not hammer it once per remaining partner.
        outcomes[i].partner = (*specs)[i].partner;
        outcomes[i].share = (*specs)[i].share;
        outcomes[i].line = (*specs)[i].line;
        outcomes[i].status = PartnerOutcome::Status::kFailed;
        outcomes[i].step = "not attempted";
        outcomes[i].error = ApiError{0, "", "not attempted: the server was unreachable"};
      } else {
        outcomes[i] = onboarder.Run(api, (*specs)[i]);
        if (outcomes[i].status == PartnerOutcome::Status::kFailed &&
            (outcomes[i].error.status == 0 || outcomes[i].error.status == 401)) {
          unreachable.store(true);
        }
      }
      if (*links && !outcomes[i].activation_url.empty()) {
        (*links)->Add(outcomes[i]);
      }
      progress.Tick(outcomes[i].status == PartnerOutcome::Status::kFailed);
    }
  };
  std::vector<std::thread> threads;
  threads.reserve(static_cast<size_t>(workers));
  for (int i = 0; i < workers; ++i) {
    threads.emplace_back(work);
  }
  for (auto& t : threads) {
    t.join();
  }
  progress.Finish();
  if (*links) {
    if (auto st = (*links)->Close(); !st) {
      std::fprintf(stderr, "error: %s\n", st.error().message.c_str());
    }
  }

  int64_t created = 0, present = 0, failed = 0, no_link = 0, links_count = 0;
  bool all_client_errors = true;
  for (const PartnerOutcome& p : outcomes) {
    switch (p.status) {
      case PartnerOutcome::Status::kCreated:
        ++created;
        break;
      case PartnerOutcome::Status::kPresent:
        ++present;
        break;
      case PartnerOutcome::Status::kFailed:
        ++failed;
        all_client_errors = all_client_errors && p.error.client_error();
        break;
    }
    no_link += p.unactivated_without_link ? 1 : 0;
    links_count += p.activation_url.empty() ? 0 : 1;
  }

  if (g.json) {
    Json doc = {{"partners_total", total},
                {"created", created},
                {"already_present", present},
                {"failed", failed}};
    Json objects = Json::object();
    for (int k = 0; k < kKinds; ++k) {
      objects[kKindNames[k]] = {{"created", onboarder.created(k)},
                                {"present", onboarder.present(k)}};
    }
    doc["objects"] = objects;
    Json partners = Json::array();
    for (const PartnerOutcome& p : outcomes) {
      Json row = {{"partner", p.partner},
                  {"share", p.share},
                  {"status", p.status == PartnerOutcome::Status::kCreated   ? "created"
                             : p.status == PartnerOutcome::Status::kPresent ? "present"
                                                                            : "failed"}};
      if (!p.activation_url.empty() && !*links) {
        row["activation_url"] = p.activation_url;
      }
      if (p.status == PartnerOutcome::Status::kFailed) {
        row["step"] = p.step;
        row["error"] = Describe(p.error);
        row["error_code"] = p.error.error_code;
        row["http_status"] = p.error.status;
      }
      partners.push_back(std::move(row));
    }
    doc["partners"] = std::move(partners);
    if (*links) {
      doc["links_out"] = (*links)->path();
    }
    PrintJson(doc);
  } else {
    std::printf("partners: %lld total, %lld created, %lld already present, %lld failed\n",
                static_cast<long long>(total), static_cast<long long>(created),
                static_cast<long long>(present), static_cast<long long>(failed));
    std::vector<std::vector<std::string>> rows;
    rows.reserve(kKinds);
    for (int k = 0; k < kKinds; ++k) {
      rows.push_back({kKindNames[k], std::to_string(onboarder.created(k)),
                      std::to_string(onboarder.present(k))});
    }
    std::fputs(admin::FormatTable({"OBJECT", "CREATED", "ALREADY PRESENT"}, rows).c_str(), stdout);
    if (failed > 0) {
      std::vector<std::vector<std::string>> frows;
      constexpr size_t kShown = 20;
      for (const PartnerOutcome& p : outcomes) {
        if (p.status == PartnerOutcome::Status::kFailed && frows.size() < kShown) {
          frows.push_back(
              {p.partner, p.line > 0 ? std::to_string(p.line) : "", p.step, Describe(p.error)});
        }
      }
      if (failed > static_cast<int64_t>(kShown)) {
        frows.push_back({fmt::format("... and {} more (--json lists all)", failed - kShown)});
      }
      std::printf("\nfailed:\n");
      std::fputs(admin::FormatTable({"PARTNER", "LINE", "STEP", "ERROR"}, frows).c_str(), stdout);
    }
    if (links_count > 0) {
      if (*links) {
        std::printf("\n%lld activation link(s) written to %s (mode 0600); each works once\n",
                    static_cast<long long>(links_count), (*links)->path().c_str());
      } else {
        std::vector<std::vector<std::string>> lrows;
        for (const PartnerOutcome& p : outcomes) {
          if (!p.activation_url.empty()) {
            lrows.push_back({p.partner, p.share, p.activation_url});
          }
        }
        std::printf("\nactivation links (send each to its partner; each works once):\n");
        std::fputs(admin::FormatTable({"PARTNER", "SHARE", "ACTIVATION LINK"}, lrows).c_str(),
                   stdout);
      }
    }
  }
  if (no_link > 0) {
    std::fprintf(stderr,
                 "note: %lld partner(s) exist but have not activated and no link is on record; "
                 "rerun with --reissue-links to issue new links (the old ones stop working)\n",
                 static_cast<long long>(no_link));
  }
  if (failed > 0) {
    // The first failure's hint, once.
    for (const PartnerOutcome& p : outcomes) {
      if (p.status == PartnerOutcome::Status::kFailed) {
        std::fprintf(stderr, "hint: %s; fix and rerun: what exists is skipped\n",
                     Hint(p.error, Context{"recipients", "list"}, g).c_str());
        break;
      }
    }
    return all_client_errors ? 2 : 1;
  }
  return 0;
}

void AddOnboardCommand(CLI::App* admin) {
  auto o = std::make_shared<OnboardOptions>();
  CLI::App* c = admin->add_subcommand(
      "onboard",
      "Onboard partners: register tables, create the share, add the tables, create the recipient, "
      "grant; one partner from flags or many from --csv (idempotent)");
  c->fallthrough();
  c->add_option("--partner", o->partner, "Partner (recipient) name");
  c->add_option("--share", o->share, "Share name (default: the partner's name)");
  c->add_option("--table", o->tables,
                "Table to share: catalog.schema.table[=LOCATION] (LOCATION registers it; "
                "repeatable)");
  c->add_option("--property", o->properties, "Recipient property KEY=VALUE (repeatable)");
  c->add_option("--ip", o->ips, "Allowed IP address or CIDR range (repeatable)");
  c->add_option("--partition", o->partitions,
                "Partition filter TABLE:COLUMN=VALUE or TABLE:COLUMN=@PROPERTY (repeatable)");
  c->add_option("--comment", o->comment, "Recipient comment");
  c->add_option("--csv", o->csv,
                "Partners file with a header: partner,share,tables,properties,ip_access_list,"
                "partitions,comment (lists separated by ';'; '-' reads stdin)");
  c->add_option("--parallel", o->parallel, "Partners onboarded at once (default 4)")
      ->check(CLI::Range(1, 64));
  c->add_flag("--with-history", o->with_history,
              "Share the tables with history and change data feed");
  c->add_flag("--reissue-links", o->reissue_links,
              "For existing partners that never activated: issue a new activation link");
  c->add_flag("--rotate-activated", o->rotate_activated,
              "Also rotate the tokens of partners that already activated");
  c->add_option("--existing-token-expire-in-seconds", o->existing_token_expire_in_seconds,
                "With --rotate-activated: grace for the current tokens (default 86400)")
      ->check(CLI::NonNegativeNumber);
  c->add_option("--links-out", o->links_out,
                "Write partner -> activation link to this new file (mode 0600; .json for JSON, "
                "else CSV) instead of printing the links");
  c->callback([o] { std::exit(RunOnboard(*o)); });
}

}  // namespace

void AddAdminCommands(CLI::App& root) {
  CLI::App* admin = root.add_subcommand(
      "admin", "Manage catalogs, shares, recipients and grants of a Lakeshare server");
  admin->require_subcommand(1);
  GlobalOptions& g = Globals();
  // The last of repeated options wins (a script may add its own --host to a wrapper's).
  admin->add_option("--host", g.host, "Server URL (default http://127.0.0.1:8080)")
      ->envname("LAKESHARE_HOST")
      ->multi_option_policy(CLI::MultiOptionPolicy::TakeLast);
  admin->add_option("--token", g.token, "Admin API token (prefer LAKESHARE_TOKEN or --token-file)")
      ->envname("LAKESHARE_TOKEN")
      ->multi_option_policy(CLI::MultiOptionPolicy::TakeLast);
  admin
      ->add_option("--token-file", g.token_file,
                   "File holding the token, e.g. DATA_DIR/admin-token")
      ->envname("LAKESHARE_TOKEN_FILE")
      ->multi_option_policy(CLI::MultiOptionPolicy::TakeLast);
  admin->add_flag("--json", g.json, "Print the server's JSON instead of tables");
  AddCatalogCommands(admin);
  AddSchemaCommands(admin);
  AddTableCommands(admin);
  AddShareCommands(admin);
  AddSharePermissionCommands(admin);
  AddRecipientCommands(admin);
  {
    auto o = std::make_shared<AuditOptions>();
    CLI::App* c = admin->add_subcommand("audit", "Query the audit log, or export it as JSON lines");
    c->fallthrough();
    c->add_option("--from", o->from, "Events at or after (epoch ms, ISO-8601, or 24h/7d ago)");
    c->add_option("--since", o->since, "Same as --from, e.g. --since 1h");
    c->add_option("--to", o->to, "Events before (epoch ms or ISO-8601)");
    c->add_option("--action", o->action, "Action name, e.g. createRecipient");
    c->add_option("--principal", o->principal, "Who acted (an admin or team member)");
    c->add_option("--recipient", o->recipient, "Recipient acted as or on");
    c->add_option("--max-results", o->max_results, "At most this many events (default 100)")
        ->check(CLI::PositiveNumber);
    c->add_flag("--jsonl", o->jsonl,
                "Export every matching event as one JSON object per line (all pages)");
    Context ctx{"audit", ""};
    c->callback([o, ctx] {
      std::exit(
          RunAction(ctx, [o](Api& api, const GlobalOptions& g) { return RunAudit(api, g, *o); }));
    });
  }
  AddOnboardCommand(admin);
}

}  // namespace lakeshare::app

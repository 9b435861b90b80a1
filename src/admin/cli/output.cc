#include "admin/cli/output.h"

#include <fmt/format.h>

#include <algorithm>
#include <cstdio>
#include <optional>
#include <vector>

#include "common/iso_time.h"
#include "common/names.h"
#include "common/strings.h"

namespace lakeshare::admin::cli {

namespace {

// A byte that is not UTF-8, as Rewrite hands it over: this bit and the byte.
constexpr uint32_t kNotUtf8 = 0x80000000;

// `text` with each code point (or byte that is not UTF-8) for which `escape` gives a text replaced
// by that text.
template <typename Escape>
std::string Rewrite(std::string_view text, const Escape& escape) {
  std::string out;
  out.reserve(text.size());
  for (size_t i = 0; i < text.size();) {
    uint32_t cp = 0;
    size_t n = DecodeUtf8(text, i, &cp);
    if (n == 0) {
      cp = kNotUtf8 | static_cast<unsigned char>(text[i]);
      n = 1;
    }
    if (std::optional<std::string> escaped = escape(cp)) {
      out += *escaped;
    } else {
      out.append(text.substr(i, n));
    }
    i += n;
  }
  return out;
}

}  // namespace

std::string TerminalSafe(std::string_view text) {
  return Rewrite(text, [](uint32_t cp) -> std::optional<std::string> {
    if (cp & kNotUtf8) {
      return fmt::format("\\x{:02x}", cp & 0xff);
    }
    if (cp == '\n') {
      return "\\n";
    }
    if (cp == '\r') {
      return "\\r";
    }
    if (cp == '\t') {
      return "\\t";
    }
    if (cp < 0x20 || cp == 0x7f) {
      return fmt::format("\\x{:02x}", cp);
    }
    if (IsInvisibleOrFormatCodePoint(cp)) {
      return fmt::format("\\u{:04x}", cp);
    }
    return std::nullopt;
  });
}

std::string TerminalSafeJson(std::string_view json) {
  return Rewrite(json, [](uint32_t cp) -> std::optional<std::string> {
    // A dump is UTF-8; a byte that is not is kept as it is, should one be there.
    if ((cp & kNotUtf8) || !(cp == 0x7f || (cp >= 0x80 && IsInvisibleOrFormatCodePoint(cp)))) {
      return std::nullopt;
    }
    if (cp > 0xFFFF) {
      const uint32_t v = cp - 0x10000;
      return fmt::format("\\u{:04x}\\u{:04x}", 0xD800 + (v >> 10), 0xDC00 + (v & 0x3FF));
    }
    return fmt::format("\\u{:04x}", cp);
  });
}

namespace {

std::vector<std::string> ShownRow(const std::vector<std::string>& row) {
  std::vector<std::string> out;
  out.reserve(row.size());
  for (const std::string& cell : row) {
    out.push_back(TerminalSafe(cell));
  }
  return out;
}

}  // namespace

std::string FormatTable(const std::vector<std::string>& raw_header,
                        const std::vector<std::vector<std::string>>& raw_rows) {
  const std::vector<std::string> header = ShownRow(raw_header);
  std::vector<std::vector<std::string>> rows;
  rows.reserve(raw_rows.size());
  for (const auto& row : raw_rows) {
    rows.push_back(ShownRow(row));
  }
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

namespace {

bool IsTimeKey(std::string_view key) {
  auto ends = [&](std::string_view suffix) {
    return key.size() >= suffix.size() && key.substr(key.size() - suffix.size()) == suffix;
  };
  return ends("_at") || ends("_time") || ends("_time_ms") || key == "timestamp" ||
         key == "event_time";
}

}  // namespace

std::string Cell(const Json& v, std::string_view key) {
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
    return FormatIsoMillis(v.get<int64_t>());
  }
  if (v.is_object() && v.contains("properties") && v["properties"].is_object()) {
    std::vector<std::string> pairs;  // properties_kvpairs
    for (const auto& property : v["properties"].items()) {
      pairs.push_back(property.key() + "=" + Cell(property.value()));
    }
    return Join(pairs, ",");
  }
  if (v.is_object() && v.contains("allowed_ip_addresses")) {
    return Cell(v["allowed_ip_addresses"]);
  }
  if (v.is_array() &&
      std::all_of(v.begin(), v.end(), [](const Json& e) { return e.is_string(); })) {
    std::vector<std::string_view> texts;
    for (const Json& e : v) {
      texts.push_back(e.get_ref<const std::string&>());
    }
    return Join(texts, ",");
  }
  return v.dump();
}

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
  std::fputs(FormatTable(header, rows).c_str(), stdout);
}

void PrintObject(const Json& obj, const std::set<std::string>& skip) {
  std::vector<std::vector<std::string>> rows;
  for (auto it = obj.begin(); it != obj.end(); ++it) {
    if (skip.count(it.key())) {
      continue;
    }
    rows.push_back({it.key(), Cell(it.value(), it.key())});
  }
  std::string text = FormatTable({"field", "value"}, rows);
  std::fputs(text.substr(text.find('\n') + 1).c_str(), stdout);
}

void PrintJson(const Json& doc) { std::printf("%s\n", TerminalSafeJson(doc.dump(2)).c_str()); }
}  // namespace lakeshare::admin::cli

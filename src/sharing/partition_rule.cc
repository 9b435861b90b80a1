#include "sharing/partition_rule.h"

#include <map>

#include "common/strings.h"
#include "delta/schema_columns.h"

namespace lakeshare::sharing {

namespace {

struct PartitionColumn {
  std::string key;  // partitionValues key: physical name under column mapping, else the name
  std::optional<delta::ValueType> type;  // nullopt: compared as text
};

// The type a partition value is compared as (delta/predicate.h); nullopt: compared as text
// (string, decimal(p,s), binary, and types that are no name).
std::optional<delta::ValueType> ComparedType(const std::string& type) {
  std::optional<delta::ValueType> t = delta::ValueTypeOfDeltaType(type);
  if (t == delta::ValueType::kString) return std::nullopt;
  return t;
}

// Partition columns by lower-cased logical name.
std::map<std::string, PartitionColumn> PartitionColumns(const delta::Metadata& metadata) {
  std::map<std::string, PartitionColumn> out;
  for (const std::string& name : metadata.partition_columns) {
    out[ToLower(name)] = PartitionColumn{name, std::nullopt};
  }
  for (const delta::SchemaColumn& c : delta::TopLevelColumns(metadata.schema_string)
                                          .value_or(std::vector<delta::SchemaColumn>())) {
    auto it = out.find(ToLower(c.name));
    if (it == out.end()) continue;
    it->second.type = ComparedType(c.type);
    if (!c.physical.empty()) it->second.key = c.physical;
  }
  return out;
}

// The byte length of the UTF-8 character starting at s[i] (1 for bytes that start none).
size_t CharLength(std::string_view s, size_t i) {
  const auto c = static_cast<unsigned char>(s[i]);
  size_t n = c < 0x80 ? 1 : (c >> 5) == 6 ? 2 : (c >> 4) == 14 ? 3 : (c >> 3) == 30 ? 4 : 1;
  if (i + n > s.size()) {
    return 1;
  }
  for (size_t k = 1; k < n; ++k) {
    if ((static_cast<unsigned char>(s[i + k]) & 0xC0) != 0x80) {
      return 1;
    }
  }
  return n;
}

struct LikeToken {
  enum class Kind { kLiteral, kOne, kAny } kind;
  std::string_view literal;  // one character
};

}  // namespace

bool SqlLike(std::string_view text, std::string_view pattern) {
  std::vector<LikeToken> tokens;
  for (size_t i = 0; i < pattern.size();) {
    if (pattern[i] == '%') {
      if (tokens.empty() || tokens.back().kind != LikeToken::Kind::kAny) {
        tokens.push_back({LikeToken::Kind::kAny, {}});
      }
      ++i;
    } else if (pattern[i] == '_') {
      tokens.push_back({LikeToken::Kind::kOne, {}});
      ++i;
    } else {
      if (pattern[i] == '\\' && i + 1 < pattern.size()) {
        ++i;  // the escaped character is a literal; a trailing '\' is itself
      }
      size_t n = CharLength(pattern, i);
      tokens.push_back({LikeToken::Kind::kLiteral, pattern.substr(i, n)});
      i += n;
    }
  }
  std::vector<std::string_view> chars;
  for (size_t i = 0; i < text.size();) {
    size_t n = CharLength(text, i);
    chars.push_back(text.substr(i, n));
    i += n;
  }
  // Greedy match with backtracking to the last '%' (linear in practice, quadratic at worst).
  size_t t = 0, c = 0;
  std::optional<size_t> star_t, star_c;
  while (c < chars.size()) {
    if (t < tokens.size() && tokens[t].kind == LikeToken::Kind::kAny) {
      star_t = t++;
      star_c = c;
    } else if (t < tokens.size() &&
               (tokens[t].kind == LikeToken::Kind::kOne || tokens[t].literal == chars[c])) {
      ++t;
      ++c;
    } else if (star_t) {
      t = *star_t + 1;
      c = ++*star_c;
    } else {
      return false;
    }
  }
  while (t < tokens.size() && tokens[t].kind == LikeToken::Kind::kAny) {
    ++t;
  }
  return t == tokens.size();
}

Result<PartitionRuleMatcher> PartitionRuleMatcher::Create(const std::vector<PartitionClause>& rule,
                                                          const delta::Metadata& metadata) {
  const auto columns = PartitionColumns(metadata);
  PartitionRuleMatcher m;
  for (const PartitionClause& clause : rule) {
    std::vector<Condition> conditions;
    for (const PartitionCondition& pc : clause) {
      auto it = columns.find(ToLower(pc.column));
      if (it == columns.end()) {
        // A share misconfigured by its provider: a permanent refusal (4xx, which the official
        // clients do not retry), worded for the partner who sees it.
        return MakeError(ErrorCode::kUnsupported,
                         fmt::format("This table cannot be served: its share filters on '{}', "
                                     "which is not a partition column of the table; ask the data "
                                     "provider to fix the table's partitions in the share",
                                     pc.column));
      }
      Condition c;
      c.key = it->second.key;
      c.op = pc.op;
      c.text = pc.value;
      if (pc.op == PartitionCondition::Op::kEqual && pc.value && it->second.type) {
        c.type = it->second.type;
        c.typed = delta::ParseTypedValue(*c.type, *pc.value);
        c.never = !c.typed;
      }
      conditions.push_back(std::move(c));
    }
    m.clauses_.push_back(std::move(conditions));
  }
  return m;
}

bool PartitionRuleMatcher::Holds(const Condition& c, const delta::StringMap& values) const {
  const std::optional<std::string>* v = delta::FindInMap(values, c.key);
  const bool is_null = v == nullptr || !v->has_value();
  if (!c.text) {
    return c.op == PartitionCondition::Op::kEqual && is_null;
  }
  if (is_null || c.never) {
    return false;
  }
  const std::string& actual = **v;
  if (c.op == PartitionCondition::Op::kLike) {
    return SqlLike(actual, *c.text);
  }
  if (!c.type) {
    return actual == *c.text;
  }
  auto parsed = delta::ParseTypedValue(*c.type, actual);
  if (!parsed) {
    return false;
  }
  auto cmp = delta::CompareValues(*parsed, *c.typed);
  return cmp && *cmp == 0;
}

bool PartitionRuleMatcher::Matches(const delta::StringMap& partition_values) const {
  for (const auto& clause : clauses_) {
    bool all = true;
    for (const Condition& c : clause) {
      if (!Holds(c, partition_values)) {
        all = false;
        break;
      }
    }
    if (all) {
      return true;
    }
  }
  return false;
}

}  // namespace lakeshare::sharing

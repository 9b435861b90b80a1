#include "sharing/sql_predicate.h"

#include <cctype>
#include <nlohmann/json.hpp>
#include <optional>
#include <vector>

#include "common/strings.h"
#include "delta/schema_columns.h"

namespace lakeshare::sharing {

namespace {

using Json = nlohmann::json;

enum class Tok { kIdent, kQuotedIdent, kString, kNumber, kOp, kEnd };

struct Token {
  Tok kind;
  std::string text;
};

tl::unexpected<Error> Bad(std::string_view why) {
  return MakeError(ErrorCode::kMalformedRequest,
                   fmt::format("Unsupported predicate hint: {}", why));
}

// The text between the quote at s[i] and its closing twin, a doubled quote standing for one
// (`a``b` is a`b, 'it''s' is it's); `i` moves past the closing quote. `what` names the token in
// the error when the closing quote is missing.
Result<std::string> ReadQuoted(std::string_view s, size_t& i, std::string_view what) {
  const char quote = s[i];
  std::string text;
  ++i;
  for (;;) {
    if (i >= s.size()) return Bad(fmt::format("unterminated {}", what));
    if (s[i] == quote) {
      if (i + 1 < s.size() && s[i + 1] == quote) {
        text.push_back(quote);
        i += 2;
        continue;
      }
      ++i;
      return text;
    }
    text.push_back(s[i++]);
  }
}

Result<std::vector<Token>> Tokenize(std::string_view s) {
  std::vector<Token> out;
  size_t i = 0;
  while (i < s.size()) {
    unsigned char c = static_cast<unsigned char>(s[i]);
    if (std::isspace(c)) {
      ++i;
    } else if (std::isalpha(c) || c == '_') {
      size_t b = i;
      while (i < s.size() && (std::isalnum(static_cast<unsigned char>(s[i])) || s[i] == '_')) ++i;
      out.push_back({Tok::kIdent, std::string(s.substr(b, i - b))});
    } else if (c == '`') {
      LS_ASSIGN_OR_RETURN(std::string text, ReadQuoted(s, i, "`quoted` column name"));
      out.push_back({Tok::kQuotedIdent, std::move(text)});
    } else if (c == '\'') {
      LS_ASSIGN_OR_RETURN(std::string text, ReadQuoted(s, i, "string literal"));
      out.push_back({Tok::kString, std::move(text)});
    } else if (std::isdigit(c) ||
               ((c == '-' || c == '+' || c == '.') && i + 1 < s.size() &&
                (std::isdigit(static_cast<unsigned char>(s[i + 1])) || s[i + 1] == '.'))) {
      size_t b = i;
      ++i;
      while (i < s.size() &&
             (std::isalnum(static_cast<unsigned char>(s[i])) || s[i] == '.' ||
              ((s[i] == '-' || s[i] == '+') && (s[i - 1] == 'e' || s[i - 1] == 'E')))) {
        ++i;
      }
      out.push_back({Tok::kNumber, std::string(s.substr(b, i - b))});
    } else if (c == '<' || c == '>' || c == '=' || c == '!') {
      size_t b = i;
      ++i;
      if (i < s.size() && (s[i] == '=' || (c == '<' && s[i] == '>'))) ++i;
      std::string op(s.substr(b, i - b));
      if (op == "!") return Bad("unexpected '!'");
      if (op == "==") op = "=";
      out.push_back({Tok::kOp, std::move(op)});
    } else {
      return Bad(fmt::format("unexpected character '{}'", s[i]));
    }
  }
  out.push_back({Tok::kEnd, ""});
  return out;
}

bool IsKeyword(const Token& t, std::string_view kw) {
  return t.kind == Tok::kIdent && ToLower(t.text) == kw;
}

struct Operand {
  bool is_column = false;
  std::string text;  // column name or literal text
  bool literal_is_string = false;
};

Result<Operand> ParseOperand(const std::vector<Token>& toks, size_t& pos) {
  const Token& t = toks[pos];
  if (t.kind == Tok::kString) {
    ++pos;
    return Operand{false, t.text, true};
  }
  if (t.kind == Tok::kNumber) {
    ++pos;
    return Operand{false, t.text, false};
  }
  if (t.kind == Tok::kQuotedIdent) {
    ++pos;
    return Operand{true, t.text, false};
  }
  if (t.kind == Tok::kIdent) {
    std::string lower = ToLower(t.text);
    if ((lower == "date" || lower == "timestamp") && toks[pos + 1].kind == Tok::kString) {
      pos += 2;
      return Operand{false, toks[pos - 1].text, true};
    }
    if (lower == "true" || lower == "false") {
      ++pos;
      return Operand{false, lower, false};
    }
    ++pos;
    return Operand{true, t.text, false};
  }
  return Bad("expected a column or a constant");
}

Json ColumnNode(const ColumnType& c) {
  return Json{{"op", "column"}, {"name", c.name}, {"valueType", delta::ValueTypeName(c.type)}};
}

Result<const ColumnType*> Lookup(const std::map<std::string, ColumnType>& columns,
                                 const std::string& name) {
  auto it = columns.find(ToLower(name));
  if (it == columns.end()) {
    return Bad(fmt::format("'{}' is not a column with a comparable type", name));
  }
  return &it->second;
}


}  // namespace

std::map<std::string, ColumnType> PredicateColumns(std::string_view schema_string) {
  std::map<std::string, ColumnType> out;
  for (const delta::SchemaColumn& c :
       delta::TopLevelColumns(schema_string).value_or(std::vector<delta::SchemaColumn>())) {
    auto type = delta::ValueTypeOfDeltaType(c.type);
    if (type) out.emplace(ToLower(c.name), ColumnType{c.name, *type});
  }
  return out;
}

Result<std::string> SqlHintToJsonPredicate(std::string_view sql,
                                           const std::map<std::string, ColumnType>& columns) {
  if (sql.size() > 4096) return Bad("too long");
  LS_ASSIGN_OR_RETURN(std::vector<Token> toks, Tokenize(sql));
  size_t pos = 0;
  LS_ASSIGN_OR_RETURN(Operand left, ParseOperand(toks, pos));
  Json tree;
  if (IsKeyword(toks[pos], "is")) {
    ++pos;
    bool negated = false;
    if (IsKeyword(toks[pos], "not")) {
      negated = true;
      ++pos;
    }
    if (!IsKeyword(toks[pos], "null")) return Bad("expected NULL after IS");
    ++pos;
    if (!left.is_column) return Bad("IS NULL needs a column");
    LS_ASSIGN_OR_RETURN(const ColumnType* col, Lookup(columns, left.text));
    tree = Json{{"op", "isNull"}, {"children", Json::array({ColumnNode(*col)})}};
    if (negated) tree = Json{{"op", "not"}, {"children", Json::array({tree})}};
  } else {
    if (toks[pos].kind != Tok::kOp) return Bad("expected a comparison operator");
    std::string op = toks[pos].text;
    ++pos;
    LS_ASSIGN_OR_RETURN(Operand right, ParseOperand(toks, pos));
    if (left.is_column == right.is_column) {
      return Bad("a comparison needs one column and one constant");
    }
    if (!left.is_column) {
      // "'foo' < col" is "col > 'foo'".
      std::swap(left, right);
      if (op == "<") {
        op = ">";
      } else if (op == ">") {
        op = "<";
      } else if (op == "<=") {
        op = ">=";
      } else if (op == ">=") {
        op = "<=";
      }
    }
    LS_ASSIGN_OR_RETURN(const ColumnType* col, Lookup(columns, left.text));
    // The literal is read in the column's type; one that does not parse skips the hint.
    if (!delta::ParseTypedValue(col->type, right.text)) {
      return Bad(fmt::format("'{}' is not a valid {} value for column '{}'", right.text,
                             delta::ValueTypeName(col->type), col->name));
    }
    Json literal = {
        {"op", "literal"}, {"value", right.text}, {"valueType", delta::ValueTypeName(col->type)}};
    auto binary = [&](std::string_view name) {
      return Json{{"op", name}, {"children", Json::array({ColumnNode(*col), literal})}};
    };
    if (op == "=") {
      tree = binary("equal");
    } else if (op == "<>" || op == "!=") {
      tree = Json{{"op", "not"}, {"children", Json::array({binary("equal")})}};
    } else if (op == "<") {
      tree = binary("lessThan");
    } else if (op == "<=") {
      tree = binary("lessThanOrEqual");
    } else if (op == ">") {
      tree = binary("greaterThan");
    } else if (op == ">=") {
      tree = binary("greaterThanOrEqual");
    } else {
      return Bad(fmt::format("unknown operator '{}'", op));
    }
  }
  if (toks[pos].kind != Tok::kEnd) return Bad("unexpected text after the expression");
  try {
    // Strict: a literal that is not UTF-8 cannot be compared with string data; skip the hint.
    return tree.dump();
  } catch (const nlohmann::json::exception&) {
    return Bad("the expression is not valid UTF-8");
  }
}

}  // namespace lakeshare::sharing

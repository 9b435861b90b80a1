#include "storage/xml_internal.h"

#include <cstdint>

#include "common/strings.h"

namespace lakeshare::storage::internal {

namespace {

constexpr size_t kMaxDepth = 64;

// XML 1.0 §4.1: CharRef ::= '&#' [0-9]+ ';' | '&#x' [0-9a-fA-F]+ ';', and the referenced
// character must match the Char production (no NUL, no surrogates, at most U+10FFFF).
std::optional<uint32_t> ParseCharRef(std::string_view body) {
  int base = 10;
  if (!body.empty() && body.front() == 'x') {
    base = 16;
    body.remove_prefix(1);
  }
  if (body.empty() || body.size() > 8) {
    return std::nullopt;
  }
  uint32_t cp = 0;
  for (char c : body) {
    const int v = base == 16 ? HexDigitValue(c) : (c >= '0' && c <= '9' ? c - '0' : -1);
    if (v < 0) {
      return std::nullopt;
    }
    cp = cp * static_cast<uint32_t>(base) + static_cast<uint32_t>(v);
  }
  bool is_char = cp == 0x9 || cp == 0xA || cp == 0xD || (cp >= 0x20 && cp <= 0xD7FF) ||
                 (cp >= 0xE000 && cp <= 0xFFFD) || (cp >= 0x10000 && cp <= 0x10FFFF);
  if (!is_char) {
    return std::nullopt;
  }
  return cp;
}

std::string_view LocalName(std::string_view qname) {
  size_t colon = qname.rfind(':');
  return colon == std::string_view::npos ? qname : qname.substr(colon + 1);
}

bool IsNameEnd(char c) {
  return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '/' || c == '>';
}

}  // namespace

const XmlElement* XmlElement::Child(std::string_view child_name) const {
  for (const XmlElement& child : children) {
    if (child.name == child_name) {
      return &child;
    }
  }
  return nullptr;
}

std::optional<std::string_view> XmlElement::ChildText(std::string_view child_name) const {
  const XmlElement* child = Child(child_name);
  if (child == nullptr) {
    return std::nullopt;
  }
  return std::string_view(child->text);
}

std::optional<std::string> DecodeXmlText(std::string_view raw) {
  std::string out;
  out.reserve(raw.size());
  size_t i = 0;
  while (i < raw.size()) {
    size_t amp = raw.find('&', i);
    if (amp == std::string_view::npos) {
      out.append(raw.substr(i));
      break;
    }
    out.append(raw.substr(i, amp - i));
    size_t semi = raw.find(';', amp);
    if (semi == std::string_view::npos) {
      return std::nullopt;
    }
    std::string_view entity = raw.substr(amp + 1, semi - amp - 1);
    if (entity == "lt") {
      out.push_back('<');
    } else if (entity == "gt") {
      out.push_back('>');
    } else if (entity == "amp") {
      out.push_back('&');
    } else if (entity == "quot") {
      out.push_back('"');
    } else if (entity == "apos") {
      out.push_back('\'');
    } else if (!entity.empty() && entity.front() == '#') {
      std::optional<uint32_t> cp = ParseCharRef(entity.substr(1));
      if (!cp) {
        return std::nullopt;
      }
      AppendUtf8(out, *cp);
    } else {
      return std::nullopt;
    }
    i = semi + 1;
  }
  return out;
}

Result<XmlElement> ParseXml(std::string_view doc) {
  std::vector<XmlElement> stack;
  std::optional<XmlElement> root;
  size_t i = 0;
  auto corrupt = [&](std::string_view what) {
    return CorruptError("Malformed XML response at byte {}: {}", i, what);
  };
  while (i < doc.size()) {
    if (doc[i] != '<') {
      size_t lt = doc.find('<', i);
      std::string_view raw = doc.substr(i, lt == std::string_view::npos ? doc.size() - i : lt - i);
      if (stack.empty()) {
        // Only whitespace may sit outside the root element.
        for (char c : raw) {
          if (c != ' ' && c != '\t' && c != '\n' && c != '\r') {
            return corrupt("text outside the root element");
          }
        }
      } else {
        std::optional<std::string> text = DecodeXmlText(raw);
        if (!text) {
          return corrupt("bad entity or character reference");
        }
        stack.back().text += *text;
      }
      i += raw.size();
      continue;
    }
    std::string_view rest = doc.substr(i);
    if (rest.starts_with("<?")) {
      size_t end = doc.find("?>", i + 2);
      if (end == std::string_view::npos) return corrupt("unterminated processing instruction");
      i = end + 2;
    } else if (rest.starts_with("<!--")) {
      size_t end = doc.find("-->", i + 4);
      if (end == std::string_view::npos) return corrupt("unterminated comment");
      i = end + 3;
    } else if (rest.starts_with("<![CDATA[")) {
      size_t end = doc.find("]]>", i + 9);
      if (end == std::string_view::npos) return corrupt("unterminated CDATA section");
      if (stack.empty()) return corrupt("CDATA outside the root element");
      stack.back().text.append(doc.substr(i + 9, end - i - 9));
      i = end + 3;
    } else if (rest.starts_with("<!")) {
      return corrupt("DOCTYPE and other declarations are not accepted");
    } else if (rest.starts_with("</")) {
      size_t end = doc.find('>', i + 2);
      if (end == std::string_view::npos) return corrupt("unterminated end tag");
      std::string_view qname = doc.substr(i + 2, end - i - 2);
      while (!qname.empty() && (qname.back() == ' ' || qname.back() == '\t' ||
                                qname.back() == '\n' || qname.back() == '\r')) {
        qname.remove_suffix(1);
      }
      if (stack.empty() || stack.back().name != LocalName(qname)) {
        return corrupt("mismatched end tag");
      }
      XmlElement done = std::move(stack.back());
      stack.pop_back();
      if (stack.empty()) {
        if (root) return corrupt("more than one root element");
        root = std::move(done);
      } else {
        stack.back().children.push_back(std::move(done));
      }
      i = end + 1;
    } else {
      // Start tag: '<' Name (S Attribute)* S? ('>' | '/>'), attribute values quoted.
      size_t j = i + 1;
      while (j < doc.size() && !IsNameEnd(doc[j])) ++j;
      std::string_view qname = doc.substr(i + 1, j - i - 1);
      if (qname.empty()) return corrupt("empty element name");
      char quote = 0;
      while (j < doc.size()) {
        char c = doc[j];
        if (quote != 0) {
          if (c == quote) quote = 0;
        } else if (c == '"' || c == '\'') {
          quote = c;
        } else if (c == '>') {
          break;
        }
        ++j;
      }
      if (j >= doc.size()) return corrupt("unterminated start tag");
      bool self_closing = doc[j - 1] == '/';
      if (stack.empty() && root) return corrupt("more than one root element");
      XmlElement element;
      element.name = std::string(LocalName(qname));
      if (self_closing) {
        if (stack.empty()) {
          root = std::move(element);
        } else {
          stack.back().children.push_back(std::move(element));
        }
      } else {
        if (stack.size() >= kMaxDepth) return corrupt("elements nested too deeply");
        stack.push_back(std::move(element));
      }
      i = j + 1;
    }
  }
  if (!stack.empty()) {
    return corrupt("unclosed element");
  }
  if (!root) {
    return corrupt("no root element");
  }
  return std::move(*root);
}

}  // namespace lakeshare::storage::internal

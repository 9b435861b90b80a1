// A minimal XML reader for S3 responses (ListObjectsV2 results and error bodies): elements,
// character data with the five predefined entities and numeric character references, CDATA,
// comments and processing instructions. Attributes are skipped and namespace prefixes dropped;
// DOCTYPE is refused (S3 never sends one, and refusing it rules out entity expansion). Nesting is
// bounded. Not a general XML parser; pure functions, thread-safe.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/result.h"

namespace lakeshare::storage::internal {

struct XmlElement {
  std::string name;  // local name, without any namespace prefix
  std::string text;  // decoded character data directly inside this element
  std::vector<XmlElement> children;

  /// The first child named `name`, or null.
  const XmlElement* Child(std::string_view name) const;
  /// The text of the first child named `name`, or nullopt when there is none.
  std::optional<std::string_view> ChildText(std::string_view name) const;
};

/// Parse a document into its root element; kCorrupt with the offset on malformed input.
Result<XmlElement> ParseXml(std::string_view document);

/// Decode entity and character references in character data; nullopt when one is malformed.
std::optional<std::string> DecodeXmlText(std::string_view raw);

}  // namespace lakeshare::storage::internal

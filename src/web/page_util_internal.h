// What every page of web/ shares: the security headers of a public page (no-store, no referrer,
// a strict Content-Security-Policy that allows nothing from elsewhere, frame denial) and HTML
// escaping for text and attribute values.
#pragma once

#include <string>
#include <string_view>

#include "http/response.h"

namespace lakeshare::web::internal {

/// Set the headers of a public page (callers may relax Cache-Control for static assets).
void SetPageHeaders(http::Response& response);

/// Escape `&`, `"`, `'`, `<` and `>` for HTML text and attribute values.
std::string HtmlEscape(std::string_view text);

}  // namespace lakeshare::web::internal

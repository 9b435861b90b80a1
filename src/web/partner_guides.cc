#include "web/partner_guides.h"

#include <fmt/format.h>

#include <memory>
#include <string>

#include "common/quoted.h"
#include "web/page_util_internal.h"

namespace lakeshare::web {

namespace {

/// The guide's title: its first line without the leading "# ".
std::string_view TitleOf(std::string_view text) {
  std::string_view line = text.substr(0, text.find('\n'));
  if (line.starts_with("# ")) line.remove_prefix(2);
  return line;
}

std::string IndexPage(const std::string& sharing_endpoint) {
  std::string items;
  for (const PartnerGuide& g : PartnerGuides()) {
    items += fmt::format("<li><a href=\"{0}/guides/{1}\">{2}</a> <code>{1}</code></li>\n",
                         internal::HtmlEscape(sharing_endpoint), internal::HtmlEscape(g.name),
                         internal::HtmlEscape(TitleOf(g.text)));
  }
  return fmt::format(R"HTML(<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="referrer" content="no-referrer">
<title>Partner guides</title>
</head>
<body>
<h1>Partner guides</h1>
<p>How to read the tables shared with you. Start with the first guide (activation and the
credential file), then the one for your tool. The guides are plain text (Markdown).</p>
<ul>
{}</ul>
</body>
</html>
)HTML",
                     items);
}

/// A public page's reply (the guides, their index, their images): audited as one action, with the
/// pages' security headers.
http::Response PageReply(http::Request& request, std::string_view body,
                         std::string_view content_type) {
  request.audit()->action = "viewPartnerGuides";
  http::Response response = http::Response::Text(std::string(body), 200, content_type);
  internal::SetPageHeaders(response);
  return response;
}

/// GET `pattern` (ending in `{name}`): the entry of `files` of that name, its `content` as
/// `content_type`; a 404 naming `what` and saying `next` for any other name. The route keeps
/// `files` by reference and the texts as views: each must outlive the router (all are static).
template <typename File>
Status ServeByName(http::Router& router, const std::string& pattern, const std::vector<File>& files,
                   std::string_view File::*content, std::string_view content_type,
                   std::string_view what, std::string_view next) {
  http::RouteOptions options;
  options.authenticate = false;
  return router.Handle(
      "GET", pattern,
      [&files, content, content_type, what,
       next](http::Request& request) -> Result<http::Response> {
        const std::string& name = *request.PathParam("name");
        for (const File& file : files) {
          if (file.name == name) return PageReply(request, file.*content, content_type);
        }
        return Errorf(ErrorCode::kNotFound, "There is no {} {}; {}", what, Quoted(name), next);
      },
      options);
}

}  // namespace

Status RegisterPartnerGuides(http::Router& router, const std::string& sharing_endpoint) {
  http::RouteOptions options;
  options.authenticate = false;
  auto index = std::make_shared<const std::string>(IndexPage(sharing_endpoint));
  LS_RETURN_IF_ERROR(router.Handle(
      "GET", sharing_endpoint + "/guides/",
      [index](http::Request& request) -> Result<http::Response> {
        return PageReply(request, *index, "text/html; charset=utf-8");
      },
      options));
  LS_RETURN_IF_ERROR(ServeByName(router, sharing_endpoint + "/guides/{name}", PartnerGuides(),
                                 &PartnerGuide::text, "text/plain; charset=utf-8", "partner guide",
                                 "the list is at the guides page"));
  LS_RETURN_IF_ERROR(ServeByName(router, sharing_endpoint + "/guides/img/{name}", GuideImages(),
                                 &GuideImage::png, "image/png", "guide image",
                                 "open the guide that shows it from the guides page"));
  return OkStatus();
}

}  // namespace lakeshare::web

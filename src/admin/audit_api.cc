// The audit log (a Lakeshare extension): GET /api/2.1/lakeshare/audit, as JSON pages or as
// JSON lines (an export streams every matching event, a bounded page at a time). Oldest first
// unless `order=newest`.

#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "admin/api_base_internal.h"
#include "admin/api_resources_internal.h"

namespace lakeshare::admin::internal {
namespace {

/// The JSON lines of every event a query matches, read a page of kPageSize at a time as an export
/// streams them (one stream reads it; `catalog` must outlive it).
class AuditExport {
 public:
  static constexpr int64_t kPageSize = 1000;

  /// Read the first page now, so that a bad page_token is a 400, not a truncated stream.
  static Result<std::shared_ptr<AuditExport>> Start(catalog::Catalog* catalog,
                                                    catalog::AuditQuery query) {
    query.page.max_results = kPageSize;
    std::shared_ptr<AuditExport> events(new AuditExport(catalog, std::move(query)));
    LS_RETURN_IF_ERROR(events->ReadPage());
    return events;
  }

  /// The next line; nullopt after the last.
  Result<std::optional<std::string>> Next() {
    while (index_ >= lines_.size()) {
      if (done_) {
        return std::optional<std::string>();
      }
      LS_RETURN_IF_ERROR(ReadPage());
    }
    return std::optional<std::string>(std::move(lines_[index_++]));
  }

 private:
  AuditExport(catalog::Catalog* catalog, catalog::AuditQuery query)
      : catalog_(catalog), query_(std::move(query)) {}

  /// Replace the lines by those of the page at the query's token, and move the token on.
  Status ReadPage() {
    LS_ASSIGN_OR_RETURN(auto page, catalog_->QueryAuditEvents(query_));
    lines_.clear();
    index_ = 0;
    for (const catalog::AuditEvent& e : page.items) {
      lines_.push_back(JsonText(AuditEventJson(e)));
    }
    query_.page.page_token = page.next_page_token;
    done_ = page.next_page_token.empty();
    return {};
  }

  catalog::Catalog* catalog_;
  catalog::AuditQuery query_;
  std::vector<std::string> lines_;  // of the page read last
  size_t index_ = 0;                // the next line of lines_
  bool done_ = false;               // the page read last was the last
};

class AuditApi final : public ApiBase {
 public:
  using ApiBase::ApiBase;

  void AddRoutes(RouteList& routes) override {
    routes.Add("GET", LakesharePath("/audit"), "listAuditEvents", this, &AuditApi::QueryAudit);
  }

 private:
  Result<http::Response> QueryAudit(http::Request& request, const Caller& caller) {
    LS_RETURN_IF_ERROR(RequireAdmin(caller, "read the audit log"));
    catalog::AuditQuery query;
    LS_ASSIGN_OR_RETURN(query.from_ms, QueryInt(request, "from_time_ms"));
    LS_ASSIGN_OR_RETURN(query.to_ms, QueryInt(request, "to_time_ms"));
    for (auto [key, field] : {std::pair<const char*, std::string*>{"action", &query.action},
                              {"principal", &query.principal},
                              {"recipient", &query.recipient}}) {
      if (const std::string* v = request.QueryParam(key)) {
        *field = *v;
        Param(request, key, *v);
      }
    }
    if (const std::string* order = request.QueryParam("order")) {
      if (*order != "newest" && *order != "oldest") {
        return InvalidArgument("order must be newest or oldest, got '{}'", order->substr(0, 32));
      }
      query.newest_first = *order == "newest";
      Param(request, "order", *order);
    }
    const std::string* format = request.QueryParam("format");
    bool jsonl = false;
    if (format != nullptr) {
      if (*format == "jsonl") {
        jsonl = true;
      } else if (*format != "json") {
        return InvalidArgument("format must be json or jsonl, got '{}'", format->substr(0, 32));
      }
      Param(request, "format", *format);
    }
    LS_ASSIGN_OR_RETURN(Paging paging, ParsePaging(request));
    query.page.page_token = paging.page_token;
    if (jsonl && paging.all) {
      // Export: stream every matching event, a bounded page at a time.
      LS_ASSIGN_OR_RETURN(std::shared_ptr<AuditExport> events,
                          AuditExport::Start(catalog_, query));
      return http::Response::Ndjson([events] { return events->Next(); });
    }
    query.page.max_results = paging.all ? kDefaultPageSize : paging.max_results;
    LS_ASSIGN_OR_RETURN(auto listing, catalog_->QueryAuditEvents(query));
    if (jsonl) {
      std::string body;
      for (const auto& e : listing.items) {
        body += JsonText(AuditEventJson(e));
        body += '\n';
      }
      http::Response response =
          http::Response::Text(std::move(body), 200, http::kNdjsonContentType);
      if (!listing.next_page_token.empty()) {
        response.SetHeader("X-Next-Page-Token", listing.next_page_token);
      }
      return response;
    }
    return ItemsReply("events", listing.items, listing.next_page_token, AuditEventJson);
  }
};

}  // namespace

const ApiFactory kAuditApi = MakeApi<AuditApi>;

}  // namespace lakeshare::admin::internal

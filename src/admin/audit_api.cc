// The audit log (a Lakeshare extension): GET /api/2.1/lakeshare/audit, as JSON pages or as
// JSON lines (an export streams every matching event, a bounded page at a time). Oldest first
// unless `order=newest`.

#include <memory>
#include <utility>
#include <vector>

#include "admin/api_base_internal.h"
#include "admin/api_resources_internal.h"

namespace lakeshare::admin::internal {
namespace {

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
      catalog::Catalog* cat = catalog_;
      auto state = std::make_shared<std::pair<catalog::AuditQuery, bool>>(query, false);
      state->first.page.max_results = 1000;
      auto buffered = std::make_shared<std::vector<std::string>>();
      auto index = std::make_shared<size_t>(0);
      // Validate the first page now so a bad page_token is a 400, not a truncated stream.
      LS_ASSIGN_OR_RETURN(auto first, cat->QueryAuditEvents(state->first));
      for (const auto& e : first.items) {
        buffered->push_back(AuditEventJson(e).dump(-1, ' ', false, Json::error_handler_t::replace));
      }
      state->first.page.page_token = first.next_page_token;
      state->second = first.next_page_token.empty();
      return http::Response::Ndjson(
          [cat, state, buffered, index]() -> Result<std::optional<std::string>> {
            while (*index >= buffered->size()) {
              if (state->second) {
                return std::optional<std::string>();
              }
              LS_ASSIGN_OR_RETURN(auto page, cat->QueryAuditEvents(state->first));
              buffered->clear();
              *index = 0;
              for (const auto& e : page.items) {
                buffered->push_back(
                    AuditEventJson(e).dump(-1, ' ', false, Json::error_handler_t::replace));
              }
              state->first.page.page_token = page.next_page_token;
              state->second = page.next_page_token.empty();
            }
            return std::optional<std::string>(std::move((*buffered)[(*index)++]));
          });
    }
    query.page.max_results = paging.all ? kDefaultPageSize : paging.max_results;
    LS_ASSIGN_OR_RETURN(auto listing, catalog_->QueryAuditEvents(query));
    if (jsonl) {
      std::string body;
      for (const auto& e : listing.items) {
        body += AuditEventJson(e).dump(-1, ' ', false, Json::error_handler_t::replace);
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

// Listing endpoints (PROTOCOL.md, "List Shares", "Get Share", "List Schemas in a Share", "List
// Tables in a Schema", "List all Tables in a Share"): pages of what the provider lets the caller
// see, `maxResults` capped by list_page_size_limit, page tokens bound to the recipient and the
// listed parent.
#include <nlohmann/json.hpp>
#include <string>
#include <utility>

#include "common/strings.h"
#include "sharing/digests.h"
#include "sharing/endpoints_internal.h"
#include "sharing/page_tokens.h"
#include "sharing/query_request.h"

namespace lakeshare::sharing {

namespace {

using OrderedJson = nlohmann::ordered_json;

std::string Dump(const OrderedJson& body) {
  return body.dump(-1, ' ', false, OrderedJson::error_handler_t::replace);
}

OrderedJson TableItem(const TableInfo& t) {
  return {{"name", t.name},
          {"schema", t.schema},
          {"share", t.share},
          {"shareId", t.share_id},
          {"id", t.id}};
}

// One page of a listing. `kind` names the page token kind; `parent` is appended to the token's
// binding (the listed share and schema); `fetch(recipient, options)` asks the provider, `item`
// renders an entry and `key` gives the order key the next page resumes after.
template <typename Fetch, typename Item, typename Key>
Result<http::Response> ListingReply(const ServiceCore& core, const http::Request& request,
                                    std::string_view kind, const std::string& parent, Fetch fetch,
                                    Item item, Key key) {
  LS_ASSIGN_OR_RETURN(Recipient r, Caller(request));
  LS_ASSIGN_OR_RETURN(ListParams params,
                      ParseListParams(request, core.options.list_page_size_limit));
  const std::string binding = ShortDigest(r.name + '\0' + std::string(kind) + parent);
  ListOptions lo;
  lo.limit = params.max_results;
  if (params.page_token) {
    LS_ASSIGN_OR_RETURN(
        PageToken t, DecodePageToken(core.signer, *params.page_token, kind, binding, core.NowMs()));
    lo.after = t.after;
  }
  LS_ASSIGN_OR_RETURN(auto page, fetch(r, lo));
  OrderedJson items = OrderedJson::array();
  for (const auto& entry : page.items) items.push_back(item(entry));
  OrderedJson body = {{"items", std::move(items)}};
  if (page.more) {
    PageToken t;
    t.kind = std::string(kind);
    t.binding = binding;
    t.after = page.items.empty() ? lo.after : key(page.items.back());
    t.expires_ms = core.NowMs() + core.options.page_token_ttl_ms;
    body["nextPageToken"] = EncodePageToken(core.signer, t);
  }
  return http::Response::Json(Dump(body));
}

std::string Scope(std::string_view name) { return '\0' + ToLower(name); }

}  // namespace

Result<http::Response> ListShares(const ServiceCore& core, http::Request& request) {
  return ListingReply(
      core, request, "shares", "",
      [&](const Recipient& r, const ListOptions& lo) { return core.provider->ListShares(r, lo); },
      [](const ShareInfo& s) {
        OrderedJson item = {{"name", s.name}, {"id", s.id}};
        if (s.comment) item["comment"] = *s.comment;
        return item;
      },
      [](const ShareInfo& s) { return ToLower(s.name); });
}

Result<http::Response> GetShare(const ServiceCore& core, http::Request& request) {
  LS_ASSIGN_OR_RETURN(Recipient r, Caller(request));
  LS_ASSIGN_OR_RETURN(ShareInfo s, core.provider->GetShare(r, PathParam(request, "share")));
  OrderedJson share = {{"name", s.name}, {"id", s.id}};
  if (s.comment) share["comment"] = *s.comment;
  OrderedJson body = {{"share", std::move(share)}};
  return http::Response::Json(Dump(body));
}

Result<http::Response> ListSchemas(const ServiceCore& core, http::Request& request) {
  const std::string& share = PathParam(request, "share");
  return ListingReply(
      core, request, "schemas", Scope(share),
      [&](const Recipient& r, const ListOptions& lo) {
        return core.provider->ListSchemas(r, share, lo);
      },
      [](const SchemaInfo& s) {
        return OrderedJson{{"name", s.name}, {"share", s.share}};
      },
      [](const SchemaInfo& s) { return ToLower(s.name); });
}

Result<http::Response> ListTables(const ServiceCore& core, http::Request& request) {
  const std::string& share = PathParam(request, "share");
  const std::string& schema = PathParam(request, "schema");
  return ListingReply(
      core, request, "tables", Scope(share) + Scope(schema),
      [&](const Recipient& r, const ListOptions& lo) {
        return core.provider->ListTables(r, share, schema, lo);
      },
      TableItem, [](const TableInfo& t) { return ToLower(t.name); });
}

Result<http::Response> ListAllTables(const ServiceCore& core, http::Request& request) {
  const std::string& share = PathParam(request, "share");
  return ListingReply(
      core, request, "all-tables", Scope(share),
      [&](const Recipient& r, const ListOptions& lo) {
        return core.provider->ListAllTables(r, share, lo);
      },
      TableItem, [](const TableInfo& t) { return ToLower(t.schema) + '\x1f' + ToLower(t.name); });
}

}  // namespace lakeshare::sharing

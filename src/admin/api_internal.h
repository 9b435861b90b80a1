// Building blocks of the management API's resources (*_api.cc): strict JSON field readers,
// paging, and the JSON shapes of catalog objects. Internal to admin/; pure functions,
// thread-safe. Errors are Result/Status; uc_error.h renders them in Unity Catalog's shape.
#pragma once

#include <algorithm>
#include <cstdint>
#include <iterator>
#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "catalog/catalog.h"
#include "common/result.h"
#include "http/request.h"
#include "http/response.h"

namespace lakeshare::admin::internal {

using Json = nlohmann::json;

/// `value` as compact JSON text, as the API writes every document (replies, audit lines and
/// params): invalid UTF-8 is replaced, never thrown on.
std::string JsonText(const Json& value);
/// A JSON reply of JsonText(body).
http::Response JsonReply(const Json& body, int status = 200);
/// A 200 JsonReply that no cache may keep (`Cache-Control: no-store`): how a reply answers that
/// holds a secret (a new token, a credential file) or the state of a one-time activation link.
http::Response NoStoreReply(const Json& body);

// ---- Request bodies ------------------------------------------------------------------------

/// Parse a request body as a JSON object; an empty body is {}. Not JSON, nested deeper than 32
/// levels, or not an object: 400 MALFORMED_REQUEST.
Result<Json> ParseBody(std::string_view body);

/// Longest accepted string field (names, comments, URLs).
inline constexpr size_t kMaxStringBytes = 4096;

/// Field readers: absent or null -> nullopt; the wrong type -> 400 INVALID_PARAMETER_VALUE naming
/// the field and the expected type.
Result<std::optional<std::string>> OptString(const Json& object, std::string_view key,
                                                size_t max_bytes = kMaxStringBytes);
/// A required, non-empty string.
Result<std::string> ReqString(const Json& object, std::string_view key);
/// An integer given as a JSON integer or a string of digits (protobuf JSON spells int64 so).
Result<std::optional<int64_t>> OptInt(const Json& object, std::string_view key);
Result<std::optional<bool>> OptBool(const Json& object, std::string_view key);
/// A JSON object field (pointer into `object`), or null when absent/null.
Result<const Json*> OptObject(const Json& object, std::string_view key);
/// A JSON array field with at most `max_items` entries, or null when absent/null.
Result<const Json*> OptArray(const Json& object, std::string_view key, size_t max_items);
/// An array of strings with at most `max_items` entries.
Result<std::optional<std::vector<std::string>>> OptStringArray(const Json& object,
                                                                  std::string_view key,
                                                                  size_t max_items);

/// The `comment` and the `owner` asked for in a create body (read in that order; an owner is a
/// principal or group name of at most 255 bytes). ApiBase::SetCommentAndOwner applies them.
struct CommentAndOwner {
  std::string comment;
  std::optional<std::string> owner;
};
Result<CommentAndOwner> ReadCommentAndOwner(const Json& body);

// ---- Query parameters ----------------------------------------------------------------------

Result<std::optional<int64_t>> QueryInt(const http::Request& request, std::string_view name);
/// true/false (any case), 1/0; anything else is 400.
Result<std::optional<bool>> QueryBool(const http::Request& request, std::string_view name);

/// UC paging: `max_results` absent = everything, 0 = the default page (100), 1..1000 as given;
/// `page_token` from a previous `next_page_token`.
struct Paging {
  bool all = true;
  int64_t max_results = 0;
  std::string page_token;
};
inline constexpr int64_t kDefaultPageSize = 100;
inline constexpr int64_t kMaxPageSize = 1000;
Result<Paging> ParsePaging(const http::Request& request);

/// One page of the items a caller may see: pulls catalog pages (through `fetch`, a
/// Result<catalog::Listing<T>>(const catalog::PageRequest&)) and keeps those `visible` accepts, so
/// filtering never skips an item. The next page token is the catalog's own. Rows are pulled a
/// batch of kMaxPageSize at a time, whatever the page lacks: pulling only what it lacked made a
/// caller who sees few of N rows cost one query per hidden row. A page that ends inside a batch
/// fetches that batch's rows again up to its last item, so that the token points right after it.
template <typename T, typename Fetch, typename Visible>
Result<catalog::Listing<T>> ListVisible(const Paging& paging, Fetch&& fetch, Visible&& visible) {
  catalog::Listing<T> out;
  catalog::PageRequest page;
  page.page_token = paging.page_token;
  // Moves the visible items of `rows` into `kept`, at most `limit` of them (0: all); returns how
  // many rows that took.
  auto keep_visible = [&](std::vector<T>& rows, int64_t limit,
                          std::vector<T>& kept) -> Result<size_t> {
    for (size_t i = 0; i < rows.size(); ++i) {
      LS_ASSIGN_OR_RETURN(bool ok, visible(rows[i]));
      if (ok) {
        kept.push_back(std::move(rows[i]));
        if (limit > 0 && static_cast<int64_t>(kept.size()) == limit) {
          return i + 1;
        }
      }
    }
    return rows.size();
  };
  while (true) {
    const int64_t missing =
        paging.all ? 0 : paging.max_results - static_cast<int64_t>(out.items.size());
    if (!paging.all) {
      page.max_results = std::max(missing, kMaxPageSize);
    }
    LS_ASSIGN_OR_RETURN(catalog::Listing<T> listing, fetch(page));
    std::vector<T> kept;
    LS_ASSIGN_OR_RETURN(size_t rows, keep_visible(listing.items, missing, kept));
    if (rows < listing.items.size()) {
      // Rows written between the two reads may make this page a little longer or shorter than
      // asked; its token still follows its last item, so no item is skipped.
      page.max_results = static_cast<int64_t>(rows);
      LS_ASSIGN_OR_RETURN(listing, fetch(page));
      kept.clear();
      LS_RETURN_IF_ERROR(keep_visible(listing.items, 0, kept));
    }
    std::move(kept.begin(), kept.end(), std::back_inserter(out.items));
    page.page_token = listing.next_page_token;
    if (page.page_token.empty() ||
        (!paging.all && static_cast<int64_t>(out.items.size()) >= paging.max_results)) {
      out.next_page_token = page.page_token;
      return out;
    }
  }
}

// ---- JSON shapes -----------------------------------------------------------------------------

/// The fields of a named object whose row records who created and last changed it (shares,
/// recipients, groups, storage credentials, external locations): name, id, owner (when T has
/// one), comment and the four stamps. Each reply adds its own fields to these. The owner follows
/// the struct: a kind whose struct gains an `owner` shows it in its reply from then on.
template <typename T>
Json StampedObjectJson(const T& o) {
  Json out{{"name", o.name},
           {"id", o.id},
           {"comment", o.comment},
           {"created_at", o.created_at},
           {"created_by", o.created_by},
           {"updated_at", o.updated_at},
           {"updated_by", o.updated_by}};
  if constexpr (requires(T t) { t.owner; }) {
    out["owner"] = o.owner;
  }
  return out;
}

Json CatalogJson(const catalog::CatalogInfo& info);
Json SchemaJson(const catalog::SchemaInfo& info);
Json TableJson(const catalog::TableInfo& info);
Json DataObjectJson(const catalog::SharedDataObject& object);
Json ShareJson(const catalog::ShareInfo& info, bool include_objects);
Json PrivilegeAssignmentsJson(const std::vector<catalog::PrivilegeAssignment>& assignments);
Json PrincipalJson(const catalog::Principal& principal);
Json PrincipalTokenJson(const catalog::PrincipalToken& token);
Json AuditEventJson(const catalog::AuditEvent& event);
/// "TOKEN" stays; the catalog's "OIDC" is UC's "OIDC_FEDERATION".
std::string_view AuthenticationTypeName(std::string_view catalog_type);

/// Parse a UC SharedDataObject for `action` (ADD, UPDATE: full object; REMOVE: name or shared_as
/// only). data_object_type must be TABLE. `partitions` are validated and stored as JSON text.
/// The Lakeshare extensions of a data object (row_filter, columns, column_masks) as canonical JSON
/// for SharedDataObject::recipient_view_json ("" when none is given); kInvalidArgument when bad.
Result<std::string> CanonicalRecipientView(const Json& object);

Result<catalog::SharedDataObject> ParseDataObject(const Json& object,
                                                     catalog::SharedObjectChange::Action action);
/// Validate a UC `partitions` array ([{values: [{name, op: EQUAL|LIKE, value |
/// recipient_property_key}]}]) and return it as canonical JSON text ("" for an empty array).
Result<std::string> CanonicalPartitions(const Json& partitions);

/// The token part of an activation path parameter: the bare token, or the last segment of a full
/// activation URL. Null when it is not a plausible token (1-256 of [A-Za-z0-9_-]).
std::optional<std::string> ActivationTokenOf(std::string_view param);

}  // namespace lakeshare::admin::internal

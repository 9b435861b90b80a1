#include <algorithm>
#include <limits>

#include "admin/api_internal.h"
#include "common/json_bounds.h"
#include "common/numbers.h"
#include "common/strings.h"
#include "materialize/row_filter.h"

namespace lakeshare::admin::internal {
namespace {

std::string_view TypeName(const Json& value) {
  switch (value.type()) {
    case Json::value_t::null:
      return "null";
    case Json::value_t::object:
      return "an object";
    case Json::value_t::array:
      return "an array";
    case Json::value_t::string:
      return "a string";
    case Json::value_t::boolean:
      return "a boolean";
    case Json::value_t::number_integer:
    case Json::value_t::number_unsigned:
      return "an integer";
    case Json::value_t::number_float:
      return "a number";
    default:
      return "an unsupported value";
  }
}

/// The field `key` of `object`, or null when absent or JSON null.
const Json* Field(const Json& object, std::string_view key) {
  auto it = object.find(key);
  if (it == object.end() || it->is_null()) {
    return nullptr;
  }
  return &*it;
}

/// Nesting depth of a JSON text outside strings (a cheap guard before parsing).
bool NestedDeeperThan(std::string_view text, int limit) {
  int depth = 0;
  size_t i = 0;
  while (i < text.size()) {
    const char c = text[i];
    if (c == '"') {
      i = JsonStringEnd(text, i);
      continue;
    }
    if (c == '{' || c == '[') {
      if (++depth > limit) {
        return true;
      }
    } else if (c == '}' || c == ']') {
      --depth;
    }
    ++i;
  }
  return false;
}

Result<int64_t> ParseInt64(std::string_view text) {
  std::optional<int64_t> value = ParseInteger<int64_t>(text);
  if (!value) {
    return InvalidArgument("not an integer");
  }
  return *value;
}

void PutOptional(Json& out, const char* key, const std::optional<int64_t>& value) {
  if (value) {
    out[key] = *value;
  }
}

}  // namespace

std::string JsonText(const Json& value) {
  return value.dump(-1, ' ', false, Json::error_handler_t::replace);
}

http::Response JsonReply(const Json& body, int status) {
  return http::Response::Json(JsonText(body), status);
}

http::Response NoStoreReply(const Json& body) {
  http::Response response = JsonReply(body);
  response.SetHeader("Cache-Control", "no-store");
  return response;
}

Result<Json> ParseBody(std::string_view body) {
  if (Trim(body, " \t\r\n").empty()) {  // JSON's white space (RFC 8259 §2) only
    return Json::object();
  }
  if (NestedDeeperThan(body, 32)) {
    return MakeError(ErrorCode::kMalformedRequest,
                     "The request body nests JSON deeper than 32 levels");
  }
  Json parsed = Json::parse(body, nullptr, /*allow_exceptions=*/false);
  if (parsed.is_discarded()) {
    return MakeError(ErrorCode::kMalformedRequest,
                     "The request body is not valid JSON; send a JSON object (Content-Type: "
                     "application/json)");
  }
  if (!parsed.is_object()) {
    return MakeError(
        ErrorCode::kMalformedRequest,
        fmt::format("The request body must be a JSON object, got {}", TypeName(parsed)));
  }
  return parsed;
}

Result<std::optional<std::string>> OptString(const Json& object, std::string_view key,
                                             size_t max_bytes) {
  const Json* v = Field(object, key);
  if (v == nullptr) {
    return std::optional<std::string>();
  }
  if (!v->is_string()) {
    return InvalidArgument("Field '{}' must be a string, got {}", key, TypeName(*v));
  }
  const std::string& s = v->get_ref<const std::string&>();
  if (s.size() > max_bytes) {
    return InvalidArgument("Field '{}' is longer than {} bytes", key, max_bytes);
  }
  return std::optional<std::string>(s);
}

Result<CommentAndOwner> ReadCommentAndOwner(const Json& body) {
  CommentAndOwner out;
  LS_ASSIGN_OR_RETURN(auto comment, OptString(body, "comment"));
  LS_ASSIGN_OR_RETURN(out.owner, OptString(body, "owner", 255));
  out.comment = comment.value_or("");
  return out;
}

Result<std::string> ReqString(const Json& object, std::string_view key) {
  auto v = OptString(object, key);
  if (!v) {
    return tl::unexpected<Error>(v.error());
  }
  if (!*v || (*v)->empty()) {
    return InvalidArgument("Field '{}' is required", key);
  }
  return std::move(**v);
}

Result<std::optional<int64_t>> OptInt(const Json& object, std::string_view key) {
  const Json* v = Field(object, key);
  if (v == nullptr) {
    return std::optional<int64_t>();
  }
  // nlohmann counts unsigned numbers as integers too: look at them first.
  if (v->is_number_unsigned()) {
    uint64_t u = v->get<uint64_t>();
    if (u > static_cast<uint64_t>(std::numeric_limits<int64_t>::max())) {
      return InvalidArgument("Field '{}' is out of range", key);
    }
    return std::optional<int64_t>(static_cast<int64_t>(u));
  }
  if (v->is_number_integer()) {
    return std::optional<int64_t>(v->get<int64_t>());
  }
  if (v->is_string()) {
    auto parsed = ParseInt64(v->get_ref<const std::string&>());
    if (parsed) {
      return std::optional<int64_t>(*parsed);
    }
  }
  if (v->is_number_float()) {
    return InvalidArgument(
        "Field '{}' must be an integer, got a number with a fraction or out of "
        "range",
        key);
  }
  return InvalidArgument("Field '{}' must be an integer, got {}", key, TypeName(*v));
}

Result<std::optional<bool>> OptBool(const Json& object, std::string_view key) {
  const Json* v = Field(object, key);
  if (v == nullptr) {
    return std::optional<bool>();
  }
  if (!v->is_boolean()) {
    return InvalidArgument("Field '{}' must be true or false, got {}", key, TypeName(*v));
  }
  return std::optional<bool>(v->get<bool>());
}

Result<const Json*> OptObject(const Json& object, std::string_view key) {
  const Json* v = Field(object, key);
  if (v != nullptr && !v->is_object()) {
    return InvalidArgument("Field '{}' must be an object, got {}", key, TypeName(*v));
  }
  return v;
}

Result<const Json*> OptArray(const Json& object, std::string_view key, size_t max_items) {
  const Json* v = Field(object, key);
  if (v == nullptr) {
    return v;
  }
  if (!v->is_array()) {
    return InvalidArgument("Field '{}' must be an array, got {}", key, TypeName(*v));
  }
  if (v->size() > max_items) {
    return InvalidArgument("Field '{}' has {} entries; at most {} are allowed", key, v->size(),
                           max_items);
  }
  return v;
}

Result<std::optional<std::vector<std::string>>> OptStringArray(const Json& object,
                                                               std::string_view key,
                                                               size_t max_items) {
  auto array = OptArray(object, key, max_items);
  if (!array) {
    return tl::unexpected<Error>(array.error());
  }
  if (*array == nullptr) {
    return std::optional<std::vector<std::string>>();
  }
  std::vector<std::string> out;
  for (const Json& item : **array) {
    if (!item.is_string()) {
      return InvalidArgument("Field '{}' must hold strings, got {}", key, TypeName(item));
    }
    if (item.get_ref<const std::string&>().size() > kMaxStringBytes) {
      return InvalidArgument("An entry of '{}' is longer than {} bytes", key, kMaxStringBytes);
    }
    out.push_back(item.get<std::string>());
  }
  return std::optional<std::vector<std::string>>(std::move(out));
}

Result<std::optional<int64_t>> QueryInt(const http::Request& request, std::string_view name) {
  const std::string* v = request.QueryParam(name);
  if (v == nullptr) {
    return std::optional<int64_t>();
  }
  auto parsed = ParseInt64(*v);
  if (!parsed) {
    return InvalidArgument("Query parameter '{}' must be an integer, got '{}'", name,
                           v->substr(0, 64));
  }
  return std::optional<int64_t>(*parsed);
}

Result<std::optional<bool>> QueryBool(const http::Request& request, std::string_view name) {
  const std::string* v = request.QueryParam(name);
  if (v == nullptr) {
    return std::optional<bool>();
  }
  std::string lower = ToLower(*v);
  if (lower == "true" || lower == "1") {
    return std::optional<bool>(true);
  }
  if (lower == "false" || lower == "0") {
    return std::optional<bool>(false);
  }
  return InvalidArgument("Query parameter '{}' must be true or false, got '{}'", name,
                         v->substr(0, 64));
}

Result<Paging> ParsePaging(const http::Request& request) {
  Paging paging;
  auto max = QueryInt(request, "max_results");
  if (!max) {
    return tl::unexpected<Error>(max.error());
  }
  if (*max) {
    if (**max < 0 || **max > kMaxPageSize) {
      return InvalidArgument("max_results must be between 0 and {}, got {}", kMaxPageSize, **max);
    }
    paging.all = false;
    paging.max_results = **max == 0 ? kDefaultPageSize : **max;
  }
  if (const std::string* token = request.QueryParam("page_token")) {
    if (token->size() > 1024) {
      return InvalidArgument("Invalid page_token");
    }
    paging.page_token = *token;
  }
  return paging;
}

// ---- JSON shapes ----

namespace {

/// A JSON object the catalog stored as text (audit params, a recipient view); {} when the text
/// is empty or not an object.
Json StoredObject(const std::string& text) {
  if (!text.empty()) {
    Json parsed = Json::parse(text, nullptr, /*allow_exceptions=*/false);
    if (parsed.is_object()) {
      return parsed;
    }
  }
  return Json::object();
}

}  // namespace

Json CatalogJson(const catalog::CatalogInfo& c) {
  return Json{{"name", c.name},
              {"full_name", c.name},
              {"id", c.id},
              {"owner", c.owner},
              {"comment", c.comment},
              {"catalog_type", "MANAGED_CATALOG"},
              {"created_at", c.created_at},
              {"updated_at", c.updated_at}};
}

Json SchemaJson(const catalog::SchemaInfo& s) {
  return Json{{"name", s.name},
              {"catalog_name", s.catalog_name},
              {"full_name", s.full_name()},
              {"schema_id", s.id},
              {"owner", s.owner},
              {"comment", s.comment},
              {"created_at", s.created_at},
              {"updated_at", s.updated_at}};
}

Json TableJson(const catalog::TableInfo& t) {
  return Json{{"name", t.name},
              {"catalog_name", t.catalog_name},
              {"schema_name", t.schema_name},
              {"full_name", t.full_name()},
              {"table_id", t.id},
              {"table_type", std::string(catalog::TableInfo::kTableType)},
              {"data_source_format", std::string(catalog::TableInfo::kDataSourceFormat)},
              {"storage_location", t.storage_location},
              {"owner", t.owner},
              {"comment", t.comment},
              {"created_at", t.created_at},
              {"updated_at", t.updated_at}};
}

Json DataObjectJson(const catalog::SharedDataObject& o) {
  Json out{{"name", o.name},
           {"data_object_type", "TABLE"},
           {"shared_as", o.shared_as},
           {"comment", o.comment},
           {"history_data_sharing_status", o.history_data_sharing_status},
           {"cdf_enabled", o.cdf_enabled},
           {"status", o.status},
           {"added_at", o.added_at},
           {"added_by", o.added_by}};
  PutOptional(out, "start_version", o.start_version);
  if (!o.partitions_json.empty()) {
    Json partitions = Json::parse(o.partitions_json, nullptr, /*allow_exceptions=*/false);
    if (!partitions.is_discarded()) {
      out["partitions"] = std::move(partitions);
    }
  }
  const Json view = StoredObject(o.recipient_view_json);
  for (const auto& [key, value] : view.items()) out[key] = value;
  return out;
}

Json ShareJson(const catalog::ShareInfo& s, bool include_objects) {
  Json out = StampedObjectJson(s);
  if (include_objects) {
    Json objects = Json::array();
    for (const catalog::SharedDataObject& o : s.objects) {
      objects.push_back(DataObjectJson(o));
    }
    out["objects"] = std::move(objects);
  }
  return out;
}

Json PrivilegeAssignmentsJson(const std::vector<catalog::PrivilegeAssignment>& assignments) {
  Json out = Json::array();
  for (const catalog::PrivilegeAssignment& a : assignments) {
    Json privileges = Json::array();
    for (catalog::Privilege p : a.privileges) {
      privileges.push_back(std::string(catalog::PrivilegeName(p)));
    }
    out.push_back(Json{{"principal", a.principal}, {"privileges", std::move(privileges)}});
  }
  return out;
}

Json PrincipalJson(const catalog::Principal& p) {
  return Json{{"name", p.name},
              {"id", p.id},
              {"is_admin", p.is_admin},
              {"comment", p.comment},
              {"created_at", p.created_at},
              {"updated_at", p.updated_at}};
}

Json PrincipalTokenJson(const catalog::PrincipalToken& t) {
  Json out{{"token_id", t.id},
           {"principal", t.principal_name},
           {"comment", t.comment},
           {"creation_time", t.created_at}};
  PutOptional(out, "expiry_time", t.expires_at);
  PutOptional(out, "revoked_at", t.revoked_at);
  return out;
}

Json AuditEventJson(const catalog::AuditEvent& e) {
  return Json{{"event_id", e.id},
              {"event_time", e.time_ms},
              {"request_id", e.request_id},
              {"action_name", e.action},
              {"principal", e.principal},
              {"recipient", e.recipient},
              {"source_ip_address", e.source_ip},
              {"user_agent", e.user_agent},
              {"request_params", StoredObject(e.params_json)},
              {"response", Json{{"status_code", e.status_code},
                                {"error_message", e.error},
                                {"result", StoredObject(e.volume_json)}}}};
}

std::string_view AuthenticationTypeName(std::string_view catalog_type) {
  return catalog_type == "OIDC" ? std::string_view("OIDC_FEDERATION") : catalog_type;
}

Result<std::string> CanonicalPartitions(const Json& partitions) {
  constexpr size_t kMaxPartitions = 100;
  constexpr size_t kMaxValues = 32;
  if (!partitions.is_array()) {
    return InvalidArgument("'partitions' must be an array of {{\"values\": [...]}}, got {}",
                           TypeName(partitions));
  }
  if (partitions.size() > kMaxPartitions) {
    return InvalidArgument("'partitions' has {} entries; at most {} are allowed", partitions.size(),
                           kMaxPartitions);
  }
  if (partitions.empty()) {
    return std::string();
  }
  Json out = Json::array();
  for (size_t i = 0; i < partitions.size(); ++i) {
    const Json& partition = partitions[i];
    if (!partition.is_object()) {
      return InvalidArgument("partitions[{}] must be an object with 'values', got {}", i,
                             TypeName(partition));
    }
    for (const auto& item : partition.items()) {
      if (item.key() != "values") {
        return InvalidArgument("partitions[{}] has an unknown field '{}'; only 'values' is allowed",
                               i, item.key());
      }
    }
    const Json* values = Field(partition, "values");
    if (values == nullptr || !values->is_array() || values->empty()) {
      return InvalidArgument("partitions[{}].values must be a non-empty array", i);
    }
    if (values->size() > kMaxValues) {
      return InvalidArgument("partitions[{}].values has more than {} entries", i, kMaxValues);
    }
    Json canonical_values = Json::array();
    for (size_t j = 0; j < values->size(); ++j) {
      const Json& v = (*values)[j];
      std::string where = fmt::format("partitions[{}].values[{}]", i, j);
      if (!v.is_object()) {
        return InvalidArgument("{} must be an object, got {}", where, TypeName(v));
      }
      for (const auto& item : v.items()) {
        const std::string& k = item.key();
        if (k != "name" && k != "op" && k != "value" && k != "recipient_property_key") {
          return InvalidArgument(
              "{} has an unknown field '{}' (allowed: name, op, value, "
              "recipient_property_key)",
              where, k);
        }
      }
      auto name = OptString(v, "name", 255);
      auto op = OptString(v, "op", 16);
      auto value = OptString(v, "value");
      auto key = OptString(v, "recipient_property_key", 255);
      for (const auto* r : {&name, &op, &value, &key}) {
        if (!*r) {
          return InvalidArgument("{}: {}", where, r->error().message);
        }
      }
      if (!*name || (*name)->empty()) {
        return InvalidArgument("{}.name is required (a partition column)", where);
      }
      if (!*op || (**op != "EQUAL" && **op != "LIKE")) {
        return InvalidArgument("{}.op must be EQUAL or LIKE", where);
      }
      if (*value && *key) {
        return InvalidArgument("{} sets both 'value' and 'recipient_property_key'; give one",
                               where);
      }
      if (*key && (*key)->empty()) {
        return InvalidArgument("{}.recipient_property_key must not be empty", where);
      }
      Json c{{"name", **name}, {"op", **op}};
      if (*value) {
        c["value"] = **value;
      }
      if (*key) {
        c["recipient_property_key"] = **key;
      }
      canonical_values.push_back(std::move(c));
    }
    out.push_back(Json{{"values", std::move(canonical_values)}});
  }
  return out.dump();
}

Result<catalog::SharedDataObject> ParseDataObject(const Json& object,
                                                  catalog::SharedObjectChange::Action action) {
  if (!object.is_object()) {
    return InvalidArgument("'data_object' must be an object, got {}", TypeName(object));
  }
  catalog::SharedDataObject o;
  auto name = OptString(object, "name", 767);
  auto type = OptString(object, "data_object_type", 64);
  auto shared_as = OptString(object, "shared_as", 511);
  auto comment = OptString(object, "comment");
  auto history = OptString(object, "history_data_sharing_status", 64);
  for (const auto* r : {&name, &type, &shared_as, &comment, &history}) {
    if (!*r) {
      return tl::unexpected<Error>(r->error());
    }
  }
  if (*type && **type != "TABLE") {
    return InvalidArgument("data_object_type '{}' is not supported; Lakeshare shares TABLE objects",
                           **type);
  }
  if (*name) {
    o.name = **name;
  }
  if (*shared_as) {
    o.shared_as = **shared_as;
  }
  if (action == catalog::SharedObjectChange::Action::kRemove) {
    if (o.name.empty() && o.shared_as.empty()) {
      return InvalidArgument(
          "A REMOVE data_object needs 'name' (catalog.schema.table) or "
          "'shared_as'");
    }
    return o;
  }
  if (o.name.empty()) {
    return InvalidArgument("data_object.name is required (catalog.schema.table)");
  }
  if (std::count(o.name.begin(), o.name.end(), '.') != 2) {
    return InvalidArgument("data_object.name '{}' must be a full table name catalog.schema.table",
                           o.name);
  }
  if (*comment) {
    o.comment = **comment;
  }
  if (*history) {
    if (**history != "ENABLED" && **history != "DISABLED") {
      return InvalidArgument("history_data_sharing_status must be ENABLED or DISABLED, got '{}'",
                             **history);
    }
    o.history_data_sharing_status = **history;
  }
  auto cdf = OptBool(object, "cdf_enabled");
  if (!cdf) {
    return tl::unexpected<Error>(cdf.error());
  }
  if (*cdf) {
    o.cdf_enabled = **cdf;
  }
  auto start = OptInt(object, "start_version");
  if (!start) {
    return tl::unexpected<Error>(start.error());
  }
  if (*start) {
    if (**start < 0) {
      return InvalidArgument("start_version must not be negative, got {}", **start);
    }
    o.start_version = **start;
  }
  if (const Json* partitions = Field(object, "partitions")) {
    auto canonical = CanonicalPartitions(*partitions);
    if (!canonical) {
      return tl::unexpected<Error>(canonical.error());
    }
    o.partitions_json = std::move(*canonical);
  }
  LS_ASSIGN_OR_RETURN(o.recipient_view_json, CanonicalRecipientView(object));
  return o;
}

// Lakeshare extensions of a data object (issue 11): `row_filter` (a string holding a predicate in
// the protocol's JSON predicate language, with recipientProperty leaves), `columns` (the names
// partners may see) and `column_masks` ({"email": "hash", "phone": "null"}); bounded, checked,
// and stored together as canonical JSON ("" when none is given).
Result<std::string> CanonicalRecipientView(const Json& object) {
  constexpr size_t kMaxFilter = 1 << 20;
  constexpr size_t kMaxColumns = 1000;
  Json view = Json::object();
  LS_ASSIGN_OR_RETURN(auto filter, OptString(object, "row_filter", kMaxFilter));
  if (filter && !filter->empty()) {
    auto parsed = materialize::RowFilter::Resolve(*filter, {});
    if (!parsed) {
      return InvalidArgument("data_object.row_filter: {}", parsed.error().message);
    }
    view["row_filter"] = *filter;
  }
  if (const Json* columns = Field(object, "columns")) {
    if (!columns->is_array() || columns->size() > kMaxColumns) {
      return InvalidArgument("data_object.columns must be an array of at most {} column names",
                             kMaxColumns);
    }
    for (const Json& c : *columns) {
      if (!c.is_string() || c.get<std::string>().empty() || c.get<std::string>().size() > 255) {
        return InvalidArgument("data_object.columns holds {}, not a column name", c.dump());
      }
    }
    if (!columns->empty()) view["columns"] = *columns;
  }
  if (const Json* masks = Field(object, "column_masks")) {
    if (!masks->is_object() || masks->size() > kMaxColumns) {
      return InvalidArgument(
          "data_object.column_masks must be an object of at most {} \"column\": \"hash\" | "
          "\"null\" entries",
          kMaxColumns);
    }
    for (const auto& [column, kind] : masks->items()) {
      if (column.empty() || column.size() > 255 || !kind.is_string() ||
          (kind != "hash" && kind != "null")) {
        return InvalidArgument(
            "data_object.column_masks['{}'] must be \"hash\" or \"null\", got {}", column,
            kind.dump());
      }
    }
    if (!masks->empty()) view["column_masks"] = *masks;
  }
  return view.empty() ? std::string() : view.dump();
}

std::optional<std::string> ActivationTokenOf(std::string_view param) {
  while (!param.empty() && param.back() == '/') {
    param.remove_suffix(1);
  }
  size_t slash = param.rfind('/');
  if (slash != std::string_view::npos) {
    param = param.substr(slash + 1);
  }
  if (param.empty() || param.size() > 256) {
    return std::nullopt;
  }
  for (char c : param) {
    bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
              c == '-' || c == '_';
    if (!ok) {
      return std::nullopt;
    }
  }
  return std::string(param);
}

}  // namespace lakeshare::admin::internal

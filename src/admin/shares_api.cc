// Shares and their permissions: create, list, get, update (rename, owner, comment, the tables it
// holds), delete under /api/2.1/unity-catalog/shares, and GET/PATCH .../shares/{name}/permissions.

#include <fmt/format.h>

#include <algorithm>
#include <map>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "admin/api_base_internal.h"
#include "admin/api_resources_internal.h"
#include "common/error_context.h"
#include "common/log.h"
#include "common/parallel.h"

namespace lakeshare::admin::internal {
namespace {

using catalog::Privilege;
using catalog::SecurableType;

// How many shared tables' sources GET /shares/{name} reads at once.
constexpr size_t kSourceReadThreads = 8;

/// What a UC UPDATE of a shared table leaves: `existing` with the fields of `given` (parsed from
/// `data`) that `data` names (not null); the catalog replaces all of them.
catalog::SharedDataObject WithNamedFields(catalog::SharedDataObject existing,
                                          const catalog::SharedDataObject& given,
                                          const Json& data) {
  auto named = [&](const char* key) { return data.contains(key) && !data[key].is_null(); };
  auto take = [&](const char* key, auto field) {
    if (named(key)) {
      existing.*field = given.*field;
    }
  };
  using Object = catalog::SharedDataObject;
  take("shared_as", &Object::shared_as);
  take("comment", &Object::comment);
  take("history_data_sharing_status", &Object::history_data_sharing_status);
  take("cdf_enabled", &Object::cdf_enabled);
  take("start_version", &Object::start_version);
  take("partitions", &Object::partitions_json);
  // The Lakeshare extensions go together: naming any of them replaces all three.
  if (named("row_filter") || named("columns") || named("column_masks")) {
    existing.recipient_view_json = given.recipient_view_json;
  }
  return existing;
}

class SharesApi final : public ApiBase {
 public:
  using ApiBase::ApiBase;

  void AddRoutes(RouteList& routes) override {
    routes.AddCollection(UcPath("/shares"), "name", "Share", this,
                         {&SharesApi::CreateShare, &SharesApi::ListShares, &SharesApi::GetShare,
                          &SharesApi::UpdateShare, &SharesApi::DeleteShare});
    routes.Add("GET", UcPath("/shares/{name}/permissions"), "getSharePermissions", this,
               &SharesApi::GetSharePermissions);
    routes.Add("PATCH", UcPath("/shares/{name}/permissions"), "updateSharePermissions", this,
               &SharesApi::UpdateSharePermissions);
  }

 private:
  Result<http::Response> CreateShare(http::Request& request, const Caller& caller) {
    LS_ASSIGN_OR_RETURN(Json body, ParseBody(request.body()));
    catalog::ShareInfo info;
    LS_ASSIGN_OR_RETURN(info.name, NotedReqString(request, body, "name"));
    LS_ASSIGN_OR_RETURN(CommentAndOwner asked, ReadCommentAndOwner(body));
    LS_RETURN_IF_ERROR(RequireMeta(
        caller, Privilege::kCreateShare,
        "Creating a share needs CREATE_SHARE on the metastore; ask a metastore admin to grant it"));
    LS_RETURN_IF_ERROR(SetCommentAndOwner(caller, asked, info));
    info.created_by = caller.name;
    LS_ASSIGN_OR_RETURN(catalog::ShareInfo out, catalog_->CreateShare(info));
    return JsonReply(ShareJson(out, /*include_objects=*/true));
  }

  Result<http::Response> ListShares(http::Request& request, const Caller& caller) {
    LS_ASSIGN_OR_RETURN(Paging paging, ParsePaging(request));
    auto listing = ListByMetastorePrivilege<catalog::ShareInfo>(
        caller, paging, Privilege::kUseShare,
        [&](const catalog::PageRequest& p) { return catalog_->ListShares(p); });
    return ListReply("shares", listing,
                     [&](const auto& s) { return ShareJson(s, /*include_objects=*/false); });
  }

  Result<http::Response> GetShare(http::Request& request, const Caller& caller) {
    const std::string& name = NotedPathParam(request, "name");
    LS_ASSIGN_OR_RETURN(std::optional<bool> include, QueryBool(request, "include_shared_data"));
    if (include) {
      Param(request, "include_shared_data", *include ? "true" : "false");
    }
    LS_ASSIGN_OR_RETURN(catalog::ShareInfo share,
                        VisibleShare(caller, name, include.value_or(false)));
    LS_ASSIGN_OR_RETURN(Json out,
                        WithChangesServed(share.name, ShareJson(share, include.value_or(false))));
    return JsonReply(out);
  }

  /// On each shared table, what the sharing server finds at its location: `status` (ACTIVE, or
  /// why partners cannot read it, as Unity Catalog and the Open Sharing Server show a broken
  /// source) and, Lakeshare's, `changes_served`: whether its changes are served (history or CDF
  /// shared AND the table's change data feed enabled), as the changes endpoint decides; absent
  /// when the table's log cannot be read or no reader is wired. A table dropped since it was
  /// shared has no source and is left as it is; a metastore failure looking one up is the error
  /// (UpdateShare, whose change is already committed then, replies without them instead).
  Result<Json> WithChangesServed(const std::string& share_name, Json share) {
    auto objects = share.find("objects");
    if (!options_.shared_table_source || objects == share.end() || !objects->is_array()) {
      return share;
    }
    // The share's tables in one metastore transaction, whatever their number.
    LS_ASSIGN_OR_RETURN(std::vector<catalog::ShareContents> stored,
                        catalog_->GetSharesWithTables({share_name}));
    std::map<std::string, const catalog::TableInfo*> tables;  // by the object's name
    for (const catalog::ShareContents& contents : stored) {
      for (size_t i = 0; i < contents.tables.size(); ++i) {
        if (contents.tables[i]) tables[contents.share.objects[i].name] = &*contents.tables[i];
      }
    }
    // Each source is one log read from storage: they run side by side, so a share of hundreds
    // of tables on an object store answers in a few round trips rather than one per table.
    std::vector<std::pair<Json*, catalog::TableInfo>> reads;
    for (Json& o : *objects) {
      auto table = tables.find(o.value("name", ""));
      if (table != tables.end()) reads.emplace_back(&o, *table->second);
    }
    std::vector<ManagementOptions::SharedTableSource> sources(reads.size());
    ParallelFor(reads.size(), kSourceReadThreads,
                [&](size_t i) { sources[i] = options_.shared_table_source(reads[i].second); });
    for (size_t i = 0; i < reads.size(); ++i) {
      Json& o = *reads[i].first;
      const bool shared =
          o.value("history_data_sharing_status", "") == "ENABLED" || o.value("cdf_enabled", false);
      o["status"] = sources[i].status;
      if (sources[i].change_data_feed) {
        o["changes_served"] = shared && *sources[i].change_data_feed;
      }
    }
    return share;
  }

  Result<http::Response> UpdateShare(http::Request& request, const Caller& caller) {
    const std::string& name = NotedPathParam(request, "name");
    LS_ASSIGN_OR_RETURN(Json body, ParseBody(request.body()));
    catalog::ObjectUpdate update;
    LS_RETURN_IF_ERROR(ReadNameOwnerComment(request, body, update));
    LS_ASSIGN_OR_RETURN(const Json* updates, OptArray(body, "updates", kMaxUpdates));
    if (updates != nullptr) {
      Param(request, "updates", JsonText(*updates));
    }
    LS_ASSIGN_OR_RETURN(catalog::ShareInfo share, VisibleShare(caller, name, true));
    const bool is_owner = caller.is_admin || Owns(caller, share.owner);
    if (update.new_name && SameName(*update.new_name, share.name) &&
        *update.new_name == share.name) {
      update.new_name.reset();
    }
    if (update.new_name) {
      LS_ASSIGN_OR_RETURN(bool create, HasMeta(caller, Privilege::kCreateShare));
      if (!caller.is_admin && !(is_owner && create)) {
        return PermissionDenied("Renaming share '{}' needs its ownership and CREATE_SHARE",
                                share.name);
      }
    }
    if (update.owner) {
      Param(request, "owner", *update.owner);
      if (!is_owner) {
        LS_ASSIGN_OR_RETURN(bool set, HasMeta(caller, Privilege::kSetSharePermission));
        if (!set) {
          return PermissionDenied(
              "Changing the owner of share '{}' needs its ownership, or "
              "USE_SHARE and SET_SHARE_PERMISSION",
              share.name);
        }
      }
      LS_RETURN_IF_ERROR(CheckPrincipalExists(*update.owner));
    }
    if ((update.comment || updates != nullptr) && !is_owner) {
      return PermissionDenied(
          "Only the owner of share '{}' or a metastore admin can change its "
          "comment or objects",
          share.name);
    }
    std::vector<catalog::SharedObjectChange> changes;
    if (updates != nullptr) {
      LS_ASSIGN_OR_RETURN(changes, ParseShareUpdates(*updates, share, caller));
    }
    LS_ASSIGN_OR_RETURN(catalog::ShareInfo out,
                        catalog_->UpdateShare(share.name, update, changes, caller.name));
    AccessChanged("");
    // The update is committed: a failure to look its tables up now must not report it as failed
    // (the audit records this reply's status, and a client retrying an ADD would be refused as a
    // duplicate). The reply then carries each table's stored status, not its source's, and no
    // changes_served.
    Json reply = ShareJson(out, /*include_objects=*/true);
    Result<Json> served = WithChangesServed(out.name, reply);
    if (!served) {
      LogWarning("share '{}' was updated, but its tables' sources could not be looked up: {}",
                 out.name, served.error().message);
      return JsonReply(reply);
    }
    return JsonReply(*served);
  }

  Result<std::vector<catalog::SharedObjectChange>> ParseShareUpdates(
      const Json& updates, const catalog::ShareInfo& share, const Caller& caller) {
    using Action = catalog::SharedObjectChange::Action;
    std::vector<catalog::SharedObjectChange> changes;
    for (size_t i = 0; i < updates.size(); ++i) {
      const Json& u = updates[i];
      if (!u.is_object()) {
        return InvalidArgument("updates[{}] must be an object {{action, data_object}}", i);
      }
      LS_ASSIGN_OR_RETURN(std::string action_name, ReqString(u, "action"));
      Action action;
      if (action_name == "ADD") {
        action = Action::kAdd;
      } else if (action_name == "REMOVE") {
        action = Action::kRemove;
      } else if (action_name == "UPDATE") {
        action = Action::kUpdate;
      } else {
        return InvalidArgument("updates[{}].action must be ADD, REMOVE or UPDATE, got '{}'", i,
                               action_name);
      }
      LS_ASSIGN_OR_RETURN(const Json* data, OptObject(u, "data_object"));
      if (data == nullptr) {
        return InvalidArgument("updates[{}].data_object is required", i);
      }
      LS_ASSIGN_OR_RETURN(catalog::SharedDataObject object, ParseDataObject(*data, action));
      if (action == Action::kUpdate) {
        auto existing = std::find_if(
            share.objects.begin(), share.objects.end(),
            [&](const catalog::SharedDataObject& o) { return SameName(o.name, object.name); });
        if (existing == share.objects.end()) {
          return NotFound(ResourceKind::kSharedObject, "Table '{}' is not in share '{}'",
                          object.name, share.name);
        }
        object = WithNamedFields(*existing, object, *data);
      }
      // SELECT first: the partition check reads the table's log, and its messages name the
      // table's partition columns (or its storage location), which a caller without SELECT
      // must not learn. A caller who is not a metastore admin may share a table it holds SELECT
      // on (or owns); one it may not see reads as a missing one, and so does a missing catalog
      // or schema on the way, so that the reply tells no one which tables exist.
      if (action != Action::kRemove && !caller.is_admin) {
        LS_RETURN_IF_ERROR(VisibleTable(caller, object.name));
      }
      if (action != Action::kRemove && !object.partitions_json.empty() &&
          options_.check_partition_columns) {
        LS_RETURN_IF_ERROR(CheckPartitionColumns(object, i));
      }
      changes.push_back(catalog::SharedObjectChange{action, std::move(object)});
    }
    return changes;
  }

  // The columns `object.partitions` names must be partition columns of its table: a filter on
  // any other column could not be enforced, and the partner would get errors, not data.
  Status CheckPartitionColumns(const catalog::SharedDataObject& object, size_t i) {
    Json partitions = Json::parse(object.partitions_json, nullptr, /*allow_exceptions=*/false);
    std::vector<std::string> columns;
    if (partitions.is_array()) {
      for (const Json& p : partitions) {
        const Json* values = p.is_object() && p.contains("values") ? &p["values"] : nullptr;
        for (size_t j = 0; values != nullptr && values->is_array() && j < values->size(); ++j) {
          const Json& v = (*values)[j];
          if (v.is_object() && v.contains("name") && v["name"].is_string() &&
              std::find(columns.begin(), columns.end(), v["name"].get<std::string>()) ==
                  columns.end()) {
            columns.push_back(v["name"].get<std::string>());
          }
        }
      }
    }
    auto table = catalog_->GetTable(object.name);
    if (!table) {
      return tl::unexpected<Error>(table.error());
    }
    if (Status st = options_.check_partition_columns(*table, columns); !st) {
      // The check's own code: a bad column is a 400, a store it cannot reach a 503.
      return tl::unexpected(
          WithContext(st.error(), fmt::format("updates[{}].data_object.partitions", i)));
    }
    return {};
  }

  Result<http::Response> DeleteShare(http::Request& request, const Caller& caller) {
    const std::string& name = NotedPathParam(request, "name");
    LS_ASSIGN_OR_RETURN(catalog::ShareInfo share, VisibleShare(caller, name, false));
    LS_RETURN_IF_ERROR(RequireOwnerOrAdmin(caller, share.owner, "share", share.name, "delete it"));
    LS_RETURN_IF_ERROR(catalog_->DeleteShare(share.name));
    return AccessChangedReply("");
  }

  Result<http::Response> GetSharePermissions(http::Request& request, const Caller& caller) {
    const std::string& name = NotedPathParam(request, "name");
    LS_ASSIGN_OR_RETURN(Paging paging, ParsePaging(request));
    LS_ASSIGN_OR_RETURN(catalog::ShareInfo share, VisibleShare(caller, name, false));
    LS_ASSIGN_OR_RETURN(auto assignments,
                        catalog_->GetPermissions(SecurableType::kShare, share.name));
    LS_ASSIGN_OR_RETURN(auto page,
                        PageOf(std::move(assignments), paging,
                               [](const catalog::PrivilegeAssignment& a) { return a.principal; }));
    return PageReply("privilege_assignments", PrivilegeAssignmentsJson(page.first), page.second);
  }

  Result<http::Response> UpdateSharePermissions(http::Request& request, const Caller& caller) {
    const std::string& name = NotedPathParam(request, "name");
    LS_ASSIGN_OR_RETURN(Json body, ParseBody(request.body()));
    LS_ASSIGN_OR_RETURN(Json out, ChangeSharePermissions(request, caller, name, body));
    return JsonReply(out);
  }
};

}  // namespace

const ApiFactory kSharesApi = MakeApi<SharesApi>;

}  // namespace lakeshare::admin::internal

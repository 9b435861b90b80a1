// Groups of principals (issue 10; a Lakeshare extension, as principals are):
// /api/2.1/lakeshare/groups. A group name stands wherever a grantee or an owner is named; its
// members hold what it holds, at once (membership is read at every check). Metastore admins
// manage groups; a member sees the groups it belongs to.

#include <algorithm>
#include <memory>

#include "admin/api_base_internal.h"
#include "admin/api_resources_internal.h"
#include "common/strings.h"

namespace lakeshare::admin::internal {
namespace {

/// Most members added or removed by one request.
constexpr size_t kMaxMemberChanges = 1000;

Json GroupJson(const catalog::GroupInfo& g) {
  Json out = StampedObjectJson(g);
  out["members"] = g.members;
  return out;
}

bool IsMember(const Caller& caller, const catalog::GroupInfo& g) {
  return std::any_of(g.members.begin(), g.members.end(),
                     [&](const std::string& m) { return SameName(m, caller.name); });
}

class GroupsApi final : public ApiBase {
 public:
  using ApiBase::ApiBase;

  void AddRoutes(RouteList& routes) override {
    routes.AddCollection(LakesharePath("/groups"), "name", "Group", this,
                         {&GroupsApi::Create, &GroupsApi::List, &GroupsApi::Get, &GroupsApi::Update,
                          &GroupsApi::Delete});
  }

 private:
  Result<http::Response> Create(http::Request& request, const Caller& caller) {
    LS_ASSIGN_OR_RETURN(Json body, ParseBody(request.body()));
    catalog::GroupInfo info;
    LS_ASSIGN_OR_RETURN(info.name, NotedReqString(request, body, "name"));
    LS_ASSIGN_OR_RETURN(auto comment, OptString(body, "comment"));
    LS_ASSIGN_OR_RETURN(auto members, OptStringArray(body, "members", kMaxMemberChanges));
    LS_RETURN_IF_ERROR(RequireAdmin(caller, "create groups"));
    info.comment = comment.value_or("");
    info.created_by = caller.name;
    LS_ASSIGN_OR_RETURN(catalog::GroupInfo out, catalog_->CreateGroup(info));
    if (members && !members->empty()) {
      Param(request, "members", Join(*members, ","));
      catalog::GroupUpdate update;
      update.add_members = *members;
      update.updated_by = caller.name;
      auto filled = catalog_->UpdateGroup(out.name, update);
      if (!filled) {
        IgnoreError(catalog_->DeleteGroup(out.name),
                    "best-effort undo: the update's error is reported");
        return tl::unexpected<Error>(filled.error());
      }
      out = std::move(*filled);
    }
    return JsonReply(GroupJson(out));
  }

  Result<http::Response> List(http::Request& request, const Caller& caller) {
    LS_ASSIGN_OR_RETURN(Paging paging, ParsePaging(request));
    auto listing = ListVisible<catalog::GroupInfo>(
        paging, [&](const catalog::PageRequest& p) { return catalog_->ListGroups(p); },
        [&](const catalog::GroupInfo& g) -> Result<bool> {
          return caller.is_admin || IsMember(caller, g);
        });
    return ListReply("groups", listing, [](const auto& g) { return GroupJson(g); });
  }

  Result<catalog::GroupInfo> Visible(const Caller& caller, const std::string& name) {
    LS_ASSIGN_OR_RETURN(catalog::GroupInfo g, catalog_->GetGroup(name));
    if (!caller.is_admin && !IsMember(caller, g)) {
      return NotFound(ResourceKind::kGroup, "Group '{}' does not exist", name);
    }
    return g;
  }

  Result<http::Response> Get(http::Request& request, const Caller& caller) {
    const std::string& name = NotedPathParam(request, "name");
    LS_ASSIGN_OR_RETURN(catalog::GroupInfo g, Visible(caller, name));
    return JsonReply(GroupJson(g));
  }

  Result<http::Response> Update(http::Request& request, const Caller& caller) {
    const std::string& name = NotedPathParam(request, "name");
    LS_ASSIGN_OR_RETURN(Json body, ParseBody(request.body()));
    catalog::GroupUpdate update;
    LS_ASSIGN_OR_RETURN(update.comment, OptString(body, "comment"));
    LS_ASSIGN_OR_RETURN(auto add, OptStringArray(body, "add_members", kMaxMemberChanges));
    LS_ASSIGN_OR_RETURN(auto remove, OptStringArray(body, "remove_members", kMaxMemberChanges));
    update.add_members = add.value_or(std::vector<std::string>{});
    update.remove_members = remove.value_or(std::vector<std::string>{});
    update.updated_by = caller.name;
    LS_ASSIGN_OR_RETURN(catalog::GroupInfo g, Visible(caller, name));
    LS_RETURN_IF_ERROR(RequireAdmin(caller, "change groups"));
    if (!update.add_members.empty()) {
      Param(request, "add_members", Join(update.add_members, ","));
    }
    if (!update.remove_members.empty()) {
      Param(request, "remove_members", Join(update.remove_members, ","));
    }
    LS_ASSIGN_OR_RETURN(catalog::GroupInfo out, catalog_->UpdateGroup(g.name, update));
    AccessChanged("");
    return JsonReply(GroupJson(out));
  }

  Result<http::Response> Delete(http::Request& request, const Caller& caller) {
    const std::string& name = NotedPathParam(request, "name");
    LS_ASSIGN_OR_RETURN(catalog::GroupInfo g, Visible(caller, name));
    LS_RETURN_IF_ERROR(RequireAdmin(caller, "delete groups"));
    LS_RETURN_IF_ERROR(catalog_->DeleteGroup(g.name));
    return AccessChangedReply("");
  }
};

}  // namespace

const ApiFactory kGroupsApi = MakeApi<GroupsApi>;

}  // namespace lakeshare::admin::internal

// The resources of the management API (internal to admin/): one factory per file, listed once
// in management_service.cc. A new resource: a new <resource>_api.cc with its class deriving from
// ApiBase (api_base_internal.h) and its factory (`const ApiFactory kXApi = MakeApi<XApi>;`),
// the factory declared here, one line in the list.
#pragma once

#include <memory>

#include "admin/api_base_internal.h"

namespace lakeshare::admin::internal {

/// What every factory is: a new resource on `catalog` and `options` (both outlive it).
using ApiFactoryFn = std::unique_ptr<ApiBase>(catalog::Catalog* catalog,
                                              const ManagementOptions* options);
using ApiFactory = ApiFactoryFn*;

/// The factory of the resource class Api.
template <typename Api>
std::unique_ptr<ApiBase> MakeApi(catalog::Catalog* catalog, const ManagementOptions* options) {
  return std::make_unique<Api>(catalog, options);
}

extern const ApiFactory kMetastoreApi;
extern const ApiFactory kCatalogsApi;
extern const ApiFactory kSchemasApi;
extern const ApiFactory kTablesApi;
extern const ApiFactory kSharesApi;
extern const ApiFactory kRecipientsApi;
extern const ApiFactory kActivationApi;
extern const ApiFactory kPermissionsApi;
extern const ApiFactory kPrincipalsApi;
extern const ApiFactory kAuditApi;
extern const ApiFactory kFederationPoliciesApi;
extern const ApiFactory kOAuthClientsApi;
// Storage governance (issue 10).
extern const ApiFactory kExternalLocationsApi;
extern const ApiFactory kStorageCredentialsApi;
extern const ApiFactory kGroupsApi;

}  // namespace lakeshare::admin::internal

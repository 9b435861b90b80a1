// The resources of the management API (internal to admin/): one factory per file, listed once
// in management_service.cc. A new resource: a new <resource>_api.cc with its class deriving from
// ApiBase (api_base_internal.h), its factory declared here, one line in the list.
#pragma once

#include <memory>

#include "admin/api_base_internal.h"

namespace lakeshare::admin::internal {

/// What every factory is: a new resource on `catalog` and `options` (both outlive it).
using ApiFactoryFn = std::unique_ptr<ApiBase>(catalog::Catalog* catalog,
                                              const ManagementOptions* options);
using ApiFactory = ApiFactoryFn*;

ApiFactoryFn NewMetastoreApi;
ApiFactoryFn NewCatalogsApi;
ApiFactoryFn NewSchemasApi;
ApiFactoryFn NewTablesApi;
ApiFactoryFn NewSharesApi;
ApiFactoryFn NewRecipientsApi;
ApiFactoryFn NewActivationApi;
ApiFactoryFn NewPermissionsApi;
ApiFactoryFn NewPrincipalsApi;
ApiFactoryFn NewAuditApi;
ApiFactoryFn NewFederationPoliciesApi;
ApiFactoryFn NewOAuthClientsApi;
// Storage governance (issue 10).
ApiFactoryFn NewExternalLocationsApi;
ApiFactoryFn NewStorageCredentialsApi;
ApiFactoryFn NewGroupsApi;

}  // namespace lakeshare::admin::internal

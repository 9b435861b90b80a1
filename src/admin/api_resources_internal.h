// The resources of the management API (internal to admin/): one factory per file, listed once
// in management_service.cc. A new resource: a new <resource>_api.cc with its class deriving from
// ApiBase (api_base_internal.h), its factory declared here, one line in the list.
#pragma once

#include <memory>

#include "admin/api_base_internal.h"

namespace lakeshare::admin::internal {

using ApiFactory = std::unique_ptr<ApiBase> (*)(catalog::Catalog* catalog,
                                                const ManagementOptions* options);

std::unique_ptr<ApiBase> NewMetastoreApi(catalog::Catalog* catalog,
                                         const ManagementOptions* options);
std::unique_ptr<ApiBase> NewCatalogsApi(catalog::Catalog* catalog,
                                        const ManagementOptions* options);
std::unique_ptr<ApiBase> NewSchemasApi(catalog::Catalog* catalog, const ManagementOptions* options);
std::unique_ptr<ApiBase> NewTablesApi(catalog::Catalog* catalog, const ManagementOptions* options);
std::unique_ptr<ApiBase> NewSharesApi(catalog::Catalog* catalog, const ManagementOptions* options);
std::unique_ptr<ApiBase> NewRecipientsApi(catalog::Catalog* catalog,
                                          const ManagementOptions* options);
std::unique_ptr<ApiBase> NewActivationApi(catalog::Catalog* catalog,
                                          const ManagementOptions* options);
std::unique_ptr<ApiBase> NewPermissionsApi(catalog::Catalog* catalog,
                                           const ManagementOptions* options);
std::unique_ptr<ApiBase> NewPrincipalsApi(catalog::Catalog* catalog,
                                          const ManagementOptions* options);
std::unique_ptr<ApiBase> NewAuditApi(catalog::Catalog* catalog, const ManagementOptions* options);
std::unique_ptr<ApiBase> NewFederationPoliciesApi(catalog::Catalog* catalog,
                                                  const ManagementOptions* options);
std::unique_ptr<ApiBase> NewOAuthClientsApi(catalog::Catalog* catalog,
                                            const ManagementOptions* options);
// Storage governance (issue 10).
std::unique_ptr<ApiBase> NewExternalLocationsApi(catalog::Catalog* catalog,
                                                 const ManagementOptions* options);
std::unique_ptr<ApiBase> NewStorageCredentialsApi(catalog::Catalog* catalog,
                                                  const ManagementOptions* options);
std::unique_ptr<ApiBase> NewGroupsApi(catalog::Catalog* catalog, const ManagementOptions* options);

}  // namespace lakeshare::admin::internal

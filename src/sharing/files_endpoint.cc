// GET/HEAD /files/{shareId}/{tableId}/{path...}: the self-signed URLs of local tables, served by
// the server itself (file_urls.h, ServeSignedFile). The signature is the credential: the route
// needs no bearer token, and its path stays out of access logs.
#include "sharing/endpoints_internal.h"
#include "sharing/file_urls.h"

namespace lakeshare::sharing {

Result<http::Response> ServeFile(const ServiceCore& core, http::Request& request) {
  auto response =
      ServeSignedFile(request, *core.provider, core.stores, core.url_signer, core.NowMs());
  // The URL names its recipient; it is known to be genuine once the signature verified.
  const std::string* recipient = request.QueryParam("recipient");
  if (response && recipient) request.audit()->recipient = *recipient;
  return response;
}

}  // namespace lakeshare::sharing

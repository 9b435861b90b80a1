// GET/HEAD /files/{shareId}/{tableId}/{path...}: the self-signed URLs of local tables, served by
// the server itself (file_urls.h, ServeSignedFile), and /materialized/{shareId}/{tableId}/{path}:
// the files the materialization engine rewrote for a recipient, when its cache is a local folder.
// The signature is the credential: the routes need no bearer token, and their paths stay out of
// access logs.
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

Result<http::Response> ServeMaterializedFile(const ServiceCore& core, http::Request& request) {
  if (!core.options.materializer) return NotFound("No such file");
  auto response =
      ServeSignedFile(request, *core.provider, core.stores, core.url_signer, core.NowMs(),
                      UrlRoute::kMaterialized, &core.options.materializer->cache());
  const std::string* recipient = request.QueryParam("recipient");
  if (response && recipient) request.audit()->recipient = *recipient;
  return response;
}

}  // namespace lakeshare::sharing

// The activation page (issue 5, "Interface"): `GET {endpoint}/activation/{token}` answers an HTML
// page that a partner opens from the provider's activation link. The page reads what the link is
// for from the public activation-info endpoint and downloads the credential (profile) file once
// from the public activation endpoint, both served by admin/. The page itself holds no secret:
// it is the same static document for every token, and its script reads the token from the
// address bar. Responses carry no-store, no-referrer (the token is in the URL), a strict
// Content-Security-Policy and frame denial.
#pragma once

#include <string>

#include "common/result.h"
#include "http/router.h"

namespace lakeshare::web {

struct ActivationPageOptions {
  /// The protocol prefix ("/delta-sharing"); the page is served at {endpoint}/activation/{token}.
  std::string sharing_endpoint = "/delta-sharing";
  /// Where the public activation endpoints live.
  std::string management_prefix = "/api/2.1/unity-catalog";
};

/// Register the page and its script (public routes; paths are not logged).
Status RegisterActivationPage(http::Router& router, const ActivationPageOptions& options);

}  // namespace lakeshare::web

// Authenticator: who a request comes from, from what it presents (its Authorization header and
// its client address). The one interface of authentication (issue 13): each API's route group
// asks an Authenticator and never knows which credentials exist or where they are kept.
//
// Implementations:
//   recipient_authenticator.h  recipients of the metastore: bearer tokens (cached by digest),
//                              federated JWTs (issue 12), then the recipient's IP access list;
//   principal_authenticator.h  principals of the management API: API tokens, staff JWTs;
//   sharing/yaml_share_provider.h  the reference server's configuration file (its tokens).
//
// The route group's hook (http::Authenticator, a std::function of the http layer, which sits
// below auth/) adapts an Authenticator to a request: SharingService::Authenticate and
// ManagementService::Authenticate set the request's principal, identity and audit notes from
// the Identity, and audit a refusal under the caller RefusedCaller names.
//
// Thread-safe: implementations must be. Identities hold no secret.
#pragma once

#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "common/result.h"

namespace lakeshare::catalog {
struct Principal;
}  // namespace lakeshare::catalog

namespace lakeshare::auth {

/// What a request presents.
struct Credentials {
  /// The Authorization header's value; null when the header is absent.
  const std::string* authorization = nullptr;
  /// The client's address as text (http::Request::remote_address: the client behind trusted
  /// proxies).
  std::string_view remote_address;
};

/// Who a request comes from.
struct Identity {
  /// Names the caller in logs, audit, signed URLs and token bindings; never a secret.
  std::string name;
  /// The caller of a server configured without any credential (a reference-server file that
  /// sets no token): every request is accepted.
  bool anonymous = false;
  /// What the audit records about how the caller signed in (a federated token's issuer,
  /// subject and token id; never the token).
  std::map<std::string, std::string> audit_params{};
  /// A principal of the management API: its metastore record (admin right, groups); null for
  /// recipients.
  std::shared_ptr<const catalog::Principal> principal{};
};

class Authenticator {
 public:
  virtual ~Authenticator() = default;

  /// The caller `credentials` prove. kUnauthenticated when the credential is missing, malformed,
  /// unknown, expired or revoked; kPermissionDenied when the caller is known but may not call
  /// from its address; kUnavailable (and others) when the check itself could not be made.
  virtual Result<Identity> Authenticate(const Credentials& credentials) const = 0;

  /// After Authenticate refused valid credentials with kPermissionDenied, the caller they belong
  /// to, so that the refusal is audited under it; nullopt when unknown. Answers from what
  /// Authenticate cached (never reads the metastore).
  virtual std::optional<std::string> RefusedCaller(const Credentials& credentials) const {
    (void)credentials;
    return std::nullopt;
  }
};

}  // namespace lakeshare::auth

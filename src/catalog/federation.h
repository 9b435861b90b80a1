// Federation policies and OAuth clients (issue 12). Federation policies (Databricks' recipient
// federation policies): how a recipient of
// type OIDC_FEDERATION is recognised in a JWT that the partner's own identity provider issued.
// A policy names the issuer (`iss`), the audiences one of which the token's `aud` must hold, and
// a claim (`sub`, `azp`, `oid`, `groups`, or another claim name) that must be, or for a list
// contain, `subject`. A recipient may hold several. `jwks_uri` overrides OpenID discovery for
// issuers that publish none. An OAUTH_CLIENT_CREDENTIALS recipient is an OAuth client of this
// server: its client_id is the recipient id, its client secrets are its recipient tokens, and its
// public keys for private-key JWT client authentication are a registered JWK Set. Plain value
// types.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/result.h"

namespace lakeshare::catalog {

/// Recipient authentication types as stored (RecipientInfo::authentication_type). The management
/// API names kAuthOidc "OIDC_FEDERATION" (Unity Catalog's name); the others as stored.
inline constexpr std::string_view kAuthToken = "TOKEN";
inline constexpr std::string_view kAuthOidc = "OIDC";
inline constexpr std::string_view kAuthOAuthClientCredentials = "OAUTH_CLIENT_CREDENTIALS";

struct FederationPolicy {
  std::string id;  // stable UUID
  /// Lower-case letters, digits and hyphens; unique within the recipient.
  std::string name;
  std::string comment;
  std::string issuer;
  std::vector<std::string> audiences;
  std::string subject_claim;
  std::string subject;
  std::string jwks_uri;  // empty: discovered from the issuer
  int64_t created_at = 0;
  std::string created_by;
  int64_t updated_at = 0;
  std::string recipient_name;  // filled on read
};

/// A policy with what authentication needs of its recipient.
struct FederatedRecipientPolicy {
  FederationPolicy policy;
  std::string recipient_id;
  std::string authentication_type;
  std::optional<int64_t> recipient_expiration_time;
};

/// The most policies a recipient may hold, audiences a policy may list, and policies one issuer
/// may be named by across all recipients (what one token is checked against).
inline constexpr size_t kMaxPoliciesPerRecipient = 20;
inline constexpr size_t kMaxPolicyAudiences = 16;
inline constexpr size_t kMaxPoliciesPerIssuer = 10'000;

/// The largest JWK Set an OAuth client may register (its public keys for private-key JWT).
inline constexpr size_t kMaxClientKeysBytes = 64 * 1024;

/// Check the fields of a policy to be created; kInvalidArgument naming the field. (URLs are
/// checked for their scheme and host by the caller, which knows the server's IdP rules.)
Status ValidateFederationPolicy(const FederationPolicy& policy);

}  // namespace lakeshare::catalog

// RecipientIpGate: a recipient's IP access list as the metastore stores it, applied to a
// client address. Fail closed: a stored entry that does not parse refuses every address (the
// recipient's data stays unreachable until the provider corrects the list). Used by
// RecipientAuthenticator for every authenticated request and by the share provider for signed
// file URLs (which carry no bearer token). Immutable value, thread-safe.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "auth/ip_access_list.h"
#include "common/result.h"

namespace lakeshare::auth {

class RecipientIpGate {
 public:
  /// Everyone (an empty list).
  RecipientIpGate() = default;
  /// The gate of stored `entries` (addresses and CIDR ranges); an empty list allows everyone.
  static RecipientIpGate From(const std::vector<std::string>& entries);

  /// OK when `address` may call; kPermissionDenied naming the address otherwise (or saying that
  /// the list is invalid).
  Status Check(std::string_view address) const;

 private:
  IpAccessList list_;
  bool invalid_ = false;
};

}  // namespace lakeshare::auth

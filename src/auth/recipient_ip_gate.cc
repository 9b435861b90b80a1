#include "auth/recipient_ip_gate.h"

#include <fmt/format.h>

#include <utility>

namespace lakeshare::auth {

RecipientIpGate RecipientIpGate::From(const std::vector<std::string>& entries) {
  RecipientIpGate gate;
  auto parsed = IpAccessList::Parse(entries);
  if (parsed) {
    gate.list_ = std::move(*parsed);
  } else {
    gate.invalid_ = true;
  }
  return gate;
}

Status RecipientIpGate::Check(std::string_view address) const {
  if (invalid_) {
    return MakeError(ErrorCode::kPermissionDenied,
                     "The recipient's IP access list is invalid, so every request is refused; "
                     "ask the data provider to correct it");
  }
  if (!list_.Allows(address)) {
    return MakeError(ErrorCode::kPermissionDenied,
                     fmt::format("Requests from IP address '{}' are not allowed for this "
                                 "recipient; ask the data provider to add it to the recipient's "
                                 "IP access list",
                                 address));
  }
  return OkStatus();
}

}  // namespace lakeshare::auth

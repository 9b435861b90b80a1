// RefusalAggregator: bounds the audit rows an anonymous client can cause (issue 10, "anyone on
// the network fills the disk"). Refused requests (status >= 400) that carry neither a principal
// nor a recipient are grouped by client address and window (a minute by default): the first
// refusal of each kind (action and status, at most kMaxKindsRecorded kinds) in a group is recorded
// as it is, the others are only counted, and when the window has ended the group becomes one
// "anonymousRefusalsAggregated" event carrying the count, the statuses and the actions refused.
// Past `max_addresses` groups in one window, further addresses share one group with source_ip
// "*". So a window adds at most (kMaxKindsRecorded + 1) x (max_addresses + 1) rows, and one
// address repeating one refusal adds 2, whatever the flood. Refusals of an authenticated caller
// are never aggregated.
//
// Not thread-safe: AuditLog calls it under its lock. Times are the events' own (ms since epoch).
#pragma once

#include <cstddef>
#include <cstdint>
#include <map>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "catalog/catalog.h"

namespace lakeshare::catalog {

struct RefusalAggregatorOptions {
  /// Length of a window; 0 turns aggregation off (every refusal is recorded).
  int64_t window_ms = 60'000;
  /// Addresses recorded separately per window; the rest share one group ("*").
  size_t max_addresses = 10'000;
};

/// Kinds (action, status) of refusal recorded as they are per address and window.
inline constexpr size_t kMaxKindsRecorded = 16;

inline constexpr std::string_view kAggregatedRefusalsAction = "anonymousRefusalsAggregated";

class RefusalAggregator {
 public:
  explicit RefusalAggregator(RefusalAggregatorOptions options = {});

  /// Whether `event` is a refusal of an anonymous caller (what this aggregates).
  static bool IsAnonymousRefusal(const AuditEvent& event);

  /// Take an anonymous refusal: true when it is to be recorded as it is (the first of its kind
  /// in its group), false when it was only counted.
  bool Add(const AuditEvent& event);
  /// The aggregated events of the windows that ended at or before `now_ms`; groups with nothing
  /// counted beyond their first event give none. Call with INT64_MAX to take every group.
  std::vector<AuditEvent> TakeClosed(int64_t now_ms);

  /// Refusals counted (not recorded one by one) so far.
  uint64_t counted() const { return counted_; }
  /// Groups currently open.
  size_t groups() const { return groups_.size(); }

 private:
  struct Group {
    int64_t count = 0;  // counted beyond the first event
    int64_t first_ms = 0;
    int64_t last_ms = 0;
    std::string user_agent;
    std::map<int64_t, int64_t> statuses;
    std::map<std::string, int64_t> actions;  // at most kMaxActions, the rest under "other"
    std::set<std::pair<std::string, int64_t>> recorded;  // kinds recorded as they are
  };
  static AuditEvent ToEvent(int64_t window, const std::string& address, const Group& group,
                            int64_t window_ms);

  RefusalAggregatorOptions options_;
  std::map<std::pair<int64_t, std::string>, Group> groups_;  // (window, address)
  std::map<int64_t, size_t> addresses_per_window_;
  uint64_t counted_ = 0;
};

}  // namespace lakeshare::catalog

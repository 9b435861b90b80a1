#include "catalog/audit_aggregator.h"

#include <fmt/format.h>

#include <algorithm>

#include "common/strings.h"

namespace lakeshare::catalog {
namespace {

constexpr size_t kMaxActions = 16;
constexpr std::string_view kOverflowAddress = "*";

/// {"a":"1","b":"2"}: the request_params shape of every audit event (string values).
std::string JsonStringObject(const std::vector<std::pair<std::string, std::string>>& fields) {
  std::string out = "{";
  for (const auto& [key, value] : fields) {
    if (out.size() > 1) {
      out += ',';
    }
    AppendJsonString(out, key);
    out += ':';
    AppendJsonString(out, value);
  }
  out += '}';
  return out;
}

template <class Map>
std::string Tally(const Map& counts) {
  std::string out;
  for (const auto& [key, count] : counts) {
    if (!out.empty()) {
      out += ',';
    }
    out += fmt::format("{}:{}", key, count);
  }
  return out;
}

}  // namespace

RefusalAggregator::RefusalAggregator(RefusalAggregatorOptions options) : options_(options) {
  options_.max_addresses = std::max<size_t>(1, options_.max_addresses);
}

bool RefusalAggregator::IsAnonymousRefusal(const AuditEvent& event) {
  return event.status_code >= 400 && event.principal.empty() && event.recipient.empty() &&
         event.action != kAggregatedRefusalsAction;
}

bool RefusalAggregator::Add(const AuditEvent& event) {
  if (options_.window_ms <= 0) {
    return true;
  }
  int64_t window = event.time_ms / options_.window_ms;
  auto key = std::make_pair(window, event.source_ip);
  auto found = groups_.find(key);
  if (found == groups_.end()) {
    size_t& addresses = addresses_per_window_[window];
    if (addresses < options_.max_addresses) {
      ++addresses;
    } else {
      key.second = std::string(kOverflowAddress);
    }
    found = groups_.try_emplace(key).first;
    if (found->second.first_ms == 0) {
      found->second.first_ms = event.time_ms;
    }
  }
  Group& group = found->second;
  // The first refusal of each kind in the group is recorded as it is ("*" shares one group).
  auto kind = std::make_pair(event.action, event.status_code);
  if (group.recorded.size() < kMaxKindsRecorded && group.recorded.insert(kind).second) {
    return true;
  }
  ++group.count;
  ++counted_;
  group.last_ms = std::max(group.last_ms, event.time_ms);
  if (group.user_agent.empty()) {
    group.user_agent = event.user_agent;
  }
  ++group.statuses[event.status_code];
  if (group.actions.count(event.action) > 0 || group.actions.size() < kMaxActions) {
    ++group.actions[event.action];
  } else {
    ++group.actions["other"];
  }
  return false;
}

AuditEvent RefusalAggregator::ToEvent(int64_t window, const std::string& address,
                                      const Group& group, int64_t window_ms) {
  AuditEvent e;
  int64_t start = window * window_ms;
  e.time_ms = group.last_ms;
  e.action = std::string(kAggregatedRefusalsAction);
  e.source_ip = address;
  e.user_agent = group.user_agent;
  int64_t most = 0;
  for (const auto& [status, count] : group.statuses) {
    if (count > most) {
      most = count;
      e.status_code = status;
    }
  }
  e.params_json = JsonStringObject({{"count", std::to_string(group.count)},
                                    {"windowStartMs", std::to_string(start)},
                                    {"windowEndMs", std::to_string(start + window_ms)},
                                    {"statuses", Tally(group.statuses)},
                                    {"actions", Tally(group.actions)}});
  e.error = fmt::format(
      "{} further refusals of anonymous requests from {} in this window were counted into this "
      "event, not recorded one by one",
      group.count, address == kOverflowAddress ? "addresses beyond the per-window limit" : address);
  return e;
}

std::vector<AuditEvent> RefusalAggregator::TakeClosed(int64_t now_ms) {
  std::vector<AuditEvent> out;
  if (options_.window_ms <= 0) {
    return out;
  }
  for (auto it = groups_.begin(); it != groups_.end();) {
    int64_t window = it->first.first;
    bool closed = now_ms == INT64_MAX || (window + 1) * options_.window_ms <= now_ms;
    if (!closed) {
      break;  // ordered by window: the rest are later
    }
    if (it->second.count > 0) {
      out.push_back(ToEvent(window, it->first.second, it->second, options_.window_ms));
    }
    addresses_per_window_.erase(window);
    it = groups_.erase(it);
  }
  return out;
}

}  // namespace lakeshare::catalog

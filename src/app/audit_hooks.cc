#include "app/audit_hooks.h"

#include <nlohmann/json.hpp>

#include "catalog/audit_scope.h"
#include "common/log.h"
#include "http/error_response.h"
#include "http/request_id.h"

namespace lakeshare::app {

namespace {

bool StartsWith(std::string_view s, std::string_view prefix) {
  return s.size() >= prefix.size() && s.substr(0, prefix.size()) == prefix;
}

bool EndsWith(std::string_view s, std::string_view suffix) {
  return s.size() >= suffix.size() && s.substr(s.size() - suffix.size()) == suffix;
}

bool IsManagement(const http::Request& request) { return StartsWith(request.path(), "/api/"); }

std::string JsonObject(const std::map<std::string, std::string>& fields) {
  nlohmann::json j = nlohmann::json::object();
  for (const auto& [k, v] : fields) j[k] = v;
  return j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

/// The error text of a reply the handler built itself: "ERROR_CODE: message" from a JSON error
/// body of either shape ({"error_code","message"} or {"errorCode","message"}).
std::string ErrorTextOf(const http::Response& response) {
  if (response.status() < 400 || response.is_streaming()) return {};
  nlohmann::json j = nlohmann::json::parse(response.body(), nullptr, false);
  if (!j.is_object()) return "HTTP " + std::to_string(response.status());
  std::string code, message;
  for (const char* key : {"error_code", "errorCode"}) {
    if (j.contains(key) && j[key].is_string()) code = j[key].get<std::string>();
  }
  if (j.contains("message") && j["message"].is_string()) message = j["message"].get<std::string>();
  if (code.empty()) return message;
  return message.empty() ? code : code + ": " + message;
}

}  // namespace

bool IsUnauditedProbe(const http::Request& request) {
  const std::string& p = request.path();
  return p == "/healthz" || p == "/readyz" || p == "/metrics";
}

std::string DefaultAuditAction(const http::Request& request) {
  const std::string& route = request.route();
  const std::string& m = request.method();
  if (route.empty()) return IsManagement(request) ? "unknownManagementRoute" : "unknownRoute";
  if (StartsWith(route, "/files/") || route.find("/files/") != std::string::npos) {
    return "deltaSharingDownloadFile";
  }
  if (route.find("/activation/") != std::string::npos) return "viewActivationPage";
  if (route.find("data_sharing_activation_info") != std::string::npos) return "getActivationUrlInfo";
  if (route.find("data_sharing_activation") != std::string::npos) return "retrieveRecipientToken";
  if (!IsManagement(request)) {
    if (EndsWith(route, "/shares")) return "deltaSharingListShares";
    if (EndsWith(route, "/shares/{share}")) return "deltaSharingGetShare";
    if (EndsWith(route, "/schemas")) return "deltaSharingListSchemas";
    if (EndsWith(route, "/tables")) return "deltaSharingListTables";
    if (EndsWith(route, "/all-tables")) return "deltaSharingListAllTables";
    if (EndsWith(route, "/version") || (EndsWith(route, "/tables/{table}") && m == "HEAD")) {
      return "deltaSharingGetTableVersion";
    }
    if (EndsWith(route, "/metadata")) return "deltaSharingGetTableMetadata";
    if (EndsWith(route, "/query")) return "deltaSharingQueryTable";
    if (EndsWith(route, "/changes")) return "deltaSharingQueryTableChanges";
    return "deltaSharingRequest";
  }
  return m + " " + route;
}

catalog::AuditEvent AuditEventFor(const http::Request& request, int status,
                                  std::string_view error_message, int64_t now_ms) {
  catalog::AuditEvent e;
  e.time_ms = now_ms;
  e.request_id = request.request_id();
  const http::AuditNotes* notes = request.audit_notes();
  e.action = notes != nullptr && !notes->action.empty() ? notes->action
                                                        : DefaultAuditAction(request);
  const std::string& principal = request.principal();
  if (StartsWith(principal, "recipient:")) {
    e.recipient = principal.substr(std::string_view("recipient:").size());
  } else {
    e.principal = principal;
  }
  if (notes != nullptr && !notes->recipient.empty()) e.recipient = notes->recipient;
  e.source_ip = request.remote_address();
  if (const std::string* ua = request.Header("User-Agent")) e.user_agent = ua->substr(0, 512);
  std::map<std::string, std::string> params;
  if (notes != nullptr) params = notes->params;
  params.emplace("method", request.method());
  // A route that may carry a secret in its path (activation links) is recorded by pattern.
  params.emplace("path", http::Router::LogPathOf(request) ? request.path() : request.route());
  // The client's own id beside the server's request_id (http/request_id.h): set here, over any
  // value a handler recorded, so that a caller never chooses what this key says.
  params.erase("client_request_id");
  if (std::string client_id = http::ClientRequestId(request); !client_id.empty()) {
    params["client_request_id"] = std::move(client_id);
  }
  e.params_json = JsonObject(params);
  e.status_code = status;
  e.error = std::string(error_message.substr(0, 2048));
  e.dedup_key = ManagementDedupKey(request);
  return e;
}

std::string ManagementDedupKey(const http::Request& request) {
  if (!IsManagement(request) || request.request_id().empty()) {
    return {};
  }
  // A retry is the same client request id (X-Request-Id), caller, method, path and body; a reused
  // id with another request is another event. Without a client id, the server's (unique) one.
  std::string id = http::ClientRequestId(request);
  if (id.empty()) id = request.request_id();
  std::string parts = id + '\n' + request.principal() + '\n' + request.method() + ' ' +
                      request.path() + '\n' + catalog::HashToken(request.body());
  return catalog::HashToken(parts);
}

http::Middleware MakeDurableAuditMiddleware(catalog::AuditLog* log, const Clock* clock) {
  return [log, &wall_clock = ClockOr(clock)](http::Request& request,
                                             const http::Handler& next) -> Result<http::Response> {
    if (!IsManagement(request)) return next(request);
    // The event is committed with the request's first change (audit_scope.h), as it stands
    // then; below, once the response is known, its outcome replaces that.
    catalog::PendingAuditEvent pending;
    pending.make_event = [&request, &wall_clock] {
      return AuditEventFor(request, 0, "interrupted: the change was committed, its response not",
                           wall_clock.NowMs());
    };
    Result<http::Response> result = [&] {
      catalog::AuditScope scope(&pending);
      return next(request);
    }();
    int status = 0;
    std::string error;
    if (result) {
      status = result->status();
      error = ErrorTextOf(*result);
    } else {
      status = http::HttpStatusFor(result.error().code);
      error = std::string(http::ProtocolErrorCodeFor(result.error().code)) + ": " +
              result.error().message;
    }
    catalog::AuditEvent event = AuditEventFor(request, status, error, wall_clock.NowMs());
    if (pending.recorded_before) {
      request.audit()->recorded = true;  // an earlier attempt of this request is the record
      return result;
    }
    Status st = pending.written_id != 0 ? log->Finish(pending.written_id, event) : log->Write(event);
    if (st) {
      request.audit()->recorded = true;
    } else if (pending.written_id != 0) {
      // The event is stored (with the change); only its outcome could not be recorded.
      request.audit()->recorded = true;
      LogWarning("audit: recording the outcome of request {} failed: {}", request.request_id(),
                 st.error().message);
    } else {
      // The completion hook queues it instead; the reply still goes out (the change is made).
      LogWarning("audit: writing the event of request {} failed: {}", request.request_id(),
                 st.error().message);
    }
    return result;
  };
}

http::CompletionHook MakeAuditCompletionHook(catalog::AuditLog* log, const Clock* clock) {
  return [log, &wall_clock = ClockOr(clock)](const http::Completion& c) {
    const http::Request& request = c.request;
    if (IsUnauditedProbe(request)) return;
    const http::AuditNotes* notes = request.audit_notes();
    int64_t now = wall_clock.NowMs();
    std::string error;
    if (c.error != nullptr) {
      error = std::string(http::ProtocolErrorCodeFor(c.error->code)) + ": " + c.error->message;
    } else if (c.outcome != http::Outcome::kComplete) {
      error = std::string(http::OutcomeName(c.outcome));
    }
    if (notes == nullptr || !notes->recorded) {
      log->Enqueue(AuditEventFor(request, c.status, error, now));
    }
    if (notes != nullptr && !notes->served_action.empty() && c.status >= 200 && c.status < 300) {
      catalog::AuditEvent served = AuditEventFor(request, c.status, error, now);
      served.action = notes->served_action;
      std::map<std::string, std::string> result = notes->result;
      result.emplace("bodyBytes", std::to_string(c.body_bytes));
      result.emplace("outcome", std::string(http::OutcomeName(c.outcome)));
      served.volume_json = JsonObject(result);
      log->Enqueue(std::move(served));
    }
    if (notes == nullptr) return;
    for (const auto& later : notes->later_events) {
      auto [action, result_json] = later();
      if (action.empty()) continue;
      catalog::AuditEvent e = AuditEventFor(request, c.status, error, now);
      e.action = std::move(action);
      e.volume_json = std::move(result_json);
      log->Enqueue(std::move(e));
    }
  };
}

}  // namespace lakeshare::app

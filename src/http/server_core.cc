#include <fmt/format.h>

#include <cmath>
#include <exception>
#include <string>

#include "http/request_id.h"
#include "http/server_core_internal.h"

namespace lakeshare::http::internal {

ServerCore::ServerCore(ServerOptions opts, Router& r, MetricsRegistry& m)
    : options(std::move(opts)),
      router(r),
      metrics(m),
      log(options.log_sink ? options.log_sink : StderrLogSink()),
      requests_total(m.AddCounter("lakeshare_http_requests_total",
                                  "HTTP requests answered, by method, route pattern and status.",
                                  {"method", "route", "status"})),
      request_seconds(m.AddHistogram(
          "lakeshare_http_request_duration_seconds",
          "Time from a request fully read to its response fully written, in seconds.",
          {"method", "route", "status"})),
      response_bytes(m.AddCounter("lakeshare_http_response_body_bytes_total",
                                  "Response body bytes written, by method and route pattern.",
                                  {"method", "route"})),
      incomplete_total(
          m.AddCounter("lakeshare_http_responses_incomplete_total",
                       "Responses that did not end normally: stream_aborted or connection_lost.",
                       {"route", "outcome"})),
      in_flight(m.AddGauge("lakeshare_http_requests_in_flight",
                           "Requests read and not yet fully answered.")),
      connections_open(
          m.AddGauge("lakeshare_http_connections_open", "Client connections currently open.")),
      connections_total(
          m.AddCounter("lakeshare_http_connections_total", "Client connections accepted.")),
      connections_refused(m.AddCounter(
          "lakeshare_http_connections_refused_total",
          "Connections refused right after accept, by reason (per_address, max_connections).",
          {"reason"})),
      connections_evicted(m.AddCounter(
          "lakeshare_http_connections_evicted_total",
          "Connections waiting for a request head closed to make room near max_connections.")),
      head_timeouts(m.AddCounter(
          "lakeshare_http_head_timeouts_total",
          "Connections closed because a request head did not arrive within head_timeout.")),
      write_timeouts(m.AddCounter(
          "lakeshare_http_write_timeouts_total",
          "Connections closed because a write (a response, or a part of a stream) did not "
          "finish within write_timeout: clients that stopped reading.")),
      send_rate_cuts(m.AddCounter(
          "lakeshare_http_send_rate_cuts_total",
          "Connections closed because their client took a streamed response slower than "
          "min_send_bytes_per_second, by more than send_rate_slack.")) {}

void ServerCore::Register(const std::shared_ptr<SessionBase>& session) {
  MutexLock lock(mu);
  sessions.emplace(session.get(), session);
  if (!session->limit_key.empty()) {
    ++per_address[session->limit_key];
  }
}

void ServerCore::Unregister(SessionBase* session) {
  {
    MutexLock lock(mu);
    if (session->evicting.exchange(false)) {
      --evictions_pending;
    }
    if (sessions.erase(session) > 0 && !session->limit_key.empty()) {
      auto it = per_address.find(session->limit_key);
      if (it != per_address.end() && --it->second == 0) {
        per_address.erase(it);
      }
    }
  }
  sessions_cv.SignalAll();
}

std::vector<std::shared_ptr<SessionBase>> ServerCore::Sessions() {
  std::vector<std::shared_ptr<SessionBase>> out;
  MutexLock lock(mu);
  for (auto& [raw, weak] : sessions) {
    if (auto session = weak.lock()) {
      out.push_back(std::move(session));
    }
  }
  return out;
}

void ServerCore::RecordExchange(const Request& request, int status, int64_t bytes, double seconds,
                                Outcome outcome, const Error* error) {
  std::string route = request.route().empty() ? "unmatched" : request.route();
  std::string method(MethodLabel(request.method()));
  std::string status_text = std::to_string(status);
  requests_total.Inc({method, route, status_text});
  request_seconds.Observe({method, route, status_text}, seconds);
  response_bytes.Inc({method, route}, static_cast<double>(bytes));
  if (outcome != Outcome::kComplete) {
    incomplete_total.Inc({route, std::string(OutcomeName(outcome))});
  }
  if (options.access_log) {
    bool failed = status >= 500 || outcome == Outcome::kStreamAborted;
    JsonLine line(failed ? "error" : (status >= 400 ? "warn" : "info"), "http_request");
    line.Str("request_id", request.request_id());
    if (std::string client_id = ClientRequestId(request); !client_id.empty()) {
      line.Str("client_request_id", client_id);
    }
    line.Str("remote", request.remote_address())
        .Str("method", request.method())
        .Str("path", Router::LogPathOf(request) ? request.path() : request.route())
        .Str("query", Router::LogPathOf(request) ? RedactedQuery(request) : "")
        .Str("route", route)
        .Int("status", status)
        .Int("bytes", bytes)
        .Num("duration_ms", std::round(seconds * 1e6) / 1e3)
        .Str("outcome", OutcomeName(outcome));
    if (!request.principal().empty()) {
      line.Str("principal", request.principal());
    }
    if (const std::string* agent = request.Header("User-Agent")) {
      line.Str("user_agent", std::string_view(*agent).substr(0, 256));
    }
    if (error != nullptr) {
      // Internal detail is fine here: the log is the operator's, not the client's. A message may
      // echo what the client sent (up to a whole body): its start is enough, and keeps the line
      // bounded like the rest of it.
      constexpr size_t kMaxLoggedError = 4096;
      std::string text = error->ToString();
      if (text.size() > kMaxLoggedError) {
        text = fmt::format("{}... ({} bytes)", std::string_view(text).substr(0, kMaxLoggedError),
                           text.size());
      }
      line.Str("error", text);
    }
    Log(line.Take());
  }
  try {
    Completion completion{request, status, bytes, seconds, outcome, error};
    router.Complete(completion);
  } catch (const std::exception& e) {
    LogError("completion_hook_exception", request.request_id(), e.what());
  } catch (...) {
    LogError("completion_hook_exception", request.request_id(), "non-standard exception");
  }
}

void ServerCore::RunIo() {
  while (true) {
    try {
      ioc->run();
      return;
    } catch (const std::exception& e) {
      LogError("network_thread_exception", "", e.what());
    } catch (...) {
      LogError("network_thread_exception", "", "non-standard exception");
    }
  }
}

}  // namespace lakeshare::http::internal

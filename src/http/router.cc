#include "http/router.h"

#include <algorithm>
#include <random>
#include <set>

#include "common/quoted.h"
#include "common/strings.h"
#include "http/error_response.h"
#include "http/request_id.h"

namespace lakeshare::http {
namespace {

enum class SegmentKind { kLiteral = 0, kParam = 1, kTail = 2 };

struct PatternSegment {
  SegmentKind kind = SegmentKind::kLiteral;
  std::string text;  // the literal, or the parameter name
};

Result<std::vector<PatternSegment>> ParsePattern(std::string_view pattern) {
  if (pattern.empty() || pattern.front() != '/') {
    return InvalidArgument("Route pattern '{}' must start with '/'", pattern);
  }
  std::vector<PatternSegment> segments;
  std::string_view rest = pattern.substr(1);
  if (!rest.empty() && rest.back() == '/') {
    rest.remove_suffix(1);
  }
  if (rest.empty()) {
    return segments;
  }
  std::set<std::string, std::less<>> names;
  for (std::string_view part : Split(rest, '/')) {
    if (part.empty()) {
      return InvalidArgument("Route pattern '{}' has an empty segment", pattern);
    }
    if (!segments.empty() && segments.back().kind == SegmentKind::kTail) {
      return InvalidArgument("Route pattern '{}': '{{name...}}' must be the last segment", pattern);
    }
    PatternSegment segment;
    if (part.front() == '{') {
      if (part.size() < 3 || part.back() != '}') {
        return InvalidArgument("Route pattern '{}' has a malformed parameter '{}'", pattern, part);
      }
      std::string_view name = part.substr(1, part.size() - 2);
      segment.kind = SegmentKind::kParam;
      if (name.size() > 3 && name.substr(name.size() - 3) == "...") {
        name.remove_suffix(3);
        segment.kind = SegmentKind::kTail;
      }
      if (name.empty() || name.find_first_of("{}/.") != std::string_view::npos) {
        return InvalidArgument("Route pattern '{}' has a malformed parameter '{}'", pattern, part);
      }
      if (!names.emplace(name).second) {
        return InvalidArgument("Route pattern '{}' repeats parameter '{}'", pattern, name);
      }
      segment.text = std::string(name);
    } else {
      if (part.find_first_of("{}") != std::string_view::npos) {
        return InvalidArgument("Route pattern '{}' has a malformed segment '{}'", pattern, part);
      }
      // Literals are compared with decoded request segments.
      std::optional<std::string> decoded = PercentDecode(part, false);
      if (!decoded) {
        return InvalidArgument("Route pattern '{}' has a malformed escape", pattern);
      }
      segment.text = std::move(*decoded);
    }
    segments.push_back(std::move(segment));
  }
  return segments;
}

std::mt19937_64& ThreadRandom() {
  thread_local std::mt19937_64 engine([] {
    std::random_device device;
    std::seed_seq seed{device(), device(), device(), device()};
    return std::mt19937_64(seed);
  }());
  return engine;
}

}  // namespace

struct Router::Route {
  std::string method;
  std::string pattern;
  std::vector<PatternSegment> segments;
  Handler handler;
  RouteOptions options;

  /// Match decoded request segments; fills `params` on success.
  bool Match(const std::vector<std::string>& request_segments, size_t count,
             std::vector<Field>* params) const {
    params->clear();
    size_t i = 0;
    for (const PatternSegment& segment : segments) {
      if (segment.kind == SegmentKind::kTail) {
        if (i >= count) {
          return false;
        }
        std::string tail;
        for (size_t j = i; j < count; ++j) {
          if (j > i) {
            tail += '/';
          }
          tail += request_segments[j];
        }
        params->emplace_back(segment.text, std::move(tail));
        return true;
      }
      if (i >= count) {
        return false;
      }
      const std::string& value = request_segments[i];
      if (segment.kind == SegmentKind::kLiteral) {
        bool same = options.case_insensitive ? EqualsIgnoreCase(segment.text, value)
                                             : segment.text == value;
        if (!same) {
          return false;
        }
      } else {
        if (value.empty()) {
          return false;
        }
        params->emplace_back(segment.text, value);
      }
      ++i;
    }
    return i == count;
  }

  /// True when this route is more specific than `other` (literal beats parameter at the first
  /// segment where they differ; a parameter beats a tail).
  bool MoreSpecificThan(const Route& other) const {
    size_t n = std::min(segments.size(), other.segments.size());
    for (size_t i = 0; i < n; ++i) {
      if (segments[i].kind != other.segments[i].kind) {
        return segments[i].kind < other.segments[i].kind;
      }
    }
    return segments.size() > other.segments.size();
  }
};

std::string_view OutcomeName(Outcome outcome) {
  switch (outcome) {
    case Outcome::kComplete:
      return "complete";
    case Outcome::kStreamAborted:
      return "stream_aborted";
    case Outcome::kConnectionLost:
      return "connection_lost";
  }
  return "unknown";
}

bool IsSaneRequestId(std::string_view id) {
  if (id.empty() || id.size() > 128) {
    return false;
  }
  return std::all_of(id.begin(), id.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' ||
           c == '_' || c == '.' || c == ':';
  });
}

std::string ClientRequestId(const Request& request) {
  const std::string* id = request.Header("X-Request-Id");
  return id != nullptr && IsSaneRequestId(*id) ? *id : std::string();
}

std::string NewRequestId() {
  std::mt19937_64& engine = ThreadRandom();
  uint64_t words[2] = {engine(), engine()};
  return HexEncode(std::string_view(reinterpret_cast<const char*>(words), sizeof(words)));
}

/// The segments of a literal route pattern or path ("/a/b/" -> a, b).
static std::vector<std::string> SegmentsOf(std::string_view path) {
  std::vector<std::string> out;
  std::string_view rest = path.substr(path.empty() ? 0 : 1);
  if (!rest.empty() && rest.back() == '/') {
    rest.remove_suffix(1);
  }
  if (!rest.empty()) {
    for (std::string_view part : Split(rest, '/')) {
      out.emplace_back(part);
    }
  }
  return out;
}

Router::Router() : groups_(1) {}
Router::~Router() = default;

Status Router::Handle(std::string_view method, std::string_view pattern, Handler handler,
                      RouteOptions options) {
  if (method.empty()) {
    return InvalidArgument("Route method must not be empty");
  }
  LS_ASSIGN_OR_RETURN(std::vector<PatternSegment> segments, ParsePattern(pattern));
  if (HasRoute(method, pattern)) {
    return MakeError(ErrorCode::kAlreadyExists,
                     fmt::format("Route {} {} is already registered", method, pattern));
  }
  Route route;
  route.method = std::string(method);
  route.pattern = std::string(pattern);
  route.segments = std::move(segments);
  route.handler = std::move(handler);
  route.options = options;
  routes_.push_back(std::move(route));
  return OkStatus();
}

bool Router::HasRoute(std::string_view method, std::string_view pattern) const {
  return std::any_of(routes_.begin(), routes_.end(), [&](const Route& route) {
    return route.method == method && route.pattern == pattern;
  });
}

void Router::Use(Middleware middleware) { middlewares_.push_back(std::move(middleware)); }

void Router::UseBeforeRouting(Middleware middleware) {
  early_middlewares_.push_back(std::move(middleware));
}

Status Router::Mount(const std::vector<std::string>& prefixes, RouteGroup group) {
  if (prefixes.empty()) {
    return InvalidArgument("Route group '{}' needs at least one path prefix", group.name);
  }
  std::vector<Mounted> added;
  for (const std::string& prefix : prefixes) {
    LS_ASSIGN_OR_RETURN(std::vector<PatternSegment> segments, ParsePattern(prefix));
    Mounted mounted{{}, groups_.size()};
    for (PatternSegment& segment : segments) {
      if (segment.kind != SegmentKind::kLiteral) {
        return InvalidArgument("Route group prefix '{}' must be literal", prefix);
      }
      mounted.prefix.push_back(std::move(segment.text));
    }
    auto same = [&](const Mounted& other) { return other.prefix == mounted.prefix; };
    if (std::any_of(mounted_.begin(), mounted_.end(), same) ||
        std::any_of(added.begin(), added.end(), same)) {
      return MakeError(ErrorCode::kAlreadyExists,
                       fmt::format("A route group is already mounted at '{}'", prefix));
    }
    added.push_back(std::move(mounted));
  }
  groups_.push_back(std::move(group));
  for (Mounted& mounted : added) {
    mounted_.push_back(std::move(mounted));
  }
  return OkStatus();
}

const RouteGroup& Router::GroupOfSegments(const std::vector<std::string>& segments,
                                          size_t count) const {
  const Mounted* best = nullptr;
  for (const Mounted& mounted : mounted_) {
    if (mounted.prefix.size() > count ||
        !std::equal(mounted.prefix.begin(), mounted.prefix.end(), segments.begin())) {
      continue;
    }
    if (best == nullptr || mounted.prefix.size() > best->prefix.size()) {
      best = &mounted;
    }
  }
  return groups_[best != nullptr ? best->group : 0];
}

const RouteGroup& Router::GroupOf(const Request& request) const {
  if (!request.route().empty()) {
    std::vector<std::string> pattern = SegmentsOf(request.route());
    return GroupOfSegments(pattern, pattern.size());
  }
  const std::vector<std::string>& segments = request.path_segments();
  size_t count = segments.size();
  if (count > 0 && segments.back().empty()) {
    --count;  // trailing '/'
  }
  return GroupOfSegments(segments, count);
}

std::string_view Router::GroupNameOf(std::string_view path) const {
  std::vector<std::string> segments = SegmentsOf(path);
  return GroupOfSegments(segments, segments.size()).name;
}

Response Router::RenderError(const Request& request, const Error& error) const {
  const RouteGroup& group = GroupOf(request);
  return group.error_renderer ? group.error_renderer(request, error)
                              : ErrorResponse(error, request.request_id());
}

void Router::SetAuthenticator(Authenticator authenticator) {
  groups_[0].authenticator = std::move(authenticator);
}

void Router::AddCompletionHook(CompletionHook hook) {
  completion_hooks_.push_back(std::move(hook));
}

bool Router::LogPathOf(const Request& request) { return request.log_path_; }

Result<Response> Router::RunChain(size_t index, Request& request, const Handler& handler) const {
  if (index == middlewares_.size()) {
    return handler(request);
  }
  Handler next = [this, index, &handler](Request& r) { return RunChain(index + 1, r, handler); };
  return middlewares_[index](request, next);
}

Result<Response> Router::RunEarly(size_t index, Request& request, const Handler& rest) const {
  if (index == early_middlewares_.size()) {
    return rest(request);
  }
  Handler next = [this, index, &rest](Request& r) { return RunEarly(index + 1, r, rest); };
  return early_middlewares_[index](request, next);
}

Response Router::Dispatch(Request& request) const {
  // 0. Client address.
  if (client_address_) {
    request.set_remote_address(client_address_(request));
  }
  // 1. Request id: the server's own; the client's is ClientRequestId(request).
  request.set_request_id(NewRequestId());

  // 1b-5. Early middlewares, then routing, authentication, middlewares and the handler.
  const Handler rest = [this](Request& r) { return RouteAndRun(r); };
  Result<Response> result = RunEarly(0, request, rest);

  // 6. Error mapping, in the shape of the request's group.
  Response response = result ? std::move(*result) : RenderError(request, result.error());
  response.SetHeader("X-Request-Id", request.request_id());
  return response;
}

Result<Response> Router::RouteAndRun(Request& request) const {
  // 2. Routing.
  const std::vector<std::string>& segments = request.path_segments();
  size_t count = segments.size();
  if (count > 0 && segments.back().empty()) {
    --count;  // trailing '/'
  }
  const bool is_head = request.method() == "HEAD";
  const Route* best = nullptr;      // exact method
  const Route* best_get = nullptr;  // GET, for HEAD
  std::vector<Field> best_params;
  std::vector<Field> best_get_params;
  std::set<std::string> allowed;
  const Route* secret = nullptr;  // a route whose path may carry a secret (log_path false)
  std::vector<Field> params;
  for (const Route& route : routes_) {
    if (!route.Match(segments, count, &params)) {
      continue;
    }
    allowed.insert(route.method);
    if (!route.options.log_path) {
      secret = &route;
    }
    if (route.method == request.method()) {
      if (best == nullptr || route.MoreSpecificThan(*best)) {
        best = &route;
        best_params = params;
      }
    } else if (is_head && route.method == "GET") {
      if (best_get == nullptr || route.MoreSpecificThan(*best_get)) {
        best_get = &route;
        best_get_params = params;
      }
    }
  }
  if (best == nullptr && best_get != nullptr) {
    best = best_get;
    best_params = std::move(best_get_params);
  }
  if (best == nullptr) {
    if (allowed.empty()) {
      // A path under one that carries a secret (an activation link with a path appended by a
      // mail client or a link checker) holds the secret too: the message (the audit event's
      // error text) and the access log name the route's pattern instead.
      for (const Route& route : routes_) {
        const size_t n = route.segments.size();
        if (!route.options.log_path && n < count && route.Match(segments, n, &params)) {
          request.SetRoute(route.pattern + "/...", {}, /*log_path=*/false);
          return NotFound("No endpoint at '{}/...'", route.pattern);
        }
      }
      return NotFound("No endpoint at {}", Quoted(request.path()));
    }
    if (allowed.count("GET") > 0) {
      allowed.insert("HEAD");
    }
    std::string allow;
    for (const std::string& method : allowed) {
      if (!allow.empty()) {
        allow += ", ";
      }
      allow += method;
    }
    // A refusal without an ErrorCode of its own, in the shape of the path's group.
    const RouteGroup& group = GroupOf(request);
    // The message reaches the audit event's error text: a path that carries a secret (an
    // activation link) is named by its route's pattern there too.
    std::string message = fmt::format("Method {} is not allowed on '{}'", request.method(),
                                      secret != nullptr ? secret->pattern : request.path());
    Response response =
        group.status_renderer
            ? group.status_renderer(request, 405, "METHOD_NOT_ALLOWED", message)
            : StatusErrorResponse(405, "METHOD_NOT_ALLOWED", message);
    response.SetHeader("Allow", std::move(allow));
    if (secret != nullptr) {
      // Another method on a path that carries a secret (an activation link): the access log and
      // the audit record it by the route's pattern, as they do for the route's own method.
      request.SetRoute(secret->pattern, {}, /*log_path=*/false);
    }
    return response;
  }
  request.SetRoute(best->pattern, std::move(best_params), best->options.log_path);

  // 3. Authentication, by the route's group.
  if (best->options.authenticate) {
    const RouteGroup& group = GroupOfSegments(SegmentsOf(best->pattern), best->segments.size());
    if (group.authenticator) {
      LS_RETURN_IF_ERROR(group.authenticator(request));
    } else if (mounted_.size() > 0) {
      return MakeError(ErrorCode::kInternal,
                       fmt::format("Route {} {} wants authentication but its group '{}' has no "
                                   "authenticator",
                                   best->method, best->pattern, group.name));
    }
  }
  // 4-5. Middlewares and handler.
  return RunChain(0, request, best->handler);
}

void Router::SetErrorRenderer(ErrorRenderer renderer) {
  groups_[0].error_renderer = std::move(renderer);
}

void Router::SetClientAddressResolver(ClientAddressResolver resolver) {
  client_address_ = std::move(resolver);
}

void Router::Complete(const Completion& completion) const {
  for (const CompletionHook& hook : completion_hooks_) {
    hook(completion);
  }
}

}  // namespace lakeshare::http

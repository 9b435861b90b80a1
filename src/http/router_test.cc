#include "http/router.h"

#include <fmt/format.h>
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "http/error_response.h"
#include "http/request_id.h"

namespace lakeshare::http {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::Not;
using ::testing::Pair;

Request MakeRequest(std::string method, std::string_view target, std::vector<Field> headers = {}) {
  Result<Request> request = Request::Create(std::move(method), target, std::move(headers));
  EXPECT_TRUE(request.has_value()) << target;
  return std::move(*request);
}

// Dispatch `method target` (with `headers`) through `router`, for checks of the response alone.
Response Send(const Router& router, std::string method, std::string_view target,
              std::vector<Field> headers = {}) {
  Request request = MakeRequest(std::move(method), target, std::move(headers));
  return router.Dispatch(request);
}

Handler Echo(std::string name) {
  return [name](Request& request) -> Result<Response> {
    std::string body = name;
    for (const Field& param : request.path_params()) {
      body += " " + param.first + "=" + param.second;
    }
    return Response::Text(body);
  };
}

TEST(RequestTest, ParsesPathSegmentsAndDecodesThem) {
  Request request = MakeRequest("GET", "/shares/my%20share/schemas/a%2Fb?x=1");
  EXPECT_EQ(request.path(), "/shares/my%20share/schemas/a%2Fb");
  EXPECT_THAT(request.path_segments(), ElementsAre("shares", "my share", "schemas", "a/b"));
  // '+' is a space in queries only.
  EXPECT_THAT(MakeRequest("GET", "/a+b").path_segments(), ElementsAre("a+b"));
  EXPECT_TRUE(MakeRequest("GET", "/").path_segments().empty());
}

TEST(RequestTest, DecodesQueryParametersWithCaseSensitiveLookup) {
  Request request =
      MakeRequest("GET", "/t?maxResults=10&pageToken=a%2Bb%3D&q=hello+world&flag&q=2&&=x");
  ASSERT_NE(request.QueryParam("maxResults"), nullptr);
  EXPECT_EQ(*request.QueryParam("maxResults"), "10");
  EXPECT_EQ(request.QueryParam("maxresults"), nullptr);
  EXPECT_EQ(*request.QueryParam("pageToken"), "a+b=");
  EXPECT_EQ(*request.QueryParam("q"), "hello world");
  EXPECT_THAT(request.QueryParams("q"), ElementsAre("hello world", "2"));
  EXPECT_EQ(*request.QueryParam("flag"), "");
  EXPECT_EQ(*request.QueryParam(""), "x");
}

TEST(RequestTest, LooksUpHeadersIgnoringCase) {
  Request request = MakeRequest("GET", "/", {{"Authorization", "Bearer x"}, {"X-A", "1"}});
  ASSERT_NE(request.Header("authorization"), nullptr);
  EXPECT_EQ(*request.Header("AUTHORIZATION"), "Bearer x");
  EXPECT_EQ(request.Header("X-B"), nullptr);
}

TEST(RequestTest, RejectsMalformedTargets) {
  for (std::string_view target :
       {"", "http://host/x", "*", "/a%2", "/a%zz", "/a%00b", "/x?a=%G1", "/x?%00=1"}) {
    Result<Request> request = Request::Create("GET", target);
    ASSERT_FALSE(request.has_value()) << target;
    EXPECT_EQ(request.error().code, ErrorCode::kMalformedRequest) << target;
  }
}

/// A group's authenticator: accepts "Bearer <want>" and names the principal after the group.
Authenticator TokenAuth(std::string want, std::string who) {
  return [want, who](Request& request) -> Status {
    const std::string* header = request.Header("Authorization");
    if (header == nullptr || *header != "Bearer " + want) {
      return Errorf(ErrorCode::kUnauthenticated, "bad token for {}", who);
    }
    request.set_principal(who);
    return OkStatus();
  };
}

Response UcShape(const Request& request, const Error& error) {
  Response response = ErrorResponse(error, request.request_id());
  response.set_body("{\"error_code\":\"" + std::string(ProtocolErrorCodeFor(error.code)) + "\"}");
  return response;
}

Response UcStatusShape(const Request&, int status, std::string_view error_code, std::string_view) {
  return Response::Json("{\"error_code\":\"" + std::string(error_code) + "\"}", status);
}

// The management API's group (under /api in the tests): principal token "p", Unity Catalog-shaped
// error bodies.
RouteGroup ManagementGroup() {
  return {.name = "management",
          .authenticator = TokenAuth("p", "principal"),
          .error_renderer = UcShape};
}

// The protocol's group (under /delta-sharing): recipient token "r", the protocol's error body.
RouteGroup SharingGroup() {
  return {
      .name = "sharing", .authenticator = TokenAuth("r", "recipient"), .error_renderer = nullptr};
}

TEST(RouterTest, MatchesLiteralAndParameterSegments) {
  Router router;
  ASSERT_TRUE(router.Handle("GET", "/shares", Echo("list")));
  ASSERT_TRUE(router.Handle("GET", "/shares/{share}", Echo("get")));
  ASSERT_TRUE(router.Handle("GET", "/shares/{share}/schemas/{schema}/tables", Echo("tables")));
  ASSERT_TRUE(router.Handle("GET", "/shares/{share}/all-tables", Echo("all")));

  Request request = MakeRequest("GET", "/shares/s%201/schemas/sc/tables");
  Response response = router.Dispatch(request);
  EXPECT_EQ(response.status(), 200);
  EXPECT_EQ(response.body(), "tables share=s 1 schema=sc");
  EXPECT_EQ(request.route(), "/shares/{share}/schemas/{schema}/tables");
  ASSERT_NE(request.PathParam("schema"), nullptr);
  EXPECT_EQ(*request.PathParam("schema"), "sc");

  EXPECT_EQ(Send(router, "GET", "/shares").body(), "list");
  EXPECT_EQ(Send(router, "GET", "/shares/").body(), "list");
  EXPECT_EQ(Send(router, "GET", "/shares/x/all-tables").body(), "all share=x");
}

TEST(RouterTest, LiteralBeatsParameterWhateverTheRegistrationOrder) {
  Router router;
  ASSERT_TRUE(router.Handle("GET", "/a/{x}/c", Echo("param")));
  ASSERT_TRUE(router.Handle("GET", "/a/b/{y}", Echo("literal")));
  ASSERT_TRUE(router.Handle("GET", "/files/{path...}", Echo("tail")));
  ASSERT_TRUE(router.Handle("GET", "/files/special", Echo("special")));
  EXPECT_EQ(Send(router, "GET", "/a/b/c").body(), "literal y=c");
  EXPECT_EQ(Send(router, "GET", "/a/z/c").body(), "param x=z");
  EXPECT_EQ(Send(router, "GET", "/files/t1/part%2D0.parquet").body(),
            "tail path=t1/part-0.parquet");
  EXPECT_EQ(Send(router, "GET", "/files/special").body(), "special");
  EXPECT_EQ(Send(router, "GET", "/files").status(), 404);
}

TEST(RouterTest, CaseInsensitiveRoutesIgnoreCaseOfLiterals) {
  Router router;
  ASSERT_TRUE(
      router.Handle("GET", "/shares/{share}/schemas", Echo("ci"), {.case_insensitive = true}));
  ASSERT_TRUE(router.Handle("GET", "/exact", Echo("exact")));
  Response response = Send(router, "GET", "/SHARES/MyShare/Schemas");
  EXPECT_EQ(response.status(), 200);
  EXPECT_EQ(response.body(), "ci share=MyShare");  // values are passed as sent
  EXPECT_EQ(Send(router, "GET", "/EXACT").status(), 404);
}

TEST(RouterTest, ErrorRendererShapesRefusalsBeforeAndInsideHandlers) {
  Router router;
  router.SetAuthenticator([](Request& request) -> Status {
    if (request.Header("Authorization") == nullptr) {
      return Errorf(ErrorCode::kUnauthenticated, "no token");
    }
    return OkStatus();
  });
  ASSERT_TRUE(router.Handle("GET", "/api/x",
                            [](Request&) -> Result<Response> { return NotFound("nothing here"); }));
  router.SetErrorRenderer(UcShape);
  Response refused = Send(router, "GET", "/api/x");
  EXPECT_EQ(refused.status(), 401);
  EXPECT_EQ(refused.body(), R"({"error_code":"UNAUTHENTICATED"})");
  ASSERT_NE(refused.Header("WWW-Authenticate"), nullptr);
  ASSERT_NE(refused.Header("X-Request-Id"), nullptr);
  Response missing = Send(router, "GET", "/api/x", {{"Authorization", "Bearer t"}});
  EXPECT_EQ(missing.status(), 404);
  EXPECT_EQ(missing.body(), R"({"error_code":"RESOURCE_DOES_NOT_EXIST"})");
}

TEST(RouterTest, RouteGroupsAuthenticateAndRenderTheirOwnRoutes) {
  Router router;
  ASSERT_TRUE(router.Handle("GET", "/delta-sharing/shares", Echo("shares")));
  ASSERT_TRUE(router.Handle("GET", "/api/2.1/unity-catalog/shares", Echo("uc")));
  ASSERT_TRUE(router.Handle("GET", "/healthz", Echo("ok"), {.authenticate = false}));
  ASSERT_TRUE(router.Mount({"/delta-sharing"}, SharingGroup()));
  ASSERT_TRUE(router.Mount({"/api"}, ManagementGroup()));
  EXPECT_EQ(router.GroupNameOf("/api/2.1/unity-catalog/shares"), "management");
  EXPECT_EQ(router.GroupNameOf("/delta-sharing/shares/x"), "sharing");
  EXPECT_EQ(router.GroupNameOf("/apis"), "");  // whole segments only
  EXPECT_EQ(router.GroupNameOf("/healthz"), "");

  // Each group's credential works in its group only.
  Request recipient = MakeRequest("GET", "/delta-sharing/shares", {{"Authorization", "Bearer r"}});
  EXPECT_EQ(router.Dispatch(recipient).status(), 200);
  EXPECT_EQ(recipient.principal(), "recipient");
  Request principal =
      MakeRequest("GET", "/api/2.1/unity-catalog/shares", {{"Authorization", "Bearer p"}});
  EXPECT_EQ(router.Dispatch(principal).status(), 200);
  EXPECT_EQ(principal.principal(), "principal");
  Request crossed =
      MakeRequest("GET", "/api/2.1/unity-catalog/shares", {{"Authorization", "Bearer r"}});
  Response uc_refusal = router.Dispatch(crossed);
  EXPECT_EQ(uc_refusal.status(), 401);
  EXPECT_EQ(uc_refusal.body(), R"({"error_code":"UNAUTHENTICATED"})");
  ASSERT_NE(uc_refusal.Header("WWW-Authenticate"), nullptr);
  Request crossed_back =
      MakeRequest("GET", "/delta-sharing/shares", {{"Authorization", "Bearer p"}});
  Response protocol_refusal = router.Dispatch(crossed_back);
  EXPECT_EQ(protocol_refusal.status(), 401);
  EXPECT_THAT(protocol_refusal.body(), HasSubstr("\"errorCode\":\"UNAUTHENTICATED\""));
  EXPECT_THAT(protocol_refusal.body(), Not(HasSubstr("error_code")));
  // Public routes under no group need no credential.
  EXPECT_EQ(Send(router, "GET", "/healthz").status(), 200);
}

TEST(RouterTest, UnroutedRequestsTakeTheShapeOfTheGroupOfTheirPath) {
  Router router;
  ASSERT_TRUE(router.Handle("GET", "/api/2.1/unity-catalog/shares", Echo("uc")));
  ASSERT_TRUE(router.Mount({"/api"}, ManagementGroup()));
  Response uc_404 = Send(router, "GET", "/api/2.1/unity-catalog/nothing");
  EXPECT_EQ(uc_404.status(), 404);
  EXPECT_EQ(uc_404.body(), R"({"error_code":"RESOURCE_DOES_NOT_EXIST"})");
  // Outside every group: the protocol's 404, as before groups existed.
  Response protocol_404 = Send(router, "GET", "/nothing/here");
  EXPECT_EQ(protocol_404.status(), 404);
  EXPECT_THAT(protocol_404.body(), HasSubstr("\"errorCode\":\"RESOURCE_DOES_NOT_EXIST\""));
  EXPECT_THAT(Send(router, "GET", "/apis/x").body(), HasSubstr("\"errorCode\""));
}

// Issue 13: a 405 is the group's too (the management API answered the protocol's body before).
TEST(RouterTest, WrongMethodIsRenderedByTheGroupOfThePathWithAllow) {
  Router router;
  ASSERT_TRUE(router.Handle("GET", "/api/2.1/unity-catalog/shares", Echo("uc")));
  ASSERT_TRUE(router.Handle("GET", "/delta-sharing/shares", Echo("protocol")));
  RouteGroup management = ManagementGroup();
  management.status_renderer = UcStatusShape;
  ASSERT_TRUE(router.Mount({"/api"}, std::move(management)));
  ASSERT_TRUE(router.Mount({"/delta-sharing"}, SharingGroup()));
  // Refused before authentication, so no credential is needed to learn the allowed methods.
  Response uc_405 = Send(router, "DELETE", "/api/2.1/unity-catalog/shares");
  EXPECT_EQ(uc_405.status(), 405);
  EXPECT_EQ(uc_405.body(), R"({"error_code":"METHOD_NOT_ALLOWED"})");
  ASSERT_NE(uc_405.Header("Allow"), nullptr);
  EXPECT_EQ(*uc_405.Header("Allow"), "GET, HEAD");
  Response protocol_405 = Send(router, "POST", "/delta-sharing/shares");
  EXPECT_EQ(protocol_405.status(), 405);
  EXPECT_THAT(protocol_405.body(), HasSubstr("\"errorCode\":\"METHOD_NOT_ALLOWED\""));
  EXPECT_THAT(protocol_405.body(),
              HasSubstr("Method POST is not allowed on '/delta-sharing/shares'"));
  ASSERT_NE(protocol_405.Header("Allow"), nullptr);
  EXPECT_EQ(*protocol_405.Header("Allow"), "GET, HEAD");
}

TEST(RouterTest, RefusalsBeforeRoutingAreRenderedByTheGroupOfThePath) {
  Router router;
  ASSERT_TRUE(router.Handle("GET", "/api/x", Echo("uc")));
  ASSERT_TRUE(router.Handle("GET", "/delta-sharing/x", Echo("protocol")));
  ASSERT_TRUE(router.Mount({"/api"}, ManagementGroup()));
  ASSERT_TRUE(router.Mount({"/delta-sharing"}, SharingGroup()));
  // A rate limit: refuses before routing and renders through the router.
  router.UseBeforeRouting([&router](Request& request, const Handler&) -> Result<Response> {
    Response response =
        router.RenderError(request, Error{ErrorCode::kResourceExhausted, "slow down"});
    response.SetHeader("Retry-After", "3");
    return response;
  });
  Response uc = Send(router, "GET", "/api/x", {{"Authorization", "Bearer p"}});
  EXPECT_EQ(uc.status(), 429);
  EXPECT_EQ(uc.body(), R"({"error_code":"RESOURCE_EXHAUSTED"})");
  Response sharing = Send(router, "GET", "/delta-sharing/x", {{"Authorization", "Bearer r"}});
  EXPECT_EQ(sharing.status(), 429);
  EXPECT_THAT(sharing.body(), HasSubstr("\"errorCode\":\"RESOURCE_EXHAUSTED\""));
}

TEST(RouterTest, MountedGroupsFailClosedAndRefuseBadPrefixes) {
  Router router;
  ASSERT_TRUE(router.Handle("GET", "/api/x", Echo("uc")));
  ASSERT_TRUE(router.Handle("GET", "/api/public", Echo("open"), {.authenticate = false}));
  ASSERT_TRUE(router.Mount(
      {"/api"}, {.name = "management", .authenticator = nullptr, .error_renderer = nullptr}));
  // A route that wants a credential in a group that checks none is never served.
  EXPECT_EQ(Send(router, "GET", "/api/x").status(), 500);
  EXPECT_EQ(Send(router, "GET", "/api/public").status(), 200);
  EXPECT_EQ(router.Mount({"/api"}, {}).error().code, ErrorCode::kAlreadyExists);
  EXPECT_EQ(router.Mount({"/a", "/a/"}, {}).error().code, ErrorCode::kAlreadyExists);
  EXPECT_EQ(router.Mount({"/x/{y}"}, {}).error().code, ErrorCode::kInvalidArgument);
  EXPECT_EQ(router.Mount({"relative"}, {}).error().code, ErrorCode::kInvalidArgument);
  EXPECT_EQ(router.Mount({}, {}).error().code, ErrorCode::kInvalidArgument);
  // A longer prefix wins over a shorter one.
  ASSERT_TRUE(router.Mount({"/api/inner"},
                           {.name = "inner", .authenticator = nullptr, .error_renderer = nullptr}));
  EXPECT_EQ(router.GroupNameOf("/api/inner/z"), "inner");
  EXPECT_EQ(router.GroupNameOf("/api/innerz"), "management");
}

TEST(RouterTest, ClientAddressResolverRunsBeforeAuthenticationAndHandlers) {
  Router router;
  std::string seen_by_auth;
  router.SetAuthenticator([&](Request& request) -> Status {
    seen_by_auth = request.remote_address();
    return OkStatus();
  });
  ASSERT_TRUE(router.Handle("GET", "/x", [](Request& request) -> Result<Response> {
    return Response::Text(request.remote_address());
  }));
  router.SetClientAddressResolver([](const Request& request) -> std::string {
    const std::string* xff = request.Header("X-Forwarded-For");
    return xff != nullptr ? *xff : request.remote_address();
  });
  Result<Request> forwarded =
      Request::Create("GET", "/x", {{"X-Forwarded-For", "203.0.113.7"}}, "", "10.0.0.1");
  ASSERT_TRUE(forwarded.has_value());
  Response response = router.Dispatch(*forwarded);
  EXPECT_EQ(response.body(), "203.0.113.7");
  EXPECT_EQ(seen_by_auth, "203.0.113.7");
  EXPECT_EQ(forwarded->remote_address(), "203.0.113.7");  // the access log and audit see it too
  Result<Request> direct = Request::Create("GET", "/x", {}, "", "10.0.0.1");
  ASSERT_TRUE(direct.has_value());
  EXPECT_EQ(router.Dispatch(*direct).body(), "10.0.0.1");
}

TEST(RouterTest, UnknownPathIs404WithProtocolErrorBody) {
  Router router;
  ASSERT_TRUE(router.Handle("GET", "/shares", Echo("list")));
  Response response = Send(router, "GET", "/nope");
  EXPECT_EQ(response.status(), 404);
  EXPECT_THAT(response.body(), HasSubstr("\"errorCode\":\"RESOURCE_DOES_NOT_EXIST\""));
  ASSERT_NE(response.Header("Content-Type"), nullptr);
  EXPECT_THAT(*response.Header("Content-Type"), HasSubstr("application/json"));
  EXPECT_EQ(Send(router, "GET", "/shares//x").status(), 404);
}

TEST(RouterTest, WrongMethodIs405WithAllowHeader) {
  Router router;
  ASSERT_TRUE(router.Handle("GET", "/t/{x}", Echo("get")));
  ASSERT_TRUE(router.Handle("POST", "/t/{x}", Echo("post")));
  Response response = Send(router, "DELETE", "/t/1");
  EXPECT_EQ(response.status(), 405);
  ASSERT_NE(response.Header("Allow"), nullptr);
  EXPECT_EQ(*response.Header("Allow"), "GET, HEAD, POST");
  EXPECT_THAT(response.body(), HasSubstr("\"errorCode\":\"METHOD_NOT_ALLOWED\""));
}

TEST(RouterTest, HeadFallsBackToGetUnlessHeadIsRegistered) {
  Router router;
  ASSERT_TRUE(router.Handle("GET", "/a", Echo("get-a")));
  ASSERT_TRUE(router.Handle("GET", "/b", Echo("get-b")));
  ASSERT_TRUE(router.Handle("HEAD", "/b", Echo("head-b")));
  EXPECT_EQ(Send(router, "HEAD", "/a").body(), "get-a");
  EXPECT_EQ(Send(router, "HEAD", "/b").body(), "head-b");
  EXPECT_EQ(Send(router, "POST", "/a").status(), 405);
}

TEST(RouterTest, RejectsBadPatternsAndDuplicates) {
  Router router;
  EXPECT_EQ(router.Handle("GET", "no-slash", Echo("x")).error().code, ErrorCode::kInvalidArgument);
  EXPECT_FALSE(router.Handle("GET", "/a/{", Echo("x")));
  EXPECT_FALSE(router.Handle("GET", "/a/{}", Echo("x")));
  EXPECT_FALSE(router.Handle("GET", "/a/{x}/{x}", Echo("x")));
  EXPECT_FALSE(router.Handle("GET", "/a/{rest...}/b", Echo("x")));
  EXPECT_FALSE(router.Handle("GET", "/a//b", Echo("x")));
  EXPECT_FALSE(router.Handle("GET", "/a/b{x}", Echo("x")));
  ASSERT_TRUE(router.Handle("GET", "/a/{x}", Echo("x")));
  EXPECT_EQ(router.Handle("GET", "/a/{x}", Echo("x")).error().code, ErrorCode::kAlreadyExists);
  EXPECT_TRUE(router.HasRoute("GET", "/a/{x}"));
  EXPECT_FALSE(router.HasRoute("POST", "/a/{x}"));
}

TEST(RouterTest, HandlerErrorsBecomeMappedReplies) {
  Router router;
  ASSERT_TRUE(router.Handle("GET", "/bad", [](Request&) -> Result<Response> {
    return InvalidArgument("maxResults must be positive, got -1");
  }));
  ASSERT_TRUE(router.Handle("GET", "/broken", [](Request&) -> Result<Response> {
    return CorruptError("checkpoint /secret/path/00010.checkpoint.parquet: footer length 0");
  }));
  Response response = Send(router, "GET", "/bad");
  EXPECT_EQ(response.status(), 400);
  EXPECT_EQ(response.body(),
            "{\"errorCode\":\"INVALID_PARAMETER_VALUE\",\"message\":\"maxResults must be "
            "positive, got -1\"}");
  Request broken = MakeRequest("GET", "/broken");
  Response internal = router.Dispatch(broken);
  EXPECT_EQ(internal.status(), 500);
  EXPECT_THAT(internal.body(), Not(HasSubstr("secret")));
  EXPECT_THAT(internal.body(), HasSubstr(broken.request_id()));
  ASSERT_TRUE(internal.error().has_value());
  EXPECT_THAT(internal.error()->message, HasSubstr("footer length 0"));
}

// A client-chosen X-Request-Id used to become the request id of the audit and the logs: a partner
// could make its requests carry another caller's id and mislead an auditor joining by it. The
// server's id is always its own; a sane client id is kept beside it (ClientRequestId).
TEST(RouterTest, RequestIdsAreTheServersAndTheClientsIsKeptBeside) {
  Router router;
  ASSERT_TRUE(router.Handle("GET", "/x", Echo("x")));
  Request sane = MakeRequest("GET", "/x", {{"x-request-id", "abc-123_4.5:6"}});
  Response response = router.Dispatch(sane);
  EXPECT_NE(sane.request_id(), "abc-123_4.5:6");
  EXPECT_EQ(sane.request_id().size(), 32u);
  EXPECT_EQ(*response.Header("X-Request-Id"), sane.request_id());
  EXPECT_EQ(ClientRequestId(sane), "abc-123_4.5:6");

  Request insane = MakeRequest("GET", "/x", {{"X-Request-Id", "a\"b\nc"}});
  router.Dispatch(insane);
  EXPECT_TRUE(IsSaneRequestId(insane.request_id()));
  EXPECT_EQ(insane.request_id().size(), 32u);
  EXPECT_EQ(ClientRequestId(insane), "");
  EXPECT_EQ(ClientRequestId(MakeRequest("GET", "/x", {{"X-Request-Id", std::string(129, 'a')}})),
            "");
  EXPECT_EQ(ClientRequestId(MakeRequest("GET", "/x", {{"X-Request-Id", std::string(128, 'a')}})),
            std::string(128, 'a'));

  Request missing = MakeRequest("GET", "/nowhere");
  Response not_found = router.Dispatch(missing);
  EXPECT_EQ(*not_found.Header("X-Request-Id"), missing.request_id());
  EXPECT_EQ(ClientRequestId(missing), "");
  EXPECT_FALSE(IsSaneRequestId(std::string(129, 'a')));
  EXPECT_NE(NewRequestId(), NewRequestId());
}

TEST(RouterTest, RunsAuthenticationThenMiddlewaresInOrderThenHandler) {
  Router router;
  std::vector<std::string> calls;
  router.SetAuthenticator([&calls](Request& request) -> Status {
    calls.push_back("auth");
    const std::string* header = request.Header("Authorization");
    if (header == nullptr || *header != "Bearer good") {
      return MakeError(ErrorCode::kUnauthenticated, "Missing or invalid bearer token");
    }
    request.set_principal("recipient:acme");
    request.set_identity(std::string("acme"));
    return OkStatus();
  });
  router.Use([&calls](Request& request, const Handler& next) -> Result<Response> {
    calls.push_back("first:" + request.principal());
    Result<Response> response = next(request);
    calls.push_back("first-after");
    if (response) {
      response->SetHeader("X-First", "1");
    }
    return response;
  });
  router.Use([&calls](Request& request, const Handler& next) -> Result<Response> {
    calls.push_back("second");
    return next(request);
  });
  ASSERT_TRUE(router.Handle("GET", "/private", [&calls](Request& request) -> Result<Response> {
    calls.push_back("handler:" + *std::any_cast<std::string>(&request.identity()));
    return Response::Text("secret");
  }));
  ASSERT_TRUE(router.Handle("GET", "/public",
                            [&calls](Request&) -> Result<Response> {
                              calls.push_back("public");
                              return Response::Text("hello");
                            },
                            {.authenticate = false}));

  Response response = Send(router, "GET", "/private", {{"Authorization", "Bearer good"}});
  EXPECT_EQ(response.status(), 200);
  EXPECT_EQ(*response.Header("X-First"), "1");
  EXPECT_THAT(calls,
              ElementsAre("auth", "first:recipient:acme", "second", "handler:acme", "first-after"));

  calls.clear();
  Response unauthorized = Send(router, "GET", "/private");
  EXPECT_EQ(unauthorized.status(), 401);
  EXPECT_THAT(unauthorized.body(), HasSubstr("UNAUTHENTICATED"));
  EXPECT_EQ(*unauthorized.Header("WWW-Authenticate"), "Bearer");
  EXPECT_THAT(calls, ElementsAre("auth"));

  calls.clear();
  EXPECT_EQ(Send(router, "GET", "/public").status(), 200);
  EXPECT_THAT(calls, ElementsAre("first:", "second", "public", "first-after"));

  calls.clear();
  EXPECT_EQ(Send(router, "GET", "/unknown").status(), 404);
  EXPECT_TRUE(calls.empty());  // routing precedes authentication
}

TEST(RouterTest, MiddlewareCanAnswerWithoutCallingNext) {
  Router router;
  router.Use([](Request&, const Handler&) -> Result<Response> {
    return MakeError(ErrorCode::kResourceExhausted, "Too many requests");
  });
  bool called = false;
  ASSERT_TRUE(router.Handle("GET", "/x", [&called](Request&) -> Result<Response> {
    called = true;
    return Response();
  }));
  EXPECT_EQ(Send(router, "GET", "/x").status(), 429);
  EXPECT_FALSE(called);
}

TEST(RouterTest, CompletionHooksSeeTheFinalOutcome) {
  Router router;
  std::vector<std::string> seen;
  router.AddCompletionHook([&seen](const Completion& completion) {
    seen.push_back(completion.request.route() + " " + std::to_string(completion.status) + " " +
                   std::string(OutcomeName(completion.outcome)) + " " +
                   (completion.error ? completion.error->message : "-"));
  });
  ASSERT_TRUE(router.Handle("GET", "/x/{id}", Echo("x")));
  Request request = MakeRequest("GET", "/x/1");
  Response response = router.Dispatch(request);
  Error error{ErrorCode::kCorrupt, "bad file"};
  router.Complete(Completion{request, 200, 5, 0.1, Outcome::kStreamAborted, &error});
  EXPECT_THAT(seen, ElementsAre("/x/{id} 200 stream_aborted bad file"));
}

TEST(RouterTest, LogPathOptionIsCarriedToTheRequest) {
  Router router;
  ASSERT_TRUE(router.Handle("GET", "/activate/{token}", Echo("a"), {.log_path = false}));
  ASSERT_TRUE(router.Handle("GET", "/plain", Echo("p")));
  Request secret = MakeRequest("GET", "/activate/abcdef");
  router.Dispatch(secret);
  EXPECT_FALSE(Router::LogPathOf(secret));
  Request plain = MakeRequest("GET", "/plain");
  router.Dispatch(plain);
  EXPECT_TRUE(Router::LogPathOf(plain));
}

// An OPTIONS or DELETE on an activation link is refused (405) like any other method, but its
// path is still the link's secret: it is logged and audited by the route's pattern, never as is.
TEST(RouterTest, AWrongMethodOnASecretPathIsLoggedByItsPattern) {
  Router router;
  ASSERT_TRUE(router.Handle("GET", "/activate/{token}", Echo("a"), {.log_path = false}));
  ASSERT_TRUE(router.Handle("GET", "/plain/{id}", Echo("p")));
  Request secret = MakeRequest("OPTIONS", "/activate/abcdef");
  Response refused = router.Dispatch(secret);
  EXPECT_EQ(refused.status(), 405);
  EXPECT_FALSE(Router::LogPathOf(secret));
  EXPECT_EQ(secret.route(), "/activate/{token}");
  // The reply's message becomes the audit event's error text: it names the pattern too.
  EXPECT_THAT(refused.body(), Not(HasSubstr("abcdef")));
  EXPECT_THAT(refused.body(), HasSubstr("/activate/{token}"));
  Request plain = MakeRequest("DELETE", "/plain/1");
  EXPECT_EQ(router.Dispatch(plain).status(), 405);
  EXPECT_TRUE(Router::LogPathOf(plain));
  EXPECT_EQ(plain.route(), "");
}

// A link with a path appended (by a mail client or a link checker) matches no route; its 404
// named the whole path, and the access log and the audit recorded it: the live link.
TEST(RouterTest, APathUnderASecretPathIsLoggedByItsPattern) {
  Router router;
  ASSERT_TRUE(router.Handle("GET", "/activate/{token}", Echo("a"), {.log_path = false}));
  ASSERT_TRUE(router.Handle("GET", "/plain/{id}", Echo("p")));
  Request under = MakeRequest("GET", "/activate/abcdef/x");
  Response missing = router.Dispatch(under);
  EXPECT_EQ(missing.status(), 404);
  EXPECT_FALSE(Router::LogPathOf(under));
  EXPECT_EQ(under.route(), "/activate/{token}/...");
  EXPECT_THAT(missing.body(), Not(HasSubstr("abcdef")));
  EXPECT_THAT(missing.body(), HasSubstr("/activate/{token}/..."));
  Request plain = MakeRequest("GET", "/plain/1/x");
  Response other = router.Dispatch(plain);
  EXPECT_EQ(other.status(), 404);
  EXPECT_TRUE(Router::LogPathOf(plain));
  EXPECT_THAT(other.body(), HasSubstr("/plain/1/x"));
}

TEST(ResponseTest, HeadersAreCaseInsensitiveAndReplaceable) {
  Response response = Response::Json("{}", 201);
  EXPECT_EQ(response.status(), 201);
  EXPECT_EQ(*response.Header("content-type"), "application/json; charset=utf-8");
  response.SetHeader("Delta-Table-Version", "3");
  response.SetHeader("delta-table-version", "4");
  response.AddHeader("Vary", "a");
  response.AddHeader("Vary", "b");
  EXPECT_EQ(*response.Header("Delta-Table-Version"), "4");
  int vary = 0;
  for (const Field& header : response.headers()) {
    vary += EqualsIgnoreCase(header.first, "vary") ? 1 : 0;
  }
  EXPECT_EQ(vary, 2);
  response.RemoveHeader("VARY");
  EXPECT_EQ(response.Header("Vary"), nullptr);
  EXPECT_FALSE(response.is_streaming());
}

class StringWriter : public StreamWriter {
 public:
  Status Write(std::string_view data) override {
    out += data;
    return OkStatus();
  }
  Status Flush() override { return OkStatus(); }
  std::string out;
};

TEST(ResponseTest, NdjsonPullsLinesLazilyAndStopsAtTheFirstError) {
  int produced = 0;
  Response response = Response::Ndjson([&produced]() -> Result<std::optional<std::string>> {
    ++produced;
    if (produced <= 2) {
      return std::optional<std::string>("{\"n\":" + std::to_string(produced) + "}");
    }
    return CorruptError("log truncated");
  });
  EXPECT_TRUE(response.is_streaming());
  EXPECT_EQ(produced, 0);  // nothing before the server pulls
  EXPECT_EQ(*response.Header("Content-Type"), "application/x-ndjson; charset=utf-8");
  // The producer of in-process callers writes whole parts only: the two lines pulled before the
  // error fill no part, so nothing is written and the error is the answer (the server, too,
  // replies with the error when it comes before the first part).
  StringWriter writer;
  Status status = response.producer()(writer);
  ASSERT_FALSE(status.has_value());
  EXPECT_EQ(status.error().code, ErrorCode::kCorrupt);
  EXPECT_EQ(produced, 3);
  EXPECT_EQ(writer.out, "");
}

TEST(ResponseTest, NdjsonIsPulledInPartsOfWholeLines) {
  constexpr int kLines = 10'000;
  int produced = 0;
  Response response = Response::Ndjson([&produced]() -> Result<std::optional<std::string>> {
    if (produced == kLines) return std::optional<std::string>();
    return std::optional<std::string>(fmt::format("{{\"n\":{:060}}}", produced++));
  });
  ASSERT_TRUE(response.has_pulled());
  ChunkSource pull = response.TakePulled();
  std::string body, part;
  int parts = 0;
  for (bool more = true; more; ++parts) {
    part.clear();
    Result<bool> pulled = pull(part);
    ASSERT_TRUE(pulled);
    more = *pulled;
    ASSERT_TRUE(part.empty() || part.back() == '\n');
    if (more) {
      EXPECT_GE(part.size(), Response::kNdjsonPartBytes);
    }
    body += part;
  }
  EXPECT_EQ(parts, 3);  // 660 KiB of lines: two full parts and the rest
  EXPECT_EQ(std::count(body.begin(), body.end(), '\n'), kLines);
  EXPECT_EQ(body.substr(0, 67), fmt::format("{{\"n\":{:060}}}\n", 0));
}

TEST(ResponseTest, PiecesArePulledAtTheirOffsetsAndAWrongSizeAborts) {
  const int64_t length = 2 * Response::kPieceBytes + 5;
  std::vector<std::pair<int64_t, int64_t>> asked;
  Response response = Response::Pieces(
      "application/octet-stream", length, [&asked](int64_t offset, int64_t size, std::string& out) {
        asked.emplace_back(offset, size);
        out.assign(static_cast<size_t>(size == 5 ? 4 : size), 'p');
        return OkStatus();
      });
  EXPECT_EQ(response.content_length(), length);
  ChunkSource pull = response.TakePulled();
  std::string part;
  EXPECT_EQ(pull(part), true);
  part.clear();
  EXPECT_EQ(pull(part), true);
  part.clear();
  Result<bool> last = pull(part);
  ASSERT_FALSE(last);
  EXPECT_EQ(last.error().code, ErrorCode::kInternal);
  EXPECT_THAT(last.error().message, HasSubstr("gave 4 bytes, not 5"));
  EXPECT_THAT(asked, ElementsAre(std::pair<int64_t, int64_t>(0, Response::kPieceBytes),
                                 std::pair<int64_t, int64_t>(Response::kPieceBytes,
                                                             Response::kPieceBytes),
                                 std::pair<int64_t, int64_t>(2 * Response::kPieceBytes, 5)));
}

}  // namespace
}  // namespace lakeshare::http

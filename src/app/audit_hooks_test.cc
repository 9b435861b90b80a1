#include "app/audit_hooks.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <nlohmann/json.hpp>

#include "common/temp_dir.h"

namespace lakeshare::app {
namespace {

class AuditHooksTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto catalog = catalog::OpenCatalog((dir_.path() / "m.db").string());
    ASSERT_TRUE(catalog) << catalog.error().message;
    catalog_ = std::move(*catalog);
    log_ = std::make_unique<catalog::AuditLog>(catalog_.get());
    router_.SetAuthenticator([](http::Request& request) -> Status {
      const std::string* auth = request.Header("Authorization");
      if (auth == nullptr || *auth != "Bearer good") {
        return Errorf(ErrorCode::kUnauthenticated, "bad token");
      }
      request.set_principal(request.path().rfind("/api/", 0) == 0 ? "alice" : "recipient:acme");
      return OkStatus();
    });
    router_.Use(MakeDurableAuditMiddleware(log_.get()));
    router_.AddCompletionHook(MakeAuditCompletionHook(log_.get()));
    ASSERT_TRUE(router_.Handle(
        "POST", "/api/2.1/unity-catalog/recipients",
        [](http::Request& request) -> Result<http::Response> {
          request.audit()->action = "createRecipient";
          request.audit()->params["name"] = "acme";
          if (request.body() == "dup") {
            return http::Response::Json(
                R"({"error_code":"RECIPIENT_ALREADY_EXISTS","message":"Recipient 'acme' already exists"})",
                409);
          }
          return http::Response::Json(R"({"name":"acme"})");
        }));
    ASSERT_TRUE(router_.Handle(
        "POST", "/delta-sharing/shares/{share}/schemas/{schema}/tables/{table}/query",
        [](http::Request& request) -> Result<http::Response> {
          auto notes = request.audit();
          notes->action = "deltaSharingQueryTable";
          notes->params["share"] = *request.PathParam("share");
          notes->served_action = "deltaSharingQueriedTable";
          notes->result["numAddFiles"] = "3";
          if (request.body() == "materialize") {
            // What the materialization engine did, known only once the stream ended.
            auto done = std::make_shared<int>(0);
            notes->later_events.push_back([done] {
              ++*done;
              return std::pair<std::string, std::string>(
                  "deltaSharingMaterializedFiles", R"({"built":2,"calls":)" +
                                                       std::to_string(*done) + "}");
            });
            notes->later_events.push_back([] { return std::pair<std::string, std::string>(); });
          }
          if (request.body() == "materialize-failed") {
            notes->later_events.push_back([] {
              return std::pair<std::string, std::string>("deltaSharingMaterializedFiles",
                                                         R"({"failed":1})");
            });
            return Errorf(ErrorCode::kUnsupported, "a file cannot be rewritten");
          }
          return http::Response::Json("{}");
        }));
  }
  void TearDown() override {
    log_.reset();
    catalog_.reset();
  }

  /// Dispatch like the server does, then run the completion hooks.
  int Exchange(std::string method, std::string target, std::string body = {},
               std::string token = "good", std::string client_request_id = {}) {
    std::vector<http::Field> headers = {{"User-Agent", "test-agent/1.0"}};
    if (!token.empty()) headers.push_back({"Authorization", "Bearer " + token});
    if (!client_request_id.empty()) headers.push_back({"X-Request-Id", client_request_id});
    auto request =
        http::Request::Create(std::move(method), target, headers, std::move(body), "192.0.2.10");
    EXPECT_TRUE(request);
    http::Response response = router_.Dispatch(*request);
    const Error* error = response.error() ? &*response.error() : nullptr;
    router_.Complete(http::Completion{.request = *request,
                                      .status = response.status(),
                                      .body_bytes = static_cast<int64_t>(response.body().size()),
                                      .error = error});
    return response.status();
  }

  std::vector<catalog::AuditEvent> Events() {
    EXPECT_TRUE(log_->Flush());
    auto listing = catalog_->QueryAuditEvents({});
    EXPECT_TRUE(listing);
    return listing ? listing->items : std::vector<catalog::AuditEvent>{};
  }

  TempDir dir_{"lakeshare-audit-hooks"};
  std::unique_ptr<catalog::Catalog> catalog_;
  std::unique_ptr<catalog::AuditLog> log_;
  http::Router router_;
};

TEST_F(AuditHooksTest, ManagementEventIsWrittenBeforeTheReplyAndOnlyOnce) {
  // Without Complete(): the event must already be in the metastore when Dispatch returns.
  auto request = http::Request::Create("POST", "/api/2.1/unity-catalog/recipients",
                                       {{"Authorization", "Bearer good"}}, "{}", "192.0.2.10");
  ASSERT_TRUE(request);
  http::Response response = router_.Dispatch(*request);
  ASSERT_EQ(response.status(), 200);
  auto direct = catalog_->QueryAuditEvents({});
  ASSERT_TRUE(direct);
  ASSERT_EQ(direct->items.size(), 1u);
  const catalog::AuditEvent& e = direct->items[0];
  EXPECT_EQ(e.action, "createRecipient");
  EXPECT_EQ(e.principal, "alice");
  EXPECT_EQ(e.source_ip, "192.0.2.10");
  EXPECT_EQ(e.status_code, 200);
  EXPECT_EQ(nlohmann::json::parse(e.params_json)["name"], "acme");
  router_.Complete(http::Completion{.request = *request, .status = 200});
  EXPECT_EQ(Events().size(), 1u) << "the completion hook wrote the management event again";
}

// A client's X-Request-Id used to be the event's request_id: a partner could give its requests
// another caller's id. request_id is the server's own now; the client's is client_request_id,
// and a management request retried under the same client id is still audited once.
TEST_F(AuditHooksTest, TheClientsRequestIdIsKeptBesideTheServersOwn) {
  const std::string victim = "victim-request-1";
  EXPECT_EQ(
      Exchange("POST", "/delta-sharing/shares/s1/schemas/x/tables/t/query?client_request_id=x",
               "{}", "good", victim),
      200);
  EXPECT_EQ(Exchange("POST", "/api/2.1/unity-catalog/recipients", "{}", "good", "retry-1"), 200);
  EXPECT_EQ(Exchange("POST", "/api/2.1/unity-catalog/recipients", "{}", "good", "retry-1"), 200);
  EXPECT_EQ(Exchange("POST", "/api/2.1/unity-catalog/recipients", "{}", "good"), 200);
  EXPECT_EQ(Exchange("POST", "/api/2.1/unity-catalog/recipients", "{}", "good"), 200);
  std::vector<std::string> client_ids;
  for (const catalog::AuditEvent& e : Events()) {
    EXPECT_NE(e.request_id, victim);
    EXPECT_NE(e.request_id, "retry-1");
    EXPECT_EQ(e.request_id.size(), 32u);
    auto params = nlohmann::json::parse(e.params_json);
    client_ids.push_back(params.value("client_request_id", ""));
  }
  // The query's request and served events, one event for the retried creation, two without ids.
  std::sort(client_ids.begin(), client_ids.end());
  EXPECT_EQ(client_ids, (std::vector<std::string>{"", "", "retry-1", victim, victim}));
}

TEST_F(AuditHooksTest, ManagementRefusalsCarryTheirErrorCode) {
  EXPECT_EQ(Exchange("POST", "/api/2.1/unity-catalog/recipients", "dup"), 409);
  EXPECT_EQ(Exchange("POST", "/api/2.1/unity-catalog/recipients", "{}", "wrong"), 401);
  auto events = Events();
  ASSERT_EQ(events.size(), 2u);
  EXPECT_EQ(events[0].status_code, 409);
  EXPECT_NE(events[0].error.find("RECIPIENT_ALREADY_EXISTS"), std::string::npos);
  EXPECT_EQ(events[1].status_code, 401);
  EXPECT_NE(events[1].error.find("UNAUTHENTICATED"), std::string::npos);
  EXPECT_EQ(events[1].params_json.find("wrong"), std::string::npos) << "a token leaked";
}

TEST_F(AuditHooksTest, ServedQueryGivesARequestAndAServedEvent) {
  EXPECT_EQ(Exchange("POST", "/delta-sharing/shares/s1/schemas/x/tables/t/query", "{}"), 200);
  auto events = Events();
  ASSERT_EQ(events.size(), 2u);
  EXPECT_EQ(events[0].action, "deltaSharingQueryTable");
  EXPECT_EQ(events[0].recipient, "acme");
  EXPECT_EQ(events[0].user_agent, "test-agent/1.0");
  EXPECT_EQ(events[1].action, "deltaSharingQueriedTable");
  auto volume = nlohmann::json::parse(events[1].volume_json);
  EXPECT_EQ(volume["numAddFiles"], "3");
  EXPECT_EQ(volume["bodyBytes"], "2");
}

TEST_F(AuditHooksTest, LaterEventsAreWrittenOnceEachWhateverTheStatus) {
  EXPECT_EQ(Exchange("POST", "/delta-sharing/shares/s1/schemas/x/tables/t/query", "materialize"),
            200);
  EXPECT_NE(Exchange("POST", "/delta-sharing/shares/s1/schemas/x/tables/t/query",
                     "materialize-failed"),
            200);
  auto events = Events();
  std::vector<catalog::AuditEvent> materialized;
  for (const auto& e : events) {
    if (e.action == "deltaSharingMaterializedFiles") materialized.push_back(e);
  }
  ASSERT_EQ(materialized.size(), 2u) << "one per request (an empty action adds none)";
  EXPECT_EQ(materialized[0].recipient, "acme");
  EXPECT_EQ(materialized[0].status_code, 200);
  auto first = nlohmann::json::parse(materialized[0].volume_json);
  EXPECT_EQ(first["built"], 2);
  EXPECT_EQ(first["calls"], 1);
  EXPECT_EQ(materialized[1].recipient, "acme");
  EXPECT_GE(materialized[1].status_code, 400);
  EXPECT_NE(materialized[1].error.find("cannot be rewritten"), std::string::npos);
  EXPECT_EQ(nlohmann::json::parse(materialized[1].volume_json)["failed"], 1);
}

TEST_F(AuditHooksTest, ProtocolRequestRefusedBeforeItsHandlerIsNamedFromTheRoute) {
  EXPECT_EQ(Exchange("POST", "/delta-sharing/shares/s1/schemas/x/tables/t/query", "{}", "bad"),
            401);
  EXPECT_EQ(Exchange("GET", "/nowhere"), 404);
  EXPECT_EQ(Exchange("GET", "/healthz"), 404);  // not registered here, but never audited
  auto events = Events();
  // Both are anonymous refusals from one address in one minute, of two kinds: each the first
  // of its kind, both recorded as they are; repeats would be counted (catalog/audit_aggregator.h).
  ASSERT_EQ(events.size(), 2u);
  EXPECT_EQ(events[0].action, "deltaSharingQueryTable");
  EXPECT_EQ(events[0].status_code, 401);
  EXPECT_EQ(events[0].source_ip, "192.0.2.10");
  EXPECT_EQ(events[1].action, "unknownRoute");
}

TEST_F(AuditHooksTest, RefusalsOfAnAuthenticatedCallerAreAllRecorded) {
  ASSERT_TRUE(router_.Handle("GET", "/delta-sharing/shares/{share}",
                             [](http::Request& request) -> Result<http::Response> {
                               return NotFound("Share '{}' not found", *request.PathParam("share"));
                             }));
  for (int i = 0; i < 5; ++i) {
    EXPECT_EQ(Exchange("GET", "/delta-sharing/shares/not_granted"), 404);
  }
  auto events = Events();
  ASSERT_EQ(events.size(), 5u);
  for (const auto& e : events) {
    EXPECT_EQ(e.recipient, "acme");
    EXPECT_EQ(e.status_code, 404);
  }
}

}  // namespace
}  // namespace lakeshare::app

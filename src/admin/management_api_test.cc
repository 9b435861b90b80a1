// The management API's contract: paging, error codes and statuses, strict bodies, no 500 for bad
// input, principals and their tokens, the audit query, catalogs/schemas/tables (fixture:
// management_test_fixture.h).
// Designated initializers naming only the fields a test cares about are the point here.
#pragma GCC diagnostic ignored "-Wmissing-field-initializers"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <atomic>
#include <map>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "admin/management_test_fixture.h"

namespace lakeshare::admin::test {
namespace {

TEST_F(ManagementTest, ListsPageAcrossPages) {
  for (int i = 0; i < 7; ++i) {
    ASSERT_EQ(
        Call("POST", Uc("/shares"), "admin-token", Json{{"name", "s" + std::to_string(i)}}).status,
        200);
  }
  // The share names `token` sees on pages of `max_results`, following next_page_token (at most
  // `max_pages` pages); `pages` counts them.
  auto page_through = [&](std::string_view token, int max_results, int max_pages, int& pages) {
    std::vector<std::string> seen;
    std::string next;
    pages = 0;
    do {
      std::string target = Uc("/shares?max_results=" + std::to_string(max_results));
      if (!next.empty()) {
        target += "&page_token=" + next;
      }
      Reply page = Call("GET", target, token);
      EXPECT_EQ(page.status, 200) << page.raw;
      for (const Json& s : page.body["shares"]) {
        seen.push_back(s["name"]);
      }
      next = page.body.value("next_page_token", "");
      ++pages;
    } while (!next.empty() && pages < max_pages);
    return seen;
  };
  int pages = 0;
  EXPECT_THAT(page_through("admin-token", 3, 10, pages),
              ::testing::ElementsAre("s0", "s1", "s2", "s3", "s4", "s5", "s6"));
  EXPECT_EQ(pages, 3);
  EXPECT_EQ(Call("GET", Uc("/shares")).body["shares"].size(), 7u);  // no max_results: all
  EXPECT_FALSE(Call("GET", Uc("/shares")).body.contains("next_page_token"));

  // Filtering never hides the rest: a team owning every other share pages through its own.
  std::string a = MakeTeam("team-a");
  for (int i = 0; i < 5; ++i) {
    ASSERT_EQ(Call("POST", Uc("/shares"), a, Json{{"name", "s" + std::to_string(i) + "a"}}).status,
              200);
  }
  EXPECT_THAT(page_through(a, 2, 20, pages),
              ::testing::ElementsAre("s0a", "s1a", "s2a", "s3a", "s4a"));

  for (const char* bad :
       {"?max_results=1001", "?max_results=-1", "?max_results=x", "?page_token=%21%21"}) {
    Reply r = Call("GET", Uc(std::string("/shares") + bad));
    EXPECT_EQ(r.status, 400) << bad << " " << r.raw;
    EXPECT_EQ(r.body["error_code"], "INVALID_PARAMETER_VALUE") << bad;
  }
}

TEST_F(ManagementTest, EveryErrorCodeComesWithItsStatus) {
  MakeTables(1);
  ASSERT_EQ(Call("POST", Uc("/shares"), "admin-token", Json{{"name", "s"}}).status, 200);
  MakeRecipient("r");
  ASSERT_EQ(
      Call("PATCH", Uc("/shares/s"), "admin-token",
           Json::parse(R"({"updates": [{"action": "ADD", "data_object": {"name": "c.s.t1"}}]})"))
          .status,
      200);
  std::string team = MakeTeam("team");
  struct Case {
    std::string method;
    std::string target;
    std::string body;
    std::string token;
    int status;
    std::string code;
  };
  std::vector<Case> cases = {
      {"GET", Uc("/shares/nope"), "", "admin-token", 404, "SHARE_DOES_NOT_EXIST"},
      {"GET", Uc("/recipients/nope"), "", "admin-token", 404, "RECIPIENT_DOES_NOT_EXIST"},
      {"POST", Uc("/recipients"), R"({"name": "r", "authentication_type": "TOKEN"})", "admin-token",
       409, "RECIPIENT_ALREADY_EXISTS"},
      {"POST", Uc("/shares"), R"({"name": "S"})", "admin-token", 409, "SHARE_ALREADY_EXISTS"},
      {"GET", Uc("/catalogs/nope"), "", "admin-token", 404, "CATALOG_DOES_NOT_EXIST"},
      {"GET", Uc("/schemas/c.nope"), "", "admin-token", 404, "SCHEMA_DOES_NOT_EXIST"},
      {"GET", Uc("/tables/c.s.nope"), "", "admin-token", 404, "TABLE_DOES_NOT_EXIST"},
      {"POST", Uc("/schemas"), R"({"name": "x", "catalog_name": "nope"})", "admin-token", 404,
       "CATALOG_DOES_NOT_EXIST"},
      {"PATCH", Uc("/shares/s"),
       R"({"updates": [{"action": "ADD", "data_object": {"name": "c.s.t1"}}]})", "admin-token", 409,
       "RESOURCE_ALREADY_EXISTS"},
      {"POST", Uc("/shares"), R"({"name": 5})", "admin-token", 400, "INVALID_PARAMETER_VALUE"},
      {"POST", Uc("/shares"), R"({"name": "x"})", team.empty() ? "x" : "no-such-token", 401, ""},
      {"GET", "/api/2.1/lakeshare/audit", "", team, 403, "PERMISSION_DENIED"},
      {"POST", Uc("/shares"), "{not json", "admin-token", 400, "MALFORMED_REQUEST"},
      {"PATCH", Uc("/shares/s/permissions"),
       R"({"changes": [{"principal": "nope", "add": ["SELECT"]}]})", "admin-token", 404,
       "RECIPIENT_DOES_NOT_EXIST"},
      {"PATCH", Uc("/permissions/catalog/c"),
       R"({"changes": [{"principal": "nope", "add": ["USE_CATALOG"]}]})", "admin-token", 404,
       "PRINCIPAL_DOES_NOT_EXIST"},
  };
  for (const Case& c : cases) {
    Reply r = Call(c.method, c.target, c.token, c.body);
    EXPECT_EQ(r.status, c.status) << c.method << " " << c.target << " " << r.raw;
    if (!c.code.empty()) {
      EXPECT_EQ(r.body.value("error_code", ""), c.code) << c.method << " " << c.target;
      EXPECT_FALSE(r.body.value("message", "").empty());
    }
  }
  // No token at all: 401 with a Bearer challenge, audited under the route's action.
  Reply anonymous = Call("GET", Uc("/shares"), "");
  EXPECT_EQ(anonymous.status, 401);
  EXPECT_EQ(*anonymous.response.Header("WWW-Authenticate"), "Bearer");
  EXPECT_EQ(anonymous.audit.action, "listShares");
  EXPECT_EQ(Call("DELETE", Uc("/recipients/r"), "bad-token").audit.action, "deleteRecipient");
}

TEST_F(ManagementTest, MalformedBodiesAreClear400s) {
  MakeTables(1);
  ASSERT_EQ(Call("POST", Uc("/shares"), "admin-token", Json{{"name", "s"}}).status, 200);
  MakeRecipient("r");
  std::vector<std::pair<std::string, std::string>> cases = {
      {Uc("/shares"), "[]"},
      {Uc("/shares"), "\"text\""},
      {Uc("/shares"), R"({"name": ["a"]})"},
      {Uc("/shares"), R"({"name": "ok", "comment": 7})"},
      {Uc("/shares"), R"({"name": ""})"},
      {Uc("/shares"), std::string(5000, '[')},
      {Uc("/shares"), R"({"name": ")" + std::string(5000, 'x') + R"("})"},
      {Uc("/recipients"), R"({"name": "x"})"},
      {Uc("/recipients"), R"({"name": "x", "authentication_type": "DATABRICKS"})"},
      {Uc("/recipients"), R"({"name": "x", "authentication_type": "TOKEN", "ip_access_list": []})"},
      {Uc("/recipients"),
       R"({"name": "x", "authentication_type": "TOKEN", "properties_kvpairs": {"properties": {"a": 1}}})"},
      {Uc("/recipients"),
       R"({"name": "x", "authentication_type": "TOKEN", "expiration_time": 99999999999999999999999})"},
      {Uc("/recipients"), R"({"name": "a b", "authentication_type": "TOKEN"})"},
      {Uc("/tables"),
       R"({"name": "t9", "catalog_name": "c", "schema_name": "s", "storage_location": "relative/path"})"},
      {Uc("/tables"),
       R"({"name": "t9", "catalog_name": "c", "schema_name": "s", "storage_location": "/a/../etc"})"},
      {Uc("/tables"),
       R"({"name": "t9", "catalog_name": "c", "schema_name": "s", "storage_location": "/x", "table_type": "MANAGED"})"},
  };
  std::vector<std::pair<std::string, std::string>> patches = {
      {Uc("/shares/s"), R"({"updates": {}})"},
      {Uc("/shares/s"), R"({"updates": [1]})"},
      {Uc("/shares/s"), R"({"updates": [{"action": "MERGE", "data_object": {"name": "c.s.t1"}}]})"},
      {Uc("/shares/s"), R"({"updates": [{"action": "ADD"}]})"},
      {Uc("/shares/s"), R"({"updates": [{"action": "ADD", "data_object": {"name": "t1"}}]})"},
      {Uc("/shares/s"),
       R"({"updates": [{"action": "ADD", "data_object": {"name": "c.s.t1", "data_object_type": "VIEW"}}]})"},
      {Uc("/shares/s"),
       R"({"updates": [{"action": "ADD", "data_object": {"name": "c.s.t1", "history_data_sharing_status": "MAYBE"}}]})"},
      {Uc("/shares/s"),
       R"({"updates": [{"action": "ADD", "data_object": {"name": "c.s.t1", "start_version": -3}}]})"},
      {Uc("/shares/s"),
       R"({"updates": [{"action": "ADD", "data_object": {"name": "c.s.t1", "partitions": [{"values": [{"name": "p", "op": "IN", "value": "1"}]}]}}]})"},
      {Uc("/shares/s"),
       R"({"updates": [{"action": "ADD", "data_object": {"name": "c.s.t1", "shared_as": "no_dot"}}]})"},
      {Uc("/shares/s/permissions"), R"({"changes": [{"principal": "r", "add": ["OWN"]}]})"},
      {Uc("/shares/s/permissions"), R"({"changes": [{"principal": "r", "add": ["USE_SHARE"]}]})"},
      {Uc("/shares/s/permissions"), R"({"changes": [{"add": ["SELECT"]}]})"},
      {Uc("/shares/s/permissions"), R"({})"},
      {Uc("/recipients/r"), R"({"properties_kvpairs": {"properties": []}})"},
      {Uc("/recipients/r"), R"({"expiration_time": -5})"},
      {Uc("/permissions/galaxy/x"), R"({"changes": []})"},
  };
  for (const auto& [target, body] : cases) {
    Reply r = Call("POST", target, "admin-token", body);
    EXPECT_EQ(r.status, 400) << target << " " << body.substr(0, 200) << " -> " << r.raw;
    EXPECT_THAT(r.body.value("error_code", ""),
                ::testing::AnyOf("INVALID_PARAMETER_VALUE", "MALFORMED_REQUEST"))
        << body.substr(0, 200);
  }
  for (const auto& [target, body] : patches) {
    Reply r = Call("PATCH", target, "admin-token", body);
    EXPECT_EQ(r.status, 400) << target << " " << body << " -> " << r.raw;
  }
  // Nothing was half-applied.
  auto share = catalog_->GetShare("s", true);
  ASSERT_TRUE(share);
  EXPECT_TRUE(share->objects.empty());
}

// Every route with wrong-typed, odd and huge values in every field it reads: a 4xx or a 2xx with
// a JSON body, never a 500.
TEST_F(ManagementTest, NoRouteAnswers500ToBadInput) {
  MakeTables(1);
  ASSERT_EQ(Call("POST", Uc("/shares"), "admin-token", Json{{"name", "s"}}).status, 200);
  std::string link = TokenOf(MakeRecipient("r"));
  const std::vector<std::pair<std::string, std::string>> routes = {
      {"PATCH", Uc("/metastores/metastore")},
      {"POST", Uc("/catalogs")},
      {"PATCH", Uc("/catalogs/c")},
      {"POST", Uc("/schemas")},
      {"PATCH", Uc("/schemas/c.s")},
      {"POST", Uc("/tables")},
      {"PATCH", Uc("/tables/c.s.t1")},
      {"POST", Uc("/shares")},
      {"PATCH", Uc("/shares/s")},
      {"PATCH", Uc("/shares/s/permissions")},
      {"POST", Uc("/recipients")},
      {"PATCH", Uc("/recipients/r")},
      {"POST", Uc("/recipients/r/rotate-token")},
      {"PATCH", Uc("/permissions/catalog/c")},
      {"PATCH", Uc("/permissions/share/s")},
      {"POST", "/api/2.1/lakeshare/principals"},
      {"PATCH", "/api/2.1/lakeshare/principals/admin"},
      {"POST", "/api/2.1/lakeshare/principals/admin/tokens"},
  };
  const std::vector<std::string> fields = {"name",
                                           "new_name",
                                           "owner",
                                           "comment",
                                           "catalog_name",
                                           "schema_name",
                                           "storage_location",
                                           "table_type",
                                           "authentication_type",
                                           "expiration_time",
                                           "ip_access_list",
                                           "properties_kvpairs",
                                           "updates",
                                           "changes",
                                           "existing_token_expire_in_seconds",
                                           "is_admin",
                                           "lifetime_seconds",
                                           "token_lifetime_seconds",
                                           "omit_permissions_list",
                                           "delta_sharing_recipient_token_lifetime_in_seconds",
                                           "delta_sharing_organization_name"};
  const std::vector<Json> values = {
      Json(nullptr),
      Json(true),
      Json(-1),
      Json(1.5),
      Json(1e308),
      Json(std::numeric_limits<uint64_t>::max()),
      Json(std::numeric_limits<int64_t>::min()),
      Json(""),
      Json(std::string(5000, 'x')),
      Json("\u0000"),
      Json::array(),
      Json::array({1, "a", nullptr}),
      Json::object(),
      Json{{"values", 1}},
      Json{{"allowed_ip_addresses", {"300.1.1.1"}}},
      Json{{"properties", {{"k", {1}}}}},
      Json::array({Json{{"action", "ADD"}, {"data_object", {{"name", 7}}}}}),
      Json::array({Json{{"principal", "r"}, {"add", "SELECT"}}})};
  int calls = 0;
  for (const auto& [method, target] : routes) {
    for (const std::string& field : fields) {
      for (const Json& value : values) {
        Reply r = Call(method, target, "admin-token", Json{{field, value}});
        ++calls;
        ASSERT_LT(r.status, 500) << method << " " << target << " " << field << "=" << value.dump()
                                 << " -> " << r.raw;
        ASSERT_FALSE(r.body.is_discarded()) << r.raw;
      }
    }
    for (const std::string raw : {"", "null", "0", "\"x\"", "{\"a\":", "\xff\xfe", "{} {}"}) {
      Reply r = Call(method, target, "admin-token", raw);
      ASSERT_LT(r.status, 500) << method << " " << target << " " << raw << " -> " << r.raw;
    }
  }
  EXPECT_GT(calls, 5000);
  for (const std::string path :
       {"/public/data_sharing_activation_info/", "/public/data_sharing_activation/"}) {
    for (const std::string& param :
         std::vector<std::string>{"x", "%2F%2F", "a/b/c/", std::string(300, 'a'), "..", "%C3%28"}) {
      EXPECT_LT(Call("GET", Uc(path + param), "").status, 500) << param;
    }
  }
  // The recipient's own link still works after all that.
  EXPECT_EQ(Call("GET", Uc("/public/data_sharing_activation/" + link), "").status, 200);
}

TEST_F(ManagementTest, PrincipalsAndTheirApiTokens) {
  Reply created = Call("POST", "/api/2.1/lakeshare/principals", "admin-token",
                       Json{{"name", "alice@example.com"}, {"comment", "data team"}});
  ASSERT_EQ(created.status, 200) << created.raw;
  std::string token = created.body["token_value"];
  EXPECT_EQ(created.body["is_admin"], false);
  EXPECT_EQ(created.body["token_info"]["principal"], "alice@example.com");
  EXPECT_EQ(created.audit.action, "createPrincipal");
  for (const auto& [k, v] : created.audit.params) {
    EXPECT_THAT(v, Not(HasSubstr(token)));
  }
  // The token authenticates; a principal sees itself but not others, and no principal list.
  EXPECT_EQ(Call("GET", "/api/2.1/lakeshare/principals/alice@example.com", token).status, 200);
  EXPECT_EQ(Call("GET", "/api/2.1/lakeshare/principals/admin", token).status, 404);
  EXPECT_EQ(Call("GET", "/api/2.1/lakeshare/principals", token).status, 403);
  Reply second = Call("POST", "/api/2.1/lakeshare/principals/alice@example.com/tokens", token,
                      Json{{"comment", "ci"}, {"lifetime_seconds", 60}});
  ASSERT_EQ(second.status, 200) << second.raw;
  EXPECT_EQ(second.body["token_info"]["expiry_time"], kT0 + 60'000);
  Reply tokens = Call("GET", "/api/2.1/lakeshare/principals/alice@example.com/tokens", token);
  ASSERT_EQ(tokens.body["token_infos"].size(), 2u);
  EXPECT_THAT(tokens.raw, Not(HasSubstr(token)));
  // Both were created in the same millisecond: find the first one by its comment.
  std::string first_id;
  for (const Json& t : tokens.body["token_infos"]) {
    if (t["comment"] == "") {
      first_id = t["token_id"];
    }
  }
  ASSERT_FALSE(first_id.empty()) << tokens.raw;
  ASSERT_EQ(Call("DELETE", "/api/2.1/lakeshare/principals/alice@example.com/tokens/" + first_id,
                 second.body["token_value"].get<std::string>())
                .status,
            200);
  EXPECT_EQ(Call("GET", Uc("/shares"), token).status, 401);
  EXPECT_EQ(Call("DELETE", "/api/2.1/lakeshare/principals/admin/tokens/x", "admin-token").status,
            404);

  // The last admin can be neither demoted nor deleted.
  EXPECT_EQ(
      Call("PATCH", "/api/2.1/lakeshare/principals/admin", "admin-token", Json{{"is_admin", false}})
          .status,
      400);
  EXPECT_EQ(Call("DELETE", "/api/2.1/lakeshare/principals/admin").status, 400);
  EXPECT_EQ(Call("POST", "/api/2.1/lakeshare/principals", "admin-token",
                 Json{{"name", "alice@example.com"}})
                .status,
            409);
}

TEST_F(ManagementTest, AuditQueryFiltersPagesAndExports) {
  std::vector<catalog::AuditEvent> events;
  for (int i = 0; i < 5; ++i) {
    events.push_back(catalog::AuditEvent{.time_ms = kT0 + i,
                                         .request_id = "req-" + std::to_string(i),
                                         .action = i % 2 == 0 ? "createShare" : "getShare",
                                         .principal = "admin",
                                         .recipient = i == 4 ? "acme" : "",
                                         .source_ip = "127.0.0.1",
                                         .user_agent = "test",
                                         .params_json = R"({"name":"s"})",
                                         .status_code = 200});
  }
  ASSERT_TRUE(catalog_->AppendAuditEvents(events));
  Reply all = Call("GET", "/api/2.1/lakeshare/audit?action=createShare");
  ASSERT_EQ(all.status, 200) << all.raw;
  ASSERT_EQ(all.body["events"].size(), 3u);
  const Json& e = all.body["events"][0];
  EXPECT_EQ(e["event_time"], kT0);
  EXPECT_EQ(e["request_id"], "req-0");
  EXPECT_EQ(e["action_name"], "createShare");
  EXPECT_EQ(e["request_params"]["name"], "s");
  EXPECT_EQ(e["response"]["status_code"], 200);
  EXPECT_EQ(e["source_ip_address"], "127.0.0.1");

  Reply page =
      Call("GET", "/api/2.1/lakeshare/audit?max_results=2&from_time_ms=" + std::to_string(kT0 + 1));
  ASSERT_EQ(page.body["events"].size(), 2u);
  EXPECT_EQ(page.body["events"][0]["request_id"], "req-1");
  std::string next = page.body["next_page_token"];
  Reply rest =
      Call("GET", "/api/2.1/lakeshare/audit?max_results=2&from_time_ms=" + std::to_string(kT0 + 1) +
                      "&page_token=" + next);
  EXPECT_EQ(rest.body["events"][0]["request_id"], "req-3");
  EXPECT_EQ(Call("GET", "/api/2.1/lakeshare/audit?recipient=acme").body["events"].size(), 1u);

  Reply jsonl = Call("GET", "/api/2.1/lakeshare/audit?format=jsonl&max_results=3");
  ASSERT_EQ(jsonl.status, 200);
  EXPECT_EQ(std::count(jsonl.raw.begin(), jsonl.raw.end(), '\n'), 3);
  EXPECT_NE(jsonl.response.Header("X-Next-Page-Token"), nullptr);
  Reply stream = Call("GET", "/api/2.1/lakeshare/audit?format=jsonl");
  EXPECT_EQ(stream.status, 200);
  EXPECT_TRUE(stream.response.is_streaming());
  EXPECT_EQ(Call("GET", "/api/2.1/lakeshare/audit?format=xml").status, 400);
  EXPECT_EQ(Call("GET", "/api/2.1/lakeshare/audit?from_time_ms=yesterday").status, 400);
}

TEST_F(ManagementTest, AuditExportStreamsEveryEventAcrossItsPages) {
  // More events than one page of the export (1000) holds, the last page a partial one.
  std::vector<catalog::AuditEvent> events;
  for (int i = 0; i < 2003; ++i) {
    events.push_back(catalog::AuditEvent{.time_ms = kT0 + i,
                                         .request_id = "req-" + std::to_string(i),
                                         .action = "getShare",
                                         .principal = "admin",
                                         .status_code = 200});
  }
  ASSERT_TRUE(catalog_->AppendAuditEvents(events));
  Reply stream = Call("GET", "/api/2.1/lakeshare/audit?format=jsonl");
  ASSERT_EQ(stream.status, 200);
  ASSERT_TRUE(stream.response.is_streaming());
  struct Collect : http::StreamWriter {
    std::string body;
    Status Write(std::string_view data) override {
      body += data;
      return {};
    }
    Status Flush() override { return {}; }
  } sink;
  ASSERT_TRUE(stream.response.producer()(sink));
  std::vector<std::string> ids;
  for (std::string_view rest = sink.body; !rest.empty();) {
    const size_t end = rest.find('\n');
    ASSERT_NE(end, std::string_view::npos);
    ids.push_back(Json::parse(rest.substr(0, end))["request_id"].get<std::string>());
    rest.remove_prefix(end + 1);
  }
  ASSERT_EQ(ids.size(), events.size());
  for (size_t i = 0; i < ids.size(); ++i) {
    ASSERT_EQ(ids[i], events[i].request_id);
  }
}

TEST_F(ManagementTest, AuditNewestFirstPagesBackwards) {
  std::vector<catalog::AuditEvent> events;
  for (int i = 0; i < 5; ++i) {
    events.push_back(catalog::AuditEvent{.time_ms = kT0 + i / 2,  // two events share a time
                                         .request_id = "req-" + std::to_string(i),
                                         .action = "getShare",
                                         .principal = "admin",
                                         .status_code = 200});
  }
  ASSERT_TRUE(catalog_->AppendAuditEvents(events));
  std::vector<std::string> seen;
  std::string token;
  for (int pages = 0; pages < 10; ++pages) {
    Reply page = Call("GET", "/api/2.1/lakeshare/audit?order=newest&max_results=2" +
                                 (token.empty() ? "" : "&page_token=" + token));
    ASSERT_EQ(page.status, 200) << page.raw;
    for (const Json& e : page.body["events"]) {
      seen.push_back(e["request_id"].get<std::string>());
    }
    if (!page.body.contains("next_page_token")) {
      break;
    }
    token = page.body["next_page_token"];
  }
  EXPECT_EQ(seen, (std::vector<std::string>{"req-4", "req-3", "req-2", "req-1", "req-0"}));
  // A token of one order does not continue the other.
  Reply first = Call("GET", "/api/2.1/lakeshare/audit?order=newest&max_results=1");
  std::string desc_token = first.body["next_page_token"];
  EXPECT_EQ(Call("GET", "/api/2.1/lakeshare/audit?max_results=1&page_token=" + desc_token).status,
            400);
  EXPECT_EQ(Call("GET", "/api/2.1/lakeshare/audit?order=sideways").status, 400);
}

TEST_F(ManagementTest, SharesSayWhetherChangesAreServed) {
  // Issue 14 item 8: changes are served when history (or CDF) is shared AND the table has the
  // change data feed enabled, as the sharing server's changes endpoint decides.
  MakeTables(2);
  Reply cdf_table = Call("POST", Uc("/tables"), "admin-token",
                         Json{{"name", "feed"},
                              {"catalog_name", "c"},
                              {"schema_name", "s"},
                              {"table_type", "EXTERNAL"},
                              {"data_source_format", "DELTA"},
                              {"storage_location", "s3://bucket/feed-cdf"}});
  ASSERT_EQ(cdf_table.status, 200) << cdf_table.raw;
  ASSERT_EQ(Call("POST", Uc("/shares"), "admin-token", Json{{"name", "h"}}).status, 200);
  auto add = [](const std::string& name, bool history) {
    return Json{{"action", "ADD"},
                {"data_object",
                 {{"name", name},
                  {"data_object_type", "TABLE"},
                  {"history_data_sharing_status", history ? "ENABLED" : "DISABLED"}}}};
  };
  Reply updated =
      Call("PATCH", Uc("/shares/h"), "admin-token",
           Json{{"updates",
                 Json::array({add("c.s.t1", true), add("c.s.feed", true), add("c.s.t2", false)})}});
  ASSERT_EQ(updated.status, 200) << updated.raw;
  Reply got = Call("GET", Uc("/shares/h?include_shared_data=true"));
  ASSERT_EQ(got.status, 200) << got.raw;
  std::map<std::string, bool> served;
  for (const Json& o : got.body["objects"]) {
    served[o["name"].get<std::string>()] = o["changes_served"].get<bool>();
  }
  EXPECT_EQ(served, (std::map<std::string, bool>{
                        {"c.s.feed", true}, {"c.s.t1", false}, {"c.s.t2", false}}));
  EXPECT_EQ(updated.body["objects"].size(), 3u);
  for (const Json& o : updated.body["objects"]) {
    EXPECT_EQ(o["changes_served"].get<bool>(), served[o["name"].get<std::string>()]) << o;
    EXPECT_EQ(o["status"], "ACTIVE") << o;
  }
}

TEST_F(ManagementTest, ASharedTableWhoseSourceIsGoneSaysSo) {
  // The source is read when the share is shown (the fixture: "missing" locations hold no
  // table), so the provider sees the broken table before a partner reports it.
  MakeTables(1);
  ASSERT_EQ(Call("POST", Uc("/tables"), "admin-token",
                 Json{{"name", "gone"},
                      {"catalog_name", "c"},
                      {"schema_name", "s"},
                      {"storage_location", "s3://bucket/missing-t"}})
                .status,
            200);
  ASSERT_EQ(Call("POST", Uc("/shares"), "admin-token", Json{{"name", "h"}}).status, 200);
  Reply updated = Call("PATCH", Uc("/shares/h"), "admin-token", Json::parse(R"({"updates": [
      {"action": "ADD", "data_object": {"name": "c.s.t1", "data_object_type": "TABLE"}},
      {"action": "ADD", "data_object": {"name": "c.s.gone", "data_object_type": "TABLE"}}]})"));
  ASSERT_EQ(updated.status, 200) << updated.raw;
  Reply got = Call("GET", Uc("/shares/h?include_shared_data=true"));
  ASSERT_EQ(got.status, 200) << got.raw;
  std::map<std::string, std::string> status;
  for (const Json& o : got.body["objects"]) {
    status[o["name"].get<std::string>()] = o["status"].get<std::string>();
    EXPECT_EQ(o.contains("changes_served"), o["name"] == "c.s.t1") << o;
  }
  EXPECT_EQ(status, (std::map<std::string, std::string>{{"c.s.gone", "SOURCE_NOT_FOUND"},
                                                        {"c.s.t1", "ACTIVE"}}));
}

TEST_F(ManagementTest, EachSharedTableGetsItsOwnSourceWhenTheyAreReadSideBySide) {
  // The sources of a share's tables are read on several threads; each answer must land on its
  // own table (odd tables point at missing locations).
  MakeTables(0);
  Json updates = Json::array();
  for (int i = 1; i <= 24; ++i) {
    std::string name = "t" + std::to_string(i);
    std::string location = "s3://bucket/" + std::string(i % 2 == 1 ? "missing-" : "") + name;
    ASSERT_EQ(Call("POST", Uc("/tables"), "admin-token",
                   Json{{"name", name},
                        {"catalog_name", "c"},
                        {"schema_name", "s"},
                        {"storage_location", location}})
                  .status,
              200);
    updates.push_back(
        Json{{"action", "ADD"},
             {"data_object", {{"name", "c.s." + name}, {"data_object_type", "TABLE"}}}});
  }
  ASSERT_EQ(Call("POST", Uc("/shares"), "admin-token", Json{{"name", "h"}}).status, 200);
  ASSERT_EQ(Call("PATCH", Uc("/shares/h"), "admin-token", Json{{"updates", updates}}).status, 200);
  Reply got = Call("GET", Uc("/shares/h?include_shared_data=true"));
  ASSERT_EQ(got.status, 200) << got.raw;
  ASSERT_EQ(got.body["objects"].size(), 24u);
  for (const Json& o : got.body["objects"]) {
    const int i = std::stoi(o["name"].get<std::string>().substr(std::string("c.s.t").size()));
    EXPECT_EQ(o["status"], i % 2 == 1 ? "SOURCE_NOT_FOUND" : "ACTIVE") << o;
    EXPECT_EQ(o.contains("changes_served"), i % 2 == 0) << o;
  }
}

TEST_F(ManagementTest, AShareIsShownWithTheSameMetastoreStatementsWhateverItsTables) {
  // Leftover of issue 13: the tables of a shown share were looked up one transaction each.
  MakeTables(30);
  ASSERT_EQ(Call("POST", Uc("/shares"), "admin-token", Json{{"name", "h"}}).status, 200);
  auto add_tables = [this](int first, int last) {
    Json updates = Json::array();
    for (int i = first; i <= last; ++i) {
      updates.push_back(Json{
          {"action", "ADD"},
          {"data_object", {{"name", "c.s.t" + std::to_string(i)}, {"data_object_type", "TABLE"}}}});
    }
    Reply r = Call("PATCH", Uc("/shares/h"), "admin-token", Json{{"updates", updates}});
    EXPECT_EQ(r.status, 200) << r.raw;
  };
  auto statements_to_show = [this](size_t tables) {
    auto count = std::make_shared<int>(0);
    sql_fault_ = [count](std::string_view) -> std::optional<Error> {
      ++*count;
      return std::nullopt;
    };
    Reply got = Call("GET", Uc("/shares/h?include_shared_data=true"));
    sql_fault_ = nullptr;
    EXPECT_EQ(got.status, 200) << got.raw;
    EXPECT_EQ(got.body["objects"].size(), tables) << got.raw;
    for (const Json& o : got.body["objects"]) EXPECT_EQ(o["status"], "ACTIVE") << o;
    return *count;
  };
  add_tables(1, 3);
  const int three = statements_to_show(3);
  add_tables(4, 30);
  EXPECT_EQ(statements_to_show(30), three);
}

// Look-alike names: "café" in NFC (U+00E9) and in NFD ("e" and U+0301) look the same in every
// listing but were two shares (or recipients, ...). Only the NFC spelling is a name now.
TEST_F(ManagementTest, ANameHasOneSpellingItsNfcOne) {
  const std::string nfc = "caf\u00e9", nfd = "cafe\u0301";
  Reply created = Call("POST", Uc("/shares"), "admin-token", Json{{"name", nfc}});
  ASSERT_EQ(created.status, 200) << created.raw;
  for (const auto& [path, body] : std::vector<std::pair<std::string, Json>>{
           {"/shares", Json{{"name", nfd}}},
           {"/recipients", Json{{"name", nfd}, {"authentication_type", "TOKEN"}}},
           {"/catalogs", Json{{"name", nfd}}},
       }) {
    Reply twin = Call("POST", Uc(path), "admin-token", body);
    EXPECT_EQ(twin.status, 400) << path << ": " << twin.raw;
    EXPECT_EQ(twin.body["error_code"], "INVALID_PARAMETER_VALUE") << path;
    EXPECT_THAT(twin.body["message"].get<std::string>(), HasSubstr("U+0301")) << path;
  }
  Reply renamed = Call("PATCH", Uc("/shares/caf%C3%A9"), "admin-token",
                       Json{{"new_name", "menu-" + nfd}});
  EXPECT_EQ(renamed.status, 400) << renamed.raw;
  Reply listed = Call("GET", Uc("/shares"));
  ASSERT_EQ(listed.status, 200) << listed.raw;
  ASSERT_EQ(listed.body["shares"].size(), 1u) << listed.raw;
  EXPECT_EQ(listed.body["shares"][0]["name"], nfc);
}

TEST_F(ManagementTest, CatalogsSchemasAndTablesRoundTrip) {
  MakeTables(1);
  Reply catalogs = Call("GET", Uc("/catalogs"));
  ASSERT_EQ(catalogs.body["catalogs"].size(), 1u);
  EXPECT_EQ(catalogs.body["catalogs"][0]["owner"], "admin");
  Reply schemas = Call("GET", Uc("/schemas?catalog_name=c"));
  ASSERT_EQ(schemas.body["schemas"].size(), 1u);
  EXPECT_EQ(schemas.body["schemas"][0]["full_name"], "c.s");
  EXPECT_EQ(Call("GET", Uc("/schemas")).status, 400);
  Reply moved = Call("PATCH", Uc("/tables/c.s.t1"), "admin-token",
                     Json{{"storage_location", "s3://bucket/moved"}, {"comment", "moved"}});
  ASSERT_EQ(moved.status, 200) << moved.raw;
  EXPECT_EQ(moved.body["storage_location"], "s3://bucket/moved");
  EXPECT_EQ(Call("DELETE", Uc("/catalogs/c")).status, 400);  // not empty without force
  EXPECT_EQ(Call("DELETE", Uc("/catalogs/c?force=true")).status, 200);
  EXPECT_EQ(Call("GET", Uc("/tables/c.s.t1")).body["error_code"], "CATALOG_DOES_NOT_EXIST");
}

// Storage governance (issue 10, Unity Catalog's rule): a table lies under a declared external
// location, for metastore admins too; registering or moving a table never declares one.
TEST_F(ManagementTest, AdminsRegisterTablesOnlyUnderADeclaredExternalLocation) {
  MakeTables(1);  // declares s3://bucket
  for (const char* location : {"/etc", "file:///etc", "/srv/lake/orders", "s3://other/t"}) {
    Reply r = Call("POST", Uc("/tables"), "admin-token",
                   Json{{"name", "loot"},
                        {"catalog_name", "c"},
                        {"schema_name", "s"},
                        {"storage_location", location}});
    EXPECT_EQ(r.status, 400) << location << ": " << r.raw;
    EXPECT_EQ(r.body.value("error_code", ""), "INVALID_PARAMETER_VALUE") << r.raw;
    EXPECT_THAT(r.body.value("message", ""),
                ::testing::HasSubstr("create an external location first"));
    EXPECT_THAT(r.body.value("message", ""),
                ::testing::HasSubstr("lakeshare admin external-locations create NAME URL"));
  }
  Reply moved = Call("PATCH", Uc("/tables/c.s.t1"), "admin-token",
                     Json{{"storage_location", "/etc"}});
  EXPECT_EQ(moved.status, 400) << moved.raw;
  EXPECT_THAT(moved.body.value("message", ""),
              ::testing::HasSubstr("create an external location first"));
  // Nothing was declared on the admin's behalf: "bucket" is still the only location.
  Reply locations = Call("GET", Uc("/external-locations"));
  ASSERT_EQ(locations.status, 200) << locations.raw;
  ASSERT_EQ(locations.body["external_locations"].size(), 1u) << locations.raw;
  EXPECT_EQ(locations.body["external_locations"][0]["name"], "bucket");
  EXPECT_EQ(Call("GET", Uc("/tables/c.s.t1")).body["storage_location"], "s3://bucket/t1");
  // Declared explicitly first, the same registration is accepted.
  ASSERT_EQ(Call("POST", Uc("/external-locations"), "admin-token",
                 Json{{"name", "lake"}, {"url", "/srv/lake"}})
                .status,
            200);
  Reply ok = Call("POST", Uc("/tables"), "admin-token",
                  Json{{"name", "orders"},
                       {"catalog_name", "c"},
                       {"schema_name", "s"},
                       {"storage_location", "/srv/lake/orders"}});
  EXPECT_EQ(ok.status, 200) << ok.raw;
}

TEST_F(ManagementTest, AStorageCredentialAndItsGrantsAreHiddenAlikeFromAllButItsOwner) {
  Reply made = Call("POST", Uc("/storage-credentials"), "admin-token",
                    Json{{"name", "cred"}, {"aws_profile", Json{{"profile_name", "p"}}}});
  ASSERT_EQ(made.status, 200) << made.raw;
  const std::string team = MakeTeam("team");
  for (const std::string& path :
       {Uc("/storage-credentials/cred"), Uc("/permissions/storage_credential/cred")}) {
    Reply hidden = Call("GET", path, team);
    EXPECT_EQ(hidden.status, 404) << path << " " << hidden.raw;
    EXPECT_EQ(hidden.body["error_code"], "STORAGE_CREDENTIAL_DOES_NOT_EXIST") << path;
    EXPECT_EQ(hidden.body["message"], "Storage credential 'cred' does not exist") << path;
    EXPECT_EQ(Call("GET", path).status, 200) << path;
  }
  Reply grant = Call("PATCH", Uc("/permissions/storage_credential/cred"), team,
                     Json{{"changes", Json::array()}});
  EXPECT_EQ(grant.status, 404) << grant.raw;
  // Once the team owns it, the team sees it and the grants on it, as an admin does.
  Reply owned =
      Call("PATCH", Uc("/storage-credentials/cred"), "admin-token", Json{{"owner", "team"}});
  ASSERT_EQ(owned.status, 200) << owned.raw;
  for (const std::string& path :
       {Uc("/storage-credentials/cred"), Uc("/permissions/storage_credential/cred")}) {
    Reply seen = Call("GET", path, team);
    EXPECT_EQ(seen.status, 200) << path << " " << seen.raw;
  }
}

TEST_F(ManagementTest, RowFiltersColumnsAndMasksAreCheckedAndStored) {
  MakeTables(1);
  ASSERT_EQ(Call("POST", Uc("/shares"), "admin-token", Json{{"name", "sales"}}).status, 200);
  auto add = [&](Json object) {
    object["name"] = "c.s.t1";
    return Call("PATCH", Uc("/shares/sales"), "admin-token",
                Json{{"updates", Json::array({Json{{"action", "ADD"}, {"data_object", object}}})}});
  };
  // Refused, nothing stored: a filter that is no predicate, a mask that is no mask, bad columns.
  for (const Json& bad :
       {Json{{"row_filter", "{\"op\":\"nope\"}"}}, Json{{"row_filter", "not json"}},
        Json{{"column_masks", {{"email", "sha1"}}}}, Json{{"column_masks", Json::array()}},
        Json{{"columns", {1, 2}}}, Json{{"columns", "id"}}}) {
    Reply r = add(bad);
    EXPECT_EQ(r.status, 400) << bad.dump() << " " << r.raw;
    EXPECT_EQ(r.body["error_code"], "INVALID_PARAMETER_VALUE") << r.raw;
  }
  auto none = catalog_->GetShare("sales", true);
  ASSERT_TRUE(none);
  EXPECT_TRUE(none->objects.empty());

  const std::string filter =
      R"({"op":"equal","children":[{"op":"column","name":"country","valueType":"string"},)"
      R"({"op":"recipientProperty","name":"country","valueType":"string"}]})";
  Reply ok = add(Json{{"row_filter", filter},
                      {"columns", {"id", "country", "email"}},
                      {"column_masks", {{"email", "hash"}}}});
  ASSERT_EQ(ok.status, 200) << ok.raw;
  const Json& object = ok.body["objects"][0];
  EXPECT_EQ(object["row_filter"], filter);
  EXPECT_EQ(object["columns"], Json::array({"id", "country", "email"}));
  EXPECT_EQ(object["column_masks"]["email"], "hash");
  // UPDATE naming one of them replaces all three; other UPDATEs keep them.
  Reply keep = Call("PATCH", Uc("/shares/sales"), "admin-token", Json::parse(R"({"updates": [
      {"action": "UPDATE", "data_object": {"name": "c.s.t1", "comment": "x"}}]})"));
  ASSERT_EQ(keep.status, 200) << keep.raw;
  EXPECT_EQ(keep.body["objects"][0]["row_filter"], filter);
  Reply replace = Call("PATCH", Uc("/shares/sales"), "admin-token", Json::parse(R"({"updates": [
      {"action": "UPDATE", "data_object": {"name": "c.s.t1", "columns": ["id"]}}]})"));
  ASSERT_EQ(replace.status, 200) << replace.raw;
  EXPECT_FALSE(replace.body["objects"][0].contains("row_filter"));
  EXPECT_EQ(replace.body["objects"][0]["columns"], Json::array({"id"}));
}

}  // namespace
}  // namespace lakeshare::admin::test

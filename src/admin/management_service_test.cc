// The management API through a real http::Router over a real SQLite metastore in a temp dir:
// every request goes through routing, ManagementService::Authenticate and the handlers.
#include "admin/management_service.h"

// Designated initializers naming only the fields a test cares about are the point here.
#pragma GCC diagnostic ignored "-Wmissing-field-initializers"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <atomic>
#include <cstdlib>
#include <filesystem>
#include <limits>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <thread>
#include <vector>

#include "http/request.h"
#include "http/router.h"

namespace lakeshare::admin {
namespace {

namespace fs = std::filesystem;
using Json = nlohmann::json;
using ::testing::HasSubstr;
using ::testing::Not;

constexpr std::string_view kUc = "/api/2.1/unity-catalog";
constexpr int64_t kT0 = 1'700'000'000'000;

struct Reply {
  int status = 0;
  Json body;
  std::string raw;
  http::Response response;
  http::AuditNotes audit;
};

class ManagementTest : public ::testing::Test {
 protected:
  void SetUp() override {
    static std::atomic<int> counter{0};
    dir_ = fs::temp_directory_path() /
           ("lakeshare-admin-test-" + std::to_string(::getpid()) + "-" + std::to_string(counter++));
    fs::create_directories(dir_);
    // LAKESHARE_ADMIN_TEST_METASTORE runs a test on another (new, empty) metastore, e.g. a
    // PostgreSQL database: one database per test, so pair it with --gtest_filter.
    const char* location = std::getenv("LAKESHARE_ADMIN_TEST_METASTORE");
    auto opened = catalog::OpenCatalog(location != nullptr ? std::string(location)
                                                           : (dir_ / "metastore.db").string());
    ASSERT_TRUE(opened) << opened.error().ToString();
    catalog_ = std::move(*opened);
    now_ = std::make_shared<std::atomic<int64_t>>(kT0);
    catalog_->SetClockForTest([now = now_] { return now->load(); });
    ASSERT_TRUE(catalog_->CreatePrincipal({.name = "admin", .is_admin = true}));
    ASSERT_TRUE(catalog_->AddPrincipalToken("admin", "admin-token", std::nullopt, ""));

    ManagementOptions options;
    options.public_url = "https://share.example.com";
    options.clock_ms = [now = now_] { return now->load(); };
    options.on_access_changed = [this](const std::string& r) { changed_.push_back(r); };
    auto service = ManagementService::Create(catalog_.get(), options);
    ASSERT_TRUE(service) << service.error().ToString();
    service_ = std::move(*service);
    router_.SetAuthenticator(
        [svc = service_.get()](http::Request& r) { return svc->Authenticate(r); });
    ASSERT_TRUE(service_->RegisterRoutes(router_));
  }

  void TearDown() override {
    service_.reset();
    catalog_.reset();
    std::error_code ec;
    fs::remove_all(dir_, ec);
  }

  Reply Call(std::string method, std::string_view target, std::string_view token = "admin-token",
             std::string body = {}, std::string remote = "127.0.0.1") {
    std::vector<http::Field> headers = {{"Host", "ignored.example.com"}};
    if (!token.empty()) {
      headers.emplace_back("Authorization", "Bearer " + std::string(token));
    }
    auto request = http::Request::Create(std::move(method), target, std::move(headers),
                                         std::move(body), std::move(remote));
    EXPECT_TRUE(request) << target;
    Reply reply;
    reply.response = router_.Dispatch(*request);
    reply.status = reply.response.status();
    reply.raw = reply.response.body();
    reply.body = Json::parse(reply.raw, nullptr, false);
    if (request->audit_notes() != nullptr) {
      reply.audit = *request->audit_notes();
    }
    return reply;
  }
  Reply Call(std::string method, std::string_view target, std::string_view token,
             const Json& body) {
    return Call(std::move(method), target, token, body.dump());
  }
  std::string Uc(std::string_view path) { return std::string(kUc) + std::string(path); }

  /// catalog c, schema s, tables t1..tn owned by the admin.
  void MakeTables(int n) {
    ASSERT_EQ(Call("POST", Uc("/catalogs"), "admin-token", Json{{"name", "c"}}).status, 200);
    ASSERT_EQ(
        Call("POST", Uc("/schemas"), "admin-token", Json{{"name", "s"}, {"catalog_name", "c"}})
            .status,
        200);
    for (int i = 1; i <= n; ++i) {
      Reply r = Call("POST", Uc("/tables"), "admin-token",
                     Json{{"name", "t" + std::to_string(i)},
                          {"catalog_name", "c"},
                          {"schema_name", "s"},
                          {"table_type", "EXTERNAL"},
                          {"data_source_format", "DELTA"},
                          {"storage_location", "s3://bucket/t" + std::to_string(i)}});
      ASSERT_EQ(r.status, 200) << r.raw;
    }
  }

  /// A team member with CREATE_SHARE and CREATE_RECIPIENT; returns its API token.
  std::string MakeTeam(const std::string& name) {
    Reply r = Call("POST", "/api/2.1/lakeshare/principals", "admin-token", Json{{"name", name}});
    EXPECT_EQ(r.status, 200) << r.raw;
    Reply g =
        Call("PATCH", Uc("/permissions/metastore/metastore"), "admin-token",
             Json{{"changes", Json::array({Json{{"principal", name},
                                                {"add", {"CREATE_SHARE", "CREATE_RECIPIENT"}}}})}});
    EXPECT_EQ(g.status, 200) << g.raw;
    return r.body.value("token_value", "");
  }

  /// Create a TOKEN recipient; returns its activation URL.
  std::string MakeRecipient(const std::string& name, std::string_view token = "admin-token",
                            Json extra = Json::object()) {
    extra["name"] = name;
    extra["authentication_type"] = "TOKEN";
    Reply r = Call("POST", Uc("/recipients"), token, extra);
    EXPECT_EQ(r.status, 200) << r.raw;
    return r.body.value("activation_url", "");
  }

  static std::string TokenOf(const std::string& url) { return url.substr(url.rfind('/') + 1); }

  fs::path dir_;
  std::unique_ptr<catalog::Catalog> catalog_;
  std::shared_ptr<std::atomic<int64_t>> now_;
  std::unique_ptr<ManagementService> service_;
  http::Router router_;
  std::vector<std::string> changed_;
};

TEST_F(ManagementTest, FiveStepOnboarding) {
  // 1. Prepare: register the table.
  MakeTables(1);
  Reply table = Call("GET", Uc("/tables/c.s.t1"));
  ASSERT_EQ(table.status, 200) << table.raw;
  EXPECT_EQ(table.body["storage_location"], "s3://bucket/t1");
  EXPECT_EQ(table.body["table_type"], "EXTERNAL");
  EXPECT_EQ(table.body["data_source_format"], "DELTA");
  EXPECT_EQ(table.body["full_name"], "c.s.t1");

  // 2. Share.
  Reply share = Call("POST", Uc("/shares"), "admin-token",
                     Json{{"name", "sales"}, {"comment", "daily sales"}});
  ASSERT_EQ(share.status, 200) << share.raw;
  EXPECT_EQ(share.body["owner"], "admin");
  EXPECT_EQ(share.audit.action, "createShare");
  EXPECT_EQ(share.audit.params.at("name"), "sales");

  // 3. Add the table, sliced per partner.
  Json add = Json::parse(R"({"updates": [{"action": "ADD", "data_object": {
      "name": "c.s.t1", "data_object_type": "TABLE", "shared_as": "retail.sales",
      "history_data_sharing_status": "ENABLED", "cdf_enabled": true, "start_version": 0,
      "partitions": [{"values": [{"name": "country", "op": "EQUAL",
                                  "recipient_property_key": "country"}]}]}}]})");
  Reply updated = Call("PATCH", Uc("/shares/sales"), "admin-token", add);
  ASSERT_EQ(updated.status, 200) << updated.raw;
  ASSERT_EQ(updated.body["objects"].size(), 1u);
  const Json& object = updated.body["objects"][0];
  EXPECT_EQ(object["name"], "c.s.t1");
  EXPECT_EQ(object["shared_as"], "retail.sales");
  EXPECT_EQ(object["data_object_type"], "TABLE");
  EXPECT_EQ(object["history_data_sharing_status"], "ENABLED");
  EXPECT_EQ(object["cdf_enabled"], true);
  EXPECT_EQ(object["start_version"], 0);
  EXPECT_EQ(object["status"], "ACTIVE");
  EXPECT_EQ(object["added_by"], "admin");
  EXPECT_EQ(object["added_at"], kT0);
  EXPECT_EQ(object["partitions"][0]["values"][0]["recipient_property_key"], "country");
  EXPECT_EQ(updated.audit.action, "updateShare");

  // 4. Recipient with a property the partition filter uses.
  Reply recipient = Call("POST", Uc("/recipients"), "admin-token", Json::parse(R"({
      "name": "acme", "authentication_type": "TOKEN", "comment": "Acme GmbH",
      "properties_kvpairs": {"properties": {"country": "DE"}}})"));
  ASSERT_EQ(recipient.status, 200) << recipient.raw;
  EXPECT_EQ(recipient.body["authentication_type"], "TOKEN");
  EXPECT_EQ(recipient.body["properties_kvpairs"]["properties"]["country"], "DE");
  EXPECT_EQ(recipient.body["activated"], false);
  std::string url = recipient.body["activation_url"];
  EXPECT_THAT(url, ::testing::StartsWith("https://share.example.com/delta-sharing/activation/"));
  ASSERT_EQ(recipient.body["tokens"].size(), 1u);
  EXPECT_EQ(recipient.body["tokens"][0]["activation_url"], url);
  EXPECT_EQ(recipient.body["tokens"][0]["activation_url_expiration_time"],
            kT0 + 72LL * 3600 * 1000);
  EXPECT_EQ(*recipient.response.Header("Cache-Control"), "no-store");
  EXPECT_EQ(recipient.audit.action, "createRecipient");
  EXPECT_EQ(recipient.audit.recipient, "acme");
  for (const auto& [k, v] : recipient.audit.params) {
    EXPECT_THAT(v, Not(HasSubstr(TokenOf(url)))) << k;
  }

  // 5. Grant.
  Reply grant = Call("PATCH", Uc("/shares/sales/permissions"), "admin-token",
                     Json::parse(R"({"changes": [{"principal": "acme", "add": ["SELECT"]}]})"));
  ASSERT_EQ(grant.status, 200) << grant.raw;
  EXPECT_EQ(grant.body["privilege_assignments"][0]["principal"], "acme");
  EXPECT_EQ(grant.body["privilege_assignments"][0]["privileges"][0], "SELECT");
  EXPECT_EQ(grant.audit.action, "updateSharePermissions");
  EXPECT_EQ(grant.audit.recipient, "acme");
  EXPECT_THAT(changed_, ::testing::Contains("acme"));

  Reply perms = Call("GET", Uc("/recipients/acme/share-permissions"));
  ASSERT_EQ(perms.status, 200) << perms.raw;
  EXPECT_EQ(perms.body["permissions_out"][0]["share_name"], "sales");
  EXPECT_EQ(perms.body["permissions_out"][0]["privilege_assignments"][0]["privileges"][0],
            "SELECT");
  EXPECT_EQ(perms.audit.action, "getRecipientSharePermissions");

  Reply got = Call("GET", Uc("/shares/sales?include_shared_data=true"));
  ASSERT_EQ(got.status, 200);
  EXPECT_EQ(got.body["objects"][0]["shared_as"], "retail.sales");
  EXPECT_FALSE(Call("GET", Uc("/shares/sales")).body.contains("objects"));
  auto stored = catalog_->GetShare("sales", true);
  ASSERT_TRUE(stored);
  EXPECT_EQ(Json::parse(stored->objects[0].partitions_json),
            add["updates"][0]["data_object"]["partitions"]);
}

TEST_F(ManagementTest, ActivationLinkDownloadsTheProfileExactlyOnce) {
  std::string url = MakeRecipient("acme");
  std::string token = TokenOf(url);

  Reply info = Call("GET", Uc("/public/data_sharing_activation_info/" + token), "");
  ASSERT_EQ(info.status, 200) << info.raw;
  EXPECT_EQ(info.body["recipientName"], "acme");
  EXPECT_EQ(info.body["used"], false);
  EXPECT_EQ(info.body["downloadable"], true);
  EXPECT_EQ(info.body["activationLinkExpirationTime"], kT0 + 72LL * 3600 * 1000);
  EXPECT_EQ(info.audit.action, "getActivationUrlInfo");
  EXPECT_EQ(info.audit.recipient, "acme");
  // The full URL works too (as a tail of segments).
  Reply by_url = Call("GET", Uc("/public/data_sharing_activation_info/" + url), "");
  EXPECT_EQ(by_url.status, 200) << by_url.raw;

  now_->fetch_add(1000);
  Reply profile = Call("GET", Uc("/public/data_sharing_activation/" + token), "");
  ASSERT_EQ(profile.status, 200) << profile.raw;
  EXPECT_EQ(profile.body["shareCredentialsVersion"], 1);
  EXPECT_EQ(profile.body["endpoint"], "https://share.example.com/delta-sharing");
  EXPECT_FALSE(profile.body.contains("expirationTime"));  // lifetime 0: never expires
  std::string bearer = profile.body["bearerToken"];
  EXPECT_EQ(bearer.size(), 43u);
  EXPECT_EQ(*profile.response.Header("Cache-Control"), "no-store");
  EXPECT_EQ(profile.audit.action, "retrieveRecipientToken");
  EXPECT_EQ(profile.audit.recipient, "acme");
  for (const auto& [k, v] : profile.audit.params) {
    EXPECT_THAT(v, Not(HasSubstr(token))) << k;
    EXPECT_THAT(v, Not(HasSubstr(bearer))) << k;
  }
  auto auth = catalog_->AuthenticateRecipient(bearer);
  ASSERT_TRUE(auth) << auth.error().ToString();
  EXPECT_EQ(auth->recipient.name, "acme");

  Reply again = Call("GET", Uc("/public/data_sharing_activation/" + token), "");
  EXPECT_EQ(again.status, 403);
  EXPECT_EQ(again.body["error_code"], "PERMISSION_DENIED");
  EXPECT_THAT(again.body["message"].get<std::string>(), HasSubstr("already used"));
  EXPECT_THAT(again.body["message"].get<std::string>(), HasSubstr("rotate-token"));
  EXPECT_EQ(Call("GET", Uc("/public/data_sharing_activation_info/" + token), "").body["used"],
            true);

  Reply recipient = Call("GET", Uc("/recipients/acme"));
  EXPECT_EQ(recipient.body["activated"], true);
  ASSERT_EQ(recipient.body["tokens"].size(), 1u);
  EXPECT_FALSE(recipient.body.contains("activation_url"));
  EXPECT_THAT(recipient.raw, Not(HasSubstr(token)));

  // HEAD (link checkers) never burns a link.
  std::string fresh = TokenOf(MakeRecipient("other"));
  Reply head = Call("HEAD", Uc("/public/data_sharing_activation/" + fresh), "");
  EXPECT_EQ(head.status, 405);
  EXPECT_EQ(Call("GET", Uc("/public/data_sharing_activation_info/" + fresh), "").body["used"],
            false);
  EXPECT_EQ(Call("POST", Uc("/public/data_sharing_activation/" + fresh), "").status, 200);

  Reply unknown = Call("GET", Uc("/public/data_sharing_activation/not-a-real-link"), "");
  EXPECT_EQ(unknown.status, 404);
  EXPECT_EQ(Call("GET", Uc("/public/data_sharing_activation/bad%21chars"), "").status, 404);
}

TEST_F(ManagementTest, ConcurrentDownloadsOfOneLinkHaveExactlyOneWinner) {
  std::string target = Uc("/public/data_sharing_activation/" + TokenOf(MakeRecipient("acme")));
  std::vector<int> statuses(4);
  std::vector<std::thread> threads;
  for (size_t i = 0; i < statuses.size(); ++i) {
    threads.emplace_back([&, i] {
      auto request = http::Request::Create("GET", target, {}, {}, "127.0.0.1");
      statuses[i] = router_.Dispatch(*request).status();
    });
  }
  for (std::thread& t : threads) {
    t.join();
  }
  EXPECT_EQ(std::count(statuses.begin(), statuses.end(), 200), 1);
  EXPECT_EQ(std::count(statuses.begin(), statuses.end(), 403), 3);
  auto tokens = catalog_->ListRecipientTokens("acme");
  ASSERT_TRUE(tokens);
  EXPECT_EQ(tokens->size(), 1u);
}

TEST_F(ManagementTest, TokenLifetimeIsTheShorterOfMetastoreDefaultAndRecipientExpiry) {
  Reply set = Call("PATCH", Uc("/metastores/metastore"), "admin-token",
                   Json{{"delta_sharing_recipient_token_lifetime_in_seconds", 3600},
                        {"delta_sharing_organization_name", "Contoso"}});
  ASSERT_EQ(set.status, 200) << set.raw;
  EXPECT_EQ(set.audit.action, "updateMetastore");
  EXPECT_EQ(Call("GET", Uc("/metastore_summary")).body["delta_sharing_organization_name"],
            "Contoso");
  std::string a = MakeRecipient("a");
  Reply pa = Call("GET", Uc("/public/data_sharing_activation/" + TokenOf(a)), "");
  ASSERT_EQ(pa.status, 200) << pa.raw;
  EXPECT_EQ(pa.body["expirationTime"], "2023-11-14T23:13:20.000Z");  // kT0 + 1 h
  std::string b = MakeRecipient("b", "admin-token", Json{{"expiration_time", kT0 + 60'000}});
  EXPECT_EQ(Call("GET", Uc("/public/data_sharing_activation_info/" + TokenOf(b)), "")
                .body["organizationName"],
            "Contoso");
  Reply pb = Call("GET", Uc("/public/data_sharing_activation/" + TokenOf(b)), "");
  EXPECT_EQ(pb.body["expirationTime"], "2023-11-14T22:14:20.000Z");  // kT0 + 1 min
  // Once the recipient expired, its link is no longer downloadable.
  std::string c = MakeRecipient("c", "admin-token", Json{{"expiration_time", kT0 + 60'000}});
  now_->fetch_add(60'000);
  Reply info = Call("GET", Uc("/public/data_sharing_activation_info/" + TokenOf(c)), "");
  EXPECT_EQ(info.body["downloadable"], false);
  Reply late = Call("GET", Uc("/public/data_sharing_activation/" + TokenOf(c)), "");
  EXPECT_EQ(late.status, 403);
  EXPECT_THAT(late.body["message"].get<std::string>(), HasSubstr("expired"));
  EXPECT_EQ(Call("PATCH", Uc("/metastores/metastore"), "admin-token",
                 Json{{"delta_sharing_recipient_token_lifetime_in_seconds", -1}})
                .status,
            400);
}

TEST_F(ManagementTest, RotateWithGraceThenRevoke) {
  std::string first = MakeRecipient("acme");
  Reply p1 = Call("GET", Uc("/public/data_sharing_activation/" + TokenOf(first)), "");
  ASSERT_EQ(p1.status, 200);
  std::string bearer1 = p1.body["bearerToken"];

  changed_.clear();
  Reply rotated = Call("POST", Uc("/recipients/acme/rotate-token"), "admin-token",
                       Json{{"existing_token_expire_in_seconds", 3600}});
  ASSERT_EQ(rotated.status, 200) << rotated.raw;
  EXPECT_EQ(rotated.audit.action, "rotateRecipientToken");
  EXPECT_EQ(rotated.audit.params.at("existing_token_expire_in_seconds"), "3600");
  EXPECT_THAT(changed_, ::testing::Contains("acme"));
  std::string second = rotated.body["activation_url"];
  EXPECT_NE(second, first);
  // The old token's shortened expiry is visible; the new link is listed with its URL once.
  ASSERT_EQ(rotated.body["tokens"].size(), 2u);
  EXPECT_EQ(rotated.body["tokens"][0]["expiration_time"], kT0 + 3'600'000);
  EXPECT_EQ(rotated.body["tokens"][1]["activation_url"], second);
  EXPECT_EQ(Call("GET", Uc("/recipients/acme")).body["tokens"][0]["expiration_time"],
            kT0 + 3'600'000);

  Reply p2 = Call("GET", Uc("/public/data_sharing_activation/" + TokenOf(second)), "");
  ASSERT_EQ(p2.status, 200) << p2.raw;
  std::string bearer2 = p2.body["bearerToken"];
  EXPECT_TRUE(catalog_->AuthenticateRecipient(bearer1));
  EXPECT_TRUE(catalog_->AuthenticateRecipient(bearer2));

  // Two live tokens after shortening: a third is refused.
  Reply third = Call("POST", Uc("/recipients/acme/rotate-token"), "admin-token",
                     Json{{"existing_token_expire_in_seconds", 60}});
  EXPECT_EQ(third.status, 400);
  EXPECT_EQ(third.body["error_code"], "INVALID_PARAMETER_VALUE");
  EXPECT_THAT(third.body["message"].get<std::string>(),
              HasSubstr("There are already two active tokens for recipient acme"));

  // After the grace period the old token stops working.
  now_->fetch_add(3'600'001);
  EXPECT_FALSE(catalog_->AuthenticateRecipient(bearer1));
  EXPECT_TRUE(catalog_->AuthenticateRecipient(bearer2));

  // 0 revokes now; an unopened link from an earlier rotation is invalidated by the next one.
  Reply revoke = Call("POST", Uc("/recipients/acme/rotate-token"), "admin-token",
                      Json{{"existing_token_expire_in_seconds", 0}});
  ASSERT_EQ(revoke.status, 200) << revoke.raw;
  EXPECT_FALSE(catalog_->AuthenticateRecipient(bearer2));
  std::string unopened = revoke.body["activation_url"];
  Reply again = Call("POST", Uc("/recipients/acme/rotate-token"), "admin-token",
                     Json{{"existing_token_expire_in_seconds", 0}});
  ASSERT_EQ(again.status, 200);
  EXPECT_EQ(Call("GET", Uc("/public/data_sharing_activation/" + TokenOf(unopened)), "").status,
            403);
  EXPECT_EQ(Call("GET",
                 Uc("/public/data_sharing_activation/" + TokenOf(again.body["activation_url"])), "")
                .status,
            200);

  for (const char* body : {R"({})", R"({"existing_token_expire_in_seconds": -1})",
                           R"({"existing_token_expire_in_seconds": "soon"})",
                           R"({"existing_token_expire_in_seconds": 1e300})"}) {
    Reply bad = Call("POST", Uc("/recipients/acme/rotate-token"), "admin-token", std::string(body));
    EXPECT_EQ(bad.status, 400) << body << " " << bad.raw;
    EXPECT_EQ(bad.body["error_code"], "INVALID_PARAMETER_VALUE") << body;
  }
}

TEST_F(ManagementTest, DeleteRevokesAtOnce) {
  std::string url = MakeRecipient("acme");
  std::string bearer =
      Call("GET", Uc("/public/data_sharing_activation/" + TokenOf(url)), "").body["bearerToken"];
  ASSERT_TRUE(catalog_->AuthenticateRecipient(bearer));
  changed_.clear();
  Reply deleted = Call("DELETE", Uc("/recipients/acme"));
  ASSERT_EQ(deleted.status, 200) << deleted.raw;
  EXPECT_EQ(deleted.audit.action, "deleteRecipient");
  EXPECT_THAT(changed_, ::testing::ElementsAre("acme"));
  EXPECT_FALSE(catalog_->AuthenticateRecipient(bearer));
  EXPECT_EQ(Call("GET", Uc("/recipients/acme")).body["error_code"], "RECIPIENT_DOES_NOT_EXIST");
}

TEST_F(ManagementTest, IpAccessListGatesThePublicEndpoints) {
  std::string url = MakeRecipient(
      "acme", "admin-token",
      Json::parse(
          R"({"ip_access_list": {"allowed_ip_addresses": ["10.0.0.0/8", "2001:db8::/32"]}})"));
  std::string token = TokenOf(url);
  std::string info = Uc("/public/data_sharing_activation_info/" + token);
  std::string download = Uc("/public/data_sharing_activation/" + token);
  Reply refused = Call("GET", info, "", "", "192.0.2.1");
  EXPECT_EQ(refused.status, 403);
  EXPECT_EQ(refused.body["error_code"], "PERMISSION_DENIED");
  EXPECT_EQ(Call("GET", download, "", "", "192.0.2.1").status, 403);
  EXPECT_EQ(Call("GET", info, "", "", "10.1.2.3").status, 200);
  EXPECT_EQ(Call("GET", info, "", "", "2001:db8::7").status, 200);
  EXPECT_EQ(Call("GET", download, "", "", "10.1.2.3").status, 200);

  // Clearing the list opens it; updates call the access hook.
  changed_.clear();
  Reply cleared = Call("PATCH", Uc("/recipients/acme"), "admin-token",
                       Json::parse(R"({"ip_access_list": {"allowed_ip_addresses": []}})"));
  ASSERT_EQ(cleared.status, 200) << cleared.raw;
  EXPECT_TRUE(cleared.body["ip_access_list"]["allowed_ip_addresses"].empty());
  EXPECT_THAT(changed_, ::testing::Contains("acme"));

  Reply bad = Call("PATCH", Uc("/recipients/acme"), "admin-token",
                   Json::parse(R"({"ip_access_list": {"allowed_ip_addresses": ["10.0.0.1/8"]}})"));
  EXPECT_EQ(bad.status, 400);
  Json many = Json::array();
  for (int i = 0; i < 101; ++i) {
    many.push_back("10.0.0." + std::to_string(i % 250));
  }
  EXPECT_EQ(Call("PATCH", Uc("/recipients/acme"), "admin-token",
                 Json{{"ip_access_list", Json{{"allowed_ip_addresses", many}}}})
                .status,
            400);
}

TEST_F(ManagementTest, TeamsSeeAndChangeOnlyTheirOwnSharesAndRecipients) {
  std::string a = MakeTeam("team-a");
  std::string b = MakeTeam("team-b");
  ASSERT_FALSE(a.empty());
  ASSERT_EQ(Call("POST", Uc("/shares"), a, Json{{"name", "a-share"}}).status, 200);
  ASSERT_EQ(Call("POST", Uc("/shares"), b, Json{{"name", "b-share"}}).status, 200);
  MakeRecipient("a-partner", a);
  MakeRecipient("b-partner", b);

  Reply shares_a = Call("GET", Uc("/shares"), a);
  ASSERT_EQ(shares_a.status, 200);
  ASSERT_EQ(shares_a.body["shares"].size(), 1u);
  EXPECT_EQ(shares_a.body["shares"][0]["name"], "a-share");
  Reply recipients_b = Call("GET", Uc("/recipients"), b);
  ASSERT_EQ(recipients_b.body["recipients"].size(), 1u);
  EXPECT_EQ(recipients_b.body["recipients"][0]["name"], "b-partner");
  EXPECT_EQ(Call("GET", Uc("/shares")).body["shares"].size(), 2u);  // admin sees all

  // Another team's objects look exactly like missing ones.
  Reply get_other = Call("GET", Uc("/shares/b-share"), a);
  EXPECT_EQ(get_other.status, 404);
  EXPECT_EQ(get_other.body["error_code"], "SHARE_DOES_NOT_EXIST");
  EXPECT_EQ(Call("PATCH", Uc("/shares/b-share"), a, Json{{"comment", "mine"}}).status, 404);
  EXPECT_EQ(Call("DELETE", Uc("/shares/b-share"), a).status, 404);
  EXPECT_EQ(Call("GET", Uc("/shares/b-share/permissions"), a).status, 404);
  EXPECT_EQ(Call("GET", Uc("/recipients/b-partner"), a).body["error_code"],
            "RECIPIENT_DOES_NOT_EXIST");
  EXPECT_EQ(Call("DELETE", Uc("/recipients/b-partner"), a).status, 404);
  EXPECT_EQ(Call("POST", Uc("/recipients/b-partner/rotate-token"), a,
                 Json{{"existing_token_expire_in_seconds", 0}})
                .status,
            404);
  Reply grant =
      Call("PATCH", Uc("/shares/a-share/permissions"), a,
           Json::parse(R"({"changes": [{"principal": "b-partner", "add": ["SELECT"]}]})"));
  EXPECT_EQ(grant.status, 404);
  EXPECT_EQ(grant.body["error_code"], "RECIPIENT_DOES_NOT_EXIST");
  EXPECT_TRUE(catalog_->GetShare("b-share", false));
  EXPECT_TRUE(catalog_->GetRecipient("b-partner"));

  // Their own objects work end to end.
  EXPECT_EQ(Call("PATCH", Uc("/shares/a-share/permissions"), a,
                 Json::parse(R"({"changes": [{"principal": "a-partner", "add": ["SELECT"]}]})"))
                .status,
            200);

  // Without CREATE_SHARE a principal cannot create shares.
  Reply c = Call("POST", "/api/2.1/lakeshare/principals", "admin-token", Json{{"name", "team-c"}});
  std::string c_token = c.body["token_value"];
  Reply denied = Call("POST", Uc("/shares"), c_token, Json{{"name", "c-share"}});
  EXPECT_EQ(denied.status, 403);
  EXPECT_EQ(denied.body["error_code"], "PERMISSION_DENIED");
  EXPECT_TRUE(Call("GET", Uc("/shares"), c_token).body["shares"].empty());

  // USE_SHARE lets a principal see (not change) every share.
  ASSERT_EQ(Call("PATCH", Uc("/permissions/metastore/metastore"), "admin-token",
                 Json::parse(R"({"changes": [{"principal": "team-c", "add": ["USE_SHARE"]}]})"))
                .status,
            200);
  EXPECT_EQ(Call("GET", Uc("/shares"), c_token).body["shares"].size(), 2u);
  EXPECT_EQ(Call("DELETE", Uc("/shares/a-share"), c_token).status, 403);
  // Only admins may grant on the metastore.
  EXPECT_EQ(Call("PATCH", Uc("/permissions/metastore/metastore"), a,
                 Json::parse(R"({"changes": [{"principal": "team-a", "add": ["USE_SHARE"]}]})"))
                .status,
            403);
}

TEST_F(ManagementTest, AddingATableNeedsSelectOnIt) {
  MakeTables(2);
  std::string a = MakeTeam("team-a");
  ASSERT_EQ(Call("POST", Uc("/shares"), a, Json{{"name", "a-share"}}).status, 200);
  Json add = Json::parse(R"({"updates": [{"action": "ADD", "data_object": {"name": "c.s.t1"}}]})");
  Reply denied = Call("PATCH", Uc("/shares/a-share"), a, add);
  EXPECT_EQ(denied.status, 403) << denied.raw;
  EXPECT_THAT(denied.body["message"].get<std::string>(), HasSubstr("SELECT"));
  ASSERT_EQ(Call("PATCH", Uc("/permissions/table/c.s.t1"), "admin-token",
                 Json::parse(R"({"changes": [{"principal": "team-a", "add": ["SELECT"]}]})"))
                .status,
            200);
  Reply ok = Call("PATCH", Uc("/shares/a-share"), a, add);
  ASSERT_EQ(ok.status, 200) << ok.raw;
  EXPECT_EQ(ok.body["objects"][0]["shared_as"], "s.t1");
  // Team a sees the table it may select, not the other one.
  Reply tables = Call("GET", Uc("/tables?catalog_name=c&schema_name=s"), a);
  // Without USE_SCHEMA the schema itself is hidden.
  EXPECT_EQ(tables.status, 404);
  ASSERT_EQ(Call("PATCH", Uc("/permissions/schema/c.s"), "admin-token",
                 Json::parse(R"({"changes": [{"principal": "team-a", "add": ["USE_SCHEMA"]}]})"))
                .status,
            200);
  ASSERT_EQ(Call("PATCH", Uc("/permissions/catalog/c"), "admin-token",
                 Json::parse(R"({"changes": [{"principal": "team-a", "add": ["USE_CATALOG"]}]})"))
                .status,
            200);
  tables = Call("GET", Uc("/tables?catalog_name=c&schema_name=s"), a);
  ASSERT_EQ(tables.status, 200) << tables.raw;
  ASSERT_EQ(tables.body["tables"].size(), 1u);
  EXPECT_EQ(tables.body["tables"][0]["name"], "t1");
  Reply perms = Call("GET", Uc("/permissions/table/c.s.t1"));
  EXPECT_EQ(perms.body["privilege_assignments"][0]["principal"], "team-a");
}

TEST_F(ManagementTest, ShareUpdateChangesOnlyTheNamedFields) {
  MakeTables(2);
  ASSERT_EQ(Call("POST", Uc("/shares"), "admin-token", Json{{"name", "s1"}}).status, 200);
  ASSERT_EQ(Call("PATCH", Uc("/shares/s1"), "admin-token", Json::parse(R"({"updates": [
      {"action": "ADD", "data_object": {"name": "c.s.t1", "shared_as": "x.one",
       "cdf_enabled": true, "comment": "first"}},
      {"action": "ADD", "data_object": {"name": "c.s.t2"}}]})"))
                .status,
            200);
  Reply dup = Call("PATCH", Uc("/shares/s1"), "admin-token", Json::parse(R"({"updates": [
      {"action": "ADD", "data_object": {"name": "c.s.t1"}}]})"));
  EXPECT_EQ(dup.status, 409);
  EXPECT_EQ(dup.body["error_code"], "RESOURCE_ALREADY_EXISTS");
  Reply upd = Call("PATCH", Uc("/shares/s1"), "admin-token", Json::parse(R"({"updates": [
      {"action": "UPDATE", "data_object": {"name": "c.s.t1", "comment": "second"}},
      {"action": "REMOVE", "data_object": {"name": "c.s.t2"}}]})"));
  ASSERT_EQ(upd.status, 200) << upd.raw;
  ASSERT_EQ(upd.body["objects"].size(), 1u);
  EXPECT_EQ(upd.body["objects"][0]["comment"], "second");
  EXPECT_EQ(upd.body["objects"][0]["shared_as"], "x.one");
  EXPECT_EQ(upd.body["objects"][0]["cdf_enabled"], true);
  Reply missing = Call("PATCH", Uc("/shares/s1"), "admin-token", Json::parse(R"({"updates": [
      {"action": "ADD", "data_object": {"name": "c.s.nope"}}]})"));
  EXPECT_EQ(missing.status, 404);
  EXPECT_EQ(missing.body["error_code"], "TABLE_DOES_NOT_EXIST");
  Reply renamed = Call("PATCH", Uc("/shares/s1"), "admin-token",
                       Json{{"new_name", "s2"}, {"comment", "renamed"}});
  ASSERT_EQ(renamed.status, 200) << renamed.raw;
  EXPECT_EQ(renamed.body["name"], "s2");
  EXPECT_EQ(Call("GET", Uc("/shares/s1")).status, 404);
  EXPECT_EQ(Call("DELETE", Uc("/shares/s2")).status, 200);
}

TEST_F(ManagementTest, ListsPageAcrossPages) {
  for (int i = 0; i < 7; ++i) {
    ASSERT_EQ(
        Call("POST", Uc("/shares"), "admin-token", Json{{"name", "s" + std::to_string(i)}}).status,
        200);
  }
  std::vector<std::string> seen;
  std::string token;
  int pages = 0;
  do {
    std::string target = Uc("/shares?max_results=3");
    if (!token.empty()) {
      target += "&page_token=" + token;
    }
    Reply page = Call("GET", target);
    ASSERT_EQ(page.status, 200) << page.raw;
    for (const Json& s : page.body["shares"]) {
      seen.push_back(s["name"]);
    }
    token = page.body.value("next_page_token", "");
    ++pages;
  } while (!token.empty() && pages < 10);
  EXPECT_EQ(pages, 3);
  EXPECT_THAT(seen, ::testing::ElementsAre("s0", "s1", "s2", "s3", "s4", "s5", "s6"));
  EXPECT_EQ(Call("GET", Uc("/shares")).body["shares"].size(), 7u);  // no max_results: all
  EXPECT_FALSE(Call("GET", Uc("/shares")).body.contains("next_page_token"));

  // Filtering never hides the rest: a team owning every other share pages through its own.
  std::string a = MakeTeam("team-a");
  for (int i = 0; i < 5; ++i) {
    ASSERT_EQ(Call("POST", Uc("/shares"), a, Json{{"name", "s" + std::to_string(i) + "a"}}).status,
              200);
  }
  seen.clear();
  token.clear();
  pages = 0;
  do {
    std::string target = Uc("/shares?max_results=2");
    if (!token.empty()) {
      target += "&page_token=" + token;
    }
    Reply page = Call("GET", target, a);
    ASSERT_EQ(page.status, 200) << page.raw;
    for (const Json& s : page.body["shares"]) {
      seen.push_back(s["name"]);
    }
    token = page.body.value("next_page_token", "");
    ++pages;
  } while (!token.empty() && pages < 20);
  EXPECT_THAT(seen, ::testing::ElementsAre("s0a", "s1a", "s2a", "s3a", "s4a"));

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

}  // namespace
}  // namespace lakeshare::admin

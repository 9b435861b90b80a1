// The partner lifecycle through the management API: onboarding, activation, rotation, deletion,
// IP access lists, and what each team may see and change (fixture: management_test_fixture.h).
// Designated initializers naming only the fields a test cares about are the point here.
#pragma GCC diagnostic ignored "-Wmissing-field-initializers"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <atomic>
#include <string>
#include <thread>
#include <vector>

#include "admin/management_test_fixture.h"

namespace lakeshare::admin::test {
namespace {

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
  // The issued link has an id, and GET shows it while it is unused (issue 14 item 11).
  std::string link_id = recipient.body["tokens"][0]["id"];
  EXPECT_THAT(link_id, ::testing::StartsWith("link-"));
  EXPECT_THAT(url, Not(HasSubstr(link_id.substr(5))));
  Reply pending = Call("GET", Uc("/recipients/acme"));
  ASSERT_EQ(pending.body["activation_links"].size(), 1u) << pending.raw;
  EXPECT_EQ(pending.body["activation_links"][0]["id"], link_id);
  EXPECT_EQ(pending.body["activation_links"][0]["expiration_time"], kT0 + 72LL * 3600 * 1000);
  EXPECT_EQ(recipient.audit.action, "createRecipient");
  EXPECT_EQ(recipient.audit.recipient, "acme");
  for (const auto& [k, v] : recipient.audit.params) {
    EXPECT_THAT(v, Not(HasSubstr(TokenOf(url)))) << k;
  }

  // 5. Grant.
  Reply grant = Grant("/shares/sales/permissions", "acme", {"SELECT"});
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

  clock_.Advance(1000);
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
  EXPECT_EQ(recipient.body["activation_links"].size(), 0u);  // used: no longer pending
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
  clock_.Advance(60'000);
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
  clock_.Advance(3'600'001);
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

// Deleting a recipient deletes its links (ON DELETE CASCADE), so its link then reads exactly as
// a link that never was. The activation routes' other branch, a link found whose recipient is
// not, is reachable only in a race (the recipient deleted between the two reads) and is not
// constructed here.
TEST_F(ManagementTest, ALinkOfADeletedRecipientGoesWithItAndReadsAsAnUnknownLink) {
  const std::string token = TokenOf(MakeRecipient("acme"));
  ASSERT_TRUE(catalog_->GetActivationLink(token).has_value());
  ASSERT_EQ(Call("DELETE", Uc("/recipients/acme")).status, 200);
  // The link went with its recipient (the delete cascades), so the replies below come from the
  // link lookup, not from the recipient-missing branch (reachable only in a race).
  auto gone = catalog_->GetActivationLink(token);
  ASSERT_FALSE(gone.has_value());
  EXPECT_EQ(gone.error().code, ErrorCode::kNotFound);
  for (const std::string path :
       {"/public/data_sharing_activation_info/", "/public/data_sharing_activation/"}) {
    for (const std::string& link : {token, std::string("unknown-token")}) {
      Reply r = Call("GET", Uc(path + link), "");
      EXPECT_EQ(r.status, 404) << path << link << " " << r.raw;
      EXPECT_EQ(r.body["error_code"], "RESOURCE_DOES_NOT_EXIST") << path << link;
      EXPECT_EQ(r.body["message"],
                "This activation link does not exist; ask your data provider for a new one")
          << path << link;
    }
  }
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
  Reply grant = Grant("/shares/a-share/permissions", "b-partner", {"SELECT"}, a);
  EXPECT_EQ(grant.status, 404);
  EXPECT_EQ(grant.body["error_code"], "RECIPIENT_DOES_NOT_EXIST");
  EXPECT_TRUE(catalog_->GetShare("b-share", false));
  EXPECT_TRUE(catalog_->GetRecipient("b-partner"));

  // Their own objects work end to end.
  EXPECT_EQ(Grant("/shares/a-share/permissions", "a-partner", {"SELECT"}, a).status, 200);

  // Without CREATE_SHARE a principal cannot create shares.
  Reply c = Call("POST", "/api/2.1/lakeshare/principals", "admin-token", Json{{"name", "team-c"}});
  std::string c_token = c.body["token_value"];
  Reply denied = Call("POST", Uc("/shares"), c_token, Json{{"name", "c-share"}});
  EXPECT_EQ(denied.status, 403);
  EXPECT_EQ(denied.body["error_code"], "PERMISSION_DENIED");
  EXPECT_TRUE(Call("GET", Uc("/shares"), c_token).body["shares"].empty());

  // USE_SHARE lets a principal see (not change) every share.
  ASSERT_EQ(Grant("/permissions/metastore/metastore", "team-c", {"USE_SHARE"}).status, 200);
  EXPECT_EQ(Call("GET", Uc("/shares"), c_token).body["shares"].size(), 2u);
  EXPECT_EQ(Call("DELETE", Uc("/shares/a-share"), c_token).status, 403);
  // Only admins may grant on the metastore.
  EXPECT_EQ(Grant("/permissions/metastore/metastore", "team-a", {"USE_SHARE"}, a).status, 403);
}

// Revoking needs no right on the recipient, and a revoke naming another team's recipient on the
// caller's own share answered 200 where a missing one answered 404: any team owning a share could
// list which partner names other teams have. A recipient the caller may not see now reads as
// missing unless it holds a grant on that share (whose permissions the caller sees anyway).
TEST_F(ManagementTest, RevokingOnItsOwnShareTellsNoHiddenRecipientFromAMissingOne) {
  std::string a = MakeTeam("team-a");
  std::string b = MakeTeam("team-b");
  ASSERT_EQ(Call("POST", Uc("/shares"), a, Json{{"name", "a-share"}}).status, 200);
  MakeRecipient("b-partner", b);
  for (const std::string name : {"b-partner", "nobody"}) {
    for (const Json& change : {Json{{"principal", name}, {"remove", {"SELECT"}}},
                               Json{{"principal", name}}}) {
      Reply r = Call("PATCH", Uc("/shares/a-share/permissions"), a,
                     Json{{"changes", Json::array({change})}});
      EXPECT_EQ(r.status, 404) << change.dump() << " " << r.raw;
      EXPECT_EQ(r.body["error_code"], "RECIPIENT_DOES_NOT_EXIST") << r.raw;
      EXPECT_EQ(r.body["message"], "Recipient '" + name + "' does not exist") << r.raw;
    }
  }
  // Granted on the share (by an admin), the hidden recipient is listed there: the owner sees it
  // and may revoke it.
  ASSERT_EQ(Grant("/shares/a-share/permissions", "b-partner", {"SELECT"}).status, 200);
  EXPECT_THAT(Call("GET", Uc("/shares/a-share/permissions"), a).raw, HasSubstr("b-partner"));
  Reply revoked = Call("PATCH", Uc("/shares/a-share/permissions"), a,
                       Json{{"changes", Json::array({Json{{"principal", "B-PARTNER"},
                                                          {"remove", {"SELECT"}}}})}});
  EXPECT_EQ(revoked.status, 200) << revoked.raw;
  EXPECT_THAT(revoked.raw, Not(HasSubstr("b-partner")));
}

// A listing keeps only what the caller sees, and used to fetch from the metastore only as many
// rows as its page still lacked: a principal seeing none of N shares, asking for one, made the
// server run one query per hidden row (N queries per request, for anyone holding a token). Rows
// are now scanned in batches, so a page costs about what listing every row at once does.
TEST_F(ManagementTest, AFilteredListingScansHiddenRowsInBatchesNotOneQueryEach) {
  const std::string team = MakeTeam("team");
  for (int i = 0; i < 2500; ++i) {
    catalog::ShareInfo share;
    share.name = fmt::format("hidden-{:04}", i);
    share.owner = "admin";
    ASSERT_TRUE(catalog_->CreateShare(share));
  }
  ASSERT_EQ(Call("POST", Uc("/shares"), team, Json{{"name", "mine-1"}}).status, 200);
  ASSERT_EQ(Call("POST", Uc("/shares"), team, Json{{"name", "mine-2"}}).status, 200);
  int statements = 0;
  sql_fault_ = [&](std::string_view) -> std::optional<Error> {
    ++statements;
    return std::nullopt;
  };
  Reply first = Call("GET", Uc("/shares?max_results=1"), team);
  ASSERT_EQ(first.status, 200) << first.raw;
  ASSERT_EQ(first.body["shares"].size(), 1u) << first.raw;
  EXPECT_EQ(first.body["shares"][0]["name"], "mine-1");
  EXPECT_LE(statements, 20) << "statements for one page of one share";
  // The page ends at the share it returned: the next one starts right after it.
  statements = 0;
  Reply second = Call("GET",
                      Uc("/shares?max_results=1&page_token=" +
                         first.body.value("next_page_token", std::string())),
                      team);
  ASSERT_EQ(second.status, 200) << second.raw;
  ASSERT_EQ(second.body["shares"].size(), 1u) << second.raw;
  EXPECT_EQ(second.body["shares"][0]["name"], "mine-2");
  EXPECT_FALSE(second.body.contains("next_page_token")) << second.raw;
  EXPECT_LE(statements, 20);
  sql_fault_ = nullptr;
  Reply admin = Call("GET", Uc("/shares?max_results=1000"));
  ASSERT_EQ(admin.status, 200);
  EXPECT_EQ(admin.body["shares"].size(), 1000u);
  EXPECT_TRUE(admin.body.contains("next_page_token"));
}

// The sharing server reads a share with its tables on every cache miss, and the share owner's
// SELECT is checked for each table: one grants query each, the owner and the tables' parents
// read once (a full privilege check per table was about twelve statements each).
TEST_F(ManagementTest, ReadingAShareChecksItsOwnersSelectInOneQueryPerTable) {
  MakeTables(50);
  MakeTeam("team");
  ASSERT_EQ(Grant("/permissions/catalog/c", "team", {"SELECT"}).status, 200);
  catalog::ShareInfo share;
  share.name = "x";
  share.owner = "team";
  ASSERT_TRUE(catalog_->CreateShare(share));
  std::vector<catalog::SharedObjectChange> adds(50);
  for (int i = 0; i < 50; ++i) {
    adds[i].object.name = "c.s.t" + std::to_string(i + 1);
  }
  ASSERT_TRUE(catalog_->UpdateShare("x", {}, adds, "team"));
  int statements = 0;
  sql_fault_ = [&](std::string_view) -> std::optional<Error> {
    ++statements;
    return std::nullopt;
  };
  auto read = catalog_->GetSharesWithTables({"x"});
  sql_fault_ = nullptr;
  ASSERT_TRUE(read);
  ASSERT_EQ(read->size(), 1u);
  for (const catalog::SharedDataObject& o : (*read)[0].share.objects) {
    EXPECT_EQ(o.status, "ACTIVE") << o.name;
  }
  EXPECT_LE(statements, 50 + 15);
}

/// What a caller without SELECT is told of the table `table` it named, hidden or missing alike:
/// the same 404 and words either way, so the answer never tells which.
void ExpectHiddenTable(const Reply& r, const std::string& table) {
  EXPECT_EQ(r.status, 404) << table << " " << r.raw;
  EXPECT_EQ(r.body["error_code"], "TABLE_DOES_NOT_EXIST") << table;
  EXPECT_EQ(r.body["message"], "Table '" + table +
                                   "' does not exist or you hold no SELECT on it; ask its "
                                   "owner for SELECT")
      << table;
}

// A schema or table lookup answered "Catalog 'x' does not exist" or "Schema 'x.s' does not
// exist" when a parent was missing, and "Table ..."/"Schema ..." when it was there but hidden:
// any principal could learn which catalogs and schemas exist. To a non-admin, every missing or
// hidden object on the path now reads as the object asked for; admins keep the precise answer.
TEST_F(ManagementTest, ANonAdminCannotTellAMissingCatalogOrSchemaFromAHiddenOne) {
  MakeTables(1);  // c.s.t1, the admin's
  const std::string team = MakeTeam("team");
  for (const std::string table : {"nope.s.t1", "c.nope.t1", "c.s.nope", "c.s.t1", "C.S.T1"}) {
    ExpectHiddenTable(Call("GET", Uc("/tables/" + table), team), table);
  }
  for (const std::string schema : {"nope.s", "c.nope", "c.s", "C.s"}) {
    Reply r = Call("GET", Uc("/schemas/" + schema), team);
    EXPECT_EQ(r.status, 404) << schema << " " << r.raw;
    EXPECT_EQ(r.body["error_code"], "SCHEMA_DOES_NOT_EXIST") << schema;
    EXPECT_EQ(r.body["message"], "Schema '" + schema + "' does not exist") << schema;
  }
  Reply create = Call("POST", Uc("/tables"), team,
                      Json{{"name", "t"},
                           {"catalog_name", "nope"},
                           {"schema_name", "s"},
                           {"storage_location", "s3://bucket/t"}});
  EXPECT_EQ(create.body["error_code"], "SCHEMA_DOES_NOT_EXIST") << create.raw;
  // An admin is told which part is missing.
  EXPECT_EQ(Call("GET", Uc("/tables/nope.s.t1")).body["error_code"], "CATALOG_DOES_NOT_EXIST");
  EXPECT_EQ(Call("GET", Uc("/tables/c.nope.t1")).body["error_code"], "SCHEMA_DOES_NOT_EXIST");
}

// A fixture whose partition check names the table's partition columns and location, as
// app/table_checks.cc's does.
class PartitionCheckTest : public ManagementTest {
 protected:
  void AdjustOptions(ManagementOptions& options) override {
    options.check_partition_columns = [](const catalog::TableInfo& table,
                                         const std::vector<std::string>&) -> Status {
      return InvalidArgument(
          "'x' is not a partition column of table '{}' at '{}' (its partition "
          "columns: secret_column)",
          table.full_name(), table.storage_location);
    };
  }
};

// The partition check used to run before the SELECT check, so a team without SELECT on a table
// learnt its partition columns and storage location from the 400, and a missing catalog or
// schema answered with its own error. Now SELECT comes first, and a missing parent reads as a
// missing table. So does a table the caller may not see: it was a 403 ("needs SELECT") where a
// missing one was a 404, which told any team which of another team's tables exist.
TEST_F(PartitionCheckTest, ACallerWithoutSelectLearnsNothingOfTheTableFromAShareUpdate) {
  MakeTables(1);
  std::string a = MakeTeam("team-a");
  ASSERT_EQ(Call("POST", Uc("/shares"), a, Json{{"name", "a-share"}}).status, 200);
  auto add = [](const std::string& table) {
    return Json::parse(R"({"updates": [{"action": "ADD", "data_object": {"name": ")" + table +
                       R"(", "partitions": [{"values": [{"name": "x", "op": "EQUAL",
                       "value": "1"}]}]}}]})");
  };
  for (const std::string hidden : {"c.s.t1", "c.s.nope", "nope.s.t1", "c.nope.t1"}) {
    Reply r = Call("PATCH", Uc("/shares/a-share"), a, add(hidden));
    ExpectHiddenTable(r, hidden);
    EXPECT_EQ(r.raw.find("secret_column"), std::string::npos) << r.raw;
  }
  ASSERT_EQ(Grant("/permissions/table/c.s.t1", "team-a", {"SELECT"}).status, 200);
  Reply checked = Call("PATCH", Uc("/shares/a-share"), a, add("c.s.t1"));
  EXPECT_EQ(checked.status, 400) << checked.raw;
  EXPECT_NE(checked.raw.find("secret_column"), std::string::npos) << checked.raw;
}

// A partition check that cannot reach the table's store (kUnavailable) used to be answered 400
// INVALID_PARAMETER_VALUE, as if the request were wrong; it is an outage: 503, retry later.
class UnreachablePartitionCheckTest : public ManagementTest {
 protected:
  void AdjustOptions(ManagementOptions& options) override {
    options.check_partition_columns = [](const catalog::TableInfo&,
                                         const std::vector<std::string>&) -> Status {
      return MakeError(ErrorCode::kUnavailable, "cannot read the Delta log: connection refused");
    };
  }
};

TEST_F(UnreachablePartitionCheckTest, AStoreOutageIsUnavailableNotABadRequest) {
  MakeTables(1);
  ASSERT_EQ(Call("POST", Uc("/shares"), "admin-token", Json{{"name", "a-share"}}).status, 200);
  Reply r = Call("PATCH", Uc("/shares/a-share"), "admin-token",
                 Json::parse(R"({"updates": [{"action": "ADD", "data_object": {"name": "c.s.t1",
                 "partitions": [{"values": [{"name": "x", "op": "EQUAL", "value": "1"}]}]}}]})"));
  EXPECT_EQ(r.status, 503) << r.raw;
  EXPECT_EQ(r.body["error_code"], "TEMPORARILY_UNAVAILABLE") << r.raw;
  const std::string* retry = r.response.Header("Retry-After");
  ASSERT_NE(retry, nullptr) << r.raw;  // the client is told to try again
  EXPECT_EQ(*retry, "1");
}

TEST_F(ManagementTest, AddingATableNeedsSelectOnIt) {
  MakeTables(2);
  std::string a = MakeTeam("team-a");
  ASSERT_EQ(Call("POST", Uc("/shares"), a, Json{{"name", "a-share"}}).status, 200);
  Json add = Json::parse(R"({"updates": [{"action": "ADD", "data_object": {"name": "c.s.t1"}}]})");
  Reply denied = Call("PATCH", Uc("/shares/a-share"), a, add);  // hidden: it reads as missing
  EXPECT_EQ(denied.status, 404) << denied.raw;
  EXPECT_EQ(denied.body["error_code"], "TABLE_DOES_NOT_EXIST") << denied.raw;
  ASSERT_EQ(Grant("/permissions/table/c.s.t1", "team-a", {"SELECT"}).status, 200);
  Reply ok = Call("PATCH", Uc("/shares/a-share"), a, add);
  ASSERT_EQ(ok.status, 200) << ok.raw;
  EXPECT_EQ(ok.body["objects"][0]["shared_as"], "s.t1");
  // Team a sees the table it may select, not the other one.
  Reply tables = Call("GET", Uc("/tables?catalog_name=c&schema_name=s"), a);
  // Without USE_SCHEMA the schema itself is hidden.
  EXPECT_EQ(tables.status, 404);
  ASSERT_EQ(Grant("/permissions/schema/c.s", "team-a", {"USE_SCHEMA"}).status, 200);
  ASSERT_EQ(Grant("/permissions/catalog/c", "team-a", {"USE_CATALOG"}).status, 200);
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

// Issue 13: refusals before a handler runs (wrong method, unknown path, no token) answer in Unity
// Catalog's shape too, through the API's route group.
TEST_F(ManagementTest, RefusalsBeforeAHandlerAnswerInUnityCatalogShape) {
  Reply wrong_method = Call("DELETE", Uc("/shares"));
  EXPECT_EQ(wrong_method.status, 405);
  EXPECT_EQ(wrong_method.body["error_code"], "METHOD_NOT_ALLOWED");
  EXPECT_THAT(wrong_method.body["message"].get<std::string>(),
              HasSubstr("Method DELETE is not allowed"));
  EXPECT_FALSE(wrong_method.body.contains("errorCode"));
  ASSERT_NE(wrong_method.response.Header("Allow"), nullptr);
  EXPECT_EQ(*wrong_method.response.Header("Allow"), "GET, HEAD, POST");

  Reply unknown = Call("GET", Uc("/no-such-resource"));
  EXPECT_EQ(unknown.status, 404);
  EXPECT_EQ(unknown.body["error_code"], "RESOURCE_DOES_NOT_EXIST");

  Reply anonymous = Call("GET", Uc("/shares"), "");
  EXPECT_EQ(anonymous.status, 401);
  EXPECT_EQ(anonymous.body["error_code"], "UNAUTHENTICATED");
  EXPECT_FALSE(anonymous.body.contains("errorCode"));
}

}  // namespace
}  // namespace lakeshare::admin::test

// The fixture of the management API tests (internal to admin/'s tests): the API through a real
// http::Router over a real SQLite metastore in a temp dir (or the metastore
// LAKESHARE_ADMIN_TEST_METASTORE names), so every request goes through routing,
// ManagementService::Authenticate and the handlers.
#pragma once

#include "admin/management_service.h"
#include "admin/test_location_policy.h"
#include "common/clock.h"
#include "common/temp_dir.h"

// Designated initializers naming only the fields a test cares about are the point here.
#pragma GCC diagnostic ignored "-Wmissing-field-initializers"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <atomic>
#include <cstdlib>
#include <filesystem>
#include <limits>
#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <thread>
#include <vector>

#include "http/request.h"
#include "http/router.h"

namespace lakeshare::admin::test {

namespace fs = std::filesystem;
using Json = nlohmann::json;
using ::testing::HasSubstr;
using ::testing::Not;

inline constexpr std::string_view kUc = "/api/2.1/unity-catalog";
inline constexpr int64_t kT0 = 1'700'000'000'000;

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
    // LAKESHARE_ADMIN_TEST_METASTORE runs a test on another (new, empty) metastore, e.g. a
    // PostgreSQL database: one database per test, so pair it with --gtest_filter.
    const char* location = std::getenv("LAKESHARE_ADMIN_TEST_METASTORE");
    auto opened = catalog::OpenCatalog(
        location != nullptr ? std::string(location) : (dir_.path() / "metastore.db").string(),
        {.clock = &clock_, .fault_for_test = [this](std::string_view sql) {
           return sql_fault_ ? sql_fault_(sql) : std::nullopt;
         }});
    ASSERT_TRUE(opened) << opened.error().ToString();
    catalog_ = std::move(*opened);
    // The test's own folder is the server's data (storage governance, issue 10).
    ASSERT_TRUE(catalog_->SetLocationPolicy(TestLocationPolicy(dir_.path().string())));
    ASSERT_TRUE(catalog_->CreatePrincipal({.name = "admin", .is_admin = true}));
    ASSERT_TRUE(catalog_->AddPrincipalToken("admin", "admin-token", std::nullopt, ""));

    ManagementOptions options;
    options.public_url = "https://share.example.com";
    options.clock = &clock_;  // tests move time with clock_.Advance
    options.on_access_changed = [this](const std::string& r) { changed_.push_back(r); };
    // Tables whose location ends in "-cdf" have the change data feed enabled; those holding
    // "missing" hold no table (their status says so).
    options.shared_table_source = [](const catalog::TableInfo& t) {
      if (t.storage_location.find("missing") != std::string::npos) {
        return ManagementOptions::SharedTableSource{"SOURCE_NOT_FOUND", std::nullopt};
      }
      return ManagementOptions::SharedTableSource{"ACTIVE", t.storage_location.ends_with("-cdf")};
    };
    // Identity-provider documents (federation profile templates): what idp_documents_ holds.
    options.idp_fetcher = [this](const std::string& url) -> Result<std::string> {
      auto found = idp_documents_.find(url);
      if (found == idp_documents_.end()) {
        return Errorf(ErrorCode::kUnavailable, "nothing answers at {}", url);
      }
      return found->second;
    };
    AdjustOptions(options);
    auto service = ManagementService::Create(catalog_.get(), options);
    ASSERT_TRUE(service) << service.error().ToString();
    service_ = std::move(*service);
    ASSERT_TRUE(router_.Mount({"/api"}, service_->RouteGroup()));  // as `lakeshare serve` does
    ASSERT_TRUE(service_->RegisterRoutes(router_));
  }

  /// A fixture's own options (e.g. provider sign-in), set before the service is created.
  virtual void AdjustOptions(ManagementOptions& /*options*/) {}

  void TearDown() override {
    service_.reset();
    catalog_.reset();
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

  /// PATCH the permissions at Unity Catalog `path` ("/permissions/table/c.s.t1",
  /// "/shares/x/permissions") as `token`, adding `privileges` for `principal`.
  Reply Grant(std::string_view path, const std::string& principal,
              const std::vector<std::string>& privileges, std::string_view token = "admin-token") {
    return Call(
        "PATCH", Uc(path), token,
        Json{{"changes", Json::array({Json{{"principal", principal}, {"add", privileges}}})}});
  }

  /// catalog c, schema s, tables t1..tn owned by the admin, inside external location "bucket"
  /// (s3://bucket: registration never declares one, for admins neither).
  void MakeTables(int n) {
    ASSERT_EQ(Call("POST", Uc("/external-locations"), "admin-token",
                   Json{{"name", "bucket"}, {"url", "s3://bucket"}})
                  .status,
              200);
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
    Reply g = Grant("/permissions/metastore/metastore", name, {"CREATE_SHARE", "CREATE_RECIPIENT"});
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

  TempDir dir_{"lakeshare-admin-test"};
  std::unique_ptr<catalog::Catalog> catalog_;
  ManualClock clock_{kT0};  // the catalog's and the API's time
  std::unique_ptr<ManagementService> service_;
  http::Router router_;
  std::vector<std::string> changed_;
  std::map<std::string, std::string> idp_documents_;  // URL -> body
  // A metastore outage: an Error for the SQL statements that are to fail (unset: none fail).
  std::function<std::optional<Error>(std::string_view sql)> sql_fault_;
};

}  // namespace lakeshare::admin::test

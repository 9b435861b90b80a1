// The one fixture of the in-process protocol tests (protocol_test.cc, protocol_errors_test.cc):
// every Delta Sharing endpoint through the http Router over a real SQLite metastore and local
// Delta tables written with the project's writer (sharing_test_util.h).
//
//   people  partitioned by country, change data feed on; commit times T0 + version hours:
//     v0 add us (ids 1-3, US), add fr (4-5, FR)   v1 add de (6-7, DE)
//     v2 remove fr, cdc of it                      v3 add us2 (8-9, US)
//   events  one commit of 5 files of 4 rows (ids 0-19), with statistics
//
//   share demo     main.people (history, CDF), main.events (history, no CDF)  -> alice
//   share plain    main.nohist (people without history)                        -> alice
//   share zz_last  empty                                                        -> alice
//   share partners eu.events                                                    -> bob
#pragma once

// Designated initializers leave the catalog structs' other fields at their defaults on purpose.
#pragma GCC diagnostic ignored "-Wmissing-field-initializers"
#include <gtest/gtest.h>

#include <cstdint>
#include <ctime>
#include <memory>
#include <string>
#include <vector>

#include "http/router.h"
#include "sharing/sharing_service.h"
#include "sharing/sharing_test_util.h"

namespace lakeshare::sharing::testing {

inline constexpr int64_t kT0 = 1672531200000;  // 2023-01-01T00:00:00Z
inline constexpr int64_t kHour = 3600 * 1000;
inline constexpr char kShares[] = "/delta-sharing/shares";
inline constexpr char kPeople[] = "/delta-sharing/shares/demo/schemas/main/tables/people";
inline constexpr char kEvents[] = "/delta-sharing/shares/demo/schemas/main/tables/events";
inline constexpr char kNoHist[] = "/delta-sharing/shares/plain/schemas/main/tables/nohist";

/// "2023-01-01T01:00:00Z" for kT0 + kHour (whole seconds).
inline std::string Iso(int64_t ms) {
  const std::time_t t = ms / 1000;
  std::tm tm{};
  ::gmtime_r(&t, &tm);
  char out[32];
  std::strftime(out, sizeof out, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return out;
}

class ProtocolTest : public ::testing::Test {
 protected:
  // The world is built once per test suite: no test changes it.
  static void SetUpTestSuite() {
    bed_ = std::make_unique<SharingTestBed>();
    router_ = std::make_unique<http::Router>();
    BuildWorld();
    if (::testing::Test::HasFatalFailure()) TearDownTestSuite();
  }
  static void TearDownTestSuite() {
    service_.reset();
    router_.reset();
    bed_.reset();
  }
  void SetUp() override {
    ASSERT_TRUE(service_) << "the fixture's tables and metastore could not be built (see above)";
  }

  static void BuildWorld() {
    ASSERT_TRUE(bed_->Open());
    ASSERT_NO_FATAL_FAILURE(WritePeople());
    ASSERT_NO_FATAL_FAILURE(WriteEvents());
    const std::string enabled = "ENABLED";
    ASSERT_TRUE(bed_->Share("demo", {{.name = "main.s.people",
                                      .shared_as = "main.people",
                                      .history_data_sharing_status = enabled,
                                      .cdf_enabled = true},
                                     {.name = "main.s.events",
                                      .shared_as = "main.events",
                                      .history_data_sharing_status = enabled}}));
    ASSERT_TRUE(bed_->Share("plain", {{.name = "main.s.people", .shared_as = "main.nohist"}}));
    ASSERT_TRUE(bed_->Share("zz_last"));
    ASSERT_TRUE(bed_->Share("partners", {{.name = "main.s.events", .shared_as = "eu.events"}}));
    auto alice = bed_->Recipient("alice", {"demo", "plain", "zz_last"});
    ASSERT_TRUE(alice) << alice.error().message;
    alice_ = *alice;
    auto bob = bed_->Recipient("bob", {"partners"});
    ASSERT_TRUE(bob) << bob.error().message;
    bob_ = *bob;
    SharingOptions options;
    options.public_url = "http://localhost";
    options.signing_key = "protocol-test-signing-key-0123456789";
    options.query_page_size_limit = 1000;
    auto service = bed_->Serve(options, *router_);
    ASSERT_TRUE(service) << service.error().message;
    service_ = std::move(*service);
  }

  static inline std::unique_ptr<SharingTestBed> bed_;
  static inline std::string alice_, bob_;  // "Bearer ..." headers
  static inline std::unique_ptr<http::Router> router_;
  static inline std::unique_ptr<SharingService> service_;

 public:
  /// A request as alice (or as whoever `auth` names: "Bearer ..." or "" for none).
  Reply Get(const std::string& target, const Headers& headers = {}) {
    return As(alice_, "GET", target, "", headers);
  }
  Reply Post(const std::string& target, const std::string& body, const Headers& headers = {}) {
    return As(alice_, "POST", target, body, headers);
  }
  Reply As(const std::string& auth, const std::string& method, const std::string& target,
           const std::string& body = "", const Headers& headers = {}) {
    Headers all;
    if (!auth.empty()) all.emplace_back("Authorization", auth);
    all.insert(all.end(), headers.begin(), headers.end());
    return Call(*router_, method, target, all, body);
  }

 private:
  static void WritePeople() {
    auto created = bed_->CreateTable("people");
    ASSERT_TRUE(created) << created.error().message;
    delta::TableWriter& w = *created;
    delta::Metadata m =
        MetadataOf("people-id", {{"id", "long"}, {"name", "string"}, {"country", "string"}});
    m.partition_columns = {"country"};
    m.configuration = {{"delta.enableChangeDataFeed", "true"}};
    m.created_time = kT0;
    auto us = WriteRows(w, "country=US/us.parquet", {{1, "ann"}, {2, "bob"}, {3, "cy"}},
                        {{"country", "US"}});
    auto fr =
        WriteRows(w, "country=FR/fr.parquet", {{4, "chloe"}, {5, "dan"}}, {{"country", "FR"}});
    auto de = WriteRows(w, "country=DE/de.parquet", {{6, "eve"}, {7, "fay"}}, {{"country", "DE"}});
    // The cdc file's rows are never read by the protocol, only announced.
    auto cdc = WriteRows(w, "_change_data/fr-deleted.parquet", {{4, "chloe"}, {5, "dan"}},
                         {{"country", "FR"}});
    auto us2 =
        WriteRows(w, "country=US/us2.parquet", {{8, "gus"}, {9, "hal"}}, {{"country", "US"}});
    for (auto* f : {&us, &fr, &de, &cdc, &us2}) ASSERT_TRUE(*f) << f->error().message;
    delta::FileAction remove = *fr;
    remove.type = delta::FileActionType::kRemove;
    remove.deletion_timestamp = kT0 + 2 * kHour;
    remove.data_change = true;
    cdc->type = delta::FileActionType::kCdc;
    ASSERT_TRUE(w.Commit(0, {delta::ProtocolActionLine({}), delta::MetadataActionLine(m),
                             delta::FileActionLine(*us), delta::FileActionLine(*fr)}));
    ASSERT_TRUE(w.Commit(1, {delta::FileActionLine(*de)}));
    ASSERT_TRUE(w.Commit(2, {delta::FileActionLine(remove), delta::FileActionLine(*cdc)}));
    ASSERT_TRUE(w.Commit(3, {delta::FileActionLine(*us2)}));
    for (int64_t v = 0; v <= 3; ++v) {
      ASSERT_TRUE(SetCommitTime(bed_->dir() / "people", v, kT0 + v * kHour));
    }
  }

  static void WriteEvents() {
    auto created = bed_->CreateTable("events");
    ASSERT_TRUE(created) << created.error().message;
    delta::TableWriter& w = *created;
    delta::Metadata m = MetadataOf("events-id", {{"id", "long"}, {"name", "string"}});
    std::vector<std::string> lines = {delta::ProtocolActionLine({}), delta::MetadataActionLine(m)};
    for (int64_t f = 0; f < 5; ++f) {
      std::vector<std::pair<int64_t, std::string>> rows;
      for (int64_t k = 0; k < 4; ++k) rows.emplace_back(f * 4 + k, "e" + std::to_string(k));
      auto add = WriteRows(w, "part-" + std::to_string(f) + ".parquet", rows);
      ASSERT_TRUE(add) << add.error().message;
      lines.push_back(delta::FileActionLine(*add));
    }
    ASSERT_TRUE(w.Commit(0, lines));
    ASSERT_TRUE(SetCommitTime(bed_->dir() / "events", 0, kT0));
  }
};

}  // namespace lakeshare::sharing::testing

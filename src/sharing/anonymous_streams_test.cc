// A server configured without tokens (the reference server's anonymous mode) bounds streams per
// caller by address: by the same key as every other per-address limit (http::AddressLimitKey),
// so one IPv6 host, which is routinely given a whole /64, cannot take a fresh budget per
// address and, with the server-wide cap, lock every other caller out.
#include <gtest/gtest.h>

#include <memory>
#include <string>
#include <vector>

#include "http/request.h"
#include "http/response.h"
#include "http/router.h"
#include "sharing/sharing_service.h"
#include "sharing/sharing_test_util.h"
#include "sharing/yaml_share_provider.h"

namespace lakeshare::sharing::testing {
namespace {

constexpr char kTableQuery[] = "/delta-sharing/shares/s/schemas/d/tables/t/query";

class AnonymousStreamsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(bed_.Open());
    auto table = CreateAnnouncedTable(bed_, "t", 10);
    ASSERT_TRUE(table) << table.error().message;
    auto provider = YamlProviderOf(
        "version: 1\nshares:\n- name: s\n  schemas:\n  - name: d\n"
        "    tables:\n    - {name: t, location: '" +
        (bed_.dir() / "t").string() + "'}\n");
    ASSERT_TRUE(provider) << provider.error().message;
    std::shared_ptr<const YamlShareProvider> yaml(std::move(*provider));
    SharingOptions options = LocalOptions("anonymous-streams-test-signing-key-0123");
    options.snapshot_streams_per_recipient = 1;
    auto service = ServeOn(router_, yaml, yaml, options);
    ASSERT_TRUE(service) << service.error().message;
    service_ = std::move(*service);
  }

  // A snapshot /query from `address`, its body not read: a 200 holds its stream slot for as long
  // as the response lives.
  http::Response Query(const std::string& address) {
    auto request = http::Request::Create(
        "POST", kTableQuery, {{"Host", "localhost"}, {"Content-Type", "application/json"}}, "{}",
        address);
    EXPECT_TRUE(request) << request.error().message;
    return router_.Dispatch(*request);
  }

  SharingTestBed bed_;
  http::Router router_;
  std::unique_ptr<SharingService> service_;
};

TEST_F(AnonymousStreamsTest, AddressesOfOneIpv6SlashSixtyFourShareOneBudget) {
  http::Response held = Query("2001:db8:1:2::1");
  ASSERT_EQ(held.status(), 200);
  EXPECT_EQ(Query("2001:db8:1:2::ffff:2").status(), 429);
  EXPECT_EQ(Query("2001:db8:1:2:abcd:ef01:2345:6789").status(), 429);
  // Another /64 has its own budget.
  EXPECT_EQ(Query("2001:db8:1:3::1").status(), 200);
}

TEST_F(AnonymousStreamsTest, AnIpv4MappedAddressCountsAsItsIpv4Address) {
  http::Response held = Query("192.0.2.7");
  ASSERT_EQ(held.status(), 200);
  EXPECT_EQ(Query("::ffff:192.0.2.7").status(), 429);
  EXPECT_EQ(Query("192.0.2.8").status(), 200);
}

}  // namespace
}  // namespace lakeshare::sharing::testing

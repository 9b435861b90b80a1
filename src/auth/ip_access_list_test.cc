#include "auth/ip_access_list.h"

#include <gtest/gtest.h>

namespace lakeshare::auth {
namespace {

IpAccessList MustParse(std::vector<std::string> entries) {
  auto list = IpAccessList::Parse(entries);
  EXPECT_TRUE(list.has_value()) << (list ? "" : list.error().message);
  return list ? *list : IpAccessList();
}

TEST(IpAccessListTest, EmptyListAllowsEveryone) {
  IpAccessList list = MustParse({});
  EXPECT_TRUE(list.empty());
  EXPECT_TRUE(list.Allows("203.0.113.9"));
  EXPECT_TRUE(list.Allows("::1"));
}

TEST(IpAccessListTest, SingleAddressesAndIpv4Ranges) {
  IpAccessList list = MustParse({"203.0.113.7", "10.0.0.0/8", "192.168.1.128/25"});
  EXPECT_TRUE(list.Allows("203.0.113.7"));
  EXPECT_FALSE(list.Allows("203.0.113.8"));
  EXPECT_TRUE(list.Allows("10.255.1.2"));
  EXPECT_FALSE(list.Allows("11.0.0.1"));
  EXPECT_TRUE(list.Allows("192.168.1.200"));
  EXPECT_FALSE(list.Allows("192.168.1.127"));
  // A dual-stack listener reports IPv4 peers as IPv4-mapped IPv6 addresses.
  EXPECT_TRUE(list.Allows("::ffff:10.1.2.3"));
  EXPECT_FALSE(list.Allows("::ffff:11.1.2.3"));
}

TEST(IpAccessListTest, Ipv6RangesAndLoopback) {
  IpAccessList list = MustParse({"2001:db8::/32", "::1"});
  EXPECT_TRUE(list.Allows("2001:db8:ffff::1"));
  EXPECT_FALSE(list.Allows("2001:db9::1"));
  EXPECT_TRUE(list.Allows("::1"));
  EXPECT_TRUE(list.Allows("fe80::1%eth0") == false);
  EXPECT_FALSE(list.Allows("127.0.0.1"));
}

TEST(IpAccessListTest, ZeroPrefixCoversItsFamily) {
  IpAccessList v4 = MustParse({"0.0.0.0/0"});
  EXPECT_TRUE(v4.Allows("8.8.8.8"));
  EXPECT_FALSE(v4.Allows("2001:db8::1"));
}

TEST(IpAccessListTest, GarbageAddressIsRefusedByANonEmptyList) {
  IpAccessList list = MustParse({"10.0.0.0/8"});
  EXPECT_FALSE(list.Allows(""));
  EXPECT_FALSE(list.Allows("not-an-ip"));
  EXPECT_FALSE(list.Allows("10.0.0.1:443"));
}

TEST(IpAccessListTest, BadEntriesAreNamedInTheError) {
  for (const char* bad : {"10.0.0.0/33", "10.0.0.1/8", "300.1.1.1", "10.0.0.0/", "10.0.0.0/x",
                          "2001:db8::/129", "", "localhost", "10.0.0.0/8 "}) {
    auto list = IpAccessList::Parse(std::vector<std::string>{bad});
    ASSERT_FALSE(list.has_value()) << bad;
    EXPECT_EQ(list.error().code, ErrorCode::kInvalidArgument);
    EXPECT_NE(list.error().message.find(std::string("'") + bad + "'"), std::string::npos)
        << list.error().message;
  }
}

TEST(IpAccessListTest, AtMostOneHundredEntries) {
  std::vector<std::string> entries;
  for (int i = 0; i < 101; ++i) entries.push_back("10.0.0." + std::to_string(i));
  EXPECT_FALSE(IpAccessList::Parse(entries).has_value());
  entries.pop_back();
  EXPECT_TRUE(IpAccessList::Parse(entries).has_value());
}

}  // namespace
}  // namespace lakeshare::auth

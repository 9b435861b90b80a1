#include "http/address_key.h"

#include <gtest/gtest.h>

namespace lakeshare::http {
namespace {

TEST(AddressKeyTest, Ipv4AddressesAreTheirOwnKey) {
  EXPECT_EQ(AddressLimitKey("127.0.0.2"), "127.0.0.2");
  EXPECT_EQ(AddressLimitKey("203.0.113.9"), "203.0.113.9");
}

TEST(AddressKeyTest, Ipv4MappedAddressesCountAsTheirIpv4Address) {
  EXPECT_EQ(AddressLimitKey("::ffff:203.0.113.9"), "203.0.113.9");
}

TEST(AddressKeyTest, Ipv6AddressesCountPerSlash64) {
  EXPECT_EQ(AddressLimitKey("2001:db8:1:2:aaaa:bbbb:cccc:dddd"), "2001:db8:1:2::/64");
  EXPECT_EQ(AddressLimitKey("2001:db8:1:2::1"), AddressLimitKey("2001:db8:1:2:ffff::9"));
  EXPECT_NE(AddressLimitKey("2001:db8:1:2::1"), AddressLimitKey("2001:db8:1:3::1"));
  EXPECT_EQ(AddressLimitKey("::1"), "::/64");
}

// A link-local peer's address names its interface; without the zone cut off, every such
// address was its own key (a budget per address instead of per /64).
TEST(AddressKeyTest, ScopedIpv6AddressesCountPerSlash64OnTheirInterface) {
  EXPECT_EQ(AddressLimitKey("fe80::1:2:3:4%eth0"), "fe80::/64%eth0");
  EXPECT_EQ(AddressLimitKey("fe80::1:2:3:4%eth0"), AddressLimitKey("fe80::9:9:9:9%eth0"));
  EXPECT_NE(AddressLimitKey("fe80::1:2:3:4%eth0"), AddressLimitKey("fe80::1:2:3:4%eth1"));
  EXPECT_EQ(AddressLimitKey("fe80::1%2"), "fe80::/64%2");
  EXPECT_EQ(AddressLimitKey("zz::zz%eth0"), "zz::zz%eth0");
  EXPECT_EQ(AddressLimitKey("10.0.0.1%eth0"), "10.0.0.1%eth0");
}

TEST(AddressKeyTest, TextThatIsNoAddressIsItsOwnKey) {
  EXPECT_EQ(AddressLimitKey(""), "");
  EXPECT_EQ(AddressLimitKey("unknown"), "unknown");
  EXPECT_EQ(AddressLimitKey("zz::zz"), "zz::zz");
  std::string long_text(200, ':');
  EXPECT_EQ(AddressLimitKey(long_text), long_text);
}

}  // namespace
}  // namespace lakeshare::http
